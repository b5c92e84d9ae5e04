"""A scan of the whole corpus, checked against manifest.json; rescans of a small library."""

import contextlib
import datetime as dt
import os
import shutil
import sys
from pathlib import Path

import pytest

from api.ingest.dates import offset_parse
from api.ingest.scan import library_scan
from api.models import File, Job, Photo
from api.models.photo import DateSource
from api.services.jobs import job_create
from api.services.users import user_create_or_update
from tests.conftest import SHARED_PHOTOS
from tests.ingest.conftest import MANIFEST, tree_state

# What each broken/ file must become, from its manifest `expect`/`pillow` facts:
# failed with a reason, or indexed with what could be read (partial = truncated pixels).
BROKEN = {
    "broken/zero_bytes.jpg": ("failed", "empty file"),
    "broken/text_file_named.jpg": ("failed", "not an image"),
    "broken/heic_no_image_data.heic": ("failed", "cannot decode image"),
    "broken/truncated_half.jpg": ("partial", ""),
    "broken/truncated_image.png": ("partial", ""),
    "broken/png_content_with_jpg_extension.jpg": ("indexed", ""),
    "broken/corrupt_exif_ifd0_offset.jpg": ("indexed", ""),
    "broken/exif_malformed_app1.jpg": ("indexed", ""),
    "broken/exif_truncated_app1.jpg": ("indexed", ""),
    "broken/exifpy_invalid_image00971.jpg": ("indexed", ""),
    "broken/exifpy_invalid_image01137.jpg": ("indexed", ""),
}
# RAW test files whose pixel data was stripped: facts indexed, file reported failed.
NO_PIXELS = {"formats/raw/Canon_EOS_350D.cr2", "formats/raw/Nikon_D70.nef"}
# Every file with pixel dimensions in the manifest gets a Photo (text and empty files do not).
WITH_PHOTO = [entry for entry in MANIFEST if "display_width" in entry]


def _entry_id(entry: dict) -> str:
    return entry["path"]


def test_corpus_scan_counts_every_file_new_or_failed(scanned_corpus):
    failed = {p for p, (outcome, _) in BROKEN.items() if outcome == "failed"} | NO_PIXELS
    assert scanned_corpus.counts == {
        "new": len(MANIFEST) - len(failed),
        "changed": 0,
        "unchanged": 0,
        "missing": 0,
        "failed": len(failed),
    }


@pytest.mark.django_db
@pytest.mark.parametrize("entry", WITH_PHOTO, ids=_entry_id)
def test_scan_records_manifest_facts(scanned_corpus, entry):
    file = scanned_corpus.file(entry["path"])
    photo, exif = file.photo, entry["exif"]
    assert file.content_hash == photo.content_hash == entry["sha256"]
    assert (photo.width, photo.height) == (entry["display_width"], entry["display_height"])
    assert photo.orientation == entry["orientation"]
    assert photo.camera_make == (exif["make"] or "")
    assert photo.camera_model == (exif["model"] or "")
    if exif["lens_model"]:
        assert photo.lens == exif["lens_model"]
    if exif["datetime_original"]:
        local = photo.taken_at + dt.timedelta(minutes=photo.tz_offset or 0)
        # Malformed values ("…20:27:09.60:04:00") keep the part that makes sense.
        assert local.strftime("%Y:%m:%d %H:%M:%S") == exif["datetime_original"][:19]
        assert photo.date_source == DateSource.EXIF_ORIGINAL
        assert photo.taken_date == local.date()
        assert photo.tz_offset == offset_parse(exif["offset_time_original"] or "")
    else:
        assert photo.date_source != DateSource.EXIF_ORIGINAL
    if exif["gps"]:
        assert photo.gps_lat == pytest.approx(exif["gps"]["lat"], abs=1e-5)
        assert photo.gps_lon == pytest.approx(exif["gps"]["lon"], abs=1e-5)
    else:
        assert (photo.gps_lat, photo.gps_lon) == (None, None)


@pytest.mark.django_db
@pytest.mark.parametrize("path", sorted(BROKEN))
def test_broken_file_is_handled_as_expected(scanned_corpus, path):
    outcome, reason = BROKEN[path]
    file = scanned_corpus.file(path)
    if outcome == "failed":
        assert reason in file.error
        assert file.photo is None or file.photo.steps["thumbnails"]["state"] == "failed"
    else:
        assert file.error == ""
        assert file.photo.steps["thumbnails"]["state"] == "done"
        assert file.photo.partial is (outcome == "partial")


@pytest.mark.django_db
def test_png_named_jpg_is_indexed_as_png(scanned_corpus):
    file = scanned_corpus.file("broken/png_content_with_jpg_extension.jpg")
    assert (file.mime, file.photo.mime) == ("image/png", "image/png")
    assert (file.photo.width, file.photo.height) == (128, 128)


@pytest.mark.django_db
@pytest.mark.parametrize("path", sorted(NO_PIXELS))
def test_raw_without_pixel_data_keeps_its_facts_and_reports_the_failure(scanned_corpus, path):
    file = scanned_corpus.file(path)
    assert "RAW image data cannot be decoded" in file.error
    assert file.photo.camera_model
    assert file.photo.steps["thumbnails"]["state"] == "failed"


@pytest.mark.django_db
def test_same_bytes_at_two_paths_are_one_photo_with_two_files(scanned_corpus):
    png = scanned_corpus.file("formats/png/hopper.png")
    renamed = scanned_corpus.file("broken/png_content_with_jpg_extension.jpg")
    assert png.photo_id == renamed.photo_id
    assert png.photo.files.count() == 2


def test_scan_never_writes_into_the_library(scanned_corpus):
    assert tree_state(scanned_corpus.root) == scanned_corpus.before


# Rescans, on a small library each (a scan of it takes about a second).


@pytest.fixture
def small_library(tmp_path: Path) -> Path:
    root = tmp_path / "small"
    shutil.copytree(SHARED_PHOTOS / "gps", root / "gps")
    shutil.copytree(SHARED_PHOTOS / "broken", root / "broken")
    (root / ".hidden").mkdir()
    shutil.copy(SHARED_PHOTOS / "gps" / "DSCN0010.jpg", root / ".hidden" / "secret.jpg")
    shutil.copy(SHARED_PHOTOS / "gps" / "DSCN0012.jpg", root / "gps" / ".dotfile.jpg")
    (root / "notes.txt").write_text("not a photo, and not an error")
    return root


@pytest.fixture
def small_user(db, small_library):
    return user_create_or_update(username="erin", libraries=[small_library])


@contextlib.contextmanager
def files_opened():
    """Every path Python opens (builtins.open, os.open) and every program started, as seen by
    an audit hook: a real record of file access, whatever library does the opening."""
    seen: list[str] = []
    active = [True]

    def hook(event: str, args: tuple) -> None:
        if active[0] and event in ("open", "subprocess.Popen"):
            seen.append(f"{event}:{args[0]}")

    sys.addaudithook(hook)
    try:
        yield seen
    finally:
        active[0] = False


def test_scan_skips_hidden_files_and_unknown_types(small_user, small_library):
    counts = library_scan(user=small_user)

    assert counts["new"] + counts["failed"] == 9 + 11
    paths = set(File.objects.for_user(small_user).values_list("path", flat=True))
    assert not {p for p in paths if "/." in p or p.endswith(".txt")}


def test_rescan_skips_unchanged_files_without_opening_them(small_user, small_library):
    library_scan(user=small_user)

    with files_opened() as opened:
        counts = library_scan(user=small_user)

    assert counts == {"new": 0, "changed": 0, "unchanged": 20, "missing": 0, "failed": 0}
    assert [entry for entry in opened if str(small_library) in entry] == []
    assert [entry for entry in opened if entry.startswith("subprocess")] == []
    # The same measurement does see the reads of a file that did change.
    touched = small_library / "gps" / "DSCN0027.jpg"
    os.utime(touched, ns=(touched.stat().st_atime_ns, touched.stat().st_mtime_ns + 10**9))
    with files_opened() as opened:
        library_scan(user=small_user)
    assert f"open:{touched}" in opened


def test_rescan_rereads_a_touched_file_as_changed(small_user, small_library):
    library_scan(user=small_user)
    target = small_library / "gps" / "DSCN0010.jpg"
    photo_id = File.objects.get(path=str(target)).photo_id
    os.utime(target, ns=(target.stat().st_atime_ns, target.stat().st_mtime_ns + 10**9))

    counts = library_scan(user=small_user)

    assert counts == {"new": 0, "changed": 1, "unchanged": 19, "missing": 0, "failed": 0}
    assert File.objects.get(path=str(target)).photo_id == photo_id


def test_rescan_keeps_the_photo_of_a_renamed_file(small_user, small_library):
    library_scan(user=small_user)
    old = small_library / "gps" / "DSCN0010.jpg"
    photo = File.objects.get(path=str(old)).photo
    photo.favorite = True
    photo.save()
    new = small_library / "gps" / "renamed" / "holiday.jpg"
    new.parent.mkdir()
    old.rename(new)

    counts = library_scan(user=small_user)

    assert (counts["new"], counts["missing"], counts["unchanged"]) == (1, 1, 19)
    moved = File.objects.get(path=str(new))
    assert moved.photo_id == photo.pk
    assert Photo.objects.get(pk=photo.pk).favorite is True
    assert File.objects.get(path=str(old)).missing is True


def test_rescan_marks_a_deleted_file_missing_and_keeps_its_photo(small_user, small_library):
    library_scan(user=small_user)
    target = small_library / "gps" / "DSCN0021.jpg"
    photo_id = File.objects.get(path=str(target)).photo_id
    target.unlink()

    counts = library_scan(user=small_user)

    assert counts == {"new": 0, "changed": 0, "unchanged": 19, "missing": 1, "failed": 0}
    assert File.objects.get(path=str(target)).missing is True
    assert Photo.objects.filter(pk=photo_id).exists()
    assert library_scan(user=small_user)["missing"] == 0


def test_photo_follows_its_only_file_when_the_bytes_change(small_user, small_library):
    library_scan(user=small_user)
    target = small_library / "gps" / "DSCN0025.jpg"
    before = File.objects.get(path=str(target)).photo
    shutil.copy(SHARED_PHOTOS / "orientation" / "Landscape_6.jpg", target)

    library_scan(user=small_user)

    after = File.objects.get(path=str(target)).photo
    assert after.pk == before.pk
    assert after.content_hash != before.content_hash
    assert (after.width, after.height, after.gps_lat) == (1800, 1200, None)


def test_failed_files_are_recorded_in_the_job_with_their_reason(small_user, small_library):
    job = job_create(owner=small_user, kind=Job.Kind.SCAN)

    counts = library_scan(user=small_user, job=job)

    job.refresh_from_db()
    assert counts["failed"] == len(job.errors) == 3
    reasons = {Path(error["path"]).name: error["error"] for error in job.errors}
    assert "empty file" in reasons["zero_bytes.jpg"]
    assert "not an image" in reasons["text_file_named.jpg"]
    assert job.done == job.total == counts["new"] + counts["failed"]


def test_full_scan_rereads_every_file(small_user, small_library):
    library_scan(user=small_user)

    counts = library_scan(user=small_user, full=True)

    assert counts["changed"] + counts["failed"] == 20


def test_unreachable_library_folder_marks_nothing_missing(small_user, small_library):
    library_scan(user=small_user)
    small_library.rename(small_library.with_name("unmounted"))
    job = job_create(owner=small_user, kind=Job.Kind.SCAN)

    counts = library_scan(user=small_user, job=job)

    job.refresh_from_db()
    assert counts == {"new": 0, "changed": 0, "unchanged": 0, "missing": 0, "failed": 0}
    assert not File.objects.for_user(small_user).filter(missing=True).exists()
    # Shown by its name: users are not told the server's folders.
    assert job.errors == [{"path": small_library.name, "error": "folder not reachable"}]
