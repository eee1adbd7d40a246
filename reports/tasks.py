"""django-q entry points for documents. Tasks take ids, never records or personal data."""

from django_q.tasks import async_task


def document_render(document_id: int) -> str:
    from reports.services.documents import document_render as render

    return render(document_id=document_id)


def documents_sweep() -> dict:
    from reports.services.documents import documents_sweep as sweep

    return sweep()


def enqueue_document_render(document_id: int) -> str:
    return async_task("reports.tasks.document_render", document_id, task_name=f"document-render-{document_id}")


# Created (and corrected) by `manage.py setup_schedules`.
SCHEDULES = {
    "panah-documents-sweep": {"func": "reports.tasks.documents_sweep", "schedule_type": "I", "minutes": 5},
}
