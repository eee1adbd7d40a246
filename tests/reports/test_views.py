"""Document pages: request, progress, audited download, and 404 for whoever may not see the case."""

import pytest
from auditlog.models import LogEntry

from reports.models import GeneratedDocument
from reports.services.documents import document_render

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
