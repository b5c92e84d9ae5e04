"""Originals, full-size renditions and videos, as a browser asks for them."""

import io
import json
import subprocess
from pathlib import Path

import pytest
from PIL import Image

from api.tasks import photo_transcode_video
from tests.factories import photo_from_file


@pytest.fixture(autouse=True)
def _own_cache(settings, tmp_path):
    """Renditions of these tests' own: the same clip bytes recur across tests (and owner ids
    across SQLite runs), and a cached transcode or failure must not carry over."""
    settings.THUMBNAIL_DIR = tmp_path / "thumbnails"


def _photo(owner, path: Path):
    return photo_from_file(owner=owner, path=path)


def _video(path: Path, *codec: str) -> Path:
    """A 2-second test clip with a tone, made by ffmpeg with the given codec options."""
    command = ["ffmpeg", "-nostdin", "-v", "error", "-y", "-f", "lavfi"]
    command += ["-i", "testsrc=size=160x120:rate=10:duration=2", "-f", "lavfi"]
    command += ["-i", "sine=frequency=440:duration=2", *codec, str(path)]
    subprocess.run(command, check=True, timeout=60)
    return path


def _codecs(content: bytes, tmp_path: Path) -> set[str]:
    clip = tmp_path / "answer.mp4"
    clip.write_bytes(content)
    command = ["ffprobe", "-v", "error", "-show_entries", "stream=codec_name", "-of", "json"]
    probe = subprocess.run([*command, str(clip)], capture_output=True, check=True)
    return {stream["codec_name"] for stream in json.loads(probe.stdout)["streams"]}


@pytest.mark.django_db
def test_a_file_swapped_for_a_link_out_of_the_library_is_never_served(api, user, library, tmp_path):
    source = library / "exif" / "Canon_40D.jpg"
    photo = _photo(user, source)
    secret = tmp_path / "elsewhere" / "secret.jpg"
    secret.parent.mkdir()
    secret.write_bytes(b"not yours")
    source.unlink()
    source.symlink_to(secret)

    assert api.get(f"/api/photos/{photo.pk}/original/").status_code == 404
    assert api.get(f"/api/photos/{photo.pk}/full/").status_code == 404
    download = api.post("/api/photos/download/", {"ids": [photo.pk]}, format="json")
    assert download.status_code == 404


@pytest.mark.django_db
def test_the_original_downloads_whole_or_by_range_with_exact_bytes(api, user, library):
    source = library / "exif" / "Canon_40D.jpg"
    photo = _photo(user, source)
    content = source.read_bytes()

    whole = api.get(f"/api/photos/{photo.pk}/original/")
    assert whole.status_code == 200
    assert b"".join(whole.streaming_content) == content
    assert whole["Content-Type"] == "image/jpeg"
    assert whole["Content-Disposition"] == 'attachment; filename="Canon_40D.jpg"'
    assert whole["Accept-Ranges"] == "bytes"
    assert whole["Content-Length"] == str(len(content))

    part = api.get(f"/api/photos/{photo.pk}/original/", HTTP_RANGE="bytes=100-1099")
    assert part.status_code == 206
    assert b"".join(part.streaming_content) == content[100:1100]
    assert part["Content-Range"] == f"bytes 100-1099/{len(content)}"
    tail = api.get(f"/api/photos/{photo.pk}/original/", HTTP_RANGE="bytes=-10")
    assert b"".join(tail.streaming_content) == content[-10:]
    past = api.get(f"/api/photos/{photo.pk}/original/", HTTP_RANGE=f"bytes={len(content)}-")
    assert past.status_code == 416
    etag = whole["ETag"]
    assert api.get(f"/api/photos/{photo.pk}/original/", HTTP_IF_NONE_MATCH=etag).status_code == 304


@pytest.mark.django_db
@pytest.mark.parametrize(
    "path", ["formats/heic/iPhoneXR_rotated.heic", "orientation/Canon_SX60_orientation6.jpg"]
)
def test_the_full_rendition_is_a_jpeg_at_the_displayed_size(api, user, library, manifest, path):
    photo = _photo(user, library / path)
    entry = manifest[path]
    response = api.get(f"/api/photos/{photo.pk}/full/")
    assert response.status_code == 200
    assert response["Content-Type"] == "image/jpeg"
    assert response["Cache-Control"].startswith("private")
    image = Image.open(io.BytesIO(b"".join(response.streaming_content)))
    assert image.format == "JPEG"
    assert image.size == (entry["display_width"], entry["display_height"])
    again = api.get(f"/api/photos/{photo.pk}/full/", HTTP_IF_NONE_MATCH=response["ETag"])
    assert again.status_code == 304


@pytest.mark.django_db
def test_a_playable_video_streams_as_it_is_with_range(api, user, tmp_path):
    clip = _video(tmp_path / "clip.mp4", "-c:v", "libx264", "-pix_fmt", "yuv420p", "-c:a", "aac")
    photo = _photo(user, clip)
    assert photo.is_video
    content = clip.read_bytes()
    response = api.get(f"/api/photos/{photo.pk}/video/", HTTP_RANGE="bytes=0-")
    assert response.status_code == 206
    assert response["Content-Type"] == "video/mp4"
    assert b"".join(response.streaming_content) == content
    middle = api.get(f"/api/photos/{photo.pk}/video/", HTTP_RANGE="bytes=1000-1999")
    assert b"".join(middle.streaming_content) == content[1000:2000]


@pytest.mark.django_db
def test_an_avi_video_is_transcoded_to_h264_then_streams(api, user, tmp_path, library):
    clip = _video(tmp_path / "clip.avi", "-c:v", "mpeg4", "-c:a", "mp3")
    photo = _photo(user, clip)
    assert photo.is_video
    pending = api.get(f"/api/photos/{photo.pk}/video/")
    assert (pending.status_code, pending.json()) == (202, {"state": "pending"})

    photo_transcode_video(photo.pk)  # what the worker runs

    response = api.get(f"/api/photos/{photo.pk}/video/")
    assert response.status_code == 200
    assert response["Content-Type"] == "video/mp4"
    content = b"".join(response.streaming_content)
    assert _codecs(content, tmp_path) == {"h264", "aac"}
    part = api.get(f"/api/photos/{photo.pk}/video/", HTTP_RANGE="bytes=10-19")
    assert (part.status_code, b"".join(part.streaming_content)) == (206, content[10:20])

    image = _photo(user, library / "exif" / "Canon_40D.jpg")
    assert api.get(f"/api/photos/{image.pk}/video/").status_code == 404


@pytest.mark.django_db
def test_a_video_ffmpeg_cannot_read_is_422_with_the_reason(api, user, tmp_path):
    clip = _video(tmp_path / "clip.avi", "-c:v", "mpeg4", "-c:a", "mp3")
    photo = _photo(user, clip)
    # The bytes go bad after indexing: all but the header is cut off.
    clip.write_bytes(clip.read_bytes()[:600])
    assert api.get(f"/api/photos/{photo.pk}/video/").status_code == 202
    photo_transcode_video(photo.pk)
    failed = api.get(f"/api/photos/{photo.pk}/video/")
    assert failed.status_code == 422
    assert failed.json()["state"] == "failed"
    assert failed.json()["detail"].startswith("cannot transcode")


@pytest.mark.django_db
def test_the_detail_has_what_the_info_panel_shows(api, user, library, manifest):
    from api.models import Face, Person
    from api.services.faces import face_assign

    path = "exif/Canon_40D.jpg"
    photo = _photo(user, library / path)
    face = Face.objects.create(
        photo=photo, top=1, right=9, bottom=9, left=1, encoding=bytes(512), detector="hog"
    )
    ada = Person.objects.create(owner=user, name="Ada")
    face_assign(by=user, face=face, person=ada)
    entry = manifest[path]
    body = api.get(f"/api/photos/{photo.pk}/").json()
    assert body["size"] == entry["bytes"]
    assert (body["camera_make"], body["camera_model"]) == (
        entry["exif"]["make"],
        entry["exif"]["model"],
    )
    assert body["exposure_time"] == body["exposure"]
    assert body["exposure_time"] is not None
    assert "timezone_offset" in body
    assert body["faces"] == [
        {"id": face.pk, "box": [1, 9, 9, 1], "person": ada.pk, "person_name": "Ada"}
    ]
    for field in ("f_number", "iso", "focal_length", "lens", "rating", "caption", "duration"):
        assert field in body
