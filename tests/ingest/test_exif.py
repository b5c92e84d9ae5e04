from fractions import Fraction

import pytest
from PIL import Image

from api.ingest.exif import exif_from_exiftool, exif_from_pillow, gps_degrees, gps_position
from tests.conftest import SHARED_PHOTOS


def test_gps_degrees_signs_south_and_west():
    rationals = (Fraction(39), Fraction(6), Fraction(54))
    assert gps_degrees(rationals, "N") == pytest.approx(39.115)
    assert gps_degrees(rationals, "S") == pytest.approx(-39.115)
    assert gps_degrees(rationals, b"W\x00") == pytest.approx(-39.115)


@pytest.mark.parametrize("value", [(), (Fraction(1), Fraction(2)), ("a", "b", "c"), None])
def test_gps_degrees_ignores_malformed_values(value):
    assert gps_degrees(value, "N") is None


@pytest.mark.parametrize(
    ("lat", "lon"), [(0.0, 0.0), (91.0, 10.0), (10.0, 181.0), (None, 10.0), (float("nan"), 1.0)]
)
def test_gps_position_rejects_placeholders_and_out_of_range(lat, lon):
    assert gps_position(lat, lon) is None


def test_empty_gps_ifd_gives_no_position_but_keeps_the_camera():
    with Image.open(SHARED_PHOTOS / "gps" / "empty_gps_ifd.jpg") as image:
        facts = exif_from_pillow(image)
    assert (facts.gps_lat, facts.gps_lon) == (None, None)
    assert (facts.make, facts.model) == ("motorola", "moto g(9) plus")


def test_corrupt_exif_block_gives_empty_facts_without_error():
    with Image.open(SHARED_PHOTOS / "broken" / "corrupt_exif_ifd0_offset.jpg") as image:
        facts = exif_from_pillow(image)
    assert (facts.make, facts.datetime_original, facts.orientation) == ("", "", None)


def test_exposure_settings_are_read_as_numbers():
    with Image.open(SHARED_PHOTOS / "exif" / "Canon_40D.jpg") as image:
        facts = exif_from_pillow(image)
    assert facts.exposure_time == pytest.approx(1 / 160)
    assert (facts.f_number, facts.iso, facts.focal_length) == (7.1, 100, 135.0)


def test_exiftool_reads_raw_metadata_with_signed_gps():
    facts = exif_from_exiftool(SHARED_PHOTOS / "formats" / "raw" / "iPhone12Pro_IMG_1361.dng")
    assert (facts.make, facts.model, facts.orientation) == ("Apple", "iPhone 12 Pro", 6)
    assert (facts.width, facts.height) == (4032, 3024)
    assert facts.gps_lon == pytest.approx(-84.681725, abs=1e-5)
    assert facts.offset_time_original == "-05:00"
