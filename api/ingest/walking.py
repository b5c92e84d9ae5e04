"""Walking library folders: every photo or video file under a folder, with its stat result."""

import logging
import os
from collections.abc import Iterator
from pathlib import Path

from api.ingest.sniffing import KNOWN_EXTENSIONS

logger = logging.getLogger(__name__)


def walk_library(root: Path) -> Iterator[tuple[str, os.stat_result]]:
    """Yield (absolute path, stat) for files with a photo/video extension under `root`.

    Hidden files and folders (leading dot) are skipped; symlinked folders are not followed, so
    a link loop cannot trap the walk; unknown file types are ignored. Only `stat` is called:
    nothing is opened. Folders that cannot be listed are logged and skipped.
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
                if os.path.splitext(entry.name)[1].lower() not in KNOWN_EXTENSIONS:
                    continue
                if not entry.is_file():
                    continue
                yield entry.path, entry.stat()
            except OSError as exc:
                logger.warning("cannot stat %s: %s", entry.path, exc)
