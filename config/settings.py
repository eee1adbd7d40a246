"""Panah settings: one module, driven by environment variables.

PANAH_ENV selects the defaults: `production` (the default: nothing insecure is assumed), `demo`
(`make run`: a throwaway secret key, plain-HTTP cookies on 127.0.0.1) or `test` (`make test`).
"""

import datetime
import os
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent
PANAH_ENV = os.environ.get("PANAH_ENV", "production")
if PANAH_ENV not in {"production", "demo", "test"}:
    raise ImproperlyConfigured("PANAH_ENV must be production, demo or test")
IS_PRODUCTION = PANAH_ENV == "production"


def env_bool(name, default=False):
    return os.environ.get(name, str(default)).strip().lower() in {"1", "true", "yes", "on"}


def env_list(name, default=""):
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def _demo_keys(path, names):
    """Keys for the demo and the tests, never production: made once (by whichever process comes
    first) and kept in `path` as NAME=value lines, so data encrypted under them survives a restart.
    Each is 32 random bytes in URL-safe base64: a Fernet key, an HMAC key, an AES-256 key alike."""
    import base64
    import secrets
    import time

    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        with os.fdopen(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "w") as out:
            out.write("".join(f"{name}={base64.urlsafe_b64encode(secrets.token_bytes(32)).decode()}\n"
                              for name in names))
    except FileExistsError:
        pass
    for _attempt in range(50):  # another process may be half-way through writing it
        keys = dict(line.split("=", 1) for line in path.read_text().split() if "=" in line)
        if set(names) <= set(keys):
            return keys
        time.sleep(0.1)
    raise ImproperlyConfigured(f"{path} is incomplete: delete it, or set {' and '.join(names)}.")


SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "")
if not SECRET_KEY:
    if IS_PRODUCTION:
        raise ImproperlyConfigured("Set DJANGO_SECRET_KEY (PANAH_ENV=production).")
    SECRET_KEY = "panah-demo-only-key-never-use-for-real-data-0123456789abcdefghijklmnop"  # noqa: S105

DEBUG = env_bool("DJANGO_DEBUG", False)
ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", "" if IS_PRODUCTION else "127.0.0.1,localhost,testserver")
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",  # intcomma: counts grouped the local way (12 345, 12,345, 12.345)
    "axes",
    "csp",
    # Login, second factor (TOTP, security keys, recovery codes) and one's sessions. Only the
    # login, re-authentication, second-factor and session views are routed (config/urls.py):
    # accounts are made by an organisation's admin, never by sign-up or e-mail.
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "allauth.usersessions",
    "guardian",
    "auditlog",
    "django_q",
    "cases",
    "referrals",
    "reports",
    "config.apps.ConfigConfig",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Right after authentication: a session past its limit is logged out before anything
    # (the audit trail, messages, a view) sees its user.
    "cases.middleware.SessionLimitMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "cases.middleware.SessionActivityMiddleware",
    # Nobody without a second factor sees a case: every page but setting one up redirects there.
    "cases.middleware.SecondFactorRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "cases.middleware.AuditMiddleware",
    "csp.middleware.CSPMiddleware",
    "cases.middleware.PrivateCacheMiddleware",
    # Last, as django-axes requires: it turns a locked-out login into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "config" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "cases.context_processors.navigation",
                "referrals.context_processors.navigation",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------------
# Embedded default: SQLite in WAL mode with immediate transactions, so a writer takes the lock
# at BEGIN instead of failing half-way with "database is locked"; the busy timeout lets the web
# process and the django-q worker wait for each other.
VAR_DIR = Path(os.environ.get("PANAH_VAR_DIR", BASE_DIR / "var"))
if os.environ.get("DATABASE_URL"):
    DATABASES = {"default": dj_database_url.parse(os.environ["DATABASE_URL"], conn_max_age=60)}
else:
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": os.environ.get("PANAH_SQLITE_PATH", VAR_DIR / "panah.sqlite3"),
            "OPTIONS": {
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;",
            },
            # A file, not memory, so that a django-q worker started by a test sees the test data.
            "TEST": {"NAME": VAR_DIR / "test-panah.sqlite3"},
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
# One cache shared by every web process: a second-factor code is accepted once across all of them,
# and login rate limits count across them. The table is made by `createcachetable` (make migrate;
# Django's test database creation runs it too).
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": "panah_cache"},
}
if PANAH_ENV == "test":
    # One process (live_server runs in the tests' own), and each test starts with an empty cache
    # (tests/conftest.py): codes and rate limits don't leak from one test into the next.
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# --- Authentication and access ----------------------------------------------------------------
AUTH_USER_MODEL = "cases.User"
AUTHENTICATION_BACKENDS = [
    # First: refuses a locked-out username and address before the password is even checked.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
    "guardian.backends.ObjectPermissionBackend",
]
ANONYMOUS_USER_NAME = None  # guardian: no anonymous user row, anonymous users get nothing
GUARDIAN_RAISE_403 = False

# Failed logins (django-axes): five wrong passwords for one username from one address lock that
# pair for 15 minutes. Not the address alone: a community centre's staff share one. Not the
# username alone: anyone could then lock a caseworker out from anywhere. Every failure is kept
# (AccessFailureLog, in the admin) with the address our audit trail uses (cases.middleware.client_ip).
AXES_FAILURE_LIMIT = int(os.environ.get("PANAH_LOGIN_FAILURE_LIMIT", 5))
AXES_COOLOFF_TIME = datetime.timedelta(minutes=int(os.environ.get("PANAH_LOGIN_COOLOFF_MINUTES", 15)))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_CLIENT_IP_CALLABLE = "cases.middleware.client_ip"
AXES_ENABLE_ACCESS_FAILURE_LOG = True
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "config.views.locked_out"
# No usernames or addresses in the logs (the tables keep them), and no passwords in the stored
# request bodies: axes masks these fields in AccessAttempt.post_data.
AXES_VERBOSE = False
AXES_CLIENT_STR_CALLABLE = "cases.middleware.axes_client_description"
AXES_SENSITIVE_PARAMETERS = [
    "username", "login", "ip_address", "password", "current_password", "password1", "password2", "code",
]
# allauth's login form calls its field "login" and passes it on as `username`.
AXES_USERNAME_CALLABLE = "cases.middleware.axes_username"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Login and the second factor (django-allauth). Username and password, then a code from an
# authenticator app, a security key (WebAuthn) or a one-time recovery code. Accounts come from an
# organisation's admin: no sign-up, no e-mail verification, no "remember me" on shared computers.
ACCOUNT_ADAPTER = "cases.accounts.AccountAdapter"
ACCOUNT_FORMS = {"login": "cases.accounts.LoginForm", "reauthenticate": "cases.accounts.PasswordReauthenticationForm"}
ACCOUNT_LOGIN_METHODS = {"username"}
ACCOUNT_SIGNUP_FIELDS = ["username*", "password1*"]
ACCOUNT_EMAIL_VERIFICATION = "none"
ACCOUNT_SESSION_REMEMBER = False
ACCOUNT_LOGOUT_REDIRECT_URL = "login"
ACCOUNT_REAUTHENTICATION_TIMEOUT = 5 * 60
ACCOUNT_REAUTHENTICATION_METHODS = ("password", "mfa")  # no e-mailed codes
# Wrong passwords are django-axes' to count and lock (above, with its audit table); allauth's own
# limit sits above axes' so the lockout page is what a guesser meets, and counts per username and
# address like axes (cases.accounts.AccountAdapter), never per username alone. The same limit caps
# guesses at the second factor, per account, once the password was right: ten codes per quarter hour.
ACCOUNT_RATE_LIMITS = {"login": "60/m/ip", "login_failed": "30/m/ip,10/15m/key"}
MFA_ADAPTER = "cases.accounts.SecondFactorAdapter"
MFA_SUPPORTED_TYPES = ["totp", "webauthn", "recovery_codes"]
MFA_FORMS = {
    "authenticate": "cases.accounts.SecondFactorForm",
    "reauthenticate": "cases.accounts.SecondFactorReauthenticationForm",
    "activate_totp": "cases.accounts.AuthenticatorAppForm",
    "add_webauthn": "cases.accounts.AddSecurityKeyForm",
    "edit_webauthn": "cases.accounts.EditSecurityKeyForm",
}
MFA_TOTP_ISSUER = "Panah"
# One 30-second step either side: phones' clocks drift. A code is accepted once (the shared cache).
MFA_TOTP_TOLERANCE = 1
# No e-mail verification exists here (accounts are made by an admin), so don't wait for one.
MFA_ALLOW_UNVERIFIED_EMAIL = True
MFA_RECOVERY_CODE_COUNT = 10
# Security keys need https, except on this machine in the demo and the tests.
MFA_WEBAUTHN_ALLOW_INSECURE_ORIGIN = not IS_PRODUCTION
# "Last seen" in one's list of sessions is kept by cases.middleware.SessionActivityMiddleware, at
# most every few minutes (allauth's own middleware writes on every request).
USERSESSIONS_TRACK_ACTIVITY = False
PANAH_SESSION_ACTIVITY_SECONDS = 5 * 60
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
if PANAH_ENV == "test":
    # Hashing strength is not under test; speed is.
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

# --- Sessions, cookies, transport --------------------------------------------------------------
# Idle timeout: every request pushes the expiry on, so a session left open on a shared computer
# in a community centre ends after PANAH_IDLE_MINUTES without use. PANAH_SESSION_HOURS caps a
# session however busy (cases.middleware.SessionLimitMiddleware).
SESSION_COOKIE_AGE = 60 * int(os.environ.get("PANAH_IDLE_MINUTES", 30))
SESSION_SAVE_EVERY_REQUEST = True
PANAH_SESSION_MAX_AGE = 60 * 60 * int(os.environ.get("PANAH_SESSION_HOURS", 8))
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
# Content Security Policy (django-csp 4): our own origin only, no inline script or style, no
# plugins, no framing, forms post only to us. The templates carry no inline code (a test checks
# every page a browser test opens for CSP violations).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
        "base-uri": [NONE],
        "object-src": [NONE],
    },
}
if IS_PRODUCTION:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", True)
    SECURE_HSTS_SECONDS = int(os.environ.get("DJANGO_HSTS_SECONDS", 60 * 60 * 24 * 365))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# --- Languages ----------------------------------------------------------------------------------
LANGUAGE_CODE = "en"
LANGUAGES = [
    ("en", "English"),
    ("ug", "ئۇيغۇرچە"),
    ("ru", "Русский"),
    ("tr", "Türkçe"),
    ("ar", "العربية"),
    ("kk", "Қазақша"),
    ("ky", "Кыргызча"),
    ("zh-hans", "简体中文"),
]
LOCALE_PATHS = [BASE_DIR / "locale"]
# Date and number formats for languages Django ships none for (Kazakh); see config/formats/.
FORMAT_MODULE_PATH = ["config.formats"]
CSRF_FAILURE_VIEW = "config.views.csrf_failure"
USE_I18N = True
USE_TZ = True
TIME_ZONE = "UTC"

# --- Files --------------------------------------------------------------------------------------
STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "config" / "static"]
STATIC_ROOT = VAR_DIR / "static"
# Uploaded files live outside any served directory; there is deliberately no MEDIA_URL route.
MEDIA_ROOT = Path(os.environ.get("PANAH_MEDIA_ROOT", VAR_DIR / "media"))
# Where a render copies a packet's exhibits for the renderer; the documents sweeper removes what a
# killed worker left behind (the copies are clients' passports and letters).
# Keep one renderer process started in advance per worker (see reports.pdf.take_renderer).
PANAH_WARM_RENDERER = os.environ.get("PANAH_WARM_RENDERER", "1") == "1"
PANAH_RENDER_WORK_DIR = Path(os.environ.get("PANAH_RENDER_WORK_DIR", VAR_DIR / "render-work"))
MEDIA_URL = "/no-public-media/"
PANAH_MAX_UPLOAD_BYTES = int(os.environ.get("PANAH_MAX_UPLOAD_BYTES", 15 * 1024 * 1024))
DATA_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
FILE_UPLOAD_PERMISSIONS = 0o600

# --- Field encryption (cases/encryption.py) ----------------------------------------------------
# Keys of their own, never derived from SECRET_KEY: PANAH_FIELD_KEYS are Fernet keys, comma-separated,
# the first encrypting and all decrypting (rotation: put a new key first, run `manage.py
# rotate_field_keys`, then drop the old one); PANAH_BLIND_INDEX_KEY keys the HMAC that lets document
# and phone numbers be looked up exactly. Generate one with `manage.py rotate_field_keys --new-key`.
# Production refuses to start without them. The demo and the tests make a pair once and keep it in
# the var directory, so the data written survives a restart.
PANAH_FIELD_KEYS = env_list("PANAH_FIELD_KEYS")
PANAH_BLIND_INDEX_KEY = os.environ.get("PANAH_BLIND_INDEX_KEY", "")
if not (PANAH_FIELD_KEYS and PANAH_BLIND_INDEX_KEY):
    if IS_PRODUCTION:
        raise ImproperlyConfigured("Set PANAH_FIELD_KEYS and PANAH_BLIND_INDEX_KEY (PANAH_ENV=production).")
    _made = _demo_keys(VAR_DIR / "demo-field-keys", ["PANAH_FIELD_KEYS", "PANAH_BLIND_INDEX_KEY"])
    PANAH_FIELD_KEYS = PANAH_FIELD_KEYS or [_made["PANAH_FIELD_KEYS"]]
    PANAH_BLIND_INDEX_KEY = PANAH_BLIND_INDEX_KEY or _made["PANAH_BLIND_INDEX_KEY"]

# --- Backups (config/backups/) -------------------------------------------------------------------
# The key that encrypts and authenticates backup archives: 32 random bytes in URL-safe base64,
# its own, neither SECRET_KEY nor a field key (an archive holds field values decrypted, and is
# restored with whatever field keys the target has). Keep a copy away from the archives: without
# it they cannot be read. Production requires it; the demo and the tests make one once in the
# var directory.
PANAH_BACKUP_KEY = os.environ.get("PANAH_BACKUP_KEY", "")
if not PANAH_BACKUP_KEY:
    if IS_PRODUCTION:
        raise ImproperlyConfigured("Set PANAH_BACKUP_KEY (PANAH_ENV=production).")
    PANAH_BACKUP_KEY = _demo_keys(VAR_DIR / "demo-backup-key.env", ["PANAH_BACKUP_KEY"])["PANAH_BACKUP_KEY"]

# --- Audit --------------------------------------------------------------------------------------
AUDITLOG_MASK_CALLABLE = "cases.audit.redact"
AUDITLOG_STORE_JSON_CHANGES = True
# How many reverse proxies of ours stand in front of Django (0: clients connect directly).
PANAH_TRUSTED_PROXIES = int(os.environ.get("PANAH_TRUSTED_PROXIES", 0))

# --- Background tasks (django-q2, ORM broker) -----------------------------------------------------
Q_CLUSTER = {
    "name": "panah",
    "orm": "default",
    "workers": int(os.environ.get("PANAH_Q_WORKERS", 2)),
    "timeout": int(os.environ.get("PANAH_Q_TIMEOUT", 120)),
    # must exceed timeout, or a slow task runs twice; it is also how long a task a killed worker
    # had taken stays hidden before another worker gets it (django_q/brokers/orm.py)
    "retry": int(os.environ.get("PANAH_Q_RETRY", 180)),
    "max_attempts": 3,
    "catch_up": False,
    "recycle": 200,
    "poll": 1,
    "sync": env_bool("PANAH_Q_SYNC", False),
    "label": _("Background tasks"),
}
# A document render still marked as running after this long belongs to a dead worker and may be
# taken over. Keep timeout <= this < retry: no live render is taken over (django-q stops a task at
# its timeout), and the task a killed worker left is taken over when django-q delivers it again.
PANAH_RENDER_ABANDONED_SECONDS = int(os.environ.get("PANAH_RENDER_ABANDONED_SECONDS", 120))
# Fault tests only (tests/test_faults.py), ignored outside PANAH_ENV=test: "<point>:<file>" makes a
# worker's document render write `file` and then sleep at the named point, to be killed right there.
PANAH_FAULT_PAUSE = os.environ.get("PANAH_FAULT_PAUSE", "") if PANAH_ENV == "test" else ""

# --- Email (no personal data in subjects or bodies; see the notification services) ---------------
_EMAIL_KIND = "smtp" if IS_PRODUCTION else "console"
EMAIL_BACKEND = os.environ.get("DJANGO_EMAIL_BACKEND", f"django.core.mail.backends.{_EMAIL_KIND}.EmailBackend")
DEFAULT_FROM_EMAIL = os.environ.get("DJANGO_DEFAULT_FROM_EMAIL", "panah@localhost")
# A hung mail server must fail a send (and get it retried), not hold a worker until its timeout.
EMAIL_TIMEOUT = int(os.environ.get("DJANGO_EMAIL_TIMEOUT", 10))
EMAIL_FILE_PATH = os.environ.get("DJANGO_EMAIL_FILE_PATH", VAR_DIR / "mail")
# Links in notification emails point here (the emails carry a link, never case data).
PANAH_BASE_URL = os.environ.get("PANAH_BASE_URL", "http://127.0.0.1:8000")

# --- Logging: errors only, and never request bodies or query strings ------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("PANAH_LOG_LEVEL", "WARNING")},
    "loggers": {
        # Django's request logger prints the full path of every 4xx; our paths hold only opaque ids.
        "django.request": {"handlers": ["console"], "level": "ERROR", "propagate": False},
        # The worker says when it starts and stops; its task arguments are ids only.
        "django-q": {"handlers": ["console"], "level": "INFO", "propagate": False},
    },
}
