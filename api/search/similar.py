"""Photos that look like a given picture: near duplicates by perceptual hash first, then
(when a CLIP model is installed) by meaning.

The hash tier needs no model, so similar photos and search by image work on a fresh
install; the caller is told in `warnings` that semantic similarity is off.
"""

import logging
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from django.conf import settings
from django.db.models import QuerySet
from PIL import Image

from api.exceptions import ImageTooLarge, NotAnImage
from api.ingest.formats import media_open
from api.ingest.phash import (
    BITS,
    color_distance,
    hamming,
    mean_color_of_image,
    phash_of_image,
)
from api.ingest.probing import media_probe
from api.ingest.sniffing import sniff_path
from api.ingest.thumbnails import thumbnail_render
from api.ml import clip
from api.models import Embedding, Photo, User
from api.search.backends import vector_search

logger = logging.getLogger(__name__)

# Near duplicates score 1 - distance/64 (above 0.8); CLIP neighbours 0.8 x cosine, below them.
SEMANTIC_WEIGHT = 0.8
SEMANTIC_OFF = (
    "Semantic similarity is off: no CLIP model is installed (manage.py download_models clip); "
    "only near duplicates are found."
)


@dataclass
class Ranked:
    """Photo ids, best first, with their scores in [0, 1], and what the caller should know."""

    ids: list[int] = field(default_factory=list)
    scores: dict[int, float] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)


def query_image_render(*, path: Path) -> Image.Image:
    """An uploaded query image as a stored photo's big thumbnail would show it.

    Raises NotAnImage for anything that is not a still image, UnreadableFile (from the
    ingest code) when it does not decode. Nothing is stored.
    """
    sniffed = sniff_path(path)
    if sniffed.kind not in ("image", "raw"):
        raise NotAnImage("search by image needs a still image")
    media_probe(path, sniffed)
    try:
        media = media_open(path, sniffed)
    except Image.DecompressionBombError as exc:
        raise ImageTooLarge(f"the image is too large to decode safely ({exc})") from exc
    try:
        image, _ = thumbnail_render(media=media)
        return image.copy()
    finally:
        media.close()


def phash_rank(
    *,
    photos: QuerySet[Photo],
    phash: int,
    color: int | None,
    aspect: float | None,
    exclude: int | None = None,
) -> Ranked:
    """Photos of `photos` whose hash is within settings.SIMILAR_PHASH_MAX_DISTANCE of `phash`,
    nearest first; ties (flat pictures, one picture stored twice) are broken by mean colour,
    then by how far the aspect ratio is, then by id. Score: 1 - distance / 64."""
    rows = photos.filter(phash__isnull=False)
    if exclude is not None:
        rows = rows.exclude(pk=exclude)
    found = list(rows.values_list("id", "phash", "mean_color", "width", "height"))
    ranked = Ranked()
    if not found:
        return ranked
    count = len(found)
    ids = np.fromiter((row[0] for row in found), dtype=np.int64, count=count)
    hashes = np.fromiter((row[1] for row in found), dtype=np.int64, count=count)
    distances = hamming(phash, hashes)
    keep = np.flatnonzero(distances <= settings.SIMILAR_PHASH_MAX_DISTANCE)
    colors = np.array([found[i][2] or 0 for i in keep], dtype=np.int64)
    ratios = np.array([_aspect(found[i][3], found[i][4]) or 1.0 for i in keep])
    # Colours within JPEG noise of each other (a few levels) count as the same.
    tint = color_distance(color or 0, colors) // _COLOR_NOISE
    shape = np.abs(np.log(ratios / (aspect or 1.0)))
    order = keep[np.lexsort((ids[keep], shape, tint, distances[keep]))]
    for index in order:
        pk = int(ids[index])
        ranked.ids.append(pk)
        ranked.scores[pk] = round(1.0 - float(distances[index]) / BITS, 4)
    return ranked


_COLOR_NOISE = 16


def _aspect(width: int | None, height: int | None) -> float | None:
    return width / height if width and height else None


def _semantic(
    ranked: Ranked, *, owner_id: int, photos: QuerySet[Photo], vector, exclude: int | None = None
) -> Ranked:
    """Append CLIP neighbours after the near duplicates, scored below them (0.8 x cosine)."""
    hits = vector_search(
        owner_id=owner_id,
        photos=photos,
        vector=vector,
        model_name=clip.NAME,
        model_version=clip.clip_version(),
        limit=settings.SIMILAR_LIMIT,
        exclude=exclude,
    )
    for pk, cosine in hits:
        if pk not in ranked.scores:
            ranked.ids.append(pk)
            ranked.scores[pk] = round(SEMANTIC_WEIGHT * max(cosine, 0.0), 4)
    return ranked


def similar_to_photo(*, photos: QuerySet[Photo], photo: Photo) -> Ranked:
    """Photos of `photos` that look like `photo` (itself excluded)."""
    if photo.phash is None:
        ranked = Ranked()
        ranked.warnings.append("This photo has no perceptual hash yet (it is still processing).")
    else:
        ranked = phash_rank(
            photos=photos,
            phash=photo.phash,
            color=photo.mean_color,
            aspect=_aspect(photo.width, photo.height),
            exclude=photo.pk,
        )
    if not clip.clip_installed():
        ranked.warnings.append(SEMANTIC_OFF)
        return ranked
    embedding = Embedding.objects.filter(
        photo=photo, model_name=clip.NAME, model_version=clip.clip_version()
    ).first()
    if embedding is None:
        ranked.warnings.append("This photo has no CLIP embedding yet: only near duplicates.")
        return ranked
    return _semantic(
        ranked, owner_id=photo.owner_id, photos=photos, vector=embedding.array, exclude=photo.pk
    )


def similar_to_image(*, owner: User, photos: QuerySet[Photo], image: Image.Image) -> Ranked:
    """Photos of `photos` (`owner`'s) that look like `image` (rendered by query_image_render)."""
    ranked = phash_rank(
        photos=photos,
        phash=phash_of_image(image),
        color=mean_color_of_image(image),
        aspect=_aspect(*image.size),
    )
    if not clip.clip_installed():
        ranked.warnings.append(SEMANTIC_OFF)
        return ranked
    vector = clip.clip_embed_images([image])[0]
    return _semantic(ranked, owner_id=owner.pk, photos=photos, vector=vector)
