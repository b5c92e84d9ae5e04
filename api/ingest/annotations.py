"""What people and other apps said about a photo, beside its EXIF: XMP and IPTC (rating,
keywords, caption, date, named faces) and the facts an import's sidecar left on the photo.

The pipeline calls `annotations_apply` once per extracted file, after EXIF is applied, so a
rescan of a changed sidecar re-reads it all. Keywords are PhotoTags of source `xmp`, apart
from the scene model's tags.
"""

import datetime as dt
from pathlib import Path

from api.ingest.dates import exif_date_parse
from api.ingest.formats import Media
from api.ingest.xmp import xmp_read
from api.models import Photo, PhotoTag
from api.models.photo import DateSource

TAG_SOURCE = "xmp"
TAG_VERSION = "1"
# Dates a sidecar may replace: the ones guessed from the file, not stated by the camera.
_GUESSED_DATES = {DateSource.FILENAME, DateSource.MTIME, ""}


def annotations_apply(*, photo: Photo, media: Media, path: Path, roots: list[Path]) -> str:
    """Apply the file's XMP/IPTC and the stored import facts to `photo` (not saved here; its
    tags are). Sidecars are read only inside `roots`. Returns why an XMP packet was refused,
    or ""."""
    facts = xmp_read(path=path, image=media.image, orientation=media.orientation, roots=roots)
    if facts.rating is not None:
        photo.rating, photo.rejected = facts.rating, facts.rejected
    if facts.caption:
        photo.caption = facts.caption
    if photo.date_source in _GUESSED_DATES and (parsed := exif_date_parse(facts.date_created)):
        local, minutes = parsed
        zone = dt.UTC if minutes is None else dt.timezone(dt.timedelta(minutes=minutes))
        photo.taken_at, photo.taken_date = local.replace(tzinfo=zone), local.date()
        photo.tz_offset, photo.date_source = minutes, DateSource.XMP
    photo.regions = [{"name": r.name, "box": list(r.box)} for r in facts.regions]
    photo.motion_offset = facts.micro_video_offset
    _imported_apply(photo)
    _tags_store(photo, facts.tags)
    return facts.error


def _imported_apply(photo: Photo) -> None:
    """A Takeout sidecar's date and place, for files that do not carry their own."""
    imported = photo.imported or {}
    taken = imported.get("taken")
    if photo.date_source in _GUESSED_DATES and isinstance(taken, int | float):
        moment = dt.datetime.fromtimestamp(taken, tz=dt.UTC)
        photo.taken_at, photo.taken_date = moment, moment.date()
        photo.tz_offset, photo.date_source = None, DateSource.TAKEOUT
    if photo.gps_lat is None and imported.get("lat") is not None:
        photo.gps_lat, photo.gps_lon = imported["lat"], imported["lon"]
        photo.gps_alt = imported.get("alt")


def _tags_store(photo: Photo, names: list[str]) -> None:
    """Make the photo's `xmp` tags exactly `names`: one query when nothing changed."""
    wanted = {name[:128] for name in names}
    present = set(photo.tags.filter(source=TAG_SOURCE).values_list("name", flat=True))
    if present - wanted:
        photo.tags.filter(source=TAG_SOURCE, name__in=present - wanted).delete()
    if wanted - present:
        PhotoTag.objects.bulk_create(
            [
                PhotoTag(photo=photo, name=name, score=1.0, source=TAG_SOURCE, version=TAG_VERSION)
                for name in sorted(wanted - present)
            ],
            ignore_conflicts=True,
        )
