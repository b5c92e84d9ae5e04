"""The embedded (usearch, memory-mapped) back-end: the same top 10 as exact ranking on
clustered vectors with each kind of filter; new rows found before they are merged; the index
file deleted or truncated under a running server; two processes sharing one mapping."""

import datetime as dt
import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import numpy as np
import pytest
from django.conf import settings as django_settings
from usearch.index import Index, ScalarKind

from api.ml import clip
from api.models import Embedding, Face, Person, Photo, Place, User
from api.search.backends import embedded, exact

DIM = 32
CLUSTERS = 20
COUNT = 2000


def _clustered(rng: np.random.Generator, centres: np.ndarray, count: int) -> np.ndarray:
    noise = rng.normal(size=(count, centres.shape[1]))
    vectors = centres[rng.integers(0, len(centres), count)] + 0.3 * noise
    return (vectors / np.linalg.norm(vectors, axis=1, keepdims=True)).astype(np.float32)


def _library(version: str = "v1", count: int = COUNT, dim: int = DIM) -> dict:
    """`count` photos of one owner (and a tenth as many of another's, which must never come
    back) with clustered embeddings; favourites, two years, a person and a place among them."""
    rng = np.random.default_rng(7)
    centres = rng.normal(size=(CLUSTERS, dim))
    owner = User.objects.create_user(username="vectors", password="x")
    other = User.objects.create_user(username="someone", password="x")
    city = Place.objects.ensure_path(country_code="FR", country="France", city="Lyon")
    start = dt.datetime(2018, 1, 1, tzinfo=dt.UTC)
    photos = Photo.objects.bulk_create(
        Photo(
            owner=owner if i % 10 else other,
            content_hash=f"{i:064x}",
            favorite=i % 7 == 0,
            taken_at=start + dt.timedelta(hours=6 * i),
            taken_date=(start + dt.timedelta(hours=6 * i)).date(),
            place=city if i % 13 == 0 else None,
        )
        for i in range(count)
    )
    anna = Person.objects.create(owner=owner, name="Anna")
    Face.objects.bulk_create(
        Face(
            photo=photo,
            top=0,
            right=10,
            bottom=10,
            left=0,
            encoding=b"",
            detector="hog",
            model_version="t",
            person=anna,
        )
        for photo in photos[::11]
    )
    vectors = _clustered(rng, centres, count)
    Embedding.objects.bulk_create(
        Embedding(
            photo=photo, model_name="clip", model_version=version, dim=dim, vector=vector.tobytes()
        )
        for photo, vector in zip(photos, vectors, strict=True)
    )
    return {
        "owner": owner,
        "photos": photos,
        "person": anna,
        "queries": _clustered(rng, centres, 12),
        "centres": centres,
        "rng": rng,
    }


def _filters(library: dict) -> dict:
    everything = Photo.objects.for_user(library["owner"])
    return {
        "none": everything,
        "favourites": everything.filter(favorite=True),
        "year": everything.filter(taken_date__year=2019),
        "person": everything.filter(faces__person_id=library["person"].pk).distinct(),
        "place": everything.at_place("Lyon"),
    }


def _search(backend, photos, query, owner, limit=10, version="v1", exclude=None):
    return backend.search(
        owner_id=owner.pk,
        photos=photos,
        vector=query,
        model_name="clip",
        model_version=version,
        limit=limit,
        exclude=exclude,
    )


def _build(owner, version="v1", dim=DIM) -> Path:
    return embedded.index_build(
        using="default", owner_id=owner.pk, model_name="clip", model_version=version, dim=dim
    )


@pytest.fixture(autouse=True)
def index_folder(settings, tmp_path) -> Path:
    settings.VECTOR_INDEX_DIR = tmp_path / "vectors"
    settings.VECTOR_BACKEND = "embedded"
    embedded.state_clear()
    exact.cache_clear()
    yield settings.VECTOR_INDEX_DIR
    embedded.state_clear()


@pytest.mark.django_db
@pytest.mark.parametrize("walk", ["index", "exact-few"])
def test_the_top_10_is_the_exact_one_with_each_filter(settings, monkeypatch, walk):
    """The index walk (filters never count as few) and the exact ranking of a small filtered
    set both give exact search's top 10, with its scores, and only photos the filter keeps.
    The int8 index is built from rows read in several blocks."""
    settings.VECTOR_EXACT_BELOW = 0 if walk == "index" else 10**9
    monkeypatch.setattr(embedded, "_BLOCK", 700)
    library = _library()
    _build(library["owner"])
    for kind, photos in _filters(library).items():
        _agree(library, photos, kind)
    state = embedded._states.get(("default", library["owner"].pk, "clip", "v1", DIM))
    if walk == "index":
        assert len(state.view) == Photo.objects.for_user(library["owner"]).count()
    else:
        assert state is None


def _agree(library: dict, photos, kind: str) -> None:
    allowed = set(photos.values_list("pk", flat=True))
    assert 50 < len(allowed) <= COUNT, kind
    for query in library["queries"]:
        expected = _search(exact, photos, query, library["owner"])
        exact.cache_clear()
        found = _search(embedded, photos, query, library["owner"])
        # The mapped file answered, not the exact back-end standing in for it.
        assert not exact._cache
        assert [pk for pk, _ in found] == [pk for pk, _ in expected], kind
        assert np.allclose([s for _, s in found], [s for _, s in expected], atol=1e-5), kind
        assert {pk for pk, _ in found} <= allowed, kind


@pytest.mark.django_db
def test_rows_embedded_after_the_build_are_found_then_merged_into_a_new_file(settings):
    settings.VECTOR_EXACT_BELOW = 0
    library = _library(count=1000)
    owner, rng = library["owner"], library["rng"]
    first = _build(owner)
    photos = Photo.objects.for_user(owner)
    newcomer = Photo.objects.create(owner=owner, content_hash="f" * 64)
    query = library["queries"][0]
    Embedding.objects.create(
        photo=newcomer, model_name="clip", model_version="v1", dim=DIM, vector=query.tobytes()
    )
    # Not in the file yet: ranked from the rows newer than its stamp.
    found = _search(embedded, photos, query, owner)
    assert found[0] == (newcomer.pk, pytest.approx(1.0, abs=1e-5))
    state = embedded._states[("default", owner.pk, "clip", "v1", DIM)]
    assert newcomer.pk in state.delta_ids
    assert not state.view.contains(newcomer.pk)
    # A re-embedded photo is ranked by its new vector, not the one in the file.
    moved = library["photos"][1]
    other = _clustered(rng, library["centres"], 1)[0]
    Embedding.objects.filter(photo=moved).update(
        vector=other.tobytes(), created_at=dt.datetime.now(dt.UTC)
    )
    assert _search(embedded, photos, other, owner)[0][0] == moved.pk
    merged = embedded.index_build(
        using="default",
        owner_id=owner.pk,
        model_name="clip",
        model_version="v1",
        dim=DIM,
        merge=True,
    )
    assert merged != first
    assert not first.exists()
    assert _search(embedded, photos, query, owner)[0][0] == newcomer.pk
    assert state.view.contains(newcomer.pk)
    assert not len(state.delta_ids)
    assert _search(embedded, photos, other, owner)[0][0] == moved.pk


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _index_files(folder: Path) -> list[Path]:
    return sorted(folder.glob("*/index-*.usearch"))


def _wait_for_intact_index(folder: Path, timeout: float = 120) -> Path:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for path in _index_files(folder):
            if path.stat().st_size == int(path.stem.split("-")[2]):
                return path
        time.sleep(0.2)
    raise AssertionError(f"no index file came back in {folder}")


sqlite_only = pytest.mark.skipif(
    "sqlite" not in django_settings.DATABASES["default"]["ENGINE"],
    reason="processes over one file: not database-specific, run once (on SQLite)",
)


@sqlite_only
@pytest.mark.django_db(transaction=True)
def test_the_index_deleted_or_truncated_under_a_running_server_comes_back(
    settings, tiny_clip, index_folder, tmp_path
):
    """A real server: it answers at once with no index (exact meanwhile), builds one, keeps
    answering the same when the file is deleted or truncated under it, and rebuilds it."""
    from tests.conftest import _worker_database_url

    library = _library(version=clip.clip_version(), count=1500)
    port = _free_port()
    env = {
        **os.environ,
        "DATABASE_URL": _worker_database_url(),
        "OWNPHOTOS_CLIP_MODEL": settings.CLIP_MODEL,
        "OWNPHOTOS_CLIP_CONFIG": settings.CLIP_CONFIG,
        "OWNPHOTOS_CLIP_PRETRAINED": settings.CLIP_PRETRAINED,
        "OWNPHOTOS_VECTOR_INDEX_DIR": str(index_folder),
        "OWNPHOTOS_VECTOR_BACKEND": "embedded",
        "OWNPHOTOS_VECTOR_EXACT_BELOW": "0",
        "OWNPHOTOS_VECTOR_EXACT_REFRESH": "0",
    }
    command = [sys.executable, "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload"]
    log = (tmp_path / "server.log").open("wb")
    server = subprocess.Popen(
        command, cwd=settings.BASE_DIR, env=env, stdout=log, stderr=subprocess.STDOUT
    )
    base = f"http://127.0.0.1:{port}"
    try:
        token = _token(base, deadline=time.monotonic() + 60)
        photo = library["photos"][1]

        def similar() -> list[int]:
            request = urllib.request.Request(
                f"{base}/api/photos/{photo.pk}/similar/",
                headers={"Authorization": f"Bearer {token}"},
            )
            with urllib.request.urlopen(request, timeout=30) as response:
                return [item["id"] for item in json.load(response)["results"]][:10]

        assert not _index_files(index_folder)
        expected = similar()
        assert len(expected) == 10
        assert photo.pk not in expected
        built = _wait_for_intact_index(index_folder)
        assert similar() == expected
        built.unlink()
        assert similar() == expected
        rebuilt = _wait_for_intact_index(index_folder)
        assert similar() == expected
        os.truncate(rebuilt, rebuilt.stat().st_size // 2)
        assert similar() == expected
        _wait_for_intact_index(index_folder)
        assert similar() == expected
        assert server.poll() is None
    finally:
        server.terminate()
        server.wait(timeout=20)
        log.close()


def _token(base: str, deadline: float) -> str:
    body = json.dumps({"username": "vectors", "password": "x"}).encode()
    while True:
        request = urllib.request.Request(
            f"{base}/api/auth/token/", data=body, headers={"Content-Type": "application/json"}
        )
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                return json.load(response)["access"]
        except (urllib.error.URLError, ConnectionError):
            if time.monotonic() > deadline:
                raise
            time.sleep(0.3)


# Run in a child process: search the index, then report this process's memory (kB) and wait,
# so that a second one can be measured while the first still maps the file.
_SEARCHER = """
import json, re, sys
import django
django.setup()
import numpy as np
from api.models import Photo, User
from api.search.backends import embedded

def status(field):
    text = open("/proc/self/status").read()
    return int(re.search(field + r":\\s+(\\d+)", text)[1])

owner = User.objects.get(username="vectors")
photos = Photo.objects.for_user(owner)
queries = np.load(sys.argv[1])
# Django's and the ORM's own first-use memory, on the exact path (a filter of one photo).
one = photos.filter(pk=photos[0].pk)
embedded.search(owner_id=owner.pk, photos=one, vector=queries[0], model_name="clip",
                model_version="v1", limit=10)
before = status("RssAnon")
for query in queries:
    hits = embedded.search(owner_id=owner.pk, photos=photos, vector=query, model_name="clip",
                           model_version="v1", limit=10)
FIELDS = ["Rss", "Shared_Clean", "Shared_Dirty", "Private_Clean", "Private_Dirty"]
mapping = dict.fromkeys(FIELDS, 0)
inside = False
for line in open("/proc/self/smaps"):
    if re.match(r"^[0-9a-f]+-[0-9a-f]+ ", line):
        inside = line.rstrip().endswith(".usearch")
    elif inside and line.split(":")[0] in mapping:
        mapping[line.split(":")[0]] += int(line.split()[1])
print(json.dumps({"anon_growth": status("RssAnon") - before, "file": mapping,
                  "top": [pk for pk, _ in hits]}), flush=True)
sys.stdin.readline()
"""


@sqlite_only
@pytest.mark.django_db(transaction=True)
def test_two_processes_share_one_mapped_index(settings, index_folder, tmp_path):
    """The second process's vectors are the first's pages: its private memory does not grow
    by the index's size, and the file's pages it holds are shared."""
    from tests.conftest import _worker_database_url

    settings.VECTOR_EXACT_BELOW = 0
    settings.VECTOR_INDEX_THREADS = 2
    # Wide vectors, so that the index's bytes dominate what is measured.
    library = _library(count=8000, dim=256)
    owner = library["owner"]
    path = _build(owner, dim=256)
    queries = tmp_path / "queries.npy"
    np.save(queries, library["queries"])
    env = {
        **os.environ,
        "DATABASE_URL": _worker_database_url(),
        "DJANGO_SETTINGS_MODULE": "ownphotos.settings",
        "OWNPHOTOS_VECTOR_INDEX_DIR": str(index_folder),
        "OWNPHOTOS_VECTOR_EXACT_BELOW": "0",
    }
    command = [sys.executable, "-c", _SEARCHER, str(queries)]
    processes = [
        subprocess.Popen(
            command,
            cwd=settings.BASE_DIR,
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    try:
        first = json.loads(processes[0].stdout.readline())
        second = json.loads(processes[1].stdout.readline())
    finally:
        for process in processes:
            process.communicate("\n", timeout=60)
    size_kb = path.stat().st_size // 1024
    expected = [
        pk for pk, _ in _search(exact, Photo.objects.for_user(owner), library["queries"][-1], owner)
    ]
    assert first["top"] == second["top"] == expected
    for report in (first, second):
        assert report["file"]["Rss"] > 0  # the searches read the mapped file
        assert report["file"]["Private_Dirty"] == 0
        assert report["anon_growth"] < size_kb / 4, (report, size_kb)
    # While both map it, the second one's pages of the file are the first one's (the build
    # fsyncs the file before publishing it, so none of its pages is dirty).
    shared = second["file"]["Shared_Clean"] + second["file"]["Shared_Dirty"]
    assert shared >= second["file"]["Rss"] / 2, second


@pytest.mark.django_db(transaction=True)
def test_an_index_of_an_older_layout_answers_until_an_int8_one_replaces_it(settings, monkeypatch):
    """A float16 file (what earlier versions wrote) is searched, and rebuilt as int8 in the
    background: not merged into, which would keep its layout."""
    settings.VECTOR_EXACT_BELOW = 0
    library = _library(count=600)
    owner, query = library["owner"], library["queries"][0]
    photos = Photo.objects.for_user(owner)
    monkeypatch.setattr(embedded, "DTYPE", ScalarKind.F16)
    old = _build(owner)
    monkeypatch.setattr(embedded, "DTYPE", ScalarKind.I8)
    expected = [pk for pk, _ in _search(exact, photos, query, owner)]
    exact.cache_clear()
    assert [pk for pk, _ in _search(embedded, photos, query, owner)] == expected
    state = embedded._states[("default", owner.pk, "clip", "v1", DIM)]
    assert state.view.dtype == ScalarKind.F16
    state.worker.join()
    assert not old.exists()
    (new,) = _index_files(settings.VECTOR_INDEX_DIR)
    assert Index.restore(str(new), view=True).dtype == ScalarKind.I8
    assert [pk for pk, _ in _search(embedded, photos, query, owner)] == expected
    assert state.view.dtype == ScalarKind.I8
