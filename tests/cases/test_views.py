"""The caseworker UI over HTTP: list, search, detail, forms, conflicts, downloads, audit pages."""

import datetime

import pytest
from auditlog.models import LogEntry
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from cases.models import Case
from tests.conftest import GULNAR, MEMET, PASSWORD, open_case

LIST = reverse("cases:list")


def detail_url(case):
    return reverse("cases:detail", kwargs={"public_id": case.public_id})


def search(client, term):
    response = client.post(LIST, {"q": term})
    assert response.status_code == 302
    return response, client.get(response["Location"])


@pytest.mark.parametrize("term", [
    "مەمەت",                # Uyghur Arabic script, as typed
    "\ufe97\ufbd7\ufead\ufeb3\ufbd7\ufee5",  # the father's name in Arabic presentation forms
    "memet tursun",          # Uyghur Latin, lower case
    "МӘМӘТ",                 # Cyrillic, upper case
    "买买提",                 # Chinese characters
    "Maimaiti",              # pinyin
    "KZ-2026-000001",        # reference
    "e 1234-5678",           # passport number typed loosely
    "+7 701 123 4567",       # phone, international
    "8 701 123 45 67",       # phone, Kazakh national format
])
def test_search_finds_the_case_by_any_script_reference_document_or_phone(cast, own_case, logged_in, term):
    other = open_case(cast.caseworker, principal=GULNAR, passport_number="")
    client = logged_in(cast.caseworker)
    redirect, page = search(client, term)
    assert own_case.reference in page.content.decode()
    assert other.reference not in page.content.decode()


def test_search_terms_never_appear_in_the_url(cast, own_case, logged_in):
    redirect, page = search(logged_in(cast.caseworker), "Memet")
    assert "Memet" not in redirect["Location"] and "memet" not in redirect["Location"].lower()
    assert "?s=" in redirect["Location"]


def test_search_only_returns_visible_cases(cast, own_case, logged_in):
    _, page = search(logged_in(cast.other_caseworker), "Memet")
    assert own_case.reference not in page.content.decode()
    assert page.context["page"].paginator.count == 0


def test_filters_and_assigned_to_me(cast, own_case, logged_in):
    colleague_case = open_case(cast.caseworker2, country="KG", passport_number="")
    client = logged_in(cast.supervisor)
    both = client.get(LIST).context["page"].paginator.count
    kg = client.get(LIST, {"country": "KG"}).context["page"].object_list
    assert both == 2 and [c.pk for c in kg] == [colleague_case.pk]
    mine = logged_in(cast.caseworker).get(LIST, {"mine": "on"}).context["page"].object_list
    assert [c.pk for c in mine] == [own_case.pk]


def test_status_and_unhcr_filters_and_sorting(cast, logged_in):
    from cases.services import cases as case_services

    first = open_case(cast.caseworker, passport_number="", unhcr_status="asylum_seeker")
    second = open_case(cast.caseworker, passport_number="")
    case_services.case_change_status(actor=cast.caseworker, case=second, expected_version=second.version,
                                     to_status="active", reason="Interviewed")
    client = logged_in(cast.caseworker)
    def listed(**params):
        return [c.reference for c in client.get(LIST, params).context["page"].object_list]

    assert listed(status="active") == [second.reference]
    assert listed(unhcr_status="asylum_seeker") == [first.reference]
    assert listed(sort="reference") == sorted([first.reference, second.reference])
    assert listed(sort="recent")[0] == second.reference  # the one just changed


def test_invalid_filter_values_are_ignored_not_a_500(cast, own_case, logged_in):
    response = logged_in(cast.caseworker).get(LIST, {"country": "XX", "sort": "drop table", "page": "-3"})
    assert response.status_code == 200


def test_case_list_issues_the_same_number_of_queries_at_25_and_100_per_page(cast, logged_in):
    for _ in range(110):
        open_case(cast.caseworker, passport_number="")
    client = logged_in(cast.caseworker)
    client.get(LIST)  # a session's first page also notes its second factor and its browser, once
    counts = {}
    for per_page in (25, 100):
        with CaptureQueriesContext(connection) as queries:
            response = client.get(LIST, {"per_page": per_page})
        assert len(response.context["page"].object_list) == per_page
        counts[per_page] = len(queries)
    assert counts[25] == counts[100]
    assert counts[25] <= 16  # 2–3 of them save the session: each request pushes the idle expiry on


def test_detail_is_audited_and_other_organisations_get_404(cast, own_case, logged_in):
    response = logged_in(cast.caseworker).get(detail_url(own_case))
    assert response.status_code == 200
    assert "مەمەت" in response.content.decode()
    read = LogEntry.objects.get(action=LogEntry.Action.ACCESS, content_type__model="case")
    assert read.actor == cast.caseworker and read.object_pk == str(own_case.pk)

    client = logged_in(cast.other_caseworker)
    assert client.get(detail_url(own_case)).status_code == 404
    assert client.get(reverse("cases:detail", kwargs={"public_id": "00000000-0000-0000-0000-000000000000"})
                      ).status_code == 404
    assert LogEntry.objects.filter(action=LogEntry.Action.ACCESS).count() == 1


def test_phone_numbers_show_in_the_national_format_of_the_host_country(cast, own_case, logged_in):
    html = logged_in(cast.caseworker).get(detail_url(own_case)).content.decode()
    assert "8 (701) 123 4567" in html


def case_form_data(**overrides):
    data = {
        "host_country": "KZ", "host_city": "Almaty", "opened_on": "2026-03-02", "unhcr_status": "none",
        "sensitivity": "normal", "principal-given_name_ug_arab": "مەمەت", "principal-given_name_ug_latn": "Memet",
        "principal-date_of_birth_precision": "exact", "principal-sex": "male", "principal-phone": "+77011234567",
    }
    return {**data, **overrides}


def test_register_a_case_through_the_form(cast, logged_in):
    response = logged_in(cast.caseworker).post(reverse("cases:create"), case_form_data())
    case = Case.objects.get()
    assert response.status_code == 302 and response["Location"] == detail_url(case)
    assert case.people.get().phones.get().number == "+77011234567"


@pytest.mark.parametrize("overrides, field, message", [
    ({"principal-phone": "12"}, "phone", "Enter a valid phone number"),
    ({"opened_on": "2999-01-01"}, "opened_on", "cannot be opened in the future"),
    ({"opened_on": "not a date"}, "opened_on", "Enter a valid date"),
    ({"unhcr_status": "registered"}, "unhcr_number", "UNHCR number"),
    ({"host_country": "CN"}, "host_country", "Select a valid choice"),
])
def test_bad_input_gets_a_field_error_and_keeps_what_was_typed(cast, logged_in, overrides, field, message):
    response = logged_in(cast.caseworker).post(reverse("cases:create"), case_form_data(**overrides))
    assert response.status_code == 400
    html = response.content.decode()
    assert message in html
    assert 'value="مەمەت"' in html and 'value="Almaty"' in html
    assert not Case.objects.exists()


def test_a_case_without_any_name_is_refused_with_a_message(cast, logged_in):
    data = case_form_data(**{"principal-given_name_ug_arab": "", "principal-given_name_ug_latn": ""})
    response = logged_in(cast.caseworker).post(reverse("cases:create"), data)
    assert response.status_code == 400
    assert "Enter at least one name part" in response.content.decode()


def test_the_later_of_two_concurrent_edits_is_refused_and_keeps_the_typed_values(cast, own_case, logged_in):
    """Two people open the same edit form; the second save must not overwrite the first."""
    edit_url = reverse("cases:edit", kwargs={"public_id": own_case.public_id})
    first, second = logged_in(cast.caseworker), None
    form_version = first.get(edit_url).context["form"]["version"].value()
    base = {"host_country": "KZ", "unhcr_status": "none", "sensitivity": "normal", "version": form_version}

    assert first.post(edit_url, {**base, "host_city": "Shymkent"}).status_code == 302
    second = logged_in(cast.supervisor)
    response = second.post(edit_url, {**base, "host_city": "Taraz"})
    assert response.status_code == 400
    html = response.content.decode()
    assert "Someone else saved this record" in html
    assert 'value="Taraz"' in html
    assert response.context["saved_meanwhile"] == [("City", "Shymkent")]  # what the other person saved
    own_case.refresh_from_db()
    assert own_case.host_city == "Shymkent"

    # Having read it, the second person can still save their version: the form took in the new one.
    resubmit = {**base, "host_city": "Taraz", "version": response.context["form"]["version"].value()}
    assert second.post(edit_url, resubmit).status_code == 302
    own_case.refresh_from_db()
    assert own_case.host_city == "Taraz"


def test_concurrent_person_edits_are_refused_too(cast, own_case, logged_in):
    person = own_case.people.get()
    url = reverse("cases:person_edit", kwargs={"public_id": own_case.public_id, "person_id": person.pk})
    client = logged_in(cast.caseworker)
    data = {"given_name_ug_latn": "Memet", "date_of_birth_precision": "exact", "sex": "male",
            "version": person.version}
    assert client.post(url, {**data, "given_name_cyrl": "Мамет"}).status_code == 302
    response = client.post(url, {**data, "given_name_cyrl": "Мемет"})
    assert response.status_code == 400 and "Someone else saved this record" in response.content.decode()
    person.refresh_from_db()
    assert person.given_name_cyrl == "Мамет"


def test_household_member_and_document_are_added_from_the_case_page(cast, own_case, logged_in):
    client = logged_in(cast.caseworker)
    response = client.post(reverse("cases:person_add", kwargs={"public_id": own_case.public_id}), {
        "member-relationship": "spouse", "member-given_name_ug_arab": "گۈلنار", "member-sex": "female",
        "member-date_of_birth_precision": "year", "member-date_of_birth": "1990-01-01",
    })
    assert response.status_code == 302 and response["Location"].startswith(detail_url(own_case))
    spouse = own_case.people.get(relationship="spouse")
    response = client.post(reverse("cases:document_add", kwargs={"public_id": own_case.public_id}), {
        "document-person": spouse.pk, "document-document_type": "residence_permit", "document-number": "KZ 778899",
        "document-issuing_country": "KZ", "document-issued_on": "2025-01-10", "document-expires_on": "2024-01-10",
    })
    assert response.status_code == 400
    assert "on or after the issue date" in response.content.decode()
    assert not spouse.documents.exists()


def test_a_document_cannot_be_attached_to_a_person_of_another_case(cast, own_case, logged_in):
    foreign = open_case(cast.other_caseworker, country="TR", passport_number="")
    response = logged_in(cast.caseworker).post(reverse("cases:document_add", kwargs={"public_id": own_case.public_id}),
                                               {"document-person": foreign.people.get().pk,
                                                "document-document_type": "visa", "document-issuing_country": "KZ"})
    assert response.status_code == 400
    assert not foreign.people.get().documents.exists()


def test_attachment_download_is_audited_and_served_as_a_download(cast, own_case, logged_in, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    client = logged_in(cast.caseworker)
    upload = SimpleUploadedFile("statement.pdf", b"%PDF-1.4\n% fictional statement\n", content_type="text/html")
    response = client.post(reverse("cases:attachment_add", kwargs={"public_id": own_case.public_id}),
                           {"attachment-file": upload, "attachment-description": "Statement"})
    assert response.status_code == 302
    attachment = own_case.attachments.get()
    assert attachment.content_type == "application/pdf"  # from the bytes, not the browser's claim
    url = reverse("cases:attachment_download", kwargs={"public_id": own_case.public_id,
                                                       "attachment_id": attachment.pk})
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
    assert b"".join(response.streaming_content).startswith(b"%PDF-1.4")
    assert LogEntry.objects.filter(action=LogEntry.Action.ACCESS, content_type__model="attachment").count() == 1
    assert logged_in(cast.other_caseworker).get(url).status_code == 404


def test_a_bad_upload_shows_a_message_and_stores_nothing(cast, own_case, logged_in, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    response = logged_in(cast.caseworker).post(
        reverse("cases:attachment_add", kwargs={"public_id": own_case.public_id}),
        {"attachment-file": SimpleUploadedFile("a.docx", b"PK\x03\x04 not allowed")},
    )
    assert response.status_code == 400
    assert "Only PDF files and PNG or JPEG images" in response.content.decode()
    assert not list(tmp_path.rglob("*.*"))


def test_status_change_with_an_impossible_transition_is_not_offered(cast, own_case, logged_in):
    url = reverse("cases:status", kwargs={"public_id": own_case.public_id})
    response = logged_in(cast.caseworker).post(url, {"to_status": "resettled", "reason": "x",
                                                      "effective_on": "2026-04-01", "version": own_case.version})
    assert response.status_code == 400
    own_case.refresh_from_db()
    assert own_case.status == "open"


def test_assign_and_share_from_the_case_page(cast, own_case, logged_in):
    supervisor = logged_in(cast.supervisor)
    url = reverse("cases:assign", kwargs={"public_id": own_case.public_id})
    assert supervisor.post(url, {"assignee": cast.caseworker2.pk}).status_code == 302
    assert own_case.assignments.filter(user=cast.caseworker2).exists()
    response = supervisor.post(url, {"assignee": cast.other_caseworker.pk})
    assert response.status_code == 400  # not offered: another organisation's staff
    share = reverse("cases:share", kwargs={"public_id": own_case.public_id})
    refused = supervisor.post(share, {"organisation": cast.clinic.pk, "purpose": "Asylum claim",
                                      "current_password": "x"})
    assert refused.status_code == 400 and "That is not your password" in refused.content.decode()
    assert 'value="Asylum claim"' in refused.content.decode()  # what was typed stays, the password does not
    assert not own_case.shares.exists()
    assert supervisor.post(share, {"organisation": cast.clinic.pk, "purpose": "Asylum claim",
                                   "current_password": PASSWORD}).status_code == 302
    recorded = LogEntry.objects.filter(content_type__model__in=["caseassignment", "caseshare"],
                                       action=LogEntry.Action.CREATE, actor=cast.supervisor)
    assert recorded.count() == 2
    assert logged_in(cast.lawyer).get(detail_url(own_case)).status_code == 200
    unshare = reverse("cases:unshare", kwargs={"public_id": own_case.public_id, "organisation_id": cast.clinic.pk})
    assert supervisor.post(unshare).status_code == 302
    assert logged_in(cast.lawyer).get(detail_url(own_case)).status_code == 404
    assert LogEntry.objects.filter(content_type__model="caseshare", action=LogEntry.Action.DELETE,
                                   actor=cast.supervisor).exists()


def test_auditor_browses_and_filters_the_trail_of_their_organisation(cast, own_case, logged_in):
    logged_in(cast.caseworker).get(detail_url(own_case))
    foreign = open_case(cast.other_caseworker, country="TR", passport_number="")
    client = logged_in(cast.auditor)
    page = client.get(reverse("cases:audit")).context["page"]
    entries = list(page.object_list)
    assert entries and all(
        e.actor_id in {cast.caseworker.pk, cast.supervisor.pk} or (e.additional_data or {}).get("organisation")
        == cast.ngo.pk for e in entries
    )
    assert not any((e.additional_data or {}).get("case") == str(foreign.public_id) for e in entries)
    reads = client.get(reverse("cases:audit"), {"action": LogEntry.Action.ACCESS}).context["page"].object_list
    assert [e.action for e in reads] == [LogEntry.Action.ACCESS]
    assert logged_in(cast.caseworker).get(reverse("cases:audit")).status_code == 403


def test_nobody_can_change_or_delete_audit_entries_in_the_admin(cast, own_case, logged_in, admin_client):
    entry = LogEntry.objects.first()
    change = reverse("admin:auditlog_logentry_change", args=[entry.pk])
    delete = reverse("admin:auditlog_logentry_delete", args=[entry.pk])
    assert admin_client.post(change, {"action": entry.action, "object_repr": "edited"}).status_code == 403
    assert admin_client.post(delete, {"post": "yes"}).status_code == 403
    entry.refresh_from_db()
    assert entry.object_repr != "edited"


def test_org_admin_sees_only_their_own_organisation_in_the_admin(cast, logged_in):
    client = logged_in(cast.org_admin)
    users = client.get(reverse("admin:cases_user_changelist")).context["cl"].queryset
    assert set(users.values_list("organisation_id", flat=True)) == {cast.ngo.pk}
    other = reverse("admin:cases_user_change", args=[cast.other_caseworker.pk])
    assert client.get(other).status_code in (302, 404)
    assert client.get(reverse("admin:cases_case_changelist")).context["cl"].queryset.count() == 0


def test_org_admin_changing_a_role_moves_the_user_between_groups(cast, own_case, logged_in):
    client = logged_in(cast.org_admin)
    url = reverse("admin:cases_user_change", args=[cast.caseworker2.pk])
    page = client.get(url)
    assert page.status_code == 200
    data = {"username": "caseworker2", "first_name": "", "last_name": "", "email": "", "preferred_language": "",
            "role": "supervisor", "is_active": "on", "last_login_0": "", "last_login_1": "",
            "date_joined_0": "2026-01-01", "date_joined_1": "00:00:00", "current_password": "not-mine"}
    refused = client.post(url, data)  # a change of role needs the admin's own password
    assert refused.status_code == 200 and "That is not your password" in refused.content.decode()
    cast.caseworker2.refresh_from_db()
    assert cast.caseworker2.role == "caseworker"
    response = client.post(url, {**data, "current_password": PASSWORD})
    assert response.status_code == 302, response.content.decode()[:2000]
    cast.caseworker2.refresh_from_db()
    assert cast.caseworker2.role == "supervisor"
    assert own_case in __import__("cases.selectors", fromlist=["x"]).visible_cases(cast.caseworker2)


def test_the_list_pages_past_a_capped_count(cast, logged_in, settings, monkeypatch):
    from cases.pagination import CappedCountPaginator

    monkeypatch.setattr(CappedCountPaginator, "cap", 30)
    for _ in range(60):
        open_case(cast.caseworker, passport_number="")
    client = logged_in(cast.caseworker)
    seen, page_number = set(), 1
    while page_number:
        page = client.get(LIST, {"per_page": 25, "page": page_number}).context["page"]
        assert page.paginator.is_capped
        seen |= {case.pk for case in page.object_list}
        page_number = page.next_page_number() if page.has_next() else None
    assert len(seen) == 60
    assert "More than 30 cases" in client.get(LIST).content.decode()


def test_the_audit_address_is_not_taken_from_a_forged_header(cast, own_case, logged_in, settings):
    client = logged_in(cast.caseworker)
    client.get(detail_url(own_case), headers={"X-Forwarded-For": "10.6.6.6"})
    assert LogEntry.objects.get(action=LogEntry.Action.ACCESS).remote_addr == "127.0.0.1"
    settings.PANAH_TRUSTED_PROXIES = 1  # behind one proxy of ours, the address it appended counts
    client.get(detail_url(own_case), headers={"X-Forwarded-For": "10.6.6.6, 203.0.113.7"})
    assert LogEntry.objects.filter(action=LogEntry.Action.ACCESS).latest("pk").remote_addr == "203.0.113.7"


def test_an_org_admin_cannot_reset_a_superuser_or_fellow_admin_password(cast, logged_in, django_user_model):
    from tests.conftest import make_user

    root = django_user_model.objects.create_superuser("root", password="x" * 16, organisation=cast.ngo)
    fellow = make_user("fellowadmin", cast.ngo, "org_admin")
    client = logged_in(cast.org_admin)
    for target in (root, fellow):
        url = reverse("admin:auth_user_password_change", args=[target.pk])
        response = client.post(url, {"password1": "n3w-pa55word-2026!", "password2": "n3w-pa55word-2026!"})
        assert response.status_code in (302, 404)
        target.refresh_from_db()
        assert not target.check_password("n3w-pa55word-2026!")


def test_anonymous_users_are_sent_to_log_in(client, own_case):
    response = client.get(detail_url(own_case))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


def test_health_endpoint_reports_the_database_and_the_field_keys(client, db):
    assert client.get(reverse("health")).json() == {"database": True, "field_keys": True}


def test_dates_of_birth_are_shown_only_as_precisely_as_known(cast, logged_in):
    case = open_case(cast.caseworker, principal={**MEMET, "date_of_birth": datetime.date(1987, 3, 9),
                                                 "date_of_birth_precision": "year"}, passport_number="")
    html = logged_in(cast.caseworker).get(detail_url(case)).content.decode()
    assert "1987" in html and "March 9, 1987" not in html and "Mar. 9, 1987" not in html


def test_edit_forms_show_case_data_and_so_record_a_read(cast, own_case, logged_in):
    person = own_case.people.get()
    client = logged_in(cast.caseworker)
    client.get(reverse("cases:person_edit", kwargs={"public_id": own_case.public_id, "person_id": person.pk}))
    client.get(reverse("cases:edit", kwargs={"public_id": own_case.public_id}))
    reads = LogEntry.objects.filter(action=LogEntry.Action.ACCESS, object_pk=str(own_case.pk))
    assert reads.count() == 2 and {e.actor for e in reads} == {cast.caseworker}


def test_the_audit_trail_link_is_shown_only_to_those_who_may_read_it(cast, logged_in):
    audit_url = reverse("cases:audit")
    assert audit_url in logged_in(cast.auditor).get(LIST).content.decode()
    assert audit_url not in logged_in(cast.caseworker).get(LIST).content.decode()


def test_the_audit_trail_names_fields_as_people_read_them(cast, own_case, logged_in):
    from cases.services import cases as case_services

    case_services.case_update(actor=cast.caseworker, case=own_case, expected_version=own_case.version,
                              changes={"unhcr_status": "asylum_seeker"})
    html = logged_in(cast.auditor).get(reverse("cases:audit"), {"model": "case", "action": 1}).content.decode()
    assert "UNHCR status" in html and "Asylum seeker" in html
    assert "unhcr_status" not in html and "asylum_seeker" not in html


def test_uploaded_files_are_not_served_by_url(cast, own_case, logged_in, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    from cases.services import records

    attachment = records.attachment_add(actor=cast.caseworker, case=own_case,
                                        upload=SimpleUploadedFile("s.pdf", b"%PDF-1.4 fictional"))
    client = logged_in(cast.caseworker)
    assert client.get(settings.MEDIA_URL + attachment.file.name).status_code == 404
    assert client.get("/media/" + attachment.file.name).status_code == 404


def test_a_registered_case_is_announced_with_its_reference_isolated(cast, logged_in):
    from cases.models import Case
    from config.bidi import isolate

    client = logged_in(cast.caseworker)
    client.cookies["django_language"] = "ar"
    response = client.post(reverse("cases:create"), {
        "host_country": "KZ", "host_city": "Almaty", "opened_on": "2026-03-02", "unhcr_status": "none",
        "sensitivity": "normal", "principal-given_name_ug_latn": "Abdulla",
        "principal-date_of_birth_precision": "exact", "principal-sex": "male",
    }, follow=True)
    reference = Case.objects.get().reference
    assert isolate(reference) in response.content.decode()
