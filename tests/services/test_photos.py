import pytest

from api.models import Photo
from api.services.photos import photo_update
from tests.factories import PhotoFactory


@pytest.mark.django_db
def test_photo_update_changes_only_the_given_fields(user):
    photo = PhotoFactory(owner=user, rating=2, caption="kept")
    photo_update(photo=photo, by=user, favorite=True)
    photo.refresh_from_db()
    assert (photo.favorite, photo.rating, photo.caption) == (True, 2, "kept")


@pytest.mark.django_db
def test_trash_and_restore_are_idempotent(user):
    photo = PhotoFactory(owner=user)
    trashed = photo_update(photo=photo, by=user, in_trash=True)
    stamp = trashed.trashed_at
    again = photo_update(photo=photo, by=user, in_trash=True)
    assert again.trashed_at == stamp
    restored = photo_update(photo=photo, by=user, in_trash=False)
    assert (restored.in_trash, restored.trashed_at) == (False, None)


@pytest.mark.django_db
def test_photo_update_by_another_user_finds_nothing_and_changes_nothing(user, other_user):
    photo = PhotoFactory(owner=user)
    with pytest.raises(Photo.DoesNotExist):
        photo_update(photo=photo, by=other_user, favorite=True)
    photo.refresh_from_db()
    assert photo.favorite is False
