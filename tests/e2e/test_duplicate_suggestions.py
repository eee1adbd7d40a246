"""Issue 8 in the browser: while a caseworker types the principal's name on the registration form,
records of the same person already in their caseload are suggested (in another script, without
submitting); a name that matches only another organisation's case suggests nothing."""

import pytest
from playwright.sync_api import expect

from cases.models import Case
from tests.conftest import open_case
from tests.e2e.conftest import log_in

pytestmark = pytest.mark.e2e


def test_existing_records_are_suggested_while_typing_and_never_another_organisations(
    live_server, transactional_db, cast, page, screenshot,
):
    own = open_case(cast.caseworker, principal={"given_name_ug_arab": "مەمەت", "father_name_ug_arab": "تۇرسۇن"})
    foreign = open_case(
        cast.other_caseworker, country="TR", passport_number="U55443322",
        principal={"given_name_ug_latn": "Abliz", "father_name_ug_latn": "Rozi"},
    )
    problems, requests = [], []
    # Script errors and refusals by the Content Security Policy (a missing favicon is not ours).
    page.on("console", lambda message: problems.append(message.text)
            if message.type == "error" and "Failed to load resource" not in message.text else None)
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.on("response", lambda response: problems.append(response.url)
            if response.status >= 400 and not response.url.endswith("favicon.ico") else None)
    page.on("request", lambda request: requests.append(request.url))

    log_in(page, live_server.url, "caseworker")
    page.get_by_role("link", name="Cases", exact=True).click()
    page.get_by_role("link", name="Register a case").click()
    region = page.locator("#registration-matches")
    expect(region).to_have_attribute("aria-live", "polite")

    # Pinyin, as a PRC passport writes him; the record holds only Uyghur Arabic script.
    page.get_by_label("Given name (Pinyin)").press_sequentially("Maimaiti", delay=30)
    page.get_by_label("Father's name (Pinyin)").press_sequentially("Tuerxun", delay=30)
    expect(region.get_by_role("heading", name="Possible existing records")).to_be_visible()
    expect(region.get_by_role("link", name=f"Case {own.reference}")).to_be_visible()
    expect(region).to_contain_text("مەمەت")
    expect(region).to_contain_text("Strong match")
    expect(region).to_contain_text("…5678")  # the document number's tail only
    screenshot("1-suggestion")
    assert page.url.endswith("/cases/new/")  # nothing was submitted
    assert Case.objects.count() == 2

    # A name only the other organisation holds: nothing, not even a hint.
    page.get_by_label("Given name (Pinyin)").fill("")
    page.get_by_label("Father's name (Pinyin)").fill("")
    page.get_by_label("Given name (Pinyin)").press_sequentially("Abulizi", delay=30)
    page.get_by_label("Father's name (Pinyin)").press_sequentially("Rouzi", delay=30)
    expect(region).to_contain_text("No existing record matches these names.")
    expect(region).not_to_contain_text(foreign.reference)
    expect(region).not_to_contain_text("3322")  # not even the document number's tail
    screenshot("2-nothing-suggested")

    assert any(url.endswith("/cases/new/matches/") for url in requests)
    assert not [url for url in requests if any(name in url for name in ("Maimaiti", "Tuerxun", "Abulizi", "Rouzi"))]
    assert not problems, problems
