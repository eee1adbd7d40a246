"""A real django-q worker renders a requested document (the request itself returns at once)."""

import hashlib

import pytest

from reports.models import DocumentStatus, GeneratedDocument
from reports.services.documents import document_request
from tests.conftest import finished_task, open_case

pytestmark = pytest.mark.django_db(transaction=True)


def test_worker_renders_a_requested_document(cast, worker, django_capture_on_commit_callbacks):
    case = open_case(cast.caseworker)
    with django_capture_on_commit_callbacks(execute=True):  # the render is queued on commit
        document = document_request(actor=cast.caseworker, case=case, kind="case_summary", language="ug",
                                    recipient_kind="unhcr")
    task = finished_task(f"document-render-{document.pk}", timeout=60)
    assert task.success and task.result == DocumentStatus.DONE and task.args == (document.pk,)
    document = GeneratedDocument.objects.get(pk=document.pk)
    with document.file.open("rb") as stored:  # decrypted: the file on disk is encrypted
        data = stored.read()
    assert data.startswith(b"%PDF") and hashlib.sha256(data).hexdigest() == document.sha256


def test_worker_assembles_an_asylum_packet_with_its_exhibits(cast, worker, django_capture_on_commit_callbacks):
    from reports.services import filings
    from tests.reports.test_filings import pdf_upload, png_upload

    case = open_case(cast.caseworker)
    filings.exhibit_add(actor=cast.caseworker, case=case, section="client", title="Passport", upload=pdf_upload())
    filings.exhibit_add(actor=cast.caseworker, case=case, section="country", title="Report", upload=png_upload())
    with django_capture_on_commit_callbacks(execute=True):
        document = document_request(actor=cast.caseworker, case=case, kind="asylum_packet", language="ru",
                                    recipient_kind="court", archival=True)
    task = finished_task(f"document-render-{document.pk}", timeout=90)
    assert task.success and task.result == DocumentStatus.DONE
    document = GeneratedDocument.objects.get(pk=document.pk)
    with document.file.open("rb") as stored:  # decrypted: the file on disk is encrypted
        data = stored.read()
    assert hashlib.sha256(data).hexdigest() == document.sha256
    # Cover, worksheet, declaration, index, then two separators with 2 + 1 exhibit pages.
    assert document.pages >= 9 and document.archival
