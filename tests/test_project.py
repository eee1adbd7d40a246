"""The project as a whole: settings safety, migrations in step with models, the demo command."""

import base64
import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command

from cases.management.demo_world import USERS
from cases.models import Case, Organisation, Person, User

ROOT = Path(__file__).resolve().parents[1]


def manage(*args, **env):
    dropped = {"PANAH_ENV", "DJANGO_SECRET_KEY", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    environment = {k: v for k, v in os.environ.items() if k not in dropped}
    environment.update(env)
    return subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=environment, capture_output=True,
                          text=True, timeout=120)


def test_production_settings_pass_the_deployment_checks():
    result = manage("check", "--deploy", "--fail-level", "WARNING", PANAH_ENV="production",
                    DJANGO_SECRET_KEY=secrets.token_urlsafe(50), DJANGO_ALLOWED_HOSTS="panah.example.org",
                    PANAH_BACKUP_KEY=base64.urlsafe_b64encode(secrets.token_bytes(32)).decode(),
                    PANAH_FIELD_KEYS=base64.urlsafe_b64encode(secrets.token_bytes(32)).decode(),
                    PANAH_BLIND_INDEX_KEY=secrets.token_urlsafe(32))
    assert result.returncode == 0, result.stdout + result.stderr


def test_production_refuses_to_start_without_a_secret_key():
    result = manage("check", PANAH_ENV="production")
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY" in result.stderr


def test_debug_is_off_unless_asked():
    from django.conf import settings

    assert settings.DEBUG is False


@pytest.mark.django_db
def test_models_and_migrations_agree():
    call_command("makemigrations", "--check", "--dry-run", verbosity=0)


@pytest.mark.django_db
def test_seed_demo_is_deterministic_and_idempotent(capsys):
    call_command("seed_demo", "--cases", "12")
    first = (Case.objects.count(), Person.objects.count(), sorted(Case.objects.values_list("reference", flat=True)))
    call_command("seed_demo", "--cases", "12")
    second = (Case.objects.count(), Person.objects.count(), sorted(Case.objects.values_list("reference", flat=True)))
    assert first == second and first[0] == 12
    assert Organisation.objects.count() == 5
    assert set(User.objects.values_list("role", flat=True)) == {role for *_rest, role in USERS}
    # Every demo role can log in with the printed password.
    from cases.management.demo_world import DEMO_PASSWORD

    assert all(User.objects.get(username=u).check_password(DEMO_PASSWORD) for u, *_rest in USERS)


@pytest.mark.django_db
def test_seed_demo_bulk_mode_grants_access_like_the_services(capsys):
    from cases import selectors

    call_command("seed_demo", "--cases", "40")
    supervisor = User.objects.get(username="supervisor")
    own = Case.objects.filter(organisation=supervisor.organisation).count()
    assert selectors.visible_cases(supervisor).count() == own
    for case in Case.objects.all():
        for assignment in case.assignments.all():
            assert case in selectors.visible_cases(assignment.user)


def test_demo_logins_lists_every_role():
    result = manage("demo_logins", PANAH_ENV="demo")
    assert result.returncode == 0, result.stderr
    for username, *_rest in USERS:
        assert username in result.stdout


@pytest.mark.django_db
def test_sqlite_runs_in_wal_mode_with_immediate_transactions():
    from django.db import connection

    if connection.vendor != "sqlite":
        pytest.skip("SQLite settings only")
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA journal_mode")
        assert cursor.fetchone()[0] == "wal"
        cursor.execute("PRAGMA busy_timeout")
        assert cursor.fetchone()[0] >= 20000
    assert connection.settings_dict["OPTIONS"]["transaction_mode"] == "IMMEDIATE"
