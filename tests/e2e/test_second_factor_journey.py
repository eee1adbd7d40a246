"""A new member of staff sets up their second factors in a real browser: an authenticator app
(from the key on the page) and a security key (Chromium's virtual WebAuthn authenticator, over
the DevTools protocol), then logs in with the key alone as the second step."""

import re

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value
from playwright.sync_api import expect

from tests.conftest import PASSWORD, make_user

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def app_code(secret):
    import time

    return format_hotp_value(hotp_value(secret, int(time.time()) // 30))


def test_a_newcomer_sets_up_an_app_and_a_security_key_then_logs_in_with_the_key(
        live_server, page, screenshot, cast):
    make_user("newcomer", cast.ngo, "caseworker", second_factor=False)
    violations = []
    page.on("console", lambda message: violations.append(message.text)
            if "Content Security Policy" in message.text else None)

    # No second factor yet: the password gets in, to the security page and nowhere else.
    page.goto(f"{live_server.url}/login/")
    page.get_by_label("Username").fill("newcomer")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Security of your account")).to_be_visible()
    expect(page.get_by_text("Set up a second factor to continue.")).to_be_visible()
    page.goto(f"{live_server.url}/cases/")
    expect(page.get_by_role("heading", name="Security of your account")).to_be_visible()
    screenshot("1-must-set-up")

    # The authenticator app: the password again, then the QR code and its key.
    page.get_by_role("link", name="Set up an authenticator app").click()
    page.get_by_label("Your password").fill(PASSWORD)
    page.get_by_role("button", name="Confirm").click()
    expect(page.get_by_role("heading", name="Set up an authenticator app")).to_be_visible()
    qr = page.get_by_role("img", name="QR code for your authenticator app")
    expect(qr).to_be_visible()
    assert qr.evaluate("image => image.naturalWidth") > 50  # drawn, not a broken image
    secret = page.locator("#authenticator_secret").inner_text().strip()
    assert re.fullmatch(r"[A-Z2-7]{32}", secret)
    screenshot("2-scan")
    page.get_by_label("Code from the app").fill(app_code(secret))
    page.get_by_role("button", name="Activate").click()
    expect(page.get_by_text("The authenticator app is set up.")).to_be_visible()
    screenshot("3-app-active")
    page.goto(f"{live_server.url}/cases/")
    expect(page.get_by_role("heading", name="Cases", exact=True)).to_be_visible()

    # A security key: Chromium's virtual authenticator answers the browser's WebAuthn prompt.
    devtools = page.context.new_cdp_session(page)
    devtools.send("WebAuthn.enable")
    devtools.send("WebAuthn.addVirtualAuthenticator", {"options": {
        "protocol": "ctap2", "transport": "usb", "hasResidentKey": True,
        "hasUserVerification": True, "isUserVerified": True,
    }})
    page.goto(f"{live_server.url}/account/security/")
    page.get_by_role("link", name="Add a security key").click()
    if page.get_by_label("Your password").count():  # the confirmation may have lapsed meanwhile
        page.get_by_label("Your password").fill(PASSWORD)
        page.get_by_role("button", name="Confirm").click()
    page.get_by_label("Name of the key").fill("Blue key")
    page.get_by_role("button", name="Add the key").click()
    expect(page.get_by_text("The security key was added.")).to_be_visible()
    keys = Authenticator.objects.filter(user__username="newcomer", type=Authenticator.Type.WEBAUTHN)
    assert keys.count() == 1
    screenshot("4-key-added")

    # Log out, log in: password, then the key instead of a code.
    page.get_by_role("button", name="Log out").click()
    page.get_by_label("Username").fill("newcomer")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Second step of logging in")).to_be_visible()
    screenshot("5-second-step")
    page.get_by_role("button", name="Use my security key").click()
    expect(page.get_by_role("heading", name="Dashboard", exact=True)).to_be_visible()
    assert keys.get().last_used_at is not None
    screenshot("6-in-with-the-key")

    # Where am I logged in: this browser, listed; the page offers to log others out.
    page.goto(f"{live_server.url}/account/sessions/")
    expect(page.get_by_text("this browser")).to_be_visible()
    assert violations == []
