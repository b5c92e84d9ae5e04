"""The state of the models the pipeline uses, as the Jobs screen shows it: installed or not
(and how to install), the version that would run now, and how many of a user's photos carry
its results at that version."""

import importlib.util
from dataclasses import dataclass, field

from django.db.models import Count, TextField, Value
from django.db.models.fields.json import KT
from django.db.models.functions import Coalesce

from api.ml import faces as face_model
from api.ml.enrich import STEPS
from api.ml.registry import REGISTRY
from api.models import Photo, User


@dataclass(frozen=True)
class ModelState:
    name: str
    step: str
    description: str
    installed: bool
    # What would run now; None while the model is missing.
    version: str | None
    # The command that installs it, None when it ships in a Python package.
    install_command: str | None
    # Photos the step applies to, by outcome: done at `version`, stale (not run, or made by
    # another version), skipped (model missing), failed.
    photos: dict[str, int] = field(default_factory=dict)
    # Version -> photos whose result that version made: which version made the current data.
    data_versions: dict[str, int] = field(default_factory=dict)


def _face_model_installed() -> bool:
    return importlib.util.find_spec("face_recognition_models") is not None


def _step_counts(*, owner: User, step: str, version: str | None) -> tuple[dict, dict]:
    """One GROUP BY over the owner's photos on the step's state and version."""
    rows = (
        Photo.objects.for_user(owner)
        .filter(is_video=False, steps__thumbnails__state="done")
        .annotate(
            step_state=Coalesce(KT(f"steps__{step}__state"), Value(""), output_field=TextField()),
            step_version=Coalesce(
                KT(f"steps__{step}__version"), Value(""), output_field=TextField()
            ),
        )
        .values("step_state", "step_version")
        .annotate(n=Count("id"))
        .order_by()
    )
    photos = {"done": 0, "stale": 0, "skipped": 0, "failed": 0}
    versions: dict[str, int] = {}
    for row in rows:
        state, made_by, n = row["step_state"], row["step_version"], row["n"]
        if state == "done":
            versions[made_by] = versions.get(made_by, 0) + n
        if state == "done" and made_by == version:
            photos["done"] += n
        elif state in ("skipped", "failed"):
            photos[state] += n
        else:
            photos["stale"] += n
    return photos, versions


def models_state(*, owner: User) -> list[ModelState]:
    """Every model of the pipeline, with `owner`'s photos counted against it."""
    states = []
    face_installed = _face_model_installed()
    face_version = face_model.MODEL_VERSION if face_installed else None
    photos, versions = _step_counts(owner=owner, step="faces", version=face_version)
    states.append(
        ModelState(
            name=face_model.MODEL_NAME,
            step="faces",
            description="Face detection and 128-d encodings (dlib, from face_recognition_models)",
            installed=face_installed,
            version=face_version,
            install_command=None,
            photos=photos,
            data_versions=versions,
        )
    )
    for name, step in STEPS.items():
        spec = REGISTRY[step.model]
        installed = step.installed()
        version = step.version() if installed else None
        photos, versions = _step_counts(owner=owner, step=name, version=version)
        states.append(
            ModelState(
                name=spec.name,
                step=name,
                description=spec.description,
                installed=installed,
                version=version,
                install_command=f"manage.py download_models {spec.name}",
                photos=photos,
                data_versions=versions,
            )
        )
    return states
