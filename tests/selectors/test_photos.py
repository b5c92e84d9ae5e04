import datetime as dt

import pytest

from api.models import Photo
from api.selectors.photos import photo_detail, photo_list
from tests.factories import FileFactory, PhotoFactory


@pytest.mark.django_db
def test_photo_list_orders_newest_first_then_id_with_undated_last(user):
    instant = dt.datetime(2020, 1, 1, tzinfo=dt.UTC)
    a = PhotoFactory(owner=user, taken_at=instant)
    b = PhotoFactory(owner=user, taken_at=instant)
    newer = PhotoFactory(owner=user, taken_at=instant + dt.timedelta(seconds=1))
    undated = PhotoFactory(owner=user, taken_at=None)
    rows = list(photo_list(photos=Photo.objects.for_user(user)))
    assert rows == [newer, b, a, undated]


@pytest.mark.django_db
def test_photo_list_reads_only_the_grid_columns(user):
    PhotoFactory(owner=user, caption="a long caption")
    photo = photo_list(photos=Photo.objects.for_user(user)).get()
    assert {"caption", "steps", "lens", "camera_make"} <= photo.get_deferred_fields()


@pytest.mark.django_db
def test_photo_detail_fetches_files_faces_and_tags_in_one_more_query_each(
    user, django_assert_num_queries
):
    photo = PhotoFactory(owner=user)
    FileFactory.create_batch(3, photo=photo)
    # The photo, its files, its faces, its tags.
    with django_assert_num_queries(4):
        found = photo_detail(photos=Photo.objects.for_user(user)).get(pk=photo.pk)
        assert len([file.path for file in found.files.all()]) == 3
        assert list(found.faces.all()) == []
