"""Django serves the web app: index.html with its CSP for client routes, hashed assets cached."""

import base64
import hashlib
import os
from pathlib import Path

import pytest

BOOTSTRAP = """
				{
					__sveltekit_x = { base: "" };
					const el = document.currentScript.parentElement;
					import("/_app/immutable/entry/start.AbC123.js").then((kit) => kit.start(el));
				}
			"""
INDEX = f"""<!doctype html>
<html lang="en">
	<head><script type="module" src="/_app/immutable/entry/app.js"></script></head>
	<body><div style="display: contents"><script>{BOOTSTRAP}</script></div></body>
</html>
"""


@pytest.fixture
def web_build(tmp_path: Path, settings) -> Path:
    """A built web app as SvelteKit lays it out, served by the real middleware and view."""
    build = tmp_path / "build"
    (build / "_app" / "immutable" / "entry").mkdir(parents=True)
    (build / "index.html").write_text(INDEX)
    (build / "_app" / "immutable" / "entry" / "start.AbC123.js").write_text("export {};\n")
    (build / "favicon.svg").write_text("<svg xmlns='http://www.w3.org/2000/svg'/>")
    settings.WEB_BUILD_DIR = build
    settings.WHITENOISE_ROOT = build
    return build


@pytest.mark.parametrize(
    "path", ["/", "/photos/123", "/search?q=paris", "/people/4/", "/share/abc-def", "/login"]
)
def test_client_routes_answer_index_with_csp(client, web_build, path):
    response = client.get(path)
    assert response.status_code == 200
    assert response["Content-Type"] == "text/html; charset=utf-8"
    assert response["Cache-Control"] == "no-cache"
    assert response.content.decode() == INDEX
    assert "default-src 'self'" in response["Content-Security-Policy"]


def test_csp_allows_exactly_the_inline_bootstrap_by_hash(client, web_build):
    policy = client.get("/photos/1")["Content-Security-Policy"]
    digest = base64.b64encode(hashlib.sha256(BOOTSTRAP.encode()).digest()).decode()
    directives = dict(part.strip().split(" ", 1) for part in policy.split(";"))
    assert directives["script-src"] == f"'self' 'sha256-{digest}'"
    assert directives["connect-src"] == "'self'"
    assert directives["frame-ancestors"] == "'none'"
    assert directives["object-src"] == "'none'"


def test_a_rebuild_is_served_without_a_restart(client, web_build):
    client.get("/")
    (web_build / "index.html").write_text(INDEX.replace("__sveltekit_x", "__sveltekit_y"))
    # A different mtime on filesystems with coarse timestamps.
    stat = (web_build / "index.html").stat()
    os.utime(web_build / "index.html", ns=(stat.st_atime_ns, stat.st_mtime_ns + 10**9))
    response = client.get("/")
    assert b"__sveltekit_y" in response.content
    digest = base64.b64encode(
        hashlib.sha256(BOOTSTRAP.replace("__sveltekit_x", "__sveltekit_y").encode()).digest()
    ).decode()
    assert f"'sha256-{digest}'" in response["Content-Security-Policy"]


@pytest.mark.django_db
@pytest.mark.parametrize(
    "path", ["/api/nope/", "/static/nope.css", "/media/1.jpg", "/_app/immutable/nope.js"]
)
def test_server_paths_never_answer_index(client, web_build, path):
    response = client.get(path)
    assert response.status_code == 404
    assert "sha256-" not in response.get("Content-Security-Policy", "")
    assert b"__sveltekit" not in response.content


@pytest.mark.django_db
def test_admin_is_not_the_app(client, web_build):
    response = client.get("/admin/nope/")
    assert "sha256-" not in response.get("Content-Security-Policy", "")
    assert b"__sveltekit" not in response.content


def test_hashed_assets_are_cached_for_a_year(client, web_build):
    response = client.get("/_app/immutable/entry/start.AbC123.js")
    assert response.status_code == 200
    assert "immutable" in response["Cache-Control"]
    assert "max-age=315360000" in response["Cache-Control"]
    assert "sha256-" not in response.get("Content-Security-Policy", "")


def test_other_root_files_are_served_and_revalidated(client, web_build):
    response = client.get("/favicon.svg")
    assert response.status_code == 200
    assert "immutable" not in response["Cache-Control"]


def test_without_a_build_the_page_says_how_to_make_one(client, settings, tmp_path):
    settings.WEB_BUILD_DIR = tmp_path / "missing"
    response = client.get("/photos/1")
    assert response.status_code == 503
    assert b"make install" in response.content
