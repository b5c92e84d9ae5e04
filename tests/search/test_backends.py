"""The two vector back-ends give the same nearest photos on the same data, with filters."""

import datetime as dt

import numpy as np
import pytest
from django.db import connections

from api.filters import PhotoFilter
from api.models import Embedding, Face, Person, Photo, Place, User
from api.search.backends import exact, pgvector
from tests.search.conftest import ALIAS

DIM = 32
CLUSTERS = 20
PER_CLUSTER = 60


def _clustered(rng: np.random.Generator, count: int) -> np.ndarray:
    """Normalised vectors around CLUSTERS random centres: real neighbours, unlike uniform noise."""
    centres = rng.normal(size=(CLUSTERS, DIM))
    vectors = centres[rng.integers(0, CLUSTERS, count)] + 0.3 * rng.normal(size=(count, DIM))
    return (vectors / np.linalg.norm(vectors, axis=1, keepdims=True)).astype(np.float32)


@pytest.fixture(params=["hnsw", "exact-sql"])
def pgvector_mode(request, settings, library) -> str:
    """pgvector's two ways: the HNSW walk (filters never count as few; sequential scans are
    priced out so the planner walks the index even on this small table) and the exact
    ranking of a small filtered set."""
    settings.VECTOR_EXACT_BELOW = 0 if request.param == "hnsw" else 10**9
    settings.VECTOR_EXACT_RATIO = 0 if request.param == "hnsw" else 1
    if request.param == "hnsw":
        with connections[ALIAS].cursor() as cursor:
            cursor.execute("SET LOCAL enable_seqscan = off")
    return request.param


@pytest.fixture
def library(pgvector_db):
    rng = np.random.default_rng(7)
    owner = User.objects.db_manager(ALIAS).create_user(username="vectors", password="x")
    other = User.objects.db_manager(ALIAS).create_user(username="someone", password="x")
    count = CLUSTERS * PER_CLUSTER
    day = dt.date(2019, 1, 1)
    photos = Photo.objects.using(ALIAS).bulk_create(
        Photo(
            owner=owner if i % 10 else other,
            content_hash=f"{i:064x}",
            favorite=i % 3 == 0,
            taken_date=day + dt.timedelta(days=i % 365),
            taken_at=dt.datetime(2019, 1, 1, tzinfo=dt.UTC) + dt.timedelta(days=i % 365),
        )
        for i in range(count)
    )
    vectors = _clustered(rng, count)
    embeddings = Embedding.objects.using(ALIAS).bulk_create(
        Embedding(
            photo=photo, model_name="clip", model_version="v1", dim=DIM, vector=vector.tobytes()
        )
        for photo, vector in zip(photos, vectors, strict=True)
    )
    for embedding in embeddings:
        pgvector.vector_store(embedding=embedding, using=ALIAS)
    # A person on every 9th photo (twice on every 27th: one photo, two faces) and a city on
    # every 11th, as the search box narrows by them.
    anna = Person.objects.using(ALIAS).create(owner=owner, name="Anna")
    Face.objects.using(ALIAS).bulk_create(
        Face(photo=photo, top=0, right=9, bottom=9, left=0, person=anna, detector="hog")
        for i, photo in enumerate(photos)
        for _ in range(2 if i % 27 == 0 else 1)
        if i % 9 == 0
    )
    lyon = Place.objects.db_manager(ALIAS).ensure_path(
        country_code="FR", country="France", city="Lyon"
    )
    Photo.objects.using(ALIAS).filter(pk__in=[p.pk for p in photos[::11]]).update(place=lyon)
    # Statistics as a library has them (autovacuum's): without them the planner takes the
    # tables for empty and may re-run the person's join for every embedding.
    with connections[ALIAS].cursor() as cursor:
        cursor.execute("ANALYZE api_photo, api_face, api_embedding, api_place")
    return {"owner": owner, "queries": _clustered(rng, 10), "photos": photos, "anna": anna}


def _both(photos, query, exclude=None):
    arguments = {
        "owner_id": photos.first().owner_id,
        "photos": photos,
        "vector": query,
        "model_name": "clip",
        "model_version": "v1",
        "limit": 10,
        "exclude": exclude,
    }
    exact.cache_clear()
    return exact.search(**arguments), pgvector.search(**arguments)


@pytest.mark.django_db(databases=["default", ALIAS])
def test_the_hnsw_walk_uses_the_index(library, settings):
    settings.VECTOR_EXACT_BELOW = 0
    settings.VECTOR_EXACT_RATIO = 0
    photos = Photo.objects.using(ALIAS).for_user(library["owner"])
    query = library["queries"][0]
    with connections[ALIAS].cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        vector = "[" + ",".join(str(float(x)) for x in query) + "]"
        cursor.execute(
            "EXPLAIN SELECT photo_id FROM api_embedding e WHERE e.dim = 32 "
            "ORDER BY e.vec::halfvec(32) <=> %s::halfvec(32) LIMIT 10",
            [vector],
        )
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "embedding_hnsw_32" in plan
    assert (
        len(
            pgvector.search(
                owner_id=library["owner"].pk,
                photos=photos,
                vector=query,
                model_name="clip",
                model_version="v1",
                limit=10,
            )
        )
        == 10
    )


@pytest.mark.django_db(databases=["default", ALIAS])
def test_the_pgvector_database_has_the_column_and_an_hnsw_index(library):
    assert pgvector.pgvector_enabled(ALIAS)
    with connections[ALIAS].cursor() as cursor:
        cursor.execute("SELECT indexdef FROM pg_indexes WHERE indexname = 'embedding_hnsw_32'")
        assert "hnsw" in cursor.fetchone()[0]


@pytest.mark.django_db(databases=["default", ALIAS])
def test_both_back_ends_agree_on_the_top_10(library, pgvector_mode):
    photos = Photo.objects.using(ALIAS).for_user(library["owner"])
    for query in library["queries"]:
        by_exact, by_hnsw = _both(photos, query)
        assert len(by_exact) == 10
        assert [pk for pk, _ in by_exact] == [pk for pk, _ in by_hnsw]
        assert np.allclose([s for _, s in by_exact], [s for _, s in by_hnsw], atol=1e-4)


@pytest.mark.django_db(databases=["default", ALIAS])
def test_both_back_ends_agree_with_filters_and_return_only_matching_photos(library, pgvector_mode):
    owner = library["owner"]
    params = {"favorite": "true", "taken_after": "2019-03-01", "taken_before": "2019-06-30"}
    photos = PhotoFilter(params, queryset=Photo.objects.using(ALIAS).for_user(owner)).qs
    allowed = set(photos.values_list("pk", flat=True))
    recalls = []
    for query in library["queries"]:
        by_exact, by_pgvector = _both(photos, query)
        assert len(by_exact) == 10
        assert {pk for pk, _ in by_pgvector} <= allowed
        recalls.append(_agreement(by_exact, by_pgvector, pgvector_mode))
    assert np.mean(recalls) >= 0.95


@pytest.mark.django_db(databases=["default", ALIAS])
@pytest.mark.parametrize("kind", ["person", "place", "dates", "favourites"])
def test_both_back_ends_agree_with_each_filter_kind_of_the_search_box(library, pgvector_mode, kind):
    """The filters the search box narrows by (a person through faces, so a join made
    distinct; a place through its ancestors; dates; favourites) ranked by the walk and by
    the exact ranking of the filtered set give exact's top 10 (the walk: recall@10 >= 0.95)."""
    photos = Photo.objects.using(ALIAS).for_user(library["owner"]).in_library()
    narrowed = {
        "person": photos.filter(faces__person_id=library["anna"].pk).distinct(),
        "place": photos.at_place("lyon"),
        "dates": photos.filter(
            taken_date__gte=dt.date(2019, 4, 1), taken_date__lte=dt.date(2019, 7, 31)
        ),
        "favourites": photos.filter(favorite=True),
    }[kind]
    allowed = set(narrowed.values_list("pk", flat=True))
    assert 10 < len(allowed) < photos.count()
    recalls = []
    for query in library["queries"]:
        by_exact, by_pgvector = _both(narrowed, query)
        assert len(by_exact) == 10
        assert {pk for pk, _ in by_pgvector} <= allowed
        recalls.append(_agreement(by_exact, by_pgvector, pgvector_mode))
    assert np.mean(recalls) >= 0.95


def _agreement(by_exact: list, by_pgvector: list, mode: str) -> float:
    """The exact ranking of a filtered set is exact's list; a filtered walk is approximate:
    its recall@10 against exact (the issue asks >= 0.95)."""
    exact_ids, found = [pk for pk, _ in by_exact], [pk for pk, _ in by_pgvector]
    if mode == "exact-sql":
        assert found == exact_ids
    return len(set(found) & set(exact_ids)) / len(exact_ids)


@pytest.mark.django_db(databases=["default", ALIAS])
def test_a_pgvector_search_is_one_statement(library, django_assert_num_queries):
    """The bounded count, the choice between the walk and the exact ranking, and the walk
    itself are one statement; inside a transaction the walk's settings are one more (local
    to it), in autocommit they are set once per connection."""
    photos = Photo.objects.using(ALIAS).for_user(library["owner"]).filter(favorite=True)
    arguments = {
        "owner_id": library["owner"].pk,
        "photos": photos,
        "vector": library["queries"][0],
        "model_name": "clip",
        "model_version": "v1",
        "limit": 10,
    }
    pgvector.search(**arguments)  # the index's size is read at most every 10 minutes
    with django_assert_num_queries(2, using=ALIAS) as context:
        assert len(pgvector.search(**arguments)) == 10
    assert context.captured_queries[0]["sql"].startswith("SELECT set_config")


@pytest.mark.django_db(databases=["default", ALIAS], transaction=True)
def test_in_autocommit_the_walk_settings_are_set_once_per_connection(
    pgvector_db, django_assert_num_queries
):
    owner = User.objects.db_manager(ALIAS).create_user(username="autocommit", password="x")
    photo = Photo.objects.using(ALIAS).create(owner=owner, content_hash="a" * 64)
    vector = np.full(DIM, 1 / np.sqrt(DIM), dtype=np.float32)
    embedding = Embedding.objects.using(ALIAS).create(
        photo=photo, model_name="clip", model_version="v1", dim=DIM, vector=vector.tobytes()
    )
    pgvector.vector_store(embedding=embedding, using=ALIAS)
    arguments = {
        "owner_id": owner.pk,
        "photos": Photo.objects.using(ALIAS).for_user(owner),
        "vector": vector,
        "model_name": "clip",
        "model_version": "v1",
        "limit": 5,
    }
    pgvector.search(**arguments)  # reads the extension's version and the index's size
    connections[ALIAS].close()
    with django_assert_num_queries(2, using=ALIAS):
        assert pgvector.search(**arguments) == [(photo.pk, 1.0)]
    with django_assert_num_queries(1, using=ALIAS):
        assert pgvector.search(**arguments) == [(photo.pk, 1.0)]
    with connections[ALIAS].cursor() as cursor:
        cursor.execute("SHOW hnsw.ef_search")
        assert cursor.fetchone()[0] == "200"


@pytest.mark.django_db(databases=["default", ALIAS])
def test_exclude_leaves_the_query_photo_out_of_both(library, pgvector_mode):
    photos = Photo.objects.using(ALIAS).for_user(library["owner"])
    first = library["photos"][1]
    vector = Embedding.objects.using(ALIAS).get(photo=first).array
    by_exact, by_hnsw = _both(photos, vector, exclude=first.pk)
    assert first.pk not in [pk for pk, _ in by_exact]
    assert [pk for pk, _ in by_exact] == [pk for pk, _ in by_hnsw]


@pytest.mark.django_db(databases=["default", ALIAS])
def test_the_exact_cache_picks_up_new_and_changed_embeddings(library):
    owner = library["owner"]
    photos = Photo.objects.using(ALIAS).for_user(owner)
    query = library["queries"][0]
    exact.cache_clear()
    before = exact.search(
        owner_id=owner.pk,
        photos=photos,
        vector=query,
        model_name="clip",
        model_version="v1",
        limit=1,
    )
    target = library["photos"][11]
    Embedding.objects.using(ALIAS).filter(photo=target).update(vector=query.tobytes())
    Embedding.objects.using(ALIAS).get(photo=target).save(using=ALIAS)
    after = exact.search(
        owner_id=owner.pk,
        photos=photos,
        vector=query,
        model_name="clip",
        model_version="v1",
        limit=1,
    )
    assert before[0][0] != target.pk
    assert after[0][0] == target.pk
    assert after[0][1] == pytest.approx(1.0, abs=1e-5)


@pytest.mark.django_db(databases=["default", ALIAS])
def test_the_exact_cache_asks_the_database_at_most_once_per_refresh_interval(
    library, settings, django_assert_num_queries
):
    owner = library["owner"]
    photos = Photo.objects.using(ALIAS).for_user(owner)
    arguments = {
        "owner_id": owner.pk,
        "photos": photos,
        "vector": library["queries"][0],
        "model_name": "clip",
        "model_version": "v1",
        "limit": 3,
    }
    exact.cache_clear()
    settings.VECTOR_EXACT_REFRESH_SECONDS = 3600
    first = exact.search(**arguments)
    # Within the interval a search only reads which photos the filters allow (a bounded count,
    # then the ids of a small library); at every refresh, new rows and the row count too.
    with django_assert_num_queries(2, using=ALIAS):
        assert exact.search(**arguments) == first
    settings.VECTOR_EXACT_REFRESH_SECONDS = 0
    with django_assert_num_queries(4, using=ALIAS):
        assert exact.search(**arguments) == first


@pytest.mark.parametrize("count", [1, 10, 80, 999, 1000, 5000])
def test_selecting_the_best_scores_equals_sorting_them_all_ties_by_index(count):
    rng = np.random.default_rng(count)
    scores = rng.integers(0, 50, 1000).astype(np.float32)  # many ties
    scores[::7] = -np.inf
    assert np.array_equal(exact._best(scores, count), np.argsort(-scores, kind="stable")[:count])
