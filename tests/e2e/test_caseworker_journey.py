"""Journey 1 (first part): a caseworker registers a case with a household member and a passport,
then finds it again by typing the name in Uyghur script, and opens it."""

import re

import pytest
from auditlog.models import LogEntry
from playwright.sync_api import expect

from cases.encryption import blind_index
from cases.models import Case
from tests.e2e.conftest import log_in

pytestmark = pytest.mark.e2e


def test_caseworker_registers_a_case_and_finds_it_by_its_uyghur_name(live_server, transactional_db, cast, page,
                                                                     screenshot):
    log_in(page, live_server.url, "caseworker")

    page.get_by_role("link", name="Cases", exact=True).click()
    page.get_by_role("link", name="Register a case").click()
    page.get_by_label(re.compile(r"^Host country")).select_option("KZ")
    page.get_by_label("City").fill("Almaty")
    page.get_by_label("Opened on").fill("2026-10-05")
    page.get_by_label("Given name (Uyghur (Arabic script))").fill("ئابدۇللا")
    page.get_by_label("Father's name (Uyghur (Arabic script))").fill("يۇسۇپ")
    page.get_by_label("Given name (Uyghur (Latin script))").fill("Abdulla")
    page.get_by_label("Father's name (Uyghur (Latin script))").fill("Yusup")
    page.get_by_label(re.compile(r"^Date of birth")).fill("1984-06-01")
    page.get_by_label("Phone number").fill("8 701 555 0142")
    screenshot("1-register-form")
    page.get_by_role("button", name="Register the case").click()

    expect(page.get_by_role("heading", name=re.compile(r"Case KZ-2026-\d{6}"))).to_be_visible()
    expect(page.locator(".phone")).to_have_text("8 (701) 555 0142")

    page.get_by_text("Add a household member").click()
    household = page.locator("#add-household-member")
    household.get_by_label("Relationship to the principal").select_option("spouse")
    household.get_by_label("Given name (Uyghur (Arabic script))").fill("زۇلپىيە")
    household.get_by_label("Given name (Uyghur (Latin script))").fill("Zulpiye")
    household.get_by_role("button", name="Add household member").click()
    expect(page.get_by_text("Household member added.")).to_be_visible()
    expect(page.locator("#people")).to_contain_text("زۇلپىيە")

    page.get_by_text("Add an identity document").click()
    document = page.locator("#add-document")
    document.get_by_label("Person").select_option(label="ئابدۇللا يۇسۇپ")
    document.get_by_label("Document type").select_option("prc_passport")
    document.get_by_label("Document number").fill("E 4411 2299")
    document.get_by_label("Issuing country").select_option("CN")
    document.get_by_label("Issued on").fill("2018-02-01")
    document.get_by_label("Expires on").fill("2028-01-31")
    document.get_by_label("Name exactly as printed").fill("ABUDULA YUSUFU")
    document.get_by_role("button", name="Add document").click()
    expect(page.get_by_text("Document added.")).to_be_visible()
    expect(page.locator("#documents")).to_contain_text("E 4411 2299")
    screenshot("2-case-file")

    page.get_by_role("link", name="Cases", exact=True).click()
    search = page.get_by_role("searchbox", name="Search")
    search.fill("ئابدۇللا")
    search.press("Enter")
    expect(page.locator(".count")).to_have_text("1 case")
    assert "ئابدۇللا" not in page.url and "%D8" not in page.url  # the name never travels in the URL
    screenshot("3-search-result")

    page.locator("table.case-table tbody a").first.click()
    expect(page.locator("#people")).to_contain_text("Abdulla")
    expect(page.locator("#people")).to_contain_text("Zulpiye")

    case = Case.objects.get()
    assert case.people.count() == 2
    principal = case.people.get(relationship="principal")
    assert principal.documents.get().number_index == blind_index("document", "E44112299")
    assert case.people.get(relationship="principal").phones.get().number == "+77015550142"
    assert LogEntry.objects.filter(action=LogEntry.Action.ACCESS, object_pk=str(case.pk)).count() >= 2
