"""Settings: defaults that run on one machine; production values come from the environment.

Every variable read here is listed in README.md under "Configuration".
"""

import datetime as dt
from pathlib import Path

import dj_database_url
from django.utils.csp import CSP
from django.utils.translation import gettext_lazy as _

from scheduler.env import env_bool, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent

SECRET_KEY = env_str("SECRET_KEY", "dev-only-not-secret-change-me-in-production")
DEBUG = env_bool("DEBUG", False)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "testserver"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "daphne",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "axes",
    "allauth",
    "allauth.account",
    # Her signed-in devices, so "sign out everywhere" can end each one (allauth).
    "allauth.usersessions",
    "django.contrib.humanize",  # allauth's sessions page says "2 hours ago"
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "channels",
    "django_tasks_db",
    "scheduler",
    "notifications",
    "visits",
    "transport",
    "transport.fund",
    "calls",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Outside everything else, so any error under /api/ (even one from a middleware below)
    # still answers JSON.
    "scheduler.middleware.ApiJsonMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "scheduler.middleware.EdgeHeadersMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    # After the locale is known (its message is translated), before any view reads a field.
    "scheduler.middleware.InputGuardMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Her device's time zone and her saved language, once she is known.
    "notifications.personal.PersonalSettingsMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # Inside the messages middleware: it leaves a note for the page it sends her back to.
    "scheduler.middleware.ForgivingPagesMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "scheduler.middleware.DomainErrorPageMiddleware",
    "scheduler.unavailable.DatabaseUnavailableMiddleware",
    # django-allauth: lets its views hand a half-finished sign-up (a code to enter) on.
    "allauth.account.middleware.AccountMiddleware",
    # Last, as django-axes asks: it turns a locked-out sign-in into our 429 page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "scheduler.urls"
ASGI_APPLICATION = "scheduler.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "scheduler" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.csp",
            ],
        },
    },
]


# A write that waits longer than this for a row lock (a booking in a rush) gets "busy, try
# again" instead of hanging. On PostgreSQL it is set once per connection (`options`), not
# per transaction: a SET in every booking was one more round trip for each family.
BOOKING_LOCK_TIMEOUT_MS = env_int("BOOKING_LOCK_TIMEOUT_MS", 5000)


def _database_from_env() -> dict:
    url = env_str("DATABASE_URL", "")
    if not url:
        return {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": env_str("SQLITE_PATH", str(BASE_DIR / "db.sqlite3")),
            # IMMEDIATE takes the write lock at BEGIN, so two bookings cannot both read
            # "one place left" and then both write; SQLite has no row locks.
            "OPTIONS": {"transaction_mode": "IMMEDIATE", "timeout": 20},
        }
    config = dj_database_url.parse(url, conn_max_age=0)
    if config["ENGINE"] == "django.db.backends.postgresql":
        # Under ASGI each worker thread keeps its own connection; a persistent
        # CONN_MAX_AGE leaked connections, so the built-in pool is used instead.
        config.setdefault("OPTIONS", {})["pool"] = {
            "min_size": env_int("DB_POOL_MIN", 2),
            "max_size": env_int("DB_POOL_MAX", 20),
            # A request waits this long for a connection, then answers 503 (Retry-After).
            "timeout": float(env_str("DB_POOL_TIMEOUT", "2")),
        }
        # PostgreSQL down or unreachable: give up on a connection attempt after this long.
        config["OPTIONS"].setdefault("connect_timeout", env_int("DB_CONNECT_TIMEOUT", 2))
        config["OPTIONS"]["options"] = f"-c lock_timeout={BOOKING_LOCK_TIMEOUT_MS}"
    return config


DATABASES = {"default": _database_from_env()}
# Threads per server process that run HTTP requests, one request at a time each
# (scheduler/asgi_handler.py); each keeps a database connection, so at most DB_POOL_MAX.
SERVER_THREADS = max(1, env_int("SERVER_THREADS", 3))
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTHENTICATION_BACKENDS = [
    # django-axes first: it refuses a locked-out sign-in before the password is checked.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
    # Sign-in by email address as well as by user name (django-allauth).
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
]
LOGIN_URL = "login"
# The organisation's contact, on the footer's "Contact" page.
CONTACT_EMAIL = env_str("CONTACT_EMAIL", "help@example.org")
CONTACT_PHONE = env_str("CONTACT_PHONE", "")
# A page open while she signed in or out elsewhere: back to it, not "Forbidden".
CSRF_FAILURE_VIEW = "scheduler.error_pages.csrf_failure"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("es", _("Spanish"))]
# The project's catalogue first: makemessages writes to it, and it wins for a msgid both
# hold. Then allauth's strings in usted, hand-maintained (allauth's own Spanish says "tú" in
# places; any LOCALE_PATHS entry wins over an app's catalogue). Not named "locale": a
# directory of that name would make makemessages file scheduler/'s strings there.
LOCALE_PATHS = [BASE_DIR / "locale", BASE_DIR / "scheduler" / "locale_allauth_usted"]
USE_I18N = True
TIME_ZONE = "UTC"
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "scheduler" / "static"]
# Served by whitenoise from the app's own files: no CDN, so pages work on a closed network.
WHITENOISE_USE_FINDERS = True
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    # Guardians' consent forms: outside every served folder (no URL); a view that checks
    # who asks streams them (visits.views_applications.document).
    "private": {"BACKEND": "django.core.files.storage.FileSystemStorage",
                "OPTIONS": {"location": env_str("PRIVATE_MEDIA_ROOT",
                                                str(BASE_DIR / "private")),
                            "base_url": "/no-public-url/"}},
}
# Retention: a household switched off, or with no sign-in, visit or application for this
# many months, is erased by `run_periodic` as if she had deleted her account (0: never).
HOUSEHOLD_RETENTION_MONTHS = env_int("HOUSEHOLD_RETENTION_MONTHS", 24)
# A consent form: a phone photo or a scanned PDF, at most this many bytes.
APPLICATION_DOCUMENT_MAX_BYTES = env_int("APPLICATION_DOCUMENT_MAX_BYTES", 5 * 1024 * 1024)

REDIS_URL = env_str("REDIS_URL", "")
# The cache holds throttle counters: shared through Redis when there are several processes.
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "scheduler.cache.SharedPoolRedisCache",
                          "LOCATION": REDIS_URL, "KEY_PREFIX": "visits"}}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
# "pubsub": each process holds one Redis connection that subscribes for all its sockets, so
# 1,000 sockets need no more connections than one (events are at-most-once, which the
# outbox's replay on reconnect makes good). "core": channels_redis' list-based layer.
REDIS_CHANNEL_LAYER = env_str("REDIS_CHANNEL_LAYER", "pubsub")
if REDIS_URL and REDIS_CHANNEL_LAYER == "core":
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            # redis-py refuses (does not queue) past its pool size, 100 by default.
            "CONFIG": {"hosts": [{"address": REDIS_URL,
                                  "max_connections": env_int("REDIS_MAX_CONNECTIONS", 2000)}]},
        }
    }
elif REDIS_URL:
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.pubsub.RedisPubSubChannelLayer",
            "CONFIG": {"hosts": [REDIS_URL]},
        }
    }
else:
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
# Live sockets (notifications.watcher): each server process polls the outbox this often for
# events whose push was lost (Redis down, a process killed after COMMIT) or went nowhere
# (a task worker on the in-memory layer); the push itself only makes delivery faster.
LIVE_POLL_SECONDS = float(env_str("LIVE_POLL_SECONDS", "2"))
# No transaction that writes events stays open longer than this: an event older than this
# has committed or rolled back, and cursors stop listing the ids below it.
LIVE_SETTLE_SECONDS = env_int("LIVE_SETTLE_SECONDS", 60)

# Video calls (calls/): the room opens this many minutes before the session and closes at its
# end. ICE servers for the browsers: none on one machine (they connect directly); in
# production a STUN and a TURN server (coturn, see README), e.g.
# CALL_STUN_URLS=stun:turn.example.org:3478 CALL_TURN_URLS=turn:turn.example.org:3478
# with CALL_TURN_SECRET.
CALL_OPENS_MINUTES_BEFORE = env_int("CALL_OPENS_MINUTES_BEFORE", 10)
# The path of a video booking's call page when the facility names no outside video service.
VIDEO_CALL_PATH = "/calls/{booking}/"


CALL_STUN_URLS = env_list("CALL_STUN_URLS", [])
CALL_TURN_URLS = env_list("CALL_TURN_URLS", [])
# Shared with coturn (`static-auth-secret`): each call page gets credentials made from it.
CALL_TURN_SECRET = env_str("CALL_TURN_SECRET")

TASKS = {
    "default": {
        "BACKEND": env_str("TASKS_BACKEND", "django_tasks_db.DatabaseBackend"),
        "QUEUES": ["default"],
    }
}

# Django 6.1 names mail backends in MAILERS; the EMAIL_BACKEND variable picks the default one.
MAILERS = {
    "default": {
        "BACKEND": env_str("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend"),
    }
}
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "visits@localhost")
# The service's public address, e.g. https://visits.example.org: emails, sent by the task
# worker with no request to take it from, end with a link back to the app. Empty: no link.
SITE_URL = env_str("SITE_URL", "").rstrip("/")
# Text messages: a class implementing notifications.sms.BaseSmsBackend. The default writes
# one line per message to the log (masked number, length; never the text).
SMS_BACKEND = env_str("SMS_BACKEND", "notifications.sms.LogSmsBackend")
# Email, SMS and receipts are leased while the provider is called; longer than any call
# takes, so a lease that runs out means the sender died and the sweep sends it again.
SEND_LEASE_SECONDS = env_int("SEND_LEASE_SECONDS", 120)

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "scheduler.throttles.ThrottledTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["scheduler.api_inputs.BoundedJSONParser"],
    "DEFAULT_THROTTLE_CLASSES": [
        "rest_framework.throttling.UserRateThrottle",
        "rest_framework.throttling.AnonRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "user": env_str("API_THROTTLE_USER", "600/min"),
        "anon": env_str("API_THROTTLE_ANON", "60/min"),
        "donation": env_str("DONATION_THROTTLE", "10/min"),
    },
    # Behind one proxy (README): the client is the last address it adds.
    "NUM_PROXIES": env_int("NUM_PROXIES", 0) or None,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "scheduler.errors.api_exception_handler",
    "UNAUTHENTICATED_USER": None,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Family visit scheduler API",
    "DESCRIPTION": "Book visits and video calls with a relative in prison or jail.",
    "VERSION": "1.0.0",
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "SERVE_INCLUDE_SCHEMA": False,
    # `<id:...>` path parameters are row ids.
    "PATH_CONVERTER_OVERRIDES": {"id": int},
    # Several models have a `status` or `kind`; name each choice set after its model, so the
    # schema generates without collisions (drf_spectacular.W001 under `check --deploy`).
    "ENUM_NAME_OVERRIDES": {
        "SessionStatusEnum": "visits.models.SessionStatus",
        "ApprovalStatusEnum": "visits.models.ApprovalStatus",
        "BookingStatusEnum": "visits.models.BookingStatus",
        "RoundStatusEnum": "visits.round_models.RoundStatus",
        "RequestStatusEnum": "visits.round_models.RequestStatus",
        "RideStatusEnum": "transport.models.RideStatus",
        "TripStatusEnum": "transport.models.TripStatus",
        "StopStatusEnum": "transport.models.StopStatus",
        "PlanStatusEnum": "transport.models.PlanStatus",
        "LegEnum": "transport.models.Leg",
        "VisitKindEnum": "visits.models.VisitKind",
        "StopKindEnum": "transport.models.StopKind",
        "DonationKindEnum": "transport.fund.models.DonationKind",
        "SubsidyKindEnum": "transport.fund.models.SubsidyKind",
        "ClosureReasonEnum": "visits.reasons.ClosureReason",
        "DeclineReasonEnum": "visits.reasons.DeclineReason",
        "BookingReasonEnum": "visits.reasons.BOOKING_REASON_CHOICES",
    },
}

# How far ahead the horizon task keeps sessions materialised.
SESSION_HORIZON_DAYS = env_int("SESSION_HORIZON_DAYS", 42)
# A staff invitation (liaison, coordinator, driver) works once, for this many days.
STAFF_INVITATION_DAYS = env_int("STAFF_INVITATION_DAYS", 7)
# How long a waiting family has to accept a freed place.
WAITLIST_OFFER_HOURS = env_int("WAITLIST_OFFER_HOURS", 12)

# Ride planning (transport.planner). Families arrive between ARRIVAL_WINDOW and CHECK_IN
# minutes before their session; a ride lasts at most min(FACTOR x direct time, MAX minutes).
TRANSPORT_CHECK_IN_MINUTES = env_int("TRANSPORT_CHECK_IN_MINUTES", 30)
TRANSPORT_ARRIVAL_WINDOW_MINUTES = env_int("TRANSPORT_ARRIVAL_WINDOW_MINUTES", 90)
TRANSPORT_RETURN_AFTER_MINUTES = env_int("TRANSPORT_RETURN_AFTER_MINUTES", 15)
TRANSPORT_RETURN_WAIT_MINUTES = env_int("TRANSPORT_RETURN_WAIT_MINUTES", 60)
TRANSPORT_MAX_RIDE_FACTOR = float(env_str("TRANSPORT_MAX_RIDE_FACTOR", "1.6"))
# A planning run's lease: the solver's time plus this margin, renewed before each attempt;
# once it runs out the worker is taken for dead and `run_periodic` hands the run on.
TRANSPORT_PLAN_LEASE_SECONDS = env_int("TRANSPORT_PLAN_LEASE_SECONDS", 120)
TRANSPORT_MAX_RIDE_MINUTES = env_int("TRANSPORT_MAX_RIDE_MINUTES", 240)
TRANSPORT_STOP_MINUTES = env_int("TRANSPORT_STOP_MINUTES", 5)
TRANSPORT_ROAD_FACTOR = float(env_str("TRANSPORT_ROAD_FACTOR", "1.3"))
TRANSPORT_AVERAGE_KMH = float(env_str("TRANSPORT_AVERAGE_KMH", "70"))
TRANSPORT_SOLVER_SECONDS = float(env_str("TRANSPORT_SOLVER_SECONDS", "10"))
TRANSPORT_TRAVEL_TIMES = env_str("TRANSPORT_TRAVEL_TIMES", "transport.travel.StraightLine")
# Address or ZIP code -> point, for a ride asked for without the phone's location: offline
# US ZIP centroids by default; a class with `locate(text)` for a real geocoding service.
GEOCODER = env_str("GEOCODER", "transport.geocoding.ZipCentroidGeocoder")

# Travel fund (transport.fund): Stripe keys, where Stripe.js comes from, and the money rules.
# The Stripe API version the code reads (event and object shapes); the SDK is pinned to
# match. Create the webhook endpoint with this version too (README, "Running in production").
STRIPE_API_VERSION = "2026-10-28.endive"
# STRIPE_API_BASE points the server's Stripe client elsewhere (localstripe in tests).
STRIPE_SECRET_KEY = env_str("STRIPE_SECRET_KEY", "sk_test_dev_only")
STRIPE_PUBLISHABLE_KEY = env_str("STRIPE_PUBLISHABLE_KEY", "pk_test_dev_only")
STRIPE_WEBHOOK_SECRET = env_str("STRIPE_WEBHOOK_SECRET", "whsec_dev_only")
STRIPE_API_BASE = env_str("STRIPE_API_BASE", "https://api.stripe.com")
# Seconds to wait for Stripe's answer during a donor's request (Stripe's own default is 80).
STRIPE_TIMEOUT_SECONDS = env_int("STRIPE_TIMEOUT_SECONDS", 15)
STRIPE_JS_URL = env_str("STRIPE_JS_URL", "https://js.stripe.com/v3/")
FUND_CURRENCY = env_str("FUND_CURRENCY", "usd")
FUND_MIN_DONATION_CENTS = env_int("FUND_MIN_DONATION_CENTS", 100)
FUND_MAX_DONATION_CENTS = env_int("FUND_MAX_DONATION_CENTS", 1_000_000)
FUND_MILEAGE_RATE_CENTS = env_int("FUND_MILEAGE_RATE_CENTS", 14)
FUND_HOUSEHOLD_MONTHLY_CAP_CENTS = env_int("FUND_HOUSEHOLD_MONTHLY_CAP_CENTS", 20_000)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "WARNING")},
    # The log SMS backend's lines stand in for messages, so they show at the default level.
    "loggers": {"notifications.sms": {"level": "INFO"},
                # Error ids of API 500s: always logged, whatever LOG_LEVEL says.
                "scheduler.errors": {"level": "ERROR"}},
}

if not DEBUG and env_bool("SECURE_COOKIES", False):
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True

# HTTPS in production (README "Running in production"): redirect, and tell browsers to
# come back over HTTPS only. Behind a proxy that ends TLS, SECURE_PROXY_SSL_HEADER=true
# trusts its X-Forwarded-Proto (only set it when the proxy always overwrites that header).
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", False)
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", False)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", False)
if env_bool("SECURE_PROXY_SSL_HEADER", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# Content-Security-Policy (Django's own middleware): our scripts and styles only, inline
# scripts only with the per-request nonce. Stripe.js is allowed on the donation page alone
# (transport.fund.views widens the policy there, from STRIPE_JS_URL).
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "font-src": [CSP.SELF],
    "connect-src": [CSP.SELF],
    "frame-src": [CSP.NONE],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.SELF],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
}
# No page uses the camera, microphone or sensors; the ride form asks for the location.
PERMISSIONS_POLICY = ", ".join([
    "accelerometer=()", "camera=()", "geolocation=(self)", "gyroscope=()", "magnetometer=()",
    "microphone=()", "payment=()", "usb=()",
])

# Sign-in throttling (django-axes): after AXES_FAILURE_LIMIT wrong passwords for one
# username from one address, that pair waits AXES_COOLOFF_MINUTES; the lock answers 429.
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 10)
AXES_COOLOFF_TIME = dt.timedelta(minutes=env_int("AXES_COOLOFF_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "scheduler.signin.locked_out"
AXES_VERBOSE = False
# allauth's sign-in form names its field "login" (a user name or an email address).
AXES_USERNAME_CALLABLE = "scheduler.signin.username_tried"

# Accounts (django-allauth): a caregiver signs up on her own with an email address or a
# mobile number (or both), proves each with a short code typed from the email or the text
# (easier on a phone than a link that opens another browser), and signs in with that
# address, that number or a user name (the demo's). "email*" stays required here because
# allauth's checks tie code verification to it; the sign-up form itself asks for an email
# OR a number (scheduler.signup_form), and scheduler.account_stages verifies whichever she
# gave. Numbers live in her notification preferences (notifications.Preference.phone).
ACCOUNT_LOGIN_METHODS = {"username", "email", "phone"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "phone", "password1*", "password2*"]
ACCOUNT_PHONE_VERIFICATION_TIMEOUT = env_int("ACCOUNT_CODE_TIMEOUT_SECONDS", 15 * 60)
ACCOUNT_PHONE_VERIFICATION_MAX_ATTEMPTS = 3
# A mistyped number can be corrected, and a lost text sent again, from the code page.
ACCOUNT_PHONE_VERIFICATION_SUPPORTS_CHANGE = True
ACCOUNT_PHONE_VERIFICATION_SUPPORTS_RESEND = True
# Forgotten password and no email (she signed up by number): a sign-in code by text, or by
# email, from the sign-in page (/accounts/login/code/); three tries, as long as other codes.
ACCOUNT_LOGIN_BY_CODE_ENABLED = True
ACCOUNT_LOGIN_BY_CODE_TIMEOUT = ACCOUNT_PHONE_VERIFICATION_TIMEOUT
ACCOUNT_LOGIN_BY_CODE_SUPPORTS_RESEND = True
# One address per account, changed by proving the new one with a code (/accounts/email/).
ACCOUNT_CHANGE_EMAIL = True
# Each sign-in is recorded (allauth.usersessions) so "sign out everywhere" can end every
# device's session; its last-seen time is not tracked: that would write on every request.
USERSESSIONS_TRACK_ACTIVITY = False
ACCOUNT_SIGNUP_FORM_CLASS = "scheduler.accounts.SignupForm"
ACCOUNT_ADAPTER = "scheduler.account_adapter.AccountAdapter"
ACCOUNT_FORMS = {"login": "scheduler.login_form.LoginForm",
                 "signup": "scheduler.signup_form.SignupForm"}
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_EMAIL_VERIFICATION_BY_CODE_ENABLED = True
ACCOUNT_EMAIL_VERIFICATION_BY_CODE_TIMEOUT = env_int("ACCOUNT_CODE_TIMEOUT_SECONDS", 15 * 60)
ACCOUNT_EMAIL_VERIFICATION_BY_CODE_MAX_ATTEMPTS = 3
ACCOUNT_LOGOUT_REDIRECT_URL = "login"
ACCOUNT_EMAIL_SUBJECT_PREFIX = ""
ACCOUNT_SESSION_REMEMBER = True
ACCOUNT_PRESERVE_USERNAME_CASING = False
# Wrong passwords are counted by django-axes (above, one rule for every sign-in form);
# allauth's own count would answer first with a different message, so it is off.
# A mistyped new number must not use up the minute's only change: three changes a minute
# (each new number still gets at most one text each 30 seconds, allauth's "verify_phone").
ACCOUNT_RATE_LIMITS = {"login_failed": None, "change_phone": "3/m/user"}
