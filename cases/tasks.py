"""django-q entry points for case files. Tasks take ids, never records or personal data."""

import hashlib
import logging

from django_q.tasks import async_task

from cases.models import Attachment

logger = logging.getLogger(__name__)


def attachment_verify(attachment_id: int) -> bool:
    """Re-hash a stored attachment and compare it with the SHA-256 recorded at upload.

    An attachment is evidence: a file that no longer matches its hash (storage corruption, a
    restore gone wrong, tampering) must be noticed before it goes into an asylum packet.
    """
    attachment = Attachment.objects.filter(pk=attachment_id).only("file", "sha256").first()
    if attachment is None:
        return False
    digest = hashlib.sha256()
    try:
        with attachment.file.open("rb") as handle:
            for chunk in iter(lambda: handle.read(1 << 20), b""):
                digest.update(chunk)
    except FileNotFoundError:
        logger.error("attachment %s: stored file is missing", attachment_id)
        return False
    if digest.hexdigest() != attachment.sha256:
        logger.error("attachment %s: stored file does not match its recorded SHA-256", attachment_id)
        return False
    return True


def enqueue_attachment_verify(attachment_id: int) -> str:
    """Queue `attachment_verify`; the one place that knows how tasks are queued."""
    return async_task("cases.tasks.attachment_verify", attachment_id, task_name=f"attachment-verify-{attachment_id}")
