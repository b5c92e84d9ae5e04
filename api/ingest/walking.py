"""Walking library folders: every photo or video file under a folder, with its stat result."""

import logging
import os
from collections.abc import Callable, Iterator
from pathlib import Path

from api.exceptions import PathOutsideLibrary
from api.ingest.confinement import path_real, path_within
from api.ingest.sniffing import KNOWN_EXTENSIONS

logger = logging.getLogger(__name__)

OUTSIDE = "links outside your libraries; not read"


def walk_library(
    root: Path, *, roots: list[Path], skipped: Callable[[str, str], None] | None = None
) -> Iterator[tuple[str, os.stat_result]]:
    """Yield (real path, stat) for files with a photo/video extension under `root`.

    Hidden files and folders (leading dot) are skipped; unknown file types are ignored. A
    symlinked file is yielded as the file it leads to when that lies inside `roots` (the
    owner's libraries); a link (file or folder) leading
    elsewhere is reported to `skipped(path, reason)` and never opened. Symlinked folders are
    not descended (their target inside the libraries is walked as itself; a loop cannot trap
    the walk). Only `stat` is called: nothing is opened. Folders that cannot be listed are
    logged and skipped.
    """
    stack = [str(root)]
    while stack:
        folder = stack.pop()
        try:
            entries = list(os.scandir(folder))
        except OSError as exc:
            logger.warning("cannot list %s: %s", folder, exc)
            continue
        for entry in entries:
            if entry.name.startswith("."):
                continue
            try:
                if entry.is_dir(follow_symlinks=False):
                    stack.append(entry.path)
                    continue
                link = entry.is_symlink()
                if link and path_within(path_real(entry.path), roots) is None:
                    logger.warning("%s leads outside its owner's libraries; skipped", entry.path)
                    if skipped is not None:
                        skipped(entry.path, OUTSIDE)
                    continue
                if link and entry.is_dir():
                    continue
                if os.path.splitext(entry.name)[1].lower() not in KNOWN_EXTENSIONS:
                    continue
                if not entry.is_file():
                    continue
                if not link:
                    yield entry.path, entry.stat()
                    continue
                # The same file may also be walked as itself: the caller keeps one.
                path = str(path_real(entry.path))
                yield path, os.stat(path)
            except OSError as exc:
                logger.warning("cannot stat %s: %s", entry.path, exc)
            except PathOutsideLibrary:
                if skipped is not None:
                    skipped(entry.path, OUTSIDE)
