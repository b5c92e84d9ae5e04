"""The one owner of `Photo.steps`: whether a step is done at a version, and its write.

Every step (metadata, thumbnails, phash, faces, geocode, scenes, clip) runs on its own queue
and may finish on a photo at the same moment as another. A step's result is therefore written
as one UPDATE that sets only its own key of the JSON (`jsonb_set` / `json_set`), so no step
ever writes back a stale copy of another's entry.
"""

import json

from django.db.models import F, Func, JSONField, Q

from api.models import Photo

# States a step entry can have; also "skipped" (model missing) and "retrying" (a geocoder's
# transient error).
DONE, FAILED = "done", "failed"


# Every step of a photo, in pipeline order; videos have no phash, scene tags or CLIP.
PHOTO_STEPS = ("metadata", "thumbnails", "phash", "faces", "geocode", "scenes", "clip")
_NOT_FOR_VIDEOS = {"phash", "scenes", "clip"}


def photo_steps_state(photo: Photo) -> dict[str, dict]:
    """{step: {"state", "version"}} for the photo's steps, "pending" for those not run yet;
    places only for a photo with GPS (or a place)."""
    states = {}
    for step in PHOTO_STEPS:
        entry = step_entry(photo, step)
        if not entry and (
            (photo.is_video and step in _NOT_FOR_VIDEOS)
            or (step == "geocode" and photo.gps_lat is None and photo.place_id is None)
        ):
            continue
        states[step] = {"state": entry.get("state", "pending"), "version": entry.get("version", "")}
        if entry.get("error"):
            states[step]["error"] = entry["error"]
    return states


def step_entry(photo: Photo, step: str) -> dict:
    return photo.steps.get(step) or {}


def step_done(photo: Photo, step: str, version: str) -> bool:
    """The step ran successfully at `version` on `photo` (as loaded)."""
    entry = step_entry(photo, step)
    return entry.get("state") == DONE and entry.get("version") == version


def step_set(
    photo: Photo, step: str, *, state: str, version: str, error: str = "", **extra
) -> dict:
    """Set the entry on the photo in memory only; steps_save writes it."""
    entry = {"state": state, "version": version, **extra}
    if error:
        entry["error"] = error
    photo.steps[step] = entry
    return entry


def step_done_q(step: str, version: str, *, prefix: str = "") -> Q:
    """The same test as step_done, for a query (`prefix` reaches the photo, e.g. "photo__")."""
    return Q(**{f"{prefix}steps__{step}__state": DONE, f"{prefix}steps__{step}__version": version})


class _JsonSetKeys(Func):
    """`steps` with the given top-level keys replaced, in SQL, leaving the others as stored."""

    output_field = JSONField()

    def __init__(self, field, entries: dict[str, dict]) -> None:
        self.entries = entries
        super().__init__(field)

    def as_sql(self, compiler, connection, **extra_context):
        sql, params = compiler.compile(self.source_expressions[0])
        params = list(params)
        if connection.vendor == "postgresql":
            for name, entry in self.entries.items():
                sql = f"jsonb_set(COALESCE({sql}, '{{}}'::jsonb), ARRAY[%s], %s::jsonb, true)"
                params += [name, json.dumps(entry)]
            return sql, params
        if connection.vendor == "sqlite":
            pairs = []
            for name, entry in self.entries.items():
                pairs.append("%s, json(%s)")
                params += [f'$."{name}"', json.dumps(entry)]
            return f"json_set(COALESCE({sql}, '{{}}'), {', '.join(pairs)})", params
        raise NotImplementedError(f"photo steps are not supported on {connection.vendor}")


def step_record_many(
    *, photo_ids: list[int], step: str, state: str, version: str, error: str = ""
) -> int:
    """Record the same result of one step on many photos in one UPDATE (a missing model)."""
    entry = {"state": state, "version": version}
    if error:
        entry["error"] = error
    return Photo.objects.filter(pk__in=photo_ids).update(
        steps=_JsonSetKeys(F("steps"), {step: entry})
    )


def steps_save(*, photo: Photo | int, names: list[str] | tuple[str, ...], entries=None) -> None:
    """Write the entries `names` of `photo.steps` (or of `entries`) in one UPDATE; the
    photo's other entries, which other queues may be writing, stay as the database has them."""
    photo_id = photo if isinstance(photo, int) else photo.pk
    source = entries if entries is not None else photo.steps
    chosen = {name: source[name] for name in names if name in source}
    if chosen:
        Photo.objects.filter(pk=photo_id).update(steps=_JsonSetKeys(F("steps"), chosen))


def step_record(
    *, photo: Photo | int, step: str, state: str, version: str, error: str = "", **extra
) -> dict:
    """Record one step's result on the photo (and on the object in memory, if given)."""
    entry = {"state": state, "version": version, **extra}
    if error:
        entry["error"] = error
    if isinstance(photo, Photo):
        photo.steps[step] = entry
    steps_save(photo=photo, names=[step], entries={step: entry})
    return entry
