"""The model steps after the thumbnails: scene tags and CLIP embeddings of the big thumbnail.

Each runs in batches on its own Celery queue and is idempotent: a photo whose step is done at
the current model version is left alone, so a changed model re-runs only its own step. A
missing model is not an error: the step is recorded as skipped with the command that
installs it, on the photo and in the job, and everything else goes on.
"""

import logging
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.db.models import TextField, Value
from django.db.models.fields.json import KT
from django.db.models.functions import Coalesce
from PIL import Image

from api.exceptions import ModelNotInstalled
from api.ingest import thumbnails
from api.ingest.thumbnails import DECODE_ERRORS
from api.ml import clip, scenes
from api.ml.registry import REGISTRY
from api.models import Embedding, Photo, PhotoTag, User
from api.search.backends import embedding_saved
from api.services.steps import step_done, step_record, step_record_many

logger = logging.getLogger(__name__)

# Models look at 224 px; decoding the big JPEG thumbnail at a reduced scale is enough.
_DRAFT = (448, 448)


@dataclass(frozen=True)
class Step:
    name: str
    model: str
    installed: Callable[[], bool]
    version: Callable[[], str]


STEPS = {
    "scenes": Step("scenes", scenes.NAME, scenes.scenes_installed, scenes.scenes_version),
    "clip": Step("clip", clip.NAME, clip.clip_installed, clip.clip_version),
}


def steps_skip(name: str, photo_ids: list[int], message: str = "") -> None:
    """Record the step `name` skipped on these photos: its model is missing or unusable."""
    message = message or REGISTRY[STEPS[name].model].missing_message()
    step_record_many(photo_ids=photo_ids, step=name, state="skipped", version="", error=message)


def _images(photos: list[Photo], step: str, version: str) -> tuple[list[Photo], list[Image.Image]]:
    """The big thumbnails that open; a photo without one gets its step marked failed."""
    kept, images = [], []
    for photo in photos:
        path = thumbnails.thumbnail_path(photo=photo, size="big")
        try:
            with Image.open(path) as image:
                image.draft("RGB", _DRAFT)
                images.append(image.convert("RGB"))
        except (FileNotFoundError, *DECODE_ERRORS) as exc:
            step_record(photo=photo.pk, step=step, state="failed", version=version, error=str(exc))
            continue
        kept.append(photo)
    return kept, images


def _pending(photo_ids: list[int], step: str, version: str) -> list[Photo]:
    photos = Photo.objects.filter(pk__in=photo_ids).only("id", "owner_id", "content_hash", "steps")
    return [photo for photo in photos.order_by("id") if not step_done(photo, step, version)]


def photos_tag_scenes(*, photo_ids: list[int]) -> int:
    """Tag these photos with places365 scenes; returns how many were tagged.

    Model files that are in place but unusable (e.g. attribute weights of the wrong shape)
    mark the step skipped with the reason, like missing ones, instead of failing the batch.
    """
    step = STEPS["scenes"]
    if not step.installed():
        steps_skip(step.name, photo_ids)
        return 0
    version = step.version()
    photos, images = _images(_pending(photo_ids, step.name, version), step.name, version)
    try:
        results = scenes.scenes_classify(images)
    except ModelNotInstalled as exc:
        logger.error("scene tagging skipped: %s", exc.detail)
        steps_skip(step.name, [photo.pk for photo in photos], message=exc.detail)
        return 0
    for photo, tags in zip(photos, results, strict=True):
        with transaction.atomic():
            PhotoTag.objects.filter(photo=photo, source=step.model).delete()
            PhotoTag.objects.bulk_create(
                PhotoTag(photo=photo, name=name, score=score, source=step.model, version=version)
                for name, score in tags
            )
            step_record(photo=photo.pk, step=step.name, state="done", version=version)
    return len(photos)


def photos_embed_clip(*, photo_ids: list[int]) -> int:
    """Store the CLIP embedding of these photos; returns how many were embedded."""
    step = STEPS["clip"]
    if not step.installed():
        steps_skip(step.name, photo_ids)
        return 0
    version = step.version()
    photos, images = _images(_pending(photo_ids, step.name, version), step.name, version)
    vectors = clip.clip_embed_images(images)
    for photo, vector in zip(photos, vectors, strict=True):
        with transaction.atomic():
            embedding, _ = Embedding.objects.update_or_create(
                photo=photo,
                model_name=step.model,
                defaults={"model_version": version, "dim": len(vector), "vector": vector.tobytes()},
            )
            embedding_saved(embedding=embedding)
            step_record(photo=photo.pk, step=step.name, state="done", version=version)
    return len(photos)


def enrichment_stale(*, owner: User, step: str) -> list[int]:
    """Ids of `owner`'s photos with thumbnails whose `step` is not done at the current
    model's version (never run, failed, or made by another model). With the model missing:
    those not yet marked skipped. Decided in SQL: a scan asks this of the whole library."""
    spec = STEPS[step]
    version = spec.version() if spec.installed() else ""
    photos = (
        Photo.objects.for_user(owner)
        .filter(is_video=False, steps__thumbnails__state="done")
        .annotate(
            step_state=Coalesce(KT(f"steps__{step}__state"), Value(""), output_field=TextField()),
            step_version=Coalesce(
                KT(f"steps__{step}__version"), Value(""), output_field=TextField()
            ),
        )
    )
    if version:
        photos = photos.exclude(step_state="done", step_version=version)
    else:
        photos = photos.exclude(step_state="skipped")
    return list(photos.order_by("id").values_list("id", flat=True))


def enrichment_run(*, owner: User) -> dict[str, int]:
    """Run every step after the thumbnails in this process, for `owner`'s photos that need it,
    then regroup events; returns how many photos each step ran on.

    `scan --wait` uses it to finish the whole pipeline whether or not a worker is running.
    The same steps queued on Celery then find their work done and return at once.
    """
    from api.geo import geocode
    from api.ml import faces as face_model
    from api.services import events, faces

    ran = dict.fromkeys(("faces", "geocode", *STEPS), 0)
    photos = Photo.objects.for_user(owner).filter(steps__thumbnails__state="done")
    for photo in photos.order_by("id").iterator(chunk_size=200):
        if not step_done(photo, faces.STEP, face_model.MODEL_VERSION):
            faces.photo_detect_faces(photo=photo)
            ran["faces"] += 1
        if geocode.photo_geocode_needed(photo):
            geocode.photo_geocode(photo=photo)
            ran["geocode"] += 1
    run_for = {"scenes": photos_tag_scenes, "clip": photos_embed_clip}
    for name, step in STEPS.items():
        stale = enrichment_stale(owner=owner, step=name)
        if not step.installed():
            steps_skip(name, stale)
            continue
        for start in range(0, len(stale), settings.CLIP_BATCH):
            ran[name] += run_for[name](photo_ids=stale[start : start + settings.CLIP_BATCH])
    events.events_regenerate(user=owner)
    return ran
