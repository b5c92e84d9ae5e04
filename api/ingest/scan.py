"""Scanning a user's library folders: find new, changed, unchanged and missing files.

An unchanged file (same path, size and mtime, its photo's ingest steps done) is only
`stat`ed, never opened; everything the database knows about the folder is loaded in one
query. On the workers a scan is one small task that compares and plans, then batches of
files that any worker indexes (scan_plan, scan_batch_run).
"""

import logging
import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.db.models import BooleanField, ExpressionWrapper, Q
from django.utils import timezone

from api.exceptions import OwnPhotosError, PathOutsideLibrary
from api.ingest.confinement import message_shown, owner_roots, path_shown
from api.ingest.pipeline import extracted_q, file_extract, file_register
from api.ingest.walking import walk_library
from api.ingest.xmp import sidecar_mtime_ns
from api.models import File, Job, JobBatch, Library, Photo, User
from api.services.enrichment import enrichment_enqueue, photos_followups_enqueue, task_publish
from api.services.jobs import (
    job_advance,
    job_advance_batch,
    job_complete,
    job_heartbeat,
    job_resumed,
    job_total,
)
from api.services.users import library_add

logger = logging.getLogger(__name__)

Progress = Callable[[int, int], None]
INTERNAL_ERROR = "could not be indexed because of an internal error (details in the server log)"
HEARTBEAT_SECONDS = 30


def _roots(user: User, path: Path | str | None) -> list[tuple[Path, Library | None]]:
    libraries = list(Library.objects.for_user(user).order_by("path"))
    if path is None:
        roots = [(Path(library.path), library) for library in libraries]
        # A folder inside another of the user's libraries is scanned with its parent.
        return [
            (root, library)
            for root, library in roots
            if not any(root != other and root.is_relative_to(other) for other, _ in roots)
        ]
    resolved = Path(path).expanduser().resolve()
    for library in libraries:
        if resolved.is_relative_to(library.path):
            return [(resolved, library)]
    if not resolved.exists():
        raise PathOutsideLibrary(f"{path} does not exist")
    return [(resolved, library_add(user=user, path=resolved))]


Item = tuple[str, bool, int | None]  # path, is new, library id


def library_compare(
    *, user: User, path: Path | str | None = None, full: bool = False, job: Job | None = None
) -> tuple[dict[str, int], list[Item]]:
    """Walk `user`'s libraries (or the folder `path`, which becomes a library if it is in
    none), `stat` only, and return the counts {unchanged, missing} with the files to index.

    A file is unchanged when its size and mtime match and its photo's ingest steps are done
    at the current versions (a file known to be broken, or whose photo was purged, counts too:
    it is read again only once it changes); anything else, e.g. a file whose worker died
    mid-extraction, is redone.
    `full` redoes every file. Files gone from disk are marked missing (counted when first
    found gone); their Photos stay.
    """
    counts = {"unchanged": 0, "missing": 0}
    work: list[Item] = []
    last_beat = time.monotonic()
    targets = _roots(user, path)
    allowed = owner_roots(owner=user)

    def skipped(file_path: str, reason: str) -> None:
        if job is not None:
            shown = path_shown(path=file_path, roots=allowed)
            job_advance(job=job, done=0, path=shown, error=reason)

    for root, library in targets:
        if not root.is_dir():
            # An unmounted disk is not a deleted library: mark nothing missing, say why.
            logger.warning("library folder %s is not reachable; skipped", root)
            if job is not None:
                shown = path_shown(path=root, roots=allowed)
                job_advance(job=job, done=0, path=shown, error="folder not reachable")
            continue
        prefix = f"{root}{os.sep}"
        # LIKE is case-insensitive on SQLite: the exact prefix is checked again here.
        known = {
            row[1]: row
            for row in File.objects.for_user(user)
            .filter(path__startswith=prefix)
            .annotate(
                settled=ExpressionWrapper(
                    # A file with no photo was purged from the trash (or never read): kept so.
                    extracted_q(prefix="photo__") | Q(photo__isnull=True) | ~Q(error=""),
                    output_field=BooleanField(),
                )
            )
            .values_list("id", "path", "size", "mtime_ns", "missing", "settled", "sidecar_mtime_ns")
            if row[1].startswith(prefix)
        }
        library_id = library.pk if library is not None else None
        seen: set[str] = set()
        back: list[int] = []
        for file_path, stat in walk_library(root, roots=allowed, skipped=skipped):
            if file_path in seen:
                continue  # a symlink inside the library to a file walked as itself
            seen.add(file_path)
            row = known.get(file_path)
            # The XMP sidecar is part of the file: a rating set in darktable is a change.
            now = (stat.st_size, stat.st_mtime_ns, sidecar_mtime_ns(file_path))
            if row is None or full or not row[5] or (row[2], row[3], row[6]) != now:
                work.append((file_path, row is None, library_id))
                continue
            counts["unchanged"] += 1
            if row[4]:
                back.append(row[0])
            if job is not None and time.monotonic() - last_beat > HEARTBEAT_SECONDS:
                job_heartbeat(job=job)
                last_beat = time.monotonic()
        gone = [row[0] for file_path, row in known.items() if file_path not in seen and not row[4]]
        counts["missing"] += File.objects.filter(pk__in=gone).update(missing=True)
        File.objects.filter(pk__in=back).update(missing=False)
        if library is not None:
            Library.objects.filter(pk=library.pk).update(last_scanned_at=timezone.now())
    return counts, work


def library_scan(
    *,
    user: User,
    path: Path | str | None = None,
    full: bool = False,
    job: Job | None = None,
    progress: Progress | None = None,
) -> dict[str, int]:
    """Scan in this process: compare, then index the new and changed files in batches, as
    the workers do (see scan_plan), and return counts {new, changed, unchanged, missing,
    failed}.

    `full` re-reads every file and remakes metadata and thumbnails. A file that fails is
    recorded on its File and in `job.errors`, counted in `failed`, and the scan goes on.
    Each batch's photos have their later steps queued as soon as it is done.
    """
    counts, work = library_compare(user=user, path=path, full=full, job=job)
    counts.update(new=0, changed=0, failed=0)
    if job is not None:
        job_total(job=job, total=len(work))
    for start in range(0, len(work), settings.SCAN_BATCH):
        batch = work[start : start + settings.SCAN_BATCH]
        result = files_ingest(user=user, items=batch, force=full, job=job)
        for key, value in result.counts.items():
            counts[key] += value
        if job is not None:
            job_advance_batch(job=job, done=len(batch), errors=result.errors)
        if progress is not None:
            progress(start + len(batch), len(work))
    enrichment_enqueue(owner=user)
    logger.info("scan of %s for %s: %s", path or "all libraries", user, counts)
    return counts


@dataclass
class BatchResult:
    counts: dict[str, int]
    errors: list[tuple[str, str]]


def files_ingest(
    *, user: User, items: list[Item], force: bool = False, job: Job | None = None
) -> BatchResult:
    """Register and extract these files, then queue their photos' later steps. Idempotent:
    a file done meanwhile (a batch delivered twice) is found extracted and costs a hash."""
    result = BatchResult(counts=dict.fromkeys(("new", "changed", "failed"), 0), errors=[])
    libraries = {
        library.pk: library
        for library in Library.objects.filter(pk__in={item[2] for item in items})
    }
    photos = []
    allowed = owner_roots(owner=user)
    last_beat = time.monotonic()
    for file_path, is_new, library_id in items:
        photo, error = _file_process(
            user=user, path=file_path, library=libraries.get(library_id), force=force, roots=allowed
        )
        if error:
            result.counts["failed"] += 1
            result.errors.append((path_shown(path=file_path, roots=allowed), error))
        else:
            result.counts["new" if is_new else "changed"] += 1
            photos.append(photo)
        if job is not None and time.monotonic() - last_beat > HEARTBEAT_SECONDS:
            job_heartbeat(job=job)
            last_beat = time.monotonic()
    photos_followups_enqueue(photos=photos)
    return result


def scan_plan(*, job: Job) -> int:
    """Compare `job`'s folders and split the files to index into batches (JobBatch rows,
    written with the job's total in one transaction), each queued on the `ingest` queue for
    any worker. Returns how many batches; with none, the job is finished here."""
    counts, work = library_compare(
        user=job.owner,
        path=job.params.get("path"),
        full=bool(job.params.get("full")),
        job=job,
    )
    size = settings.SCAN_BATCH
    with transaction.atomic():
        batches = JobBatch.objects.bulk_create(
            JobBatch(job=job, number=number, items=work[start : start + size])
            for number, start in enumerate(range(0, len(work), size))
        )
        Job.objects.filter(pk=job.pk).update(total=len(work), result=counts)
        for batch in batches:
            task_publish("api.tasks.scan_batch", batch.pk)
    if not batches:
        scan_complete(job=job)
    return len(batches)


def scan_resume(*, job: Job) -> int:
    """Queue again the unfinished batches of a planned scan (their worker or message was
    lost); finish the job if none is left. Returns how many were queued."""
    pending = list(job.batches.filter(finished_at__isnull=True).values_list("pk", flat=True))
    with transaction.atomic():
        for batch_id in pending:
            task_publish("api.tasks.scan_batch", batch_id)
    if not pending:
        scan_complete(job=job)
    return len(pending)


def scan_batch_run(*, batch_id: int) -> bool:
    """Index one batch of a scan and add its counts to the job, once however often the batch
    is delivered; the batch that completes the job finishes it. Returns whether this run
    counted the batch."""
    batch = JobBatch.objects.select_related("job__owner").filter(pk=batch_id).first()
    if batch is None or batch.finished_at is not None:
        return False
    job = batch.job
    if job.state not in (Job.State.RUNNING, Job.State.WAITING):
        return False
    JobBatch.objects.filter(pk=batch.pk).update(started_at=timezone.now())
    job_resumed(job=job)
    result = files_ingest(
        user=job.owner, items=batch.items, force=bool(job.params.get("full")), job=job
    )
    with transaction.atomic():
        counted = JobBatch.objects.filter(pk=batch.pk, finished_at__isnull=True).update(
            finished_at=timezone.now(), counts=result.counts
        )
        if counted:
            job_advance_batch(job=job, done=len(batch.items), errors=result.errors)
    if counted:
        scan_complete(job=job)
    return bool(counted)


def scan_complete(*, job: Job) -> bool:
    """Finish the scan job if every file of it is counted: its result is the comparison's
    counts plus the sum of its batches'. Then queue what is still stale for the owner (what
    a broker or a worker lost) and the events. Only one caller finishes it."""
    job.refresh_from_db(fields=["done", "total", "result", "state"])
    if job.done < job.total or job.state not in (Job.State.RUNNING, Job.State.WAITING):
        return False
    counts = {**dict.fromkeys(("new", "changed", "failed"), 0), **job.result}
    for batch_counts in job.batches.values_list("counts", flat=True):
        for key, value in batch_counts.items():
            counts[key] = counts.get(key, 0) + value
    if not job_complete(job=job, result=counts):
        return False
    with transaction.atomic():
        enrichment_enqueue(owner=job.owner)
        task_publish("api.tasks.events_regenerate", job.owner_id)
    logger.info("scan job %s for %s: %s", job.pk, job.owner, counts)
    return True


def _file_process(
    *, user: User, path: str, library: Library | None, force: bool, roots: list[Path]
) -> tuple[Photo | None, str]:
    """Register and extract one file; the per-file error boundary of a scan. Only work on
    the file happens inside it: what follows is queued after the batch.

    Returns the photo and "", or None and the reason it failed, also stored on the File: as
    a user may read it, with no server folder in it (paths relative to `roots`).
    """
    try:
        file = file_register(owner=user, path=path, library=library, roots=roots)
        return file_extract(file=file, force=force, roots=roots), ""
    except OwnPhotosError as exc:
        logger.warning("cannot index %s: %s", path, exc.detail)
        reason = message_shown(text=exc.detail, roots=roots)
    except Exception:
        # Tracebacks and internal addresses (a broker's, a database's) are for the log only.
        logger.exception("cannot index %s", path)
        reason = INTERNAL_ERROR
    file_failure_record(owner=user, path=path, reason=reason)
    return None, reason


def file_failure_record(*, owner: User, path: str, reason: str) -> File:
    """Remember why `path` could not be indexed, with the size and mtime it had, so an
    unchanged broken file is not retried by every rescan (a changed one is)."""
    try:
        stat = os.stat(path)
        size, mtime_ns = stat.st_size, stat.st_mtime_ns
    except OSError:
        size, mtime_ns = 0, 0
    file, _ = File.objects.update_or_create(
        owner=owner,
        path=path,
        defaults={"size": size, "mtime_ns": mtime_ns, "error": reason[:4000], "missing": False},
    )
    return file
