"""Headers, deploy checks and inputs that used to answer 500."""

import os
import subprocess
import sys

import pytest
from django.conf import settings
from rest_framework.test import APIClient

from api.models import Album, Face, Job, Person
from tests.factories import JobFactory, LibraryFactory, PhotoFactory
from tests.views.routes import api_operations, fill


@pytest.mark.django_db
@pytest.mark.parametrize("url", ["/api/photos/", "/api/docs/", "/admin/login/"])
def test_every_response_has_the_content_security_policy_and_security_headers(url):
    response = APIClient().get(url)
    assert response["Content-Security-Policy"] == settings.CONTENT_SECURITY_POLICY
    assert "script-src 'self';" in response["Content-Security-Policy"]
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Frame-Options"] == "DENY"


def test_a_response_with_its_own_policy_keeps_it():
    from django.http import HttpResponse

    from api.middleware import ContentSecurityPolicyMiddleware

    own = "default-src 'self'; script-src 'sha256-abc='"
    middleware = ContentSecurityPolicyMiddleware(
        lambda request: HttpResponse(headers={"Content-Security-Policy": own})
    )
    assert middleware(None)["Content-Security-Policy"] == own


def _manage(*args: str, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=settings.BASE_DIR,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        check=False,
    )


def test_check_deploy_is_clean_behind_https():
    done = _manage("check", "--deploy", "--fail-level", "WARNING", OWNPHOTOS_HTTPS="1")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "no issues" in done.stdout


def test_without_https_check_deploy_says_what_is_missing():
    done = _manage("check", "--deploy", "--fail-level", "WARNING", OWNPHOTOS_HTTPS="0")
    assert done.returncode != 0
    assert "SECURE_HSTS_SECONDS" in done.stderr + done.stdout


@pytest.mark.django_db
def test_options_on_every_route_of_the_schema_is_never_a_server_error(api, user):
    photo = PhotoFactory(owner=user)
    values = {
        "id": photo.pk,
        "size": "small",
        "date": "2020-05-01",
        "month": "2020-05",
        "token": "no-such-token",
    }
    ids = {
        "/api/jobs/": JobFactory(owner=user, state=Job.State.FAILED).pk,
        "/api/users/": user.pk,
        "/api/albums/": Album.objects.create(owner=user, title="a").pk,
        "/api/people/": Person.objects.create(owner=user).pk,
        "/api/faces/": Face.objects.create(
            photo=photo, top=1, right=9, bottom=9, left=1, encoding=bytes(512), detector="hog"
        ).pk,
    }
    answers = {}
    for path in {path for _, path in api_operations()}:
        own = next((pk for prefix, pk in ids.items() if path.startswith(prefix)), photo.pk)
        url = fill(path, **{**values, "id": own})
        answers[url] = api.options(url).status_code
    assert len(answers) > 30
    assert {url: code for url, code in answers.items() if code >= 500} == {}
    assert answers["/api/duplicates/resolve/"] == 200
    assert answers["/api/search/by-image/"] == 200


@pytest.mark.django_db
def test_a_scan_of_an_8000_character_path_is_400_with_a_reason(api, user, tmp_path):
    library = tmp_path / "library"
    library.mkdir()
    LibraryFactory(owner=user, path=str(library.resolve()))
    inside = f"{library.resolve()}/{'a' * 300}/{'b' * 7000}"
    for path in ("/" + "a" * 7999, inside[:4000], f"{library.resolve()}/{'c' * 300}"):
        response = api.post("/api/jobs/scan/", {"path": path}, format="json")
        assert response.status_code == 400, response.content
        assert response.json()["path"]
    assert not Job.objects.filter(owner=user).exists()
