"""Request middleware of the case-file app: who is asking and from where, and what may be kept."""

import time

from auditlog.middleware import AuditlogMiddleware
from django.conf import settings
from django.contrib.auth import logout
from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver
from django.shortcuts import redirect
from django.urls import Resolver404, resolve
from django.utils.cache import patch_cache_control


def client_ip(request):
    """The client's address: REMOTE_ADDR, or, behind PANAH_TRUSTED_PROXIES reverse proxies, the
    X-Forwarded-For entry the outermost trusted proxy appended.

    The first X-Forwarded-For entry is whatever the client wrote, so trusting it would let anyone
    pick the address the audit trail records and the login lockout counts (django-axes calls
    this through AXES_CLIENT_IP_CALLABLE, so both agree).
    """
    proxies = settings.PANAH_TRUSTED_PROXIES
    forwarded = [part.strip() for part in request.headers.get("X-Forwarded-For", "").split(",") if part.strip()]
    if proxies and len(forwarded) >= proxies:
        return forwarded[-proxies]
    return request.META.get("REMOTE_ADDR")


class AuditMiddleware(AuditlogMiddleware):
    """auditlog's middleware, but "from where" is `client_ip`: auditlog takes the first
    X-Forwarded-For entry, which any client can write."""

    @staticmethod
    def _get_remote_addr(request):
        return client_ip(request)

    @staticmethod
    def _get_remote_port(request):
        return None  # a forwarded port is as forgeable as a forwarded address, and not needed


class PrivateCacheMiddleware:
    """Pages for a logged-in person hold case data: no browser, proxy or back-button cache may
    keep them (Cache-Control: no-store). Public pages (login, static files) are left alone."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        # An error page holds no case data, and asking who is logged in could fail again (a 503
        # because the database is down).
        if response.status_code < 500 and getattr(request, "user", None) is not None \
                and request.user.is_authenticated:
            patch_cache_control(response, no_store=True, private=True, max_age=0)
        return response


LOGIN_TIME_KEY = "panah_login_at"


@receiver(user_logged_in)
def note_login_time(sender, request, user, **kwargs):
    """The absolute session limit counts from here (SessionLimitMiddleware)."""
    if request is not None and hasattr(request, "session"):
        request.session[LOGIN_TIME_KEY] = int(time.time())


class SessionLimitMiddleware:
    """Ends a session PANAH_SESSION_MAX_AGE seconds after its login, however busy; the idle limit
    is SESSION_COOKIE_AGE with SESSION_SAVE_EVERY_REQUEST. A signed-in session without a login
    time (one from before this rule) is ended too. The next request meets the login page, and
    `next` brings the person back to where they were."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.user.is_authenticated:
            started = request.session.get(LOGIN_TIME_KEY)
            if started is None or time.time() - started > settings.PANAH_SESSION_MAX_AGE:
                logout(request)
        return self.get_response(request)


ACTIVITY_KEY = "panah_seen"  # (when, as which session key)


class SessionActivityMiddleware:
    """Keeps the "last seen" time and address of one's sessions (the list where a person logs out
    a browser they don't recognise) fresh to within PANAH_SESSION_ACTIVITY_SECONDS: allauth's
    own tracking writes on every request, a cost every page would pay."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        session = request.session
        if request.user.is_authenticated and session.session_key:
            now = int(time.time())
            # A session whose key changed (a password change cycles it) is listed again at once:
            # ending someone's sessions (a second-factor reset) goes by this list.
            seen_at, seen_as = session.get(ACTIVITY_KEY) or (0, None)
            if seen_as != session.session_key or now - seen_at > settings.PANAH_SESSION_ACTIVITY_SECONDS:
                from allauth.usersessions.models import UserSession

                UserSession.objects.create_from_request(request)
                session[ACTIVITY_KEY] = (now, session.session_key)
        return self.get_response(request)


SECOND_FACTOR_KEY = "panah_second_factor"
# What a signed-in person without a second factor may reach: setting one up (and the
# re-authentication allauth asks for first), the language switch, logging out, the health check.
SECOND_FACTOR_SETUP_VIEWS = {
    "mfa_index", "mfa_activate_totp", "mfa_add_webauthn", "mfa_reauthenticate", "mfa_reauthenticate_webauthn",
    "account_reauthenticate", "mfa_view_recovery_codes", "mfa_generate_recovery_codes",
    "mfa_download_recovery_codes", "logout", "account_logout", "set_language", "health",
}


class SecondFactorRequiredMiddleware:
    """No case, referral or document for an account without a second factor: every other page
    sends it to the security page to set one up. Once seen, the answer is kept in the session
    (an account can't drop its last second factor: cases.accounts.SecondFactorAdapter), so
    pages don't pay a query for it."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        if user.is_authenticated and not request.session.get(SECOND_FACTOR_KEY):
            from cases.accounts import has_second_factor

            if has_second_factor(user):
                request.session[SECOND_FACTOR_KEY] = True
            elif _view_name(request) not in SECOND_FACTOR_SETUP_VIEWS:
                return redirect("mfa_index")
        return self.get_response(request)


def _view_name(request):
    try:
        return resolve(request.path_info).url_name
    except Resolver404:
        return None


def axes_username(request, credentials):
    """The username a login attempt was for, as django-axes counts it: from the credentials
    `authenticate` got (allauth's login, our password confirmations), or the login form's field."""
    if credentials and credentials.get("username"):
        return credentials["username"]
    return request.POST.get("login") if request is not None else None


def axes_client_description(username, ip_address, user_agent, path_info, request):
    """What django-axes writes in its log lines about a failed login: nothing personal (no
    username, no address); the failed-login records in the admin hold those."""
    return "a client (see the failed-login records)"
