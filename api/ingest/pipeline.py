"""The per-file steps before machine learning: register (stat, hash, sniff) and extract
(metadata, thumbnails). Scans and uploads both go through these two functions."""

import logging
from pathlib import Path

from django.db import IntegrityError, transaction
from django.db.models import Q

from api.exceptions import PathOutsideLibrary, UnreadableFile
from api.ingest import phash, thumbnails
from api.ingest.annotations import annotations_apply
from api.ingest.confinement import file_roots, owner_roots, path_confine
from api.ingest.dates import taken_resolve
from api.ingest.formats import Media, media_open
from api.ingest.hashing import hash_path
from api.ingest.sniffing import Sniffed, mime_kind, sniff_path
from api.ingest.xmp import sidecar_mtime_ns
from api.models import File, Library, Photo, User
from api.services.steps import (
    DONE,
    FAILED,
    step_done,
    step_done_q,
    step_record,
    step_set,
    steps_save,
)

logger = logging.getLogger(__name__)

METADATA_VERSION = "2"  # 2: XMP, IPTC and import sidecars
# The steps file_extract writes; the others belong to the queues after it.
INGEST_STEPS = ("metadata", "thumbnails", "phash")
# Written by other steps (geocoding) or earlier (register): the extraction saves the rest.
_NOT_EXTRACTED = {"id", "owner", "content_hash", "steps", "place"} | {
    "geocode_distance",
    "geocode_provider",
    "geocode_version",
}


def file_register(
    *,
    owner: User,
    path: Path | str,
    library: Library | None = None,
    uploaded: bool = False,
    roots: list[Path] | None = None,
) -> File:
    """Record the file at `path` for `owner` and link it to the Photo with the same bytes.

    Same bytes at two paths give one Photo and two Files; a file whose bytes changed keeps
    its Photo when no other file shares it (edits keep favourites and albums). The File keeps
    the real path (symlinks resolved). Raises NotAnImage for content that is neither image nor
    video (nothing is written then), and PathOutsideLibrary when the real path is not inside
    `library` (when given) or any of the owner's libraries (their upload folder for an upload).
    `roots` are the owner's library folders when the caller has read them (once a batch).
    """
    if uploaded:
        roots = [owner.upload_dir.resolve()]
    elif roots is None:
        roots = owner_roots(owner=owner)
    path = path_confine(path=path, roots=roots)
    if library is not None and not path.is_relative_to(library.path):
        raise PathOutsideLibrary(f"{path.name} is not inside the library being scanned")
    stat = path.stat()
    sniffed = sniff_path(path)
    digest = hash_path(path)
    with transaction.atomic():
        file = File.objects.select_for_update().filter(owner=owner, path=str(path)).first()
        photo = _photo_for(owner=owner, digest=digest, sniffed=sniffed, previous=file)
        sidecar = sidecar_mtime_ns(path)
        if file is not None and file.sidecar_mtime_ns != sidecar and "metadata" in photo.steps:
            # Same bytes, another sidecar: its metadata is read again.
            step_record(photo=photo, step="metadata", state="pending", version="")
        fields = {
            "photo": photo,
            "size": stat.st_size,
            "mtime_ns": stat.st_mtime_ns,
            "sidecar_mtime_ns": sidecar,
            "content_hash": digest,
            "mime": sniffed.mime,
            "missing": False,
            "error": "",
            "uploaded": uploaded,
        }
        if file is None:
            file = File.objects.create(owner=owner, path=str(path), **fields)
        else:
            for name, value in fields.items():
                setattr(file, name, value)
            file.save()
    return file


def _photo_for(*, owner: User, digest: str, sniffed: Sniffed, previous: File | None) -> Photo:
    photo = Photo.objects.filter(owner=owner, content_hash=digest).first()
    if photo is not None:
        return photo
    old = previous.photo if previous is not None else None
    if old is not None and not old.files.exclude(pk=previous.pk).exists():
        # The only file of this photo was edited in place: the photo follows its new bytes.
        for size in ("small", "big"):
            thumbnails.thumbnail_path(photo=old, size=size).unlink(missing_ok=True)
        old.content_hash, old.mime, old.steps = digest, sniffed.mime, {}
        old.save(update_fields=["content_hash", "mime", "steps", "updated_at"])
        return old
    try:
        with transaction.atomic():
            return Photo.objects.create(
                owner=owner,
                content_hash=digest,
                mime=sniffed.mime,
                is_video=sniffed.kind == "video",
            )
    except IntegrityError:
        # Another worker registered the same bytes at the same moment.
        return Photo.objects.get(owner=owner, content_hash=digest)


def extracted_q(*, prefix: str = "") -> Q:
    """Photos whose ingest steps are done at the current versions (what file_extract would
    return at once for), as a query; `prefix` reaches the photo from another model."""
    return (
        step_done_q("metadata", METADATA_VERSION, prefix=prefix)
        & step_done_q("thumbnails", thumbnails.VERSION, prefix=prefix)
        & (Q(**{f"{prefix}is_video": True}) | step_done_q("phash", phash.VERSION, prefix=prefix))
    )


def file_extract(*, file: File, force: bool = False, roots: list[Path] | None = None) -> Photo:
    """Read the metadata of `file` into its Photo, make the thumbnails and the perceptual hash.
    The caller queues what follows (api.services.enrichment.photos_followups_enqueue).

    Idempotent: returns at once when both steps are done at the current versions (and the
    thumbnails exist), unless `force`. When the metadata reads but no pixels decode (a RAW
    file without image data, a HEIC without its coded image), the facts are kept, the step
    is marked failed and UnreadableFile is raised after saving. `roots` are as for
    file_register.
    """
    photo = file.photo
    if photo is None:
        raise UnreadableFile(file.error or "this file has no photo")
    if (
        not force
        and step_done(photo, "metadata", METADATA_VERSION)
        and step_done(photo, "thumbnails", thumbnails.VERSION)
        and thumbnails.thumbnails_exist(photo=photo)
        and (photo.is_video or step_done(photo, "phash", phash.VERSION))
    ):
        return photo
    if file.uploaded or roots is None:
        roots = file_roots(file=file)
    path = path_confine(path=file.path, roots=roots)
    media = media_open(path, Sniffed(mime_kind(file.mime), file.mime))
    error = notes = ""
    try:
        notes = _metadata_apply(photo=photo, media=media, file=file, roots=roots)
        try:
            small, photo.partial = thumbnails.thumbnails_make(photo=photo, media=media)
            step_set(photo, "thumbnails", state=DONE, version=thumbnails.VERSION)
            if not photo.is_video:
                phash.phash_store(photo=photo, image=small)
        except UnreadableFile as exc:
            error = exc.detail
            step_set(photo, "thumbnails", state=FAILED, version=thumbnails.VERSION, error=error)
    finally:
        media.close()
    # The other queues' entries of `steps` are theirs: only the ingest ones are written here.
    photo.save(update_fields=_extracted_fields())
    steps_save(photo=photo, names=INGEST_STEPS)
    # A refused XMP packet is reported on the file, which is indexed all the same.
    recorded = "; ".join(part for part in (error, notes) if part)
    if file.error != recorded:
        File.objects.filter(pk=file.pk).update(error=recorded)
        file.error = recorded
    if error:
        raise UnreadableFile(error)
    return photo


def _extracted_fields() -> list[str]:
    return [f.name for f in Photo._meta.concrete_fields if f.name not in _NOT_EXTRACTED]


def _metadata_apply(*, photo: Photo, media: Media, file: File, roots: list[Path]) -> str:
    facts = media.facts
    taken = taken_resolve(
        facts=facts, name=Path(file.path).name, mtime_ns=file.mtime_ns, is_video=media.is_video
    )
    photo.taken_at, photo.taken_date = taken.taken_at, taken.taken_date
    photo.tz_offset, photo.date_source = taken.tz_offset, taken.source
    photo.width, photo.height = media.width, media.height
    photo.orientation = media.orientation
    photo.camera_make, photo.camera_model = facts.make[:128], facts.model[:128]
    photo.lens = facts.lens[:256]
    photo.exposure_time, photo.f_number = facts.exposure_time, facts.f_number
    photo.iso, photo.focal_length = facts.iso, facts.focal_length
    photo.gps_lat, photo.gps_lon, photo.gps_alt = facts.gps_lat, facts.gps_lon, facts.gps_alt
    photo.is_video, photo.duration = media.is_video, media.duration
    notes = annotations_apply(photo=photo, media=media, path=Path(file.path), roots=roots)
    step_set(photo, "metadata", state=DONE, version=METADATA_VERSION)
    return notes
