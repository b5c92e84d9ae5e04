"""Public album links: readable without login, only that album, no GPS unless allowed,
closed at once when revoked or expired."""

import datetime as dt
import io
from urllib.parse import urlparse

import pytest
from django.utils import timezone
from PIL import Image
from rest_framework.test import APIClient

from api.models import AlbumLink, File

pytestmark = pytest.mark.django_db

GPS_PHOTOS = ["gps/DSCN0010.jpg", "gps/DSCN0012.jpg"]


def _ids(scanned, *relatives: str) -> list[int]:
    return [
        File.objects.get(owner=scanned.owner, path=str(scanned.root / r)).photo_id
        for r in relatives
    ]


def _album(scanned_api: APIClient, photos: list[int]) -> int:
    body = {"title": "Arezzo walk", "photos": photos}
    return scanned_api.post("/api/albums/", body, format="json").json()["id"]


def _publish(scanned_api: APIClient, album_id: int, **options) -> str:
    response = scanned_api.post(
        f"/api/albums/{album_id}/share/", {"public": True, **options}, format="json"
    )
    assert response.status_code == 200, response.content
    return urlparse(response.json()["url"]).path


def test_a_public_link_shows_the_album_without_login_and_without_owner_or_gps(
    scanned, scanned_api, manifest
):
    ids = _ids(scanned, *GPS_PHOTOS)
    path = _publish(scanned_api, _album(scanned_api, ids))

    response = APIClient().get(path)

    assert response.status_code == 200
    body = response.json()
    assert body["title"] == "Arezzo walk"
    assert [photo["id"] for photo in body["photos"]] == ids
    text = response.content.decode()
    assert "scanned" not in text
    assert str(scanned.root) not in text
    for relative in GPS_PHOTOS:
        lat = manifest[relative]["exif"]["gps"]["lat"]
        assert f"{lat:.4f}"[:6] not in text
    assert all("gps_lat" not in photo for photo in body["photos"])
    first = body["photos"][0]
    assert (first["width"], first["height"]) == (
        manifest[GPS_PHOTOS[0]]["display_width"],
        manifest[GPS_PHOTOS[0]]["display_height"],
    )


def test_gps_is_shown_on_a_public_link_when_the_owner_allows_it(scanned, scanned_api, manifest):
    ids = _ids(scanned, *GPS_PHOTOS)
    path = _publish(scanned_api, _album(scanned_api, ids), allow_gps=True)

    photos = APIClient().get(path).json()["photos"]

    for photo, relative in zip(photos, GPS_PHOTOS, strict=True):
        gps = manifest[relative]["exif"]["gps"]
        assert photo["gps_lat"] == pytest.approx(gps["lat"], abs=1e-5)
        assert photo["gps_lon"] == pytest.approx(gps["lon"], abs=1e-5)


def test_a_public_link_serves_thumbnails_of_its_photos_only(scanned, scanned_api):
    inside, outside = _ids(scanned, GPS_PHOTOS[0], "exif/Canon_40D.jpg")
    path = _publish(scanned_api, _album(scanned_api, [inside]))
    visitor = APIClient()
    thumbnail = visitor.get(path).json()["photos"][0]["thumbnails"]["big"]

    response = visitor.get(thumbnail)
    assert response.status_code == 200
    # No shared cache keeps it and the browser asks again each time: a revoke ends it at once.
    assert response["Cache-Control"] == "private, no-cache"
    again = visitor.get(thumbnail, HTTP_IF_NONE_MATCH=response["ETag"])
    assert again.status_code == 304
    image = Image.open(io.BytesIO(b"".join(response.streaming_content)))
    assert (image.format, max(image.size)) == ("JPEG", 640)

    assert visitor.get(thumbnail.replace(f"/{inside}/", f"/{outside}/")).status_code == 404
    assert visitor.get(f"/api/photos/{inside}/").status_code == 401


def test_the_token_is_long_random_and_stays_when_the_link_is_asked_for_again(scanned, scanned_api):
    album_id = _album(scanned_api, [])
    first = _publish(scanned_api, album_id)
    again = _publish(scanned_api, album_id, allow_gps=True)
    other = _publish(scanned_api, _album(scanned_api, []))

    token = AlbumLink.objects.get(album_id=album_id).token
    assert len(token) >= 43
    assert first == again == f"/api/public/albums/{token}/"
    assert other != first
    assert AlbumLink.objects.get(album_id=album_id).allow_gps is True


def test_a_revoked_link_is_404_at_once_and_a_new_link_gets_a_new_token(scanned, scanned_api):
    ids = _ids(scanned, GPS_PHOTOS[0])
    album_id = _album(scanned_api, ids)
    path = _publish(scanned_api, album_id)
    visitor = APIClient()
    thumbnail = visitor.get(path).json()["photos"][0]["thumbnails"]["small"]

    revoked = scanned_api.post(f"/api/albums/{album_id}/share/", {"public": False}, format="json")

    assert revoked.json()["url"] is None
    assert visitor.get(path).status_code == 404
    assert visitor.get(thumbnail).status_code == 404
    assert _publish(scanned_api, album_id) != path


def test_an_expired_link_is_404(scanned, scanned_api):
    album_id = _album(scanned_api, _ids(scanned, GPS_PHOTOS[0]))
    soon = timezone.now() + dt.timedelta(hours=1)
    path = _publish(scanned_api, album_id, expires_at=soon.isoformat())
    assert APIClient().get(path).status_code == 200

    AlbumLink.objects.filter(album_id=album_id).update(
        expires_at=timezone.now() - dt.timedelta(seconds=1)
    )

    assert APIClient().get(path).status_code == 404


def test_an_unknown_token_is_404(db):
    assert APIClient().get("/api/public/albums/not-a-token/").status_code == 404
    url = "/api/public/albums/not-a-token/photos/1/thumbnail/small/"
    assert APIClient().get(url).status_code == 404


def test_hidden_and_trashed_photos_stay_out_of_a_public_album(scanned, scanned_api):
    hidden, trashed, shown = _ids(scanned, *GPS_PHOTOS, "gps/DSCN0021.jpg")
    path = _publish(scanned_api, _album(scanned_api, [hidden, trashed, shown]))
    scanned_api.patch(f"/api/photos/{hidden}/", {"hidden": True}, format="json")
    scanned_api.patch(f"/api/photos/{trashed}/", {"in_trash": True}, format="json")

    visitor = APIClient()
    assert [photo["id"] for photo in visitor.get(path).json()["photos"]] == [shown]
    for photo_id in (hidden, trashed):
        url = f"{path}photos/{photo_id}/thumbnail/small/"
        assert visitor.get(url).status_code == 404


def test_a_link_expiring_in_the_past_is_refused_and_none_is_made(scanned, scanned_api):
    album_id = _album(scanned_api, [])
    past = (timezone.now() - dt.timedelta(minutes=1)).isoformat()
    response = scanned_api.post(
        f"/api/albums/{album_id}/share/", {"public": True, "expires_at": past}, format="json"
    )
    assert response.status_code == 400
    assert not AlbumLink.objects.filter(album_id=album_id).exists()
