import datetime as dt

import pytest
from django.conf import settings
from django.utils import timezone
from rest_framework.test import APIClient
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken, OutstandingToken
from rest_framework_simplejwt.tokens import RefreshToken

from api import tasks
from tests.factories import JobFactory, PhotoFactory, UserFactory
from tests.views.routes import PUBLIC, api_operations, fill

PASSWORD = "correct horse battery staple"


def _tokens(client: APIClient, username: str, password: str):
    return client.post(
        "/api/auth/token/", {"username": username, "password": password}, format="json"
    )


@pytest.mark.django_db
def test_login_gives_tokens_that_open_the_api(user):
    client = APIClient()
    response = _tokens(client, user.username, PASSWORD)
    assert response.status_code == 200
    tokens = response.json()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {tokens['access']}")
    assert client.get("/api/photos/").status_code == 200

    refreshed = client.post("/api/auth/token/refresh/", {"refresh": tokens["refresh"]})
    assert refreshed.status_code == 200
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {refreshed.json()['access']}")
    assert client.get("/api/timeline/").status_code == 200


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("username", "password"),
    [("alice", "wrong"), ("nobody", PASSWORD), ("ALICE", PASSWORD)],
)
def test_wrong_credentials_are_401(user, username, password):
    assert _tokens(APIClient(), username, password).status_code == 401


@pytest.mark.django_db
def test_a_deactivated_user_cannot_log_in():
    UserFactory(username="carol", is_active=False)
    assert _tokens(APIClient(), "carol", PASSWORD).status_code == 401


@pytest.mark.django_db
def test_a_bad_refresh_token_is_401():
    response = APIClient().post("/api/auth/token/refresh/", {"refresh": "nope"}, format="json")
    assert response.status_code == 401


def _every_protected_request(user):
    photo = PhotoFactory(owner=user, taken_at=dt.datetime(2020, 5, 1, tzinfo=dt.UTC))
    job = JobFactory(owner=user)
    values = {"id": photo.pk, "size": "small", "date": "2020-05-01", "month": "2020-05"}
    for method, path in api_operations():
        if path in PUBLIC:
            continue
        if path.startswith("/api/jobs/{id}"):
            yield method, fill(path, **{**values, "id": job.pk})
        elif path.startswith("/api/users/{id}"):
            yield method, fill(path, **{**values, "id": user.pk})
        else:
            yield method, fill(path, **values)


@pytest.mark.django_db
def test_no_token_is_401_on_every_endpoint(user):
    client = APIClient()
    answers = {
        (method, url): getattr(client, method)(url).status_code
        for method, url in _every_protected_request(user)
    }
    assert answers
    assert {key: code for key, code in answers.items() if code != 401} == {}


@pytest.mark.django_db
@pytest.mark.parametrize(
    "header",
    ["Bearer not-a-jwt", "Bearer eyJhbGciOiJIUzI1NiJ9.e30.c2lnbmF0dXJl", "Token abc", "Bearer"],
)
def test_a_bad_token_is_401_on_every_endpoint(user, header):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=header)
    answers = {
        (method, url): getattr(client, method)(url).status_code
        for method, url in _every_protected_request(user)
    }
    assert {key: code for key, code in answers.items() if code != 401} == {}


@pytest.mark.django_db
def test_401_says_how_to_authenticate(user):
    response = APIClient().get("/api/photos/")
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


@pytest.mark.django_db
def test_the_daily_flush_deletes_expired_refresh_tokens_only(user):
    client = APIClient()
    old = _tokens(client, user.username, PASSWORD).json()["refresh"]
    live = _tokens(client, user.username, PASSWORD).json()["refresh"]
    RefreshToken(old).blacklist()  # as a rotation or a sign-out leaves it
    stale = OutstandingToken.objects.get(token=old)
    assert BlacklistedToken.objects.filter(token=stale).exists()
    OutstandingToken.objects.filter(pk=stale.pk).update(
        expires_at=timezone.now() - dt.timedelta(seconds=1)
    )

    assert tasks.tokens_flush_expired() == 1

    assert list(OutstandingToken.objects.values_list("token", flat=True)) == [live]
    assert not BlacklistedToken.objects.exists()
    assert client.post("/api/auth/token/refresh/", {"refresh": live}).status_code == 200
    entry = settings.CELERY_BEAT_SCHEDULE["tokens-flush-expired"]
    assert (entry["task"], entry["schedule"]) == ("api.tasks.tokens_flush_expired", 24 * 3600)
