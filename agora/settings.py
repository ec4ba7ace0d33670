"""Ágora's settings: the only module that reads the environment.

Defaults give the embedded set-up (SQLite in WAL mode under ``var/``, database task broker);
each integration is switched on by its own variable (see docs/operacion.md).
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("AGORA_VAR_DIR", BASE_DIR / "var"))
VAR_DIR.mkdir(parents=True, exist_ok=True)


def _env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "si", "sí", "on"}


def _env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def _secret_file(name: str) -> str:
    """A random secret generated once and kept under var/."""
    path = VAR_DIR / name
    if not path.exists():
        path.write_text(secrets.token_urlsafe(64))
        path.chmod(0o600)
    return path.read_text().strip()


def _secret_key() -> str:
    """The key from AGORA_SECRET_KEY, or one generated once and kept under var/."""
    if key := os.environ.get("AGORA_SECRET_KEY"):
        return key
    return _secret_file("secret_key")


SECRET_KEY = _secret_key()
# Whether the keys came from the environment (the same on every server) or from a file made
# on this machine (agora/core/checks.py: `check --deploy` refuses the latter).
SECRET_KEY_FROM_ENV = bool(os.environ.get("AGORA_SECRET_KEY"))
ENCRYPTION_KEY_FROM_ENV = bool(os.environ.get("AGORA_ENCRYPTION_KEY"))


def _encryption_keys() -> str:
    """Fernet keys for credentials at rest: AGORA_ENCRYPTION_KEY (the first encrypts; more
    after commas still decrypt) or a key generated once under var/."""
    if keys := os.environ.get("AGORA_ENCRYPTION_KEY"):
        return keys
    path = VAR_DIR / "encryption_key"
    if not path.exists():
        from cryptography.fernet import Fernet

        path.write_text(Fernet.generate_key().decode())
        path.chmod(0o600)
    return path.read_text().strip()


# Rotation: the new key in AGORA_ENCRYPTION_KEY, the old ones (comma-separated) in
# AGORA_ENCRYPTION_KEYS_PREVIOUS until `agora encryption_rotate` has re-encrypted everything.
ENCRYPTION_KEYS = ",".join([_encryption_keys(), *_env_list("AGORA_ENCRYPTION_KEYS_PREVIOUS", "")])
DEBUG = _env_bool("AGORA_DEBUG")
# Production behind TLS: secure cookies, HSTS, redirect to https (see docs/operacion.md).
HTTPS = _env_bool("AGORA_HTTPS")
ALLOWED_HOSTS = _env_list("AGORA_ALLOWED_HOSTS", "127.0.0.1,localhost,testserver")
CSRF_TRUSTED_ORIGINS = _env_list("AGORA_CSRF_TRUSTED_ORIGINS", "")
# Demo data and the demo banner; off in production unless explicitly wanted.
DEMO_MODE = _env_bool("AGORA_DEMO", default=not HTTPS)

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_otp",
    "django_otp.plugins.otp_static",
    "django_otp.plugins.otp_totp",
    "two_factor",
    "axes",
    "csp",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_q",
    "django_htmx",
    "agora.core",
    "agora.directory",
    "agora.inbox",
    "agora.connectors",
    "agora.language",
    "agora.reports",
    "agora.participation",
    "agora.commitments",
    "agora.publishing",
    "agora.training",
    "agora.api",
]

MIDDLEWARE = [
    "agora.core.observability.RequestIdMiddleware",
    "agora.core.metrics.MetricsMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "agora.core.middleware.RequireTwoFactorMiddleware",
    "agora.core.middleware.PrivateCacheMiddleware",
    "agora.core.ratelimit.RateLimitMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "agora.urls"
WSGI_APPLICATION = "agora.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "agora" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "agora.core.context_processors.platform",
                "agora.inbox.context_processors.staff_menu",
            ],
        },
    },
]

# Database: SQLite under var/ by default (WAL, immediate transactions so that concurrent
# writers queue instead of failing), PostgreSQL or any other URL through DATABASE_URL.
DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", f"sqlite:///{VAR_DIR / 'agora.sqlite3'}"),
        conn_max_age=int(os.environ.get("AGORA_DB_CONN_MAX_AGE", "60")),
        # A persistent connection is checked before reuse: after a database restart each
        # thread reconnects instead of failing one request.
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql" and (
    pool_max := int(os.environ.get("AGORA_DB_POOL_MAX", "0"))
):
    # psycopg's connection pool, one per process (docs/operacion.md: size it to the process's
    # threads; processes × pool ≤ PostgreSQL's max_connections). Replaces persistent
    # connections: Django has the pool check a connection before lending it.
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = False
    DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {
        "min_size": 1,
        "max_size": pool_max,
        "timeout": 10,
    }
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["OPTIONS"] = {
        "init_command": (
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=20000;"
        ),
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
    # A file, not memory, so that a real worker process can share the test database.
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / f"test-{os.getpid()}.sqlite3")}

# Rollups (the public scoreboard's counters) written by a worker after each ingestion commits
# (an outbox row per batch, many batches counted at once) instead of inside every webhook's
# transaction, where the (entity, day) row would serialise an entity's webhooks. On by default
# on PostgreSQL (concurrent writers); off on SQLite, which writes one transaction at a time
# and where the scoreboard then moves with the message itself.
AGORA_ROLLUPS_BY_WORKER = _env_bool(
    "AGORA_ROLLUPS_BY_WORKER",
    DATABASES["default"]["ENGINE"] != "django.db.backends.sqlite3",
)

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "core.User"

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
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
LOGIN_URL = "two_factor:login"
LOGIN_REDIRECT_URL = "directory:staff_home"
LOGOUT_REDIRECT_URL = "directory:index"

# Login throttling (django-axes): five failures lock the username+address pair for an hour.
AXES_FAILURE_LIMIT = int(os.environ.get("AGORA_LOGIN_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = 1
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "core/lockout.html"
AXES_ENABLED = _env_bool("AGORA_AXES", default=True)
# Lockouts count by the real client's address (agora/core/clientip.py), not the proxy's.
AXES_CLIENT_IP_CALLABLE = "agora.core.clientip.client_ip"

LANGUAGE_CODE = "es-pe"
LANGUAGES = [("es-pe", _("Español (Perú)"))]
LOCALE_PATHS = [BASE_DIR / "agora" / "locale"]
TIME_ZONE = "America/Lima"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
# Built once into the release (`agora collectstatic` in the image or install step, see
# docs/operacion.md), not per machine: AGORA_STATIC_ROOT names where; WhiteNoise serves it.
STATIC_ROOT = Path(os.environ.get("AGORA_STATIC_ROOT", VAR_DIR / "static"))
STATICFILES_DIRS = [BASE_DIR / "agora" / "static"]
# Uploaded files (evidence, admission documents): the local disk by default (embedded set-up);
# with AGORA_S3_BUCKET, an S3-compatible object store shared by every machine
# (django-storages). Files are private: read only through the views that check who asks,
# never from a public bucket address.
S3_BUCKET = os.environ.get("AGORA_S3_BUCKET", "")
if S3_BUCKET:
    _default_storage: dict[str, object] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": S3_BUCKET,
            "endpoint_url": os.environ.get("AGORA_S3_ENDPOINT_URL") or None,
            "region_name": os.environ.get("AGORA_S3_REGION") or None,
            "access_key": os.environ.get("AGORA_S3_ACCESS_KEY") or None,
            "secret_key": os.environ.get("AGORA_S3_SECRET_KEY") or None,
            "location": os.environ.get("AGORA_S3_PREFIX", ""),
            "default_acl": "private",
            "querystring_auth": True,
            "file_overwrite": False,
        },
    }
    from botocore.config import Config as _S3Config

    # Short connect timeout: a store that does not answer fails a request (and readiness)
    # quickly instead of holding a server thread for a minute.
    _default_storage["OPTIONS"]["client_config"] = _S3Config(  # type: ignore[index]
        s3={"addressing_style": os.environ.get("AGORA_S3_ADDRESSING", "") or None},
        signature_version="s3v4",
        connect_timeout=5,
        read_timeout=60,
        retries={"max_attempts": 3, "mode": "standard"},
    )
else:
    _default_storage = {"BACKEND": "django.core.files.storage.FileSystemStorage"}
STORAGES = {
    "default": _default_storage,
    "staticfiles": {
        "BACKEND": os.environ.get(
            "AGORA_STATICFILES_STORAGE",
            "whitenoise.storage.CompressedManifestStaticFilesStorage",
        )
    },
}
MEDIA_ROOT = VAR_DIR / "media"
MEDIA_URL = "/media/"


# Redis, when REDIS_URL is set, is a cache only: nothing is lost with it, so a Redis that is
# down or slow must not fail a request or a webhook. django-redis's IGNORE_EXCEPTIONS turns a
# failed call into a miss (logged), with short timeouts; the task queue (django-q2) has its
# own connection.
def redis_cache(url: str, timeout: float) -> dict[str, object]:
    return {
        "BACKEND": "django_redis.cache.RedisCache",
        "LOCATION": url,
        "OPTIONS": {
            "IGNORE_EXCEPTIONS": True,
            "SOCKET_CONNECT_TIMEOUT": timeout,
            "SOCKET_TIMEOUT": timeout,
        },
    }


CACHES = {
    "default": (
        redis_cache(REDIS_URL, float(os.environ.get("AGORA_REDIS_TIMEOUT", "0.5")))
        if (REDIS_URL := os.environ.get("REDIS_URL"))
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "agora"}
    )
}
DJANGO_REDIS_LOG_IGNORED_EXCEPTIONS = True
DJANGO_REDIS_LOGGER = "agora.cache"

# Background tasks (django-q2): workers on as many machines as needed, all reading the
# database as their broker.
Q_CLUSTER: dict[str, object] = {
    "name": "agora",
    "workers": int(os.environ.get("AGORA_WORKERS", "1")),
    # A task is stopped after "timeout" seconds; one taken by a worker that died is delivered
    # again after "retry" seconds (longer than "timeout").
    "timeout": int(os.environ.get("AGORA_TASK_TIMEOUT", "300")),
    "retry": int(os.environ.get("AGORA_TASK_RETRY", "600")),
    "max_attempts": 5,
    "catch_up": False,
    "label": _("Tareas en segundo plano"),
}
# The database broker acknowledges: a task taken by a worker that dies is delivered again
# after "retry" seconds (longer than "timeout"). Redis as the broker (AGORA_QUEUE_BROKER=redis)
# has no acknowledgement, so the tasks a dying worker held are lost: only for a Redis with
# persistence and where that loss is acceptable (docs/operacion.md).
if REDIS_URL and os.environ.get("AGORA_QUEUE_BROKER") == "redis":
    Q_CLUSTER["redis"] = REDIS_URL
else:
    Q_CLUSTER["orm"] = "default"
    Q_CLUSTER["poll"] = 1

EMAIL_BACKEND = os.environ.get(
    "AGORA_EMAIL_BACKEND",
    "django.core.mail.backends.filebased.EmailBackend",
)
EMAIL_FILE_PATH = VAR_DIR / "mail"
# The site's public address: every link in an e-mail is built on it (agora/core/siteurl.py).
# Production must set it (`check --deploy` refuses an unset one under AGORA_HTTPS).
AGORA_BASE_URL = os.environ.get("AGORA_BASE_URL", "http://127.0.0.1:8000").rstrip("/")
BASE_URL_FROM_ENV = bool(os.environ.get("AGORA_BASE_URL"))
# What may send e-mail or create accounts, counted per client address and per target e-mail
# address (agora/core/ratelimit.py): "N/second|minute|hour|day". "<scope>:cliente" or
# "<scope>:correo" overrides one; the scopes are registro, verificacion, suscripcion, clave.
AGORA_RATE_LIMITS = {
    "cliente": os.environ.get("AGORA_RATE_PER_CLIENT", "20/hour"),
    "correo": os.environ.get("AGORA_RATE_PER_ADDRESS", "3/hour"),
}
DEFAULT_FROM_EMAIL = os.environ.get("AGORA_FROM_EMAIL", "Ágora <no-responder@agora.gob.pe>")
if host := os.environ.get("AGORA_EMAIL_HOST"):
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_HOST = host
    EMAIL_PORT = int(os.environ.get("AGORA_EMAIL_PORT", "587"))
    EMAIL_HOST_USER = os.environ.get("AGORA_EMAIL_USER", "")
    EMAIL_HOST_PASSWORD = os.environ.get("AGORA_EMAIL_PASSWORD", "")
    EMAIL_USE_TLS = True

# Security headers. Production (AGORA_HTTPS=1) adds TLS-only cookies and HSTS; the embedded
# set-up serves plain http on 127.0.0.1.
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_AGE = 8 * 3600
CSRF_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
SECURE_SSL_REDIRECT = HTTPS and not _env_bool("AGORA_TLS_TERMINATED_UPSTREAM_NO_REDIRECT")
SECURE_HSTS_SECONDS = 31536000 if HTTPS else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = HTTPS
SECURE_HSTS_PRELOAD = HTTPS
# How many reverse proxies in front of the application append to X-Forwarded-For: the
# client's address is the entry they wrote, never one a client sent (agora/core/clientip.py).
AGORA_TRUSTED_PROXIES = (
    int(os.environ.get("AGORA_TRUSTED_PROXIES", "1")) if _env_bool("AGORA_BEHIND_PROXY") else 0
)
if _env_bool("AGORA_BEHIND_PROXY"):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# Hosts whose https images (the photos citizens attach, as the platform serves them) the inbox
# shows as thumbnails: Meta's and X's media servers. Any other attachment is a link only.
ATTACHMENT_IMAGE_HOSTS = _env_list(
    "AGORA_ATTACHMENT_IMAGE_HOSTS",
    "*.fbcdn.net,*.cdninstagram.com,lookaside.fbsbx.com,pbs.twimg.com",
)

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:", *(f"https://{host}" for host in ATTACHMENT_IMAGE_HOSTS)],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}

REST_FRAMEWORK = {
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "agora.api.pagination.Pagination",
    "DEFAULT_AUTHENTICATION_CLASSES": ["rest_framework.authentication.SessionAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.AllowAny"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_THROTTLE_CLASSES": ["rest_framework.throttling.AnonRateThrottle"],
    # DRF counts anonymous clients by the address the trusted proxies wrote (the N-th entry of
    # X-Forwarded-For from the right), the same rule as agora/core/clientip.py.
    "NUM_PROXIES": AGORA_TRUSTED_PROXIES or None,
    "DEFAULT_THROTTLE_RATES": {"anon": os.environ.get("AGORA_API_ANON_RATE", "1200/minute")},
    "EXCEPTION_HANDLER": "agora.api.errors.exception_handler",
    "DEFAULT_PARSER_CLASSES": [
        "agora.api.parsers.SpanishJSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
}
SPECTACULAR_SETTINGS = {
    "TITLE": "API de Ágora",
    "DESCRIPTION": (
        "API pública de Ágora, la plataforma de gobierno abierto de la Presidencia del Consejo "
        "de Ministros del Perú: directorio de entidades públicas y de sus cuentas oficiales en "
        "redes sociales; bandeja de atención para el personal; participación ciudadana (foros, "
        "sesiones, acuerdos, consultas) y planes de gobierno abierto (planes y compromisos)."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # Swagger UI is served from the sidecar package: no CDN, compatible with the CSP.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # Deep links nest a link inside a button (axe: nested-interactive).
    "SWAGGER_UI_SETTINGS": {"deepLinking": False},
    # Two choice sets are called "scope": a forum's territorial scope, a moderation's place.
    "ENUM_NAME_OVERRIDES": {
        "ForumScopeEnum": "agora.participation.models.Scope",
        "ModerationScopeEnum": "agora.inbox.models.ModerationScope",
        # And two called "kind": an attachment's, and a message's as the classifier reads it.
        "AttachmentKindEnum": "agora.inbox.models.AttachmentKind",
        "MessageKindEnum": "agora.language.taxonomy.Kind",
        # A message's flags (a list) and the one a dismissal takes away.
        "MessageFlagEnum": "agora.language.taxonomy.Flag",
    },
}

TWO_FACTOR_PATCH_ADMIN = False
OTP_TOTP_ISSUER = "Ágora PCM"

# Connectors. Meta (Facebook, Instagram): webhook verify token and app secret (signature).
META_VERIFY_TOKEN = os.environ.get("AGORA_META_VERIFY_TOKEN", "")
META_APP_SECRET = os.environ.get("AGORA_META_APP_SECRET", "")
# Bearer token that /metricas/ (Prometheus) asks for; without one the endpoint does not exist.
AGORA_METRICS_TOKEN = os.environ.get("AGORA_METRICS_TOKEN", "")
META_GRAPH_URL = os.environ.get("AGORA_META_GRAPH_URL", "https://graph.facebook.com/v21.0")
# The sandbox platform (agora/connectors/sandbox.py): a pretend Meta that Ágora runs itself,
# marked "demo", so that the demo and local development show the whole loop (answer, publish,
# echo, new citizen messages). On with the demo data (AGORA_DEMO, itself on unless AGORA_HTTPS)
# or by AGORA_SANDBOX; off in production. Only demo accounts ever use it.
SANDBOX_ENABLED = _env_bool("AGORA_SANDBOX", default=DEMO_MODE)
SANDBOX_URL = os.environ.get("AGORA_SANDBOX_URL", f"{AGORA_BASE_URL}/sandbox/graph").rstrip("/")
SANDBOX_WEBHOOK_URL = os.environ.get(
    "AGORA_SANDBOX_WEBHOOK_URL", f"{AGORA_BASE_URL}/webhooks/meta/"
)
if SANDBOX_ENABLED and not META_APP_SECRET:
    # The sandbox signs its webhooks like Meta: with a secret generated once under var/.
    META_APP_SECRET = _secret_file("sandbox_app_secret")
X_API_URL = os.environ.get("AGORA_X_API_URL", "https://api.x.com/2")
YOUTUBE_API_URL = os.environ.get("AGORA_YOUTUBE_API_URL", "https://www.googleapis.com/youtube/v3")
# YouTube OAuth client (Google Cloud): renews expired access tokens with the refresh token.
YOUTUBE_CLIENT_ID = os.environ.get("AGORA_YOUTUBE_CLIENT_ID", "")
YOUTUBE_CLIENT_SECRET = os.environ.get("AGORA_YOUTUBE_CLIENT_SECRET", "")
YOUTUBE_TOKEN_URL = os.environ.get("AGORA_YOUTUBE_TOKEN_URL", "https://oauth2.googleapis.com/token")
CONNECTOR_TIMEOUT_SECONDS = float(os.environ.get("AGORA_CONNECTOR_TIMEOUT", "10"))
WEBHOOK_MAX_BYTES = 1024 * 1024

# Visit counters are buffered per process and written at most every N seconds.
VISIT_FLUSH_SECONDS = float(os.environ.get("AGORA_VISIT_FLUSH_SECONDS", "5"))

# The classifier lives in the database: each process asks which version is current at most
# every N seconds (agora/language/classifier/storage.py).
MODEL_CHECK_SECONDS = float(os.environ.get("AGORA_MODEL_CHECK_SECONDS", "5"))

# One JSON object per line (python-json-logger): time (ISO 8601 with offset), level, origin,
# message, and the id of the request being served (agora/core/observability.py; "-" in the
# worker and commands). AGORA_LOG_FORMAT=texto gives plain lines for a person at a terminal.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "agora.core.observability.RequestIdFilter"}},
    "formatters": {
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "format": "%(asctime)s %(levelname)s %(name)s %(request_id)s %(message)s",
            "rename_fields": {
                "asctime": "hora",
                "levelname": "nivel",
                "name": "origen",
                "message": "mensaje",
            },
            "datefmt": "%Y-%m-%dT%H:%M:%S%z",
            "json_ensure_ascii": False,
        },
        "texto": {
            "format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s",
            "datefmt": "%Y-%m-%dT%H:%M:%S%z",
        },
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "texto" if os.environ.get("AGORA_LOG_FORMAT") == "texto" else "json",
            "filters": ["request_id"],
        }
    },
    "root": {"handlers": ["console"], "level": os.environ.get("AGORA_LOG_LEVEL", "WARNING")},
}
