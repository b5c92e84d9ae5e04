"""Duplicates over HTTP on corpus photos and their resized, re-encoded copies."""

import shutil
from pathlib import Path

import pytest
from PIL import Image, ImageOps

from api.ingest.scan import library_scan
from api.models import Face, Person, Photo
from api.services.albums import album_create
from api.services.faces import face_assign, photo_detect_faces
from tests.conftest import SHARED_PHOTOS

ORIGINALS = [
    "exif/Canon_EOS_R5_prairie_falcon.jpg",
    "exif/Nikon_D750_tanners_ridge.jpg",
    "exif/Canon_40D.jpg",
    "exif/exiforg_nikon-e950.jpg",
    "gps/DSCN0010.jpg",
    "faces/barack_obama/obama.jpg",
    "faces/joe_biden/biden.jpg",
    "formats/heic/Nikon_D5300_Stonehenge.heic",
]
UNRELATED = ["gps/DSCN0012.jpg", "faces/kit_harington/john1.jpeg", "exif/Jolla_phone.jpg"]


@pytest.fixture
def library(user, tmp_path, settings) -> dict[str, Photo]:
    """Originals, a 70 % JPEG copy of each (quality 75, no metadata), and unrelated photos."""
    settings.MODELS_DIR = tmp_path / "no-models"
    folder = tmp_path / "photos"
    folder.mkdir()
    for name in ORIGINALS + UNRELATED:
        shutil.copy(SHARED_PHOTOS / name, folder / Path(name).name)
    for name in ORIGINALS:
        with Image.open(SHARED_PHOTOS / name) as original:
            upright = ImageOps.exif_transpose(original).convert("RGB")
        small = upright.resize((upright.width * 7 // 10, upright.height * 7 // 10))
        small.save(folder / f"copy_{Path(name).stem}.jpg", "JPEG", quality=75)
    library_scan(user=user, path=folder)
    return {
        Path(path).name: photo
        for photo in Photo.objects.for_user(user)
        for path in photo.files.values_list("path", flat=True)
    }


@pytest.mark.django_db
def test_copies_are_grouped_with_their_originals_and_nothing_else(api, library):
    body = api.get("/api/duplicates/").json()
    groups = {frozenset(row["id"] for row in group["photos"]) for group in body["results"]}
    expected = {
        frozenset({library[Path(name).name].pk, library[f"copy_{Path(name).stem}.jpg"].pk})
        for name in ORIGINALS
    }
    assert groups == expected
    assert body["count"] == len(ORIGINALS)


@pytest.mark.django_db
def test_the_suggested_copy_is_the_larger_one_with_metadata(api, library):
    for group in api.get("/api/duplicates/").json()["results"]:
        best = Photo.objects.get(pk=group["best"])
        names = set(best.files.values_list("path", flat=True))
        assert not any(Path(name).name.startswith("copy_") for name in names)


@pytest.mark.django_db
def test_resolving_trashes_the_copies_and_keeps_the_favourite_on_the_kept_photo(api, library):
    original = library["obama.jpg"]
    copy = library["copy_obama.jpg"]
    Photo.objects.filter(pk=copy.pk).update(favorite=True, rating=4, caption="Obama")
    # The original carries its own caption (IPTC, read by the scan): none, so the copy's moves.
    Photo.objects.filter(pk=original.pk).update(caption="")
    response = api.post(
        "/api/duplicates/resolve/", {"keep": original.pk, "trash": [copy.pk]}, format="json"
    )
    assert response.status_code == 200
    assert response.json()["favorite"] is True
    original.refresh_from_db()
    copy.refresh_from_db()
    assert (original.favorite, original.rating, original.caption) == (True, 4, "Obama")
    assert copy.in_trash
    assert copy.trashed_at is not None
    groups = api.get("/api/duplicates/").json()["results"]
    assert all(original.pk not in [row["id"] for row in group["photos"]] for group in groups)


@pytest.mark.django_db
def test_resolving_keeps_the_albums_and_the_named_faces_of_the_copy(api, user, library):
    original, copy = library["obama.jpg"], library["copy_obama.jpg"]
    for photo in (original, copy):
        photo_detect_faces(photo=Photo.objects.get(pk=photo.pk))
    (copy_face,) = Face.objects.filter(photo=copy)
    barack = Person.objects.create(owner=user, name="Barack")
    face_assign(by=user, face=copy_face, person=barack)
    album = album_create(by=user, title="Portraits", photo_ids=[copy.pk])

    response = api.post(
        "/api/duplicates/resolve/", {"keep": original.pk, "trash": [copy.pk]}, format="json"
    )

    assert response.status_code == 200
    (kept_face,) = Face.objects.filter(photo=original)
    assert (kept_face.person_id, kept_face.person_source) == (barack.pk, Face.Source.USER)
    assert original.pk in set(album.photos.values_list("pk", flat=True))


@pytest.mark.django_db
def test_resolving_with_another_users_photo_is_404_and_changes_nothing(api, library, other_user):
    from tests.factories import PhotoFactory

    foreign = PhotoFactory(owner=other_user)
    original = library["obama.jpg"]
    response = api.post(
        "/api/duplicates/resolve/", {"keep": original.pk, "trash": [foreign.pk]}, format="json"
    )
    assert response.status_code == 404
    foreign.refresh_from_db()
    assert not foreign.in_trash


@pytest.mark.django_db
def test_resolving_needs_something_to_trash(api, library):
    original = library["obama.jpg"]
    response = api.post(
        "/api/duplicates/resolve/", {"keep": original.pk, "trash": [original.pk]}, format="json"
    )
    assert response.status_code == 400
