"""Albums over HTTP on the scanned corpus: CRUD, membership, sharing with a second user,
hidden and trashed photos."""

import io

import pytest
from PIL import Image
from rest_framework.test import APIClient

from api.models import Album, File, Photo
from tests.factories import PhotoFactory, UserFactory

pytestmark = pytest.mark.django_db

DSCN = ["gps/DSCN0010.jpg", "gps/DSCN0012.jpg", "gps/DSCN0021.jpg"]


def _photo(scanned, relative: str) -> Photo:
    return File.objects.get(owner=scanned.owner, path=str(scanned.root / relative)).photo


def _ids(scanned, *relatives: str) -> list[int]:
    return [_photo(scanned, relative).pk for relative in relatives]


@pytest.fixture
def bob_api(db) -> APIClient:
    client = APIClient()
    client.force_authenticate(UserFactory(username="bob"))
    return client


def _create(client: APIClient, title: str, photos: list[int]) -> dict:
    response = client.post("/api/albums/", {"title": title, "photos": photos}, format="json")
    assert response.status_code == 201, response.content
    return response.json()


def test_album_is_created_read_renamed_and_deleted_leaving_its_photos(scanned, scanned_api):
    newest, middle, oldest = _ids(scanned, "exif/Nikon_D750_tanners_ridge.jpg", *DSCN[1::-1])
    created = _create(scanned_api, "Tuscany", [newest, middle, oldest])
    assert created["photos"] == [oldest, middle, newest]  # by date taken
    assert (created["kind"], created["owner"], created["shared"]) == ("user", "scanned", False)
    assert (created["photo_count"], created["cover"]) == (3, oldest)

    listed = scanned_api.get("/api/albums/").json()["results"]
    assert [(a["id"], a["title"], a["photos"]) for a in listed] == [
        (created["id"], "Tuscany", [oldest, middle, newest])
    ]
    url = f"/api/albums/{created['id']}/"
    renamed = scanned_api.patch(url, {"title": "Arezzo"}, format="json").json()
    assert renamed["title"] == scanned_api.get(url).json()["title"] == "Arezzo"

    assert scanned_api.delete(url).status_code == 204
    assert scanned_api.get(url).status_code == 404
    assert Photo.objects.filter(pk__in=[newest, middle, oldest]).count() == 3


def test_photos_are_added_and_removed_in_bulk_and_can_be_replaced_in_a_given_order(
    scanned, scanned_api
):
    a, b, c = _ids(scanned, *DSCN)
    _create(scanned_api, "elsewhere", [c, a])  # other memberships do not leak into this one
    album = _create(scanned_api, "walk", [a])
    url = f"/api/albums/{album['id']}/photos/"

    added = scanned_api.post(url, {"photos": [c, b, a]}, format="json")
    assert added.status_code == 200
    assert added.json()["photos"] == [a, b, c]
    removed = scanned_api.delete(url, {"photos": [a, c]}, format="json").json()
    assert removed["photos"] == [b]

    manual = scanned_api.patch(
        f"/api/albums/{album['id']}/", {"photos": [c, a, b], "sort": "manual"}, format="json"
    ).json()
    assert manual["photos"] == [c, a, b]
    page = scanned_api.get(url).json()
    assert [row["id"] for row in page["results"]] == [c, a, b]
    assert page["results"][0]["thumbnails"]["small"] == f"/api/photos/{c}/thumbnail/small/"


def test_unknown_or_foreign_photo_ids_are_404_listing_them_and_change_nothing(scanned, scanned_api):
    mine = _ids(scanned, DSCN[0])[0]
    foreign = PhotoFactory(owner=UserFactory(username="carol")).pk
    album = _create(scanned_api, "kept", [mine])
    url = f"/api/albums/{album['id']}/"

    for method, path, body in [
        ("post", "/api/albums/", {"title": "new", "photos": [mine, foreign, 999999]}),
        ("post", f"{url}photos/", {"photos": [foreign, 999999]}),
        ("patch", url, {"photos": [foreign]}),
        ("patch", url, {"cover": foreign}),
    ]:
        response = getattr(scanned_api, method)(path, body, format="json")
        assert response.status_code == 404, (method, path)
        assert response.json()["code"] == "unknown_photos"
        assert str(foreign) in response.json()["detail"]

    assert Album.objects.filter(owner=scanned.owner).count() == 1
    assert scanned_api.get(url).json()["photos"] == [mine]
    assert not Album.objects.filter(photos__pk=foreign).exists()


def test_cover_is_the_first_photo_until_one_is_chosen(scanned, scanned_api):
    a, b, _ = _ids(scanned, *DSCN)
    album = _create(scanned_api, "covered", [a, b])
    url = f"/api/albums/{album['id']}/"
    assert album["cover"] == a
    assert scanned_api.patch(url, {"cover": b}, format="json").json()["cover"] == b
    assert scanned_api.patch(url, {"cover": None}, format="json").json()["cover"] == a


def test_album_list_costs_the_same_queries_for_one_album_and_twenty(
    scanned, scanned_api, django_assert_num_queries
):
    ids = _ids(scanned, *DSCN)
    _create(scanned_api, "first", ids)
    with django_assert_num_queries(4):
        assert scanned_api.get("/api/albums/").status_code == 200
    for n in range(19):
        _create(scanned_api, f"album {n}", ids[: n % 3 + 1])
    with django_assert_num_queries(4):
        assert len(scanned_api.get("/api/albums/").json()["results"]) == 20


def test_shared_album_shows_for_the_recipient_marked_shared_with_its_photos_and_thumbnails(
    scanned, scanned_api, bob_api
):
    shared_ids = _ids(scanned, *DSCN[:2])
    album = _create(scanned_api, "for bob", shared_ids)
    answer = scanned_api.post(f"/api/albums/{album['id']}/share/", {"user": "bob"}, format="json")
    assert answer.status_code == 200
    assert answer.json()["shared_with"] == ["bob"]

    listed = bob_api.get("/api/albums/").json()["results"]
    assert [(a["id"], a["shared"], a["owner"], a["photos"]) for a in listed] == [
        (album["id"], True, "scanned", shared_ids)
    ]
    assert listed[0]["shared_with"] == []
    assert listed[0]["public"] is None
    for photo_id in shared_ids:
        detail = bob_api.get(f"/api/photos/{photo_id}/")
        assert detail.status_code == 200
        assert detail.json()["files"] == []  # the owner's paths stay the owner's
        thumb = bob_api.get(f"/api/photos/{photo_id}/thumbnail/small/")
        assert thumb.status_code == 200
        assert Image.open(io.BytesIO(b"".join(thumb.streaming_content))).format == "WEBP"
    page = bob_api.get(f"/api/albums/{album['id']}/photos/").json()
    assert [row["id"] for row in page["results"]] == shared_ids


def test_a_recipient_sees_nothing_else_of_the_owners_and_changes_nothing(
    scanned, scanned_api, bob_api
):
    shared_ids = _ids(scanned, *DSCN[:2])
    other = _ids(scanned, DSCN[2], "exif/Canon_40D.jpg")
    album = _create(scanned_api, "for bob", shared_ids)
    scanned_api.post(f"/api/albums/{album['id']}/share/", {"user": "bob"}, format="json")
    url = f"/api/albums/{album['id']}/"

    for photo_id in other:
        assert bob_api.get(f"/api/photos/{photo_id}/").status_code == 404
        assert bob_api.get(f"/api/photos/{photo_id}/thumbnail/small/").status_code == 404
    assert bob_api.get("/api/photos/").json()["count"] == 0
    assert bob_api.get("/api/timeline/").json() == []
    assert bob_api.get("/api/timeline/2008-10-22/").json()["results"] == []
    for method, path, body in [
        ("patch", f"/api/photos/{shared_ids[0]}/", {"favorite": True}),
        ("patch", url, {"title": "mine now"}),
        ("delete", url, None),
        ("post", f"{url}photos/", {"photos": other}),
        ("delete", f"{url}photos/", {"photos": shared_ids}),
        ("post", f"{url}share/", {"user": "bob", "revoke": True}),
        ("post", f"{url}share/", {"public": True}),
    ]:
        assert getattr(bob_api, method)(path, body, format="json").status_code == 404, path

    assert scanned_api.get(url).json()["photos"] == shared_ids
    assert scanned_api.get(url).json()["title"] == "for bob"
    assert not Photo.objects.filter(pk=shared_ids[0], favorite=True).exists()


def test_revoking_a_share_closes_the_album_and_its_photos_at_once(scanned, scanned_api, bob_api):
    shared_ids = _ids(scanned, DSCN[0])
    album = _create(scanned_api, "brief", shared_ids)
    share = f"/api/albums/{album['id']}/share/"
    scanned_api.post(share, {"user": "bob"}, format="json")
    assert bob_api.get(f"/api/photos/{shared_ids[0]}/").status_code == 200

    answer = scanned_api.post(share, {"user": "bob", "revoke": True}, format="json")

    assert answer.json()["shared_with"] == []
    assert bob_api.get("/api/albums/").json()["results"] == []
    assert bob_api.get(f"/api/albums/{album['id']}/").status_code == 404
    assert bob_api.get(f"/api/photos/{shared_ids[0]}/").status_code == 404


def test_sharing_with_an_unknown_user_or_oneself_is_400(scanned, scanned_api):
    album = _create(scanned_api, "alone", [])
    share = f"/api/albums/{album['id']}/share/"
    assert scanned_api.post(share, {"user": "nobody"}, format="json").status_code == 400
    assert scanned_api.post(share, {"user": "scanned"}, format="json").status_code == 400
    assert scanned_api.post(share, {}, format="json").status_code == 400


def test_hidden_photos_leave_the_timeline_but_stay_in_the_album_for_the_owner_only(
    scanned, scanned_api, bob_api
):
    hidden, shown = _ids(scanned, *DSCN[:2])
    album = _create(scanned_api, "half hidden", [hidden, shown])
    scanned_api.post(f"/api/albums/{album['id']}/share/", {"user": "bob"}, format="json")
    day = next(d for d in scanned_api.get("/api/timeline/").json() if d["date"] == "2008-10-22")

    hide = scanned_api.patch(f"/api/photos/{hidden}/", {"hidden": True}, format="json")
    assert hide.status_code == 200

    days = {d["date"]: d["count"] for d in scanned_api.get("/api/timeline/").json()}
    assert days["2008-10-22"] == day["count"] - 1
    on_day = scanned_api.get("/api/timeline/2008-10-22/").json()["results"]
    assert hidden not in [row["id"] for row in on_day]
    assert hidden not in [row["id"] for row in scanned_api.get("/api/photos/").json()["results"]]
    assert scanned_api.get(f"/api/albums/{album['id']}/").json()["photos"] == [hidden, shown]
    assert bob_api.get(f"/api/albums/{album['id']}/").json()["photos"] == [shown]
    assert bob_api.get(f"/api/photos/{hidden}/").status_code == 404


def test_trashed_photos_leave_every_album_and_come_back_when_restored(scanned, scanned_api):
    trashed, kept = _ids(scanned, *DSCN[:2])
    album = _create(scanned_api, "trash", [trashed, kept])
    url = f"/api/albums/{album['id']}/"

    scanned_api.patch(f"/api/photos/{trashed}/", {"in_trash": True}, format="json")
    assert scanned_api.get(url).json()["photos"] == [kept]
    assert [r["id"] for r in scanned_api.get(f"{url}photos/").json()["results"]] == [kept]
    assert scanned_api.get(url).json()["cover"] == kept

    scanned_api.patch(f"/api/photos/{trashed}/", {"in_trash": False}, format="json")
    assert scanned_api.get(url).json()["photos"] == [trashed, kept]


def test_events_are_listed_by_kind_and_editing_one_marks_it_edited(scanned, scanned_api):
    from api.services.events import events_regenerate

    events_regenerate(user=scanned.owner)
    _create(scanned_api, "mine", [])

    events = scanned_api.get("/api/albums/?kind=event").json()["results"]
    assert [(e["title"], e["photo_count"], e["edited_by_user"]) for e in events] == [
        ("22 October 2008", 5, False)
    ]
    assert [a["title"] for a in scanned_api.get("/api/albums/?kind=user").json()["results"]] == [
        "mine"
    ]
    renamed = scanned_api.patch(
        f"/api/albums/{events[0]['id']}/", {"title": "Arezzo"}, format="json"
    ).json()
    assert (renamed["title"], renamed["edited_by_user"]) == ("Arezzo", True)

    url = f"/api/albums/{events[0]['id']}/"
    assert scanned_api.delete(url).status_code == 204
    assert scanned_api.get(url).status_code == 404
    assert scanned_api.get("/api/albums/?kind=event").json()["results"] == []
