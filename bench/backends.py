"""Run a benchmark once per database back-end, each in a child process with its own data
folder and database, so one back-end's settings never leak into the other's figures."""

import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PG_SERVER = os.environ.get("OWNPHOTOS_BENCH_PG", "postgres://postgres@127.0.0.1:5432")


def run_in_child(*, script: str, backend: str, name: str, child_args: list[str]) -> int:
    """Run `script --child BACKEND child_args…` on a fresh SQLite file or a PostgreSQL
    database named `name` (dropped afterwards); returns the child's exit code."""
    data = tempfile.mkdtemp(prefix=f"{name}-")
    env = {**os.environ, "OWNPHOTOS_DATA": data, "DJANGO_SETTINGS_MODULE": "ownphotos.settings"}
    env.pop("OWNPHOTOS_DEBUG", None)
    env["OWNPHOTOS_LOG_LEVEL"] = "WARNING"
    if backend == "sqlite":
        env["DATABASE_URL"] = f"sqlite:///{data}/bench.sqlite3"
    else:
        env["DATABASE_URL"] = f"{PG_SERVER}/{name}"
        _pg_admin(f'DROP DATABASE IF EXISTS "{name}"')
        _pg_admin(f'CREATE DATABASE "{name}"')
    try:
        cmd = [sys.executable, script, "--child", backend, *child_args]
        return subprocess.run(cmd, env=env, cwd=ROOT, check=False).returncode
    finally:
        if backend == "postgres":
            _pg_admin(f'DROP DATABASE IF EXISTS "{name}"')


def _pg_admin(sql: str) -> None:
    import psycopg

    with psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True) as conn:
        conn.execute(sql)
