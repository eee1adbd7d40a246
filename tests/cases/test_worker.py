"""A real django-q worker process (`manage.py qcluster`, the `worker` fixture) runs case-file tasks."""

import datetime
from pathlib import Path

from django.core.files.uploadedfile import SimpleUploadedFile
from django_q.tasks import result

from cases.models import AlertNotification
from cases.services import records
from cases.tasks import enqueue_attachment_verify
from tests.conftest import MEMET, add_incident, finished_task, open_case


def test_worker_verifies_uploads_and_catches_a_changed_file(cast, worker, django_capture_on_commit_callbacks):
    case = open_case(cast.caseworker, passport_number="")
    with django_capture_on_commit_callbacks(execute=True):  # the service queues the check on commit
        attachment = records.attachment_add(
            actor=cast.caseworker, case=case, upload=SimpleUploadedFile("s.pdf", b"%PDF-1.4 fictional statement"),
        )
    first = finished_task(f"attachment-verify-{attachment.pk}")
    assert first.success and first.result is True
    assert first.args == (attachment.pk,)  # an id only: no personal data in the queue

    # The stored bytes change behind the application's back: the next check must say so.
    Path(attachment.file.path).write_bytes(b"%PDF-1.4 altered")
    second_id = enqueue_attachment_verify(attachment.pk)
    assert result(second_id, wait=30_000) is False


def test_worker_emails_alert_notifications_with_a_link_and_no_personal_data(
    cast, worker, tmp_path, django_capture_on_commit_callbacks,
):
    case = open_case(cast.caseworker)
    with django_capture_on_commit_callbacks(execute=True):  # notifications are queued on commit
        add_incident(cast.caseworker, case, "custody", datetime.date.today())
    notifications = list(AlertNotification.objects.filter(alert__case=case))
    assert {n.recipient.username for n in notifications} == {"caseworker", "supervisor", "liaison"}
    ids = sorted(n.pk for n in notifications)
    task = finished_task(f"alert-notifications-{ids[0]}")  # one task per alert event
    assert task.success and task.result == dict.fromkeys(ids, "sent")
    assert task.args == (ids,)  # ids only: no personal data in the queue
    messages = "".join(path.read_text() for path in (tmp_path / "mail").iterdir())
    assert messages.count("Subject: Panah: High refoulement alert") == 3
    # One Message-ID per notification, the same on any retry, so a resend after a crash shows once.
    for notification in notifications:
        assert messages.count(f"Message-ID: <alertnotification-{notification.pk}@") == 1
    alert = notifications[0].alert
    assert f"/cases/alerts/{alert.public_id}/" in messages
    for personal in [*MEMET.values(), case.reference, "E12345678", "Almaty"]:
        assert personal not in messages
    assert AlertNotification.objects.filter(alert__case=case, status="sent").count() == 3


def test_worker_runs_the_daily_reassessment_in_range_tasks(cast, worker):
    from django_q.tasks import async_task

    from cases.models import Case, RiskAssessment

    first, second = open_case(cast.caseworker), open_case(cast.caseworker, country="TR")
    # As after an upgrade: cases the engine has never assessed.
    Case.objects.update(risk_level="", risk_assessment=None)
    RiskAssessment.objects.all().delete()
    async_task("cases.tasks.risk_recompute_daily", task_name="daily-under-test")
    daily = finished_task("daily-under-test")
    assert daily.success and daily.result["tasks"] == 1
    ranged = finished_task(f"risk-range-{first.pk}-{second.pk}")
    assert ranged.success and ranged.result == {"cases": 2, "changed": 2}
    for case in (first, second):
        case.refresh_from_db()
        assert case.risk_level and case.risk_assessment.reason == "daily"
