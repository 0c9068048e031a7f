"""Settings for DX Portal, read from the environment.

Development needs nothing but Python: SQLite and a filesystem Celery broker under `var/`.
`DJANGO_ENV=production` switches on the hardened settings (`check --deploy` passes).
"""

import os
import secrets
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("DX_VAR_DIR", BASE_DIR / "var"))
VAR_DIR.mkdir(parents=True, exist_ok=True)


def env_bool(name, default=False):
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name, default=""):
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def env_int(name, default):
    return int(os.environ.get(name) or default)


DJANGO_ENV = os.environ.get("DJANGO_ENV", "development")
PRODUCTION = DJANGO_ENV == "production"


def _secret_key():
    key = os.environ.get("SECRET_KEY")
    if key:
        return key
    if PRODUCTION:
        raise ImproperlyConfigured("SECRET_KEY must be set when DJANGO_ENV=production.")
    # A per-checkout key, made once, so sessions survive restarts of `make run`.
    path = VAR_DIR / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(50))
        path.chmod(0o600)
    return path.read_text().strip()


SECRET_KEY = _secret_key()
DEBUG = env_bool("DEBUG", default=not PRODUCTION)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "" if PRODUCTION else "127.0.0.1,localhost,testserver")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework_api_key",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_celery_beat",
    "import_export",
    "dxportal.apps.AxesConfig",  # django-axes, named in Vietnamese
    "kernel",
    "departments",
    "regimes",
    "indicators",
    "procedures",
    "reports",
    "dxportal",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Outside every other: once the request's transactions are over, files of the rolled-back ones go.
    "kernel.files.UncommittedFilesMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, as django-axes asks: it turns a lockout into the response people see.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "dxportal.urls"
WSGI_APPLICATION = "dxportal.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL") or f"sqlite:///{VAR_DIR / 'db.sqlite3'}",
        # Persistent connections in production: a connection per request costs more than the request.
        conn_max_age=env_int("DB_CONN_MAX_AGE", 60 if PRODUCTION else 0),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # A runaway query must not hold a web worker: PostgreSQL cancels any statement running longer.
    STATEMENT_TIMEOUT_MS = env_int("DB_STATEMENT_TIMEOUT_MS", 30_000 if PRODUCTION else 0)
    if STATEMENT_TIMEOUT_MS:
        DATABASES["default"].setdefault("OPTIONS", {})["options"] = f"-c statement_timeout={STATEMENT_TIMEOUT_MS}"
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Worker, beat and web share one SQLite file in development: wait for locks instead of failing.
    DATABASES["default"].setdefault("OPTIONS", {})["timeout"] = 20
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

CACHE_URL = os.environ.get("CACHE_URL", "")
if CACHE_URL.startswith("redis"):
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": CACHE_URL}}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]

# Internationalisation: Vietnamese first, English selectable.
LANGUAGE_CODE = "vi"
LANGUAGES = [("vi", _("Tiếng Việt")), ("en", _("English"))]
# locale/: the portal's own messages; locale_thirdparty/: Vietnamese for DRF and django-filter.
LOCALE_PATHS = [BASE_DIR / "locale", BASE_DIR / "locale_thirdparty"]
TIME_ZONE = "Asia/Ho_Chi_Minh"
USE_I18N = True
USE_TZ = True
# Numbers are shown grouped by thousands in the language's own separators (1.234,5 in Vietnamese).
NUMBER_GROUPING = 3

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATIC_ROOT.mkdir(exist_ok=True)  # WhiteNoise warns on every start when it is missing
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", VAR_DIR / "media"))
STORAGES = {
    # Evidence and report files are private: served only through views that check access.
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if PRODUCTION
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}

LOGIN_URL = "admin:login"

# Email: console by default, SMTP when EMAIL_HOST is set.
EMAIL_HOST = os.environ.get("EMAIL_HOST", "")
EMAIL_BACKEND = (
    "django.core.mail.backends.smtp.EmailBackend"
    if EMAIL_HOST
    else "django.core.mail.backends.console.EmailBackend"
)
EMAIL_PORT = env_int("EMAIL_PORT", 587)
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", default=True)
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "DX Portal <no-reply@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# Production hardening: `manage.py check --deploy --fail-level WARNING` passes with these.
if PRODUCTION:
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    if env_bool("BEHIND_TLS_PROXY", default=True):
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
# Content-Security-Policy (django-csp), in every environment so the tests see it. No inline script anywhere:
# scripts and stylesheets are static files. Inline style *attributes* stay allowed (the dashboard's bars
# are widths), `<style>` elements do not.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "style-src-attr": ["'unsafe-inline'"],
        "img-src": ["'self'", "data:"],  # Swagger UI's and the admin's icons are data: URIs in their CSS
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    },
}

# REST API
REST_FRAMEWORK = {
    # The API key class comes first so that an unauthenticated call answers 401 with a challenge.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "departments.api.authentication.ApiKeyAuthentication",
        "rest_framework.authentication.SessionAuthentication",
        "departments.api.authentication.AnonymousAddressThrottle",
    ],
    "DEFAULT_PERMISSION_CLASSES": [
        "rest_framework.permissions.IsAuthenticated",
        "departments.api.permissions.ApiKeyScopePermission",
    ],
    # Size-checked before the body is read; JSON with bounded nesting (kernel.api.parsers).
    "DEFAULT_PARSER_CLASSES": [
        "kernel.api.parsers.JSONParser",
        "kernel.api.parsers.FormParser",
        "kernel.api.parsers.MultiPartParser",
    ],
    "DEFAULT_PAGINATION_CLASS": "kernel.api.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "kernel.api.schema.AutoSchema",
    "EXCEPTION_HANDLER": "kernel.api.errors.exception_handler",
    # A key is limited per key, a person per person; anonymous and failed-authentication requests per
    # address, counted by departments.api.authentication (a 401 would otherwise come before any throttle).
    "DEFAULT_THROTTLE_CLASSES": [
        "departments.api.throttling.ApiKeyRateThrottle",
        "departments.api.throttling.PersonRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "api_key": os.environ.get("THROTTLE_API_KEY", "6000/min"),
        "user": os.environ.get("THROTTLE_USER", "3000/min"),
        "anon": os.environ.get("THROTTLE_ANON", "600/min"),
    },
    "DATETIME_FORMAT": "iso-8601",
    "COERCE_DECIMAL_TO_STRING": False,
    # The address of a request is REMOTE_ADDR unless this many proxies in front add X-Forwarded-For;
    # DRF's default (None) would believe any X-Forwarded-For a client sends, and dodge the per-address rate.
    "NUM_PROXIES": env_int("NUM_PROXIES", 1 if PRODUCTION and env_bool("BEHIND_TLS_PROXY", default=True) else 0),
}
API_MAX_PAGE_SIZE = 500

SPECTACULAR_SETTINGS = {
    "TITLE": "DX Portal API",
    "DESCRIPTION": (
        "API của Cổng giám sát chuyển đổi số — The provincial digital-transformation monitoring API. "
        "Systems authenticate with `Authorization: Api-Key <key>`."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        "ReportKindEnum": "reports.models.ReportKind",
        "ReportStatusEnum": "reports.models.ReportStatus",
        "ProgressStatusEnum": "indicators.scoring.Status",
        "ValueStateEnum": "indicators.models.ValueState",
        "DossierChannelEnum": "procedures.models.Channel",
        "DossierStatusEnum": "procedures.models.DossierStatus",
        "UnitKindEnum": "departments.models.UnitKind",
        "AuditChannelEnum": "indicators.models.AuditChannel",
        "FrequencyEnum": "regimes.models.Frequency",
        "Component766Enum": "procedures.models.Component766",
    },
    # The per-address throttle rides on authentication but is no credential: the schema names the real ones.
    "AUTHENTICATION_WHITELIST": [
        "departments.api.authentication.ApiKeyAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
}

# Failed logins: lock the username from that address for a while (django-axes).
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("AXES_COOLOFF_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "departments/lockout.html"

# Celery: a filesystem broker under var/ unless CELERY_BROKER_URL names a server.
CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL") or "filesystem://"
if CELERY_BROKER_URL.startswith("filesystem"):
    _queue_dir = VAR_DIR / "celery-broker"
    _queue_dir.mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_queue_dir),
        "data_folder_out": str(_queue_dir),
        "store_processed": False,
        "control_folder": str(_queue_dir / "control"),
    }
CELERY_BROKER_CONNECTION_TIMEOUT = 3
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SOFT_TIME_LIMIT = env_int("CELERY_TASK_SOFT_TIME_LIMIT", 540)
CELERY_TASK_TIME_LIMIT = env_int("CELERY_TASK_TIME_LIMIT", 600)
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_WORKER_HIJACK_ROOT_LOGGER = False

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {
        "django": {"handlers": ["console"], "level": "INFO", "propagate": False},
        "django.db.backends": {"level": "WARNING"},
        "axes": {"level": "WARNING"},
    },
}
EVIDENCE_MAX_BYTES = env_int("EVIDENCE_MAX_BYTES", 10 * 1024 * 1024)
DOSSIER_IMPORT_MAX_ROWS = env_int("DOSSIER_IMPORT_MAX_ROWS", 20_000)
# PostgreSQL: a batch writing at least this many dossiers goes through COPY and staging tables (procedures.staging).
DOSSIER_STAGING_MIN_ROWS = env_int("DOSSIER_STAGING_MIN_ROWS", 200)
# Large enough for a full dossier batch (about 450 bytes a row as JSON); larger bodies get a 413.
DATA_UPLOAD_MAX_MEMORY_SIZE = env_int("DATA_UPLOAD_MAX_MEMORY_SIZE", 16 * 1024 * 1024)
# A report still "running" this long after it started cannot be alive (the hard limit has killed it).
REPORT_STALE_AFTER_SECONDS = env_int("REPORT_STALE_AFTER_SECONDS", CELERY_TASK_TIME_LIMIT + 60)
if CELERY_BROKER_URL.startswith("redis"):
    # Unacknowledged tasks (worker killed) come back after this; longer than any task may run.
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "visibility_timeout": env_int("CELERY_VISIBILITY_TIMEOUT", CELERY_TASK_TIME_LIMIT + 120),
        "unacked_restore_interval": env_int("CELERY_UNACKED_RESTORE_INTERVAL", 10),
        "unacked_restore_throttle": env_int("CELERY_UNACKED_RESTORE_THROTTLE", 10),
        # Without these a publish to a vanished broker may wait forever instead of failing fast.
        "socket_timeout": 5,
        "socket_connect_timeout": 3,
    }
REMINDER_DAYS_BEFORE = env_int("REMINDER_DAYS_BEFORE", 3)
PUBLIC_PAGE_ENABLED = env_bool("PUBLIC_PAGE_ENABLED", default=True)
# Uploads and imports (kernel.tabular): bytes checked before a file is read, rows and columns while it is.
TABULAR_MAX_BYTES = env_int("IMPORT_MAX_BYTES", 20 * 1024 * 1024)
TABULAR_MAX_UNPACKED_BYTES = env_int("IMPORT_MAX_UNPACKED_BYTES", 32 * 1024 * 1024)
TABULAR_MAX_COLUMNS = env_int("IMPORT_MAX_COLUMNS", 64)
# JSON bodies nest no deeper than this (kernel.api.parsers); deeper is a 400, not a RecursionError.
API_MAX_JSON_DEPTH = env_int("API_MAX_JSON_DEPTH", 32)
