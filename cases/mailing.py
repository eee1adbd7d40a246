"""Delivering one notification email: claimed once, rendered in the reader's language, retried.

Alert and referral notifications share this. Emails carry a level or a priority, a deadline and
a link: never a name, a reference or anything else about the person (the link needs a login).
"""

import logging

from django.conf import settings
from django.core.mail import EmailMessage
from django.template.loader import render_to_string
from django.utils import translation

from cases import clock
from cases.choices import NotificationStatus

logger = logging.getLogger(__name__)

NOTIFICATION_MAX_ATTEMPTS = 5
# Seconds before each retry: a mail server that is down for an hour still gets the message out.
NOTIFICATION_BACKOFF = [60, 300, 900, 3600]


def deliver(notification, *, needed: bool, templates: tuple[str, str], context: dict, schedule_retry) -> str:
    """Send `notification` (a row with recipient, status, attempts) and return its new status.

    The row is claimed before sending (status still pending, attempts unchanged), so a task
    delivered twice sends once. One that is no longer `needed` is skipped. A failed send counts
    the attempt and calls `schedule_retry(pk, delay_seconds)` until the attempts run out.
    """
    rows = type(notification).objects.filter(pk=notification.pk)
    if notification.status != NotificationStatus.PENDING:
        return notification.status
    recipient = notification.recipient
    if not needed or not recipient.is_active or not recipient.email:
        rows.update(status=NotificationStatus.SKIPPED)
        return NotificationStatus.SKIPPED
    attempts = notification.attempts + 1
    if not rows.filter(status=NotificationStatus.PENDING, attempts=notification.attempts).update(attempts=attempts):
        return "claimed elsewhere"
    subject_template, body_template = templates
    with translation.override(recipient.preferred_language or settings.LANGUAGE_CODE):
        subject = render_to_string(subject_template, context).strip()
        body = render_to_string(body_template, context)
    try:
        EmailMessage(subject, body, settings.DEFAULT_FROM_EMAIL, [recipient.email],
                     headers={"Message-ID": message_id(notification)}).send()
    except Exception as error:  # noqa: BLE001 - any transport failure is retried the same way
        failed = attempts >= NOTIFICATION_MAX_ATTEMPTS
        if failed:
            rows.update(status=NotificationStatus.FAILED)
        logger.warning("%s %s: attempt %s failed (%s)", type(notification).__name__, notification.pk, attempts,
                       type(error).__name__)
        if not failed:
            schedule_retry(notification.pk, NOTIFICATION_BACKOFF[attempts - 1])
        return NotificationStatus.FAILED if failed else NotificationStatus.PENDING
    rows.update(status=NotificationStatus.SENT, sent_at=clock.now())
    return NotificationStatus.SENT


def message_id(notification) -> str:
    """The same Message-ID for every attempt at one notification. A worker killed after the mail
    server took the message, but before the row said so, sends it again on retry: with one id,
    mail servers and clients show it once. (Sending only after marking it sent could lose an alert.)"""
    domain = settings.DEFAULT_FROM_EMAIL.rpartition("@")[2].strip(">") or "panah.invalid"
    return f"<{notification._meta.model_name}-{notification.pk}@{domain}>"


def absolute_url(path: str) -> str:
    return settings.PANAH_BASE_URL.rstrip("/") + path
