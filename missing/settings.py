"""Homeward settings: one module, read from the environment (django-environ).

`DJANGO_ENV` is `development` (the default for `make run` and tests) or `production`.
In production every secret is required and a missing or malformed value stops start-up
with a message that names the variable.
"""

from __future__ import annotations

from pathlib import Path

import environ
import pghistory
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False) if (BASE_DIR / ".env").exists() else None

DJANGO_ENV = env.str("DJANGO_ENV", default="development")
if DJANGO_ENV not in {"development", "production", "test"}:
    raise ImproperlyConfigured(
        f"DJANGO_ENV must be development, test or production, not {DJANGO_ENV!r}"
    )
IS_PRODUCTION = DJANGO_ENV == "production"

if IS_PRODUCTION:
    try:
        SECRET_KEY = env.str("SECRET_KEY")
    except ImproperlyConfigured as error:
        raise ImproperlyConfigured("SECRET_KEY must be set when DJANGO_ENV=production") from error
    if len(SECRET_KEY) < 50:
        raise ImproperlyConfigured("SECRET_KEY must be at least 50 characters in production")
else:
    SECRET_KEY = env.str("SECRET_KEY", default="homeward-development-only-not-secret-" + "x" * 20)

DEBUG = env.bool("DEBUG", default=DJANGO_ENV == "development")
ALLOWED_HOSTS = env.list(
    "ALLOWED_HOSTS",
    default=[] if IS_PRODUCTION else ["localhost", "127.0.0.1", "[::1]", "testserver"],
)
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    # Django's own widget templates, for the form renderer below.
    "django.forms",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    # Swagger UI and ReDoc from our own static files, pinned in the lock (no CDN).
    "drf_spectacular_sidecar",
    "guardian",
    "pgtrigger",
    "pghistory",
    # Not "pghistory.admin": its events admin shows every case row's history in full to
    # administrators, who do not read cases (issue 14, decision 0002).
    "axes",
    # The second factor (decision 0015): TOTP authenticator apps and backup codes.
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "django_htmx",
    "agencies",
    "children",
    "episodes",
    "risk",
    "returns",
    "contextual",
    "panels",
    "protocol",
    "notifications",
    "casework",
    "reports",
    "api",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # After whitenoise, so static files keep their cache lifetimes: CSP and no-store.
    "core.middleware.SecurityHeadersMiddleware",
    # A page reads the user's memberships once (children.selectors.access_profile).
    "core.middleware.RequestCacheMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # request.user.is_verified(): signed in with a second factor in this session
    # (django-otp's OTPMiddleware, reading the device once a session: decision 0019).
    "agencies.middleware.VerifiedDeviceMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # Sign-out at SESSION_ABSOLUTE_SECONDS after sign-in whatever the activity, then a
    # signed-in person without a verified second factor sees only the set-up or
    # challenge page (decision 0015).
    "agencies.middleware.AbsoluteSessionLifetimeMiddleware",
    "agencies.middleware.RequireSecondFactorMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # Records who made each change, and through which URL, on every pghistory event.
    "pghistory.middleware.HistoryMiddleware",
    # Every read of case data writes an access event: one INSERT per request (core.audit).
    "children.middleware.AccessLogMiddleware",
    # Last: lockout after repeated failed sign-ins (django-axes).
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "missing.urls"
# Widgets render through the project's templates too (core.forms' GOV.UK date input).
FORM_RENDERER = "django.forms.renderers.TemplatesSetting"
WSGI_APPLICATION = "missing.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                # The header's unread notification count and the session timeout warning.
                "notifications.context_processors.notifications",
                "reports.context_processors.reports",
                # The service navigation, by role.
                "casework.context_processors.navigation",
            ],
            # One date format everywhere: {{ value|when }} and {{ value|day }}.
            "builtins": ["casework.templatetags.dates"],
        },
    },
]

DATABASES = {
    "default": env.db_url("DATABASE_URL", default="postgres://postgres@127.0.0.1:5432/homeward")
}
if not DATABASES["default"]["ENGINE"].endswith("postgresql"):
    raise ImproperlyConfigured(
        "DATABASE_URL must point at PostgreSQL: Homeward uses no other database"
    )
DATABASES["default"]["ATOMIC_REQUESTS"] = False
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
# Persistent connections: a new PostgreSQL connection costs about 8 ms per request
# (issue 13). Health checks (above) drop a connection the server closed.
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=300)
DATABASES["default"].setdefault("OPTIONS", {})
# JIT compilation added 0.35 to 1.6 s to the big list queries and saved nothing on
# Homeward's indexed, small-result queries (issue 13; decision 0014). random_page_cost
# 1.1: the working set is in memory (decision 0022), where an index probe is not four
# sequential reads; at the default 4 the planner hashed all 148,505 open allocations of
# the country to find one authority's unallocated children (20 ms, against 0.7 ms by the
# child index). PG_OPTIONS="" to leave the server's settings alone.
_pg_options = env.str("PG_OPTIONS", default="-c jit=off -c random_page_cost=1.1")
if _pg_options:
    DATABASES["default"]["OPTIONS"].setdefault("options", _pg_options)
DATABASES["default"]["TEST"] = {"NAME": env.str("TEST_DATABASE_NAME", default=None)}

# Reports read from a streaming replica where one is configured (ARCHITECTURE.md "Scale"):
# the `reporting` alias is the replica at REPORTING_DATABASE_URL, or the primary's own
# settings otherwise; reports.routers sends the reports' reads to it only when it is set.
# Case work and the deadline engine always read the primary. In tests it mirrors default.
REPORTING_DATABASE_URL = env.str("REPORTING_DATABASE_URL", default="")
DATABASES["reporting"] = (
    env.db_url_config(REPORTING_DATABASE_URL)
    if REPORTING_DATABASE_URL
    else {**DATABASES["default"], "OPTIONS": {**DATABASES["default"]["OPTIONS"]}}
)
DATABASES["reporting"]["CONN_HEALTH_CHECKS"] = True
DATABASES["reporting"]["TEST"] = {"MIRROR": "default"}
DATABASE_ROUTERS = ["reports.routers.ReportingRouter"]

# Two database roles (decision 0016): the application connects as DATABASE_URL's role,
# which may not UPDATE or DELETE audit rows; migrations run as the schema's owner,
# DATABASE_OWNER_URL (`manage.py migrate_as_owner`, which then grants the application's
# role its privileges). Without it, the owner is DATABASE_URL's role (development, tests).
DATABASE_OWNER_URL = env.str("DATABASE_OWNER_URL", default="")
# The tables the application may only read and append to, besides every pghistory event
# table (core.dbroles): the access log, the sign-in logs, the erasure log.
# Retention rules per record kind, overriding casework.retention.DEFAULT_RULES, e.g.
# {"child_protection": {"years_after_last_activity": 35}} (decision 0016).
RETENTION_JSON = env.str("RETENTION_JSON", default="{}")
AUDIT_MODELS = [
    "children.RecordAccess",
    "children.Erasure",
    "axes.AccessLog",
    "axes.AccessFailureLog",
]

REDIS_URL = env.str("REDIS_URL", default="redis://127.0.0.1:6379/0")

CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": env.str("CACHE_KEY_PREFIX", default="homeward"),
        # Fail fast when Redis is down or hung: the API throttle then fails open and
        # /health/ says 503 (decision 0017), instead of every request waiting on Redis.
        "OPTIONS": {
            "socket_connect_timeout": env.float("REDIS_CONNECT_TIMEOUT_SECONDS", default=1.0),
            "socket_timeout": env.float("REDIS_TIMEOUT_SECONDS", default=1.0),
        },
    }
}

AUTH_USER_MODEL = "agencies.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
    "guardian.backends.ObjectPermissionBackend",
]
# NCSC password guidance: length over complexity, a deny-list, no composition rules (no
# "one capital, one digit, one symbol") and no forced expiry. 12 characters at least
# (three random words pass easily); Django's list of 20,000 common passwords; and
# core.passwords refuses the guessable patterns people use to pass composition rules
# (a season or month with a year, "Summer2026!") and the service's and council's names.
PASSWORD_MIN_LENGTH = env.int("PASSWORD_MIN_LENGTH", default=12)
# Words no password may contain (case and l33t spelling ignored), besides the names of
# the person's own agencies: the service, the council. A council adds its own names.
PASSWORD_DENIED_WORDS = env.list(
    "PASSWORD_DENIED_WORDS", default=["homeward", "password", "council", "welcome"]
)
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": PASSWORD_MIN_LENGTH},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    {"NAME": "core.passwords.GuessablePatternValidator"},
    {
        "NAME": "core.passwords.DeniedWordsValidator",
        "OPTIONS": {"words": PASSWORD_DENIED_WORDS},
    },
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# django-guardian: no anonymous user row; access for anonymous users is always none.
ANONYMOUS_USER_NAME = None
GUARDIAN_MONKEY_PATCH_USER = False

# django-axes: lock an account from one address after AXES_FAILURE_LIMIT failures, and the
# account from every address after AXES_ACCOUNT_FAILURE_LIMIT (guessing spread over many
# addresses); never an address alone, which behind a council's NAT or proxy would lock
# out a whole office (decision 0015). core.lockout applies the two limits.
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_ACCOUNT_FAILURE_LIMIT = env.int("AXES_ACCOUNT_FAILURE_LIMIT", default=20)
if AXES_ACCOUNT_FAILURE_LIMIT < AXES_FAILURE_LIMIT:
    raise ImproperlyConfigured("AXES_ACCOUNT_FAILURE_LIMIT must be at least AXES_FAILURE_LIMIT")
AXES_COOLOFF_TIME = env.float("AXES_COOLOFF_HOURS", default=0.5)
AXES_LOCKOUT_PARAMETERS = [["username"], ["username", "ip_address"]]
AXES_HANDLER = "core.lockout.AccountLockoutHandler"
AXES_RESET_ON_SUCCESS = True
# The client's address: REMOTE_ADDR, unless it is one of TRUSTED_PROXIES (addresses or
# networks, e.g. "10.0.0.0/8"), whose X-Forwarded-For is then read from the right, past
# every trusted hop (core.client_address). Without TRUSTED_PROXIES the header is ignored:
# anyone can send it.
TRUSTED_PROXIES = env.list("TRUSTED_PROXIES", default=[])
AXES_CLIENT_IP_CALLABLE = "core.client_address.client_address"

# django-otp (decision 0015): the name authenticator apps show, and back-off after wrong
# codes (1 s, 2 s, 4 s... doubling per failure, held on the device, so across sessions).
OTP_TOTP_ISSUER = env.str("OTP_TOTP_ISSUER", default="Homeward")
OTP_TOTP_THROTTLE_FACTOR = 1
OTP_STATIC_THROTTLE_FACTOR = 1
# How many single-use backup codes a person gets (and gets again on regenerating).
BACKUP_CODE_COUNT = 10
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"

SESSION_COOKIE_AGE = env.int("SESSION_COOKIE_AGE", default=30 * 60)
SESSION_SAVE_EVERY_REQUEST = True
# However active, a session ends this long after sign-in (default 10 hours: a long
# working day); agencies.middleware signs the person out (OWASP ASVS 3.3.4).
SESSION_ABSOLUTE_SECONDS = env.int("SESSION_ABSOLUTE_SECONDS", default=10 * 60 * 60)
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = IS_PRODUCTION
CSRF_COOKIE_SECURE = IS_PRODUCTION
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=IS_PRODUCTION)
SECURE_HSTS_SECONDS = 31536000 if IS_PRODUCTION else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = IS_PRODUCTION
# The preload directive only allows a submission to browsers' preload lists (a council's
# decision for its whole domain); HSTS_PRELOAD=false leaves it out.
SECURE_HSTS_PRELOAD = env.bool("HSTS_PRELOAD", default=IS_PRODUCTION)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# A strict policy: scripts, styles, fonts and images from Homeward's own origin only; no
# inline script or style, no eval, no plugins, not framed (core.middleware sets it on
# every response Django renders). The API's ReDoc page sets its own (api.views).
CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

LANGUAGE_CODE = "en-gb"
# Store UTC, show Europe/London (ARCHITECTURE.md "Time").
TIME_ZONE = "Europe/London"
USE_I18N = False
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = Path(env.str("STATIC_ROOT", default=str(BASE_DIR / "var" / "staticfiles")))
if not IS_PRODUCTION:
    # whitenoise warns on every request when STATIC_ROOT is missing; in development and
    # tests static files come from the finders, so an empty folder is all it needs.
    STATIC_ROOT.mkdir(parents=True, exist_ok=True)
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = env.path("MEDIA_ROOT", default=BASE_DIR / "var" / "media")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if IS_PRODUCTION
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = not IS_PRODUCTION

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

EMAIL_BACKEND = env.str(
    "EMAIL_BACKEND",
    default="django.core.mail.backends.smtp.EmailBackend"
    if IS_PRODUCTION
    else "django.core.mail.backends.console.EmailBackend",
)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="homeward@localhost")
# SMTP (the default backend in production): the relay, its port, TLS, and credentials.
# EMAIL_USE_TLS is STARTTLS (port 587); EMAIL_USE_SSL is implicit TLS (port 465): one or
# neither, never both (refused here, at start-up).
EMAIL_HOST = env.str("EMAIL_HOST", default="localhost")
EMAIL_PORT = env.int("EMAIL_PORT", default=25)
EMAIL_USE_TLS = env.bool("EMAIL_USE_TLS", default=False)
EMAIL_USE_SSL = env.bool("EMAIL_USE_SSL", default=False)
EMAIL_HOST_USER = env.str("EMAIL_HOST_USER", default="")
EMAIL_HOST_PASSWORD = env.str("EMAIL_HOST_PASSWORD", default="")
if EMAIL_USE_TLS and EMAIL_USE_SSL:
    raise ImproperlyConfigured("Set EMAIL_USE_TLS (STARTTLS) or EMAIL_USE_SSL, not both.")
# GOV.UK Notify (EMAIL_BACKEND=notifications.notify.NotifyEmailBackend): the service's
# API key, and template ids by notification kind with a "default", as JSON.
NOTIFY_API_KEY = env.str("NOTIFY_API_KEY", default="")
NOTIFY_BASE_URL = env.str("NOTIFY_BASE_URL", default="https://api.notifications.service.gov.uk")
NOTIFY_TEMPLATES = env.json("NOTIFY_TEMPLATES_JSON", default={})
# Only for EMAIL_BACKEND=django.core.mail.backends.filebased.EmailBackend (drills, worker tests).
EMAIL_FILE_PATH = env.str("EMAIL_FILE_PATH", default=str(BASE_DIR / "var" / "mail"))
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=30)
# The outbox's delivery (notifications.tasks): a failed send is retried after
# NOTIFICATION_RETRY_BASE_SECONDS, doubling each time, and given up (status failed)
# after NOTIFICATION_MAX_ATTEMPTS attempts.
NOTIFICATION_MAX_ATTEMPTS = env.int("NOTIFICATION_MAX_ATTEMPTS", default=6)
# How long a worker's claim on an e-mail row holds before another may send it
# (notifications.delivery.CLAIM_LEASE).
NOTIFICATION_CLAIM_LEASE_SECONDS = env.int("NOTIFICATION_CLAIM_LEASE_SECONDS", default=600)

# The SSDA903 return's codes Homeward does not hold, over reports.ssda903.DEFAULT_CODES,
# e.g. {"absent_as": ""} to leave absent episodes out (docs/statutory-returns.md).
SSDA903 = env.json("SSDA903_JSON", default={})
NOTIFICATION_RETRY_BASE_SECONDS = env.int("NOTIFICATION_RETRY_BASE_SECONDS", default=60)
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000")
# Seconds between sweeps (beat's schedule in missing/celery.py reads the same variable):
# /health/ answers 503 when the last sweep is older than 3 of them, or a due deadline has
# waited unswept for more than two (protocol.services.DUE_WAIT_INTERVALS).
PROTOCOL_SWEEP_INTERVAL_SECONDS = env.float("PROTOCOL_SWEEP_INTERVAL_SECONDS", default=15.0)
# Due deadlines the sweep claims per transaction (bench/sweep.py: 2,500 is fastest; the
# worker tests make it small so two workers' sweeps interleave).
PROTOCOL_SWEEP_BATCH_SIZE = env.int("PROTOCOL_SWEEP_BATCH_SIZE", default=2500)
# Threads writing the owed notifications' batches at once, each on its own database
# connection (notifications.outbox.write_owed_notifications; decision 0022): the writer's
# time is mostly the database's, which a second connection spreads over a second core.
NOTIFICATION_WRITERS = env.int("NOTIFICATION_WRITERS", default=2)

# Celery: Redis broker; results are not kept (tasks return small summaries for logs).
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default=REDIS_URL)
CELERY_RESULT_BACKEND = env.str("CELERY_RESULT_BACKEND", default=REDIS_URL)
CELERY_TIMEZONE = "UTC"
CELERY_ENABLE_UTC = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=False)
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True

# API keys expire (decision 0015): a new key lasts API_KEY_LIFETIME_DAYS unless its
# creator says otherwise (`create_api_key --days`); an expired key answers 401.
API_KEY_LIFETIME_DAYS = env.int("API_KEY_LIFETIME_DAYS", default=365)

# The largest API body taken (api.parsers): 413 over it. 15 MB holds a 10 MB photo in base64.
API_MAX_BODY_BYTES = env.int("API_MAX_BODY_BYTES", default=15 * 1024 * 1024)
REST_FRAMEWORK = {
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    # Per API key (api.throttling.ApiKeyRateThrottle); API_THROTTLE_RATE e.g. "600/min".
    "DEFAULT_THROTTLE_RATES": {"api_key": env.str("API_THROTTLE_RATE", default="600/min")},
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Homeward API",
    "DESCRIPTION": "Missing and absent children: episodes, returns, risk, deadlines.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # Fields of the same name with different choices get names of their own.
    "ENUM_NAME_OVERRIDES": {
        "RecordedLegalStatusEnum": "api.serializers.RECORDED_LEGAL_STATUSES",
        "PlacementKindEnum": "children.models.PlacementKind",
    },
    # Separate request and response components: read-only fields are not asked for.
    "COMPONENT_SPLIT_REQUEST": True,
    # api.schema adds the problem+json error responses and the idempotency/ETag headers.
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "api.schema.add_problem_responses",
    ],
}

# The protocol's numbers (shared/PROTOCOL.md). Any key here overrides the default in
# protocol.conf.ProtocolSettings; a local authority with a different protocol changes
# these, not code. PROTOCOL_JSON in the environment may carry overrides too.
PROTOCOL: dict[str, object] = env.json("PROTOCOL_JSON", default={})

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {"axes": {"level": "WARNING"}},
}

# django-pghistory: every insert, update and delete of a tracked case model is an event,
# written by a database trigger, so a bulk update() or a raw SQL change is recorded too.
PGHISTORY_DEFAULT_TRACKERS = (
    pghistory.InsertEvent(),
    pghistory.UpdateEvent(),
    pghistory.DeleteEvent(),
)
