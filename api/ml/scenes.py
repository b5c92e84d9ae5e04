"""Scene tags from places365 (ResNet-18): the most probable categories above a threshold,
and indoor or outdoor from the authors' IO labels, each with its score.

The model loads once per process from settings.MODELS_DIR/places365 (the official
checkpoint format: {"state_dict": ...} with DataParallel "module." prefixes); torch is
imported then, not when the web process imports this module.
"""

import logging
from dataclasses import dataclass
from functools import lru_cache

from django.conf import settings
from PIL import Image

from api.exceptions import ModelNotInstalled
from api.ml.registry import REGISTRY

logger = logging.getLogger(__name__)

NAME = "places365"
CLASSES = 365
# How many of the top categories vote on indoor/outdoor, as in the authors' demo.
_IO_VOTERS = 10


@dataclass(frozen=True)
class Places:
    model: object  # a torchvision ResNet-18
    preprocess: object
    categories: list[str]
    outdoor: list[bool]
    device: object  # a torch.device
    version: str


def scenes_installed() -> bool:
    return REGISTRY[NAME].installed()


def scenes_version() -> str:
    return REGISTRY[NAME].version


def scenes_model() -> Places:
    """The loaded model; raises ModelNotInstalled when a file of it is missing."""
    spec = REGISTRY[NAME]
    if not spec.installed():
        raise ModelNotInstalled(spec.missing_message())
    return _load(str(spec.folder), spec.version)


@lru_cache(maxsize=1)
def _load(folder: str, version: str) -> Places:
    import torch
    import torchvision
    from torchvision import transforms

    from api.ml.runtime import torch_device

    spec = REGISTRY[NAME]
    device = torch_device()
    model = torchvision.models.resnet18(num_classes=CLASSES)
    checkpoint = torch.load(
        spec.path("resnet18_places365.pth.tar"), map_location="cpu", weights_only=True
    )
    state = checkpoint.get("state_dict", checkpoint)
    model.load_state_dict({key.removeprefix("module."): value for key, value in state.items()})
    model.eval().to(device)
    categories = [_label(line) for line in _lines(spec.path("categories_places365.txt"))]
    outdoor = [int(line.split()[-1]) == 2 for line in _lines(spec.path("IO_places365.txt"))]
    if len(categories) != CLASSES or len(outdoor) != CLASSES:
        raise ModelNotInstalled(f"places365 label files are incomplete in {folder}")
    preprocess = transforms.Compose(
        [
            transforms.Resize((224, 224)),
            transforms.ToTensor(),
            transforms.Normalize([0.485, 0.456, 0.406], [0.229, 0.224, 0.225]),
        ]
    )
    logger.info("loaded places365 (%s) on %s", version, device)
    return Places(model, preprocess, categories, outdoor, device, version)


def _lines(path) -> list[str]:
    return [line for line in path.read_text().splitlines() if line.strip()]


def _label(line: str) -> str:
    """ "/b/beach_house 42" -> "beach house"; "/a/apartment_building/outdoor 9" -> "apartment
    building outdoor"."""
    path = line.split()[0]
    return " ".join(path.split("/")[2:]).replace("_", " ")


def scenes_classify(images: list[Image.Image]) -> list[list[tuple[str, float]]]:
    """Per image: [(tag, score)], the top categories at or above settings.SCENES_THRESHOLD
    (at most settings.SCENES_TOP), then "indoor" or "outdoor" with its share of the vote."""
    import torch

    places = scenes_model()
    if not images:
        return []
    batch = torch.stack([places.preprocess(image.convert("RGB")) for image in images])
    with torch.no_grad():
        probabilities = torch.softmax(places.model(batch.to(places.device)), dim=1).cpu()
    results = []
    for row in probabilities:
        scores, indices = row.sort(descending=True)
        tags = [
            (places.categories[int(index)], round(float(score), 4))
            for score, index in zip(
                scores[: settings.SCENES_TOP], indices[: settings.SCENES_TOP], strict=True
            )
            if float(score) >= settings.SCENES_THRESHOLD
        ]
        votes = sum(places.outdoor[int(index)] for index in indices[:_IO_VOTERS]) / _IO_VOTERS
        tags.append(
            ("outdoor", round(votes, 4)) if votes >= 0.5 else ("indoor", round(1 - votes, 4))
        )
        results.append(tags)
    return results
