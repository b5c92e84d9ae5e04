import re
from html.parser import HTMLParser

import pytest
from django.core.management import call_command
from rest_framework.test import APIClient


class _Assets(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag: str, attrs: list) -> None:
        for name, value in attrs:
            if name in {"src", "href"} and value:
                self.urls.append(value)


@pytest.mark.django_db
def test_schema_is_valid_openapi_without_warnings(capsys):
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", "/dev/null")
    assert "Warning" not in capsys.readouterr().err


@pytest.mark.django_db
def test_schema_documents_the_api():
    response = APIClient().get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    paths = response.json()["paths"]
    for path in ("/api/photos/", "/api/photos/{id}/", "/api/timeline/", "/api/timeline/{date}/"):
        assert path in paths
    assert "patch" in paths["/api/photos/{id}/"]


@pytest.mark.django_db
def test_docs_page_uses_only_local_assets_and_they_load():
    client = APIClient()
    response = client.get("/api/docs/")
    assert response.status_code == 200
    html = response.content.decode()
    assert not re.search(r"(src|href)=\"(https?:)?//", html)
    # No inline script (the Content-Security-Policy allows none): Swagger UI's settings come
    # from a script of its own, which must not ask validator.swagger.io for a badge.
    assert "<script>" not in html
    script = re.search(r'<script src="(/api/docs/\?script=)"></script>', html).group(1)
    assert re.search(r'"validatorUrl":\s*null', client.get(script).content.decode())
    parser = _Assets()
    parser.feed(html)
    assets = [url for url in parser.urls if url.startswith("/static/")]
    assert any(url.endswith(".js") for url in assets)
    assert any(url.endswith(".css") for url in assets)
    for url in assets:
        served = client.get(url)
        assert served.status_code == 200, url
        assert b"".join(served.streaming_content)
