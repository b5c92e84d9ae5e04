"""What runs next: the only code outside the task adapters that queues Celery tasks.

Tasks are queued by name (`send_task`, routed by settings.CELERY_TASK_ROUTES), so nothing here
imports `api.tasks` and the pipelines never import each other to say what follows them.
Publishing a follow-up is never the failure of the thing that asked for it: a broker that is
away is retried with back-off, and what still cannot be queued is found again by the hourly
refresh (`enrichment_refresh`), which asks every step what is stale.
"""

import logging
from collections.abc import Iterable, Sequence

from django.conf import settings
from django.db import transaction
from django.db.models import Q, TextField, Value
from django.db.models.fields.json import KT
from django.db.models.functions import Coalesce
from kombu.exceptions import KombuError

from api.geo import geocode
from api.ml import enrich
from api.ml import faces as face_model
from api.models import Photo, User
from ownphotos.celery import app

logger = logging.getLogger(__name__)

# kombu's publish retry: 0.5, 1.5, 2.5, 3.5 s apart, then the refresh takes over.
PUBLISH_RETRY = {"max_retries": 4, "interval_start": 0.5, "interval_step": 1.0, "interval_max": 4}
FOLLOWUP_TASKS = {
    "faces": "api.tasks.photos_detect_faces",
    "geocode": "api.tasks.photos_geocode",
    "scenes": "api.tasks.photos_tag_scenes",
    "clip": "api.tasks.photos_embed_clip",
}


def task_publish(name: str, *args, countdown: float | None = None) -> None:
    """Queue the task `name` with `args` once the current transaction commits."""
    transaction.on_commit(lambda: _publish(name, args, countdown))


def _publish(name: str, args: tuple, countdown: float | None) -> bool:
    try:
        app.send_task(
            name, args=list(args), countdown=countdown, retry=True, retry_policy=PUBLISH_RETRY
        )
    except (KombuError, OSError) as exc:
        logger.warning("could not queue %s%s (left for the refresh): %r", name, args, exc)
        return False
    return True


def _batches(ids: Sequence[int], size: int) -> Iterable[list[int]]:
    for start in range(0, len(ids), size):
        yield list(ids[start : start + size])


def _publish_batches(step: str, ids: Sequence[int]) -> int:
    size = settings.CLIP_BATCH if step in enrich.STEPS else settings.STEP_BATCH
    for chunk in _batches(ids, size):
        task_publish(FOLLOWUP_TASKS[step], chunk)
    return len(ids)


def photos_followups_enqueue(*, photos: Sequence[Photo]) -> dict[str, int]:
    """Queue the steps after the thumbnails for these just-extracted photos, in batches:
    faces, places for those with GPS, scene tags and CLIP (recorded skipped when the model is
    missing). Returns how many photos each step queued."""
    ready = [p for p in photos if (p.steps.get("thumbnails") or {}).get("state") == "done"]
    ids = [p.pk for p in ready]
    queued = {
        "faces": _publish_batches("faces", ids),
        "geocode": _publish_batches(
            "geocode", [p.pk for p in photos if geocode.photo_geocode_needed(p)]
        ),
    }
    stills = [p.pk for p in ready if not p.is_video]
    for name, step in enrich.STEPS.items():
        if not step.installed():
            enrich.steps_skip(name, stills)
            queued[name] = 0
        else:
            queued[name] = _publish_batches(name, stills)
    return queued


def _not_done(photos, step: str, version: str):
    state = Coalesce(KT(f"steps__{step}__state"), Value(""), output_field=TextField())
    current = Coalesce(KT(f"steps__{step}__version"), Value(""), output_field=TextField())
    return photos.annotate(s_state=state, s_version=current).exclude(
        s_state="done", s_version=version
    )


def faces_stale(*, owner: User) -> list[int]:
    """Ids of `owner`'s photos with thumbnails whose faces this model has not detected."""
    photos = Photo.objects.for_user(owner).filter(steps__thumbnails__state="done")
    photos = _not_done(photos, "faces", face_model.MODEL_VERSION)
    return list(photos.order_by("id").values_list("id", flat=True))


def geocode_stale(*, owner: User) -> list[int]:
    """Ids of `owner`'s photos whose GPS (or place to clear) the current geocoder version has
    not placed at their current position (compared in Python: the position is a list)."""
    photos = Photo.objects.for_user(owner).filter(Q(gps_lat__isnull=False) | Q(place__isnull=False))
    candidates = photos.only("id", "gps_lat", "gps_lon", "place", "steps").order_by("id")
    return [p.pk for p in candidates.iterator(chunk_size=2000) if geocode.photo_geocode_needed(p)]


def geocode_enqueue(*, owner: User) -> int:
    """Queue the places of `owner`'s photos that need one (see geocode_stale)."""
    return _publish_batches("geocode", geocode_stale(owner=owner))


def enrichment_enqueue(*, owner: User) -> dict[str, int]:
    """Queue every step after the thumbnails that `owner`'s photos still need (never run,
    failed, lost with a worker or a broker, or made by another model version), in batches.

    A model step whose model is missing is recorded as skipped on the photos instead.
    Returns how many photos each step queued.
    """
    queued = {
        "faces": _publish_batches("faces", faces_stale(owner=owner)),
        "geocode": geocode_enqueue(owner=owner),
    }
    for name, step in enrich.STEPS.items():
        stale = enrich.enrichment_stale(owner=owner, step=name)
        if not step.installed():
            enrich.steps_skip(name, stale)
            queued[name] = 0
        else:
            queued[name] = _publish_batches(name, stale)
    return queued


def enrichment_refresh() -> dict[str, dict[str, int]]:
    """Queue the stale steps of every active user's photos: what a dead worker or an absent
    broker lost, and what a model installed or changed since has not seen."""
    return {
        user.username: enrichment_enqueue(owner=user)
        for user in User.objects.filter(is_active=True).order_by("id")
    }
