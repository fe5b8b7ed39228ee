"""Django settings, from the environment only (twelve-factor; the table is in the README).

The embedded default is one SQLite file in `APPEALDESK_DATA_DIR` (WAL mode, busy timeout,
foreign keys on); `DATABASE_URL` selects PostgreSQL 15+ for scale.
"""

from __future__ import annotations

import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from appealdesk.objectstore import s3_storage

BASE_DIR = Path(__file__).resolve().parent
DATA_DIR = Path(os.environ.get("APPEALDESK_DATA_DIR", BASE_DIR.parent / "data")).resolve()


def _flag(name: str, default: bool = False) -> bool:
    return os.environ.get(name, "1" if default else "0").lower() in ("1", "true", "yes", "on")


DEBUG = _flag("APPEALDESK_DEBUG")
SECRET_KEY = os.environ.get("APPEALDESK_SECRET_KEY", "")
# Object storage (S3 API): documents, letters, packets and mailroom files live in the bucket, so
# any web server or worker reads what another stored (docs/deploy.md).
S3_BUCKET = os.environ.get("APPEALDESK_S3_BUCKET", "")
if not SECRET_KEY:
    if not DEBUG and _flag("APPEALDESK_REQUIRE_SECRET"):
        raise RuntimeError("APPEALDESK_SECRET_KEY is required")
    if S3_BUCKET:
        # several servers share the bucket: each would make its own key file below, and a
        # session signed by one would be refused by the next
        raise ImproperlyConfigured(
            "APPEALDESK_SECRET_KEY is required with APPEALDESK_S3_BUCKET: every web server "
            "must sign sessions with the same key (generate one with "
            "`python -c 'import secrets; print(secrets.token_urlsafe(50))'`)"
        )
    # A per-installation key kept beside the data, so sessions survive restarts.
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    key_file = DATA_DIR / "secret_key"
    if not key_file.exists():
        import secrets

        key_file.write_text(secrets.token_urlsafe(50))
        key_file.chmod(0o600)
    SECRET_KEY = key_file.read_text().strip()

ALLOWED_HOSTS = [
    h for h in os.environ.get("APPEALDESK_ALLOWED_HOSTS", "127.0.0.1,localhost").split(",") if h
]

INSTALLED_APPS = [
    "appealdesk.admin_site.VerifiedAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_htmx",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "axes",
    "appealdesk.accounts",
    "appealdesk.access",
    "appealdesk.cases",
    "appealdesk.desk",
    "ninja",  # the API docs' own static files (Swagger UI), never a CDN
    "appealdesk.api",
    "appealdesk.correspondence",
    "django_tasks",
    "django_tasks_db",  # app label django_tasks_database: the queue's table
    "appealdesk.webhooks",
    "appealdesk.activity",
    "appealdesk.mailroom",
    "appealdesk.portal",
    "appealdesk.ops",
]

MIDDLEWARE = [
    # first: the request id (X-Request-ID kept or made) and the request line cover all below
    "appealdesk.ops.middleware.RequestIdMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # below WhiteNoise: every answer but a static file is no-store and carries the CSP
    "appealdesk.headers.NoStoreMiddleware",
    "appealdesk.headers.PolicyMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # the portal's language: the visitor's choice (cookie) or the browser's (Accept-Language)
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "appealdesk.desk.middleware.StaffVerificationMiddleware",
    "appealdesk.portal.middleware.PortalMiddleware",
    # django-axes must come last (its documentation): it answers locked-out sign-ins
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "appealdesk.urls"
WSGI_APPLICATION = "appealdesk.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "appealdesk.desk.context.desk",
                "appealdesk.portal.context.portal",
            ]
        },
    }
]

SQLITE_PATH = DATA_DIR / "appealdesk.sqlite3"
DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{SQLITE_PATH}",
        conn_max_age=int(os.environ.get("APPEALDESK_CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # the same engine, its write transactions queued on one file lock (appealdesk/sqlite/base.py)
    DATABASES["default"]["ENGINE"] = "appealdesk.sqlite"
    # `appealdesk serve` keeps connections (APPEALDESK_CONN_MAX_AGE); elsewhere one per request
    DATABASES["default"]["CONN_MAX_AGE"] = int(os.environ.get("APPEALDESK_CONN_MAX_AGE", "0"))
    DATABASES["default"]["OPTIONS"] = {
        # WAL lets readers work beside the writer; IMMEDIATE takes the write lock at BEGIN so
        # two writers queue on busy_timeout instead of failing mid-transaction.
        "init_command": (
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=10000; "
            "PRAGMA foreign_keys=ON;"
        ),
        "transaction_mode": "IMMEDIATE",
        "timeout": 10,
    }
    if DATABASES["default"]["NAME"] != ":memory:":
        Path(DATABASES["default"]["NAME"]).parent.mkdir(parents=True, exist_ok=True)

# A PostgreSQL streaming replica for reports, the universe export and search (appealdesk/
# replica.py): used while it is up and at most APPEALDESK_REPLICA_MAX_LAG_SECONDS behind.
REPLICA_MAX_LAG_SECONDS = float(os.environ.get("APPEALDESK_REPLICA_MAX_LAG_SECONDS", 30))
_REPLICA_URL = os.environ.get("DATABASE_REPLICA_URL", "")
if _REPLICA_URL:
    if DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
        raise ImproperlyConfigured("DATABASE_REPLICA_URL needs DATABASE_URL (PostgreSQL) too")
    DATABASES["replica"] = dj_database_url.parse(
        _REPLICA_URL, conn_max_age=60, conn_health_checks=True
    )
    # a replica that does not answer is skipped after 3 s, not waited for
    DATABASES["replica"].setdefault("OPTIONS", {})["connect_timeout"] = 3
    # tests read the test database through the alias (Django's test mirror)
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
    DATABASE_ROUTERS = ["appealdesk.replica.ReplicaRouter"]

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# The task queue (Django's Tasks API through django-tasks; on Django 5.2 the database backend is
# the separate django-tasks-db). Tasks are rows in this database, run by `appealdesk worker`
# (`appealdesk serve` starts one beside gunicorn on the embedded default).
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}

# Argon2 first (SPEC 8) at OWASP's minimum (appealdesk/accounts/hashers.py); the others verify
# hashes made before it and are upgraded on sign-in.
PASSWORD_HASHERS = [
    "appealdesk.accounts.hashers.Argon2Hasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
]
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",  # refuses a locked-out user before the password
    "django.contrib.auth.backends.ModelBackend",
]
# ASVS V2.1.1: at least 12 characters. V2.1.7: not a password known from breaches, checked
# offline against the list Django ships and keeps with each release (about 20,000 passwords
# from breach compilations); no maintained package ships a larger list for offline use, and
# Have I Been Pwned's API would send a hash prefix of every new password out of the building.
AUTH_PASSWORD_VALIDATORS = [
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]

LOGIN_URL = "desk:login"
LOGIN_REDIRECT_URL = "desk:worklist"
# A staff session ends after 8 hours, or 30 minutes without a request, and with the browser.
SESSION_COOKIE_AGE = int(os.environ.get("APPEALDESK_SESSION_SECONDS", 8 * 3600))
SESSION_IDLE_SECONDS = int(os.environ.get("APPEALDESK_SESSION_IDLE_SECONDS", 30 * 60))
# Every session (desk, portal, admin, the API's desk session) ends this long after its sign-in,
# however busy: activity moves the idle clock and the cookie's expiry, never this limit.
SESSION_ABSOLUTE_SECONDS = int(os.environ.get("APPEALDESK_SESSION_ABSOLUTE_SECONDS", 8 * 3600))
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Strict"
SECURE_CONTENT_TYPE_NOSNIFF = True
# Behind TLS (a proxy that sets X-Forwarded-Proto): cookies only over HTTPS, HSTS.
if _flag("APPEALDESK_HTTPS"):
    SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = True
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = 31536000
X_FRAME_OPTIONS = "DENY"
# Django's defaults, named here because docs/security.md promises them
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"

# Content-Security-Policy (django-csp; appealdesk/headers.py adds the per-page pieces): this
# site's own scripts and styles only, no inline script or style, no plugins, no framing by
# anyone (letters are previewed in sandboxed srcdoc frames, documents open in their own tab).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
    }
}

# Two-factor sign-in for staff: `required` (every staff member enrols a TOTP authenticator and
# confirms a code at each sign-in) or `optional` (offered, not enforced: demos and pilots).
MFA = os.environ.get("APPEALDESK_MFA", "required").lower()
if MFA not in ("required", "optional"):
    raise RuntimeError("APPEALDESK_MFA is 'required' or 'optional'")
OTP_TOTP_ISSUER = "appealdesk"
RECOVERY_CODES = 10

# Login throttling (django-axes): 5 failed passwords lock the account for 15 minutes.
AXES_FAILURE_LIMIT = int(os.environ.get("APPEALDESK_LOGIN_FAILURES", 5))
AXES_COOLOFF_TIME = float(os.environ.get("APPEALDESK_LOCKOUT_MINUTES", 15)) / 60  # hours
# By account AND source: failures from one address lock that account from that address only,
# so nobody elsewhere can lock the owner out by typing wrong passwords for their name (issue 15).
# A guesser spreading over many addresses still meets Argon2, the password rules and, for staff,
# the second factor.
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
# the source behind the TLS proxies (appealdesk/accounts/client_ip.py), not the proxy's own address
AXES_CLIENT_IP_CALLABLE = "appealdesk.accounts.client_ip.client_address"
AXES_RESET_ON_SUCCESS = True
# the desk's or the portal's "account locked" page, by where the sign-in came from
AXES_LOCKOUT_CALLABLE = "appealdesk.accounts.lockout.locked"
AXES_VERBOSE = False
# single sign-on answers carry no user name: they are not password guesses (accounts/sso/local.py)
AXES_WHITELIST_CALLABLE = "appealdesk.accounts.sso.local.not_a_password"

# Uploads: PDF and images only, sniffed from their content, at most this size.
UPLOAD_MAX_BYTES = int(os.environ.get("APPEALDESK_UPLOAD_MAX_MB", 20)) * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
# Images: pixels (all pages together) and pages one image may have, read from its headers before
# anything decodes it (cases/images.py): larger ones are refused at upload and left out of the
# case-file packet in words. 64 million pixels is a letter page scanned in colour at 600 dpi
# with room to spare, or 16 fax pages at 200 dpi.
IMAGE_MAX_PIXELS = int(os.environ.get("APPEALDESK_IMAGE_MAX_PIXELS", 64_000_000))
IMAGE_MAX_FRAMES = int(os.environ.get("APPEALDESK_IMAGE_MAX_FRAMES", 50))
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

# Letters by e-mail go through Django's SMTP backend (only to parties who agreed to e-mail)
# when a mail server is configured; without one (the embedded default, the demo) every message
# is written to the outbox folder and listed on the desk at /desk/outbox/ (issue 18, item 10).
# APPEALDESK_EMAIL=smtp|outbox chooses explicitly.
OUTBOX_DIR = DATA_DIR / "outbox"
_SMTP_SET = bool(os.environ.get("APPEALDESK_SMTP_HOST") or os.environ.get("APPEALDESK_SMTP_PORT"))
_EMAIL_BACKENDS = {
    "smtp": "django.core.mail.backends.smtp.EmailBackend",
    "outbox": "appealdesk.correspondence.outbox.OutboxBackend",
}
_EMAIL = os.environ.get("APPEALDESK_EMAIL", "smtp" if _SMTP_SET else "outbox")
if _EMAIL not in _EMAIL_BACKENDS:
    raise ImproperlyConfigured(f"APPEALDESK_EMAIL must be smtp or outbox (got {_EMAIL[:80]!r})")
EMAIL_BACKEND = _EMAIL_BACKENDS[_EMAIL]
EMAIL_HOST = os.environ.get("APPEALDESK_SMTP_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("APPEALDESK_SMTP_PORT", 25))
EMAIL_HOST_USER = os.environ.get("APPEALDESK_SMTP_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("APPEALDESK_SMTP_PASSWORD", "")
EMAIL_USE_TLS = _flag("APPEALDESK_SMTP_STARTTLS")
EMAIL_USE_SSL = _flag("APPEALDESK_SMTP_SSL")
EMAIL_TIMEOUT = 30
DEFAULT_FROM_EMAIL = os.environ.get("APPEALDESK_LETTERS_FROM", "appeals@localhost")

LANGUAGE_CODE = "en"
# The portal speaks English and Spanish (catalogues in appealdesk/portal/locale); the desk, the
# admin and the API are English.
LANGUAGES = [("en", "English"), ("es", "Español")]
LANGUAGE_COOKIE_NAME = "appealdesk_language"
LANGUAGE_COOKIE_SAMESITE = "Lax"

# How many TLS proxies stand in front and append X-Forwarded-For (0: none, the socket's address
# is the client's). Sign-in lockout and the mail limits count by the client's address.
PROXY_COUNT = int(os.environ.get("APPEALDESK_PROXY_COUNT", 0))

# Mail the portal sends on a visitor's request (registration, password reset, the confirmation
# link again): at most this many per address and per source address in each window.
PORTAL_MAIL_PER_ADDRESS = int(os.environ.get("APPEALDESK_MAIL_PER_ADDRESS", 5))
PORTAL_MAIL_PER_SOURCE = int(os.environ.get("APPEALDESK_MAIL_PER_SOURCE", 30))
PORTAL_MAIL_WINDOW_MINUTES = int(os.environ.get("APPEALDESK_MAIL_WINDOW_MINUTES", 60))

# Portal sessions (members, representatives, providers) end after 15 idle minutes.
PORTAL_IDLE_SECONDS = int(os.environ.get("APPEALDESK_PORTAL_IDLE_SECONDS", 15 * 60))
# How long the link in the address-confirmation e-mail works.
PORTAL_VERIFY_DAYS = 3
# Where links in e-mails point (the address members use to reach this installation).
SITE_URL = os.environ.get("APPEALDESK_SITE_URL", "http://127.0.0.1:8000").rstrip("/")
# Instants are stored in UTC; this zone is only how the admin shows them. Each program has its
# own zone (in its pack) for dates and deadlines.
TIME_ZONE = os.environ.get("APPEALDESK_TIME_ZONE", "America/Los_Angeles")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
# Built once at install (`appealdesk init` runs collectstatic) and served by WhiteNoise from each
# web server; APPEALDESK_STATIC_ROOT puts it beside the code, outside the (empty) data folder.
STATIC_ROOT = Path(os.environ.get("APPEALDESK_STATIC_ROOT", DATA_DIR / "static")).resolve()
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # whitenoise warns about a missing folder
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
MEDIA_ROOT = DATA_DIR / "files"  # outside the web root; never served directly
# `default`: every stored file goes through Django's default storage (documents, letters,
# mailroom items, the outbox, the access log's archive), so the bucket replaces the folder
_S3 = s3_storage(os.environ)
if _S3 is not None:
    STORAGES["default"] = _S3

# Logs go to standard error (systemd's journal, the container's log): one JSON object a line
# with the request id (appealdesk/ops/logs.py), or plain text with APPEALDESK_LOG_FORMAT=text.
LOG_FORMAT = os.environ.get("APPEALDESK_LOG_FORMAT", "json").lower()
if LOG_FORMAT not in ("json", "text"):
    raise ImproperlyConfigured(
        f"APPEALDESK_LOG_FORMAT must be json or text (got {LOG_FORMAT[:40]!r})"
    )
_LOG_FILE = os.environ.get("APPEALDESK_LOG_FILE", "")  # also to this file (logrotate-safe)
# The access log (docs/audit.md): months older than this may be pruned once archived and
# verified (HIPAA keeps such records six years, 45 CFR 164.316(b)(2)); and the staff whose
# family names the weekly unusual-access report watches for: "username=Surname|Other,…".
AUDIT_RETENTION_YEARS = int(os.environ.get("APPEALDESK_AUDIT_RETENTION_YEARS", 6))
AUDIT_FAMILY_NAMES = {
    user.strip(): [n.strip() for n in names.split("|") if n.strip()]
    for user, _, names in (
        item.partition("=")
        for item in os.environ.get("APPEALDESK_AUDIT_FAMILY_NAMES", "").split(",")
        if "=" in item
    )
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"json": {"()": "appealdesk.ops.logs.JsonFormatter"}},
    # Django's lines name the request's path: the URL pattern instead (no PHI in the logs)
    "filters": {"withheld_path": {"()": "appealdesk.ops.logs.WithheldPath"}},
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "filters": ["withheld_path"],
            **({"formatter": "json"} if LOG_FORMAT == "json" else {}),
        },
        **(
            {
                "file": {
                    "class": "logging.handlers.WatchedFileHandler",
                    "filename": _LOG_FILE,
                    "formatter": "json",
                    "filters": ["withheld_path"],
                }
            }
            if _LOG_FILE
            else {}
        ),
    },
    "root": {
        "handlers": ["console", *(["file"] if _LOG_FILE else [])],
        "level": os.environ.get("APPEALDESK_LOG_LEVEL", "INFO"),
    },
    "loggers": {
        # django-axes logs every sign-in at INFO; its lockouts are WARNING
        "axes": {"level": "WARNING"},
        # WeasyPrint logs every layout step at INFO
        "weasyprint": {"level": "WARNING"},
    },
}

# -- staff single sign-on and the API's OAuth 2.0 tokens (docs/sso.md) ---------------------------
# OpenID Connect with APPEALDESK_OIDC_CLIENT_ID, SAML 2.0 with APPEALDESK_SAML_IDP_METADATA,
# access tokens for the API with APPEALDESK_API_TOKEN_ISSUER; none of them by default.
from appealdesk.accounts.sso import config as _sso  # noqa: E402  (pure: reads the environment)

try:
    SSO_MAPPING = _sso.mapping(os.environ)
    SSO_OIDC = _sso.oidc(os.environ)
    SSO_SAML = _sso.saml(os.environ, SITE_URL)
    API_TOKENS = _sso.api_tokens(os.environ)
except _sso.ConfigError as _exc:
    raise ImproperlyConfigured(str(_exc)) from _exc
# how often a signed-in SSO session is checked with the identity provider (OIDC: userinfo with
# the session's access token; SAML: the person signs in at the identity provider again)
SSO_CHECK_MINUTES = float(os.environ.get("APPEALDESK_SSO_CHECK_MINUTES", 15))
# while single sign-on is on, only administrators sign in with a password (break-glass, logged)
SSO_LOCAL_STAFF = _flag("APPEALDESK_SSO_LOCAL_STAFF")
MIDDLEWARE.insert(
    MIDDLEWARE.index("appealdesk.desk.middleware.StaffVerificationMiddleware"),
    "appealdesk.accounts.sso.middleware.SessionCheckMiddleware",
)
if SSO_OIDC:
    globals().update(SSO_OIDC)  # mozilla-django-oidc reads its OIDC_* names from settings
    LOGIN_REDIRECT_URL_FAILURE = "/desk/login/?sso=refused"
    AUTHENTICATION_BACKENDS.append("appealdesk.accounts.sso.oidc.OidcBackend")
    INSTALLED_APPS.append("mozilla_django_oidc")
if SSO_SAML:
    SAML_CONFIG = SSO_SAML["SAML_CONFIG"]
    SAML_CREATE_UNKNOWN_USER = True
    # the identity provider POSTs its answer from another site: over HTTPS the cookie of the
    # pending sign-in must be SameSite=None (and Secure); plain HTTP only serves tests
    SAML_SESSION_COOKIE_SAMESITE = "None" if _flag("APPEALDESK_HTTPS") else "Lax"
    ACS_DEFAULT_REDIRECT_URL = "/desk/"
    SAML_ACS_FAILURE_RESPONSE_FUNCTION = "appealdesk.accounts.sso.saml.acs_failure"
    AUTHENTICATION_BACKENDS.append("appealdesk.accounts.sso.saml.SamlBackend")
    INSTALLED_APPS.append("djangosaml2")
    MIDDLEWARE.insert(
        MIDDLEWARE.index("django.contrib.sessions.middleware.SessionMiddleware") + 1,
        "djangosaml2.middleware.SamlSessionMiddleware",
    )
# Operations (docs/deploy.md): /metrics answers only with this bearer token (unset: no metrics);
# /readyz fails when the oldest ready task has waited longer than this (0: never).
METRICS_TOKEN = os.environ.get("APPEALDESK_METRICS_TOKEN", "")
READY_QUEUE_MAX_AGE_SECONDS = int(os.environ.get("APPEALDESK_READY_MAX_QUEUE_AGE_SECONDS", 600))
