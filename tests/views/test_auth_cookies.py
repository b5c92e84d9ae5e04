"""The web app's sign-in: httpOnly cookies, CSRF, rotation, blacklisting, cookie auth."""

import datetime as dt

import pytest
from rest_framework.test import APIClient
from rest_framework_simplejwt.token_blacklist.models import OutstandingToken
from rest_framework_simplejwt.tokens import RefreshToken

from tests.factories import PhotoFactory, photo_from_file

PASSWORD = "correct horse battery staple"


def _login(client: APIClient, username: str = "alice", password: str = PASSWORD):
    return client.post(
        "/api/auth/login/", {"username": username, "password": password}, format="json"
    )


def _csrf(client: APIClient) -> dict:
    return {"HTTP_X_CSRFTOKEN": client.cookies["csrftoken"].value}


@pytest.fixture
def browser() -> APIClient:
    """A client that checks CSRF as a browser's requests are checked."""
    return APIClient(enforce_csrf_checks=True)


@pytest.mark.django_db
def test_login_sets_httponly_strict_cookies_and_answers_the_access_token(user, browser):
    response = _login(browser)
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"access", "access_expires"}
    refresh, access = response.cookies["ownphotos_refresh"], response.cookies["ownphotos_access"]
    for cookie, path in ((refresh, "/api/auth/"), (access, "/api/")):
        assert cookie["httponly"] is True
        assert cookie["samesite"] == "Strict"
        assert cookie["path"] == path
    assert int(access["max-age"]) == 5 * 60  # simplejwt's default access lifetime
    assert int(refresh["max-age"]) == 24 * 3600
    assert access.value == body["access"]
    assert body["access_expires"] > 0
    csrf = response.cookies["csrftoken"]
    assert not csrf["httponly"]  # the page reads it to send X-CSRFToken
    browser.credentials(HTTP_AUTHORIZATION=f"Bearer {body['access']}")
    assert browser.get("/api/photos/").status_code == 200


@pytest.mark.django_db
def test_wrong_credentials_are_401_with_a_detail_and_no_cookies(user, browser):
    response = _login(browser, password="wrong")
    assert response.status_code == 401
    assert "detail" in response.json()
    assert "ownphotos_refresh" not in response.cookies


@pytest.mark.django_db
def test_refresh_rotates_the_cookies_and_a_used_refresh_cookie_is_dead(user, browser):
    _login(browser)
    used = browser.cookies["ownphotos_refresh"].value
    response = browser.post("/api/auth/refresh/", **_csrf(browser))
    assert response.status_code == 200
    assert set(response.json()) == {"access", "access_expires"}
    fresh = response.cookies["ownphotos_refresh"].value
    assert fresh != used
    assert response.cookies["ownphotos_access"].value == response.json()["access"]

    # The rotated one works; once it has been used, replaying the used one (a thief's copy)
    # fails and clears the cookies, even within the grace.
    assert browser.post("/api/auth/refresh/", **_csrf(browser)).status_code == 200
    replay = _client_with(browser, used).post("/api/auth/refresh/", **_csrf(browser))
    assert replay.status_code == 401
    assert replay.cookies["ownphotos_refresh"].value == ""
    assert replay.cookies["ownphotos_access"].value == ""
    assert browser.post("/api/auth/refresh/", **_csrf(browser)).status_code == 200


def _client_with(browser: APIClient, refresh: str) -> APIClient:
    """Another browser holding `refresh` as its cookie (and the same CSRF token)."""
    other = APIClient(enforce_csrf_checks=True)
    other.cookies["ownphotos_refresh"] = refresh
    other.cookies["csrftoken"] = browser.cookies["csrftoken"].value
    return other


def _refresh_answer_lost(browser: APIClient) -> tuple[str, str]:
    """A refresh whose answer never reached the page (it unloaded): the server rotated, the
    browser keeps the old cookie. Returns (old, lost successor)."""
    old = browser.cookies["ownphotos_refresh"].value
    lost = browser.post("/api/auth/refresh/", **_csrf(browser)).cookies["ownphotos_refresh"].value
    browser.cookies["ownphotos_refresh"] = old
    return old, lost


@pytest.mark.django_db
def test_a_refresh_whose_answer_was_lost_still_works_once_from_the_old_cookie(user, browser):
    _login(browser)
    old, lost = _refresh_answer_lost(browser)

    again = browser.post("/api/auth/refresh/", **_csrf(browser))
    assert again.status_code == 200
    fresh = again.cookies["ownphotos_refresh"].value
    assert fresh not in {old, lost}
    browser.credentials(HTTP_AUTHORIZATION=f"Bearer {again.json()['access']}")
    assert browser.get("/api/photos/").status_code == 200

    # The old cookie works only once; the new one works, and then neither the old nor the
    # lost one does (their successors were used).
    def refresh_with(token: str) -> int:
        return _client_with(browser, token).post("/api/auth/refresh/", **_csrf(browser)).status_code

    assert refresh_with(old) == 401
    assert refresh_with(fresh) == 200
    assert refresh_with(lost) == 401
    assert refresh_with(old) == 401


@pytest.mark.django_db
def test_a_rotated_refresh_cookie_past_the_grace_is_refused(user, browser, settings):
    _login(browser)
    _old, lost = _refresh_answer_lost(browser)
    jti = RefreshToken(lost, verify=False)["jti"]
    rotated_at = OutstandingToken.objects.get(jti=jti).created_at
    OutstandingToken.objects.filter(jti=jti).update(
        created_at=rotated_at - dt.timedelta(seconds=settings.REFRESH_GRACE_SECONDS + 1)
    )

    response = browser.post("/api/auth/refresh/", **_csrf(browser))
    assert response.status_code == 401
    assert response.cookies["ownphotos_refresh"].value == ""


@pytest.mark.django_db
def test_signing_out_or_a_new_password_leaves_no_grace_to_an_old_cookie(user, browser, api):
    _login(browser)
    old, lost = _refresh_answer_lost(browser)
    assert browser.post("/api/auth/logout/", **_csrf(browser)).status_code == 204
    for token in (old, lost):
        refused = _client_with(browser, token).post("/api/auth/refresh/", **_csrf(browser))
        assert refused.status_code == 401

    _login(browser)
    old, lost = _refresh_answer_lost(browser)
    changed = api.post(
        "/api/users/me/password/",
        {"old_password": PASSWORD, "new_password": "a whole new passphrase"},
        format="json",
    )
    assert changed.status_code in {200, 204}
    for token in (old, lost):
        refused = _client_with(browser, token).post("/api/auth/refresh/", **_csrf(browser))
        assert refused.status_code == 401


@pytest.mark.django_db
def test_refresh_needs_the_csrf_token_and_a_cookie(user, browser):
    _login(browser)
    without = browser.post("/api/auth/refresh/")
    assert without.status_code == 403
    assert without.cookies["ownphotos_refresh"].value == ""
    wrong = browser.post("/api/auth/refresh/", HTTP_X_CSRFTOKEN="x" * 32)
    assert wrong.status_code == 403

    anonymous = APIClient(enforce_csrf_checks=True)
    anonymous.get("/api/auth/login/")  # 405, but no cookie either way
    anonymous.cookies["csrftoken"] = "a" * 32
    assert anonymous.post("/api/auth/refresh/", HTTP_X_CSRFTOKEN="a" * 32).status_code == 401


@pytest.mark.django_db
def test_logout_blacklists_the_refresh_token_and_clears_the_cookies(user, browser):
    _login(browser)
    refresh = browser.cookies["ownphotos_refresh"].value
    assert browser.post("/api/auth/logout/").status_code == 403  # CSRF first
    response = browser.post("/api/auth/logout/", **_csrf(browser))
    assert response.status_code == 204
    assert response.cookies["ownphotos_refresh"].value == ""
    assert response.cookies["ownphotos_access"].value == ""
    # Neither the cookie route nor the scripts' route accepts it any more.
    browser.cookies["ownphotos_refresh"] = refresh
    assert browser.post("/api/auth/refresh/", **_csrf(browser)).status_code == 401
    script = APIClient().post("/api/auth/token/refresh/", {"refresh": refresh}, format="json")
    assert script.status_code == 401


@pytest.mark.django_db
def test_the_access_cookie_opens_reads_and_writes_only_with_csrf(user, browser, library):
    photo = photo_from_file(owner=user, path=library / "exif" / "Canon_40D.jpg")
    _login(browser)
    thumbnail = browser.get(f"/api/photos/{photo.pk}/thumbnail/small/")
    assert thumbnail.status_code == 200
    assert thumbnail["Content-Type"] == "image/webp"

    refused = browser.patch(f"/api/photos/{photo.pk}/", {"favorite": True}, format="json")
    assert refused.status_code == 403
    photo.refresh_from_db()
    assert photo.favorite is False
    allowed = browser.patch(
        f"/api/photos/{photo.pk}/", {"favorite": True}, format="json", **_csrf(browser)
    )
    assert allowed.status_code == 200
    photo.refresh_from_db()
    assert photo.favorite is True


@pytest.mark.django_db
def test_a_bad_access_cookie_authenticates_no_one(user):
    PhotoFactory(owner=user)
    client = APIClient()
    client.cookies["ownphotos_access"] = "not-a-jwt"
    response = client.get("/api/photos/")
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
