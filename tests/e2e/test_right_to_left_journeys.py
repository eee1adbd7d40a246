"""Journey 1 in Uyghur and in Arabic: a caseworker whose browser and account speak a right-to-left
language logs in, registers a case (first with a mistake), finds it again and opens every page the
navigation offers. On every page: `<html lang dir>` follows the language, no English UI text is
left, and every run of Latin script or spaced digits (a name, a phone number, a reference) sits in
its own bidi-isolated box, so the right-to-left text around it cannot reorder it. Screenshots of
each page are kept in test-artifacts/.
"""

import pytest
from playwright.sync_api import expect

from cases.models import Case
from tests.e2e.conftest import ARTIFACTS, log_in_any_language
from tests.e2e.rtl import SPACED_DIGITS, UNISOLATED_RUNS, check_page, rename_cast

pytestmark = pytest.mark.e2e


@pytest.fixture
def rtl_page(browser, request):
    language = request.param
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale=language)
    page = context.new_page()
    page.set_default_timeout(15000)
    yield language, page
    context.close()


@pytest.mark.parametrize("rtl_page", ["ug", "ar"], indirect=True)
def test_a_caseworker_works_a_case_in_a_right_to_left_language(live_server, transactional_db, cast, rtl_page,
                                                               request):
    language, page = rtl_page
    cast.caseworker.preferred_language = language
    cast.caseworker.save(update_fields=["preferred_language"])
    # User data shown in Latin script: the staff and organisation names of the cast (the case page
    # offers the others to share with), and the Latin-script name typed below.
    staff, organisations = rename_cast(cast)
    allowed = {"Abdulla", "Yusup", *staff, *(name.lower() for name in staff), "example", "org"}

    # Latin-script values typed or shown as data, each of which must be isolated wherever it appears.
    user_values = {"Abdulla", "Yusup", cast.caseworker.first_name, cast.ngo.name}
    ARTIFACTS.mkdir(exist_ok=True)

    def screenshot(step):
        page.screenshot(path=str(ARTIFACTS / f"{request.node.name}-{step}.png"), full_page=True)

    def check(step):
        check_page(page, language, allowed, screenshot, step, user_values)

    # Anonymous: the browser's language decides.
    page.goto(f"{live_server.url}/login/")
    check("1-login")
    log_in_any_language(page, live_server.url, cast.caseworker.username,
                        on_second_step=lambda page: check("1b-second-step"))
    expect(page.locator("main h1")).to_be_visible()
    check("2-dashboard")

    page.goto(f"{live_server.url}/cases/new/")
    check("3-register-form")
    # A mistake first: no name and a birth date in the future. Django's own messages and ours
    # both come back in the page's language, and what was typed stays.
    page.locator("[name=host_country]").select_option("KZ")
    page.locator("[name=host_city]").fill("ئالمۇتا")
    page.locator("[name=opened_on]").fill("2026-10-05")
    page.locator("[name=principal-date_of_birth]").fill("2099-01-01")
    page.locator("[name=principal-phone]").fill("8 701 555 0142")
    page.locator("main form button.primary[type=submit]").click()
    expect(page.locator(".form-errors, .error").first).to_be_visible()
    expect(page.locator("[name=principal-phone]")).to_have_value("8 701 555 0142")
    check("4-register-errors")
    assert not Case.objects.exists()

    page.locator("[name=principal-given_name_ug_arab]").fill("ئابدۇللا")
    page.locator("[name=principal-father_name_ug_arab]").fill("يۇسۇپ")
    page.locator("[name=principal-given_name_ug_latn]").fill("Abdulla")
    page.locator("[name=principal-father_name_ug_latn]").fill("Yusup")
    page.locator("[name=principal-date_of_birth]").fill("1984-06-01")
    page.locator("main form button.primary[type=submit]").click()
    expect(page.locator("#people")).to_contain_text("Abdulla")
    case = Case.objects.get()
    allowed.add(case.reference.split("-")[0])  # the reference's country code, KZ
    user_values.add(case.reference)
    check("5-case-file")
    # The phone number reads left to right inside the right-to-left page.
    phone = page.locator(".phone").first
    expect(phone).to_have_text("8 (701) 555 0142")
    assert phone.evaluate("el => getComputedStyle(el).direction") == "ltr"

    page.goto(f"{live_server.url}/cases/")
    page.locator("input[type=search]").fill("ئابدۇللا")
    page.locator("input[type=search]").press("Enter")
    expect(page.locator("table.case-table tbody tr")).to_have_count(1)
    check("6-search")

    for index, href in enumerate(page.locator("header nav a").evaluate_all("links => links.map(a => a.href)")):
        page.goto(href)
        check(f"7-nav-{index}")
    page.goto(f"{live_server.url}/cases/{case.public_id}/risk/")
    check("8-risk")


def test_the_isolation_check_finds_a_latin_name_or_a_phone_number_loose_in_right_to_left_text(page):
    """The journey's bidi check must be able to fail: a Latin name or a spaced phone number inside
    Uyghur text is reported unless it sits in a bdi (or is its block's only text)."""
    page.set_content(
        '<html lang="ug" dir="rtl"><body>'
        "<p>ئىلتىماسچى Abdulla Yusup بىلەن كۆرۈشتى</p>"
        "<p>تېلېفون: +7 701 555 0142</p>"
        "<p>ئىلتىماسچى <bdi>Abdulla Yusup</bdi> بىلەن كۆرۈشتى</p>"
        '<p>تېلېفون: <span dir="ltr">+7 701 555 0142</span></p>'
        "<p>ئىلتىماسچى \u2068Abdulla Yusup\u2069 بىلەن كۆرۈشتى، 28 نويابىر 2026 20:11</p>"
        "<dd>Abdulla Yusup</dd>"
        "<p><strong>Abdulla Yusup</strong>: ئىلتىماسچى</p>"
        "</body></html>"
    )
    problems = page.evaluate(UNISOLATED_RUNS, [["Abdulla Yusup"], SPACED_DIGITS])
    assert [problem.split("  <in>  ")[0] for problem in problems] == [
        "ئىلتىماسچى Abdulla Yusup بىلەن كۆرۈشتى", "تېلېفون: +7 701 555 0142", "Abdulla Yusup",
    ]
