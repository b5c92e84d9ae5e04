"""Thumbnails of the scanned corpus: valid images, within their limits, orientation applied."""

import importlib
import os
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest
from django.apps import apps
from django.conf import settings
from PIL import Image

from api.ingest.pipeline import file_extract, file_register
from api.ingest.scan import library_scan
from api.ingest.thumbnails import thumbnail_mime, thumbnail_path
from api.models import Photo
from tests.conftest import SHARED_PHOTOS
from tests.factories import LibraryFactory

LIMITS = {"small": 256, "big": 1440}
FORMATS = {"small": "WEBP", "big": "JPEG"}


def _pixels(path: Path, size: tuple[int, int]) -> np.ndarray:
    with Image.open(path) as image:
        return np.asarray(image.convert("L").resize(size), dtype=np.float32)


@pytest.mark.django_db
def test_every_thumbnail_is_a_valid_image_within_its_limit(scanned_corpus):
    photos = Photo.objects.for_user(scanned_corpus.user).filter(steps__thumbnails__state="done")
    assert photos.count() >= 125
    for photo in photos:
        for size, limit in LIMITS.items():
            path = thumbnail_path(photo=photo, size=size)
            assert path.is_relative_to(settings.THUMBNAIL_DIR)
            with Image.open(path) as image:
                image.load()
                assert image.format == FORMATS[size]
                assert Image.MIME[image.format] == thumbnail_mime(size)
                assert max(image.size) <= limit
                if max(photo.width, photo.height) >= limit:
                    assert max(image.size) == limit
                # Same shape as the photo as displayed: rounding twice (big, then small
                # from big) allows 1.5 px; RAW developments crop the sensor margins (<1%).
                expected = image.width * photo.height / photo.width
                slack = 0.01 * image.height if photo.mime.startswith("image/x-") else 1.5
                assert abs(image.height - expected) <= slack, photo.files.first().path


@pytest.mark.django_db
def test_landscape_set_looks_alike_once_turned(scanned_corpus):
    """Landscape_0..8 are one picture stored in every EXIF orientation: shown right, all match."""
    display = (1800, 1200)
    photos = [
        scanned_corpus.file(str(path.relative_to(scanned_corpus.root))).photo
        for path in sorted(scanned_corpus.root.glob("orientation/Landscape_*.jpg"))
    ]
    assert len(photos) == 9
    assert {(photo.width, photo.height) for photo in photos} == {display}
    reference = _pixels(thumbnail_path(photo=photos[0], size="big"), (120, 80))
    for photo in photos:
        big = thumbnail_path(photo=photo, size="big")
        with Image.open(big) as image:
            assert image.width / image.height == pytest.approx(display[0] / display[1], 0.01)
        difference = np.abs(_pixels(big, (120, 80)) - reference).mean()
        assert difference < 8, f"orientation {photo.orientation} differs by {difference:.1f}"
    # The measure tells a turned picture apart: the reference upside down differs a lot.
    upside_down = np.abs(reference[::-1, ::-1] - reference).mean()
    assert upside_down > 20


@pytest.mark.django_db
def test_rotated_heic_thumbnail_is_portrait(scanned_corpus):
    photo = scanned_corpus.file("formats/heic/iPhoneXR_rotated.heic").photo
    with Image.open(thumbnail_path(photo=photo, size="big")) as image:
        assert image.size == (1080, 1440)


@pytest.mark.django_db
def test_truncated_jpeg_gets_a_thumbnail_of_what_decodes(scanned_corpus):
    photo = scanned_corpus.file("broken/truncated_half.jpg").photo
    assert photo.partial is True
    with Image.open(thumbnail_path(photo=photo, size="small")) as image:
        assert image.size == (256, 154)
        top = np.asarray(image.convert("L"))[:40]
        assert top.std() > 5  # real picture content, not a blank canvas


@pytest.mark.django_db
def test_file_extract_again_is_a_no_op(scanned_corpus):
    file = scanned_corpus.file("gps/DSCN0010.jpg")
    path = thumbnail_path(photo=file.photo, size="big")
    before = path.stat().st_mtime_ns
    steps = file.photo.steps

    photo = file_extract(file=file)

    assert path.stat().st_mtime_ns == before
    assert photo.steps == steps


def _ffmpeg(*args: str) -> None:
    subprocess.run(["ffmpeg", "-v", "error", "-y", *args], check=True, timeout=60)


@pytest.mark.skipif(shutil.which("ffmpeg") is None, reason="ffmpeg is not installed")
def test_videos_get_duration_date_and_an_upright_poster(user, tmp_path):
    mp4, mov = tmp_path / "clip.mp4", tmp_path / "turned.mov"
    _ffmpeg(
        *("-f", "lavfi", "-i", "testsrc=size=320x240:rate=10", "-t", "3"),
        *("-metadata", "creation_time=2021-05-06T07:08:09Z", "-pix_fmt", "yuv420p", str(mp4)),
    )
    _ffmpeg("-i", str(mp4), "-c", "copy", "-metadata:s:v:0", "rotate=90", str(mov))
    LibraryFactory(owner=user, path=str(tmp_path.resolve()))

    clip = file_extract(file=file_register(owner=user, path=mp4))
    turned = file_extract(file=file_register(owner=user, path=mov))

    assert (clip.is_video, clip.mime, clip.width, clip.height) == (True, "video/mp4", 320, 240)
    assert clip.duration == pytest.approx(3, abs=0.1)
    assert clip.taken_at.isoformat() == "2021-05-06T07:08:09+00:00"
    assert clip.date_source == "video"
    assert (turned.mime, turned.width, turned.height) == ("video/quicktime", 240, 320)
    with Image.open(thumbnail_path(photo=turned, size="small")) as poster:
        assert poster.size == (192, 256)


def test_thumbnails_are_written_once_under_the_data_folder_only(user, tmp_path):
    library = tmp_path / "lib"
    library.mkdir()
    shutil.copy(SHARED_PHOTOS / "exif" / "Canon_40D.jpg", library / "a.jpg")
    LibraryFactory(owner=user, path=str(library.resolve()))
    os.chmod(library, 0o555)
    try:
        photo = file_extract(file=file_register(owner=user, path=library / "a.jpg"))
    finally:
        os.chmod(library, 0o755)
    assert sorted(p.name for p in library.iterdir()) == ["a.jpg"]
    assert thumbnail_path(photo=photo, size="small").exists()
    leftovers = list(thumbnail_path(photo=photo, size="small").parent.glob(".*.tmp"))
    assert leftovers == []


@pytest.mark.skipif(shutil.which("ffmpeg") is None, reason="ffmpeg is not installed")
def test_webm_videos_get_their_duration_in_the_month_rows(user, api, tmp_path):
    # ffmpeg's WebM: exiftool's Duration is the track tag's "00:00:03.000000000", even with -n.
    # A live WebM (as a browser's MediaRecorder writes it) states no duration anywhere.
    vp9, live = tmp_path / "clip.webm", tmp_path / "recorded.webm"
    source = ("-f", "lavfi", "-i", "testsrc=size=320x240:rate=10", "-t", "3")
    _ffmpeg(
        *source, "-metadata", "creation_time=2021-05-06T07:08:09Z", "-c:v", "libvpx-vp9", str(vp9)
    )
    _ffmpeg(*source, "-c:v", "libvpx", "-live", "1", "-f", "webm", str(live))
    LibraryFactory(owner=user, path=str(tmp_path.resolve()))

    clips = [file_extract(file=file_register(owner=user, path=path)) for path in (vp9, live)]

    for clip in clips:
        assert (clip.is_video, clip.mime) == (True, "video/webm")
        assert clip.duration == pytest.approx(3, abs=0.15)
    durations = {}
    for bucket in api.get("/api/timeline/months/").json():
        rows = api.get(f"/api/timeline/months/{bucket['month'] or 'undated'}/").json()
        durations.update(zip(rows["ids"], rows["durations"], strict=True))
    assert durations == {clip.pk: pytest.approx(3, abs=0.15) for clip in clips}


@pytest.mark.skipif(shutil.which("ffmpeg") is None, reason="ffmpeg is not installed")
@pytest.mark.django_db
def test_webms_indexed_without_a_duration_get_it_at_the_next_scan_after_migrating(user, tmp_path):
    live = tmp_path / "recorded.webm"
    source = ("-f", "lavfi", "-i", "testsrc=size=320x240:rate=10", "-t", "3")
    _ffmpeg(*source, "-c:v", "libvpx", "-live", "1", "-f", "webm", str(live))
    LibraryFactory(owner=user, path=str(tmp_path.resolve()))
    library_scan(user=user)
    # As an index made before ffprobe was asked left it: done, without a duration.
    Photo.objects.filter(owner=user).update(duration=None)
    assert library_scan(user=user)["unchanged"] == 1

    migration = importlib.import_module("api.migrations.0042_video_duration_refresh")
    migration.videos_without_duration_reread(apps, None)

    assert library_scan(user=user)["changed"] == 1
    assert Photo.objects.get(owner=user).duration == pytest.approx(3, abs=0.15)
    assert library_scan(user=user)["unchanged"] == 1
