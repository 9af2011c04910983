"""Settings shared by every environment. Values come from the environment (see README)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import dj_database_url

from config.env import (
    env_bool,
    env_float,
    env_int,
    env_list,
    env_str,
    redis_url_next_database,
)

BASE_DIR = Path(__file__).resolve().parent.parent.parent

SECRET_KEY = env_str("SECRET_KEY", "insecure-dev-key-change-me")
DEBUG = env_bool("DEBUG", False)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "axes",
    "patients",
    "followup",
    "followup.monitoring",
    "notifications",
    # Demo only (phone simulator, seed_demo and its histories); depends on the apps above.
    "demo",
    "integrations",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    # Idle timeout and the two-factor gate, before any view sees the user.
    "patients.permissions.StaffSessionMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Scripts and styles only from our static files on staff pages (config/csp.py).
    "config.csp.ContentSecurityPolicyMiddleware",
    # Records API calls (the staff pages record their own, with the patient).
    "patients.audit.AuditMiddleware",
    # Last, as django-axes asks: it turns a locked-out login into the lockout page.
    "axes.middleware.AxesMiddleware",
]

# Twilio's signed, cookie-less requests skip the staff middleware (config/handlers.py): what
# applies to any request, and nothing a staff page needs.
WEBHOOK_PATH_PREFIX = "/webhooks/"
WEBHOOK_MIDDLEWARE = [
    # First, so /metrics' webhook latency covers the whole stack (followup/monitoring/middleware.py).
    "followup.monitoring.middleware.WebhookLatencyMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

# Twilio posts a few KiB, form-encoded; larger or other bodies are refused before they are read
# (notifications/webhook_guard.py).
WEBHOOK_MAX_BODY_BYTES = env_int("WEBHOOK_MAX_BODY_BYTES", 64 * 1024)
# Issue 21: an unanswered safety screen goes to nurse review after this many minutes.
SAFETY_SCREEN_TIMEOUT_MINUTES = env_int("SAFETY_SCREEN_TIMEOUT_MINUTES", 15)
# Issue 21 shadow mode: a directory with a candidate copy of followup/screening/data ("" = off).
SCREENING_SHADOW_RULES = env_str("SCREENING_SHADOW_RULES", "")

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

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
                "followup.views.triage_context.staff_nav",
                # The "system problem" banner (sweep late, sends failing, nobody on call).
                "followup.monitoring.context.ops_banner",
                # Demo only: the demo clock's time and offset (pages' ages on the same clock).
                "demo.context.demo_clock",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL", f"sqlite:///{BASE_DIR / 'var' / 'demo.sqlite3'}"),
        conn_max_age=env_int("DB_CONN_MAX_AGE", 60),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # PostgreSQL's JIT compiled the cohort dashboard's aggregates for 0.6 s to save 5 ms
    # (docs/benchmarks.md); our queries are short and indexed, so it never pays.
    DATABASES["default"].setdefault("OPTIONS", {})["options"] = "-c jit=off"
    # A kept connection is checked (SELECT 1) before its first use in each request or task.
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# The throttle backend refuses locked-out logins before the password is even checked.
AUTHENTICATION_BACKENDS = [
    "patients.permissions.LoginThrottleBackend",
    "django.contrib.auth.backends.ModelBackend",
]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "var" / "static"
LOGIN_URL = "/accounts/login/"
# A password-reset link works for an hour (Django's default is three days).
PASSWORD_RESET_TIMEOUT = env_int("PASSWORD_RESET_TIMEOUT", 60 * 60)
# Reset emails per hour from one client address, and per account (patients/password_reset.py).
PASSWORD_RESET_ADDRESS_LIMIT = env_int("PASSWORD_RESET_ADDRESS_LIMIT", 5)
PASSWORD_RESET_ACCOUNT_LIMIT = env_int("PASSWORD_RESET_ACCOUNT_LIMIT", 3)
LOGIN_REDIRECT_URL = "/queue/"
LOGOUT_REDIRECT_URL = "/accounts/login/"

PUBLIC_BASE_URL = env_str("PUBLIC_BASE_URL", "http://localhost:8000").rstrip("/")

# --- Staff sessions and sign-in (see README "Security") ----------------------------------------
# A shared nursing-station tablet must not stay signed in: after this many idle seconds the next
# request signs the user out. The queue's background refresh does not count as activity.
SESSION_IDLE_TIMEOUT = env_int("SESSION_IDLE_TIMEOUT", 30 * 60)
SESSION_COOKIE_AGE = env_int("SESSION_COOKIE_AGE", 12 * 60 * 60)  # absolute cap: one shift
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True
# Login throttling (django-axes plus patients/login_throttle.py), counted two ways:
# - LOGIN_FAILURE_LIMIT failures for one username *from one address* pause that username from that
#   address only, for LOGIN_LOCKOUT_MINUTES. A stranger cannot lock a named clinician out from
#   everywhere: the clinician still signs in from the clinic (issue 20.6).
# - LOGIN_ADDRESS_FAILURE_LIMIT failures from one address for any usernames (password spraying)
#   pause sign-in from that address. Higher, because a clinic's staff share an address.
# A success resets its username-and-address count; `manage.py axes_reset` lifts every pause.
AXES_FAILURE_LIMIT = env_int("LOGIN_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = dt.timedelta(minutes=env_int("LOGIN_LOCKOUT_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
LOGIN_ADDRESS_FAILURE_LIMIT = env_int("LOGIN_ADDRESS_FAILURE_LIMIT", 30)
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_CLIENT_IP_CALLABLE = "patients.audit.client_ip"
# Behind a reverse proxy, how many X-Forwarded-For hops to trust for the client address (audit
# log and throttling). 0 = use the socket address: a client cannot forge it.
TRUSTED_PROXY_HOPS = env_int("TRUSTED_PROXY_HOPS", 0)
# Two-factor (TOTP, django-otp) is offered to every staff user; with this on it is required.
STAFF_REQUIRE_2FA = env_bool("STAFF_REQUIRE_2FA", False)
OTP_TOTP_ISSUER = env_str("OTP_TOTP_ISSUER", "Spine follow-up")
# How often the triage queue refreshes itself (seconds).
TRIAGE_POLL_SECONDS = env_int("TRIAGE_POLL_SECONDS", 10)

# --- Celery -------------------------------------------------------------------------------------
REDIS_URL = env_str("REDIS_URL", "redis://127.0.0.1:6379/0")
CELERY_BROKER_URL = REDIS_URL
CELERY_RESULT_BACKEND = None
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
# A task that is lost with its worker is re-delivered: our tasks are idempotent, so that is safe,
# and losing a send or a page is not.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = 120
CELERY_TASK_SOFT_TIME_LIMIT = 90
# Never let a dead Redis hang a web request: fail fast and let the outbox sweep catch up.
CELERY_BROKER_CONNECTION_TIMEOUT = env_float("REDIS_CONNECT_TIMEOUT", 1.0)
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "socket_timeout": env_float("REDIS_SOCKET_TIMEOUT", 2.0),
    "socket_connect_timeout": env_float("REDIS_CONNECT_TIMEOUT", 1.0),
    "visibility_timeout": 3600,
    "max_retries": 1,
}
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TASK_PUBLISH_RETRY = False
# Celery closes the database connection before and after every task unless this is set: a
# reconnect per send was half the send task's time (docs/benchmarks.md). Kept connections are
# health-checked before each task (config/celery.py) and renewed after this many tasks.
CELERY_DB_REUSE_MAX = env_int("CELERY_DB_REUSE_MAX", 1000)
# One sweep a minute; the fault-injection suite runs its beats faster. No "expires" on it: with
# the beat's and a worker's clocks a minute apart, every sweep would be dropped as expired.
SWEEP_INTERVAL_SECONDS = env_float("SWEEP_INTERVAL_SECONDS", 60.0)
# --- Monitoring (followup/monitoring, docs/operations.md) -----------------------------------------
# The sweep counts as late (banner, admin email, /health/ready 503) this long after the last one
# completed: a few intervals, so one slow or failed sweep does not wake anyone.
SWEEP_LATE_AFTER_SECONDS = env_float(
    "SWEEP_LATE_AFTER_SECONDS", max(5 * SWEEP_INTERVAL_SECONDS, 60.0)
)
# Dead-man's switch outside the product (healthchecks.io style): GET after each sweep, off if "".
SWEEP_HEARTBEAT_URL = env_str("SWEEP_HEARTBEAT_URL", "")
SWEEP_HEARTBEAT_TIMEOUT_SECONDS = env_float("SWEEP_HEARTBEAT_TIMEOUT_SECONDS", 5.0)
# Readiness thresholds: the oldest due-but-unsent outbox row and the oldest unprocessed text.
HEALTH_OUTBOX_MAX_AGE_SECONDS = env_float("HEALTH_OUTBOX_MAX_AGE_SECONDS", 600.0)
HEALTH_INBOUND_MAX_AGE_SECONDS = env_float("HEALTH_INBOUND_MAX_AGE_SECONDS", 300.0)
HEALTH_BROKER_TIMEOUT_SECONDS = env_float("HEALTH_BROKER_TIMEOUT_SECONDS", 1.0)
# "Every send failing": at least this many failures and no success in the window.
SEND_FAILURE_WINDOW_SECONDS = env_int("SEND_FAILURE_WINDOW_SECONDS", 300)
SEND_FAILURE_MIN_COUNT = env_int("SEND_FAILURE_MIN_COUNT", 3)
# How often one process (web or worker) re-checks the alert conditions.
ALERT_CHECK_SECONDS = env_float("ALERT_CHECK_SECONDS", 30.0)
# The on-call coverage check: how far ahead, and how often beat runs it (emails at most daily).
ONCALL_CHECK_HOURS = env_int("ONCALL_CHECK_HOURS", 24)
ONCALL_CHECK_INTERVAL_SECONDS = env_float("ONCALL_CHECK_INTERVAL_SECONDS", 3600.0)
# /metrics: a bearer token, or client networks allowed without one (comma-separated CIDRs).
METRICS_TOKEN = env_str("METRICS_TOKEN", "")
METRICS_ALLOWED_NETWORKS = env_list("METRICS_ALLOWED_NETWORKS", [])

CELERY_BEAT_SCHEDULE = {
    "dispatch-due": {
        "task": "followup.tasks.dispatch_due_task",
        "schedule": SWEEP_INTERVAL_SECONDS,
    },
    "oncall-coverage": {
        "task": "followup.monitoring.tasks.oncall_coverage_check_task",
        "schedule": ONCALL_CHECK_INTERVAL_SECONDS,
    },
}
# The sweep has a queue of its own, so a backlog of sends never delays escalation re-pages.
# Workers consume every queue listed here unless told otherwise (-Q).
CELERY_TASK_DEFAULT_QUEUE = "celery"
# Unsolicited texts (check openings, reminders: thousands at 10:00) have a queue of their own
# too, so a page or a reply to a patient never waits behind them (docs/benchmarks.md, item 4).
# Texts the webhook stored wait in "inbound" (at the morning burst thousands of them), and the
# conversation replies they cause go out from "replies": "celery" keeps only what a red flag
# needs (pages, safety texts, staff alerts, and stored texts that may carry a red flag).
CELERY_TASK_QUEUES = {"celery": {}, "sweep": {}, "bulk": {}, "inbound": {}, "replies": {}}
CELERY_TASK_ROUTES = {
    "followup.tasks.dispatch_due_task": {"queue": "sweep"},
    "notifications.tasks.send_bulk_outbound_task": {"queue": "bulk"},
    "notifications.tasks.process_inbound_task": {"queue": "inbound"},
    # Seconds of aggregates: never on "celery", where a page would wait behind them.
    "followup.tasks.refresh_cohort_figures_task": {"queue": "bulk"},
    "followup.monitoring.tasks.oncall_coverage_check_task": {"queue": "sweep"},
}

# --- Messaging ----------------------------------------------------------------------------------
SMS_BACKEND = env_str("SMS_BACKEND", "notifications.backends.simulator.SimulatorBackend")
# The transport (notifications.inbound) reaches the domain only through these two dotted paths:
# what a stored text means (routing order, keywords, shared phones) and which queue it waits in.
INBOUND_HANDLER = "followup.conversation.routing.inbound_route"
INBOUND_LANE_CHOOSER = "followup.conversation.lane.inbound_lane"
EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "followup@localhost")
if env_str("EMAIL_FILE_PATH", ""):  # django.core.mail.backends.filebased (tests/faults)
    EMAIL_FILE_PATH = env_str("EMAIL_FILE_PATH", "")
TWILIO_ACCOUNT_SID = env_str("TWILIO_ACCOUNT_SID", "")
TWILIO_AUTH_TOKEN = env_str("TWILIO_AUTH_TOKEN", "")
TWILIO_FROM_NUMBER = env_str("TWILIO_FROM_NUMBER", "")
TWILIO_MESSAGING_SERVICE_SID = env_str("TWILIO_MESSAGING_SERVICE_SID", "")
TWILIO_API_URL = env_str("TWILIO_API_URL", "https://api.twilio.com").rstrip("/")
TWILIO_TIMEOUT_SECONDS = env_float("TWILIO_TIMEOUT_SECONDS", 10.0)
# Sends are retried this many times with exponential backoff before staff are told.
OUTBOX_MAX_ATTEMPTS = env_int("OUTBOX_MAX_ATTEMPTS", 6)
OUTBOX_BACKOFF_BASE_SECONDS = env_int("OUTBOX_BACKOFF_BASE_SECONDS", 30)
# A row left "sending" by a killed worker is recovered after this long.
OUTBOX_SENDING_TIMEOUT_SECONDS = env_int("OUTBOX_SENDING_TIMEOUT_SECONDS", 300)
# Per-sender SMS pacing (notifications/ratelimit.py): Twilio sends 1 message/s from a long code
# and queues the rest, pages included. A messaging service's pool or a short code sends more:
# set its figure. 0 turns pacing off. The burst defaults to max(2, rate); RESERVE tokens of it
# are kept for pages, safety texts and replies. A send that cannot get a token within
# MAX_WAIT seconds goes back to the outbox for the sweep.
SMS_RATE_LIMIT_PER_SECOND = env_float(
    "SMS_RATE_LIMIT_PER_SECOND", 10.0 if TWILIO_MESSAGING_SERVICE_SID else 1.0
)
SMS_RATE_LIMIT_BURST = env_int("SMS_RATE_LIMIT_BURST", 0)
SMS_RATE_LIMIT_RESERVE = env_int("SMS_RATE_LIMIT_RESERVE", 1)
SMS_RATE_LIMIT_MAX_WAIT_SECONDS = env_float("SMS_RATE_LIMIT_MAX_WAIT_SECONDS", 5.0)

# --- Follow-up defaults -------------------------------------------------------------------------
FOLLOWUP_SEND_HOUR = env_int("FOLLOWUP_SEND_HOUR", 10)
SWEEP_BATCH_SIZE = env_int("SWEEP_BATCH_SIZE", 2000)
# Issue 23: a check whose web form is neither started nor sent this many hours after its last
# text gets one short SMS asking the form's most important item (followup/form_fallback.py).
FORM_FALLBACK_AFTER_HOURS = env_int("FORM_FALLBACK_AFTER_HOURS", 24)
# The cohort dashboard's whole-cohort aggregates are kept this long (0 = always recomputed).
OUTCOMES_CACHE_SECONDS = env_int("OUTCOMES_CACHE_SECONDS", 300)
# Older figures are still shown, with their age, for this much longer while a worker computes new
# ones on the "bulk" queue: the first viewer after OUTCOMES_CACHE_SECONDS no longer waits seconds
# for them. Past it they are computed in the request again.
OUTCOMES_STALE_SECONDS = env_int("OUTCOMES_STALE_SECONDS", 3600)
# Where they are kept: Redis, so every web process shares them (a per-process cache made each
# gunicorn worker compute its own, a couple of seconds each). Its own database by default, since
# clearing a Django Redis cache flushes the whole database, and Celery's queues live in REDIS_URL's.
CACHE_URL = env_str("CACHE_URL", redis_url_next_database(REDIS_URL))
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": CACHE_URL,
        "KEY_PREFIX": "followup",
        # A dead Redis costs a page at most this, once (followup/selectors/outcomes/cached.py).
        "OPTIONS": {
            "socket_connect_timeout": env_float("REDIS_CONNECT_TIMEOUT", 1.0),
            "socket_timeout": env_float("REDIS_SOCKET_TIMEOUT", 2.0),
        },
    }
}

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "followup.api.pagination.StandardPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "followup.api.errors.exception_handler",
    "DEFAULT_THROTTLE_CLASSES": ["followup.api.throttling.TokenRateThrottle"],
}
# Per API token (followup/api/throttling.py), in DRF's "N/second|minute|hour|day" form; "off" = off.
API_THROTTLE_RATE = env_str("API_THROTTLE_RATE", "1200/minute")
SPECTACULAR_SETTINGS = {
    "TITLE": "Spine follow-up API",
    "DESCRIPTION": "Enroll patients after interventional pain and spine procedures and read their "
    "follow-up checks, answers, scores and escalations.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # The schema maps every endpoint and field: only for signed-in staff and tokens (issue 20.8).
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        # The twilio SDK logs every request's query string at INFO: a message-log lookup carries
        # the patient's phone number (DESIGN rule 6: no PHI in logs).
        "twilio.http_client": {"level": "WARNING"},
        "axes": {"level": "WARNING"},  # its start-up banner is noise in every command
    },
}

# --- EHR integration (integrations/, docs/integration.md) --------------------------------------
# The HL7v2 MLLP listener (manage.py hl7_listener): loopback unless told otherwise.
HL7_LISTENER_HOST = env_str("HL7_LISTENER_HOST", "127.0.0.1")
HL7_LISTENER_PORT = env_int("HL7_LISTENER_PORT", 2575)
HL7_ACCEPTED_MESSAGES = env_list(
    "HL7_ACCEPTED_MESSAGES", ["SIU^S12", "SIU^S13", "SIU^S14", "SIU^S15", "ORM^O01"]
)
HL7_APPLICATION = env_str("HL7_APPLICATION", "SPINE_FOLLOWUP")  # MSH-3 of our ACKs
HL7_ENCODING = env_str("HL7_ENCODING", "utf-8")
# Results written back to the EHR (per clinic, off by default: ClinicInterface in the admin).
WRITEBACK_TIMEOUT_SECONDS = env_int("WRITEBACK_TIMEOUT_SECONDS", 10)
CELERY_BEAT_SCHEDULE["integrations-writeback"] = {
    "task": "integrations.tasks.writeback_sweep_task",
    "schedule": SWEEP_INTERVAL_SECONDS,
    "options": {"queue": "bulk"},
}
# The Authorization header value for the EHR's FHIR endpoint (e.g. "Bearer …"), if it needs one.
WRITEBACK_FHIR_AUTHORIZATION = env_str("WRITEBACK_FHIR_AUTHORIZATION", "")
# OAuth2 client credentials for /fhir/: lifetime of the bearer tokens /fhir/auth/token issues.
FHIR_OAUTH_TOKEN_SECONDS = env_int("FHIR_OAUTH_TOKEN_SECONDS", 300)
# Failed authentications at /fhir/auth/token per client address before a 429 (each one costs a
# password hash; integrations/fhir/token_throttle.py). 0 turns the throttle off.
FHIR_TOKEN_FAILURE_LIMIT = env_int("FHIR_TOKEN_FAILURE_LIMIT", 20)
FHIR_TOKEN_FAILURE_WINDOW = env_int("FHIR_TOKEN_FAILURE_WINDOW", 900)
# Staff single sign-on (OpenID Connect, integrations/sso): on when OIDC_RP_CLIENT_ID is set.
OIDC_RP_CLIENT_ID = env_str("OIDC_RP_CLIENT_ID", "")
OIDC_RP_CLIENT_SECRET = env_str("OIDC_RP_CLIENT_SECRET", "")
OIDC_ISSUER = env_str("OIDC_ISSUER", "")
OIDC_OP_AUTHORIZATION_ENDPOINT = env_str("OIDC_OP_AUTHORIZATION_ENDPOINT", "")
OIDC_OP_TOKEN_ENDPOINT = env_str("OIDC_OP_TOKEN_ENDPOINT", "")
OIDC_OP_USER_ENDPOINT = env_str("OIDC_OP_USER_ENDPOINT", "")
OIDC_OP_JWKS_ENDPOINT = env_str("OIDC_OP_JWKS_ENDPOINT", "")
OIDC_RP_SIGN_ALGO = "RS256"
OIDC_RP_SCOPES = env_str("OIDC_RP_SCOPES", "openid email profile groups")
OIDC_GROUPS_CLAIM = env_str("OIDC_GROUPS_CLAIM", "groups")
# {"idp group": ["clinic slug", "triage_nurse" | "physician" | "clinic_admin"]}
OIDC_GROUP_ROLES = env_str("OIDC_GROUP_ROLES", "{}")
OIDC_USE_PKCE = True
OIDC_TIMEOUT = env_int("OIDC_TIMEOUT_SECONDS", 10)
LOGIN_REDIRECT_URL_FAILURE = "/accounts/login/?sso_failed=1"
if OIDC_RP_CLIENT_ID:
    AUTHENTICATION_BACKENDS = [
        *AUTHENTICATION_BACKENDS,
        "integrations.sso.backend.ClinicOIDCBackend",
    ]
