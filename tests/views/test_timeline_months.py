"""The web grid's month endpoints: buckets, one month's parallel arrays, id ranges."""

import datetime as dt

import pytest

from api.models import Photo, Place
from api.services.albums import album_create, album_share
from tests.factories import PhotoFactory


def _all_photo_ids(client, query: str = "") -> list[int]:
    url, ids = f"/api/photos/?page_size=500{query}", []
    while url:
        page = client.get(url).json()
        ids += [row["id"] for row in page["results"]]
        url = page["next"]
    return ids


def _month_ids(client, query: str = "") -> list[int]:
    months = client.get(f"/api/timeline/months/?{query}").json()
    ids = []
    for bucket in months:
        key = bucket["month"] or "undated"
        body = client.get(f"/api/timeline/months/{key}/?{query}").json()
        assert body["count"] == bucket["count"] == len(body["ids"])
        ids += body["ids"]
    return ids


@pytest.mark.django_db
def test_months_and_their_rows_list_the_corpus_in_the_order_of_the_photo_list(
    scanned_api, scanned, manifest
):
    months = scanned_api.get("/api/timeline/months/").json()
    dated = [bucket["month"] for bucket in months]
    assert dated == sorted(dated, reverse=True)
    # Every corpus photo has a date (at worst the file's modification time).
    assert None not in dated
    assert _month_ids(scanned_api) == _all_photo_ids(scanned_api)

    # Each photo's local day and displayed size are the manifest's.
    by_hash = {entry["sha256"]: entry for entry in manifest.values()}
    checked = 0
    for bucket in months:
        key = bucket["month"] or "undated"
        body = scanned_api.get(f"/api/timeline/months/{key}/").json()
        photos = Photo.objects.in_bulk(body["ids"])
        for i, pk in enumerate(body["ids"]):
            entry = by_hash[photos[pk].content_hash]
            assert (body["widths"][i], body["heights"][i]) == (
                entry["display_width"],
                entry["display_height"],
            ), entry["path"]
            original = (entry.get("exif") or {}).get("datetime_original")
            if original and photos[pk].date_source == "exif_original":
                day = original[:10].replace(":", "-")
                assert body["dates"][i] == day, entry["path"]
                assert body["taken_at"][i].startswith(f"{day}T{original[11:19]}"), entry["path"]
                assert key == day[:7]
                checked += 1
            assert body["durations"][i] is None
    assert checked >= 10


@pytest.mark.django_db
def test_filters_narrow_months_and_rows(api, user, other_user):
    july = dt.datetime(2019, 7, 4, 10, tzinfo=dt.UTC)
    favorite = PhotoFactory(owner=user, taken_at=july, favorite=True)
    plain = PhotoFactory(owner=user, taken_at=july - dt.timedelta(hours=1))
    hidden = PhotoFactory(owner=user, taken_at=july, hidden=True)
    trashed = PhotoFactory(owner=user, taken_at=july, in_trash=True)
    video = PhotoFactory(owner=user, taken_at=july, is_video=True, duration=12.5)
    PhotoFactory(owner=other_user, taken_at=july)

    def rows(query):
        return api.get(f"/api/timeline/months/2019-07/?{query}").json()

    assert rows("")["ids"] == [video.pk, favorite.pk, plain.pk]
    assert rows("")["durations"] == [12.5, None, None]
    assert rows("")["favorites"] == [False, True, False]
    assert rows("favorite=true")["ids"] == [favorite.pk]
    assert rows("video=true")["ids"] == [video.pk]
    assert rows("hidden=true")["ids"] == [hidden.pk]
    assert rows("in_trash=true")["ids"] == [trashed.pk]
    assert api.get("/api/timeline/months/?in_trash=true").json() == [
        {"month": "2019-07", "count": 1}
    ]
    assert api.get("/api/timeline/months/?taken_after=2019-08-01").json() == []

    album = album_create(by=user, title="summer", photo_ids=[plain.pk, hidden.pk, trashed.pk])
    assert set(rows(f"album={album.pk}")["ids"]) == {plain.pk, hidden.pk}
    # A shared album's photos show to the user it is shared with, hidden ones not.
    album_share(by=user, album=album, username=other_user.username)
    api.force_authenticate(other_user)
    assert rows(f"album={album.pk}")["ids"] == [plain.pk]
    assert len(rows("")["ids"]) == 1  # their own photo, not the shared ones
    api.force_authenticate(user)
    stranger_album = album_create(by=other_user, title="theirs", photo_ids=[])
    assert rows(f"album={stranger_album.pk}")["ids"] == []


@pytest.mark.django_db
def test_a_day_gets_its_most_common_place_and_undated_photos_their_bucket(api, user):
    paris = Place.objects.ensure_path(
        country_code="FR", country="France", region="Ile-de-France", city="Paris"
    )
    lyon = Place.objects.ensure_path(country_code="FR", country="France", city="Lyon")
    day = dt.datetime(2019, 7, 4, 8, tzinfo=dt.UTC)
    for hour, place in enumerate([paris, paris, lyon, None]):
        PhotoFactory(owner=user, taken_at=day + dt.timedelta(hours=hour), place=place)
    PhotoFactory(owner=user, taken_at=day + dt.timedelta(days=1))
    undated = PhotoFactory(owner=user, taken_at=None)

    body = api.get("/api/timeline/months/2019-07/").json()
    assert body["places"] == {"2019-07-04": "Paris, France"}
    assert body["dates"] == ["2019-07-05"] + ["2019-07-04"] * 4
    assert api.get("/api/timeline/months/").json()[-1] == {"month": None, "count": 1}
    body = api.get("/api/timeline/months/undated/").json()
    assert (body["month"], body["ids"], body["taken_at"]) == (None, [undated.pk], [None])


@pytest.mark.django_db
def test_an_unchanged_month_is_304_and_a_change_gives_a_new_etag(api, user):
    photo = PhotoFactory(owner=user, taken_at=dt.datetime(2019, 7, 4, tzinfo=dt.UTC))
    first = api.get("/api/timeline/months/2019-07/")
    etag = first.headers["ETag"]
    again = api.get("/api/timeline/months/2019-07/", HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 304
    assert again.content == b""
    api.patch(f"/api/photos/{photo.pk}/", {"favorite": True}, format="json")
    changed = api.get("/api/timeline/months/2019-07/", HTTP_IF_NONE_MATCH=etag)
    assert changed.status_code == 200
    assert changed.json()["favorites"] == [True]
    assert changed.headers["ETag"] != etag


@pytest.mark.django_db
def test_a_month_that_is_not_one_is_400(api):
    assert api.get("/api/timeline/months/2019-13/").status_code == 400
    assert api.get("/api/timeline/months/2019-7/").status_code == 404


@pytest.mark.django_db
def test_a_month_costs_the_same_queries_for_one_photo_and_fifty(
    api, user, django_assert_num_queries
):
    paris = Place.objects.ensure_path(country_code="FR", country="France", city="Paris")
    taken_at = dt.datetime(2017, 2, 2, 9, tzinfo=dt.UTC)
    PhotoFactory(owner=user, taken_at=taken_at, place=paris)
    with django_assert_num_queries(2):
        assert len(api.get("/api/timeline/months/2017-02/").json()["ids"]) == 1
    for day in range(1, 29):
        PhotoFactory.create_batch(
            2, owner=user, taken_at=taken_at.replace(day=day), place=paris, is_video=True
        )
    with django_assert_num_queries(2):
        assert len(api.get("/api/timeline/months/2017-02/").json()["ids"]) == 57
    with django_assert_num_queries(1):
        assert len(api.get("/api/timeline/months/").json()) == 1


@pytest.mark.django_db
def test_a_range_spans_months_in_timeline_order_and_refuses_unknown_ids(
    scanned_api, scanned, other_user
):
    order = _month_ids(scanned_api)
    start, end = order[3], order[-4]
    body = scanned_api.get(f"/api/timeline/range/?start={end}&end={start}").json()
    assert body["ids"] == order[3:-3]
    assert len({row for row in body["ids"]}) == len(body["ids"])
    assert scanned_api.get(f"/api/timeline/range/?start={start}").json()["ids"] == [start]
    assert scanned_api.get("/api/timeline/range/").json()["ids"] == order
    stranger = PhotoFactory(owner=other_user)
    assert scanned_api.get(f"/api/timeline/range/?start={stranger.pk}&end={end}").status_code == (
        404
    )


@pytest.mark.django_db
def test_an_album_in_its_own_order_is_one_bucket_in_that_order(api, user, other_user):
    start = dt.datetime(2019, 7, 4, 10, tzinfo=dt.UTC)
    photos = [
        PhotoFactory(owner=user, taken_at=start + dt.timedelta(days=40 * n)) for n in range(4)
    ]
    newest, oldest = photos[3], photos[0]
    album = album_create(by=user, title="trip", photo_ids=[p.pk for p in photos])

    def sequence(query: str = "") -> tuple[list, list[int]]:
        months = api.get(f"/api/timeline/months/?album={album.pk}&ordered=true{query}").json()
        rows = api.get(f"/api/timeline/months/undated/?album={album.pk}&ordered=true").json()
        return months, rows["ids"]

    # By date: oldest first, as the album's own photo list.
    months, ids = sequence()
    assert months == [{"month": None, "count": 4}]
    assert ids == [p.pk for p in photos]
    listed = api.get(f"/api/albums/{album.pk}/photos/").json()["results"]
    assert [row["id"] for row in listed] == ids

    # Arranged by hand: the grid follows the album, and shift-click ranges do too.
    arranged = [newest.pk, oldest.pk, photos[2].pk, photos[1].pk]
    answer = api.patch(
        f"/api/albums/{album.pk}/", {"sort": "manual", "photos": arranged}, format="json"
    )
    assert answer.status_code == 200, answer.content
    assert sequence()[1] == arranged
    span = api.get(
        f"/api/timeline/range/?album={album.pk}&ordered=true&start={oldest.pk}&end={photos[1].pk}"
    ).json()["ids"]
    assert span == arranged[1:]
    # Months of an album in its order do not exist; `ordered` needs an album.
    url = f"/api/timeline/months/2019-07/?album={album.pk}&ordered=true"
    assert api.get(url).status_code == 404
    assert api.get("/api/timeline/months/?ordered=true").status_code == 400
    # Another user's album stays empty for them, in any order.
    api.force_authenticate(other_user)
    assert sequence() == ([], [])
