"""Web hardening: the security headers, no caching of case pages, session limits, and the
failed-login lockout (django-axes) with its records and the client address it counts."""

import time

import pytest
from axes.models import AccessAttempt, AccessFailureLog
from django.test import Client
from django.urls import reverse
from django.utils import translation
from django.utils.html import escape
from django.utils.translation import ngettext

from tests.conftest import PASSWORD


def csp_directives(response):
    header = response["Content-Security-Policy"]
    return {part.split()[0]: part.split()[1:] for part in (p.strip() for p in header.split(";")) if part}


def test_case_pages_carry_a_strict_content_security_policy_and_are_never_cached(cast, own_case, logged_in):
    response = logged_in(cast.caseworker).get(reverse("cases:detail", kwargs={"public_id": own_case.public_id}))
    assert response.status_code == 200
    directives = csp_directives(response)
    assert directives["script-src"] == ["'self'"] and directives["style-src"] == ["'self'"]
    assert directives["frame-ancestors"] == ["'none'"] and directives["object-src"] == ["'none'"]
    assert "'unsafe-inline'" not in response["Content-Security-Policy"]
    assert "no-store" in response["Cache-Control"] and "private" in response["Cache-Control"]
    assert response["X-Frame-Options"] == "DENY" and response["Referrer-Policy"] == "same-origin"


def test_public_pages_carry_the_policy_too(db, client):
    response = client.get(reverse("login"))
    assert response.status_code == 200 and csp_directives(response)["script-src"] == ["'self'"]


def log_in(client, username, password, address, **headers):
    return client.post(reverse("login"), {"login": username, "password": password}, REMOTE_ADDR=address, **headers)


def test_five_wrong_passwords_lock_that_username_from_that_address_with_a_translated_page(cast, settings):
    settings.AXES_FAILURE_LIMIT = 5
    attacker = Client()
    attacker.cookies[settings.LANGUAGE_COOKIE_NAME] = "ru"
    for attempt in range(5):
        response = log_in(attacker, "caseworker", f"wrong-{attempt}", "203.0.113.7")
    assert response.status_code == 429
    # Even the right password is refused from there while the lock lasts, in the person's language.
    locked = log_in(attacker, "caseworker", PASSWORD, "203.0.113.7")
    assert locked.status_code == 429 and "_auth_user_id" not in attacker.session
    html = locked.content.decode()
    with translation.override("ru"):
        wait = ngettext("Too many wrong passwords were typed for this account from this connection. Try again in "
                        "%(minutes)s minute.", "Too many wrong passwords were typed for this account from this "
                        "connection. Try again in %(minutes)s minutes.", 15) % {"minutes": 15}
    assert "15" in wait and not wait.startswith("Too many")  # the Russian catalogue's sentence, with the wait
    assert '<html lang="ru"' in html and escape(wait) in html and "caseworker" not in html
    failures = AccessFailureLog.objects.filter(username="caseworker")
    assert failures.count() >= 5 and set(failures.values_list("ip_address", flat=True)) == {"203.0.113.7"}
    # The caseworker, at their own desk, still gets in: the lock is on the pair, not the account.
    desk = Client()
    assert log_in(desk, "caseworker", PASSWORD, "198.51.100.20").status_code == 302
    # And another colleague behind the attacker's address is not locked out either.
    assert log_in(Client(), "supervisor", PASSWORD, "203.0.113.7").status_code == 302


def test_a_forged_forwarded_for_header_does_not_move_the_lockout(cast, settings):
    settings.PANAH_TRUSTED_PROXIES = 0
    for attempt in range(5):
        log_in(Client(), "caseworker", f"wrong-{attempt}", "203.0.113.7",
               HTTP_X_FORWARDED_FOR=f"192.0.2.{attempt}")  # a new "address" each time
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {"203.0.113.7"}
    assert log_in(Client(), "caseworker", PASSWORD, "203.0.113.7").status_code == 429


def test_behind_a_trusted_proxy_the_address_it_appended_is_the_client(cast, settings):
    settings.PANAH_TRUSTED_PROXIES = 1
    for attempt in range(5):
        # The client wrote 192.0.2.1 itself; our proxy (10.0.0.2) appended the real 203.0.113.7.
        log_in(Client(), "caseworker", f"wrong-{attempt}", "10.0.0.2", HTTP_X_FORWARDED_FOR="192.0.2.1, 203.0.113.7")
    assert set(AccessFailureLog.objects.values_list("ip_address", flat=True)) == {"203.0.113.7"}
    other_client = log_in(Client(), "caseworker", PASSWORD, "10.0.0.2", HTTP_X_FORWARDED_FOR="198.51.100.20")
    assert other_client.status_code == 302


def test_an_idle_session_expires_and_a_busy_one_ends_after_its_maximum(cast, logged_in, settings):
    from django.contrib.sessions.models import Session
    from django.utils import timezone

    client = logged_in(cast.caseworker)
    client.get(reverse("cases:list"))
    assert client.session.get_expiry_age() == settings.SESSION_COOKIE_AGE == 30 * 60
    # Idle: the stored session's expiry passes, and the next request meets the login page.
    Session.objects.filter(session_key=client.session.session_key).update(
        expire_date=timezone.now() - timezone.timedelta(seconds=1))
    idle = client.get(reverse("cases:list"))
    assert idle.status_code == 302 and idle["Location"].startswith(reverse("login"))
    # Busy: a session used a minute ago but logged into more than 8 hours ago ends too.
    client = logged_in(cast.caseworker)
    session = client.session
    session["panah_login_at"] = int(time.time()) - settings.PANAH_SESSION_MAX_AGE - 1
    session.save()
    response = client.get(reverse("cases:list"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
    assert "_auth_user_id" not in client.session


def test_a_signed_in_session_without_a_login_time_is_ended(cast, logged_in):
    client = logged_in(cast.caseworker)
    session = client.session
    del session["panah_login_at"]
    session.save()
    assert client.get(reverse("cases:list")).status_code == 302


def test_wrong_confirmations_count_toward_the_lockout_and_store_no_password(cast, own_case, logged_in, settings,
                                                                           caplog):
    settings.AXES_FAILURE_LIMIT = 3
    client = logged_in(cast.caseworker)
    share = reverse("cases:share", kwargs={"public_id": own_case.public_id})
    for attempt in range(3):
        response = client.post(share, {"organisation": cast.clinic.pk, "purpose": "Fictional purpose",
                                       "current_password": f"Guess-{attempt}!"})
        assert response.status_code == 400
    # Now even the right password is refused, with its own message, and nothing is shared.
    locked = client.post(share, {"organisation": cast.clinic.pk, "purpose": "Fictional purpose",
                                 "current_password": PASSWORD})
    assert locked.status_code == 400 and "paused" in locked.content.decode()
    assert 'value="Fictional purpose"' in locked.content.decode() and not own_case.shares.exists()
    stored = " ".join(AccessAttempt.objects.values_list("post_data", flat=True))
    assert "Guess-" not in stored and "Fictional purpose" not in stored
    logged = caplog.text
    assert "caseworker" not in logged and "127.0.0.1" not in logged


def test_the_admin_password_change_needs_the_admins_own_password(cast, logged_in):
    client = logged_in(cast.org_admin)
    url = reverse("admin:auth_user_password_change", args=[cast.caseworker2.pk])
    new = {"password1": "A-new-fictional-passphrase-77", "password2": "A-new-fictional-passphrase-77",
           "usable_password": "true"}
    refused = client.post(url, {**new, "current_password": "not-mine"})
    assert refused.status_code == 200 and "That is not your password" in refused.content.decode()
    cast.caseworker2.refresh_from_db()
    assert cast.caseworker2.check_password(PASSWORD)
    assert client.post(url, {**new, "current_password": PASSWORD}).status_code == 302
    cast.caseworker2.refresh_from_db()
    assert cast.caseworker2.check_password("A-new-fictional-passphrase-77")


@pytest.mark.parametrize("path", ["/", "/cases/"])
def test_a_fresh_session_is_not_cut_short(cast, logged_in, path):
    client = logged_in(cast.caseworker)
    assert client.get(path).status_code == 200
