"""Django settings for every Zicht process, hub or node.

All deployment-specific values come from the environment through :mod:`zicht.config`;
this module only turns them into Django settings. See ``docs/configuration.md``.
"""

from datetime import date
from pathlib import Path
from typing import Any

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from zicht import config

PACKAGE_DIR = Path(__file__).resolve().parent
# The repository root for a source checkout (pip install -e .); var/ lives there.
BASE_DIR = PACKAGE_DIR.parent.parent

try:
    CONFIG = config.load(base_dir=BASE_DIR)
except config.ConfigError as exc:
    raise ImproperlyConfigured(f"Zicht configuration error: {exc}") from exc

ZICHT_ROLE = CONFIG.role
ZICHT_REGION = CONFIG.region
ZICHT_DEPLOYMENT = CONFIG.deployment
ZICHT_REQUIRE_2FA = CONFIG.require_2fa
ZICHT_VAR_DIR = CONFIG.var_dir
ZICHT_INSTANCE = CONFIG.instance_name
ZICHT_HUB_URL = CONFIG.hub_url
# Failed password or token attempts before an account is locked, and for how long.
ZICHT_LOCKOUT_THRESHOLD = 5
ZICHT_LOCKOUT_MINUTES = 15
# Recording BSNs is off unless the privacy protocol allows it for this region (Wgs).
ZICHT_ALLOW_BSN = CONFIG.allow_bsn
# The privacy budget per calendar year of this node for differentially private joint studies
# (zicht.research.budget): a run whose epsilon would exceed the rest is refused by the node.
ZICHT_DP_YEARLY_EPSILON = CONFIG.dp_yearly_epsilon
# Date of entry into force of bill 36547 (art. 273fa ernstige benadeling, 273fb
# voordeeltrekking), e.g. datetime.date(2026, 1, 1). None while it is unconfirmed: those
# offence codes then apply on no date (zicht.catalogue.offences). A plain setting on purpose:
# it changes with the law, not per deployment.
ZICHT_OFFENCE_273FA_IN_FORCE: date | None = None
# Retention periods of the register in days, applied daily by `zicht apply_retention`
# (zicht.register.retention). Placeholders: the real terms come from the privacy protocol and
# are set by the joint controllers (docs/adr/0007-retention-periods.md). A signal status that
# is not listed is never deleted automatically; None switches a record type off.
ZICHT_RETENTION: dict[str, Any] = {
    "signal": {"afgewezen": 365, "gesloten": 5 * 365},  # after the last status change
    "entity_unlinked": 183,  # after the last change, once no signal refers to the entity
    "import_job": 30,  # import reports (row errors), after the upload
}

SECRET_KEY = CONFIG.secret_key
DEBUG = CONFIG.debug
ALLOWED_HOSTS = CONFIG.allowed_hosts

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "zicht.core",
    "zicht.reference",
    "zicht.catalogue",
    "zicht.accounts",
    "zicht.audit",
    "zicht.transport",
    "zicht.register",
    "zicht.insight",
    "zicht.cases",
    "zicht.research",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "zicht.core.middleware.RequestContextMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "zicht.core.middleware.LanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    # Every view needs a login unless it is marked @login_not_required.
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
]

ROOT_URLCONF = "zicht.urls_hub" if ZICHT_ROLE == "hub" else "zicht.urls_node"
WSGI_APPLICATION = "zicht.wsgi.application"

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
                "zicht.core.context_processors.zicht",
            ],
        },
    },
]

DATABASES = {"default": dj_database_url.parse(CONFIG.database_url, conn_max_age=60)}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    Path(DATABASES["default"]["NAME"]).parent.mkdir(parents=True, exist_ok=True)
    # Kept open between requests, like PostgreSQL's: a fresh SQLite connection re-reads the
    # schema and starts with a cold page cache, ~3 ms of every request on the register's pages.
    DATABASES["default"]["CONN_MAX_AGE"] = 60
    DATABASES["default"]["OPTIONS"] = {
        # IMMEDIATE takes the write lock at BEGIN, so concurrent writers queue instead of
        # failing half-way; the audit hash chain depends on writes being serialised.
        "transaction_mode": "IMMEDIATE",
        "timeout": 30,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL",
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = ["zicht.accounts.backends.RoleBackend"]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "core:home"
LOGOUT_REDIRECT_URL = "accounts:login"
PASSWORD_RESET_TIMEOUT = 60 * 60

# Sessions end after 30 idle minutes and when the browser closes.
SESSION_COOKIE_AGE = 30 * 60
SESSION_SAVE_EVERY_REQUEST = True
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_NAME = f"zicht_{ZICHT_INSTANCE}_session"
CSRF_COOKIE_NAME = f"zicht_{ZICHT_INSTANCE}_csrf"
LANGUAGE_COOKIE_NAME = "zicht_language"

OTP_TOTP_ISSUER = f"Zicht {ZICHT_INSTANCE}"

LANGUAGE_CODE = "nl"
LANGUAGES = [("nl", "Nederlands"), ("en", "English")]
LOCALE_PATHS = [PACKAGE_DIR / "locale"]
TIME_ZONE = "Europe/Amsterdam"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = ZICHT_VAR_DIR / "static"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if CONFIG.is_production
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
# Outside production static files are served straight from the apps: no collectstatic step.
WHITENOISE_USE_FINDERS = not CONFIG.is_production
WHITENOISE_AUTOREFRESH = CONFIG.deployment in ("development", "test")
MEDIA_ROOT = ZICHT_VAR_DIR / ZICHT_INSTANCE / "private"

if CONFIG.is_production:
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
else:
    EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
DEFAULT_FROM_EMAIL = CONFIG.email_from

# Security headers. Production additionally enforces HTTPS (checked by `zicht check --deploy`).
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
if CONFIG.is_production:
    SECURE_SSL_REDIRECT = True
    SECURE_HSTS_SECONDS = 365 * 24 * 60 * 60
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    # /health is probed over plain HTTP on the loopback by the orchestrator.
    SECURE_REDIRECT_EXEMPT = [r"^health$"]

# Everything is served from this origin: no CDN, no inline script, no eval.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": "INFO"},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}
