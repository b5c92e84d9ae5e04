import shutil
import struct
import time
import zlib
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile

from api.models import File, Job, Photo
from tests.conftest import SHARED_PHOTOS

JPEG = SHARED_PHOTOS / "exif" / "Canon_EOS_R5_prairie_falcon.jpg"


@pytest.fixture(autouse=True)
def _empty_upload_folders(user, other_user):
    """Ids repeat between tests (rolled back) while files on disk stay: start from nothing."""
    for owner in (user, other_user):
        shutil.rmtree(Path(settings.UPLOAD_DIR) / str(owner.pk), ignore_errors=True)


def _upload(api, path: Path, name: str | None = None):
    upload = SimpleUploadedFile(name or path.name, path.read_bytes())
    return api.post("/api/photos/upload/", {"file": upload}, format="multipart")


def _png_header_only(width: int, height: int) -> bytes:
    """A PNG whose header promises width x height pixels: what a decompression bomb looks like."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    idat = zlib.compress(b"\x00" * 1024)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")
    )


def _stored(user) -> list[Path]:
    folder = Path(settings.UPLOAD_DIR) / str(user.pk)
    return sorted(folder.iterdir()) if folder.exists() else []


@pytest.mark.django_db
def test_upload_of_a_jpeg_is_201_with_a_photo_file_and_job(api, user):
    response = _upload(api, JPEG)
    assert response.status_code == 201
    body = response.json()
    photo = Photo.objects.get(pk=body["id"], owner=user)
    file = File.objects.get(photo=photo)
    assert file.uploaded is True
    assert Path(file.path).parent == Path(settings.UPLOAD_DIR) / str(user.pk)
    assert Path(file.path).read_bytes() == JPEG.read_bytes()
    # Streamed to a temporary file beside the upload folders, then renamed into place.
    assert Path(settings.FILE_UPLOAD_TEMP_DIR).parent == Path(settings.UPLOAD_DIR)
    assert list(Path(settings.FILE_UPLOAD_TEMP_DIR).iterdir()) == []
    job = Job.objects.get(pk=body["job"], owner=user)
    assert (job.kind, job.state, job.params["file_id"]) == ("upload", "queued", file.pk)
    assert api.get(f"/api/jobs/{job.pk}/").json()["state"] == "queued"


@pytest.mark.django_db
def test_the_same_bytes_twice_give_200_and_the_same_photo(api, user, settings, tmp_path):
    settings.FILE_UPLOAD_TEMP_DIR = str(tmp_path)
    first = _upload(api, JPEG)
    second = _upload(api, JPEG, name="another_name.jpg")
    assert (first.status_code, second.status_code) == (201, 200)
    assert second.json() == {"id": first.json()["id"], "job": None}
    assert Photo.objects.filter(owner=user).count() == 1
    assert len(_stored(user)) == 1
    assert list(tmp_path.iterdir()) == []


@pytest.mark.django_db
def test_a_text_file_named_jpg_is_400_with_a_reason_and_nothing_kept(api, user):
    response = _upload(api, SHARED_PHOTOS / "broken" / "text_file_named.jpg")
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "not_an_image"
    assert body["detail"]
    assert _stored(user) == []
    assert not Photo.objects.filter(owner=user).exists()


@pytest.mark.django_db
def test_an_empty_file_is_400(api, user):
    response = _upload(api, SHARED_PHOTOS / "broken" / "zero_bytes.jpg")
    assert response.status_code == 400
    assert not Photo.objects.filter(owner=user).exists()


@pytest.mark.django_db
def test_a_png_named_jpg_is_kept_as_a_png(api, user):
    response = _upload(api, SHARED_PHOTOS / "broken" / "png_content_with_jpg_extension.jpg")
    assert response.status_code == 201
    assert Photo.objects.get(pk=response.json()["id"]).mime == "image/png"


@pytest.mark.django_db
def test_a_decompression_bomb_is_400_before_decoding(api, user, tmp_path):
    bomb = tmp_path / "bomb.png"
    bomb.write_bytes(_png_header_only(100_000, 100_000))
    response = _upload(api, bomb)
    assert response.status_code == 400
    assert response.json()["code"] == "image_too_large"
    assert _stored(user) == []


@pytest.mark.django_db
def test_upload_without_a_file_is_400(api):
    response = api.post("/api/photos/upload/", {}, format="multipart")
    assert response.status_code == 400
    assert "file" in response.json()


@pytest.mark.django_db
def test_another_users_identical_upload_is_their_own_photo(api, user, other_user):
    mine = _upload(api, JPEG).json()["id"]
    api.force_authenticate(other_user)
    response = _upload(api, JPEG)
    assert response.status_code == 201
    assert response.json()["id"] != mine


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_an_uploaded_jpeg_is_complete_once_its_job_is_done(worker_process, api, user):
    response = _upload(api, JPEG)
    assert response.status_code == 201
    photo_id, job_id = response.json()["id"], response.json()["job"]
    deadline = time.monotonic() + 60
    while (job := api.get(f"/api/jobs/{job_id}/").json())["state"] not in {"done", "failed"}:
        assert time.monotonic() < deadline, job
        time.sleep(0.1)
    assert (job["kind"], job["state"], job["progress"]) == (
        "upload",
        "done",
        {"done": 1, "total": 1},
    )
    body = api.get(f"/api/photos/{photo_id}/").json()
    assert body["taken_at"] == "2022-03-31T11:31:56"
    assert (body["camera_make"], body["camera_model"]) == ("Canon", "Canon EOS R5")
    assert (body["width"], body["height"]) == (800, 533)
    assert api.get(f"/api/photos/{photo_id}/thumbnail/big/").status_code == 200


def _tiff_header_only(width: int, height: int) -> bytes:
    """A little-endian TIFF whose one IFD claims width x height 8-bit grey pixels, with a few
    bytes of strip: a bomb in RAW clothing once named .dng (DNG is a TIFF)."""
    tags = [
        (256, 4, 1, width),  # ImageWidth, LONG
        (257, 4, 1, height),  # ImageLength
        (258, 3, 1, 8),  # BitsPerSample, SHORT
        (259, 3, 1, 1),  # Compression: none
        (262, 3, 1, 1),  # Photometric: black is zero
        (273, 4, 1, 8 + 2 + 12 * 9 + 4),  # StripOffsets: right after the IFD
        (277, 3, 1, 1),  # SamplesPerPixel
        (278, 4, 1, height),  # RowsPerStrip
        (279, 4, 1, min(width * height, 2**32 - 1)),  # StripByteCounts (a lie)
    ]
    ifd = struct.pack("<H", len(tags))
    for tag, kind, count, value in tags:
        packed = struct.pack("<HH", value, 0) if kind == 3 else struct.pack("<I", value)
        ifd += struct.pack("<HHI", tag, kind, count) + packed
    return b"II*\x00" + struct.pack("<I", 8) + ifd + struct.pack("<I", 0) + b"\x00" * 64


def _incoming() -> list[Path]:
    return list(Path(settings.FILE_UPLOAD_TEMP_DIR).iterdir())


@pytest.mark.django_db
def test_a_jpeg_signature_followed_by_zeros_is_400_and_nothing_is_kept(api, user, tmp_path):
    fake = tmp_path / "zeros.jpg"
    fake.write_bytes(b"\xff\xd8\xff" + b"\x00" * (8 * 1024 * 1024))
    response = _upload(api, fake)
    assert response.status_code == 400
    assert response.json()["code"] == "not_an_image"
    assert _stored(user) == []
    assert _incoming() == []
    assert not Photo.objects.filter(owner=user).exists()


@pytest.mark.django_db
def test_a_tiff_bomb_named_dng_is_400_before_decoding(api, user, tmp_path):
    bomb = tmp_path / "huge.dng"
    bomb.write_bytes(_tiff_header_only(100_000, 100_000))
    response = _upload(api, bomb)
    assert response.status_code == 400
    assert response.json()["code"] == "image_too_large"
    assert _stored(user) == []
    assert not File.objects.filter(owner=user).exists()


@pytest.mark.django_db
def test_one_pixel_limit_holds_for_every_format_including_a_scanned_raw(
    api, user, settings, tmp_path
):
    from api.ingest.scan import library_scan

    settings.MAX_PIXELS = 1000
    response = _upload(api, JPEG)
    assert response.status_code == 400
    assert "OWNPHOTOS_MAX_PIXELS" in response.json()["detail"]

    settings.MAX_PIXELS = 100_000_000
    folder = tmp_path / "library"
    folder.mkdir()
    (folder / "huge.dng").write_bytes(_tiff_header_only(100_000, 100_000))
    counts = library_scan(user=user, path=folder)
    assert counts["failed"] == 1
    assert "OWNPHOTOS_MAX_PIXELS" in File.objects.get(owner=user).error


@pytest.mark.django_db
def test_an_upload_past_the_size_limit_is_413_with_the_limit(api, user, settings):
    settings.UPLOAD_MAX_BYTES = 1000
    response = _upload(api, JPEG)
    assert response.status_code == 413
    assert response.json()["code"] == "upload_too_large"
    assert "1,000 bytes" in response.json()["detail"]
    assert _stored(user) == []
    assert not Photo.objects.filter(owner=user).exists()


@pytest.mark.django_db
def test_an_upload_whose_pixels_do_not_decode_fails_its_job_and_is_not_kept(api, user, tmp_path):
    from api.tasks import file_process

    broken = tmp_path / "garbage.png"
    head = _png_header_only(64, 64)
    # A valid header, then an IDAT whose bytes are no zlib stream.
    idat_at = head.index(b"IDAT") - 4
    garbage = b"not zlib at all" * 10
    chunk = struct.pack(">I", len(garbage)) + b"IDAT" + garbage
    chunk += struct.pack(">I", zlib.crc32(b"IDAT" + garbage))
    broken.write_bytes(head[:idat_at] + chunk + head[-12:])
    response = _upload(api, broken)
    assert response.status_code == 201
    body = response.json()

    file_process(File.objects.get(photo_id=body["id"]).pk, body["job"])

    job = api.get(f"/api/jobs/{body['job']}/").json()
    assert job["state"] == "failed", (job, Photo.objects.get(pk=body["id"]).steps)
    assert job["reason"].startswith("garbage.png was not kept: ")
    assert "/" not in job["reason"].removeprefix("garbage.png was not kept: ")
    assert _stored(user) == []
    assert not Photo.objects.filter(owner=user).exists()
    assert not File.objects.filter(owner=user).exists()
