"""Django settings, built only from the declarations in :mod:`yiwang.conf.declarations`."""

from __future__ import annotations

from pathlib import Path

import dj_database_url

from yiwang.conf import env

BASE_DIR = Path(__file__).resolve().parent.parent
DATA_DIR = env.data_dir()

PRODUCTION = env.value("YIWANG_PRODUCTION")
DEBUG = env.value("YIWANG_DEBUG") and not PRODUCTION
SECRET_KEY = env.secret_key()[0]
ALLOWED_HOSTS = env.value("YIWANG_ALLOWED_HOSTS")
CSRF_TRUSTED_ORIGINS = env.value("YIWANG_CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "yiwang.identity.admin_apps.YiwangAdminConfig",  # django.contrib.admin, scoped by role
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_htmx",
    "ninja",  # serves the API docs page's Swagger UI from our own static files, not a CDN
    "django_tasks",
    "yiwang.core.apps.TasksDatabaseConfig",  # django_tasks_db, its name translated
    "axes",
    "yiwang.core",
    "yiwang.audit",
    "yiwang.identity",
    "yiwang.catalogue",
    "yiwang.exchange",
    "yiwang.applications",
    "yiwang.notifications",
    "yiwang.portal",
    "yiwang.backoffice",
    "yiwang.api",
    "yiwang.demo",
]

MIDDLEWARE = [
    "yiwang.core.middleware.RequestIdMiddleware",
    "yiwang.core.client_address.ClientAddressMiddleware",
    # /healthz and /readyz, answered before the HTTPS redirect and the host check.
    "yiwang.core.middleware.ProbeMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "yiwang.core.middleware.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    # A body larger than YIWANG_MAX_UPLOAD_MB is refused before anything reads it; after the
    # locale, so that the refusal is in the request's language.
    "yiwang.core.upload_limit.UploadLimitMiddleware",
    "django.middleware.common.CommonMiddleware",
    "yiwang.api.middleware.RefuseNulMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "yiwang.identity.middleware.SessionLimitsMiddleware",
    # Pages for a signed-in person or a token holder: never stored by a browser or a proxy.
    "yiwang.core.middleware.PrivatePagesMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "yiwang.urls"
WSGI_APPLICATION = "yiwang.wsgi.application"

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
                "yiwang.core.context_processors.site",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------------
PREPARE_THRESHOLD = 2  # executions of a statement on one connection before it is prepared
_db_url = env.database_url()[0]
DATABASES = {"default": dj_database_url.parse(_db_url, conn_max_age=60, conn_health_checks=True)}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Django's, with a health check that looks at the socket instead of sending SELECT 1 on
    # every request (see the module).
    DATABASES["default"]["ENGINE"] = "yiwang.core.db.postgresql"
    if env.value("YIWANG_DB_PREPARED_STATEMENTS"):
        # Parameters travel apart from the statement, and a statement a connection runs a
        # second time is prepared on the server: parsed and planned once per connection, not
        # on every request. Planning the joins behind a page cost the database more than
        # running them.
        DATABASES["default"]["OPTIONS"] = {
            "server_side_binding": True,
            "prepare_threshold": PREPARE_THRESHOLD,
        }
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        # IMMEDIATE takes the write lock when a transaction starts, so two writers queue on the
        # busy timeout instead of failing with "database is locked" half-way through.
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": (
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON; "
            "PRAGMA busy_timeout=20000;"
        ),
    }

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Identity and sessions ------------------------------------------------------------------
AUTH_USER_MODEL = "identity.Account"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "yiwang.identity.backends.RealmBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
SESSION_COOKIE_AGE = env.value("YIWANG_SESSION_AGE_SECONDS")
YIWANG_SESSION_MAX_AGE_SECONDS = env.value("YIWANG_SESSION_MAX_AGE_SECONDS")
# Idle timeout: SessionLimitsMiddleware pushes the expiry forward when a request comes, at most
# once per YIWANG_SESSION_REFRESH_SECONDS, instead of a session write on every request.
SESSION_SAVE_EVERY_REQUEST = False
# Django's database sessions, read with SQL built once (see yiwang.identity.sessions).
SESSION_ENGINE = "yiwang.identity.sessions"
YIWANG_SESSION_REFRESH_SECONDS = env.value("YIWANG_SESSION_REFRESH_SECONDS")
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
# On a shared computer (a library, a service hall) closing the browser ends the session.
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
_secure = env.value("YIWANG_SECURE_COOKIES")
CSRF_FAILURE_VIEW = "yiwang.core.views.csrf_failure"
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = PRODUCTION if _secure is None else _secure
# The language cookie is read by the server only.
LANGUAGE_COOKIE_SECURE = SESSION_COOKIE_SECURE
LANGUAGE_COOKIE_HTTPONLY = True
LANGUAGE_COOKIE_SAMESITE = "Lax"
if env.value("YIWANG_BEHIND_TLS_PROXY"):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# The client's address, for log-in lock-out, the audit log and the access log alike.
YIWANG_TRUSTED_PROXIES = env.value("YIWANG_TRUSTED_PROXIES")
if PRODUCTION:
    SECURE_SSL_REDIRECT = True
    # Load balancers probe backends over plain HTTP (ProbeMiddleware answers these first anyway).
    SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]
    SECURE_HSTS_SECONDS = 31536000
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = env.value("YIWANG_HSTS_PRELOAD")
if not env.value("YIWANG_HSTS_PRELOAD"):
    # security.W021 asks for the HSTS preload list; YIWANG_HSTS_PRELOAD is the operator's answer.
    SILENCED_SYSTEM_CHECKS = ["security.W021"]
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# What a page may load (yiwang.core.middleware.ContentSecurityPolicyMiddleware): only this
# site's own files, no inline script, nothing framed, forms only to this site. A view that
# serves something else (an uploaded file) sets its own, stricter policy.
YIWANG_CONTENT_SECURITY_POLICY = (
    "default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'self'; "
    "form-action 'self'; frame-ancestors 'none'"
)
LOGIN_URL = "portal:login"
# How long an e-mailed password-reset link works, in seconds (Django's default is three days).
PASSWORD_RESET_TIMEOUT = env.value("YIWANG_PASSWORD_RESET_TIMEOUT")
YIWANG_PASSWORD_RESET_MAILS_PER_ACCOUNT = env.value("YIWANG_PASSWORD_RESET_MAILS_PER_ACCOUNT")
YIWANG_PASSWORD_RESET_MAILS_PER_ADDRESS = env.value("YIWANG_PASSWORD_RESET_MAILS_PER_ADDRESS")

AXES_FAILURE_LIMIT = env.value("YIWANG_LOGIN_FAILURE_LIMIT")
AXES_COOLOFF_TIME = env.value("YIWANG_LOGIN_LOCKOUT_MINUTES") / 60
# axes locks per user name; yiwang's handler adds a separate, higher limit per client address
# (never per User-Agent, which the client chooses). See yiwang.identity.lockout.
AXES_LOCKOUT_PARAMETERS = [["username"]]
AXES_HANDLER = "yiwang.identity.lockout.LockoutHandler"
YIWANG_LOGIN_ADDRESS_FAILURE_LIMIT = env.value("YIWANG_LOGIN_ADDRESS_FAILURE_LIMIT")
# axes.W006 asks for the address among AXES_LOCKOUT_PARAMETERS; the handler counts it instead.
SILENCED_SYSTEM_CHECKS = [*globals().get("SILENCED_SYSTEM_CHECKS", []), "axes.W006"]
# axes takes the address from the same function as the audit log (YIWANG_TRUSTED_PROXIES).
AXES_CLIENT_IP_CALLABLE = "yiwang.core.client_address.client_ip"
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "yiwang.identity.views.locked_out"
AXES_VERBOSE = False
AXES_ENABLE_ADMIN = False
# Successful log-ins are already on the audit log; axes keeps only failures and lock-outs.
AXES_DISABLE_ACCESS_LOG = True
# axes keeps the form of each failed attempt; the change-password form's fields are passwords
# too (a wrong current password counts as a failed log-in), so they are masked like "password".
AXES_SENSITIVE_PARAMETERS = [
    "username",
    "ip_address",
    "current_password",
    "new_password1",
    "new_password2",
]

# --- Internationalisation -------------------------------------------------------------------
LANGUAGE_CODE = env.value("YIWANG_LANGUAGE")
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env.value("YIWANG_TIME_ZONE")
USE_I18N = True
USE_TZ = True

# --- Files ----------------------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
# A city's theme directory comes first so that its files replace the built-in ones of the same name.
_theme_dir = env.value("YIWANG_THEME_DIR")
STATICFILES_DIRS = [*([Path(_theme_dir)] if _theme_dir else []), BASE_DIR / "static"]
MEDIA_ROOT = Path(env.value("YIWANG_MEDIA_ROOT") or DATA_DIR / "media")
# The largest request body, a file with the rest of its form (yiwang.core.upload_limit).
YIWANG_MAX_UPLOAD_MB = env.value("YIWANG_MAX_UPLOAD_MB")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG

# --- E-mail ---------------------------------------------------------------------------------
EMAIL_BACKEND = env.value("YIWANG_EMAIL_BACKEND")
EMAIL_HOST = env.value("YIWANG_EMAIL_HOST")
EMAIL_PORT = env.value("YIWANG_EMAIL_PORT")
EMAIL_HOST_USER = env.value("YIWANG_EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env.value("YIWANG_EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = env.value("YIWANG_EMAIL_USE_TLS")
DEFAULT_FROM_EMAIL = env.value("YIWANG_DEFAULT_FROM_EMAIL")
YIWANG_SMS_BACKEND = env.value("YIWANG_SMS_BACKEND")

# --- Background tasks -----------------------------------------------------------------------
_TASK_BACKENDS = {
    "database": {"BACKEND": "django_tasks_db.DatabaseBackend"},
    "immediate": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"},
    "rq": {"BACKEND": "django_tasks_rq.RQBackend"},
}
_tasks_backend = env.value("YIWANG_TASKS_BACKEND")
if _tasks_backend not in _TASK_BACKENDS:
    raise env.ConfigurationError(
        f"YIWANG_TASKS_BACKEND: {_tasks_backend!r} is not one of {', '.join(_TASK_BACKENDS)}"
    )
TASKS = {"default": _TASK_BACKENDS[_tasks_backend]}
RQ_QUEUES = {"default": {"URL": env.value("YIWANG_REDIS_URL")}}
if _tasks_backend == "rq":
    # django-tasks-rq's system check requires django-rq's app (its admin pages show the Redis
    # queues). Only then: a site on the database queue never talks to Redis.
    INSTALLED_APPS.append("django_rq")

# --- Logging --------------------------------------------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "yiwang.core.middleware.RequestIdLogFilter"}},
    "formatters": {
        "line": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "line",
            "filters": ["request_id"],
        },
    },
    "root": {"handlers": ["console"], "level": env.value("YIWANG_LOG_LEVEL")},
    "loggers": {"axes": {"level": "WARNING"}},
}

# --- yiwang ---------------------------------------------------------------------------------
YIWANG_AUDIT_SIGNING_KEY = env.value("YIWANG_AUDIT_SIGNING_KEY")
YIWANG_AUDIT_MAX_TRANSACTION_SECONDS = env.value("YIWANG_AUDIT_MAX_TRANSACTION_SECONDS")
YIWANG_AUDIT_SEAL_INTERVAL_SECONDS = env.value("YIWANG_AUDIT_SEAL_INTERVAL_SECONDS")
YIWANG_AUDIT_VERIFY_INTERVAL_SECONDS = env.value("YIWANG_AUDIT_VERIFY_INTERVAL_SECONDS")
YIWANG_WEB_WORKERS = env.value("YIWANG_WEB_WORKERS")
YIWANG_WEB_THREADS = env.value("YIWANG_WEB_THREADS")
YIWANG_DB_PREPARED_STATEMENTS = env.value("YIWANG_DB_PREPARED_STATEMENTS")
YIWANG_SITE_NAME_ZH = env.value("YIWANG_SITE_NAME_ZH")
YIWANG_SITE_NAME_EN = env.value("YIWANG_SITE_NAME_EN")
