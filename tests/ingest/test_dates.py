import datetime as dt

import pytest

from api.ingest.dates import exif_date_parse, filename_date_parse, offset_parse, taken_resolve
from api.ingest.exif import ExifFacts
from api.models.photo import DateSource


@pytest.mark.parametrize(
    ("value", "offset", "expected"),
    [
        ("2008:05:30 15:56:01", "", (dt.datetime(2008, 5, 30, 15, 56, 1), None)),
        ("2021:04:11 15:47:53", "-05:00", (dt.datetime(2021, 4, 11, 15, 47, 53), -300)),
        # From faces/barack_obama/obama2.jpg: sub-seconds and a zone run together.
        ("2009:09:09 20:27:09.60:04:00", "", (dt.datetime(2009, 9, 9, 20, 27, 9), None)),
        ("2019-07-04T18:30:00+02:00", "", (dt.datetime(2019, 7, 4, 18, 30), 120)),
        ("2019:07:04 18:30:00Z", "", (dt.datetime(2019, 7, 4, 18, 30), 0)),
        ("2019:07:04", "", (dt.datetime(2019, 7, 4), None)),
    ],
)
def test_exif_date_parse_reads_what_makes_sense(value, offset, expected):
    assert exif_date_parse(value, offset) == expected


@pytest.mark.parametrize(
    "value",
    [
        "",
        "0000:00:00 00:00:00",
        "    :  :     :  :  ",
        "2019:13:45 10:00:00",
        "garbage",
        "1600:01:01",
    ],
)
def test_exif_date_parse_ignores_impossible_dates(value):
    assert exif_date_parse(value) is None


@pytest.mark.parametrize(
    ("value", "minutes"),
    [("+02:00", 120), ("-05:30", -330), ("+0100", 60), ("", None), ("+25:00", None), ("x", None)],
)
def test_offset_parse(value, minutes):
    assert offset_parse(value) == minutes


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("IMG_20190704_183000.jpg", dt.datetime(2019, 7, 4, 18, 30)),
        ("2019-07-04 18.30.12.jpg", dt.datetime(2019, 7, 4, 18, 30, 12)),
        ("PXL_20231231_235959123.jpg", dt.datetime(2023, 12, 31)),
        ("Screenshot_2020-02-29-10-11-12.png", dt.datetime(2020, 2, 29, 10, 11, 12)),
        ("VID-20190704-WA0001.mp4", dt.datetime(2019, 7, 4)),
        ("DSCN0010.jpg", None),
        ("holiday_20191345.jpg", None),
        ("IMG_12345678901.jpg", None),
    ],
)
def test_filename_date_parse(name, expected):
    assert filename_date_parse(name) == expected


def test_taken_resolve_prefers_original_then_digitized_then_name_then_mtime():
    mtime_ns = int(dt.datetime(2001, 1, 2, 3, 4, 5, tzinfo=dt.UTC).timestamp() * 1e9)
    both = ExifFacts(datetime_original="2023:02:02 02:00:00", datetime_digitized="2023:04:04")
    digitized = ExifFacts(datetime_digitized="2023:04:04 04:00:00", offset_time_digitized="+01:00")

    original = taken_resolve(facts=both, name="IMG_20190704_183000.jpg", mtime_ns=mtime_ns)
    second = taken_resolve(facts=digitized, name="x.jpg", mtime_ns=mtime_ns)
    named = taken_resolve(facts=ExifFacts(), name="IMG_20190704_183000.jpg", mtime_ns=mtime_ns)
    fallback = taken_resolve(facts=ExifFacts(), name="x.jpg", mtime_ns=mtime_ns)

    assert (original.source, original.taken_date) == (DateSource.EXIF_ORIGINAL, dt.date(2023, 2, 2))
    assert (second.source, second.tz_offset) == (DateSource.EXIF_DIGITIZED, 60)
    assert second.taken_at == dt.datetime(2023, 4, 4, 3, tzinfo=dt.UTC)
    assert (named.source, named.taken_date) == (DateSource.FILENAME, dt.date(2019, 7, 4))
    assert (fallback.source, fallback.taken_at) == (
        DateSource.MTIME,
        dt.datetime(2001, 1, 2, 3, 4, 5, tzinfo=dt.UTC),
    )


def test_local_day_is_where_the_photo_was_taken_not_utc():
    facts = ExifFacts(datetime_original="2021:02:13 23:03:31", offset_time_original="-06:00")

    taken = taken_resolve(facts=facts, name="x.heic", mtime_ns=0)

    assert taken.taken_at.astimezone(dt.UTC).date() == dt.date(2021, 2, 14)
    assert taken.taken_date == dt.date(2021, 2, 13)
