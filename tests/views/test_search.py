"""Search by image and similar photos over HTTP, on the scanned corpus, with no CLIP model."""

import datetime as dt
import io
from pathlib import Path

import numpy as np
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from api.ingest.thumbnails import thumbnail_path
from api.models import Photo
from tests.conftest import SHARED_PHOTOS

# Mean absolute difference (0-255) below which two thumbnails show the same picture: the
# corpus' orientation sets and one picture saved in several formats.
SAME_PICTURE = 8.0


def _pixels(photo: Photo) -> np.ndarray:
    with Image.open(thumbnail_path(photo=photo, size="big")) as image:
        return np.asarray(image.convert("RGB"), dtype=np.int16)


def _displays_identically(a: Photo, b: Photo) -> bool:
    left, right = _pixels(a), _pixels(b)
    return left.shape == right.shape and float(np.abs(left - right).mean()) < SAME_PICTURE


def _resized_copy(photo: Photo) -> bytes:
    """What a user might upload: the picture shrunk to 60 % and re-encoded as a poor JPEG."""
    with Image.open(thumbnail_path(photo=photo, size="big")) as image:
        width, height = image.size
        small = image.convert("RGB").resize(
            (max(1, width * 6 // 10), max(1, height * 6 // 10)), Image.Resampling.BILINEAR
        )
    out = io.BytesIO()
    small.save(out, "JPEG", quality=70)
    return out.getvalue()


def _by_image(client, data: bytes, name: str = "query.jpg", **params):
    upload = SimpleUploadedFile(name, data)
    query = "&".join(f"{key}={value}" for key, value in params.items())
    return client.post(f"/api/search/by-image/?{query}", {"file": upload}, format="multipart")


def _why_unfound(photo: Photo) -> dict:
    """What a photo that its own copy did not find looks like now, for the failure message."""
    from api.ingest.phash import phash_of_image

    fresh = Photo.objects.get(pk=photo.pk)
    with Image.open(io.BytesIO(_resized_copy(fresh))) as image:
        copy_hash = phash_of_image(image.convert("RGB"))
    return {
        "paths": list(fresh.files.values_list("path", flat=True)),
        "bits_apart": bin((copy_hash ^ fresh.phash) & (2**64 - 1)).count("1"),
        "hidden": fresh.hidden,
        "in_trash": fresh.in_trash,
        "steps": fresh.steps,
    }


def _decodable(manifest: dict) -> set[str]:
    return {
        path
        for path, entry in manifest.items()
        if (entry.get("pillow") or {}).get("decodes") and entry["mime"].startswith("image/")
    }


@pytest.mark.django_db
def test_every_decodable_photo_has_a_perceptual_hash(scanned, manifest):
    hashed = {
        Path(path).relative_to(scanned.root).as_posix()
        for path in Photo.objects.for_user(scanned.owner)
        .filter(phash__isnull=False)
        .values_list("files__path", flat=True)
    }
    assert _decodable(manifest) <= hashed


@pytest.mark.django_db
def test_a_resized_reencoded_copy_finds_its_original_first(scanned, scanned_api, manifest):
    photos = list(Photo.objects.for_user(scanned.owner).filter(phash__isnull=False))
    assert len(photos) >= len(_decodable(manifest))
    misses = []
    for photo in photos:
        response = _by_image(scanned_api, _resized_copy(photo))
        assert response.status_code == 200
        body = response.json()
        assert any("semantic similarity is off" in warning.lower() for warning in body["warnings"])
        top = body["results"][0] if body["results"] else None
        if top is None:
            misses.append((photo.pk, _why_unfound(photo)))
            continue
        assert 0 < top["score"] <= 1
        found = Photo.objects.get(pk=top["id"])
        if found.pk != photo.pk and not _displays_identically(found, photo):
            misses.append((photo.pk, found.pk))
    assert misses == []


@pytest.mark.django_db
def test_by_image_scores_never_increase_down_the_list(scanned_api):
    data = (SHARED_PHOTOS / "orientation" / "Landscape_1.jpg").read_bytes()
    results = _by_image(scanned_api, data).json()["results"]
    scores = [row["score"] for row in results]
    assert len(scores) >= 9
    assert scores == sorted(scores, reverse=True)


@pytest.mark.django_db
def test_by_image_applies_the_exif_orientation_of_the_upload(scanned, scanned_api):
    """Landscape_6 stores its pixels turned; uploaded as is it must match the upright set."""
    data = (SHARED_PHOTOS / "orientation" / "Landscape_6.jpg").read_bytes()
    top = _by_image(scanned_api, data).json()["results"][0]
    assert top["score"] == 1.0
    upright = Photo.objects.get(owner=scanned.owner, files__path__endswith="/Landscape_1.jpg")
    assert _displays_identically(Photo.objects.get(pk=top["id"]), upright)


@pytest.mark.django_db
@pytest.mark.parametrize(
    "name", ["broken/text_file_named.jpg", "broken/zero_bytes.jpg", "broken/truncated_image.png"]
)
def test_by_image_of_a_non_image_is_400_with_a_reason(scanned_api, name):
    path = SHARED_PHOTOS / name
    response = _by_image(scanned_api, path.read_bytes(), name=path.name)
    if name.endswith("truncated_image.png"):
        # A truncated PNG still shows its top part: it is a valid query.
        assert response.status_code == 200
        return
    assert response.status_code == 400
    assert response.json()


@pytest.mark.django_db
def test_by_image_without_a_file_is_400(scanned_api):
    assert scanned_api.post("/api/search/by-image/", {}, format="multipart").status_code == 400


@pytest.mark.django_db
def test_by_image_stores_nothing(scanned, scanned_api):
    before = Photo.objects.count()
    data = (SHARED_PHOTOS / "exif" / "Canon_40D.jpg").read_bytes()
    assert _by_image(scanned_api, data).status_code == 200
    assert Photo.objects.count() == before


@pytest.mark.django_db
def test_by_image_only_searches_the_callers_photos(scanned, api):
    data = (SHARED_PHOTOS / "exif" / "Canon_40D.jpg").read_bytes()
    body = _by_image(api, data).json()
    assert body["results"] == []


@pytest.mark.django_db
def test_by_image_honours_the_photo_list_filters(scanned, scanned_api):
    data = (SHARED_PHOTOS / "exif" / "Canon_40D.jpg").read_bytes()
    assert _by_image(scanned_api, data).json()["results"]
    body = _by_image(scanned_api, data, taken_before="2001-01-01").json()
    canon = Photo.objects.get(owner=scanned.owner, files__path__endswith="exif/Canon_40D.jpg")
    assert canon.pk not in [row["id"] for row in body["results"]]


@pytest.mark.django_db
def test_similar_lists_the_identical_orientation_set_and_not_itself(scanned, scanned_api):
    landscape = Photo.objects.get(owner=scanned.owner, files__path__endswith="/Landscape_1.jpg")
    response = scanned_api.get(f"/api/photos/{landscape.pk}/similar/")
    assert response.status_code == 200
    body = response.json()
    ids = [row["id"] for row in body["results"]]
    assert landscape.pk not in ids
    others = Photo.objects.filter(
        owner=scanned.owner, files__path__regex=r"orientation/Landscape_[02-8]\.jpg$"
    )
    assert set(others.values_list("id", flat=True)) <= set(ids[: others.count()])
    assert body["results"][0]["score"] == 1.0
    assert body["warnings"]


@pytest.mark.django_db
def test_similar_of_another_users_photo_is_404(scanned, api):
    photo = Photo.objects.filter(owner=scanned.owner).first()
    assert api.get(f"/api/photos/{photo.pk}/similar/").status_code == 404


@pytest.fixture
def embedded(scanned, tiny_clip):
    """The scanned corpus embedded by the tiny random-weight CLIP (rolled back after)."""
    from api.ml.enrich import photos_embed_clip

    ids = list(Photo.objects.for_user(scanned.owner).values_list("id", flat=True))
    photos_embed_clip(photo_ids=ids)
    return ids


@pytest.mark.django_db
def test_with_clip_installed_near_duplicates_still_come_first_then_semantic_neighbours(
    scanned, scanned_api, embedded
):
    photos = list(Photo.objects.for_user(scanned.owner).filter(phash__isnull=False))
    misses = []
    for photo in photos[::4]:
        body = _by_image(scanned_api, _resized_copy(photo)).json()
        assert body["warnings"] == []
        found = Photo.objects.get(pk=body["results"][0]["id"])
        if found.pk != photo.pk and not _displays_identically(found, photo):
            misses.append((photo.pk, found.pk))
        scores = [row["score"] for row in body["results"]]
        assert scores == sorted(scores, reverse=True)
        assert any(score <= 0.8 for score in scores)
    assert misses == []


@pytest.mark.django_db
def test_similar_with_clip_ranks_every_embedded_photo_but_itself(scanned, scanned_api, embedded):
    photo = Photo.objects.get(owner=scanned.owner, files__path__endswith="/Landscape_1.jpg")
    body = scanned_api.get(f"/api/photos/{photo.pk}/similar/").json()
    ids = [row["id"] for row in body["results"]]
    assert body["warnings"] == []
    assert photo.pk not in ids
    assert len(ids) == len(set(ids)) == min(len(embedded) - 1, 100)
    assert body["results"][0]["score"] == 1.0


def _search(client, **params):
    response = client.get("/api/search/", params)
    assert response.status_code == 200, response.content
    return response.json()


@pytest.fixture
def no_models(settings, tmp_path):
    """An empty models folder: no CLIP, no places365."""
    settings.MODELS_DIR = tmp_path / "models"
    settings.CLIP_PRETRAINED = ""


@pytest.fixture
def tagged_photos(user):
    """Photos with tags, dates and captions as the scenes step and users leave them."""
    from api.models import PhotoTag
    from tests.factories import PhotoFactory

    def photo(day, tags, caption="", favorite=False):
        made = PhotoFactory(
            owner=user,
            taken_at=dt.datetime.combine(day, dt.time(12), tzinfo=dt.UTC),
            taken_date=day,
            caption=caption,
            favorite=favorite,
        )
        for name, score in tags:
            PhotoTag.objects.create(
                photo=made, name=name, score=score, source="places365", version="t"
            )
        return made

    return {
        "beach_2019": photo(dt.date(2019, 7, 3), [("beach", 0.9), ("outdoor", 0.8)]),
        "weak_beach": photo(dt.date(2019, 8, 1), [("beach", 0.3)], favorite=True),
        "beach_2021": photo(dt.date(2021, 7, 9), [("beach", 0.7)], caption="Anna's birthday"),
        "forest": photo(dt.date(2019, 7, 5), [("forest", 0.6), ("outdoor", 0.7)]),
    }


@pytest.mark.django_db
def test_search_by_tag_ranks_by_tag_confidence_and_says_clip_is_off(
    api, tagged_photos, settings, tmp_path
):
    settings.MODELS_DIR = tmp_path
    body = _search(api, q="beach")
    ids = [row["id"] for row in body["results"]]
    p = tagged_photos
    assert ids == [p["beach_2019"].pk, p["beach_2021"].pk, p["weak_beach"].pk]
    assert [row["score"] for row in body["results"]] == [0.9, 0.7, 0.3]
    assert body["count"] == 3
    assert any("download_models clip" in warning for warning in body["warnings"])
    assert body["query"]["tags"] == ["beach"]


@pytest.mark.django_db
def test_search_combines_tags_with_dates_and_the_photo_filters(
    api, tagged_photos, settings, tmp_path
):
    settings.MODELS_DIR = tmp_path
    p = tagged_photos
    assert [r["id"] for r in _search(api, q="beach 2019")["results"]] == [
        p["beach_2019"].pk,
        p["weak_beach"].pk,
    ]
    assert [r["id"] for r in _search(api, q="beach july 2019")["results"]] == [p["beach_2019"].pk]
    assert [r["id"] for r in _search(api, q="beach", favorite="true")["results"]] == [
        p["weak_beach"].pk
    ]
    only_dates = _search(api, q="july 2019")["results"]
    assert [r["id"] for r in only_dates] == [p["forest"].pk, p["beach_2019"].pk]
    assert {r["score"] for r in only_dates} == {1.0}


@pytest.mark.django_db
def test_search_finds_caption_words_and_leaves_out_hidden_photos(
    api, tagged_photos, settings, tmp_path
):
    settings.MODELS_DIR = tmp_path
    p = tagged_photos
    assert [r["id"] for r in _search(api, q="birthday")["results"]] == [p["beach_2021"].pk]
    Photo.objects.filter(pk=p["beach_2021"].pk).update(hidden=True)
    assert _search(api, q="birthday")["results"] == []


@pytest.mark.django_db
def test_search_never_returns_another_users_photos(other_user, tagged_photos, no_models):
    from rest_framework.test import APIClient

    client = APIClient()
    client.force_authenticate(other_user)
    assert _search(client, q="beach")["results"] == []


@pytest.mark.django_db
def test_search_paginates_the_ranking(api, tagged_photos, no_models):
    first = _search(api, q="beach", page_size=2)
    assert len(first["results"]) == 2
    assert first["next"]
    second = api.get(first["next"]).json()
    assert [r["id"] for r in first["results"] + second["results"]] == [
        r["id"] for r in _search(api, q="beach")["results"]
    ]


@pytest.mark.django_db
def test_free_text_is_ranked_by_clip_similarity_within_the_filters(scanned, scanned_api, embedded):
    from api.ml import clip
    from api.models import Embedding, PhotoTag

    # The corpus' own keywords (XMP, IPTC) are tags too: without them only CLIP ranks.
    PhotoTag.objects.filter(photo__owner=scanned.owner, source="xmp").delete()
    body = _search(scanned_api, q="a dog on a beach", page_size=500)
    assert body["warnings"] == []
    query = clip.clip_embed_text("a dog on a beach")
    cosine = {
        row.photo_id: float(np.dot(row.array, query))
        for row in Embedding.objects.filter(photo__owner=scanned.owner)
    }
    results = body["results"]
    assert len(results) == len(cosine)
    for row in results:
        assert row["score"] == pytest.approx(max(cosine[row["id"]], 0.0), abs=1e-3)
    assert [r["score"] for r in results] == sorted((r["score"] for r in results), reverse=True)

    dated = _search(scanned_api, q="a dog on a beach", taken_before="2010-01-01", page_size=500)
    allowed = set(
        Photo.objects.filter(owner=scanned.owner, taken_date__lte="2010-01-01").values_list(
            "id", flat=True
        )
    )
    dated_ids = [r["id"] for r in dated["results"]]
    assert dated_ids
    assert set(dated_ids) <= allowed
    assert dated_ids == [r["id"] for r in results if r["id"] in allowed]


@pytest.mark.django_db
def test_a_tag_near_the_query_in_clip_space_counts_as_a_synonym(
    scanned, scanned_api, embedded, settings
):
    """Which tag is "nearest" depends on the (random) model: take the model's own answer."""
    from api.ml import clip
    from api.models import PhotoTag

    # Only these two tags: the corpus' own keywords would be synonyms of their own.
    PhotoTag.objects.filter(photo__owner=scanned.owner, source="xmp").delete()
    photo = Photo.objects.filter(owner=scanned.owner).first()
    for name in ("beach", "kitchen"):
        PhotoTag.objects.create(photo=photo, name=name, score=1.0, source="places365", version="t")
    query = clip.clip_embed_text("seaside")
    nearest = max(
        ("beach", "kitchen"), key=lambda tag: float(np.dot(query, clip.clip_embed_text(tag)))
    )
    similarity = float(np.dot(query, clip.clip_embed_text(nearest)))
    # The search encodes the vocabulary in one batch: in bf16 that rounds a little otherwise.
    settings.SEARCH_SYNONYM_SIMILARITY = similarity - 1e-3
    body = _search(scanned_api, q="seaside")
    assert body["results"][0]["id"] == photo.pk
    assert body["results"][0]["score"] >= similarity - 1e-3


@pytest.mark.django_db
def test_anna_in_paris_2019_lists_the_photos_of_anna_in_paris_that_year(api, user, no_models):
    from api.models import Face, Person, Place
    from tests.factories import PhotoFactory

    france = Place.objects.create(level=Place.Level.COUNTRY, name="France")
    region = Place.objects.create(level=Place.Level.REGION, parent=france, name="Île-de-France")
    paris = Place.objects.create(level=Place.Level.CITY, parent=region, name="Paris")
    lyon = Place.objects.create(level=Place.Level.CITY, parent=france, name="Lyon")
    anna = Person.objects.create(owner=user, name="Anna Smith")
    bob = Person.objects.create(owner=user, name="Bob")

    def photo(day: dt.date, place: Place, *people: Person) -> Photo:
        made = PhotoFactory(
            owner=user,
            place=place,
            taken_at=dt.datetime.combine(day, dt.time(12), tzinfo=dt.UTC),
            taken_date=day,
        )
        for person in people:
            Face.objects.create(
                photo=made, top=0, right=10, bottom=10, left=0, encoding=b"", detector="hog",
                model_version="1", person=person, person_source="user",
            )  # fmt: skip
        return made

    spring = photo(dt.date(2019, 4, 2), paris, anna)
    summer = photo(dt.date(2019, 7, 14), paris, anna, bob)
    photo(dt.date(2018, 7, 14), paris, anna)  # another year
    photo(dt.date(2019, 5, 1), lyon, anna)  # another town
    photo(dt.date(2019, 6, 1), paris, bob)  # without Anna
    body = _search(api, q="Anna in Paris 2019")
    assert [row["id"] for row in body["results"]] == [summer.pk, spring.pk]
    assert body["query"]["people"] == [anna.pk]
    assert body["query"]["places"] == ["Paris"]
    assert [row["id"] for row in _search(api, q="anna bob france")["results"]] == [summer.pk]
