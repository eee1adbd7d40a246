"""A real django-q worker process (`manage.py qcluster`) runs the attachment integrity check."""

import datetime
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django_q.models import Task
from django_q.tasks import result

from cases.models import AlertNotification
from cases.services import records
from cases.tasks import enqueue_attachment_verify
from tests.conftest import MEMET, add_incident, open_case

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def worker(transactional_db, settings, tmp_path):
    """Start a cluster on the test database and the test's media folder; stop it afterwards."""
    settings.MEDIA_ROOT = tmp_path
    env = {
        **os.environ, "PANAH_ENV": "test", "PANAH_MEDIA_ROOT": str(tmp_path), "PANAH_Q_WORKERS": "1",
        # Mail the worker sends lands in files the test can read.
        "DJANGO_EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
        "DJANGO_EMAIL_FILE_PATH": str(tmp_path / "mail"),
    }
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    if connection.vendor == "sqlite":
        env["PANAH_SQLITE_PATH"] = str(connection.settings_dict["NAME"])
    else:
        env["DATABASE_URL"] = env["DATABASE_URL"].rsplit("/", 1)[0] + "/" + connection.settings_dict["NAME"]
    process = subprocess.Popen(
        [sys.executable, "manage.py", "qcluster"], cwd=ROOT, env=env,
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True,
    )
    yield process
    process.send_signal(signal.SIGTERM)  # the cluster's own process stops its workers in order
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()


def finished_task(name, timeout=30):
    """Wait for the worker to finish the task named `name` and return its record."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        done = Task.objects.filter(name=name).order_by("-stopped").first()
        if done is not None:
            return done
        time.sleep(0.2)
    raise AssertionError(f"the worker did not finish {name} within {timeout} s")


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
