"""One ranked answer for a search box: dates, people and places narrow the photos; tags,
captions and CLIP similarity score them.

score = best tag match (tag confidence, times the query's CLIP similarity to the tag when the
tag was found as a synonym) + CLIP similarity of the photo to the query's meaning (its words
but dates, people and places) + 1 when the caption holds every free-text word. A query of
only dates, people or places lists those photos, newest first, each scored 1.
"""

import logging
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np
from django.conf import settings
from django.db.models import Q, QuerySet

from api.ml import clip
from api.models import Photo, PhotoTag, User
from api.search.backends import vector_search
from api.search.query import ParsedQuery, query_parse
from api.selectors.things import tag_vocabulary

logger = logging.getLogger(__name__)

CLIP_OFF = (
    "Semantic search is off: no CLIP model is installed (manage.py download_models clip); "
    "results come from tags, captions, dates, people and places only."
)


# The text tower runs here (torch releases the GIL) while the request's thread waits on the
# database for the captions: one worker per web thread (gunicorn runs 4 a process).
_encoder = ThreadPoolExecutor(max_workers=4, thread_name_prefix="search-text")


@dataclass
class SearchResult:
    ids: list[int] = field(default_factory=list)
    scores: dict[int, float] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    query: ParsedQuery | None = None


def photos_search(*, owner: User, photos: QuerySet[Photo], text: str) -> SearchResult:
    """Rank `photos` (the owner's, already filtered) for the search box `text`."""
    vocabulary = tag_vocabulary(owner=owner, using=photos.db)
    parsed = query_parse(text=text, owner=owner, tags=vocabulary)
    result = SearchResult(query=parsed)
    photos = _narrowed(photos, parsed)
    semantic = clip.clip_installed()
    if not semantic:
        result.warnings.append(CLIP_OFF)
    if not parsed.text and not parsed.tags:
        ordered = photos.order_by("-taken_at", "-id").values_list("id", flat=True)
        result.ids = list(ordered[: settings.SEARCH_MAX_RESULTS])
        result.scores = dict.fromkeys(result.ids, 1.0)
        return result
    scores: dict[int, float] = {}
    tags = {tag: 1.0 for tag in parsed.tags}
    encoding = None
    if semantic and parsed.meaning:
        encoding = _encoder.submit(clip.clip_embed_text, parsed.meaning)
    captioned = _captioned(photos, parsed.text) if parsed.text else []
    if encoding is not None:
        query = encoding.result()
        tags.update(_synonyms(query, vocabulary, exclude=set(tags)))
        for pk, cosine in vector_search(
            owner_id=owner.pk,
            photos=photos,
            vector=query,
            model_name=clip.NAME,
            model_version=clip.clip_version(),
            limit=settings.SEARCH_SEMANTIC_LIMIT,
        ):
            scores[pk] = max(cosine, 0.0)
    if tags:
        best: dict[int, float] = {}
        rows = PhotoTag.objects.filter(photo__in=photos.values("pk"), name__in=list(tags))
        for pk, name, score in rows.values_list("photo_id", "name", "score"):
            best[pk] = max(best.get(pk, 0.0), score * tags[name])
        for pk, value in best.items():
            scores[pk] = scores.get(pk, 0.0) + value
    for pk in captioned:
        scores[pk] = scores.get(pk, 0.0) + 1.0
    ranked = sorted(scores.items(), key=lambda item: (-item[1], -item[0]))
    ranked = ranked[: settings.SEARCH_MAX_RESULTS]
    result.ids = [pk for pk, _ in ranked]
    result.scores = {pk: round(score, 4) for pk, score in ranked}
    return result


def _captioned(photos: QuerySet[Photo], text: str) -> list[int]:
    """The photos whose caption holds every word of `text`."""
    caption = Q()
    for word in text.split():
        caption &= Q(caption__icontains=word)
    # Non-empty first: the partial index photo_captioned leaves the uncaptioned out.
    captioned = photos.exclude(caption="").filter(caption)
    return list(captioned.values_list("id", flat=True)[: settings.SEARCH_MAX_RESULTS])


def _narrowed(photos: QuerySet[Photo], parsed: ParsedQuery) -> QuerySet[Photo]:
    if parsed.date_from:
        photos = photos.filter(taken_date__gte=parsed.date_from, taken_date__lte=parsed.date_to)
    if parsed.month:
        photos = photos.filter(taken_date__month=parsed.month)
    for person in parsed.people:
        photos = photos.filter(faces__person_id=person)
    for place in parsed.places:
        photos = photos.at_place(place)
    return photos.distinct() if parsed.people else photos


def _synonyms(query: np.ndarray, vocabulary: list[str], exclude: set[str]) -> dict[str, float]:
    """Tags whose CLIP text embedding is within settings.SEARCH_SYNONYM_SIMILARITY of the
    query's: "seaside" finds "beach". Weight: that similarity."""
    if not vocabulary:
        return {}
    key = (clip.clip_version(), settings.CLIP_PRECISION, tuple(vocabulary))
    similarities = _vocabulary_embeddings(*key) @ query
    return {
        tag: float(similarity)
        for tag, similarity in zip(vocabulary, similarities, strict=True)
        if similarity >= settings.SEARCH_SYNONYM_SIMILARITY and tag not in exclude
    }


@lru_cache(maxsize=4)
def _vocabulary_embeddings(version: str, precision: str, vocabulary: tuple[str, ...]) -> np.ndarray:
    """One batched encoding of the vocabulary per model version and precision, kept for
    the process."""
    return clip.clip_embed_texts(list(vocabulary))
