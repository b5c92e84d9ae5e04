import datetime as dt

import pytest

from tests.factories import PhotoFactory


def _local(year, month, day, hour, minute, offset_minutes):
    return dt.datetime(
        year, month, day, hour, minute, tzinfo=dt.timezone(dt.timedelta(minutes=offset_minutes))
    )


@pytest.mark.django_db
def test_timeline_counts_days_newest_first_with_undated_last(api, user, other_user):
    for day in (dt.date(2020, 1, 1), dt.date(2020, 1, 1), dt.date(2022, 5, 6)):
        PhotoFactory(owner=user, taken_at=dt.datetime.combine(day, dt.time(12), dt.UTC))
    PhotoFactory.create_batch(2, owner=user, taken_at=None)
    PhotoFactory(owner=user, hidden=True)
    PhotoFactory(owner=user, in_trash=True)
    PhotoFactory(owner=other_user)

    days = api.get("/api/timeline/").json()
    assert days == [
        {"date": "2022-05-06", "count": 1},
        {"date": "2020-01-01", "count": 2},
        {"date": None, "count": 2},
    ]
    assert sum(day["count"] for day in days) == api.get("/api/photos/").json()["count"]


@pytest.mark.django_db
@pytest.mark.parametrize("offset", [-10 * 60, -5 * 60, 0, 5 * 60 + 30, 14 * 60])
def test_a_photo_taken_at_2330_local_on_4_july_is_on_4_july(api, user, offset, settings):
    settings.TIME_ZONE = "Pacific/Kiritimati"
    taken_at = _local(2021, 7, 4, 23, 30, offset)
    photo = PhotoFactory(
        owner=user, taken_at=taken_at, taken_date=taken_at.date(), tz_offset=offset
    )
    assert api.get("/api/timeline/").json() == [{"date": "2021-07-04", "count": 1}]
    body = api.get("/api/timeline/2021-07-04/").json()
    assert [row["id"] for row in body["results"]] == [photo.pk]
    assert body["results"][0]["taken_at"].startswith("2021-07-04T23:30:00")
    assert api.get("/api/timeline/2021-07-05/").json()["results"] == []
    assert api.get("/api/timeline/2021-07-03/").json()["results"] == []


@pytest.mark.django_db
def test_a_day_lists_its_photos_newest_first_in_pages(api, user):
    day = dt.date(2018, 3, 9)
    photos = [
        PhotoFactory(owner=user, taken_at=dt.datetime.combine(day, dt.time(hour), dt.UTC))
        for hour in range(8, 13)
    ]
    PhotoFactory(owner=user, taken_at=dt.datetime(2018, 3, 10, 1, tzinfo=dt.UTC))
    PhotoFactory(owner=user, hidden=True, taken_at=dt.datetime.combine(day, dt.time(7), dt.UTC))
    first = api.get("/api/timeline/2018-03-09/?page_size=3").json()
    second = api.get(first["next"]).json()
    assert first["count"] == 5
    ids = [row["id"] for row in first["results"] + second["results"]]
    assert ids == [photo.pk for photo in reversed(photos)]
    assert second["next"] is None


@pytest.mark.django_db
def test_a_day_that_is_not_a_date_is_400(api):
    assert api.get("/api/timeline/2021-02-30/").status_code == 400


@pytest.mark.django_db
def test_timeline_is_one_query_for_one_photo_and_fifty(api, user, django_assert_num_queries):
    PhotoFactory(owner=user)
    with django_assert_num_queries(1):
        assert len(api.get("/api/timeline/").json()) == 1
    PhotoFactory.create_batch(49, owner=user)
    with django_assert_num_queries(1):
        assert sum(day["count"] for day in api.get("/api/timeline/").json()) == 50


@pytest.mark.django_db
def test_a_days_photos_cost_the_same_queries_for_one_and_fifty(
    api, user, django_assert_num_queries
):
    taken_at = dt.datetime(2017, 2, 2, 9, tzinfo=dt.UTC)
    PhotoFactory(owner=user, taken_at=taken_at)
    with django_assert_num_queries(3) as one:
        api.get("/api/timeline/2017-02-02/")
    PhotoFactory.create_batch(49, owner=user, taken_at=taken_at)
    with django_assert_num_queries(len(one.captured_queries)):
        assert len(api.get("/api/timeline/2017-02-02/").json()["results"]) == 50
