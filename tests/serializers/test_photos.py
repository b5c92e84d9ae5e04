import datetime as dt

import pytest
from rest_framework import serializers

from api.models import Photo
from api.serializers.photos import PhotoListSerializer
from tests.factories import PhotoFactory


@pytest.mark.django_db
@pytest.mark.parametrize(
    "attrs",
    [
        {"tz_offset": 120, "favorite": True, "rating": 4},
        {"tz_offset": None, "is_video": True, "duration": 12.5},
        {"taken_at": None, "taken_date": None, "width": None, "height": None},
    ],
)
def test_hand_built_grid_rows_equal_what_the_declared_fields_give(user, attrs):
    """The fast path must not drift from the fields the schema documents."""
    photo = PhotoFactory(owner=user, **attrs)
    photo = Photo.objects.get(pk=photo.pk)
    serializer = PhotoListSerializer()
    declared = serializers.ModelSerializer.to_representation(serializer, photo)
    assert serializer.to_representation(photo) == dict(declared)
    assert list(serializer.to_representation(photo)) == PhotoListSerializer.Meta.fields


@pytest.mark.django_db
def test_taken_date_is_the_local_day_even_when_utc_is_the_next(user):
    taken_at = dt.datetime(2022, 7, 4, 23, 30, tzinfo=dt.timezone(dt.timedelta(hours=-4)))
    photo = PhotoFactory(owner=user, taken_at=taken_at, taken_date=taken_at.date(), tz_offset=-240)
    row = PhotoListSerializer(Photo.objects.get(pk=photo.pk)).data
    assert (row["taken_at"], row["taken_date"]) == ("2022-07-04T23:30:00-04:00", "2022-07-04")
