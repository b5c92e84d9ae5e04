import json
import sys
import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from tqdm import tqdm

from api.exceptions import OwnPhotosError
from api.ingest.scan import library_scan
from api.ml.enrich import enrichment_run
from api.models import Job, Library, User
from api.services.jobs import job_create, job_enqueue, job_fail, job_finish, job_start

POLL_SECONDS = 0.5


class Command(BaseCommand):
    help = (
        "Scan libraries: index new and changed files, mark missing ones. The scan runs in this "
        "process; the last line printed is JSON counts "
        '{"new","changed","unchanged","missing","failed"}. Files that fail are counted, '
        "not fatal."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--user", help="whose libraries (default: every user with one)")
        parser.add_argument("--path", metavar="DIR", help="scan only this folder")
        parser.add_argument(
            "--full", action="store_true", help="re-read every file, remake thumbnails"
        )
        parser.add_argument(
            "--wait",
            action="store_true",
            help=(
                "run every later step too (faces, places, scene tags, CLIP, events) in this "
                "process before exiting, whether or not a worker is running"
            ),
        )

        parser.add_argument(
            "--queue",
            action="store_true",
            help=(
                "queue the scan on the workers (wherever they run) and follow its progress "
                "until it is done; Ctrl-C stops following and leaves it running"
            ),
        )

    def handle(self, *args, user, path, full: bool, wait: bool, queue: bool, **options) -> None:
        if queue and wait:
            raise CommandError("--queue and --wait exclude each other")
        totals = dict.fromkeys(("new", "changed", "unchanged", "missing", "failed"), 0)
        for owner in self._users(user, path):
            counts = self._queued(owner, path, full) if queue else self._scan(owner, path, full)
            for key, value in counts.items():
                totals[key] += value
            if wait:
                ran = enrichment_run(owner=owner)
                self.stderr.write(f"{owner.username}: enriched {ran}")
        self.stdout.write(json.dumps(totals, separators=(",", ":")))

    def _users(self, username: str | None, path: str | None) -> list[User]:
        if username:
            user = User.objects.filter(username=username).first()
            if user is None:
                raise CommandError(f"no user named {username!r}")
            return [user]
        owners = User.objects.filter(is_active=True, libraries__isnull=False).distinct()
        if path:
            resolved = Path(path).expanduser().resolve()
            owners = [
                library.owner
                for library in Library.objects.select_related("owner")
                if resolved.is_relative_to(library.path)
            ]
            if len(owners) != 1:
                raise CommandError(f"{path} is in no single user's library; give --user")
        return list(owners)

    def _queued(self, user: User, path: str | None, full: bool) -> dict[str, int]:
        params = {"path": str(Path(path).expanduser().resolve()) if path else None, "full": full}
        with transaction.atomic():
            job = job_enqueue(job=job_create(owner=user, kind=Job.Kind.SCAN, params=params))
        self.stderr.write(f"queued scan job {job.pk} for {user.username}")
        bar = tqdm(desc=f"scan {user.username}", unit="file", file=sys.stderr)
        try:
            while job.state not in (Job.State.DONE, Job.State.FAILED):
                time.sleep(POLL_SECONDS)
                job.refresh_from_db()
                bar.total = job.total
                bar.update(job.done - bar.n)
                if job.state == Job.State.WAITING:
                    bar.set_postfix_str("waiting for a worker")
        except KeyboardInterrupt:
            raise CommandError(f"stopped following; scan job {job.pk} goes on") from None
        finally:
            bar.close()
        if job.state == Job.State.FAILED:
            raise CommandError(job.reason)
        return job.result

    def _scan(self, user: User, path: str | None, full: bool) -> dict[str, int]:
        job = job_create(owner=user, kind=Job.Kind.SCAN, params={"path": path, "full": full})
        job_start(job=job)
        bar = None
        if sys.stderr.isatty():
            bar = tqdm(desc=f"scan {user.username}", unit="file", file=sys.stderr)

        def progress(done: int, total: int) -> None:
            bar.total = total
            bar.update(done - bar.n)

        try:
            counts = library_scan(
                user=user, path=path, full=full, job=job, progress=progress if bar else None
            )
        except OwnPhotosError as exc:
            job_fail(job=job, reason=exc.detail)
            raise CommandError(exc.detail) from exc
        finally:
            if bar is not None:
                bar.close()
        job_finish(job=job, result=counts)
        return counts
