"""A selection of originals as one zip, streamed while it is written.

Entries are stored, not deflated (photos and videos do not compress), and the archive is
written to a non-seekable sink, so zipfile puts each entry's sizes in a data descriptor after
its bytes: memory stays at one chunk whatever the selection's size. Zip64 is forced so that
entries past 4 GiB (long videos) work.
"""

import contextlib
from collections.abc import Iterator
from pathlib import Path, PurePath
from zipfile import ZIP_STORED, ZipFile, ZipInfo

from django.db.models import QuerySet

from api.exceptions import PathOutsideLibrary, UnknownPhotos
from api.ingest.confinement import owner_roots, path_confine
from api.models import File, Photo

CHUNK = 1024 * 1024


class _Sink:
    """A write-only stream whose bytes the generator takes after every write."""

    def __init__(self) -> None:
        self.chunks: list[bytes] = []
        self.offset = 0

    def write(self, data: bytes) -> int:
        self.chunks.append(bytes(data))
        self.offset += len(data)
        return len(data)

    def tell(self) -> int:
        return self.offset

    def flush(self) -> None:
        pass

    def take(self) -> bytes:
        data, self.chunks = b"".join(self.chunks), []
        return data


def download_files(*, photos: QuerySet[Photo], ids: list[int]) -> list[tuple[str, Path]]:
    """(name in the archive, path on disk) for each photo of `ids` among `photos`, in the given
    order, one file per photo; names repeated across folders get " (2)", " (3)"… Raises
    UnknownPhotos for ids not among `photos`, and for photos with no file on disk."""
    wanted = list(dict.fromkeys(ids))
    found = set(photos.filter(pk__in=wanted).values_list("pk", flat=True))
    files: dict[int, Path] = {}
    rows = File.objects.filter(photo_id__in=found, missing=False).order_by("path")
    roots: dict[tuple[int, bool], list[Path]] = {}
    for file in rows.select_related("owner"):
        if file.photo_id in files:
            continue
        key = (file.owner_id, file.uploaded)
        if key not in roots:
            roots[key] = (
                [file.owner.upload_dir.resolve()]
                if file.uploaded
                else owner_roots(owner=file.owner)
            )
        # The path guard of every opened original: a file that now leads outside its
        # owner's folders is left out, as if it were missing.
        with contextlib.suppress(PathOutsideLibrary):
            files[file.photo_id] = path_confine(path=file.path, roots=roots[key])
    if unknown := [pk for pk in wanted if pk not in files]:
        raise UnknownPhotos(unknown)
    names: set[str] = set()
    entries = []
    for pk in wanted:
        path = files[pk]
        name, n = path.name, 1
        while name.lower() in names:
            n += 1
            name = f"{PurePath(path.name).stem} ({n}){path.suffix}"
        names.add(name.lower())
        entries.append((name, path))
    return entries


def zip_stream(entries: list[tuple[str, Path]]) -> Iterator[bytes]:
    """The zip of `entries`, a chunk at a time."""
    sink = _Sink()
    with ZipFile(sink, mode="w", compression=ZIP_STORED) as archive:
        for name, path in entries:
            info = ZipInfo.from_file(path, arcname=name)
            info.compress_type = ZIP_STORED
            with path.open("rb") as source, archive.open(info, "w", force_zip64=True) as entry:
                while data := source.read(CHUNK):
                    entry.write(data)
                    yield sink.take()
            yield sink.take()
    yield sink.take()
