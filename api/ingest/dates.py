"""When a photo was taken: EXIF dates with their offsets, else a date in the file name, else mtime.

EXIF stores local wall-clock time ("2019:07:04 18:30:00") and, since EXIF 2.31, the offset
from UTC separately. Camera firmware writes odd variants ("2009:09:09 20:27:09.60:04:00",
"0000:00:00 00:00:00", blanks): those are parsed as far as they make sense or ignored.
"""

import datetime as dt
import re
from dataclasses import dataclass

from api.ingest.exif import ExifFacts
from api.models.photo import DateSource

_EXIF_DATE = re.compile(
    r"^\s*(\d{4})[:\-/.](\d{1,2})[:\-/.](\d{1,2})"
    r"(?:[ T]+(\d{1,2}):(\d{1,2})(?::(\d{1,2}))?)?"
    r"(?:\.\d+)?"
    r"\s*(Z|[+\-]\d{2}:?\d{2})?"
)
_OFFSET = re.compile(r"^\s*([+\-])(\d{1,2}):?(\d{2})\s*$")
# A date in a file name: IMG_20190704_183000.jpg, 2019-07-04 18.30.00.jpg, PXL_20190704…
_NAME_DATE = re.compile(
    r"(?<!\d)((?:19|20)\d{2})[-_.]?(0[1-9]|1[0-2])[-_.]?(0[1-9]|[12]\d|3[01])"
    r"(?:[ _T\-.]?([01]\d|2[0-3])[-_.:h]?([0-5]\d)[-_.:m]?([0-5]\d)?)?(?!\d)"
)
_EARLIEST = dt.datetime(1826, 1, 1)


@dataclass(frozen=True)
class TakenAt:
    taken_at: dt.datetime  # aware
    taken_date: dt.date  # the calendar day where the photo was taken
    tz_offset: int | None  # minutes east of UTC, None when the zone is unknown
    source: str


def offset_parse(value: str) -> int | None:
    """ "+02:00" -> 120 minutes; anything malformed or beyond ±14 h -> None."""
    match = _OFFSET.match(value or "")
    if not match:
        return None
    sign, hours, minutes = match.groups()
    total = int(hours) * 60 + int(minutes)
    if total > 14 * 60 or int(minutes) >= 60:
        return None
    return -total if sign == "-" else total


def exif_date_parse(value: str, offset: str = "") -> tuple[dt.datetime, int | None] | None:
    """An EXIF date string to (local naive datetime, offset minutes or None), or None.

    The offset comes from the OffsetTime* tag, or from a zone written after the time.
    """
    match = _EXIF_DATE.match(value or "")
    if not match:
        return None
    year, month, day, hour, minute, second, zone = match.groups()
    try:
        local = dt.datetime(
            int(year), int(month), int(day), int(hour or 0), int(minute or 0), int(second or 0)
        )
    except ValueError:
        return None
    if local < _EARLIEST:
        return None
    minutes = offset_parse(offset)
    if minutes is None and zone:
        minutes = 0 if zone == "Z" else offset_parse(zone)
    return local, minutes


def filename_date_parse(name: str) -> dt.datetime | None:
    """The first plausible date (and time, when given) in a file name, as local naive time."""
    for match in _NAME_DATE.finditer(name):
        year, month, day, hour, minute, second = match.groups()
        try:
            return dt.datetime(
                int(year), int(month), int(day), int(hour or 0), int(minute or 0), int(second or 0)
            )
        except ValueError:
            continue
    return None


def _taken(local: dt.datetime, minutes: int | None, source: str) -> TakenAt:
    zone = dt.UTC if minutes is None else dt.timezone(dt.timedelta(minutes=minutes))
    return TakenAt(local.replace(tzinfo=zone), local.date(), minutes, source)


def taken_resolve(*, facts: ExifFacts, name: str, mtime_ns: int, is_video: bool = False) -> TakenAt:
    """Pick the best date source, in order: DateTimeOriginal, CreateDate/DateTimeDigitized,
    DateTime, the file name, the file's mtime. Without a known offset the wall-clock time is
    stored as if it were UTC, so the local day stays right and `tz_offset` stays None.

    Videos store CreateDate in UTC (QuickTime), so their day is the UTC day.
    """
    candidates = [
        (facts.datetime_original, facts.offset_time_original, DateSource.EXIF_ORIGINAL),
        (facts.datetime_digitized, facts.offset_time_digitized, DateSource.EXIF_DIGITIZED),
        (facts.datetime, facts.offset_time, DateSource.EXIF_MODIFIED),
    ]
    if is_video:
        candidates = [(facts.datetime_digitized, "+00:00", DateSource.VIDEO)]
    for value, offset, source in candidates:
        parsed = exif_date_parse(value, offset)
        if parsed:
            return _taken(*parsed, source)
    if local := filename_date_parse(name):
        return _taken(local, None, DateSource.FILENAME)
    moment = dt.datetime.fromtimestamp(mtime_ns / 1e9, tz=dt.UTC)
    return TakenAt(moment, moment.date(), None, DateSource.MTIME)
