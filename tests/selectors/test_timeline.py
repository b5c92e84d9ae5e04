import datetime as dt

import pytest

from api.models import Photo
from api.selectors.timeline import timeline_day_photos, timeline_days
from tests.factories import PhotoFactory


def _at(day: dt.date, hour: int = 12) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour), dt.UTC)


@pytest.mark.django_db
def test_timeline_days_is_one_grouped_query_newest_first_undated_last(
    user, other_user, django_assert_num_queries
):
    days = [dt.date(2011, 1, 1), dt.date(2019, 12, 31), dt.date(2019, 12, 31)]
    for day in days:
        PhotoFactory(owner=user, taken_at=_at(day))
    PhotoFactory(owner=user, taken_at=None)
    PhotoFactory(owner=user, taken_at=_at(dt.date(2030, 1, 1)), hidden=True)
    PhotoFactory(owner=user, taken_at=_at(dt.date(2031, 1, 1)), in_trash=True)
    PhotoFactory(owner=other_user, taken_at=_at(dt.date(2040, 1, 1)))
    with django_assert_num_queries(1):
        rows = timeline_days(photos=Photo.objects.for_user(user))
    assert rows == [("2019-12-31", 2), ("2011-01-01", 1), (None, 1)]


@pytest.mark.django_db
def test_timeline_day_photos_follow_the_local_day_not_the_utc_one(user):
    # 23:30 on 4 July in UTC-7 is 06:30 on 5 July in UTC: the photo belongs to 4 July.
    west = dt.timezone(dt.timedelta(hours=-7))
    taken_at = dt.datetime(2020, 7, 4, 23, 30, tzinfo=west)
    photo = PhotoFactory(owner=user, taken_at=taken_at, taken_date=taken_at.date(), tz_offset=-420)
    photos = Photo.objects.for_user(user)
    assert list(timeline_day_photos(photos=photos, day=dt.date(2020, 7, 4))) == [photo]
    assert list(timeline_day_photos(photos=photos, day=dt.date(2020, 7, 5))) == []
