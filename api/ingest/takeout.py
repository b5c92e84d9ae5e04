"""Importing a Google Takeout: zips (one or several parts) read in place, or an extracted
folder; media copied into a library folder of the user, keeping album folders; the JSON
sidecars' facts on the photos.

Zips are never extracted: their central directories give the names, and each member is
streamed through a hash into its place in the library, so memory does not grow with the
archive. A photo and its sidecar may sit in different parts: all parts are indexed first.
Idempotent by content hash: a second run, or one resuming a run cut off half-way, copies
nothing it already has and makes no album twice. Sidecar facts are applied once per photo
(`Photo.imported` remembers them), so what the user changes afterwards stays.
"""

import hashlib
import json
import logging
import os
import re
import zipfile
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import BinaryIO

from django.db import transaction
from django.utils import timezone

from api.exceptions import InvalidLibrary
from api.ingest.exif import gps_position
from api.ingest.hashing import hash_path
from api.ingest.pipeline import file_extract, file_register
from api.ingest.sniffing import IMAGE_EXTENSIONS, KNOWN_EXTENSIONS
from api.ingest.takeout_names import Sidecar, sidecar_parse, sidecars_match
from api.models import Album, AlbumPhoto, Job, Library, Photo, PhotoTag, User
from api.services.enrichment import enrichment_enqueue
from api.services.jobs import job_advance, job_total
from api.services.users import library_add

logger = logging.getLogger(__name__)

Progress = Callable[[int, int], None]
TAG_SOURCE = "takeout"
CHUNK = 1024 * 1024
# A sidecar is a few kB; anything much larger is not one and is not read into memory.
MAX_SIDECAR_BYTES = 1024 * 1024
# Google's motion photos: `MVIMG_1.jpg` with `MVIMG_1.MP` (or `.MP4`) beside it; Apple's live
# photos exported the same way (`IMG_1.HEIC` + `IMG_1.MOV`).
MOTION_EXTENSIONS = frozenset({".mp", ".mp4", ".mov"})
_YEAR_FOLDER = re.compile(r"^Photos from \d{4}$", re.IGNORECASE)


@dataclass(frozen=True)
class Entry:
    """One file of the Takeout: `member` inside the zip `source`, or a path inside a folder."""

    source: Path
    member: str
    folder: str
    name: str
    is_zip: bool


@dataclass
class Summary:
    imported: int = 0
    already_present: int = 0
    sidecars_matched: int = 0
    sidecars_unmatched: list[str] = field(default_factory=list)
    without_sidecar: int = 0
    albums_made: int = 0
    motion_videos: int = 0
    errors: list[dict] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {
            "imported": self.imported,
            "already_present": self.already_present,
            "sidecars_matched": self.sidecars_matched,
            "sidecars_unmatched": self.sidecars_unmatched,
            "without_sidecar": self.without_sidecar,
            "albums_made": self.albums_made,
            "motion_videos": self.motion_videos,
            "errors": self.errors,
        }


def _folder_of(parts: list[str]) -> tuple[str, str]:
    """("album folder", "name") of a path inside a Takeout: `Takeout/Google Photos/` (the
    second name is localised) is dropped."""
    if len(parts) > 2 and parts[0] == "Takeout":
        parts = parts[2:]
    return "/".join(parts[:-1]), parts[-1]


def takeout_entries(paths: Iterable[Path | str]) -> Iterator[Entry]:
    """Every file of the given zips and folders, without reading any of them."""
    for raw in paths:
        path = Path(raw).expanduser().resolve()
        if path.is_dir():
            for dirpath, _dirs, files in os.walk(path):
                for name in files:
                    relative = Path(dirpath, name).relative_to(path)
                    folder, _ = _folder_of(list(relative.parts))
                    yield Entry(path, str(relative), folder, name, False)
        elif zipfile.is_zipfile(path):
            with zipfile.ZipFile(path) as archive:
                for info in archive.infolist():
                    if info.is_dir():
                        continue
                    folder, name = _folder_of(PurePosixPath(info.filename).parts)
                    yield Entry(path, info.filename, folder, name, True)
        else:
            raise InvalidLibrary(f"{raw} is neither a Takeout zip nor a folder")


class _Reader:
    """Opens entries, keeping each zip open once for the whole import."""

    def __init__(self) -> None:
        self._zips: dict[Path, zipfile.ZipFile] = {}

    def open(self, entry: Entry) -> BinaryIO:
        if not entry.is_zip:
            return (entry.source / entry.member).open("rb")
        archive = self._zips.get(entry.source)
        if archive is None:
            archive = self._zips[entry.source] = zipfile.ZipFile(entry.source)
        return archive.open(entry.member)

    def read_json(self, entry: Entry) -> dict:
        with self.open(entry) as fh:
            data = fh.read(MAX_SIDECAR_BYTES + 1)
        if len(data) > MAX_SIDECAR_BYTES:
            raise ValueError("too large for a sidecar")
        value = json.loads(data)
        if not isinstance(value, dict):
            raise ValueError("not a JSON object")
        return value

    def close(self) -> None:
        for archive in self._zips.values():
            archive.close()


@dataclass
class _Folder:
    media: dict[str, Entry] = field(default_factory=dict)
    sidecars: dict[str, tuple[Entry, Sidecar]] = field(default_factory=dict)
    album: Entry | None = None


def _destination(user: User, into: Path | str | None) -> tuple[Path, Library]:
    libraries = list(Library.objects.for_user(user).order_by("pk"))
    if into is None:
        if not libraries:
            raise InvalidLibrary(f"{user} has no library to import into; give --into")
        root = Path(libraries[0].path) / "takeout"
    else:
        root = Path(into).expanduser().resolve()
    for library in libraries:
        if root.is_relative_to(library.path):
            root.mkdir(parents=True, exist_ok=True)
            return root, library
    root.mkdir(parents=True, exist_ok=True)
    return root, library_add(user=user, path=root)


def sidecar_facts(data: dict) -> dict:
    """The facts of a Takeout sidecar that land on a photo, normalised."""
    facts: dict = {}
    taken = (data.get("photoTakenTime") or {}).get("timestamp")
    if str(taken or "").lstrip("-").isdigit():
        facts["taken"] = int(taken)
    for key in ("geoData", "geoDataExif"):
        geo = data.get(key) or {}
        try:
            position = gps_position(float(geo.get("latitude")), float(geo.get("longitude")))
        except (TypeError, ValueError):
            position = None
        if position:
            facts["lat"], facts["lon"] = position
            facts["alt"] = geo.get("altitude") if geo.get("altitude") else None
            break
    facts["people"] = [
        person["name"].strip()
        for person in data.get("people") or []
        if isinstance(person, dict) and str(person.get("name") or "").strip()
    ]
    facts["description"] = str(data.get("description") or "").strip()
    for flag in ("favorited", "archived", "trashed"):
        facts[flag] = bool(data.get(flag))
    return facts


def takeout_import(
    *,
    user: User,
    paths: list[Path | str],
    into: Path | str | None = None,
    job: Job | None = None,
    progress: Progress | None = None,
) -> dict:
    """Import the Takeout at `paths` for `user` into `into` (default `takeout/` in the user's
    first library) and return the summary (also what a job's result holds).

    A file that fails is listed in `errors` (and on the job) and the import goes on.
    """
    root, library = _destination(user, into)
    folders: dict[str, _Folder] = defaultdict(_Folder)
    for entry in takeout_entries(paths):
        suffix = PurePosixPath(entry.name).suffix.lower()
        folder = folders[entry.folder]
        if entry.name.lower() == "metadata.json":
            folder.album = entry
        elif (parsed := sidecar_parse(entry.name)) is not None:
            folder.sidecars[entry.name] = (entry, parsed)
        elif suffix in KNOWN_EXTENSIONS or suffix in MOTION_EXTENSIONS:
            folder.media.setdefault(entry.name, entry)
    summary = Summary()
    reader = _Reader()
    try:
        work = _plan(folders, reader, summary)
        if job is not None:
            job_total(job=job, total=len(work))
        albums: dict[str, Album | None] = {}
        for done, (folder_name, entry, facts, motion) in enumerate(work, start=1):
            error = ""
            try:
                album = _album(user, folder_name, folders[folder_name], reader, albums, summary)
                # One commit per photo (not one per write): rows and steps land together.
                with transaction.atomic():
                    _media_import(
                        user=user,
                        library=library,
                        dest=root / folder_name if folder_name else root,
                        entry=entry,
                        facts=facts,
                        motion=motion,
                        album=album,
                        reader=reader,
                        summary=summary,
                    )
            except Exception as exc:
                # The per-file boundary: one bad member never stops the import.
                error = getattr(exc, "detail", None) or f"{type(exc).__name__}: {exc}"
                logger.warning("cannot import %s: %s", entry.member, error, exc_info=True)
                summary.errors.append({"path": entry.member, "error": error})
            if job is not None:
                job_advance(job=job, path=entry.member, error=error)
            if progress is not None:
                progress(done, len(work))
    finally:
        reader.close()
    enrichment_enqueue(owner=user)
    logger.info("takeout import for %s: %s", user, summary.as_dict())
    return summary.as_dict()


def _plan(
    folders: dict[str, _Folder], reader: _Reader, summary: Summary
) -> list[tuple[str, Entry, dict | None, Entry | None]]:
    """(folder, media entry, sidecar facts, motion video entry) per photo to import: album
    folders first, so a photo in an album and in "Photos from 2019" lands in the album."""
    work = []
    order = sorted(folders, key=lambda name: (folders[name].album is None, name))
    for folder_name in order:
        folder = folders[folder_name]
        sidecars = []
        facts: dict[str, dict] = {}
        for entry, parsed in folder.sidecars.values():
            try:
                data = reader.read_json(entry)
            except (ValueError, OSError) as exc:
                summary.errors.append({"path": entry.member, "error": f"sidecar unreadable: {exc}"})
                continue
            parsed.title = str(data.get("title") or "")
            facts[parsed.name] = sidecar_facts(data)
            sidecars.append(parsed)
        motions = _motion_pairs(list(folder.media))
        media = [name for name in folder.media if name not in motions.values()]
        # Motion videos take part, so that their own sidecars count as matched.
        matches = sidecars_match(list(folder.media), sidecars)
        summary.sidecars_unmatched += [
            f"{folder_name}/{sidecar.name}" if folder_name else sidecar.name
            for sidecar in matches.unmatched
        ]
        summary.sidecars_matched += len(sidecars) - len(matches.unmatched)
        for name in media:
            sidecar = matches.by_media[name]
            if sidecar is None:
                summary.without_sidecar += 1
            motion = folder.media[motions[name]] if name in motions else None
            work.append(
                (
                    folder_name,
                    folder.media[name],
                    facts.get(sidecar.name) if sidecar else None,
                    motion,
                )
            )
    return work


def _motion_pairs(names: list[str]) -> dict[str, str]:
    """{image name: its motion video's name} within one folder."""
    images = {}
    for name in names:
        path = PurePosixPath(name)
        if path.suffix.lower() in IMAGE_EXTENSIONS:
            images[path.stem.lower()] = name
            images[name.lower()] = name
    pairs = {}
    for name in names:
        path = PurePosixPath(name)
        if path.suffix.lower() not in MOTION_EXTENSIONS:
            continue
        image = images.get(path.stem.lower())
        if image is not None and image not in pairs:
            pairs[image] = name
    return pairs


def _album(
    user: User,
    folder_name: str,
    folder: _Folder,
    reader: _Reader,
    albums: dict[str, Album | None],
    summary: Summary,
) -> Album | None:
    """The album of a folder with a metadata.json, found again by title on a rerun."""
    if folder_name in albums:
        return albums[folder_name]
    album = None
    if folder.album is not None and folder_name and not _YEAR_FOLDER.match(folder_name):
        try:
            title = str(reader.read_json(folder.album).get("title") or "").strip()
        except (ValueError, OSError):
            title = ""
        title = (title or PurePosixPath(folder_name).name)[:200]
        album = (
            Album.objects.for_user(user)
            .filter(kind=Album.Kind.USER, title=title)
            .order_by("pk")
            .first()
        )
        if album is None:
            album = Album.objects.create(owner=user, title=title, kind=Album.Kind.USER)
            summary.albums_made += 1
    albums[folder_name] = album
    return album


def _copy(reader: _Reader, entry: Entry, dest: Path) -> tuple[Path, str]:
    """Stream `entry` to a hidden part file in `dest` (scans skip it), hashing on the way."""
    dest.mkdir(parents=True, exist_ok=True)
    part = dest / f".{entry.name}.part"
    digest = hashlib.sha256()
    with reader.open(entry) as source, part.open("wb") as out:
        while chunk := source.read(CHUNK):
            digest.update(chunk)
            out.write(chunk)
    return part, digest.hexdigest()


def _place(part: Path, digest: str, dest: Path, name: str) -> Path:
    """Move the part file to `name` in `dest`; a file already there with these bytes (a
    resumed run) is kept, one with other bytes gets a numbered name beside it."""
    target = dest / name
    stem, suffix = os.path.splitext(name)
    number = 1
    while target.exists():
        if hash_path(target) == digest:
            part.unlink()
            return target
        number += 1
        target = dest / f"{stem} ({number}){suffix}"
    os.replace(part, target)
    return target


def _media_import(
    *,
    user: User,
    library: Library,
    dest: Path,
    entry: Entry,
    facts: dict | None,
    motion: Entry | None,
    album: Album | None,
    reader: _Reader,
    summary: Summary,
) -> None:
    part, digest = _copy(reader, entry, dest)
    photo = Photo.objects.filter(owner=user, content_hash=digest).first()
    file = None
    if photo is not None and photo.files.filter(missing=False).exists():
        part.unlink()
        summary.already_present += 1
    else:
        file = file_register(
            owner=user, path=_place(part, digest, dest, entry.name), library=library
        )
        photo = file.photo
        summary.imported += 1
    first_time = facts is not None and not photo.imported
    if first_time:
        _facts_apply(photo, facts)
    if motion is not None and not photo.motion_path:
        part, _ = _copy(reader, motion, dest)
        target = dest / f".{entry.name}.motion{PurePosixPath(motion.name).suffix.lower()}"
        os.replace(part, target)
        photo.motion_path = str(target)
        photo.save(update_fields=["motion_path", "updated_at"])
        summary.motion_videos += 1
    if file is not None or first_time:
        file = file or photo.files.filter(missing=False).order_by("pk").first()
        file.photo = photo
        # Saves the photo; the sidecar's date and place apply when the file has none.
        file_extract(file=file, force=first_time)
    if album is not None:
        # Counted once per album and import; a photo already in it stays where it is.
        if not hasattr(album, "next_order"):
            album.next_order = album.memberships.count()
        AlbumPhoto.objects.bulk_create(
            [AlbumPhoto(album=album, photo=photo, order=album.next_order)], ignore_conflicts=True
        )
        album.next_order += 1


def _facts_apply(photo: Photo, facts: dict) -> None:
    """Set the sidecar's facts on `photo` (saved by the extraction that follows)."""
    photo.imported = {
        key: facts[key] for key in ("taken", "lat", "lon", "alt", "people") if key in facts
    }
    photo.favorite = photo.favorite or facts["favorited"]
    photo.hidden = photo.hidden or facts["archived"]
    if facts["trashed"] and not photo.in_trash:
        photo.in_trash, photo.trashed_at = True, timezone.now()
    if facts["description"] and not photo.caption:
        photo.caption = facts["description"]
    # People's names are searchable words, whether or not a face is found for them.
    if facts["people"]:
        PhotoTag.objects.bulk_create(
            [
                PhotoTag(photo=photo, name=name[:128], score=1.0, source=TAG_SOURCE, version="1")
                for name in facts["people"]
            ],
            ignore_conflicts=True,
        )
