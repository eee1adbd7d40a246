"""django-q entry points for referrals. Tasks take ids, never records or personal data."""

from django_q.tasks import async_task

from cases.tasks import schedule_retry


def referrals_remind() -> int:
    from referrals.services.referrals import referrals_remind_overdue

    return referrals_remind_overdue()


def referrals_end_expired() -> int:
    from referrals.services.referrals import referrals_end_with_expired_consent

    return referrals_end_with_expired_consent()


def referral_notifications_send(notification_ids: list[int]) -> dict:
    from referrals.services.notifications import notification_deliver

    return {pk: notification_deliver(notification_id=pk) for pk in notification_ids}


def referral_notification_send(notification_id: int) -> str:
    from referrals.services.notifications import notification_deliver

    return notification_deliver(notification_id=notification_id)


def enqueue_referral_notifications(notification_ids: list[int]) -> str:
    return async_task("referrals.tasks.referral_notifications_send", list(notification_ids),
                      task_name=f"referral-notifications-{notification_ids[0]}")


def schedule_notification_retry(notification_id: int, delay_seconds: int) -> None:
    schedule_retry("referrals.tasks.referral_notification_send", notification_id, delay_seconds,
                   name="referral-notification")


# Created (and corrected) by `manage.py setup_schedules`. Emergency referrals are due within
# 24 hours, so a reminder at most five minutes late is soon enough.
SCHEDULES = {
    "panah-referral-reminders": {
        "func": "referrals.tasks.referrals_remind", "schedule_type": "I", "minutes": 5,
    },
    "panah-referral-consent-expiry": {
        "func": "referrals.tasks.referrals_end_expired", "schedule_type": "H", "minutes": None,
    },
}
