"""The named cast every test uses: organisations, one user per role, and case factories.

All people are fictional. Names come in the scripts a caseworker meets them in.
"""

import base64
import datetime
import hashlib
import importlib
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.db import connection
from django.test import Client
from django_q.models import Task

from cases.choices import DocumentType
from cases.models import User
from cases.services import access, cases, people

PASSWORD = "correct horse battery staple"

MEMET = {
    "given_name_ug_arab": "مەمەت", "father_name_ug_arab": "تۇرسۇن",
    "given_name_ug_latn": "Memet", "father_name_ug_latn": "Tursun",
    "given_name_cyrl": "Мәмәт", "father_name_cyrl": "Турсун",
    "given_name_hans": "买买提", "father_name_hans": "吐尔逊",
    "given_name_pinyin": "Maimaiti", "father_name_pinyin": "Tuerxun",
}
GULNAR = {"given_name_ug_arab": "گۈلنار", "father_name_ug_arab": "قاسىم", "given_name_ug_latn": "Gulnar"}


@dataclass
class Cast:
    ngo: object
    other_ngo: object
    clinic: object
    unhcr: object
    provider_org: object
    caseworker: User
    caseworker2: User
    supervisor: User
    other_caseworker: User
    other_supervisor: User
    liaison: User
    lawyer: User
    provider: User
    org_admin: User
    auditor: User

    def by_role(self):
        return {
            "caseworker": self.caseworker, "caseworker2": self.caseworker2, "supervisor": self.supervisor,
            "other_caseworker": self.other_caseworker, "other_supervisor": self.other_supervisor,
            "liaison": self.liaison, "lawyer": self.lawyer, "provider": self.provider,
            "org_admin": self.org_admin, "auditor": self.auditor,
        }


def second_factor_secret(username):
    """Each test user's authenticator-app key: fixed per username, so a browser test can type the code."""
    return base64.b32encode(hashlib.sha1(f"panah-test-{username}".encode()).digest()).decode()


_codes_used = set()


@pytest.fixture(autouse=True)
def default_language():
    """Each test starts in the default language: a request made by an earlier test in this thread
    leaves its language active (LocaleMiddleware activates, nothing deactivates)."""
    from django.conf import settings
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture(autouse=True)
def fresh_second_factor_codes():
    """Each test starts with every code unused and no rate limit counted (the test settings' cache
    lives in this process)."""
    from django.core.cache import cache

    _codes_used.clear()
    cache.clear()


def second_factor_code(username):
    """A code the user's authenticator app would show now, never one handed out before: the
    server accepts each code once, and one 30-second step either side of now."""
    from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value

    secret = second_factor_secret(username)
    while True:
        step = int(time.time()) // 30
        for counter in (step, step + 1, step - 1):
            if (username, counter) not in _codes_used:
                _codes_used.add((username, counter))
                return format_hotp_value(hotp_value(secret, counter))
        time.sleep(1)


def make_user(username, organisation, role, *, second_factor=True):
    """A staff account as an admin makes it; with an authenticator app set up unless told not to
    (without one, every page sends it to set one up)."""
    from allauth.mfa.totp.internal.auth import TOTP

    user = User.objects.create_user(
        username=username, password=PASSWORD, first_name=username.title(), email=f"{username}@example.org",
    )
    if second_factor:
        TOTP.activate(user, second_factor_secret(username))
    return access.user_set_membership(actor=None, user=user, organisation=organisation, role=role)


@pytest.fixture
def country_profiles(db):
    """The sourced country profiles the data migration seeds.

    Transactional tests (browser, worker, concurrency) end by flushing every table, data
    migrations' rows included; the next test then gets them back from the same seeding code.
    """
    from django.apps import apps

    from cases.models import CountryProfile

    if not CountryProfile.objects.exists():
        importlib.import_module("cases.migrations.0004_seed_country_profiles").seed(apps, None)


@pytest.fixture
def cast(country_profiles):
    ngo = access.organisation_create(name="Steppe Shelter", kind="ngo", countries=["KZ", "KG"])
    other_ngo = access.organisation_create(name="Anatolia Welcome", kind="ngo", countries=["TR"])
    clinic = access.organisation_create(name="Harbour Law Clinic", kind="legal_clinic", countries=["TR"])
    unhcr = access.organisation_create(name="UNHCR Test Desk", kind="unhcr", countries=["KZ", "TR"])
    provider_org = access.organisation_create(name="Calm Rooms", kind="service_provider", countries=["KZ"])
    return Cast(
        ngo=ngo, other_ngo=other_ngo, clinic=clinic, unhcr=unhcr, provider_org=provider_org,
        caseworker=make_user("caseworker", ngo, "caseworker"),
        caseworker2=make_user("caseworker2", ngo, "caseworker"),
        supervisor=make_user("supervisor", ngo, "supervisor"),
        other_caseworker=make_user("othercaseworker", other_ngo, "caseworker"),
        other_supervisor=make_user("othersupervisor", other_ngo, "supervisor"),
        liaison=make_user("liaison", unhcr, "unhcr_liaison"),
        lawyer=make_user("lawyer", clinic, "lawyer"),
        provider=make_user("provider", provider_org, "service_provider"),
        org_admin=make_user("orgadmin", ngo, "org_admin"),
        auditor=make_user("auditor", ngo, "auditor"),
    )


def open_case(actor, *, principal=None, country="KZ", phone="", passport_number="E12345678", **kwargs):
    """Register a case through the real service, with a PRC passport for the principal."""
    case = cases.case_open(
        actor=actor, host_country=country, host_city="Almaty", opened_on=datetime.date(2026, 3, 2),
        principal=principal or MEMET, principal_phone=phone, **kwargs,
    )
    if passport_number:
        people.document_add(actor=actor, person=case.people.get(), data={
            "document_type": DocumentType.PRC_PASSPORT, "number": passport_number, "issuing_country": "CN",
            "issued_on": datetime.date(2019, 5, 1), "expires_on": datetime.date(2029, 4, 30),
        })
    return case


@pytest.fixture
def case_factory(cast):
    return open_case


@pytest.fixture
def own_case(cast):
    """A case of the cast's NGO, registered (and so assigned) by `caseworker`."""
    return open_case(cast.caseworker, phone="+77011234567")


@pytest.fixture
def admin_user(db, django_user_model):
    """pytest-django's superuser (behind its `admin_client`), with a second factor like every account."""
    from allauth.mfa.totp.internal.auth import TOTP

    user = django_user_model.objects.create_superuser("admin", "admin@example.org", PASSWORD)
    TOTP.activate(user, second_factor_secret("admin"))
    return user


@pytest.fixture
def logged_in(db):
    """A separate browser session per user, so two users can act side by side in one test."""

    def login(user):
        client = Client()
        client.force_login(user)
        return client

    return login


@dataclass
class Clock:
    at: datetime.datetime

    def advance(self, **delta):
        self.at += datetime.timedelta(**delta)

    def today(self):
        return self.at.date()


@pytest.fixture
def clock(monkeypatch):
    """Control the time the risk rules and alert deadlines run on (cases.clock)."""
    controlled = Clock(datetime.datetime(2026, 11, 28, 9, 0, tzinfo=datetime.UTC))
    monkeypatch.setattr("cases.clock.now", lambda: controlled.at)
    return controlled


def add_incident(actor, case, category, on, **extra):
    from cases.services import records

    return records.incident_add(actor=actor, case=case, data={
        "category": category, "occurred_on": on, "description": "Fictional event for a test.", "source": "client",
        **extra,
    })


# --- A real django-q worker ------------------------------------------------------------------------

ROOT = Path(__file__).resolve().parents[1]


def start_worker(media_root, *, output=subprocess.PIPE, **extra_env):
    """Start a cluster (`manage.py qcluster`) on the test database, in a process group of its own."""
    env = {
        **os.environ, "PANAH_ENV": "test", "PANAH_MEDIA_ROOT": str(media_root), "PANAH_Q_WORKERS": "1",
        # Mail the worker sends lands in files the test can read.
        "DJANGO_EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
        "DJANGO_EMAIL_FILE_PATH": str(media_root / "mail"),
        **extra_env,
    }
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    if connection.vendor == "sqlite":
        env["PANAH_SQLITE_PATH"] = str(connection.settings_dict["NAME"])
    else:
        env["DATABASE_URL"] = env["DATABASE_URL"].rsplit("/", 1)[0] + "/" + connection.settings_dict["NAME"]
    return subprocess.Popen(
        [sys.executable, "manage.py", "qcluster"], cwd=ROOT, env=env,
        stdout=output, stderr=subprocess.STDOUT, text=True, start_new_session=True,
    )


def stop_worker(process):
    process.send_signal(signal.SIGTERM)  # the cluster's own process stops its workers in order
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()


@pytest.fixture
def worker(transactional_db, settings, tmp_path):
    """Start a cluster on the test database and the test's media folder; stop it afterwards."""
    settings.MEDIA_ROOT = tmp_path
    process = start_worker(tmp_path)
    yield process
    stop_worker(process)


def finished_task(name, timeout=30):
    """Wait for the worker to finish the task named `name` and return its record."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        done = Task.objects.filter(name=name).order_by("-stopped").first()
        if done is not None:
            return done
        time.sleep(0.2)
    raise AssertionError(f"the worker did not finish {name} within {timeout} s")
