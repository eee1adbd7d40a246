"""What erasing a case removes from reports (registered with `cases.erasure` in ReportsConfig.ready).

Generated documents PROTECT the case, its referrals, alerts and filings, and exhibits PROTECT
the attachments they reuse, so all of this goes before referrals and the case: the documents
(their PDFs deleted after the commit), then every organisation's filing materials for the case
with their exhibits (uploaded exhibit files too) and specific needs.
"""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from cases import clock
from reports.models import DocumentStatus, Exhibit, Filing, GeneratedDocument


def erase_case_documents(case, erasure) -> None:
    # Locked: a worker can then not start rendering one of them until the erasure is over (its
    # claim finds no row), and a render already running is waited for rather than orphaned.
    from reports.services.documents import ABANDONED_AFTER

    documents = list(GeneratedDocument.objects.select_for_update().filter(case=case).only(
        "pk", "public_id", "status", "started_at", "file"))
    recently = clock.now() - ABANDONED_AFTER  # a render older than this belongs to a dead worker
    if any(document.status == DocumentStatus.RENDERING and document.started_at and document.started_at >= recently
           for document in documents):
        raise ValidationError(
            _("A document of this case is being generated right now. Wait a minute, then erase again."),
            code="render_in_progress",
        )
    for document in documents:
        erasure.delete_file(document.file)
        if document.status == DocumentStatus.RENDERING:  # a dead worker may have left its output under this name
            erasure.delete_stored(document.file.storage, f"documents/{document.public_id}.pdf")
    for exhibit in Exhibit.objects.filter(filing__case=case).exclude(file="").only("pk", "file"):
        erasure.delete_file(exhibit.file)
    erasure.delete(GeneratedDocument.objects.filter(case=case))
    erasure.delete(Filing.objects.filter(case=case))


def preview_case_documents(case) -> dict:
    return {
        "reports.generateddocument": GeneratedDocument.objects.filter(case=case).count(),
        "reports.filing": Filing.objects.filter(case=case).count(),
        "reports.exhibit": Exhibit.objects.filter(filing__case=case).count(),
    }
