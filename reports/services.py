"""Requesting a document and rendering it (in a django-q worker)."""

import datetime
import hashlib
import logging
import secrets

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.template.loader import render_to_string
from django.utils import translation

from cases import audit, clock
from cases.models import Alert, Case, User
from referrals.models import Referral
from reports import pdf, permissions
from reports.documents import BUILDERS
from reports.models import DocumentStatus, GeneratedDocument

logger = logging.getLogger(__name__)

STATIC_DIRS = [settings.BASE_DIR / "reports" / "static" / "reports"]
# A render still marked as running after this long belongs to a worker that died.
ABANDONED_AFTER = datetime.timedelta(seconds=pdf.RENDER_SECONDS * 2)
# Unambiguous characters for a code read aloud or typed from paper (no 0/O, 1/I/L).
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"


def _verification_code() -> str:
    return "-".join("".join(secrets.choice(CODE_ALPHABET) for _ in range(4)) for _ in range(3))


@transaction.atomic
def document_request(
    *, actor: User, case: Case, kind: str, language: str, recipient_kind: str, referral: Referral | None = None,
    alert: Alert | None = None, archival: bool = False,
) -> GeneratedDocument:
    """Record the request and queue the render; the caller's page shows progress."""
    if not permissions.can_generate_document(actor, case, kind, referral, alert):
        raise PermissionDenied
    from reports import tasks

    for _attempt in range(5):
        try:
            with transaction.atomic(), audit.acting_as(actor):
                document = GeneratedDocument.objects.create(
                    kind=kind, case=case, referral=referral, alert=alert, language=language,
                    recipient_kind=recipient_kind,
                    requested_by=actor, verification_code=_verification_code(), archival=archival,
                )
            break
        except IntegrityError:  # a verification code already taken: draw again
            continue
    else:
        raise RuntimeError("could not draw a free verification code")
    transaction.on_commit(lambda: tasks.enqueue_document_render(document.pk))
    return document


def _claim(document_id: int) -> bool:
    """Take the render: a pending one, or one a dead worker left running. Exactly one worker wins."""
    now = clock.now()
    return bool(GeneratedDocument.objects.filter(pk=document_id).filter(
        Q(status=DocumentStatus.PENDING) | Q(status=DocumentStatus.RENDERING, started_at__lt=now - ABANDONED_AFTER),
    ).update(status=DocumentStatus.RENDERING, started_at=now, attempts=F("attempts") + 1))


def document_render(*, document_id: int) -> str:
    """Render one requested document from the case as it is now, store it and its SHA-256."""
    if not _claim(document_id):
        document = GeneratedDocument.objects.filter(pk=document_id).first()
        return document.status if document else "missing"
    document = GeneratedDocument.objects.select_related("case", "referral", "alert", "requested_by").get(
        pk=document_id,
    )
    template, build = BUILDERS[document.kind]
    # Reads of the case made while building the document are the requester's, in the audit trail.
    with translation.override(document.language), audit.acting_as(document.requested_by):
        html = render_to_string(template, {"document": document, "now": clock.now(), **build(document)})
    try:
        rendered = pdf.render_pdf(html, allowed_dirs=STATIC_DIRS, base_dir=STATIC_DIRS[0],
                                  pdf_variant="pdf/a-3b" if document.archival else None)
    except pdf.RenderError as error:
        GeneratedDocument.objects.filter(pk=document.pk).update(
            status=DocumentStatus.FAILED, finished_at=clock.now(), error=str(error)[:200],
        )
        return DocumentStatus.FAILED
    if rendered.refused:
        logger.warning("document %s: %s resource(s) refused (%s)", document.pk, len(rendered.refused),
                       ", ".join(sorted(set(rendered.refused))))
    # Same name on every attempt: a retried render replaces its own output, never adds a second file.
    name = f"{document.public_id}.pdf"
    if document.file:
        document.file.delete(save=False)
    document.file.save(name, ContentFile(rendered.pdf), save=False)
    GeneratedDocument.objects.filter(pk=document.pk).update(
        status=DocumentStatus.DONE, finished_at=clock.now(), file=document.file.name,
        sha256=hashlib.sha256(rendered.pdf).hexdigest(), size=len(rendered.pdf),
        pages=rendered.pages, case_version=document.case.version, error="",
    )
    return DocumentStatus.DONE
