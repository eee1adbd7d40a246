"""Journey 1 (last part): a caseworker records consent and refers a client to a Uyghur-speaking
psychosocial provider; the provider logs in, sees only the consented data, accepts, works and
records the outcome; the caseworker sees the outcome and closes the referral."""

import pytest
from playwright.sync_api import expect

from referrals.models import Referral
from tests.conftest import MEMET, open_case
from tests.e2e.conftest import ARTIFACTS, log_in
from tests.referrals.conftest import make_provider

pytestmark = pytest.mark.e2e


def test_caseworker_refers_with_consent_and_the_provider_sees_only_what_was_consented(
    live_server, transactional_db, cast, browser, page, screenshot,
):
    principal = {**MEMET, "languages": ["ug", "ru"]}
    case = open_case(cast.caseworker, phone="+77011234567", principal=principal)
    calm_rooms = make_provider(cast.provider_org, "Calm Rooms counselling", services=["mhpss_focused"],
                               countries=["KZ"], languages=["ug", "ru"])
    make_provider(cast.provider_org, "Russian-language rooms", services=["mhpss_focused"], countries=["KZ"],
                  languages=["ru"])

    log_in(page, live_server.url, "caseworker")
    page.goto(f"{live_server.url}/cases/{case.public_id}/")
    referrals_section = page.locator("#referrals")
    expect(referrals_section).to_contain_text("No consent recorded yet")

    # Find a Uyghur-speaking psychosocial provider from the case.
    referrals_section.get_by_role("link", name="Find a provider").click()
    page.get_by_label("Service").select_option("mhpss_focused")
    page.get_by_label("Language spoken").select_option("ug")
    page.get_by_role("button", name="Search").click()
    rows = page.locator("table.directory tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("Calm Rooms counselling")
    screenshot("1-directory")

    # Record the client's consent: names and languages only.
    page.goto(f"{live_server.url}/cases/{case.public_id}/")
    page.get_by_role("link", name="Record consent").click()
    page.get_by_label("Recipient organisation").select_option(label="Calm Rooms")
    page.get_by_label("Purpose").select_option("psychosocial")
    page.get_by_label("Names, in every script recorded").check()
    page.get_by_label("Languages spoken").check()
    page.get_by_label("How consent was given").select_option("written")
    page.get_by_label("Language of the consent conversation").select_option("ug")
    page.get_by_label("Interpreter").fill("Fictional community interpreter")
    page.get_by_label("The client fears reprisals against relatives").check()
    screenshot("2-consent")
    page.get_by_role("button", name="Record consent").click()
    expect(page.get_by_text("Consent recorded.")).to_be_visible()

    # Refer: asking to share the phone too is refused, and nothing typed is lost.
    page.get_by_role("link", name="Refer the client").click()
    page.get_by_label("Provider").select_option(str(calm_rooms.pk))
    page.get_by_label("Psychosocial support, layer 3: focused, non-specialised support").check()
    page.get_by_label("Priority").select_option("urgent")
    page.get_by_label("Reasons for referral").fill("Fictional: nightmares since a relative disappeared.")
    page.get_by_label("Names, in every script recorded").check()
    page.get_by_label("Languages spoken").check()
    page.get_by_label("Phone numbers and safe contact method").check()
    page.get_by_role("button", name="Send the referral").click()
    expect(page.get_by_role("alert").first).to_contain_text("No active consent covers this referral")
    expect(page.get_by_label("Reasons for referral")).to_have_value("Fictional: nightmares since a relative "
                                                                    "disappeared.")
    page.get_by_label("Phone numbers and safe contact method").uncheck()
    page.get_by_role("button", name="Send the referral").click()
    expect(page.get_by_text("Referral sent.")).to_be_visible()
    referral = Referral.objects.get()
    expect(page.locator("#shared-data")).to_contain_text("Maimaiti")
    screenshot("3-referral-sent")

    # The provider, in a browser of their own, lands on the inbox.
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-GB")
    provider = context.new_page()
    provider.set_default_timeout(15000)
    log_in(provider, live_server.url, "provider", lands_on="Referrals received")
    provider.locator("#new-referrals").get_by_role("link", name=referral.reference).click()
    body = provider.locator("main")
    expect(body).to_contain_text("Memet")
    expect(body).to_contain_text("مەمەت")
    expect(body.locator("table.shared-languages")).to_contain_text("Uyghur")
    expect(body).not_to_contain_text("fears reprisals")  # relatives were not part of the consent
    html = provider.content()
    for outside in ["+77011234567", "E12345678", case.reference, "Almaty", "/cases/"]:
        assert outside not in html, outside
    provider.screenshot(path=str(ARTIFACTS / "referral-journey-provider-view.png"), full_page=True)

    provider.locator("#step-accept").get_by_role("button", name="Accept").click()
    expect(provider.get_by_text("Referral accepted.")).to_be_visible()
    provider.locator("#step-progress").get_by_label("Note").fill("First session held in Uyghur.")
    provider.locator("#step-progress").get_by_role("button", name="Record progress").click()
    expect(provider.get_by_text("Progress recorded.")).to_be_visible()
    outcome = provider.locator("#step-outcome")
    outcome.get_by_label("Outcome").select_option("services_provided")
    outcome.get_by_label("Note").fill("Six sessions; sleep improved.")
    outcome.get_by_role("button", name="Record the outcome").click()
    expect(provider.get_by_text("Outcome recorded.")).to_be_visible()
    expect(provider.locator("#referral-summary")).to_contain_text("Services provided as requested")
    provider.screenshot(path=str(ARTIFACTS / "referral-journey-provider-outcome.png"), full_page=True)
    context.close()

    # Back with the caseworker: the dashboard lists it to close; closing ends the provider's access.
    page.goto(f"{live_server.url}/")
    page.locator("#answered-referrals").get_by_role("link", name=referral.reference).click()
    expect(page.locator("#history")).to_contain_text("Six sessions; sleep improved.")
    page.locator("#step-close").get_by_label("Note").fill("Client is glad of the help.")
    page.locator("#step-close").get_by_role("button", name="Close the referral").click()
    expect(page.get_by_text("Referral closed.")).to_be_visible()
    referral.refresh_from_db()
    assert referral.state == "closed"
    screenshot("4-closed")


@pytest.mark.parametrize("language", ["ug", "ar"])
def test_the_provider_works_a_referral_right_to_left(live_server, transactional_db, cast, page, language):
    from referrals.services import referrals as referral_services
    from tests.referrals.conftest import give_consent, refer

    case = open_case(cast.caseworker, principal={**MEMET, "languages": ["ug"]})
    calm_rooms = make_provider(cast.provider_org, "Calm Rooms counselling", services=["mhpss_focused"],
                               countries=["KZ"], languages=["ug"])
    give_consent(cast.caseworker, case, calm_rooms)
    referral = refer(cast.caseworker, case, calm_rooms)

    log_in(page, live_server.url, "provider", lands_on="Referrals received")
    page.locator("#language-select").select_option(language)
    page.locator(".language-form button").click()
    expect(page.locator("html")).to_have_attribute("dir", "rtl")
    expect(page.locator("html")).to_have_attribute("lang", language)
    page.locator("#new-referrals").get_by_role("link", name=referral.reference).click()
    main = page.locator("main")
    expect(main).to_contain_text("مەمەت")
    expect(main).to_contain_text("Maimaiti")
    # The page is in the chosen language: none of its English headings or buttons remain.
    for english in ["Data shared with the provider", "Reasons for referral", "Accept", "Decline", "History",
                    "Respond by", "Names, in every script recorded"]:
        expect(main).not_to_contain_text(english)
    # Right-to-left layout: the definition terms sit at the right edge of their card.
    term = page.locator("#referral-summary dt").first.bounding_box()
    card = page.locator("#referral-summary").bounding_box()
    assert term["x"] + term["width"] > card["x"] + card["width"] * 0.6
    page.screenshot(path=str(ARTIFACTS / f"referral-provider-{language}.png"), full_page=True)

    page.locator("#step-accept button[type=submit]").click()
    expect(page.locator(".messages")).to_be_visible()
    assert referral_services.Referral.objects.get(pk=referral.pk).state == "accepted"
