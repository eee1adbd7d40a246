"""Document pages: request, progress, audited download, and 404 for whoever may not see the case."""

import pytest
from auditlog.models import LogEntry

from reports.models import Exhibit, Filing, GeneratedDocument
from reports.services.documents import document_render
from tests.reports.test_filings import ngo_filing

pytestmark = pytest.mark.django_db


def request_summary(client, case, **extra):
    return client.post(f"/documents/case/{case.public_id}/new/", {
        "document-kind": "case_summary", "document-language": "ru", "document-recipient_kind": "court", **extra,
    })


def test_request_shows_progress_then_an_audited_download(cast, own_case, logged_in,
                                                         django_capture_on_commit_callbacks):
    client = logged_in(cast.caseworker)
    assert "Documents (PDF)" in client.get(f"/cases/{own_case.public_id}/").content.decode()
    with django_capture_on_commit_callbacks(execute=False) as queued:
        response = request_summary(client, own_case)
    document = GeneratedDocument.objects.get()
    assert response.status_code == 302 and response.url == f"/documents/{document.public_id}/"
    assert len(queued) == 1  # the render is queued after commit, not done in the request
    waiting = client.get(response.url)
    assert 'http-equiv="refresh"' in waiting.content.decode() and "no-store" in waiting["Cache-Control"]

    document_render(document_id=document.pk)  # what the worker does
    ready = client.get(response.url).content.decode()
    assert "Download the PDF" in ready and 'http-equiv="refresh"' not in ready
    download = client.get(f"/documents/{document.public_id}/download/")
    assert download.status_code == 200 and download["Content-Type"] == "application/pdf"
    assert b"".join(download.streaming_content).startswith(b"%PDF")
    assert own_case.reference not in download["Content-Disposition"]
    assert LogEntry.objects.get_for_object(document).filter(action=LogEntry.Action.ACCESS,
                                                            actor=cast.caseworker).count() == 1


@pytest.mark.parametrize("role", ["other_caseworker", "other_supervisor", "liaison", "lawyer", "provider",
                                  "auditor"])
def test_whoever_may_not_see_the_case_gets_404_everywhere(cast, own_case, logged_in, role):
    owner = logged_in(cast.caseworker)
    request_summary(owner, own_case)
    document = GeneratedDocument.objects.get()
    document_render(document_id=document.pk)
    outsider = logged_in(cast.by_role()[role])
    assert outsider.get(f"/documents/{document.public_id}/").status_code == 404
    assert outsider.get(f"/documents/{document.public_id}/download/").status_code == 404
    assert request_summary(outsider, own_case).status_code == 404
    assert GeneratedDocument.objects.count() == 1


def test_a_referral_form_needs_a_referral_and_bad_input_is_a_message(cast, own_case, logged_in):
    client = logged_in(cast.caseworker)
    response = request_summary(client, own_case, **{"document-kind": "referral_form"})
    assert response.status_code == 400 and "Choose the referral the form is for." in response.content.decode()
    response = request_summary(client, own_case, **{"document-kind": "passport_scan", "document-language": "xx"})
    assert response.status_code == 400
    assert not GeneratedDocument.objects.exists()


def test_a_verification_code_shows_the_documents_metadata_to_those_who_may_see_it(cast, own_case, logged_in):
    client = logged_in(cast.caseworker)
    request_summary(client, own_case)
    document = GeneratedDocument.objects.get()
    document_render(document_id=document.pk)
    document.refresh_from_db()
    typed = document.verification_code.lower().replace("-", " ")  # as someone types it off paper
    page = client.post("/documents/verify/", {"code": typed}).content.decode()
    assert "Genuine" in page and document.sha256 in page and own_case.reference in page
    assert LogEntry.objects.get_for_object(document).filter(action=LogEntry.Action.ACCESS).count() == 1
    # Someone who may not see the case learns nothing, not even that the code exists.
    outsider = logged_in(cast.other_caseworker).post("/documents/verify/", {"code": typed}).content.decode()
    wrong = logged_in(cast.other_caseworker).post("/documents/verify/", {"code": "ZZZZ-ZZZZ-ZZZZ"}).content.decode()
    for answer in (outsider, wrong):
        assert "No document with this code is available to you" in answer and document.sha256 not in answer
    assert logged_in(cast.caseworker).post("/documents/verify/", {"code": ""}).status_code == 400


# --- The filing page: declaration, exhibits, needs ---

def filing_url(case, suffix=""):
    return f"/documents/case/{case.public_id}/filing/{suffix}"


def test_a_lawyer_prepares_the_filing_of_a_shared_case_it_cannot_edit(cast, own_case, logged_in):
    from auditlog.models import LogEntry

    from cases.services import access

    access.case_share(actor=cast.caseworker, case=own_case, organisation=cast.clinic, purpose="Asylum claim")
    client = logged_in(cast.lawyer)
    assert client.get(f"/cases/{own_case.public_id}/people/{own_case.people.get().pk}/edit/").status_code in (403, 404)
    page = client.get(filing_url(own_case))
    assert page.status_code == 200 and "no-store" in page["Cache-Control"]
    reads_before = LogEntry.objects.get_for_object(own_case).filter(action=LogEntry.Action.ACCESS).count()
    assert reads_before >= 1  # opening the filing page is an audited read of the case
    principal = own_case.people.get()
    response = client.post(filing_url(own_case), {
        "filing-applicant": principal.pk, "filing-declaration_language": "ug",
        "filing-declaration_text": "مەن ساقچىدىن قورقىمەن.", "filing-programme": "Fictional programme",
    })
    assert response.status_code == 302
    filing = Filing.objects.get(case=own_case)
    assert filing.declaration_text == "مەن ساقچىدىن قورقىمەن." and filing.updated_by == cast.lawyer
    # The audit says who changed the declaration, never what it says.
    entry = LogEntry.objects.get_for_object(filing).latest("timestamp")
    assert "ساقچى" not in str(entry.changes)


def test_a_stale_filing_form_is_refused_and_keeps_what_was_typed(cast, own_case, logged_in):
    from reports.services import filings

    filings.filing_save(actor=cast.caseworker, case=own_case, expected_version=None, data={"programme": "v1"})
    filing = ngo_filing(own_case)
    filings.filing_save(actor=cast.caseworker, case=own_case,
                        expected_version=filing.version, data={"programme": "saved meanwhile"})
    client = logged_in(cast.caseworker)
    response = client.post(filing_url(own_case), {
        "filing-version": filing.version, "filing-programme": "typed from a stale form",
        "filing-declaration_text": "",
    })
    body = response.content.decode()
    assert response.status_code == 400 and "Someone else saved this record" in body
    assert "typed from a stale form" in body and "saved meanwhile" in body
    filing.refresh_from_db()
    assert filing.programme == "saved meanwhile"


def test_a_translation_needs_its_translator_and_nothing_is_saved_without(cast, own_case, logged_in):
    client = logged_in(cast.caseworker)
    response = client.post(filing_url(own_case), {
        "filing-translation_text": "Fictional translation.", "filing-translation_language": "en",
    })
    assert response.status_code == 400 and "Name the translator" in response.content.decode()
    assert not Filing.objects.filter(case=own_case).exists()


def test_exhibits_are_added_by_upload_or_attachment_and_bad_files_refused(cast, own_case, logged_in):
    from tests.reports.test_filings import pdf_upload

    client = logged_in(cast.caseworker)
    response = client.post(filing_url(own_case, "exhibits/"), {
        "exhibit-section": "client", "exhibit-title": "Passport", "exhibit-upload": pdf_upload(),
        "exhibit-supports": ["identity"],
    })
    assert response.status_code == 302
    exhibit = Exhibit.objects.get(filing__case=own_case)
    assert exhibit.supports == ["identity"] and exhibit.content_type == "application/pdf"
    from django.core.files.uploadedfile import SimpleUploadedFile

    refused = client.post(filing_url(own_case, "exhibits/"), {
        "exhibit-section": "client", "exhibit-title": "A script",
        "exhibit-upload": SimpleUploadedFile("x.pdf", b"#!/bin/sh\necho not a pdf", content_type="application/pdf"),
    })
    assert refused.status_code == 400 and Exhibit.objects.filter(filing__case=own_case).count() == 1
    assert "A script" in refused.content.decode()  # what was typed stays
    page = client.get(filing_url(own_case)).content.decode()
    assert "Passport" in page and exhibit.sha256[:16] in page
    assert client.post(filing_url(own_case, f"exhibits/{exhibit.pk}/"), {"operation": "remove"}).status_code == 302
    assert not Exhibit.objects.filter(filing__case=own_case).exists()


@pytest.mark.parametrize("outsider", ["other_caseworker", "provider", "liaison", "lawyer"])
def test_outsiders_get_404_on_the_filing_pages(cast, own_case, logged_in, outsider):
    from reports.services import filings
    from tests.reports.test_filings import pdf_upload

    exhibit = filings.exhibit_add(actor=cast.caseworker, case=own_case, section="client", title="Passport",
                                  upload=pdf_upload())
    client = logged_in(getattr(cast, outsider))
    assert client.get(filing_url(own_case)).status_code == 404
    assert client.post(filing_url(own_case), {"filing-programme": "x"}).status_code == 404
    assert client.post(filing_url(own_case, f"exhibits/{exhibit.pk}/"), {"operation": "remove"}).status_code == 404
    assert ngo_filing(own_case).exhibits.count() == 1


def test_an_exhibit_of_another_case_is_a_404_even_for_a_user_of_both(cast, own_case, logged_in):
    from reports.services import filings
    from tests.conftest import open_case
    from tests.reports.test_filings import pdf_upload

    other = open_case(cast.caseworker)
    exhibit = filings.exhibit_add(actor=cast.caseworker, case=other, section="client", title="Other",
                                  upload=pdf_upload())
    client = logged_in(cast.caseworker)
    assert client.post(filing_url(own_case, f"exhibits/{exhibit.pk}/"), {"operation": "remove"}).status_code == 404
    assert ngo_filing(other).exhibits.count() == 1


def test_materials_created_meanwhile_refuse_the_first_save_then_let_the_next_through(cast, own_case, logged_in):
    """A form shown before any materials existed (version 0) must not stay stuck once someone adds an exhibit."""
    from reports.services import filings
    from tests.reports.test_filings import pdf_upload

    client = logged_in(cast.caseworker)
    assert 'name="filing-version" value="0"' in client.get(filing_url(own_case)).content.decode()
    filings.exhibit_add(actor=cast.caseworker, case=own_case, section="client", title="Passport",
                        upload=pdf_upload())  # creates the (empty) materials meanwhile
    refused = client.post(filing_url(own_case), {"filing-version": 0, "filing-programme": "typed"})
    assert refused.status_code == 400 and "typed" in refused.content.decode()
    version = Filing.objects.get(case=own_case).version
    assert f'name="filing-version" value="{version}"' in refused.content.decode()
    saved = client.post(filing_url(own_case), {"filing-version": version, "filing-programme": "typed"})
    assert saved.status_code == 302 and Filing.objects.get(case=own_case).programme == "typed"


def test_each_organisation_prepares_its_own_filing_and_only_it_opens_the_packet(cast, own_case, logged_in):
    """A clinic's draft declaration is privileged work: the case's owner neither reads nor overwrites it."""
    from cases.services import access
    from reports.services import filings
    from reports.services.documents import document_request

    access.case_share(actor=cast.caseworker, case=own_case, organisation=cast.clinic, purpose="Asylum claim")
    filings.filing_save(actor=cast.lawyer, case=own_case, expected_version=None,
                        data={"declaration_text": "Clinic draft (fictional).", "declaration_language": "en"})
    ngo_page = logged_in(cast.caseworker).get(filing_url(own_case)).content.decode()
    assert "Clinic draft" not in ngo_page
    filings.filing_save(actor=cast.caseworker, case=own_case, expected_version=None,
                        data={"programme": "NGO's own (fictional)"})
    assert Filing.objects.filter(case=own_case).count() == 2

    packet = document_request(actor=cast.lawyer, case=own_case, kind="asylum_packet", language="en",
                              recipient_kind="court")
    assert packet.filing.organisation == cast.clinic
    # Its audit entries belong to the clinic's auditors, not to the case owner's.
    entry = LogEntry.objects.get_for_object(packet).get()
    assert entry.additional_data["organisation"] == cast.clinic.pk
    ngo = logged_in(cast.caseworker)
    assert ngo.get(f"/documents/{packet.public_id}/").status_code == 404
    assert ngo.get(f"/documents/{packet.public_id}/download/").status_code == 404
    assert str(packet.public_id) not in ngo.get(f"/cases/{own_case.public_id}/").content.decode()
    lawyer = logged_in(cast.lawyer)
    assert lawyer.get(f"/documents/{packet.public_id}/").status_code == 200
    assert str(packet.public_id) in lawyer.get(f"/cases/{own_case.public_id}/").content.decode()
    # Its verification code is the clinic's to check: the case owner learns nothing from it.
    assert document_render(document_id=packet.pk) == "done"
    packet.refresh_from_db()
    owner_check = ngo.post("/documents/verify/", {"code": packet.verification_code}).content.decode()
    clinic_check = lawyer.post("/documents/verify/", {"code": packet.verification_code}).content.decode()
    assert "No document with this code is available to you" in owner_check and packet.sha256 not in owner_check
    assert "Genuine" in clinic_check and packet.sha256 in clinic_check
