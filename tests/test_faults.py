"""Faults: with the database unreachable, every page answers with a clear, translated 503 that
needs no database, and nothing is written. Run in a fresh process whose settings point at a
database that is really not there (a SQLite file in a missing folder; PostgreSQL on a closed
port), so nothing is mocked."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

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
    "post": lambda: client.post("/login/", {"username": "someone", "password": "x"}, HTTP_ACCEPT_LANGUAGE="ug"),
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
