"""A real django-q worker sends referral notifications and runs the overdue reminders."""

import datetime

import pytest
from django.utils import timezone
from django_q.tasks import async_task

from referrals.models import Referral, ReferralNotification
from tests.conftest import MEMET, finished_task, open_case
from tests.referrals.conftest import give_consent, refer

pytestmark = pytest.mark.django_db(transaction=True)


def test_worker_notifies_the_provider_then_reminds_both_sides_without_personal_data(
    cast, counselling, worker, tmp_path, django_capture_on_commit_callbacks,
):
    case = open_case(cast.caseworker)
    give_consent(cast.caseworker, case, counselling)
    with django_capture_on_commit_callbacks(execute=True):  # notifications are queued on commit
        referral = refer(cast.caseworker, case, counselling, priority="urgent")
    received = ReferralNotification.objects.get(referral=referral)
    task = finished_task(f"referral-notifications-{received.pk}")
    assert task.success and task.result == {received.pk: "sent"} and task.args == ([received.pk],)

    # Past its deadline and not taken on: the scheduled reminder runs in the worker.
    Referral.objects.filter(pk=referral.pk).update(due_at=timezone.now() - datetime.timedelta(minutes=1))
    async_task("referrals.tasks.referrals_remind", task_name="reminders-under-test")
    reminders = finished_task("reminders-under-test")
    assert reminders.success and reminders.result == 1
    overdue = sorted(ReferralNotification.objects.filter(reason="overdue").values_list("pk", flat=True))
    sent = finished_task(f"referral-notifications-{overdue[0]}")
    assert sent.success and sent.result == dict.fromkeys(overdue, "sent")

    messages = "".join(path.read_text() for path in (tmp_path / "mail").iterdir())
    assert "Subject: Panah: new referral (Urgent: within 72 hours)" in messages
    assert messages.count("Subject: Panah: a referral is overdue") == 2
    assert f"/referrals/{referral.public_id}/" in messages
    for personal in [*MEMET.values(), case.reference, referral.reference, "E12345678", "Almaty"]:
        assert personal not in messages
