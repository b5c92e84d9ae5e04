"""Scanning a user's library folders: find new, changed, unchanged and missing files.

An unchanged file (same path, size and mtime) is only `stat`ed, never opened; everything
the database knows about the folder is loaded in one query.
"""

import logging
import os
import time
from collections.abc import Callable
from pathlib import Path

from django.utils import timezone

from api.exceptions import OwnPhotosError, PathOutsideLibrary
from api.ingest.confinement import message_shown, owner_roots, path_shown
from api.ingest.pipeline import file_extract, file_register
from api.ingest.walking import walk_library
from api.ingest.xmp import sidecar_mtime_ns
from api.ml.enrich import enrichment_enqueue
from api.models import File, Job, Library, User
from api.services.jobs import job_advance, job_heartbeat, job_total
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


def library_scan(
    *,
    user: User,
    path: Path | str | None = None,
    full: bool = False,
    job: Job | None = None,
    progress: Progress | None = None,
) -> dict[str, int]:
    """Scan `user`'s libraries (or the folder `path`, which becomes a library if it is in
    none) and return counts {new, changed, unchanged, missing, failed}.

    `full` re-reads every file and remakes metadata and thumbnails. A file that fails is
    recorded on its File and in `job.errors`, counted in `failed`, and the scan goes on.
    Files gone from disk are marked missing (counted when first found gone); their Photos
    stay.
    """
    counts = dict.fromkeys(("new", "changed", "unchanged", "missing", "failed"), 0)
    work: list[tuple[str, os.stat_result, bool, Library | None]] = []
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
            .values_list("id", "path", "size", "mtime_ns", "missing", "sidecar_mtime_ns")
            if row[1].startswith(prefix)
        }
        seen: set[str] = set()
        back: list[int] = []
        for file_path, stat in walk_library(root, roots=allowed, skipped=skipped):
            if file_path in seen:
                continue  # a symlink inside the library to a file walked as itself
            seen.add(file_path)
            row = known.get(file_path)
            # The XMP sidecar is part of the file: a rating set in darktable is a change.
            now = (stat.st_size, stat.st_mtime_ns, sidecar_mtime_ns(file_path))
            if row is None or full or (row[2], row[3], row[5]) != now:
                work.append((file_path, stat, row is None, library))
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
    if job is not None:
        job_total(job=job, total=len(work))
    for done, (file_path, _stat, is_new, library) in enumerate(work, start=1):
        error = _file_process(user=user, path=file_path, library=library, force=full, roots=allowed)
        if error:
            counts["failed"] += 1
        else:
            counts["new" if is_new else "changed"] += 1
        if job is not None:
            shown = path_shown(path=file_path, roots=allowed)
            job_advance(job=job, path=shown, error=error)
        if progress is not None:
            progress(done, len(work))
    enrichment_enqueue(owner=user)
    logger.info("scan of %s for %s: %s", path or "all libraries", user, counts)
    return counts


def _file_process(
    *, user: User, path: str, library: Library | None, force: bool, roots: list[Path]
) -> str:
    """Register and extract one file; the per-file error boundary of a scan.

    Returns "" on success or the reason it failed, which is also stored on the File: as a
    user may read it, with no server folder in it (paths relative to `roots`).
    """
    try:
        file = file_register(owner=user, path=path, library=library)
        file_extract(file=file, force=force)
    except OwnPhotosError as exc:
        logger.warning("cannot index %s: %s", path, exc.detail)
        reason = message_shown(text=exc.detail, roots=roots)
    except Exception:
        # Tracebacks and internal addresses (a broker's, a database's) are for the log only.
        logger.exception("cannot index %s", path)
        reason = INTERNAL_ERROR
    else:
        return ""
    file_failure_record(owner=user, path=path, reason=reason)
    return reason


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
