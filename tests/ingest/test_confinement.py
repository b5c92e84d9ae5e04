"""Files stay inside their library: symlinks are judged by where they lead (real scans)."""

import os
import shutil
from pathlib import Path

import pytest
from rest_framework.test import APIClient

from api.exceptions import PathOutsideLibrary
from api.ingest.pipeline import file_extract
from api.ingest.scan import library_scan
from api.models import File, Job, Photo
from api.services.jobs import job_create
from api.services.users import library_add
from tests.conftest import SHARED_PHOTOS
from tests.factories import UserFactory

FALCON = SHARED_PHOTOS / "exif" / "Canon_EOS_R5_prairie_falcon.jpg"
NIKON = SHARED_PHOTOS / "exif" / "Nikon_D70.jpg"


@pytest.fixture
def two_libraries(tmp_path: Path, user, other_user):
    """alice's and bob's libraries; bob's holds the falcon, alice's one photo of her own."""
    alice_root, bob_root = tmp_path / "alice", tmp_path / "bob"
    alice_root.mkdir()
    bob_root.mkdir()
    shutil.copy(NIKON, alice_root / "mine.jpg")
    shutil.copy(FALCON, bob_root / "falcon.jpg")
    library_add(user=user, path=alice_root)
    library_add(user=other_user, path=bob_root)
    return alice_root.resolve(), bob_root.resolve()


@pytest.mark.django_db
def test_a_symlink_into_another_users_library_is_skipped_reported_and_never_indexed(
    user, other_user, two_libraries
):
    alice_root, bob_root = two_libraries
    (alice_root / "linked_from_bob.jpg").symlink_to(bob_root / "falcon.jpg")
    (alice_root / "passwd.jpg").symlink_to("/etc/passwd")
    (alice_root / "bobs_folder").symlink_to(bob_root, target_is_directory=True)
    job = job_create(owner=user, kind=Job.Kind.SCAN)

    counts = library_scan(user=user, job=job)

    assert counts["new"] == 1
    assert counts["failed"] == 0
    paths = list(File.objects.for_user(user).values_list("path", flat=True))
    assert paths == [str(alice_root / "mine.jpg")]
    job.refresh_from_db()
    reported = sorted((e["path"], e["error"]) for e in job.errors)
    reason = "links outside your libraries; not read"
    assert reported == [
        ("bobs_folder", reason),
        ("linked_from_bob.jpg", reason),
        ("passwd.jpg", reason),
    ]
    # Bob's photo is not alice's, over HTTP either.
    library_scan(user=other_user)
    falcon = Photo.objects.get(owner=other_user)
    client = APIClient()
    client.force_authenticate(user)
    assert [p["id"] for p in client.get("/api/photos/").json()["results"]] != [falcon.pk]
    assert client.get(f"/api/photos/{falcon.pk}/thumbnail/small/").status_code == 404
    assert Photo.objects.filter(owner=user).count() == 1


@pytest.mark.django_db
def test_a_file_row_through_a_link_made_before_the_fix_is_not_opened(user, two_libraries):
    alice_root, bob_root = two_libraries
    link = alice_root / "linked_from_bob.jpg"
    link.symlink_to(bob_root / "falcon.jpg")
    library_scan(user=user)
    # What the old scan left: the link's own path, registered as alice's.
    photo = Photo.objects.create(owner=user, content_hash="0" * 64, mime="image/jpeg")
    file = File.objects.create(
        owner=user, photo=photo, path=str(link), size=1, mtime_ns=1, mime="image/jpeg"
    )
    with pytest.raises(PathOutsideLibrary):
        file_extract(file=file)
    photo.refresh_from_db()
    assert photo.width is None


@pytest.mark.django_db
def test_links_inside_the_library_keep_working_once_by_their_real_path(user, two_libraries):
    alice_root, _ = two_libraries
    (alice_root / "album").mkdir()
    (alice_root / "album" / "same.jpg").symlink_to(alice_root / "mine.jpg")
    os.symlink(alice_root / "album", alice_root / "album_again")
    job = job_create(owner=user, kind=Job.Kind.SCAN)

    counts = library_scan(user=user, job=job)

    assert (counts["new"], counts["failed"]) == (1, 0)
    assert list(File.objects.for_user(user).values_list("path", flat=True)) == [
        str(alice_root / "mine.jpg")
    ]
    job.refresh_from_db()
    assert job.errors == []


@pytest.mark.django_db
def test_a_link_leaving_the_allowed_library_roots_is_skipped(settings, tmp_path, user):
    allowed, elsewhere = tmp_path / "allowed", tmp_path / "elsewhere"
    (allowed / "photos").mkdir(parents=True)
    elsewhere.mkdir()
    shutil.copy(FALCON, elsewhere / "falcon.jpg")
    (allowed / "photos" / "falcon.jpg").symlink_to(elsewhere / "falcon.jpg")
    settings.LIBRARY_ROOTS = [allowed.resolve()]
    library_add(user=user, path=allowed / "photos")

    counts = library_scan(user=user)

    assert counts["new"] == 0
    assert not File.objects.for_user(user).exists()


@pytest.mark.django_db
def test_job_errors_name_files_relative_to_their_library_without_server_paths(tmp_path):
    owner = UserFactory(username="dora")
    root = tmp_path / "library"
    shutil.copytree(SHARED_PHOTOS / "broken", root / "broken")
    library_add(user=owner, path=root)
    job = job_create(owner=owner, kind=Job.Kind.SCAN)

    library_scan(user=owner, job=job)

    job.refresh_from_db()
    assert job.errors
    shown = {e["path"] for e in job.errors}
    assert "broken/text_file_named.jpg" in shown
    for entry in job.errors:
        assert not entry["path"].startswith("/"), entry
        assert str(tmp_path) not in entry["error"], entry
        assert "/tmp" not in entry["error"], entry
