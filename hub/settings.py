"""Atalaya settings: one module, configured from the environment.

Every variable is documented in README.md ("Configuration"). The defaults are the development
set-up that `make run` creates (local PostgreSQL role/db `atalaya`, Redis on 6379), so that
`.venv/bin/python manage.py ...` works from the project root with no extra environment.
`make run` serves with DEBUG=false (production mode); production must set DEBUG=false too.
A malformed value fails loudly at start-up.
"""

import os
import secrets
import uuid
from pathlib import Path

import environ

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
# A local, uncommitted .env file may hold overrides for one machine.
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DEBUG", default=True)


def _secret_key_from_file(path: Path) -> str:
    """The key kept in `path`, made on first use: random, readable by its owner only. Every
    process on this machine (gunicorn's workers, Celery, `manage.py`) reads the same one, so
    sessions and signed links survive restarts and a command's links work on the server.
    Written aside and linked into place, so a process starting at the same moment reads either
    nothing (and makes its own attempt, which loses) or the whole key, never half of it."""
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        aside = path.with_name(f".{path.name}.{os.getpid()}")
        fd = os.open(aside, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(secrets.token_urlsafe(64))
        try:
            os.link(aside, path)
        except FileExistsError:
            pass
        finally:
            aside.unlink()
    key = path.read_text().strip()
    if len(key) < 50:
        raise environ.ImproperlyConfigured(f"{path} holds no usable SECRET_KEY; delete it")
    return key


# SECRET_KEY from the environment wins (several machines must share one); else this machine's
# own, generated once under var/.
SECRET_KEY = env.str("SECRET_KEY", default="") or _secret_key_from_file(
    Path(env.str("SECRET_KEY_FILE", default=str(BASE_DIR / "var" / "secret_key")))
)

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
SITE_URL = env.str("SITE_URL", default="http://localhost:8000")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "rest_framework",
    "django_filters",
    "django_htmx",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_countries",
    # Two-factor sign-in (TOTP apps, one-use backup codes): members/account_views.py.
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    # django-csp: its system checks catch a policy written in the pre-4.0 form.
    "csp",
    "kernel",
    "notifications",
    "hub",
    "members",
    "reports",
    "enforcement",
    "exchange",
]

MIDDLEWARE = [
    # Outermost: the Content-Security-Policy goes on every answer, those that the middleware
    # below answers by itself included (CONTENT_SECURITY_POLICY below).
    "csp.middleware.CSPMiddleware",
    # Before anything reads the request: NUL bytes and oversized API bodies answered 4xx; a
    # database outage met by anything below answered 503 (kernel/middleware.py).
    "kernel.middleware.BadInputMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "members.middleware.SuspendedOrganizationMiddleware",
    # After authentication: a signed-in person's own language and time zone win.
    "members.middleware.UserPreferencesMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # After messages (they say why a session ended): idle sign-out, then the 2FA requirement.
    "members.idle_middleware.IdleTimeoutMiddleware",
    "members.otp_middleware.TwoFactorRequiredMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "hub.urls"
WSGI_APPLICATION = "hub.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "hub.context_processors.portal",
            ],
        },
    },
]

DATABASES = {
    "default": env.db_url(
        "DATABASE_URL", default="postgres://atalaya:atalaya@127.0.0.1:5432/atalaya"
    ),
}
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DB_CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
# Lets two test runs on one machine use separate test databases.
DATABASES["default"]["TEST"] = {"NAME": env.str("TEST_DATABASE_NAME", default="") or None}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env.str("REDIS_URL", default="redis://127.0.0.1:6379/0")

AUTH_USER_MODEL = "members.User"
# The organisation model, named here (the shell) for the notifications app, which sits below
# members and so names no model above it (as Django's own apps reach AUTH_USER_MODEL).
ATALAYA_ORGANIZATION_MODEL = "members.Organization"
# The hub's own STIX `identity` (identity--<uuid>): the creator of every STIX object it emits
# (reports.stix). Fixed, since consumers key on it; a second deployment sets its own.
ATALAYA_STIX_IDENTITY = str(
    uuid.UUID(env.str("ATALAYA_STIX_IDENTITY", default="5fa2facf-5bf4-4190-833f-8cef499432cb"))
)
AUTHENTICATION_BACKENDS = ["members.backends.MemberBackend"]
# Tests (the root conftest.py sets FAST_PASSWORD_HASHING for itself and every process it starts)
# hash with a fast hasher: the real PBKDF2 costs about 0.4 s for each person a test makes.
if env.bool("FAST_PASSWORD_HASHING", default=False):
    PASSWORD_HASHERS = [
        "django.contrib.auth.hashers.MD5PasswordHasher",
        "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    ]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
SESSION_COOKIE_AGE = env.int("SESSION_COOKIE_AGE", default=12 * 3600)
SESSION_EXPIRE_AT_BROWSER_CLOSE = False
# Sign-out after this many seconds without a request (members/idle_middleware.py); the
# session still ends SESSION_COOKIE_AGE after sign-in however active it is.
SESSION_IDLE_SECONDS = env.int("SESSION_IDLE_SECONDS", default=2 * 3600)
# Cookies go over HTTPS only, unless DEBUG is on or SECURE_COOKIES=false says the hub is served
# over plain http (`make run`'s demo on http://localhost passes that; production never should).
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = env.bool("SECURE_COOKIES", default=not DEBUG)
LANGUAGE_COOKIE_SECURE = SESSION_COOKIE_SECURE
# HTTPS: all off unless the deployment says so (`manage.py check --deploy` lists what is off).
# Behind a TLS-terminating proxy that sets X-Forwarded-Proto (and strips a client's own),
# TRUST_X_FORWARDED_PROTO=true lets Django see the request was https; without it, with
# SECURE_SSL_REDIRECT on, every request would be redirected again and again.
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=False)
if env.bool("TRUST_X_FORWARDED_PROTO", default=False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=False)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=False)
# A load balancer may probe the health check over plain http inside its network.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
# Content-Security-Policy (django-csp). Everything the portal uses is served by the hub itself
# (htmx and Pico CSS are vendored), so nothing inline runs and nothing is fetched elsewhere:
# no inline <script>, on* handler or style="" anywhere (behaviour is in hub/static/hub/site.js,
# looks in site.css). img-src allows data: for the icons Pico CSS draws as data: SVG. The API
# docs page (hub/api/docs.py) is the only one with a different policy. The browser tests fail
# on any violation (hub/tests/browser/conftest.py).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}
# The site's page for a refused form, with the <main> that htmx swaps in for an error answer.
CSRF_FAILURE_VIEW = "hub.views.csrf_failure"
# Org admins and hub staff must sign in with a second factor (members/otp_middleware.py).
OTP_REQUIRED_FOR_ADMINS = env.bool("OTP_REQUIRED_FOR_ADMINS", default=True)
OTP_TOTP_ISSUER = "Atalaya"
# Staff may remove someone's device in the Django admin, never read its secret.
OTP_ADMIN_HIDE_SENSITIVE_DATA = True
# "lockout": failed sign-in counters (members/lockout.py) in PostgreSQL, shared by every web
# worker, so the limits hold whatever worker a request lands on and whether or not Redis is up.
# Its table is made by a migration (members 0005). MAX_ENTRIES is high so that a spray of
# addresses cannot make the cache cull live lock-outs. "default" is Django's own default.
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    "lockout": {
        "BACKEND": "django.core.cache.backends.db.DatabaseCache",
        "LOCATION": "members_lockout_cache",
        "TIMEOUT": None,
        "OPTIONS": {"MAX_ENTRIES": 100_000},
    },
    # "ratelimit": the API's and the public unblock form's rate-limit counts (kernel/ratelimit.py),
    # shared by every web worker for the same reason; its incr loses no concurrent hit. Table
    # made by hub migration 0007. Entries expire with their window (a day at most).
    "ratelimit": {
        "BACKEND": "kernel.ratelimit.CounterCache",
        "LOCATION": "hub_ratelimit_cache",
        "TIMEOUT": 86_400,
        "OPTIONS": {"MAX_ENTRIES": 100_000},
    },
}

LANGUAGE_CODE = "en"
# The portal speaks English, Spanish and Brazilian Portuguese: chosen from the browser
# (Accept-Language), switchable by anyone, and remembered per person (User.language).
LANGUAGES = [("en", "English"), ("es", "Español"), ("pt-br", "Português (Brasil)")]
USE_I18N = True
# English dates as ISO 8601 and 24-hour times (hub/formats/__init__.py says why).
FORMAT_MODULE_PATH = ["hub.formats"]
USE_TZ = True
# The zone of anything not shown to a signed-in person in their own (their zone is activated
# by members.middleware.UserPreferencesMiddleware, never on the API): UTC, as README says.
# Unset, Django would use America/Chicago.
TIME_ZONE = env.str("TIME_ZONE", default="UTC")

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

# Uploaded evidence. Never served as static files: only through the API, after the policy.
MEDIA_ROOT = env.path("MEDIA_ROOT", default=BASE_DIR / "var" / "media")
MAX_EVIDENCE_BYTES = env.int("MAX_EVIDENCE_BYTES", default=20 * 1024 * 1024)
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

EMAIL_BACKEND = env.str("EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Atalaya <hub@localhost>")

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "members.authentication.APIKeyAuthentication",
        "members.authentication.TwoFactorSessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["members.permissions.HasScope"],
    "DEFAULT_PAGINATION_CLASS": "kernel.api.pagination.CursorPagination",
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    # drf-spectacular, plus what the shared plumbing answers (problem JSON, Idempotency-Key).
    "DEFAULT_SCHEMA_CLASS": "kernel.api.schema.AutoSchema",
    "EXCEPTION_HANDLER": "kernel.api.problems.problem_exception_handler",
    # Per API key and per client address (API_RATE_LIMIT_* below); 429 problem JSON.
    "DEFAULT_THROTTLE_CLASSES": [
        "kernel.api.throttling.APIKeyRateThrottle",
        "kernel.api.throttling.AddressRateThrottle",
    ],
    # DRF's JSON parser refusing absurd nesting (a RecursionError would be a 500).
    "DEFAULT_PARSER_CLASSES": [
        "kernel.api.parsers.JSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_RENDERER_CLASSES": [
        "rest_framework.renderers.JSONRenderer",
        "rest_framework.renderers.BrowsableAPIRenderer",
    ],
}

SPECTACULAR_SETTINGS = {
    "TITLE": "Atalaya API",
    "DESCRIPTION": "Intelligence-sharing hub of an anti-piracy coalition. "
    "Authenticate with `Authorization: Bearer <org API key>`.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    # Offline: Swagger UI's assets come from the drf-spectacular-sidecar package, never a CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "ENUM_NAME_OVERRIDES": {
        "CategoryEnum": "kernel.vocabulary.Category",
        "TargetKindEnum": "reports.models.core.IndicatorKind",
        # An ISP's answer to a whole order and about one target: two "state" and two "reason"
        # choice sets, each named (the whole order's keep the names they had alone).
        "ComplianceStateEnum": "enforcement.models.Compliance.State",
        "ComplianceReasonEnum": "enforcement.models.Compliance.Reason",
        "TargetAnswerStateEnum": "enforcement.models.TargetAnswer.State",
        "TargetAnswerReasonEnum": "enforcement.models.TargetAnswer.Reason",
    },
    # The groups of /api/docs/, in this order; each operation's summary and description are in
    # its app's api/docs.py (hub/tests/test_api_docs.py checks that none is missing).
    "TAGS": [
        {"name": "organizations", "description": "The member directory."},
        {
            "name": "agreements",
            "description": "Agreements (MOUs) between members, under which reports are shared.",
        },
        {
            "name": "reports",
            "description": "Reports of piracy, their indicators and evidence, "
            "as the access policy lets the caller see them.",
        },
        {
            "name": "targets",
            "description": "The values named in the reports the caller may "
            "see, once each, with their clusters and suggested siblings.",
        },
        {"name": "notifications", "description": "The organisation's inbox."},
        {
            "name": "webhooks",
            "description": "Where the hub POSTs the organisation's events, "
            "signed with the Standard Webhooks scheme, and the log of each delivery.",
        },
        {
            "name": "taxii-sources",
            "description": "The organisation's own TAXII 2.1 servers the hub polls "
            "as the organisation, importing what they add as its reports.",
        },
        {
            "name": "blocking-orders",
            "description": "Orders from an authority to the ISPs of "
            "its country to block targets, and each ISP's answer.",
        },
        {
            "name": "blocklist",
            "description": "An ISP's consolidated blocklist, for its resolvers and firewalls.",
        },
        {
            "name": "unblock-requests",
            "description": "Third parties' requests to unblock a name "
            "an order covers, and the issuer's answers.",
        },
    ],
}

# Celery: Redis is transport only; whatever must not be lost is a database row first.
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default=REDIS_URL)
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# Tasks set their own (lower) limits; this is the ceiling for any that does not.
CELERY_TASK_TIME_LIMIT = 300
# visibility_timeout: above the hard time limit, so a message being worked on is never
# redelivered to a second worker. The rest makes a publish fail within about a second when
# Redis is down or hung, instead of kombu retrying the connection (~6 s, even with
# retry=False) or a read waiting forever: a request never waits for Redis, and the outbox
# sweeper sends what could not be sent. max_retries only bounds publishers' reconnects;
# workers and beat reconnect under broker_connection_max_retries as before.
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": 3600,
    "max_retries": 0,
    "socket_connect_timeout": 1.0,
    "socket_timeout": 1.0,
}
CELERY_TASK_DEFAULT_QUEUE = "default"
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
CELERY_BEAT_SCHEDULE_FILENAME = env.str(
    "CELERY_BEAT_SCHEDULE_FILENAME", default=str(BASE_DIR / "var" / "celerybeat-schedule")
)
CELERY_BEAT_SCHEDULE = {
    "heartbeat": {"task": "hub.tasks.heartbeat", "schedule": 30.0},
    "expire-agreements": {"task": "members.tasks.expire_agreements", "schedule": 3600.0},
    "announce-expiring-agreements": {
        "task": "members.tasks.announce_expiring_agreements",
        "schedule": 3600.0,
    },
    "sweep-outbox": {"task": "notifications.tasks.sweep", "schedule": 5.0},
    "email-digest-hourly": {
        "task": "notifications.tasks.email_digest",
        "schedule": 3600.0,
        "args": ["hourly"],
    },
    "email-digest-daily": {
        "task": "notifications.tasks.email_digest",
        "schedule": 86400.0,
        "args": ["daily"],
    },
    # Blocking orders: announce those whose grace window ended, flag overdue ISPs, announce
    # orders that ended. Each is a sweep over durable rows, safe to overlap with itself.
    "sweep-orders": {"task": "enforcement.tasks.sweep_orders", "schedule": 5.0},
    # Idempotency-Key records past their 24 h replay window (kernel/api/idempotency.py).
    "purge-idempotency-records": {
        "task": "hub.tasks.purge_idempotency_records",
        "schedule": 3600.0,
    },
    # Members' TAXII servers whose interval has come (exchange/poll_tasks.py; docs/taxii.md).
    "poll-taxii-sources": {"task": "exchange.poll_tasks.poll_due_sources", "schedule": 60.0},
    # STIX import jobs still pending a minute after they were posted (exchange/tasks.py).
    "sweep-imports": {"task": "exchange.tasks.sweep_imports", "schedule": 60.0},
}
# API rate limits (kernel/api/throttling.py): "<count>/<second|minute|hour|day>", or "off".
# Generous: an integrator submitting in bulk or polling feeds stays far below them; they stop a
# runaway client before it takes the workers from everyone else.
API_RATE_LIMIT_PER_KEY = env.str("API_RATE_LIMIT_PER_KEY", default="3000/minute")
API_RATE_LIMIT_PER_ADDRESS = env.str("API_RATE_LIMIT_PER_ADDRESS", default="6000/minute")
# Webhook destinations in private/loopback ranges are refused unless this is on (dev, tests).
WEBHOOK_ALLOW_PRIVATE_DESTINATIONS = env.bool("WEBHOOK_ALLOW_PRIVATE_DESTINATIONS", default=DEBUG)
WEBHOOK_TIMEOUT = env.float("WEBHOOK_TIMEOUT", default=10.0)
# Fernet key(s), comma-separated, the first encrypting, for members' TAXII credentials at rest
# (exchange/secrets.py; rotating: docs/taxii.md). Empty: derived from SECRET_KEY (development).
ATALAYA_SECRETS_KEY = env.str("ATALAYA_SECRETS_KEY", default="")
# The most objects a TAXII page holds, and how many it holds when the client names no `limit`
# (exchange/taxii; docs/taxii.md, "Paging and filters").
TAXII_MAX_PAGE_SIZE = env.int("TAXII_MAX_PAGE_SIZE", default=1000)
# Blocking orders (enforcement app).
# Seconds between issuing an order and telling the ISPs, during which the issuer may withdraw it.
BLOCKING_ORDER_GRACE_SECONDS = env.int("BLOCKING_ORDER_GRACE_SECONDS", default=0)
# An order without valid_until lapses this many days after it was issued, unless renewed.
BLOCKING_ORDER_LAPSE_DAYS = env.int("BLOCKING_ORDER_LAPSE_DAYS", default=365)
# Days an issuer has to answer a third party's unblock request.
UNBLOCK_ANSWER_DAYS = env.int("UNBLOCK_ANSWER_DAYS", default=7)
# The RPZ zone's origin (each ISP's zone is <isp-slug>.<origin>).
BLOCKLIST_RPZ_ORIGIN = env.str("BLOCKLIST_RPZ_ORIGIN", default="rpz.atalaya.invalid")
HEALTHZ_WORKER_TIMEOUT = env.float("HEALTHZ_WORKER_TIMEOUT", default=1.0)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
}
