"""Who hears about a referral step, and the emails themselves (no personal data in any of them)."""

from django.db import transaction
from django.urls import reverse

from cases import mailing
from cases.models import User
from referrals import permissions
from referrals.choices import ENDED_STATES, NotificationReason, ReferralPriority
from referrals.models import ReferralNotification

NOTIFICATION_TEMPLATES = ("referrals/email_subject.txt", "referrals/email_body.txt")


def answering_staff(referral) -> list[User]:
    # The same people `permissions.answers_for` lets in: answering roles holding the permission.
    return list(User.objects.filter(
        organisation_id=referral.provider.organisation_id, role__in=permissions.ANSWERING_ROLES, is_active=True,
        groups__permissions__codename="answer_referral", groups__permissions__content_type__app_label="referrals",
    ).distinct())


def referrer_side(referral) -> list[User]:
    """The referring caseworker and the caseworkers assigned to the case."""
    users = {referral.referred_by_id}
    users |= set(referral.case.assignments.values_list("user_id", flat=True))
    return list(User.objects.filter(pk__in=users, is_active=True))


def notify(referral, users, reason) -> list[int]:
    """Queue one email per user after commit; the task gets ids only."""
    from referrals import tasks

    ids = [ReferralNotification.objects.create(referral=referral, recipient=user, reason=reason).pk
           for user in {user.pk: user for user in users}.values()]
    if ids:
        transaction.on_commit(lambda: tasks.enqueue_referral_notifications(ids))
    return ids


def notification_deliver(*, notification_id: int) -> str:
    from referrals import tasks

    notification = ReferralNotification.objects.select_related("referral", "recipient").filter(
        pk=notification_id,
    ).first()
    if notification is None:
        return "missing"
    referral = notification.referral
    always = (NotificationReason.ACCESS_ENDED, NotificationReason.ANSWERED, NotificationReason.OVERRIDE,
              NotificationReason.CONSENT_EXPIRED)
    # Reminders and news about a referral that ended, or whose consent lapsed, since are moot.
    needed = notification.reason in always or (
        referral.state not in ENDED_STATES and permissions.consent_holds(referral)
    )
    return mailing.deliver(
        notification,
        needed=needed,
        templates=NOTIFICATION_TEMPLATES,
        context={
            "reason": notification.reason, "priority_label": ReferralPriority(referral.priority).label,
            "due_at": referral.due_at,
            "link": mailing.absolute_url(reverse("referrals:detail", args=[referral.public_id])),
        },
        schedule_retry=tasks.schedule_notification_retry,
    )
