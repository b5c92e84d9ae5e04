import os
import signal
import subprocess
import sys

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from api.models import Job, User
from api.services.jobs import job_create, job_enqueue

ADMIN = "admin"
WORKER_STOP_SECONDS = 30


def worker_command(
    *, queues: list[str] | None = None, beat: bool = True, broker_url: str | None = None
) -> list[str]:
    """The `celery worker` that serve starts: every pipeline queue (or `queues`), with beat.
    Other machines' workers are started the same way, without beat (one beat per site)."""
    command = [sys.executable, "-m", "celery", "-A", "ownphotos", "worker"]
    command += ["--beat"] if beat else []
    command += ["--queues", ",".join(queues or settings.PIPELINE_QUEUES), "--loglevel", "INFO"]
    if (broker_url or settings.CELERY_BROKER_URL).startswith("filesystem://"):
        # The embedded broker has no broadcast exchange for the workers' gossip.
        command += ["--without-mingle", "--without-gossip"]
    return command


def worker_environment() -> dict[str, str]:
    """The worker's environment: this one, with glibc's malloc held to two arenas (a worker
    process is one thread of Python beside torch's pool; more arenas only keep freed image
    buffers resident)."""
    return {"MALLOC_ARENA_MAX": "2", **os.environ}


class Command(BaseCommand):
    help = (
        "Serve the API with its background worker: a Celery worker for every queue (with the "
        "beat schedule) beside gunicorn. Stopping the server stops the worker."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--scan", action="store_true", help="queue a scan of admin's libraries")
        parser.add_argument("--bind", default="127.0.0.1:8000", help="address:port to serve on")
        parser.add_argument("--web-workers", type=int, default=2, help="gunicorn processes")

    def handle(self, *args, scan: bool, bind: str, web_workers: int, **options) -> None:
        worker = subprocess.Popen(worker_command(), env=worker_environment())
        try:
            if scan:
                self._queue_scan()
            server = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "gunicorn",
                    "ownphotos.wsgi",
                    "--bind",
                    bind,
                    "--workers",
                    str(web_workers),
                    "--threads",
                    "4",
                    "--access-logfile",
                    "-",
                ]
            )
            signal.signal(signal.SIGTERM, lambda *_: server.terminate())
            self.stdout.write(f"OwnPhotos serves http://{bind}/api/ (Ctrl-C stops it)")
            try:
                code = server.wait()
            except KeyboardInterrupt:
                server.terminate()
                code = server.wait()
        finally:
            worker.terminate()
            try:
                worker.wait(timeout=WORKER_STOP_SECONDS)
            except subprocess.TimeoutExpired:
                worker.kill()
        if code not in (0, -signal.SIGTERM):
            raise CommandError(f"the web server stopped with exit code {code}")

    def _queue_scan(self) -> None:
        admin = User.objects.filter(username=ADMIN).first()
        if admin is None or not admin.libraries.exists():
            raise CommandError("no user admin with a library: run bootstrap_admin --library DIR")
        with transaction.atomic():
            job = job_enqueue(job=job_create(owner=admin, kind=Job.Kind.SCAN, params={}))
        self.stdout.write(f"queued scan job {job.pk} of admin's libraries")
