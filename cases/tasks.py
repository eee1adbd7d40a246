"""django-q entry points for case files. Tasks take ids, never records or personal data."""

import datetime
import hashlib
import logging
import uuid

from django_q.tasks import async_task

from cases.encryption import EncryptionKeyError
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
        # Decrypted by the storage: the hash recorded at upload is the plaintext's.
        with attachment.file.open("rb") as handle:
            for chunk in iter(lambda: handle.read(1 << 20), b""):
                digest.update(chunk)
    except FileNotFoundError:
        logger.error("attachment %s: stored file is missing", attachment_id)
        return False
    except EncryptionKeyError:
        logger.error("attachment %s: stored file cannot be decrypted with the configured keys", attachment_id)
        return False
    if digest.hexdigest() != attachment.sha256:
        logger.error("attachment %s: stored file does not match its recorded SHA-256", attachment_id)
        return False
    return True


def enqueue_attachment_verify(attachment_id: int) -> str:
    """Queue `attachment_verify`; the one place that knows how tasks are queued."""
    return async_task("cases.tasks.attachment_verify", attachment_id, task_name=f"attachment-verify-{attachment_id}")


# --- Refoulement risk and alerts -------------------------------------------------------------------

# Cases per task of the daily run: a few seconds of work each, far from the worker timeout.
RISK_RANGE_SIZE = 5000


def risk_recompute_daily(reason: str = "daily") -> dict:
    """Re-assess every case (expiry windows, decay, new rule sets), spread over the workers.

    Unchanged outcomes write nothing, so the full run costs little more than the date triggers
    alone, and nothing date-dependent can be missed by a narrower query. The cases are cut into
    id ranges queued as separate tasks, so every worker of every cluster shares the run.
    Returns the django-q group of the queued tasks and their number.
    """
    from cases.models import Case

    ids = list(Case.objects.order_by("pk").values_list("pk", flat=True))
    ranges = [(ids[start], ids[min(start + RISK_RANGE_SIZE, len(ids)) - 1])
              for start in range(0, len(ids), RISK_RANGE_SIZE)]
    group = f"risk-{reason}-{uuid.uuid4().hex[:8]}"
    for first, last in ranges:
        async_task("cases.tasks.risk_recompute_range", first, last, reason, group=group,
                   task_name=f"risk-range-{first}-{last}")
    return {"group": group, "tasks": len(ranges)}


def risk_recompute_range(first_id: int, last_id: int, reason: str) -> dict:
    """Re-assess the cases whose ids lie in [first_id, last_id]."""
    from cases.models import Case
    from cases.services.risk import risk_recompute_many

    ids = Case.objects.filter(pk__range=(first_id, last_id)).order_by("pk").values_list("pk", flat=True)
    return risk_recompute_many(case_ids=ids, reason=reason)


def risk_recompute_country(country: str) -> dict:
    """Re-assess the cases of one host country after its profile changed."""
    from cases.models import Case
    from cases.services.risk import Reason, risk_recompute_many

    ids = Case.objects.filter(host_country=country).order_by("pk").values_list("pk", flat=True)
    return risk_recompute_many(case_ids=ids, reason=Reason.COUNTRY_PROFILE)


def enqueue_risk_recompute_country(country: str) -> str:
    return async_task("cases.tasks.risk_recompute_country", country, task_name=f"risk-country-{country}")


def alerts_escalate() -> int:
    from cases.services.alerts import alerts_escalate_overdue

    return alerts_escalate_overdue()


def alert_notification_send(notification_id: int) -> str:
    from cases.services.alerts import notification_deliver

    return notification_deliver(notification_id=notification_id)


def alert_notifications_send(notification_ids: list[int]) -> dict:
    """Send the notifications of one alert event; each failure is retried on its own schedule."""
    from cases.services.alerts import notification_deliver

    return {pk: notification_deliver(notification_id=pk) for pk in notification_ids}


def enqueue_alert_notifications(notification_ids: list[int]) -> str:
    return async_task(
        "cases.tasks.alert_notifications_send", list(notification_ids),
        task_name=f"alert-notifications-{notification_ids[0]}",
    )


def schedule_retry(func: str, notification_id: int, delay_seconds: int, *, name: str) -> None:
    """Run `func(notification_id)` later: a one-off django-q schedule, so a retry survives a restart."""
    from django_q.models import Schedule

    from cases import clock

    Schedule.objects.create(
        name=f"{name}-retry-{notification_id}-{uuid.uuid4().hex[:8]}",
        func=func,
        args=repr((notification_id,)),
        schedule_type=Schedule.ONCE,
        repeats=1,
        next_run=clock.now() + datetime.timedelta(seconds=delay_seconds),
    )


def schedule_alert_notification_retry(notification_id: int, delay_seconds: int) -> None:
    schedule_retry("cases.tasks.alert_notification_send", notification_id, delay_seconds, name="alert-notification")


def retention_reviews_mark_due() -> dict:
    """Mark the retention reviews whose date has come (never erases: a supervisor decides)."""
    from cases.services.retention import retention_reviews_mark_due as mark_due

    return mark_due()


# Created (and corrected) by `manage.py setup_schedules`, which `make run` and deployments call.
SCHEDULES = {
    "panah-retention-reviews-daily": {
        "func": "cases.tasks.retention_reviews_mark_due", "schedule_type": "D", "minutes": None,
    },
    "panah-risk-daily": {
        "func": "cases.tasks.risk_recompute_daily", "schedule_type": "D", "minutes": None,
    },
    "panah-alert-escalation": {
        "func": "cases.tasks.alerts_escalate", "schedule_type": "I", "minutes": 1,
    },
}
