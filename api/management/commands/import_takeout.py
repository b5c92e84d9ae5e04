import json
import sys

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from api.exceptions import OwnPhotosError
from api.ingest.takeout import takeout_import
from api.models import Job, User
from api.services.jobs import job_create, job_fail, job_finish, job_start


class Command(BaseCommand):
    help = (
        "Import a Google Takeout (zips, several parts, or an extracted folder) into a library "
        "folder of the user, with the sidecars' dates, places, captions, favourites and albums. "
        "Runs in this process; the last line printed is the JSON summary. Running it again "
        "imports nothing twice."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("paths", nargs="+", metavar="PATH", help="Takeout zips or folders")
        parser.add_argument("--user", help="whose library (default: the only user with one)")
        parser.add_argument(
            "--into",
            metavar="DIR",
            help="where the media go (default: takeout/ in the first library)",
        )

    def handle(self, *args, paths: list[str], user: str | None, into: str | None, **options):
        owner = self._user(user)
        job = job_create(owner=owner, kind=Job.Kind.TAKEOUT, params={"paths": paths, "into": into})
        job_start(job=job)
        bar = tqdm(desc="takeout", unit="file", file=sys.stderr) if sys.stderr.isatty() else None

        def progress(done: int, total: int) -> None:
            bar.total = total
            bar.update(done - bar.n)

        try:
            summary = takeout_import(
                user=owner, paths=paths, into=into, job=job, progress=progress if bar else None
            )
        except OwnPhotosError as exc:
            job_fail(job=job, reason=exc.detail)
            raise CommandError(exc.detail) from exc
        finally:
            if bar is not None:
                bar.close()
        job_finish(job=job, result=summary)
        for line in _readable(summary):
            self.stderr.write(line)
        self.stdout.write(json.dumps(summary, separators=(",", ":")))

    def _user(self, username: str | None) -> User:
        if username:
            user = User.objects.filter(username=username).first()
            if user is None:
                raise CommandError(f"no user named {username!r}")
            return user
        owners = list(User.objects.filter(is_active=True, libraries__isnull=False).distinct()[:2])
        if len(owners) != 1:
            raise CommandError("give --user: there is not exactly one user with a library")
        return owners[0]


def _readable(summary: dict) -> list[str]:
    lines = [
        f"imported {summary['imported']}, already present {summary['already_present']}, "
        f"sidecars matched {summary['sidecars_matched']}, media without sidecar "
        f"{summary['without_sidecar']}, albums made {summary['albums_made']}, "
        f"motion videos {summary['motion_videos']}, errors {len(summary['errors'])}"
    ]
    lines += [f"unmatched sidecar: {name}" for name in summary["sidecars_unmatched"]]
    lines += [f"error: {error['path']}: {error['error']}" for error in summary["errors"]]
    return lines
