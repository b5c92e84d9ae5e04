"""What staff see of the server: versions, the database, the broker, its workers and queues."""

import logging
import sqlite3
from pathlib import Path
from urllib.parse import urlsplit

from django.conf import settings
from django.db import connection

from ownphotos.celery import app

logger = logging.getLogger(__name__)

# Workers that do not answer a ping within this are not "seen": the page must not hang.
INSPECT_TIMEOUT = 1.0


def _database() -> dict:
    vendor = connection.vendor
    if vendor == "postgresql":
        number = connection.cursor().connection.info.server_version
        version = f"{number // 10000}.{number % 10000}"
    elif vendor == "sqlite":
        version = sqlite3.sqlite_version
    else:
        version = ""
    return {"vendor": vendor, "version": version, "name": str(connection.settings_dict["NAME"])}


def _broker_kind() -> str:
    return urlsplit(settings.CELERY_BROKER_URL).scheme or "unknown"


def _workers() -> list[str] | None:
    """Hostnames of the workers answering a ping now; None where the broker cannot ask (the
    filesystem transport has no remote control)."""
    if not getattr(settings, "CELERY_WORKER_ENABLE_REMOTE_CONTROL", True):
        return None
    try:
        replies = app.control.inspect(timeout=INSPECT_TIMEOUT).ping() or {}
    except OSError as exc:
        logger.warning("workers not inspected: %s", exc)
        return []
    return sorted(replies)


def _queue_lengths() -> dict[str, int] | None:
    """Messages waiting per pipeline queue, where the broker tells: Redis lists, or the
    filesystem transport's message files. None for other brokers or when it is unreachable."""
    kind = _broker_kind()
    queues = settings.PIPELINE_QUEUES
    if kind == "filesystem":
        folder = Path(settings.CELERY_BROKER_TRANSPORT_OPTIONS["data_folder_in"])
        names = [path.name for path in folder.glob("*.msg")]
        return {queue: sum(name.endswith(f".{queue}.msg") for name in names) for queue in queues}
    if kind not in ("redis", "rediss"):
        return None
    try:
        with app.connection_for_read() as conn:
            client = conn.default_channel.client
            return {queue: int(client.llen(queue)) for queue in queues}
    except OSError as exc:
        logger.warning("queue lengths not read: %s", exc)
        return None


def server_state() -> dict:
    return {
        "version": settings.SPECTACULAR_SETTINGS["VERSION"],
        "database": _database(),
        "broker": {"kind": _broker_kind()},
        "workers": _workers(),
        "queues": _queue_lengths(),
    }
