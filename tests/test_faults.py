"""Faults, none of them mocked.

With the database unreachable, every page answers with a clear, translated 503 that needs no
database, and nothing is written. Run in a fresh process whose settings point at a database that
is really not there (a SQLite file in a missing folder; PostgreSQL on a closed port).

A django-q worker killed (SIGKILL of its whole process group) in the middle of a document render:
a new worker gets the task again and completes it once. The worker is stopped at a named point by
the PANAH_FAULT_PAUSE test hook (config/settings.py), so "the middle" is the same every run."""

import hashlib
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.db import connection

from cases.encryption import decrypt_bytes

ROOT = Path(__file__).resolve().parents[1]

PROBE = """
import json, django
django.setup()
from django.test import Client
client = Client(raise_request_exception=False)
results = {}
signed_in = Client(raise_request_exception=False)
signed_in.cookies["sessionid"] = "s" * 32  # a session the database would have to load
for name, call in {
    "login": lambda: client.get("/login/", HTTP_ACCEPT_LANGUAGE="ug"),
    "post": lambda: client.post("/login/", {"login": "someone", "password": "x"}, HTTP_ACCEPT_LANGUAGE="ug"),
    "case": lambda: signed_in.get("/cases/", HTTP_ACCEPT_LANGUAGE="en"),
    "note": lambda: signed_in.post("/cases/00000000-0000-0000-0000-000000000000/notes/add/", {"note-text": "x"},
                                   HTTP_ACCEPT_LANGUAGE="ru"),
    "health": lambda: client.get("/health/"),
}.items():
    response = call()
    results[name] = [response.status_code, response.content.decode(), response.get("Retry-After")]
print(json.dumps(results))
"""


@pytest.mark.parametrize("database", ["sqlite", "postgresql"])
def test_an_unreachable_database_gets_a_clear_translated_503_in_every_language(database, tmp_path):
    env = {key: value for key, value in os.environ.items() if key != "DATABASE_URL"}
    env.update(PANAH_ENV="test", PANAH_VAR_DIR=str(tmp_path), DJANGO_SETTINGS_MODULE="config.settings")
    if database == "sqlite":
        env["PANAH_SQLITE_PATH"] = str(tmp_path / "missing-folder" / "panah.sqlite3")
    else:
        env["DATABASE_URL"] = "postgres://postgres@127.0.0.1:1/postgres"  # nothing listens on port 1
    result = subprocess.run([sys.executable, "-c", PROBE], cwd=ROOT, env=env, capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    pages = json.loads(result.stdout.strip().splitlines()[-1])
    # The login page needs no database: it still shows, so people see the service is there.
    assert pages["login"][0] == 200
    status, html, retry = pages["post"]  # logging in needs it: a 503 in the person's language
    assert status == 503 and retry == "60"
    assert '<html lang="ug" dir="rtl">' in html and "Panah cannot reach its database" not in html
    assert "Traceback" not in html and "OperationalError" not in html
    for name, language in (("case", "en"), ("note", "ru")):  # a signed-in page, and a post of a form
        status, html, _retry = pages[name]
        assert status == 503 and f'<html lang="{language}"' in html, name
    assert "Panah cannot reach its database" in pages["case"][1] and "Nothing was saved" in pages["case"][1]
    assert pages["health"][0] == 503 and json.loads(pages["health"][1]) == {"database": False}


# --- A worker killed in the middle of a task ------------------------------------------------------

# For the test's workers only (production keeps 120 / 120 / 180 s): django-q delivers a task that a
# killed worker had taken again after `retry` seconds (django_q/brokers/orm.py), and a render left
# marked "running" may be taken over after PANAH_RENDER_ABANDONED_SECONDS (reports.services.documents).
SHORT_TIMINGS = {"PANAH_Q_TIMEOUT": "25", "PANAH_RENDER_ABANDONED_SECONDS": "25", "PANAH_Q_RETRY": "32"}


@pytest.mark.parametrize("timings", ["configured", "test workers"])
def test_timings_let_a_killed_workers_render_be_taken_over_but_never_a_live_one(settings, timings):
    """timeout <= abandoned: a live render is never taken over; abandoned < retry: a re-delivered one is."""
    if timings == "configured":
        timeout, abandoned = settings.Q_CLUSTER["timeout"], settings.PANAH_RENDER_ABANDONED_SECONDS
        retry = settings.Q_CLUSTER["retry"]
    else:
        timeout, abandoned, retry = (int(SHORT_TIMINGS[name]) for name in (
            "PANAH_Q_TIMEOUT", "PANAH_RENDER_ABANDONED_SECONDS", "PANAH_Q_RETRY"))
    assert timeout <= abandoned < retry


def _wait_for(condition, seconds, failure):
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(failure())
        time.sleep(0.2)


def _live_members(group):
    """Processes of process group `group` that still run (a zombie has already died)."""
    members = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue  # ended while we looked
        state, _parent, process_group = fields[0], fields[1], int(fields[2])
        if process_group == group and state not in ("Z", "X"):
            members.append(int(stat.parent.name))
    return members


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("point", ["claimed", "stored"])
def test_a_worker_killed_in_the_middle_of_a_render_leaves_it_to_the_next_one_which_renders_it_once(
    point, cast, settings, tmp_path, django_capture_on_commit_callbacks,
):
    """`claimed`: killed right after taking the render; `stored`: after writing the PDF, before recording it."""
    from auditlog.models import LogEntry
    from django_q.models import OrmQ, Task

    from reports.models import DocumentStatus, GeneratedDocument
    from reports.services.documents import document_request
    from tests.conftest import finished_task, open_case, start_worker, stop_worker

    media = tmp_path / "media"
    media.mkdir()
    settings.MEDIA_ROOT = media
    case = open_case(cast.caseworker)
    with django_capture_on_commit_callbacks(execute=True):  # the render is queued on commit
        document = document_request(actor=cast.caseworker, case=case, kind="case_summary", language="ug",
                                    recipient_kind="unhcr")
    name, stored = f"document-render-{document.pk}", media / "documents" / f"{document.public_id}.pdf"
    announce, logs = tmp_path / "paused", [tmp_path / "worker-1.log", tmp_path / "worker-2.log"]

    def log_tail():
        return "\n".join(log.read_text()[-1500:] for log in logs if log.exists())

    audit_before = LogEntry.objects.count()
    started = time.monotonic()
    with logs[0].open("w") as output:
        first = start_worker(media, output=output, PANAH_FAULT_PAUSE=f"{point}:{announce}", **SHORT_TIMINGS)
    try:
        _wait_for(announce.exists, 120, lambda: f"the first worker never reached {point!r}:\n{log_tail()}")
        in_the_middle = GeneratedDocument.objects.get(pk=document.pk)
        assert (in_the_middle.status, in_the_middle.attempts) == (DocumentStatus.RENDERING, 1)
        assert stored.exists() == (point == "stored")
    finally:
        os.killpg(first.pid, signal.SIGKILL)  # the whole cluster: sentinel, pusher, monitor, worker, renderers
        first.wait()
    paused_for = time.monotonic() - started
    _wait_for(lambda: not _live_members(first.pid), 30, lambda: f"left running: {_live_members(first.pid)}")
    # Killed before acknowledging: the task is still queued (hidden for `retry`), and no result was saved.
    assert OrmQ.objects.count() == 1 and not Task.objects.filter(name=name).exists()

    restarted = time.monotonic()
    with logs[1].open("w") as output:
        second = start_worker(media, output=output, **SHORT_TIMINGS)
    try:
        task = finished_task(name, timeout=150)
        _wait_for(lambda: not OrmQ.objects.exists(), 30, lambda: f"the task was never acknowledged:\n{log_tail()}")
    finally:
        stop_worker(second)
    recovered_in = time.monotonic() - restarted
    print(f"\n[{connection.vendor}] killed at {point!r} after {paused_for:.1f} s; "
          f"rendered by the next worker {recovered_in:.1f} s after it started")

    # Completed once: one result, first time successful, and nothing else queued or run.
    assert task.success and task.result == DocumentStatus.DONE, log_tail()
    assert Task.objects.filter(name=name).count() == 1 and task.attempt_count == 1
    document = GeneratedDocument.objects.get(pk=document.pk)
    assert (document.status, document.attempts, document.error) == (DocumentStatus.DONE, 2, "")
    # One file, the one the row describes: a repeated render replaced its own output.
    assert sorted(media.rglob("*.pdf")) == [stored]
    raw = stored.read_bytes()
    assert not raw.startswith(b"%PDF")  # encrypted at rest (cases.encryption)
    data = decrypt_bytes(raw, where="test")
    assert data.startswith(b"%PDF") and hashlib.sha256(data).hexdigest() == document.sha256
    assert document.size == len(data) and document.file.name == f"documents/{document.public_id}.pdf"
    # The audit trail holds the request, once; neither render wrote to it (a render changes the row by UPDATE).
    assert LogEntry.objects.count() == audit_before
    assert list(LogEntry.objects.get_for_object(document).values_list("action", flat=True)) == [
        LogEntry.Action.CREATE]
