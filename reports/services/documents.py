"""Requesting a document and rendering it (in a django-q worker)."""

import datetime
import hashlib
import logging
import os
import secrets
import shutil
import tempfile
import time
from pathlib import Path

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.html import escape
from django.utils.translation import gettext as _

from cases import audit, clock, revisions
from cases.models import Alert, Case, User
from referrals.models import Referral
from reports import pdf, permissions
from reports.documents import BUILDERS
from reports.models import FILING_KINDS, DocumentStatus, GeneratedDocument

logger = logging.getLogger(__name__)

STATIC_DIRS = [settings.BASE_DIR / "reports" / "static" / "reports"]
# A render still marked as running after this long belongs to a worker that died (see the setting
# for how it must sit between django-q's timeout and retry).
ABANDONED_AFTER = datetime.timedelta(seconds=settings.PANAH_RENDER_ABANDONED_SECONDS)
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
    if not permissions.can_generate_document(actor, case, kind, referral, alert, recipient_kind):
        raise PermissionDenied
    from reports import tasks
    from reports.services.filings import filing_for_write

    # A filing document is built from the requester's organisation's materials, and only they open it.
    filing = filing_for_write(actor, case) if kind in FILING_KINDS else None
    for _attempt in range(5):
        try:
            with transaction.atomic(), audit.acting_as(actor):
                document = GeneratedDocument.objects.create(
                    kind=kind, case=case, referral=referral, alert=alert, language=language,
                    recipient_kind=recipient_kind,
                    requested_by=actor, requested_at=clock.now(), verification_code=_verification_code(),
                    archival=archival, filing=filing,
                )
            break
        except IntegrityError:  # a verification code already taken: draw again
            continue
    else:
        raise RuntimeError("could not draw a free verification code")
    transaction.on_commit(lambda: tasks.enqueue_document_render(document.pk))
    return document


class RenderInProgress(Exception):
    """Another worker holds a live claim on this render: fail the task so django-q delivers it again later."""


def _claim(document_id: int) -> bool:
    """Take the render: a pending one, or one a dead worker left running. Exactly one worker wins."""
    now = clock.now()
    return bool(GeneratedDocument.objects.filter(pk=document_id).filter(
        Q(status=DocumentStatus.PENDING) | Q(status=DocumentStatus.RENDERING, started_at__lt=now - ABANDONED_AFTER),
    ).update(status=DocumentStatus.RENDERING, started_at=now, attempts=F("attempts") + 1))


def _fault_pause(point: str) -> None:
    """Fault tests only: stop here for good if PANAH_FAULT_PAUSE names `point`, so a test can kill the worker.

    Writes the file the setting names first, so the test knows the render has reached `point`.
    Inert unless PANAH_ENV=test (the setting is empty otherwise).
    """
    name, _separator, announce = settings.PANAH_FAULT_PAUSE.partition(":")
    if name != point:
        return
    Path(announce).write_text(str(os.getpid()))
    while True:
        time.sleep(60)


def _fail(document, reason: str) -> str:
    """Mark the render failed with a reason code (never a message that could quote the document)."""
    GeneratedDocument.objects.filter(pk=document.pk).update(
        status=DocumentStatus.FAILED, finished_at=clock.now(), error=reason,
    )
    return DocumentStatus.FAILED


def document_render(*, document_id: int) -> str:
    """Render one requested document from the case as it is now, store it and its SHA-256."""
    if not _claim(document_id):
        document = GeneratedDocument.objects.filter(pk=document_id).first()
        if document is not None and document.status == DocumentStatus.RENDERING:
            raise RenderInProgress(f"document {document_id} is being rendered by another worker")
        return document.status if document else "missing"
    _fault_pause("claimed")
    document = GeneratedDocument.objects.select_related(
        "case", "referral", "referral__consent", "alert", "requested_by", "filing",
    ).get(pk=document_id)
    # Access may have ended between the request and the render: decide again, now.
    if not (document.requested_by.is_active and permissions.can_generate_document(
        document.requested_by, document.case, document.kind, document.referral, document.alert,
        document.recipient_kind,
    )):
        return _fail(document, "not_allowed")
    try:
        # Taken first: a spare renderer has loaded WeasyPrint already; a cold one loads it while the
        # case is read and the template filled.
        with pdf.take_renderer(keep_spare=settings.PANAH_WARM_RENDERER) as renderer:
            template, build = BUILDERS[document.kind]
            # Reads of the case made while building the document are the requester's, in the audit trail.
            with translation.override(document.language), audit.acting_as(document.requested_by):
                context, html = _build_at_one_revision(document, template, build)
                unreadable_notice = escape(_("This exhibit could not be appended: the file is damaged or "
                                             "password-protected. Its SHA-256 is listed in the index."))
            with _exhibit_folder() as folder:
                exhibits = _copy_exhibits(context.get("exhibits", []), Path(folder), archival=document.archival)
                rendered = renderer.render(
                    html, allowed_dirs=[*STATIC_DIRS, Path(folder)], base_dir=STATIC_DIRS[0],
                    pdf_variant="pdf/a-3b" if document.archival else None, exhibits=exhibits,
                    unreadable_notice=unreadable_notice,
                )
    except ExhibitChanged:
        return _fail(document, "exhibit_changed")
    except pdf.RenderTimeout:
        return _fail(document, "timeout")
    except Exception as error:  # noqa: BLE001 - whatever broke, the document must not stay "being generated"
        # The type only: an exception's message or traceback could quote case data into the log.
        logger.error("document %s: render failed (%s)", document.pk, type(error).__name__)
        return _fail(document, "render_failed")
    if rendered.refused:
        logger.warning("document %s: %s resource(s) refused (%s)", document.pk, len(rendered.refused),
                       ", ".join(sorted(set(rendered.refused))))
    # Always the same name: a retried render replaces its own output, never adds a second file.
    name = f"documents/{document.public_id}.pdf"
    storage = document.file.storage
    if storage.exists(name):
        storage.delete(name)
    saved = storage.save(name, ContentFile(rendered.pdf))
    if saved != name:  # pragma: no cover - a storage that renamed the file would break the promise above
        storage.delete(saved)
        return _fail(document, "storage_name")
    _fault_pause("stored")  # the file is there, the row does not say so yet
    GeneratedDocument.objects.filter(pk=document.pk).update(
        status=DocumentStatus.DONE, finished_at=clock.now(), file=name,
        sha256=hashlib.sha256(rendered.pdf).hexdigest(), size=len(rendered.pdf),
        pages=rendered.pages, case_version=document.case_revision, error="",
    )
    return DocumentStatus.DONE


def _build_at_one_revision(document, template, build, *, attempts: int = 3):
    """Build the HTML from one state of the case: if the case changed while it was read, read it again.

    The revision is read before and after; equal means no change was committed in between, so
    the number printed is the state printed. (After `attempts` the last build stands, with the
    revision read before it: the document is then at least that new.)
    """
    for attempt in range(attempts):
        if attempt:
            document.case.refresh_from_db()  # the case row itself may be among what changed
        document.case_revision = revisions.current(document.case)
        context = build(document)
        html = render_to_string(template, {"document": document, "now": clock.now(), **context})
        if revisions.current(document.case) == document.case_revision:
            break
    return context, html


EXHIBIT_FOLDER_PREFIX = "exhibits-"


def _exhibit_folder():
    """A private folder (0700) for one render's exhibit copies, removed when the render ends."""
    work_dir = settings.PANAH_RENDER_WORK_DIR
    work_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    return tempfile.TemporaryDirectory(prefix=EXHIBIT_FOLDER_PREFIX, dir=work_dir)


def _remove_abandoned_exhibit_folders(now) -> int:
    """Exhibit copies of a render whose worker was killed: older than any live render can be."""
    work_dir = settings.PANAH_RENDER_WORK_DIR
    if not work_dir.exists():
        return 0
    removed = 0
    cutoff = (now - ABANDONED_AFTER).timestamp()
    for folder in work_dir.glob(f"{EXHIBIT_FOLDER_PREFIX}*"):
        try:
            abandoned = folder.is_dir() and folder.stat().st_mtime < cutoff
        except OSError:  # removed by its own render meanwhile
            continue
        if abandoned:
            shutil.rmtree(folder, ignore_errors=True)
            removed += 1
    return removed


class ExhibitChanged(Exception):
    """A stored exhibit no longer has the SHA-256 recorded when it was added: never append it silently."""


_EXTENSIONS = {"application/pdf": "pdf", "image/png": "png", "image/jpeg": "jpg"}


def _copy_exhibits(entries, folder: Path, *, archival: bool) -> list[pdf.ExhibitFile]:
    """Copy each exhibit out of storage into the renderer's folder, checking it is the file the index lists.

    Read through the storage API (not a path), so exhibits kept encrypted or remote still work.
    """
    exhibits = []
    for entry in entries:
        exhibit = entry.exhibit
        extension = _EXTENSIONS[exhibit.content_type]
        path = folder / f"exhibit-{entry.marker}.{extension}"
        digest = hashlib.sha256()
        with exhibit.stored_file.open("rb") as source, path.open("wb") as target:
            for chunk in iter(lambda: source.read(1 << 20), b""):
                digest.update(chunk)
                target.write(chunk)
        if digest.hexdigest() != exhibit.sha256:
            logger.error("exhibit %s: stored file no longer matches its SHA-256", exhibit.pk)
            raise ExhibitChanged(exhibit.pk)
        exhibits.append(pdf.ExhibitFile(
            marker=entry.marker, path=path, content_type=exhibit.content_type,
            # Named by its label only: an uploaded file's own name could carry a person's name.
            embed_as=f"exhibit-{entry.label}.{extension}" if archival else "",
        ))
    return exhibits


# A render is given this many tries (across worker deaths) before it is marked failed.
MAX_RENDER_ATTEMPTS = 3


def documents_sweep() -> dict:
    """Re-queue renders nobody is working on, and give up on those that keep failing.

    Covers what django-q cannot: a task that gave up, a worker that died after its claim, a
    queue that lost the task. Without this the status page would refresh for ever.
    """
    from reports import tasks

    now = clock.now()
    stale = GeneratedDocument.objects.filter(
        Q(status=DocumentStatus.PENDING, requested_at__lt=now - ABANDONED_AFTER)
        | Q(status=DocumentStatus.RENDERING, started_at__lt=now - ABANDONED_AFTER),
    )
    given_up = stale.filter(attempts__gte=MAX_RENDER_ATTEMPTS).update(
        status=DocumentStatus.FAILED, finished_at=now, error="abandoned",
    )
    requeued = [pk for pk in stale.filter(attempts__lt=MAX_RENDER_ATTEMPTS).values_list("pk", flat=True)]
    for pk in requeued:
        tasks.enqueue_document_render(pk)
    result = {"requeued": len(requeued), "failed": given_up}
    cleaned = _remove_abandoned_exhibit_folders(now)
    if cleaned:
        result["exhibit_folders_removed"] = cleaned
    return result
