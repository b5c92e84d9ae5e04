"""Scene tags from places365 (the authors' WideResNet-18): the most probable categories above
a threshold, indoor or outdoor from the authors' IO labels, and the strongest SUN scene
attributes ("natural light", "open area"), each with its score.

The authors' "wideresnet18" is torchvision's ResNet-18 without the max-pool after the first
convolution, so every stage runs at twice the resolution and the last feature map is 14x14 at
224 px; the average pool over it gives the 512 features that both the classifier and the
published attribute weights (W_sceneattribute_wideresnet18.npy, one row per attribute) read.
The state dict has torchvision's keys (the max-pool has no weights).

The model loads once per process from settings.MODELS_DIR/places365 (the official
checkpoint format: {"state_dict": ...} with DataParallel "module." prefixes); torch is
imported then, not when the web process imports this module.
"""

import logging
import math
import pickle
import zipfile
from dataclasses import dataclass
from functools import lru_cache

from django.conf import settings
from PIL import Image

from api.exceptions import ModelNotInstalled
from api.ml.registry import REGISTRY

logger = logging.getLogger(__name__)

NAME = "places365"
CLASSES = 365
ATTRIBUTES = 102
FEATURES = 512
CHECKPOINT = "wideresnet18_places365.pth.tar"
ATTRIBUTE_WEIGHTS = "W_sceneattribute_wideresnet18.npy"
# How many of the top categories vote on indoor/outdoor, as in the authors' demo.
_IO_VOTERS = 10
# Scores are stored to this many decimals; an attribute's stays below 1 (certainty).
_DECIMALS = 4
_BELOW_ONE = 1 - 10**-_DECIMALS
_TRUNK_BATCH = 4


@dataclass(frozen=True)
class Places:
    trunk: object  # torch Sequential: image batch -> pooled (N, 512, 1, 1) features
    classifier: object  # the final Linear layer: features -> 365 logits
    attribute_weights: object  # torch tensor (ATTRIBUTES, FEATURES)
    preprocess: object
    categories: list[str]
    outdoor: list[bool]
    attributes: list[str]
    device: object  # a torch.device
    version: str


def scenes_installed() -> bool:
    return REGISTRY[NAME].installed()


def scenes_version() -> str:
    return REGISTRY[NAME].version


def scenes_model() -> Places:
    """The loaded model; raises ModelNotInstalled when a file of it is missing or unusable."""
    spec = REGISTRY[NAME]
    if not spec.installed():
        raise ModelNotInstalled(spec.missing_message())
    return _load(str(spec.folder), spec.version, settings.SCENES_PRECISION)


def scenes_vocabulary() -> list[str]:
    """Every tag the installed model can give, read from its label files (no weights loaded),
    sorted; empty when the model is not installed."""
    spec = REGISTRY[NAME]
    return list(_vocabulary(str(spec.folder), spec.version)) if spec.installed() else []


@lru_cache(maxsize=2)
def _vocabulary(folder: str, version: str) -> tuple[str, ...]:
    spec = REGISTRY[NAME]
    names = {_label(line) for line in _lines(spec.path("categories_places365.txt"))}
    names |= {_attribute_label(line) for line in _lines(spec.path("labels_sunattribute.txt"))}
    return tuple(sorted(names | {"indoor", "outdoor"}))


def wideresnet18(*, classes: int = CLASSES):
    """The authors' WideResNet-18 with random weights: torchvision's ResNet-18 without the
    max-pool (its keys match the published checkpoint)."""
    import torch
    import torchvision

    model = torchvision.models.resnet18(num_classes=classes)
    model.maxpool = torch.nn.Identity()
    return model


@lru_cache(maxsize=1)
def _load(folder: str, version: str, precision: str) -> Places:
    import torch
    from torchvision import transforms

    from api.ml.runtime import bfloat16_wanted, torch_device, weights_to_load

    spec = REGISTRY[NAME]
    device = torch_device()
    categories = [_label(line) for line in _lines(spec.path("categories_places365.txt"))]
    outdoor = [int(line.split()[-1]) == 2 for line in _lines(spec.path("IO_places365.txt"))]
    if len(categories) != CLASSES or len(outdoor) != CLASSES:
        raise ModelNotInstalled(f"places365 label files are incomplete in {folder}")
    attributes = [_attribute_label(line) for line in _lines(spec.path("labels_sunattribute.txt"))]
    if len(attributes) != ATTRIBUTES:
        raise ModelNotInstalled(
            f"places365 labels_sunattribute.txt has {len(attributes)} attributes, expected "
            f"{ATTRIBUTES} ({_refetch()})"
        )
    weights = _attribute_weights(spec.path(ATTRIBUTE_WEIGHTS))
    # bfloat16 in channels-last order: a third of float32's CPU time (oneDNN on AMX), logits
    # within 1e-5 in cosine; the small classifier stays float32.
    dtype = torch.bfloat16 if bfloat16_wanted(precision, device) else None
    with weights_to_load(dtype):
        model = wideresnet18()
    try:
        # weights_only: a checkpoint is a pickle, and only tensors and plain values may load.
        # Mapped, not read (a zip checkpoint; the authors' older format is read): the float32
        # weights are copied once, into the model's dtype.
        path = spec.path(CHECKPOINT)
        checkpoint = torch.load(
            path, map_location="cpu", weights_only=True, mmap=zipfile.is_zipfile(path)
        )
        state = checkpoint.get("state_dict", checkpoint)
        model.load_state_dict({key.removeprefix("module."): value for key, value in state.items()})
    except (pickle.UnpicklingError, RuntimeError, EOFError, AttributeError) as exc:
        raise ModelNotInstalled(
            f"places365 {CHECKPOINT} cannot be loaded: {_first_line(exc)} ({_refetch()})"
        ) from exc
    model.eval().to(device, memory_format=torch.channels_last)
    model.fc.float()
    trunk = torch.nn.Sequential(*(child for name, child in model.named_children() if name != "fc"))
    preprocess = transforms.Compose(
        [
            transforms.Resize((224, 224)),
            transforms.ToTensor(),
            transforms.Normalize([0.485, 0.456, 0.406], [0.229, 0.224, 0.225]),
        ]
    )
    logger.info("loaded places365 (%s) on %s", version, device)
    return Places(
        trunk=trunk,
        classifier=model.fc,
        attribute_weights=torch.from_numpy(weights).to(device),
        preprocess=preprocess,
        categories=categories,
        outdoor=outdoor,
        attributes=attributes,
        device=device,
        version=version,
    )


def _attribute_weights(path):
    """The (ATTRIBUTES, FEATURES) float32 matrix; ModelNotInstalled if the file is not one."""
    import numpy as np

    try:
        weights = np.load(path, allow_pickle=False)
    except (OSError, ValueError) as exc:
        raise ModelNotInstalled(
            f"places365 {ATTRIBUTE_WEIGHTS} is not a numpy array: {exc} ({_refetch()})"
        ) from exc
    if weights.shape != (ATTRIBUTES, FEATURES) or weights.dtype.kind != "f":
        raise ModelNotInstalled(
            f"places365 {ATTRIBUTE_WEIGHTS} is {weights.dtype} {weights.shape}, expected "
            f"float ({ATTRIBUTES}, {FEATURES}) ({_refetch()})"
        )
    return weights.astype(np.float32)


def _first_line(exc: Exception) -> str:
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0]


def _refetch() -> str:
    return f"manage.py download_models --force {NAME}"


def _lines(path) -> list[str]:
    return [line for line in path.read_text().splitlines() if line.strip()]


def _label(line: str) -> str:
    """ "/b/beach_house 42" -> "beach house"; "/a/apartment_building/outdoor 9" -> "apartment
    building outdoor"."""
    path = line.split()[0]
    return " ".join(path.split("/")[2:]).replace("_", " ")


def _attribute_label(line: str) -> str:
    """ "sailing/ boating" -> "sailing/boating"; "wood (not part of a tree) " -> "wood (not
    part of a tree)"."""
    return "/".join(" ".join(part.split()) for part in line.split("/"))


def scenes_classify(images: list[Image.Image]) -> list[list[tuple[str, float]]]:
    """Per image: [(tag, score)], the top categories at or above settings.SCENES_THRESHOLD
    (at most settings.SCENES_TOP, score = softmax probability), then "indoor" or "outdoor"
    with its share of the vote, then the attributes with the highest positive responses (at
    most settings.SCENES_ATTRIBUTES, strongest first).

    An attribute's response (its row of W times the pooled features) is no probability; its
    score is the logistic of the response, so a positive response scores in (0.5, 1). A name
    that is both a category and an attribute is listed once, with the higher score.
    """
    import torch

    places = scenes_model()
    if not images:
        return []
    dtype = next(places.trunk.parameters()).dtype
    chunks = []
    # A few images at a time: the trunk's full-resolution first stages hold ~15 MB of
    # activations an image, a batch of 16 kept 230 MB more resident for no speed.
    for start in range(0, len(images), _TRUNK_BATCH):
        part = images[start : start + _TRUNK_BATCH]
        batch = torch.stack([places.preprocess(image.convert("RGB")) for image in part])
        batch = batch.to(places.device, dtype).contiguous(memory_format=torch.channels_last)
        with torch.no_grad():
            chunks.append(torch.flatten(places.trunk(batch), 1).float())
    with torch.no_grad():
        features = torch.cat(chunks)
        probabilities = torch.softmax(places.classifier(features), dim=1).cpu()
        responses = (features @ places.attribute_weights.T).cpu()
    return [
        _merged(
            [
                *_categories(places, row),
                _indoor_or_outdoor(places, row),
                *_attributes(places, response),
            ]
        )
        for row, response in zip(probabilities, responses, strict=True)
    ]


def _categories(places: Places, probabilities) -> list[tuple[str, float]]:
    scores, indices = probabilities.topk(min(settings.SCENES_TOP, CLASSES))
    return [
        (places.categories[int(index)], round(float(score), _DECIMALS))
        for score, index in zip(scores, indices, strict=True)
        if float(score) >= settings.SCENES_THRESHOLD
    ]


def _indoor_or_outdoor(places: Places, probabilities) -> tuple[str, float]:
    voters = probabilities.topk(_IO_VOTERS).indices
    votes = sum(places.outdoor[int(index)] for index in voters) / _IO_VOTERS
    return (
        ("outdoor", round(votes, _DECIMALS))
        if votes >= 0.5
        else ("indoor", round(1 - votes, _DECIMALS))
    )


def _attributes(places: Places, responses) -> list[tuple[str, float]]:
    count = min(settings.SCENES_ATTRIBUTES, ATTRIBUTES)
    if count <= 0:
        return []
    values, indices = responses.topk(count)
    return [
        (places.attributes[int(index)], min(round(_logistic(float(value)), _DECIMALS), _BELOW_ONE))
        for value, index in zip(values, indices, strict=True)
        if float(value) > 0
    ]


def _logistic(response: float) -> float:
    return 1 / (1 + math.exp(-response))


def _merged(tags: list[tuple[str, float]]) -> list[tuple[str, float]]:
    """One entry per name, where it first appears, with the highest of its scores."""
    best: dict[str, float] = {}
    for name, score in tags:
        best[name] = max(score, best.get(name, score))
    return list(best.items())
