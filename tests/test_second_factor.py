"""Every account logs in with a second factor (allauth): without one it reaches only the page that
sets one up; codes are checked, used once and rate-limited; the demo's accounts work as printed;
a person sees and ends their own sessions; Django's admin login, which would skip the second
step, is never served."""

import io
import re

import pytest
from allauth.mfa.models import Authenticator
from allauth.usersessions.models import UserSession
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import translation

from cases.accounts import SecondFactorAdapter
from tests.conftest import PASSWORD, make_user, second_factor_code


def password_step(client, username, password=PASSWORD, **extra):
    return client.post(reverse("login"), {"login": username, "password": password}, **extra)


def code_step(client, code, **extra):
    return client.post(reverse("mfa_authenticate"), {"code": code}, **extra)


def test_the_password_alone_does_not_log_in_and_the_code_does(cast):
    client = Client()
    response = password_step(client, "caseworker")
    assert response.status_code == 302 and response["Location"] == reverse("mfa_authenticate")
    assert "_auth_user_id" not in client.session
    # Nothing but the second step is open meanwhile.
    assert client.get(reverse("cases:list"))["Location"].startswith(reverse("login"))
    response = code_step(client, second_factor_code("caseworker"))
    assert response.status_code == 302 and client.session["_auth_user_id"] == str(cast.caseworker.pk)
    assert client.get(reverse("cases:list")).status_code == 200


def test_a_wrong_code_is_refused_in_the_persons_language_and_a_used_code_never_works_again(cast):
    client = Client()
    client.cookies["django_language"] = "ru"
    password_step(client, "caseworker")
    wrong = code_step(client, "000000" if second_factor_code("caseworker") != "000000" else "111111")
    assert wrong.status_code == 200 and "_auth_user_id" not in client.session
    with translation.override("ru"):
        message = str(SecondFactorAdapter.error_messages["incorrect_code"])
    assert not message.startswith("That code") and message in wrong.content.decode()
    code = second_factor_code("caseworker")
    assert code_step(client, code).status_code == 302
    # Someone who watched the code being typed, a second later, with the password too.
    onlooker = Client()
    password_step(onlooker, "caseworker")
    assert code_step(onlooker, code).status_code == 200 and "_auth_user_id" not in onlooker.session


def test_guessing_codes_is_stopped_after_ten_wrong_ones(cast):
    client = Client()
    password_step(client, "caseworker")
    right = second_factor_code("caseworker")
    wrong_codes = [f"{n:06d}" for n in range(100000, 100020) if f"{n:06d}" != right][:10]
    for code in wrong_codes:
        assert code_step(client, code).status_code == 200
    # Even the right code is refused now: the eleventh try within the quarter hour.
    refused = code_step(client, right)
    assert refused.status_code == 200 and "_auth_user_id" not in client.session
    assert "Wait a quarter of an hour" in refused.content.decode()


def test_a_recovery_code_logs_in_once(cast):
    from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes

    codes = RecoveryCodes.activate(cast.caseworker).generate_codes()
    client = Client()
    password_step(client, "caseworker")
    assert code_step(client, codes[0]).status_code == 302
    again = Client()
    password_step(again, "caseworker")
    assert code_step(again, codes[0]).status_code == 200 and "_auth_user_id" not in again.session


def test_an_account_without_a_second_factor_sees_nothing_but_the_page_that_sets_one_up(cast, own_case):
    newcomer = make_user("newcomer", cast.ngo, "supervisor", second_factor=False)
    client = Client()
    # No second factor yet: the password logs in, to the set-up page and nowhere else.
    assert password_step(client, "newcomer").status_code == 302
    for url in (reverse("home"), reverse("cases:list"), reverse("cases:detail", args=[own_case.public_id]),
                reverse("cases:export"), reverse("admin:index")):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"] == reverse("mfa_index"), url
    refused_post = client.post(reverse("cases:edit", args=[own_case.public_id]), {"host_city": "Elsewhere"})
    assert refused_post.status_code == 302 and refused_post["Location"] == reverse("mfa_index")
    own_case.refresh_from_db()
    assert own_case.host_city == "Almaty"
    page = client.get(reverse("mfa_index"))
    assert page.status_code == 200 and "Set up a second factor to continue." in page.content.decode()

    # Setting up the app asks for the password again first (allauth: a fresh confirmation, not the
    # login, however recent), then shows the key; the code the app then shows activates it.
    asked = client.get(reverse("mfa_activate_totp"))
    assert asked.status_code == 302 and asked["Location"].startswith(reverse("account_reauthenticate"))
    assert client.post(asked["Location"], {"password": "not it"}).status_code == 200
    assert client.post(asked["Location"], {"password": PASSWORD})["Location"] == reverse("mfa_activate_totp")
    activate = client.get(reverse("mfa_activate_totp"))
    assert activate.status_code == 200
    secret = re.search(r'id="authenticator_secret">([A-Z2-7]+)<', activate.content.decode()).group(1)
    from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value, yield_hotp_counters_from_time

    step = list(yield_hotp_counters_from_time())[1]
    wrong = client.post(reverse("mfa_activate_totp"), {"code": "12345"})
    assert wrong.status_code == 200 and not Authenticator.objects.filter(user=newcomer).exists()
    done = client.post(reverse("mfa_activate_totp"), {"code": format_hotp_value(hotp_value(secret, step))})
    assert done.status_code == 302
    assert set(Authenticator.objects.filter(user=newcomer).values_list("type", flat=True)) == {
        Authenticator.Type.TOTP, Authenticator.Type.RECOVERY_CODES}
    assert client.get(reverse("cases:detail", args=[own_case.public_id])).status_code == 200


def test_the_last_second_factor_cannot_be_removed(cast):
    client = Client()
    password_step(client, "caseworker")
    code_step(client, second_factor_code("caseworker"))
    refused = client.post(reverse("mfa_deactivate_totp"), {})
    assert Authenticator.objects.filter(user=cast.caseworker, type=Authenticator.Type.TOTP).exists()
    assert refused.status_code in (200, 302)
    # Nor the last security key, once the app is gone.
    Authenticator.objects.filter(user=cast.caseworker, type=Authenticator.Type.TOTP).delete()
    key = Authenticator.objects.create(user=cast.caseworker, type=Authenticator.Type.WEBAUTHN,
                                       data={"name": "Blue key", "credential": {}})
    response = client.post(reverse("mfa_remove_webauthn", kwargs={"pk": key.pk}))
    assert response.status_code == 302 and Authenticator.objects.filter(pk=key.pk).exists()


def test_every_demo_account_logs_in_with_the_printed_password_and_the_demo_code(db, settings):
    from cases.management.demo_world import DEMO_PASSWORD, USERS

    call_command("seed_demo", "--cases", "3", stdout=io.StringIO())
    settings.PANAH_ENV = "demo"
    for username, *_rest in USERS:
        client = Client()
        assert password_step(client, username, DEMO_PASSWORD)["Location"] == reverse("mfa_authenticate")
        out = io.StringIO()
        call_command("demo_code", username, stdout=out)
        assert code_step(client, out.getvalue().strip()).status_code == 302, username
        assert client.get(reverse("home")).status_code in (200, 302)
        assert "_auth_user_id" in client.session


def test_the_demo_code_command_refuses_outside_the_demo(cast, settings):
    from django.core.management.base import CommandError

    settings.PANAH_ENV = "production"
    with pytest.raises(CommandError):
        call_command("demo_code", "caseworker", stdout=io.StringIO())


def test_a_person_sees_their_sessions_and_logs_one_out(cast):
    desk, laptop = Client(), Client()
    for client, address in ((desk, "198.51.100.20"), (laptop, "203.0.113.9")):
        password_step(client, "caseworker", REMOTE_ADDR=address)
        code_step(client, second_factor_code("caseworker"), REMOTE_ADDR=address)
    stranger = Client()
    password_step(stranger, "supervisor")
    code_step(stranger, second_factor_code("supervisor"))

    page = desk.get(reverse("usersessions_list"), REMOTE_ADDR="198.51.100.20")
    assert page.status_code == 200
    html = page.content.decode()
    assert "198.51.100.20" in html and "203.0.113.9" in html
    laptop_session = UserSession.objects.get(user=cast.caseworker, ip="203.0.113.9")
    # Another person's session can't be named: nothing happens to it.
    supervisor_session = UserSession.objects.get(user=cast.supervisor)
    desk.post(reverse("usersessions_list"), {"session": supervisor_session.pk})
    assert stranger.get(reverse("cases:list")).status_code == 200
    # The laptop's session ends; its next request meets the login page. The desk stays in.
    assert desk.post(reverse("usersessions_list"), {"session": laptop_session.pk}).status_code == 302
    assert laptop.get(reverse("cases:list"))["Location"].startswith(reverse("login"))
    assert desk.get(reverse("cases:list")).status_code == 200
    assert list(UserSession.objects.filter(user=cast.caseworker).values_list("ip", flat=True)) == ["198.51.100.20"]


def test_logging_out_every_other_session(cast):
    clients = [Client() for _ in range(3)]
    for client in clients:
        password_step(client, "caseworker")
        code_step(client, second_factor_code("caseworker"))
    clients[0].post(reverse("usersessions_list"), {})
    assert clients[0].get(reverse("cases:list")).status_code == 200
    for client in clients[1:]:
        assert client.get(reverse("cases:list")).status_code == 302


def test_djangos_admin_login_is_never_served(db):
    response = Client().get("/admin/login/?next=/admin/")
    assert response.status_code == 302 and response["Location"] == "/login/?next=%2Fadmin%2F"
    # Nor does a password posted to it log anyone in.
    client = Client()
    posted = client.post("/admin/login/", {"username": "caseworker", "password": PASSWORD})
    assert posted.status_code == 302 and posted["Location"].startswith(reverse("login"))
    assert "_auth_user_id" not in client.session


def test_the_login_page_offers_no_sign_up_or_self_service_reset(db):
    html = Client().get(reverse("login")).content.decode()
    assert "signup" not in html and "password/reset" not in html
    for path in ("/accounts/signup/", "/account/signup/", "/account/password/reset/"):
        assert Client().get(path).status_code == 404


def test_an_administrator_resets_a_lost_second_factor_with_their_own_password(cast, logged_in):
    from auditlog.models import LogEntry

    phone_lost = Client()
    password_step(phone_lost, "caseworker2")
    code_step(phone_lost, second_factor_code("caseworker2"))
    admin = logged_in(cast.org_admin)
    url = reverse("admin:cases_user_change", args=[cast.caseworker2.pk])
    data = {"username": "caseworker2", "first_name": "", "last_name": "", "email": "", "preferred_language": "",
            "role": "caseworker", "is_active": "on", "last_login_0": "", "last_login_1": "",
            "date_joined_0": "2026-01-01", "date_joined_1": "00:00:00", "reset_second_factor": "on",
            "current_password": "not-mine"}
    assert admin.post(url, data).status_code == 200  # refused: the admin's own password is asked
    assert Authenticator.objects.filter(user=cast.caseworker2).exists()
    assert admin.post(url, {**data, "current_password": PASSWORD}).status_code == 302
    assert not Authenticator.objects.filter(user=cast.caseworker2).exists()
    # Logged out everywhere; at the next login, nothing but setting up a new second factor.
    assert phone_lost.get(reverse("cases:list"))["Location"].startswith(reverse("login"))
    again = Client()
    password_step(again, "caseworker2")
    assert again.get(reverse("cases:list"))["Location"] == reverse("mfa_index")
    removal = LogEntry.objects.filter(action=LogEntry.Action.DELETE, content_type__model="authenticator").get()
    assert removal.actor == cast.org_admin and "secret" not in str(removal.changes)
    # A caseworker can't reset anyone's (the admin is not theirs to open).
    assert logged_in(cast.caseworker).get(url).status_code in (302, 403, 404)


def test_wrong_passwords_from_elsewhere_do_not_lock_the_owner_out(cast, settings):
    settings.AXES_FAILURE_LIMIT = 50  # allauth's own limit is under test here, not axes'
    for attempt in range(12):
        password_step(Client(), "caseworker", f"wrong-{attempt}", REMOTE_ADDR=f"192.0.2.{attempt}")
    owner = Client()
    response = password_step(owner, "caseworker", REMOTE_ADDR="198.51.100.20")
    assert response.status_code == 302 and response["Location"] == reverse("mfa_authenticate")
