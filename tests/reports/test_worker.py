"""A real django-q worker renders a requested document (the request itself returns at once)."""

import hashlib
from pathlib import Path

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
    data = Path(document.file.path).read_bytes()
    assert data.startswith(b"%PDF") and hashlib.sha256(data).hexdigest() == document.sha256
