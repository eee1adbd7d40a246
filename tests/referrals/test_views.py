"""Pages of referrals: data minimisation on the provider side, two-stage legal hand-over, access, bad input."""

import datetime

import pytest
from auditlog.models import LogEntry
from django.db import connection
from django.test.utils import CaptureQueriesContext

from cases.services import people, records
from referrals.choices import DataCategory, ReferralState
from referrals.models import Consent, Referral
from referrals.services import referrals
from tests.conftest import MEMET, open_case
from tests.referrals.conftest import give_consent, make_provider, refer

pytestmark = pytest.mark.django_db

PASSPORT = "E12345678"


@pytest.fixture
def rich_case(cast, own_case):
    """The cast's case with something in every category, so that any leak would show."""
    person = own_case.people.get()
    people.person_update(actor=cast.caseworker, person=person, expected_version=person.version, data={
        **MEMET, "date_of_birth": datetime.date(1987, 4, 13), "place_of_birth": "Ghulja", "languages": ["ug", "ru"],
        "contact_notes": "Never call before six",
    })
    records.relative_add(actor=cast.caseworker, case=own_case, data={
        "relationship": "father", "name": "Fictional father name", "status": "disappeared", "source": "client",
    })
    records.incident_add(actor=cast.caseworker, case=own_case, data={
        "category": "police_visit", "occurred_on": datetime.date(2026, 9, 1), "description": "Visited at the flat.",
        "source": "client",
    })
    records.incident_add(actor=cast.caseworker, case=own_case, data={
        "category": "custody", "occurred_on": datetime.date(2026, 10, 1), "description": "Held two days.",
        "source": "client",
    })
    own_case.refresh_from_db()
    return own_case


FORBIDDEN_UNLESS = {
    DataCategory.BIRTH: ["Ghulja", "1987"],
    DataCategory.CONTACT: ["+77011234567", "Never call before six"],
    DataCategory.LOCATION: ["Almaty"],
    DataCategory.DOCUMENTS: [PASSPORT],
    DataCategory.RELATIVES: ["Disappeared"],
    DataCategory.HISTORY: ["Visited at the flat."],
    DataCategory.LEGAL_SITUATION: ["Held two days."],
    DataCategory.NAMES: ["Memet", "مەمەت", "买买提"],
}


@pytest.mark.parametrize("shared", [
    [DataCategory.NAMES, DataCategory.LANGUAGES],
    [DataCategory.LANGUAGES],
    [DataCategory.CONTACT, DataCategory.BIRTH],
    [DataCategory.DOCUMENTS, DataCategory.HISTORY, DataCategory.NAMES],
])
def test_the_provider_page_holds_nothing_outside_the_consent(cast, rich_case, counselling, logged_in, shared):
    give_consent(cast.caseworker, rich_case, counselling, categories=shared)
    referral = refer(cast.caseworker, rich_case, counselling, categories=shared)
    html = logged_in(cast.provider).get(f"/referrals/{referral.public_id}/").content.decode()
    for category, fragments in FORBIDDEN_UNLESS.items():
        for fragment in fragments:
            assert (fragment in html) == (category in shared), (category, fragment)
    # Never the case file: no case reference, no link to it, no note of the referrer's.
    assert rich_case.reference not in html and "/cases/" not in html
    assert "Fictional father name" not in html


def test_the_referrer_sees_what_was_released(cast, rich_case, counselling, logged_in):
    give_consent(cast.caseworker, rich_case, counselling, categories=[DataCategory.DOCUMENTS])
    referral = refer(cast.caseworker, rich_case, counselling, categories=[DataCategory.DOCUMENTS])
    html = logged_in(cast.supervisor).get(f"/referrals/{referral.public_id}/").content.decode()
    assert PASSPORT in html and rich_case.reference in html


def test_a_legal_referral_shows_a_deidentified_summary_until_accepted(cast, rich_case, legal_aid, logged_in):
    categories = [DataCategory.NAMES, DataCategory.LEGAL_SITUATION, DataCategory.LANGUAGES, DataCategory.DOCUMENTS]
    give_consent(cast.caseworker, rich_case, legal_aid, purpose="legal", categories=categories)
    referral = refer(cast.caseworker, rich_case, legal_aid, services=("asylum_representation",),
                     categories=categories)
    lawyer = logged_in(cast.lawyer)
    before = lawyer.get(f"/referrals/{referral.public_id}/").content.decode()
    assert "De-identified summary" in before and "Custody by host authorities" in before
    for fragment in ["Memet", "مەمەت", PASSPORT, "Held two days.", "sleep problems"]:
        assert fragment not in before, fragment

    assert lawyer.post(f"/referrals/{referral.public_id}/accept/", {"accept-note": ""}).status_code == 302
    after = lawyer.get(f"/referrals/{referral.public_id}/").content.decode()
    assert "Memet" in after and PASSPORT in after and "Held two days." in after
    assert referral.events.filter(kind="full_data_released").exists()


def test_every_provider_read_is_audited(cast, own_case, counselling, logged_in):
    give_consent(cast.caseworker, own_case, counselling)
    referral = refer(cast.caseworker, own_case, counselling)
    logged_in(cast.provider).get(f"/referrals/{referral.public_id}/")
    read = LogEntry.objects.filter(action=LogEntry.Action.ACCESS, object_pk=str(referral.pk))
    assert read.filter(actor=cast.provider).count() == 1
    assert read.get().additional_data["organisation"] == cast.ngo.pk


@pytest.fixture
def live_referral(cast, own_case, counselling):
    give_consent(cast.caseworker, own_case, counselling)
    return refer(cast.caseworker, own_case, counselling)


# Who may open a live referral's page: the referring side (whoever sees the case) and the
# staff of the receiving organisation; everyone else gets 404, exactly like a missing id.
REFERRAL_PAGE_ACCESS = {
    "caseworker": 200, "caseworker2": 404, "supervisor": 200, "other_caseworker": 404, "other_supervisor": 404,
    "liaison": 404, "lawyer": 404, "provider": 200, "org_admin": 404, "auditor": 404,
}


@pytest.mark.parametrize(("role", "expected"), REFERRAL_PAGE_ACCESS.items())
def test_access_matrix_of_the_referral_page(cast, live_referral, logged_in, role, expected):
    client = logged_in(cast.by_role()[role])
    assert client.get(f"/referrals/{live_referral.public_id}/").status_code == expected
    # And no step goes through for anyone outside.
    response = client.post(f"/referrals/{live_referral.public_id}/accept/", {"accept-note": ""})
    live_referral.refresh_from_db()
    if role == "provider":
        assert live_referral.state == ReferralState.ACCEPTED
    else:
        assert response.status_code in (403, 404, 400) and live_referral.state == ReferralState.SENT


@pytest.mark.parametrize("url", [
    "/cases/{case}/", "/referrals/case/{case}/consent/", "/referrals/case/{case}/new/", "/cases/",
    "/referrals/consents/{consent}/withdraw/",
])
def test_providers_never_reach_the_case_file(cast, live_referral, logged_in, url):
    client = logged_in(cast.provider)
    consent = Consent.objects.get()
    response = client.get(url.format(case=live_referral.case.public_id, consent=consent.pk))
    if url == "/cases/":
        assert response.status_code == 200 and live_referral.case.reference not in response.content.decode()
    else:
        assert response.status_code == 404


def test_another_provider_organisation_sees_nothing(cast, live_referral, logged_in):
    from cases.services import access
    from tests.conftest import make_user

    elsewhere = access.organisation_create(name="Other Rooms", kind="service_provider", countries=["KZ"])
    stranger = make_user("stranger", elsewhere, "service_provider")
    client = logged_in(stranger)
    assert client.get(f"/referrals/{live_referral.public_id}/").status_code == 404
    assert live_referral.reference not in client.get("/referrals/inbox/").content.decode()


def test_a_closed_referral_leaves_only_a_bare_line_in_the_inbox(cast, live_referral, logged_in):
    referrals.referral_withdraw(actor=cast.caseworker, referral=live_referral, note="Client moved.")
    client = logged_in(cast.provider)
    inbox = client.get("/referrals/inbox/").content.decode()
    assert live_referral.reference in inbox and str(live_referral.public_id) not in inbox
    assert client.get(f"/referrals/{live_referral.public_id}/").status_code == 404


def test_logins_land_where_each_role_works(cast, logged_in):
    assert logged_in(cast.provider).get("/").url == "/referrals/inbox/"
    assert logged_in(cast.caseworker).get("/").status_code == 200
    assert logged_in(cast.lawyer).get("/").status_code == 200


def test_recording_consent_through_the_page_and_refusing_bad_input(cast, own_case, counselling, logged_in):
    client = logged_in(cast.caseworker)
    url = f"/referrals/case/{own_case.public_id}/consent/"
    person = own_case.people.get()
    data = {"person": person.pk, "recipient": cast.provider_org.pk, "purpose": "psychosocial",
            "data_categories": ["names", "languages"], "obtained_on": "2099-01-01", "method": "written",
            "language": "ug", "interpreter": "Fictional interpreter"}
    refused = client.post(url, data)
    assert refused.status_code == 400 and "Fictional interpreter" in refused.content.decode()
    assert not Consent.objects.exists()
    response = client.post(url, {**data, "obtained_on": "2026-11-20"})
    assert response.status_code == 302
    assert Consent.objects.get().data_categories == ["names", "languages"]
    page = client.get(f"/cases/{own_case.public_id}/").content.decode()
    assert "Referrals and consent" in page and "Calm Rooms" in page


def test_sending_through_the_page_without_consent_keeps_what_was_typed(cast, own_case, counselling, logged_in):
    client = logged_in(cast.caseworker)
    response = client.post(f"/referrals/case/{own_case.public_id}/new/", {
        "person": own_case.people.get().pk, "provider": counselling.pk, "services_requested": ["mhpss_focused"],
        "priority": "urgent", "reasons": "Fictional reasons typed with care.", "data_categories": ["names"],
        "send": "1",
    })
    body = response.content.decode()
    assert response.status_code == 400 and "No active consent covers this referral" in body
    assert "Fictional reasons typed with care." in body
    assert not Referral.objects.exists()


def test_services_of_two_types_in_one_referral_are_refused(cast, own_case, counselling, logged_in):
    response = logged_in(cast.caseworker).post(f"/referrals/case/{own_case.public_id}/new/", {
        "person": own_case.people.get().pk, "provider": counselling.pk,
        "services_requested": ["mhpss_focused", "legal_aid"], "priority": "normal", "reasons": "x", "draft": "1",
    })
    assert response.status_code == 400 and "one type per referral" in response.content.decode()


def test_a_step_refused_meanwhile_says_so_on_the_page(cast, live_referral, logged_in):
    referrals.referral_decline(actor=cast.provider, referral=live_referral, reason="no_capacity")
    response = logged_in(cast.caseworker).post(f"/referrals/{live_referral.public_id}/withdraw/",
                                               {"withdraw-note": "Too late."})
    assert response.status_code == 400
    assert "cannot become" in response.content.decode()


def test_directory_search_by_service_country_and_language(cast, counselling, legal_aid, logged_in):
    make_provider(cast.provider_org, "Russian-only rooms", services=["mhpss_focused"], countries=["KZ"],
                  languages=["ru"])
    client = logged_in(cast.caseworker)
    html = client.get("/referrals/providers/", {"service": "mhpss_focused", "country": "KZ",
                                                "language": "ug"}).content.decode()
    assert "Calm Rooms counselling" in html and "Russian-only rooms" not in html and "Harbour asylum" not in html
    html = client.get("/referrals/providers/", {"service": "asylum_representation"}).content.decode()
    assert "Harbour asylum desk" in html and "Calm Rooms counselling" not in html
    html = client.get("/referrals/providers/", {"country": "KZ", "city": "Shymkent"}).content.decode()
    assert "Harbour asylum desk" in html and "Calm Rooms counselling" not in html  # it serves Almaty only


def test_a_provider_keeps_its_capacity_current_and_others_cannot(cast, counselling, logged_in):
    url = f"/referrals/providers/{counselling.pk}/"
    data = {"version": counselling.version, "capacity": "waitlist", "contact_details": "intake desk"}
    assert logged_in(cast.caseworker).post(url, data).status_code == 403
    assert logged_in(cast.provider).post(url, data).status_code == 302
    counselling.refresh_from_db()
    assert counselling.capacity == "waitlist"
    stale = logged_in(cast.provider).post(url, {**data, "capacity": "full"})
    assert stale.status_code == 400
    counselling.refresh_from_db()
    assert counselling.capacity == "waitlist"


def _queries(client, url):
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def test_list_pages_cost_the_same_at_any_size(cast, counselling, legal_aid, logged_in, clock):
    provider_client, caseworker_client = logged_in(cast.provider), logged_in(cast.caseworker)
    for client in (provider_client, caseworker_client):
        client.get("/")  # a session's first page also notes its second factor and its browser, once
    case = open_case(cast.caseworker)
    give_consent(cast.caseworker, case, counselling)
    refer(cast.caseworker, case, counselling)
    clock.advance(days=15)  # overdue: the dashboard lists it
    small = [_queries(provider_client, "/referrals/inbox/"), _queries(caseworker_client, "/referrals/providers/"),
             _queries(caseworker_client, "/")]
    assert "RF-2026-000001" in caseworker_client.get("/").content.decode()
    for index in range(5):
        case = open_case(cast.caseworker, passport_number=f"E0000000{index}")
        give_consent(cast.caseworker, case, counselling)
        refer(cast.caseworker, case, counselling, priority="emergency")
        clock.advance(days=1)
        make_provider(cast.provider_org, f"Extra rooms {index}", services=["shelter"], countries=["KZ"],
                      languages=["ug"])
    large = [_queries(provider_client, "/referrals/inbox/"), _queries(caseworker_client, "/referrals/providers/"),
             _queries(caseworker_client, "/")]
    assert large == small


def test_a_signed_consent_form_is_linked_from_the_case_attachments(cast, own_case, counselling, logged_in):
    from django.core.files.uploadedfile import SimpleUploadedFile

    other = open_case(cast.caseworker, passport_number="E99999999")
    scan = records.attachment_add(actor=cast.caseworker, case=own_case,
                                  upload=SimpleUploadedFile("consent.pdf", b"%PDF-1.4 fictional signed form"))
    elsewhere = records.attachment_add(actor=cast.caseworker, case=other,
                                       upload=SimpleUploadedFile("other.pdf", b"%PDF-1.4 another case"))
    client = logged_in(cast.caseworker)
    url = f"/referrals/case/{own_case.public_id}/consent/"
    data = {"person": own_case.people.get().pk, "recipient": cast.provider_org.pk, "purpose": "psychosocial",
            "data_categories": ["names"], "obtained_on": "2026-11-20", "method": "written", "language": "ug"}
    assert "consent.pdf" in client.get(url).content.decode()
    assert client.post(url, {**data, "signed_form": elsewhere.pk}).status_code == 400  # not this case's file
    assert not Consent.objects.exists()
    assert client.post(url, {**data, "signed_form": scan.pk}).status_code == 302
    assert Consent.objects.get().signed_form == scan
    page = client.get(f"/cases/{own_case.public_id}/").content.decode()
    assert f"/cases/{own_case.public_id}/attachments/{scan.pk}/" in page


def test_the_provider_never_reads_the_referrers_notes(cast, own_case, counselling, logged_in):
    from tests.conftest import make_user

    make_user("supervisor2", cast.ngo, "supervisor")
    referral = refer(cast.supervisor, own_case, counselling, priority="emergency",
                     override_reason="Fictional override reason: detained at the airport.")
    referrals.referral_follow_up(actor=cast.caseworker, referral=referral, note="Fictional follow-up about Almaty.")
    html = logged_in(cast.provider).get(f"/referrals/{referral.public_id}/").content.decode()
    assert "Fictional override reason" not in html and "Fictional follow-up" not in html
    assert "sent without consent to protect the client" in html  # the legal basis itself is stated
    referrer_html = logged_in(cast.supervisor).get(f"/referrals/{referral.public_id}/").content.decode()
    assert "Fictional override reason" in referrer_html and "Fictional follow-up" in referrer_html


def test_pages_with_released_data_are_not_cached(cast, live_referral, logged_in):
    for url in (f"/referrals/{live_referral.public_id}/", "/referrals/inbox/"):
        assert "no-store" in logged_in(cast.provider).get(url)["Cache-Control"]


@pytest.mark.parametrize("query", ["?provider=²", "?provider=-1", "?provider=99999999999999999999", "?provider=x"])
def test_a_malformed_provider_choice_in_the_url_is_ignored(cast, own_case, counselling, logged_in, query):
    response = logged_in(cast.caseworker).get(f"/referrals/case/{own_case.public_id}/new/{query}")
    assert response.status_code == 200
