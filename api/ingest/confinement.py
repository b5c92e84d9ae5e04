"""The one guard before an original is opened: its real path must lie inside its owner's
library folders (and settings.LIBRARY_ROOTS when set), or inside the owner's upload folder for
an upload. A symlink is judged by where it leads, so `alice/x.jpg -> /home/bob/y.jpg` or
`-> /etc/passwd` is refused while a link to elsewhere inside the library works.

Paths are resolved once and the resolved path is what gets opened, so a link changed after the
check is not followed.
"""

import os
import re
from pathlib import Path

from django.conf import settings

from api.exceptions import PathOutsideLibrary
from api.models import File, Library, User

# An absolute path in a message (Pillow's "cannot identify image file '/x/y.jpg'"): its name.
_ABSOLUTE = re.compile(r"(?<![\w.])/(?:[^\s'\"/]+/)+([^\s'\"/]+)")


def owner_roots(*, owner: User) -> list[Path]:
    """The folders `owner`'s originals may live in: their libraries, restricted to
    LIBRARY_ROOTS when those are set (a root removed from the setting stops being read)."""
    allowed = settings.LIBRARY_ROOTS
    roots = [Path(p) for p in Library.objects.for_user(owner).values_list("path", flat=True)]
    return [root for root in roots if not allowed or any(root.is_relative_to(a) for a in allowed)]


def path_real(path: Path | str) -> Path:
    """`path` with every symlink and `..` resolved; PathOutsideLibrary for a link loop or a
    name the OS refuses (too long, NUL)."""
    try:
        return Path(os.path.realpath(path, strict=False))
    except (OSError, ValueError) as exc:
        raise PathOutsideLibrary(f"{Path(path).name} cannot be resolved") from exc


def path_within(path: Path, roots: list[Path]) -> Path | None:
    """The root of `roots` that the real `path` lies in, if any."""
    return next((root for root in roots if path.is_relative_to(root)), None)


def path_confine(*, path: Path | str, roots: list[Path]) -> Path:
    """The real path of `path` when it lies inside one of `roots`; else PathOutsideLibrary
    (whose message names the file, not where the link leads)."""
    real = path_real(path)
    if path_within(real, roots) is None:
        how = "is not inside" if real == Path(os.path.abspath(path)) else "leads outside"
        raise PathOutsideLibrary(f"{Path(path).name} {how} your libraries; not read")
    return real


def file_roots(*, file: File) -> list[Path]:
    """The folders `file` and its sidecars may live in."""
    return [file.owner.upload_dir.resolve()] if file.uploaded else owner_roots(owner=file.owner)


def file_confine(*, file: File) -> Path:
    """The real path to open for `file`, checked against its owner's folders."""
    return path_confine(path=file.path, roots=file_roots(file=file))


def path_shown(*, path: Path | str, roots: list[Path]) -> str:
    """`path` as a user is shown it: relative to the library holding it, else its name (a
    library's own folder too)."""
    path = Path(path)
    root = path_within(path, roots)
    return path.relative_to(root).as_posix() if root is not None and root != path else path.name


def message_shown(*, text: str, roots: list[Path]) -> str:
    """`text` with the server's folders left out: library paths become relative and any other
    absolute path (the data folder, a temporary file) becomes its file name."""
    for root in sorted(roots, key=lambda r: len(str(r)), reverse=True):
        text = text.replace(f"{root}{os.sep}", "").replace(str(root), ".")
    return _ABSOLUTE.sub(r"\1", text)
