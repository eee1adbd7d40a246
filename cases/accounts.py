"""Logging in with a second factor (django-allauth): what Panah changes in allauth's defaults.

Accounts are made by an organisation's admin, so there is no sign-up. Every account needs a
second factor (an authenticator app or a security key) before it may see anything: see
`cases.middleware.SecondFactorRequiredMiddleware`, which asks `has_second_factor`.
"""

from allauth.account.adapter import DefaultAccountAdapter
from allauth.account.forms import LoginForm as AllauthLoginForm
from allauth.account.forms import ReauthenticateForm as AllauthReauthenticateForm
from allauth.mfa.adapter import DefaultMFAAdapter
from allauth.mfa.base.forms import AuthenticateForm, ReauthenticateForm
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.forms import ActivateTOTPForm
from allauth.mfa.webauthn.forms import AddWebAuthnForm, EditWebAuthnForm
from django.conf import settings
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from cases.middleware import client_ip

# Recovery codes are a way back in, not a second factor of their own: they come with the first.
SECOND_FACTOR_TYPES = (Authenticator.Type.TOTP, Authenticator.Type.WEBAUTHN)


def has_second_factor(user):
    return Authenticator.objects.filter(user_id=user.pk, type__in=SECOND_FACTOR_TYPES).exists()


def map_encrypted_secrets(data: dict, function) -> dict:
    """`data` of an authenticator with `function` applied to each value allauth encrypts through
    SecondFactorAdapter: an app's key, the recovery codes' seed and any migrated codes. Key
    rotation, the key check and backups go through here, so none misses one."""
    data = dict(data)
    for key in ("secret", "seed"):
        if data.get(key):
            data[key] = function(data[key])
    if data.get("migrated_codes"):
        data["migrated_codes"] = [function(code) for code in data["migrated_codes"]]
    return data


class OurWording:
    """allauth's forms with our labels (so our catalogues translate them into every language we
    ship), no placeholders repeating the labels, and no password-reset hint: there is no
    self-service reset, an organisation's admin resets a password."""

    labels = {}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, field in self.fields.items():
            field.widget.attrs.pop("placeholder", None)
            if name in self.labels:
                field.label = self.labels[name]
            if name == "password":
                field.help_text = ""


class LoginForm(OurWording, AllauthLoginForm):
    labels = {"login": _("Username"), "password": _("Password")}


class PasswordReauthenticationForm(OurWording, AllauthReauthenticateForm):
    labels = {"password": _("Your password")}


class SecondFactorForm(OurWording, AuthenticateForm):
    labels = {"code": _("Code")}


class SecondFactorReauthenticationForm(OurWording, ReauthenticateForm):
    labels = {"code": _("Code")}


class AuthenticatorAppForm(OurWording, ActivateTOTPForm):
    labels = {"code": _("Code from the app")}


class AddSecurityKeyForm(OurWording, AddWebAuthnForm):
    labels = {"name": _("Name of the key"), "passwordless": _("Also use it without a password (passkey)")}


class EditSecurityKeyForm(OurWording, EditWebAuthnForm):
    labels = {"name": _("Name of the key")}


class AccountAdapter(DefaultAccountAdapter):
    error_messages = {
        **DefaultAccountAdapter.error_messages,
        "account_inactive": _("This account is switched off. Ask your organisation's administrator."),
        "incorrect_password": _("That password is not right."),
        "rate_limited": _("Too many attempts. Wait a quarter of an hour, then try again."),
        "too_many_login_attempts": _("Too many wrong attempts. Wait a quarter of an hour, then try again."),
        "username_password_mismatch": _(
            "That username and password do not match. Both are case-sensitive."
        ),
    }

    def is_open_for_signup(self, request):
        return False

    def get_client_ip(self, request):
        """The address the audit trail and the lockout use (a forged X-Forwarded-For moves none)."""
        return client_ip(request) or "0.0.0.0"  # noqa: S104 - a label for the sessions list, not a bind address

    def _get_login_attempts_cache_key(self, request, **credentials):
        """allauth counts wrong passwords per username wherever they come from, and then refuses
        even the right one: anyone could keep a caseworker locked out. Count them per username
        and address, as django-axes does (settings.AXES_LOCKOUT_PARAMETERS)."""
        login = credentials.get("username", "").lower()
        return f"{login}:{client_ip(request)}"

    def add_message(self, request, level, message_template=None, message_context=None, extra_tags="", message=None):
        # allauth greets every login with "Successfully signed in as <username>." (its own wording,
        # with the username): the page that follows says enough.
        if message_template == "account/messages/logged_in.txt":
            return
        super().add_message(request, level, message_template, message_context, extra_tags, message=message)

    def post_login(self, request, user, **kwargs):
        """After the second factor: speak the person's preferred language from now on (the cookie
        LocaleMiddleware reads)."""
        response = super().post_login(request, user, **kwargs)
        language = user.preferred_language
        if language in dict(settings.LANGUAGES):
            response.set_cookie(
                settings.LANGUAGE_COOKIE_NAME, language, max_age=settings.LANGUAGE_COOKIE_AGE,
                path=settings.LANGUAGE_COOKIE_PATH, domain=settings.LANGUAGE_COOKIE_DOMAIN,
                secure=settings.LANGUAGE_COOKIE_SECURE, httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
                samesite=settings.LANGUAGE_COOKIE_SAMESITE,
            )
        return response


class SecondFactorAdapter(DefaultMFAAdapter):
    # Our wording (and so our translations, in every language we ship) for allauth's errors.
    error_messages = {
        **DefaultMFAAdapter.error_messages,
        "cannot_delete_authenticator": _(
            "Add another authenticator app or security key before removing this one: every account "
            "needs a second factor."
        ),
        "cannot_generate_recovery_codes": _(
            "Set up an authenticator app or a security key first; recovery codes come with it."
        ),
        "incorrect_code": _("That code is not right, or it was already used. Wait for the next code and try again."),
    }

    def generate_authenticator_name(self, user, type):
        count = Authenticator.objects.filter(user_id=user.pk, type=type).count()
        return gettext("Security key %(number)s") % {"number": count + 1}

    def encrypt(self, text):
        """Authenticator-app keys are stored encrypted with the field keys (cases.encryption):
        a copy of the database must not hand over everyone's second factor."""
        from cases import encryption

        return encryption.encrypt_text(text)

    def decrypt(self, encrypted_text):
        from cases import encryption

        return encryption.decrypt_text(encrypted_text, where="mfa.Authenticator.data")

    def get_totp_issuer(self):
        return "Panah"

    def _get_site_name(self):
        return "Panah"

    def get_totp_label(self, user):
        # The username, never an e-mail address or a name: the label sits on a phone that may be
        # searched at a border.
        return user.get_username()

    def get_public_key_credential_user_entity(self, user):
        entity = super().get_public_key_credential_user_entity(user)
        entity["display_name"] = entity["name"] = user.get_username()
        return entity

    def can_delete_authenticator(self, authenticator):
        """Keep at least one second factor: removing the last would leave the account locked to
        the set-up page at its next login, and the session it was removed from open meanwhile."""
        if authenticator.type not in SECOND_FACTOR_TYPES:
            return True
        return Authenticator.objects.filter(
            user_id=authenticator.user_id, type__in=SECOND_FACTOR_TYPES,
        ).exclude(pk=authenticator.pk).exists()
