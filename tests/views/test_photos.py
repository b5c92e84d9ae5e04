import datetime as dt
import functools
import io
import json
import subprocess
from pathlib import Path

import pytest
from django.conf import settings
from django.db.models import F
from PIL import Image
from rest_framework.test import APIClient

from api.models import File, Photo
from tests.conftest import SHARED_PHOTOS
from tests.factories import FileFactory, PhotoFactory

UTC = dt.UTC


def _walk(api: APIClient, url: str) -> list[int]:
    ids: list[int] = []
    while url:
        body = api.get(url).json()
        ids += [row["id"] for row in body["results"]]
        url = body["next"]
    return ids


@pytest.mark.django_db
def test_list_is_newest_first_with_undated_photos_last(api, user):
    old = PhotoFactory(owner=user, taken_at=dt.datetime(2001, 1, 1, tzinfo=UTC))
    new = PhotoFactory(owner=user, taken_at=dt.datetime(2021, 1, 1, tzinfo=UTC))
    undated = PhotoFactory(owner=user, taken_at=None)
    body = api.get("/api/photos/").json()
    assert body["count"] == 3
    assert [row["id"] for row in body["results"]] == [new.pk, old.pk, undated.pk]


@pytest.mark.django_db
def test_cursor_pages_walk_every_photo_once_in_order_both_ways(api, user):
    same_instant = dt.datetime(2015, 6, 1, 10, tzinfo=UTC)
    PhotoFactory.create_batch(7, owner=user)
    PhotoFactory.create_batch(4, owner=user, taken_at=same_instant)
    PhotoFactory.create_batch(5, owner=user, taken_at=None)
    expected = list(
        Photo.objects.filter(owner=user)
        .order_by(F("taken_at").desc(nulls_last=True), "-id")
        .values_list("id", flat=True)
    )

    forward = _walk(api, "/api/photos/?page_size=3")
    assert forward == expected

    last_page_url = "/api/photos/?page_size=3"
    while (body := api.get(last_page_url).json())["next"]:
        last_page_url = body["next"]
    backward: list[int] = []
    url = last_page_url
    while url:
        body = api.get(url).json()
        backward = [row["id"] for row in body["results"]] + backward
        url = body["previous"]
    assert backward == expected


@pytest.mark.django_db
def test_next_pages_carry_the_count_instead_of_counting_again(
    api, user, django_assert_max_num_queries
):
    PhotoFactory.create_batch(5, owner=user)
    first = api.get("/api/photos/?page_size=2").json()
    with django_assert_max_num_queries(2) as paged:
        second = api.get(first["next"]).json()
    assert not any("COUNT(" in query["sql"] for query in paged.captured_queries)
    assert first["count"] == second["count"] == 5


@pytest.mark.django_db
def test_a_broken_cursor_is_404_not_a_500(api, user):
    PhotoFactory(owner=user)
    assert api.get("/api/photos/?cursor=not-base64!").status_code == 404


@pytest.mark.django_db
def test_list_leaves_out_hidden_and_trashed_photos_unless_asked(api, user):
    shown = PhotoFactory(owner=user)
    hidden = PhotoFactory(owner=user, hidden=True)
    trashed = PhotoFactory(owner=user, in_trash=True)
    hidden_trashed = PhotoFactory(owner=user, in_trash=True, hidden=True)

    def ids(query: str) -> set[int]:
        return {row["id"] for row in api.get(f"/api/photos/{query}").json()["results"]}

    assert ids("") == {shown.pk}
    assert ids("?hidden=true") == {hidden.pk}
    assert ids("?in_trash=true") == {trashed.pk, hidden_trashed.pk}
    assert ids("?in_trash=true&hidden=false") == {trashed.pk}


@pytest.mark.django_db
def test_filters_narrow_by_day_favourite_and_video(api, user):
    day = PhotoFactory(
        owner=user,
        taken_at=dt.datetime(2019, 7, 4, 23, 30, tzinfo=UTC),
        taken_date=dt.date(2019, 7, 4),
    )
    before = PhotoFactory(owner=user, taken_at=dt.datetime(2019, 7, 3, 12, tzinfo=UTC))
    after = PhotoFactory(owner=user, taken_at=dt.datetime(2019, 7, 5, 1, tzinfo=UTC), favorite=True)
    video = PhotoFactory(owner=user, taken_at=None, is_video=True, duration=3.5)

    def ids(query: str) -> list[int]:
        return [row["id"] for row in api.get(f"/api/photos/?{query}").json()["results"]]

    assert ids("taken_after=2019-07-04&taken_before=2019-07-04") == [day.pk]
    assert ids("taken_after=2019-07-04") == [after.pk, day.pk]
    assert ids("taken_before=2019-07-04") == [day.pk, before.pk]
    assert ids("favorite=true") == [after.pk]
    assert ids("video=true") == [video.pk]
    assert video.pk not in ids("video=false")
    assert api.get("/api/photos/?taken_after=July").status_code == 400


@pytest.mark.django_db
def test_list_costs_the_same_queries_for_one_photo_and_fifty(api, user, django_assert_num_queries):
    PhotoFactory(owner=user)
    with django_assert_num_queries(3) as one:
        assert len(api.get("/api/photos/").json()["results"]) == 1
    PhotoFactory.create_batch(49, owner=user)
    with django_assert_num_queries(len(one.captured_queries)):
        assert len(api.get("/api/photos/").json()["results"]) == 50


@pytest.mark.django_db
def test_detail_costs_the_same_queries_for_one_file_and_many(api, user, django_assert_num_queries):
    photo = PhotoFactory(owner=user)
    FileFactory(photo=photo)
    # The photo, its files, its faces, its tags.
    with django_assert_num_queries(4) as one:
        assert len(api.get(f"/api/photos/{photo.pk}/").json()["files"]) == 1
    FileFactory.create_batch(5, photo=photo)
    with django_assert_num_queries(len(one.captured_queries)):
        assert len(api.get(f"/api/photos/{photo.pk}/").json()["files"]) == 6


@pytest.mark.django_db
def test_taken_at_carries_the_photos_own_offset(api, user):
    instant = dt.datetime(2019, 7, 4, 21, 30, tzinfo=UTC)
    east = PhotoFactory(owner=user, taken_at=instant, tz_offset=120)
    west = PhotoFactory(owner=user, taken_at=instant, tz_offset=-300)
    unknown = PhotoFactory(owner=user, taken_at=instant, tz_offset=None)
    assert api.get(f"/api/photos/{east.pk}/").json()["taken_at"] == "2019-07-04T23:30:00+02:00"
    assert api.get(f"/api/photos/{west.pk}/").json()["taken_at"] == "2019-07-04T16:30:00-05:00"
    assert api.get(f"/api/photos/{unknown.pk}/").json()["taken_at"] == "2019-07-04T21:30:00"


@pytest.mark.django_db
def test_patch_changes_flags_rating_and_caption(api, user):
    photo = PhotoFactory(owner=user)
    response = api.patch(
        f"/api/photos/{photo.pk}/",
        {"favorite": True, "hidden": True, "rating": 4, "caption": "Beach"},
        format="json",
    )
    assert response.status_code == 200
    body = response.json()
    assert (body["favorite"], body["hidden"], body["rating"], body["caption"]) == (
        True,
        True,
        4,
        "Beach",
    )
    photo.refresh_from_db()
    assert (photo.favorite, photo.hidden, photo.rating, photo.caption) == (True, True, 4, "Beach")


@pytest.mark.django_db
def test_patch_trash_stamps_trashed_at_and_restore_clears_it(api, user):
    photo = PhotoFactory(owner=user)
    body = api.patch(f"/api/photos/{photo.pk}/", {"in_trash": True}, format="json").json()
    assert body["in_trash"] is True
    assert body["trashed_at"] is not None
    assert api.get("/api/photos/").json()["count"] == 0
    body = api.patch(f"/api/photos/{photo.pk}/", {"in_trash": False}, format="json").json()
    assert (body["in_trash"], body["trashed_at"]) == (False, None)
    assert api.get("/api/photos/").json()["count"] == 1


@pytest.mark.django_db
@pytest.mark.parametrize("rating", [-1, 6, "five"])
def test_patch_refuses_a_rating_outside_0_to_5_and_keeps_the_old_one(api, user, rating):
    photo = PhotoFactory(owner=user, rating=3)
    response = api.patch(f"/api/photos/{photo.pk}/", {"rating": rating}, format="json")
    assert response.status_code == 400
    assert "rating" in response.json()
    photo.refresh_from_db()
    assert photo.rating == 3


@pytest.mark.django_db
def test_another_users_photo_is_404_and_unchanged(api, other_user):
    theirs = PhotoFactory(owner=other_user)
    assert api.get(f"/api/photos/{theirs.pk}/").status_code == 404
    response = api.patch(f"/api/photos/{theirs.pk}/", {"favorite": True}, format="json")
    assert response.status_code == 404
    theirs.refresh_from_db()
    assert theirs.favorite is False
    assert api.get("/api/photos/").json()["count"] == 0


# On the scanned corpus: what the API says equals what the manifest knows.


def _photo_id(scanned, relative: str) -> int:
    return File.objects.get(owner=scanned.owner, path=str(scanned.root / relative)).photo_id


def _dated(manifest: dict) -> list[str]:
    return sorted(
        path
        for path, entry in manifest.items()
        if entry["exif"]["datetime_original"] and entry["kind"] in {"exif", "gps"}
    )


MANIFEST = {
    entry["path"]: entry
    for entry in json.loads((SHARED_PHOTOS / "manifest.json").read_text())["files"]
}


@pytest.mark.parametrize(
    "relative",
    [p for p, e in MANIFEST.items() if e["kind"] in {"exif", "gps", "orientation"}],
)
def test_detail_equals_the_manifest_facts(scanned, scanned_api, manifest, relative):
    entry = manifest[relative]
    exif = entry["exif"]
    body = scanned_api.get(f"/api/photos/{_photo_id(scanned, relative)}/").json()
    assert (body["width"], body["height"]) == (entry["display_width"], entry["display_height"])
    assert body["camera_make"] == (exif["make"] or "")
    assert body["camera_model"] == (exif["model"] or "")
    if exif["datetime_original"] and exif["datetime_original"][:4] != "0000":
        local = dt.datetime.strptime(exif["datetime_original"][:19], "%Y:%m:%d %H:%M:%S")
        assert body["taken_at"][:19] == local.isoformat()
        assert body["taken_date"] == local.date().isoformat()
    if exif["gps"]:
        assert body["gps_lat"] == pytest.approx(exif["gps"]["lat"], abs=1e-5)
        assert body["gps_lon"] == pytest.approx(exif["gps"]["lon"], abs=1e-5)
    else:
        assert (body["gps_lat"], body["gps_lon"]) == (None, None)
    assert str(scanned.root / relative) in body["files"]
    # Before enrichment the only tags are the keywords the file carries (XMP, IPTC).
    assert (body["place"], set(body["tags"]), body["faces"]) == (
        None,
        _keywords_by_exiftool()[relative],
        [],
    )
    assert (body["favorite"], body["hidden"], body["in_trash"]) == (False, False, False)


@functools.cache
def _keywords_by_exiftool() -> dict[str, set[str]]:
    """Keywords of every corpus photo as exiftool reads them (one call): XMP dc:subject, IPTC
    Keywords and the leaves of lr:hierarchicalSubject."""
    paths = [str(SHARED_PHOTOS / relative) for relative in MANIFEST]
    tags = ["-XMP:Subject", "-IPTC:Keywords", "-XMP:HierarchicalSubject"]
    done = subprocess.run(["exiftool", "-j", *tags, *paths], capture_output=True, check=False)
    keywords = {}
    for row in json.loads(done.stdout):
        words = set()
        for key in ("Subject", "Keywords", "HierarchicalSubject"):
            values = row.get(key, [])
            for value in values if isinstance(values, list) else [values]:
                words.add(str(value).split("|")[-1].strip())
        relative = str(Path(row["SourceFile"]).relative_to(SHARED_PHOTOS))
        keywords[relative] = words - {""}
    return keywords


def test_a_photo_with_an_exif_offset_shows_it(scanned, scanned_api, manifest):
    relative = "formats/heic/iPhone11ProMax_IMG_5195.HEIC"
    body = scanned_api.get(f"/api/photos/{_photo_id(scanned, relative)}/").json()
    assert body["taken_at"] == "2021-04-11T15:47:53-05:00"
    assert body["tz_offset"] == -300


def test_list_of_the_scanned_corpus_is_newest_first_and_matches_detail(
    scanned, scanned_api, manifest
):
    rows = []
    url = "/api/photos/?page_size=40"
    while url:
        body = scanned_api.get(url).json()
        rows += body["results"]
        url = body["next"]
    assert len(rows) == body["count"] == Photo.objects.for_user(scanned.owner).count()
    dated = [row for row in rows if row["taken_at"]]
    undated = rows[len(dated) :]
    assert all(row["taken_at"] is None for row in undated)
    stamps = [row["taken_date"] for row in dated]
    assert stamps == sorted(stamps, reverse=True)
    falcon = _photo_id(scanned, "exif/Canon_EOS_R5_prairie_falcon.jpg")
    row = next(row for row in rows if row["id"] == falcon)
    assert (row["taken_at"], row["width"], row["height"]) == ("2022-03-31T11:31:56", 800, 533)


def test_list_filters_on_the_scanned_corpus(scanned, scanned_api, manifest):
    body = scanned_api.get("/api/photos/?taken_after=2008-10-22&taken_before=2008-10-22").json()
    expected = {
        _photo_id(scanned, path)
        for path in _dated(manifest)
        if manifest[path]["exif"]["datetime_original"].startswith("2008:10:22")
    }
    assert {row["id"] for row in body["results"]} == expected
    assert len(expected) == 5


@pytest.mark.parametrize(("size", "longest"), [("small", 256), ("big", 1440)])
def test_thumbnails_are_images_within_their_size(scanned, scanned_api, size, longest):
    photo_id = _photo_id(scanned, "exif/Jolla_phone.jpg")
    response = scanned_api.get(f"/api/photos/{photo_id}/thumbnail/{size}/")
    assert response.status_code == 200
    image = Image.open(io.BytesIO(b"".join(response.streaming_content)))
    image.load()
    assert max(image.size) == longest
    assert image.size[0] > image.size[1]
    assert response["Content-Type"] == f"image/{image.format.lower()}"
    assert response["Cache-Control"] == f"private, max-age={settings.THUMBNAIL_CACHE_SECONDS}"
    assert response["ETag"]


def test_a_rotated_photos_thumbnail_is_upright(scanned, scanned_api):
    photo_id = _photo_id(scanned, "orientation/Landscape_6.jpg")
    response = scanned_api.get(f"/api/photos/{photo_id}/thumbnail/small/")
    image = Image.open(io.BytesIO(b"".join(response.streaming_content)))
    assert image.size[0] > image.size[1]


def test_a_matching_if_none_match_gets_304_without_a_body(scanned, scanned_api):
    url = f"/api/photos/{_photo_id(scanned, 'exif/Canon_40D.jpg')}/thumbnail/small/"
    etag = scanned_api.get(url)["ETag"]
    response = scanned_api.get(url, HTTP_IF_NONE_MATCH=etag)
    assert response.status_code == 304
    assert response.content == b""
    assert response["ETag"] == etag
    assert scanned_api.get(url, HTTP_IF_NONE_MATCH='"other"').status_code == 200
    assert scanned_api.get(url.replace("small", "big"), HTTP_IF_NONE_MATCH=etag).status_code == 200


def test_thumbnail_is_handed_to_nginx_when_configured(scanned, scanned_api, settings):
    settings.THUMBNAIL_ACCEL_REDIRECT = "/protected/thumbnails/"
    photo_id = _photo_id(scanned, "exif/Canon_40D.jpg")
    response = scanned_api.get(f"/api/photos/{photo_id}/thumbnail/big/")
    assert response.status_code == 200
    target = response["X-Accel-Redirect"]
    assert target.startswith("/protected/thumbnails/")
    relative = target.removeprefix("/protected/thumbnails/")
    assert (Path(settings.THUMBNAIL_DIR) / relative).is_file()
    assert response.content == b""


def test_thumbnail_answers_an_image_accept_header(scanned, scanned_api):
    photo_id = _photo_id(scanned, "exif/Canon_40D.jpg")
    response = scanned_api.get(
        f"/api/photos/{photo_id}/thumbnail/small/", HTTP_ACCEPT="image/avif,image/webp,*/*;q=0.8"
    )
    assert response.status_code == 200


@pytest.mark.django_db
def test_a_photo_without_thumbnail_yet_is_404_with_a_reason(api, user):
    photo = PhotoFactory(owner=user)
    response = api.get(f"/api/photos/{photo.pk}/thumbnail/small/")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_unknown_thumbnail_size_is_404(scanned, scanned_api):
    photo_id = _photo_id(scanned, "exif/Canon_40D.jpg")
    assert scanned_api.get(f"/api/photos/{photo_id}/thumbnail/huge/").status_code == 404
