"""Bulk actions on a selection, album changes by ids, and the zip of originals."""

import io
import zipfile

import pytest
from rest_framework.test import APIClient

from api.models import Album, Photo
from api.services.albums import album_create
from tests.factories import PhotoFactory, photo_from_file


@pytest.mark.django_db
def test_each_bulk_action_changes_thousands_of_photos_in_one_request(
    api, user, django_assert_max_num_queries
):
    Photo.objects.bulk_create(PhotoFactory.build_batch(2000, owner=user))
    ids = list(Photo.objects.for_user(user).values_list("pk", flat=True))
    for action, field, value in [
        ("favorite", "favorite", True),
        ("unfavorite", "favorite", False),
        ("hide", "hidden", True),
        ("unhide", "hidden", False),
        ("trash", "in_trash", True),
        ("restore", "in_trash", False),
    ]:
        with django_assert_max_num_queries(6):
            response = api.post("/api/photos/bulk/", {"ids": ids, "action": action}, format="json")
        assert response.json() == {"updated": 2000}, action
        assert Photo.objects.filter(**{field: value}).count() == 2000, action
        # Again: nothing left to change.
        again = api.post("/api/photos/bulk/", {"ids": ids[:10], "action": action}, format="json")
        assert again.json() == {"updated": 0}, action


@pytest.mark.django_db
def test_trash_then_restore_keeps_and_clears_the_trash_date(api, user):
    photo = PhotoFactory(owner=user)
    api.post("/api/photos/bulk/", {"ids": [photo.pk], "action": "trash"}, format="json")
    photo.refresh_from_db()
    assert photo.in_trash
    assert photo.trashed_at is not None
    response = api.post(
        "/api/photos/bulk/", {"ids": [photo.pk], "action": "restore"}, format="json"
    )
    assert response.json() == {"updated": 1}
    photo.refresh_from_db()
    assert (photo.in_trash, photo.trashed_at) == (False, None)


@pytest.mark.django_db
def test_one_foreign_id_refuses_the_whole_bulk_action_with_404(api, user, other_user):
    mine = PhotoFactory.create_batch(3, owner=user)
    theirs = PhotoFactory(owner=other_user)
    ids = [photo.pk for photo in mine] + [theirs.pk]
    response = api.post("/api/photos/bulk/", {"ids": ids, "action": "trash"}, format="json")
    assert response.status_code == 404
    assert response.json()["code"] == "unknown_photos"
    assert not Photo.objects.filter(in_trash=True).exists()
    bad = api.post("/api/photos/bulk/", {"ids": ids[:1], "action": "explode"}, format="json")
    assert bad.status_code == 400


@pytest.mark.django_db
def test_album_photos_are_added_last_and_removed_by_ids(api, user, other_user):
    photos = PhotoFactory.create_batch(4, owner=user)
    album = album_create(by=user, title="trip", photo_ids=[photos[0].pk])
    url = f"/api/albums/{album.pk}/photos/"
    added = api.post(url, {"ids": [photos[2].pk, photos[1].pk]}, format="json")
    assert added.status_code == 200
    order = list(album.memberships.order_by("order").values_list("photo_id", flat=True))
    assert order == [photos[0].pk, photos[2].pk, photos[1].pk]
    removed = api.post(f"{url}remove/", {"ids": [photos[2].pk]}, format="json")
    assert removed.status_code == 200
    assert set(album.memberships.values_list("photo_id", flat=True)) == {
        photos[0].pk,
        photos[1].pk,
    }

    theirs = PhotoFactory(owner=other_user)
    refused = api.post(url, {"ids": [photos[3].pk, theirs.pk]}, format="json")
    assert refused.status_code == 404
    assert album.memberships.count() == 2
    assert api.post(f"{url}remove/", {"ids": [theirs.pk]}, format="json").status_code == 404
    stranger = APIClient()
    stranger.force_authenticate(other_user)
    assert stranger.post(f"{url}remove/", {"ids": [theirs.pk]}, format="json").status_code == 404
    assert Album.objects.get(pk=album.pk).memberships.count() == 2


@pytest.mark.django_db
def test_the_zip_holds_exactly_the_originals_stored(api, user, other_user, library):
    paths = [
        library / "exif" / "Canon_40D.jpg",
        library / "formats" / "heic" / "iPhoneXR_rotated.heic",
        library / "gps" / "DSCN0010.jpg",
    ]
    photos = [photo_from_file(owner=user, path=path) for path in paths]
    response = api.post(
        "/api/photos/download/", {"ids": [photo.pk for photo in photos]}, format="json"
    )
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    assert response["Content-Disposition"] == 'attachment; filename="ownphotos-3.zip"'
    archive = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))
    assert archive.testzip() is None
    assert [info.filename for info in archive.infolist()] == [path.name for path in paths]
    for info, path in zip(archive.infolist(), paths, strict=True):
        assert info.compress_type == zipfile.ZIP_STORED
        assert archive.read(info) == path.read_bytes()

    theirs = PhotoFactory(owner=other_user)
    refused = api.post("/api/photos/download/", {"ids": [photos[0].pk, theirs.pk]}, format="json")
    assert refused.status_code == 404


@pytest.mark.django_db
def test_a_form_post_with_the_access_cookie_and_csrf_downloads_the_zip(user, library):
    path = library / "exif" / "Canon_40D.jpg"
    photo = photo_from_file(owner=user, path=path)
    browser = APIClient(enforce_csrf_checks=True)
    login = {"username": user.username, "password": "correct horse battery staple"}
    browser.post("/api/auth/login/", login, format="json")
    form = {"ids": [photo.pk]}
    refused = browser.post("/api/photos/download/", form)
    assert refused.status_code == 403, refused.content
    csrf = browser.cookies["csrftoken"].value
    response = browser.post("/api/photos/download/", {**form, "csrfmiddlewaretoken": csrf})
    assert response.status_code == 200
    archive = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))
    assert archive.read("Canon_40D.jpg") == path.read_bytes()
