"""Kaigong settings: every deployment difference comes from the environment, read here and nowhere else.

Variables: DATABASE_URL (default: SQLite file in KAIGONG_DATA_DIR), SECRET_KEY, DEBUG, ALLOWED_HOSTS,
CSRF_TRUSTED_ORIGINS, KAIGONG_DATA_DIR (SQLite file, uploads), SECURE_SSL_REDIRECT, SECURE_HSTS_SECONDS,
SESSION_COOKIE_SECURE, CSRF_COOKIE_SECURE, TASKS_IMMEDIATE (run background tasks inline: tests, CLI),
KAIGONG_LOGIN_FAILURE_LIMIT, KAIGONG_LOCKOUT_MINUTES, KAIGONG_SESSION_IDLE_MINUTES, KAIGONG_SESSION_MAX_HOURS,
KAIGONG_TOKEN_HOURS, KAIGONG_PASSWORD_MIN_LENGTH, AXES_ENABLED, KAIGONG_DEMO (the demo city: its published password
may be kept), KAIGONG_HERITAGE_GEOJSON_MAX_BYTES, KAIGONG_IMPORT_MAX_BYTES, KAIGONG_IMPORT_MAX_ROWS,
KAIGONG_IMPORT_STALE_SECONDS, KAIGONG_IMPORT_WRITE_SECONDS_PER_ROW, KAIGONG_IMPORT_API_WAIT_SECONDS,
KAIGONG_API_JSON_MAX_BYTES.
"""

import datetime as dt
from pathlib import Path

import environ
from csp.constants import NONE, SELF, UNSAFE_INLINE
from django.utils.translation import gettext_lazy

BASE_DIR = Path(__file__).resolve().parent
REPO_DIR = BASE_DIR.parent

env = environ.Env()

DATA_DIR = Path(env.str("KAIGONG_DATA_DIR", default=str(REPO_DIR / "var")))
DATA_DIR.mkdir(parents=True, exist_ok=True)  # the SQLite file and uploads live here

DEBUG = env.bool("DEBUG", default=False)
SECRET_KEY = env.str("SECRET_KEY", default="kaigong-insecure-development-key-change-me-in-production-0123456789")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.forms",  # Django's form templates, found through TEMPLATES (FORM_RENDERER below)
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "rest_framework.authtoken",
    "csp",  # Content-Security-Policy (CONTENT_SECURITY_POLICY below)
    "axes",  # login failures per account and per address, temporary lockout (before the apps that listen to it)
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_filters",
    "django_htmx",
    "django_tasks",
    "django_tasks_db",
    "kaigong.core",
    "kaigong.accounts",
    "kaigong.audit",
    "kaigong.projects",
    "kaigong.workdays",
    "kaigong.approvals",
    "kaigong.heritage",
    "kaigong.progress",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "kaigong.core.middleware.ServiceErrorMiddleware",
    "kaigong.accounts.middleware.SessionLimitMiddleware",
    "kaigong.accounts.middleware.DemoPasswordMiddleware",
    "axes.middleware.AxesMiddleware",  # last: turns a lockout into the answer (AXES_LOCKOUT_CALLABLE)
]

ROOT_URLCONF = "kaigong.urls"
WSGI_APPLICATION = "kaigong.wsgi.application"

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

# Forms render through TEMPLATES, so kaigong/templates/django/forms/widgets/ can replace the per-option includes of
# Django's select and checkbox templates (same markup, a fraction of the rendering time).
FORM_RENDERER = "django.forms.renderers.TemplatesSetting"
# Filter forms offer "全部" (all) for no choice, not Django's "---------".
FILTERS_EMPTY_CHOICE_LABEL = gettext_lazy("全部")

DATABASES = {
    "default": env.db_url("DATABASE_URL", default=f"sqlite:///{DATA_DIR / 'kaigong.sqlite3'}"),
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the web server read while the import worker writes; IMMEDIATE avoids "database is locked"
    # on the upgrade of a read transaction to a write one.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
    )
else:
    DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("CONN_MAX_AGE", default=60))
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
# axes first: it refuses a locked-out account or address before any password is checked.
AUTHENTICATION_BACKENDS = ["kaigong.accounts.lockout.LockoutBackend", "django.contrib.auth.backends.ModelBackend"]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": env.int("KAIGONG_PASSWORD_MIN_LENGTH", default=10)},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    {"NAME": "kaigong.accounts.validators.CharacterClassValidator"},
]
# The demo city (`make demo`): its users may keep the known demo password. Elsewhere (DEBUG off) whoever logs in
# with it is sent to change it first.
KAIGONG_DEMO = env.bool("KAIGONG_DEMO", default=False)

# Login throttling (等保 身份鉴别): after KAIGONG_LOGIN_FAILURE_LIMIT failures for one account, or from one address,
# both are refused for KAIGONG_LOCKOUT_MINUTES, on the login page and on /api/auth/token/ alike; the office unlocks
# earlier (`kaigong unlock USERNAME`). Failures, lockouts and unlocks are audit events (accounts/lockout.py).
AXES_ENABLED = env.bool("AXES_ENABLED", default=True)
AXES_FAILURE_LIMIT = env.int("KAIGONG_LOGIN_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = dt.timedelta(minutes=env.int("KAIGONG_LOCKOUT_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False  # a lockout lasts its minutes from the last counted failure
AXES_LOCKOUT_CALLABLE = "kaigong.accounts.lockout.lockout_response"
AXES_CLIENT_IP_CALLABLE = "kaigong.accounts.lockout.client_address"
AXES_HTTP_RESPONSE_CODE = 429
AXES_DISABLE_ACCESS_LOG = True  # logins are audit events already
AXES_ENABLE_ADMIN = False  # unlocking goes through accounts.services.unlock_account, which audits it
AXES_VERBOSE = False

# Sessions (等保 身份鉴别): end with the browser, after KAIGONG_SESSION_IDLE_MINUTES without a request, and
# KAIGONG_SESSION_MAX_HOURS after the login whatever happens (accounts/middleware.py SessionLimitMiddleware, which
# also renews the idle deadline: at most one session write a minute, not one per request).
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_AGE = env.int("KAIGONG_SESSION_IDLE_MINUTES", default=30) * 60
KAIGONG_SESSION_MAX_AGE = env.int("KAIGONG_SESSION_MAX_HOURS", default=12) * 3600
# API tokens expire KAIGONG_TOKEN_HOURS after they are issued; each POST /api/auth/token/ issues a new one, and a
# password or role change revokes them all (accounts/tokens.py).
KAIGONG_TOKEN_MAX_AGE = env.int("KAIGONG_TOKEN_HOURS", default=12) * 3600
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "projects:overview"
LOGOUT_REDIRECT_URL = "accounts:login"

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = Path(env.str("STATIC_ROOT", default=str(DATA_DIR / "static")))
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # whitenoise warns at start-up when it is missing
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": env.str("STATICFILES_BACKEND", default="whitenoise.storage.CompressedManifestStaticFilesStorage")
    },
}
MEDIA_ROOT = DATA_DIR / "media"
MEDIA_URL = "media/"

# The city this installation serves (ledger titles, reports).
KAIGONG_CITY_NAME = env.str("KAIGONG_CITY_NAME", default="侯马市")

# Heritage GeoJSON uploads (page and API): refused above this size with a clear message.
KAIGONG_HERITAGE_GEOJSON_MAX_BYTES = env.int("KAIGONG_HERITAGE_GEOJSON_MAX_BYTES", default=5 * 1024 * 1024)
# Any other JSON body of the API (a project, a routing reply: a few KB): refused above this size before it is read.
KAIGONG_API_JSON_MAX_BYTES = env.int("KAIGONG_API_JSON_MAX_BYTES", default=2 * 1024 * 1024)

# Ledger uploads: refused above these sizes with a clear message.
DATA_UPLOAD_MAX_MEMORY_SIZE = 25 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
KAIGONG_IMPORT_MAX_BYTES = env.int("KAIGONG_IMPORT_MAX_BYTES", default=20 * 1024 * 1024)
KAIGONG_IMPORT_MAX_ROWS = env.int("KAIGONG_IMPORT_MAX_ROWS", default=100_000)
# Every check and import runs in the background worker (the web request only stores the upload). A running one beats
# on its LedgerImport; one silent for KAIGONG_IMPORT_STALE_SECONDS (its write: a lease of
# KAIGONG_IMPORT_WRITE_SECONDS_PER_ROW per row on top) is taken for a dead worker: failed, nothing written, retryable.
# The API's synchronous /api/ledger/check/ and /api/ledger/import/ wait KAIGONG_IMPORT_API_WAIT_SECONDS for the
# worker, then answer 202 with the upload to follow.
KAIGONG_IMPORT_STALE_SECONDS = env.int("KAIGONG_IMPORT_STALE_SECONDS", default=120)
KAIGONG_IMPORT_WRITE_SECONDS_PER_ROW = env.float("KAIGONG_IMPORT_WRITE_SECONDS_PER_ROW", default=0.005)
KAIGONG_IMPORT_API_WAIT_SECONDS = env.float("KAIGONG_IMPORT_API_WAIT_SECONDS", default=60)

TASKS = {
    "default": {
        "BACKEND": (
            "django_tasks.backends.immediate.ImmediateBackend"
            if env.bool("TASKS_IMMEDIATE", default=False)
            else "django_tasks_db.DatabaseBackend"
        ),
    }
}

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "kaigong.accounts.tokens.ExpiringTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    # JSON bodies are measured before they are parsed: 100k nested brackets answer 400, not a RecursionError.
    "DEFAULT_PARSER_CLASSES": [
        "kaigong.core.parsers.GuardedJSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "kaigong.core.api.KaigongPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "kaigong.core.api.exception_handler",
    "COERCE_DECIMAL_TO_STRING": True,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Kaigong API",
    "DESCRIPTION": "开工 Kaigong: 重点项目管理平台 REST API. Money in 万元 (decimal strings).",
    "VERSION": "1.0.0",
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # No call to swagger.io's online validator from the docs page (no network at run time).
    "SWAGGER_UI_SETTINGS": {"deepLinking": True, "validatorUrl": None},
    "SERVE_INCLUDE_SCHEMA": False,
    # The schema and its docs pages are for logged-in users (session or token); kaigong/core/api_docs.py sends a
    # browser without a session to the login page.
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
    "COMPONENT_SPLIT_REQUEST": True,
    # 401, 404 and a filter's 400, which every endpoint can answer, said once (kaigong/core/api.py).
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "kaigong.core.api.document_common_errors",
    ],
    # Several models have a field named "kind"; name each enum after its choices class.
    "ENUM_NAME_OVERRIDES": {
        "DepartmentKindEnum": "kaigong.accounts.choices.DepartmentKind",
        "OrganizationKindEnum": "kaigong.accounts.choices.OrganizationKind",
        "DayKindEnum": "kaigong.workdays.choices.DayKind",
        "WarningLevelEnum": "kaigong.approvals.choices.WarningLevel",
        "ProgressWarningLevelEnum": "kaigong.progress.choices.WarningLevel",
        "ImportStatusEnum": "kaigong.progress.choices.ImportStatus",
    },
}

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=False)
CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=False)
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=False)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = SECURE_HSTS_SECONDS > 0
SECURE_HSTS_PRELOAD = SECURE_HSTS_SECONDS > 0
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if env.bool("BEHIND_PROXY", default=False) else None
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# Content-Security-Policy on every response (django-csp): scripts and style sheets only from Kaigong's own static
# files, so an injected <script> or <style> does nothing. No page has an inline script or style: htmx's indicator
# <style> is turned off in base.html (htmx-config), ECharts sizes its charts through the CSSOM, which CSP does not
# govern. One relaxation, style-src-attr: ECharts writes its tooltips as HTML whose elements carry style="…"
# attributes; an attribute styles its own element only and loads nothing (url() stays under img-src and
# default-src), while <style> elements and style sheets stay 'self'. (Tooltips drawn in the canvas, renderMode
# "richText" in the chart scripts, would let it go.) The API docs pages relax the policy for themselves only
# (kaigong/core/api_docs.py: ReDoc writes its own <style> elements).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "style-src-attr": [UNSAFE_INLINE],
        "img-src": [SELF, "data:"],
        "frame-ancestors": [NONE],
        "form-action": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
    }
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="WARNING")},
}
