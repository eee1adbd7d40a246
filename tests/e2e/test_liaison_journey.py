"""Journey 2: a caseworker records an arrest and a removal order and sees the risk turn IMMINENT;
the UNHCR liaison opens the queue, reads why the alert fired, acknowledges, records the
intervention and resolves it. Then the same alert page in Uyghur, right to left."""

import datetime
import re

import pytest
from playwright.sync_api import expect

from cases.models import Alert, Intervention
from tests.conftest import open_case
from tests.e2e.conftest import ARTIFACTS, log_in

pytestmark = pytest.mark.e2e


def add_incident(page, category, day, description):
    page.locator("#timeline").get_by_text("Add an incident").click()
    form = page.locator("#timeline form").last
    form.get_by_label("Category").select_option(category)
    form.get_by_label(re.compile(r"^Date")).fill(day.isoformat())
    form.get_by_label("What happened").fill(description)
    form.get_by_label(re.compile(r"^Source")).select_option("lawyer")
    form.get_by_role("button", name="Add incident").click()
    expect(page.get_by_text("Incident added.")).to_be_visible()


def test_liaison_works_an_imminent_alert_from_queue_to_resolution(live_server, transactional_db, cast, browser,
                                                                  page, screenshot):
    case = open_case(cast.caseworker)
    today = datetime.date.today()

    # The caseworker records what the lawyer reports, and sees the level change at once.
    log_in(page, live_server.url, "caseworker")
    page.goto(f"{live_server.url}/cases/{case.public_id}/")
    expect(page.locator("#risk .risk-badge").first).to_have_text("Medium")
    add_incident(page, "custody", today, "Detained by migration police at the bazaar (fictional).")
    expect(page.locator("#risk .risk-line .risk-badge")).to_have_text("High")
    add_incident(page, "removal_order", today, "Deportation order served (fictional).")
    expect(page.locator("#risk .risk-line .risk-badge")).to_have_text("Imminent")
    expect(page.locator("#risk")).to_contain_text("In custody, with a removal order, a transfer or Chinese officials")
    screenshot("1-case-imminent")

    # The liaison, in a browser of their own.
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-GB")
    liaison = context.new_page()
    liaison.set_default_timeout(15000)
    log_in(liaison, live_server.url, "liaison")
    liaison.get_by_role("link", name="Refoulement alerts").click()
    expect(liaison.get_by_role("heading", name="Refoulement alerts")).to_be_visible()
    first_row = liaison.locator("table.alert-queue tbody tr").first
    expect(first_row).to_contain_text("Imminent")
    expect(first_row).to_contain_text(case.reference)
    liaison.screenshot(path=str(ARTIFACTS / "liaison-journey-queue.png"), full_page=True)
    first_row.get_by_role("link", name=case.reference).click()

    expect(liaison.locator("#why")).to_contain_text("In custody of host authorities")
    expect(liaison.locator("#why")).to_contain_text("Deportation or removal order issued")
    expect(liaison.locator("#brief")).to_contain_text("Maimaiti")
    expect(liaison.locator("#brief")).to_contain_text("E12345678")
    expect(liaison.get_by_role("link", name="Open the case file")).to_have_count(0)  # not shared with UNHCR

    liaison.get_by_role("button", name="Acknowledge: I am taking this").click()
    expect(liaison.get_by_text("Alert acknowledged. You are now responsible for it.")).to_be_visible()
    expect(liaison.locator(".alert-state")).to_have_text("Acknowledged")

    liaison.get_by_text("Record an intervention").click()
    form = liaison.locator("#interventions form")
    form.get_by_label("What was done").select_option("unhcr_access_requested")
    form.get_by_label("Details").fill("Asked the migration police for access; reference 77/B (fictional).")
    form.get_by_role("button", name="Record intervention").click()
    expect(liaison.get_by_text("Intervention recorded.")).to_be_visible()
    expect(liaison.locator(".alert-state")).to_have_text("Intervention in progress")
    expect(liaison.locator("#interventions")).to_contain_text("UNHCR access to the person requested")

    liaison.locator("#close").get_by_label("Resolved: the person is safe for now").check()
    liaison.locator("#close").get_by_label("What happened").fill("Released to the lawyer; order suspended.")
    liaison.locator("#close").get_by_role("button", name="Close the alert").click()
    expect(liaison.get_by_text("Alert closed.")).to_be_visible()
    expect(liaison.locator(".alert-state")).to_have_text("Resolved")
    history = liaison.locator("#events")
    for step in ("Alert opened", "Acknowledged", "Intervention recorded", "Resolved"):
        expect(history).to_contain_text(step)

    alert = Alert.objects.get(case=case, trigger="imminent")
    assert (alert.state, alert.acknowledged_by, alert.closed_by) == ("resolved", cast.liaison, cast.liaison)
    assert Intervention.objects.get(alert=alert).kind == "unhcr_access_requested"

    # The same page in Uyghur: right to left, and the level still readable.
    liaison.locator("#language-select").select_option("ug")
    liaison.locator(".language-form button").click()
    expect(liaison.locator("html")).to_have_attribute("dir", "rtl")
    expect(liaison.locator("html")).to_have_attribute("lang", "ug")
    expect(liaison.locator(".risk-badge").first).to_be_visible()
    liaison.screenshot(path=str(ARTIFACTS / "liaison-journey-alert-ug.png"), full_page=True)
    context.close()
