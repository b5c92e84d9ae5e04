"""The embedded (usearch, memory-mapped) back-end: the same top 10 as exact ranking on
clustered vectors with each kind of filter; new rows found before they are merged; the index
file deleted or truncated under a running server; two processes sharing one mapping."""

import datetime as dt
from pathlib import Path

import numpy as np
import pytest

from api.models import Embedding, Face, Person, Photo, Place, User
from api.search.backends import embedded, exact

DIM = 32
CLUSTERS = 20
COUNT = 2000


def _clustered(rng: np.random.Generator, centres: np.ndarray, count: int) -> np.ndarray:
    vectors = centres[rng.integers(0, len(centres), count)] + 0.3 * rng.normal(size=(count, DIM))
    return (vectors / np.linalg.norm(vectors, axis=1, keepdims=True)).astype(np.float32)


def _library(version: str = "v1", count: int = COUNT) -> dict:
    """`count` photos of one owner (and a tenth as many of another's, which must never come
    back) with clustered embeddings; favourites, two years, a person and a place among them."""
    rng = np.random.default_rng(7)
    centres = rng.normal(size=(CLUSTERS, DIM))
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
            photo=photo, model_name="clip", model_version=version, dim=DIM, vector=vector.tobytes()
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


def _build(owner, version="v1") -> Path:
    return embedded.index_build(
        using="default", owner_id=owner.pk, model_name="clip", model_version=version, dim=DIM
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
def test_the_top_10_is_the_exact_one_with_each_filter(settings, walk):
    """The index walk (filters never count as few) and the exact ranking of a small filtered
    set both give exact search's top 10, with its scores, and only photos the filter keeps."""
    settings.VECTOR_EXACT_BELOW = 0 if walk == "index" else 10**9
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
