"""Album services on real scanned files: membership follows Photos through rescans and moves."""

import os

import pytest

from api.exceptions import NotFound, UnknownPhotos, UnknownUser
from api.ingest.scan import library_scan
from api.models import Album, AlbumPhoto, AlbumShare, File, Photo
from api.services.albums import (
    album_add_photos,
    album_create,
    album_delete,
    album_public_link,
    album_remove_photos,
    album_share,
    album_update,
)
from tests.factories import PhotoFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def gps_photos(user, library) -> dict[str, Photo]:
    """The gps folder of a corpus copy, scanned for `user`: photos by file name."""
    library_scan(user=user, path=library / "gps")
    return {
        os.path.basename(file.path): file.photo
        for file in File.objects.for_user(user).exclude(photo=None).select_related("photo")
    }


def _members(album: Album) -> set[int]:
    return set(album.photos.values_list("pk", flat=True))


def test_an_album_survives_a_rescan_and_a_renamed_file(user, library, gps_photos):
    photo = gps_photos["DSCN0010.jpg"]
    album = album_create(by=user, title="kept", photo_ids=[photo.pk, gps_photos["DSCN0012.jpg"].pk])
    old = library / "gps" / "DSCN0010.jpg"
    new = library / "gps" / "moved" / "renamed.jpg"
    new.parent.mkdir()
    old.rename(new)

    counts = library_scan(user=user, path=library / "gps")

    assert (counts["new"], counts["missing"]) == (1, 1)
    assert File.objects.get(path=str(new)).photo_id == photo.pk
    assert _members(album) == {photo.pk, gps_photos["DSCN0012.jpg"].pk}
    assert library_scan(user=user, path=library / "gps")["unchanged"] == len(gps_photos)


def test_create_refuses_photos_of_another_user_and_keeps_nothing(user, other_user, gps_photos):
    foreign = PhotoFactory(owner=other_user)
    with pytest.raises(UnknownPhotos) as error:
        album_create(by=user, title="x", photo_ids=[gps_photos["DSCN0010.jpg"].pk, foreign.pk])
    assert error.value.ids == [foreign.pk]
    assert not Album.objects.exists()


def test_bulk_add_skips_photos_already_in_and_remove_ignores_absent_ones(user, gps_photos):
    a, b, c = (gps_photos[f"DSCN00{n}.jpg"] for n in (10, 12, 21))
    album = album_create(by=user, title="bulk", photo_ids=[a.pk])

    album_add_photos(by=user, album=album, photo_ids=[a.pk, b.pk, c.pk, b.pk])
    assert list(album.memberships.order_by("order").values_list("photo_id", flat=True)) == [
        a.pk,
        b.pk,
        c.pk,
    ]
    album_remove_photos(by=user, album=album, photo_ids=[a.pk, c.pk])
    album_remove_photos(by=user, album=album, photo_ids=[a.pk])
    assert _members(album) == {b.pk}
    assert Photo.objects.filter(pk__in=[a.pk, c.pk]).count() == 2


def test_another_users_album_is_not_found_by_any_service(user, other_user, gps_photos):
    album = album_create(by=user, title="private")
    for change in (
        lambda: album_update(by=other_user, album=album, title="taken"),
        lambda: album_add_photos(by=other_user, album=album, photo_ids=[]),
        lambda: album_remove_photos(by=other_user, album=album, photo_ids=[]),
        lambda: album_share(by=other_user, album=album, username=user.username),
        lambda: album_public_link(by=other_user, album=album, public=True),
        lambda: album_delete(by=other_user, album=album),
    ):
        with pytest.raises(NotFound):
            change()
    album.refresh_from_db()
    assert album.title == "private"


def test_sharing_twice_is_one_share_and_revoking_twice_is_harmless(user, other_user):
    album = album_create(by=user, title="shared")
    album_share(by=user, album=album, username=other_user.username)
    album_share(by=user, album=album, username=other_user.username)
    assert AlbumShare.objects.filter(album=album).count() == 1
    assert list(Album.objects.visible_to(other_user)) == [album]
    assert list(Album.objects.for_user(other_user)) == []

    album_share(by=user, album=album, username=other_user.username, revoke=True)
    album_share(by=user, album=album, username=other_user.username, revoke=True)
    assert list(Album.objects.visible_to(other_user)) == []
    with pytest.raises(UnknownUser):
        album_share(by=user, album=album, username="nobody")


def test_deleting_an_album_keeps_its_photos(user, gps_photos):
    album = album_create(by=user, title="gone", photo_ids=[p.pk for p in gps_photos.values()])
    album_delete(by=user, album=album)
    assert not AlbumPhoto.objects.exists()
    assert Photo.objects.for_user(user).count() == len(gps_photos)
