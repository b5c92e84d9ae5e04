"""The pipeline across real worker processes, started as `manage.py serve` starts them: a worker
SIGKILLed mid-scan, a broker restarted mid-scan, and workers split by queue all end with the
job done, one File per file, one Photo per content, every thumbnail and every face step.

Not database-specific and slow (a few hundred photos each), so they run once: in the
PostgreSQL run of `make test` (marker `once`).
"""

import contextlib
import os
import signal
import socket
import subprocess
import time
from pathlib import Path

import numpy as np
import pytest
from django.conf import settings
from django.db.models import Count
from PIL import Image

from api.ingest import thumbnails
from api.management.commands.serve import worker_command
from api.models import File, Job, JobBatch, Photo
from api.services.jobs import job_create
from api.services.users import user_create_or_update
from ownphotos.celery import app
from tests.conftest import _broker_purge, _worker_database_url, broker_connection

pytestmark = [pytest.mark.worker, pytest.mark.once, pytest.mark.django_db(transaction=True)]

PHOTOS = 210
SECONDS = 240
# Short enough for a test: a silent job is queued again after 6 s, checked every 2 s.
WORKER_ENV = {
    "OWNPHOTOS_JOB_HEARTBEAT_TIMEOUT": "6",
    "OWNPHOTOS_JOB_CHECK_SECONDS": "2",
    "OWNPHOTOS_SCAN_BATCH": "10",
}


def _generated_library(folder: Path, count: int = PHOTOS) -> Path:
    """`count` small JPEGs, each of its own random pixels, in folders of 50."""
    rng = np.random.default_rng(14)
    for index in range(count):
        target = folder / f"{index // 50:02d}" / f"gen_{index:04d}.jpg"
        target.parent.mkdir(parents=True, exist_ok=True)
        pixels = rng.integers(0, 256, (12, 16, 3), dtype=np.uint8)
        Image.fromarray(pixels).resize((320, 240), Image.Resampling.BILINEAR).save(target)
    return folder


@contextlib.contextmanager
def _worker(broker_url: str, log: Path, *, queues: list[str] | None = None, beat: bool = True):
    """A worker as serve starts it (prefork pool, beat), in its own process group so that a
    kill reaches its pool and beat too; stopped (or killed) on exit."""
    env = {
        **os.environ,
        **WORKER_ENV,
        "DATABASE_URL": _worker_database_url(),
        "CELERY_BROKER_URL": broker_url,
    }
    command = worker_command(queues=queues, beat=beat, broker_url=broker_url)
    if beat:
        # Each worker's beat keeps its own schedule file.
        command += ["--schedule", str(log.with_suffix(".schedule"))]
    with log.open("ab") as out:
        process = subprocess.Popen(
            command,
            cwd=settings.BASE_DIR,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        deadline = time.monotonic() + 90
        while b" ready." not in log.read_bytes():
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"the worker did not start:\n{log.read_text()[-3000:]}")
            time.sleep(0.2)
        yield process
    finally:
        _kill(process, signal.SIGTERM)


def _kill(process: subprocess.Popen, sig: int) -> None:
    if process.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, sig)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def _scan(user, broker_url: str) -> Job:
    job = job_create(owner=user, kind=Job.Kind.SCAN)
    with broker_connection(broker_url) as connection:
        app.send_task("api.tasks.job_scan", args=[job.pk], connection=connection)
    return job


def _until(check, what: str, seconds: float = SECONDS):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if result := check():
            return result
        time.sleep(0.3)
    raise AssertionError(f"{what} did not happen within {seconds} s")


def _job_done(job: Job) -> Job:
    def finished():
        job.refresh_from_db()
        return job if job.state in (Job.State.DONE, Job.State.FAILED) else None

    return _until(finished, f"job {job.pk} finishing")


def _assert_complete(job: Job, user, count: int = PHOTOS) -> None:
    assert job.state == Job.State.DONE, job.reason
    assert job.result == {"unchanged": 0, "missing": 0, "new": count, "changed": 0, "failed": 0}
    assert (job.done, job.total, job.errors) == (count, count, [])
    assert not JobBatch.objects.filter(job=job, finished_at__isnull=True).exists()
    files = File.objects.for_user(user)
    assert files.count() == count
    assert not files.values("path").annotate(n=Count("id")).filter(n__gt=1).exists()
    assert not files.exclude(error="").exists()
    photos = Photo.objects.for_user(user)
    assert photos.count() == count
    for photo in photos:
        assert photo.steps["metadata"]["state"] == "done", photo.steps
        assert thumbnails.thumbnails_exist(photo=photo), photo.pk


def _faces_done(user, count: int = PHOTOS) -> bool:
    steps = Photo.objects.for_user(user).values_list("steps", flat=True)
    return sum((s.get("faces") or {}).get("state") == "done" for s in steps) == count


def test_a_worker_killed_a_third_into_a_scan_on_the_embedded_broker_loses_nothing(tmp_path):
    broker_url = "filesystem://"
    _broker_purge(broker_url)
    user = user_create_or_update(
        username="kim", libraries=[_generated_library(tmp_path / "photos")]
    )
    with _worker(broker_url, tmp_path / "first.log") as first:
        job = _scan(user, broker_url)
        _until(lambda: _files(user) >= PHOTOS // 3, "a third of the files")
        _kill(first, signal.SIGKILL)
    with _worker(broker_url, tmp_path / "second.log"):
        job = _job_done(job)
        _assert_complete(job, user)
        _until(lambda: _faces_done(user), "every photo's faces")


def _files(user) -> int:
    return File.objects.for_user(user).count()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _redis_start(port: int, folder: Path) -> subprocess.Popen:
    """A redis-server of the test's own, without persistence: a restart forgets every
    message, as a lost broker does."""
    folder.mkdir(exist_ok=True)
    process = subprocess.Popen(
        ["redis-server", "--port", str(port), "--save", "", "--appendonly", "no"],
        cwd=folder,
        stdout=subprocess.DEVNULL,
    )
    _until(lambda: _answers(port), "redis-server starting", seconds=20)
    return process


def _redis_stop(process: subprocess.Popen) -> None:
    process.kill()
    process.wait()


def _answers(port: int) -> bool:
    with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 1) as sock:
        sock.sendall(b"PING\r\n")
        return sock.recv(16).startswith(b"+PONG")
    return False


def test_a_worker_killed_then_redis_restarted_mid_scan_loses_nothing(tmp_path):
    """The worker is SIGKILLed a third into the scan and another started; at two thirds the
    Redis server (of the test's own, forgetting every message) is killed and restarted."""
    port = _free_port()
    broker_url = f"redis://127.0.0.1:{port}/0"
    user = user_create_or_update(
        username="lou", libraries=[_generated_library(tmp_path / "photos")]
    )
    redis = _redis_start(port, tmp_path / "redis")
    try:
        with _worker(broker_url, tmp_path / "first.log") as first:
            job = _scan(user, broker_url)
            _until(lambda: _files(user) >= PHOTOS // 3, "a third of the files")
            _kill(first, signal.SIGKILL)
        with _worker(broker_url, tmp_path / "second.log"):
            _until(lambda: _files(user) >= 2 * PHOTOS // 3, "two thirds of the files")
            _redis_stop(redis)
            time.sleep(5)
            redis = _redis_start(port, tmp_path / "redis")
            job = _job_done(job)
            _assert_complete(job, user)
            _until(lambda: _faces_done(user), "every photo's faces")
    finally:
        _redis_stop(redis)


def test_workers_on_separate_queues_finish_one_scan_together(tmp_path):
    broker_url = settings.CELERY_BROKER_URL
    _broker_purge(broker_url)
    count = PHOTOS // 3
    user = user_create_or_update(
        username="max", libraries=[_generated_library(tmp_path / "photos", count)]
    )
    ml_queues = [queue for queue in settings.PIPELINE_QUEUES if queue != "ingest"]
    with (
        _worker(broker_url, tmp_path / "ingest.log", queues=["ingest"]),
        _worker(broker_url, tmp_path / "ml.log", queues=ml_queues, beat=False),
    ):
        job = _job_done(_scan(user, broker_url))
        _assert_complete(job, user, count)
        _until(lambda: _faces_done(user, count), "every photo's faces")
    # Each did its own queues' tasks ("Task <name>[<id>] succeeded").
    assert "Task api.tasks.scan_batch[" in (tmp_path / "ingest.log").read_text()
    ml_log = (tmp_path / "ml.log").read_text()
    assert "Task api.tasks.photos_detect_faces[" in ml_log
    assert "Task api.tasks.scan_batch[" not in ml_log
