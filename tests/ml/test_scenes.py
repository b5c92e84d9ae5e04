"""places365 scene tags with a random-weight WideResNet-18 and attribute matrix saved in the
authors' format."""

import shutil

import numpy as np
import pytest
import torch
import torchvision
from PIL import Image
from torchvision import transforms

from api.exceptions import ModelNotInstalled
from api.ml import scenes
from tests.conftest import SHARED_PHOTOS

# Not database-specific: run in the PostgreSQL run only.
pytestmark = pytest.mark.once

FALCON = SHARED_PHOTOS / "exif" / "Canon_EOS_R5_prairie_falcon.jpg"


def _category_names(folder) -> list[str]:
    return [
        " ".join(line.split()[0].split("/")[2:]).replace("_", " ")
        for line in (folder / "categories_places365.txt").read_text().splitlines()
    ]


def _attribute_names(folder) -> list[str]:
    return [
        line.replace("/ ", "/").strip()
        for line in (folder / "labels_sunattribute.txt").read_text().splitlines()
    ]


def _independent_responses(folder, image: Image.Image) -> np.ndarray:
    """W @ pooled features, from the files, with the authors' network built here: torchvision's
    ResNet-18 without its max-pool, features read by a hook on the average pool."""
    model = torchvision.models.resnet18(num_classes=365)
    model.maxpool = torch.nn.Identity()
    state = torch.load(folder / scenes.CHECKPOINT, weights_only=True)["state_dict"]
    model.load_state_dict({key.replace("module.", "", 1): value for key, value in state.items()})
    model.eval()
    pooled = []
    model.avgpool.register_forward_hook(lambda module, args, output: pooled.append(output))
    preprocess = transforms.Compose(
        [
            transforms.Resize((224, 224)),
            transforms.ToTensor(),
            transforms.Normalize([0.485, 0.456, 0.406], [0.229, 0.224, 0.225]),
        ]
    )
    with torch.no_grad():
        model(preprocess(image.convert("RGB")).unsqueeze(0))
    features = pooled[0].reshape(-1).numpy().astype(np.float64)
    weights = np.load(folder / scenes.ATTRIBUTE_WEIGHTS).astype(np.float64)
    return weights @ features


def _split(tags: list[tuple[str, float]]):
    """(categories, indoor/outdoor, attributes) of one image's tags."""
    names = [name for name, _ in tags]
    where = next(i for i, name in enumerate(names) if name in ("indoor", "outdoor"))
    return tags[:where], tags[where], tags[where + 1 :]


def _broken_copy(tiny_places, settings, tmp_path):
    """A private copy of the tiny places365 folder, made the models folder."""
    shutil.copytree(tiny_places, tmp_path / "places365")
    settings.MODELS_DIR = tmp_path
    return tmp_path / "places365"


def test_the_trunk_keeps_a_14x14_map_at_224_so_the_published_attribute_weights_fit(tiny_places):
    places = scenes.scenes_model()
    batch = torch.zeros(1, 3, 224, 224, dtype=next(places.trunk.parameters()).dtype)
    with torch.no_grad():
        first_stage = places.trunk[:5](batch)
        last_stage = places.trunk[:-1](batch)
        pooled = places.trunk(batch)
    # As the authors' wideresnet.py: no max-pool, so layer1 runs at 112x112 and layer4 at 14x14.
    assert tuple(first_stage.shape) == (1, 64, 112, 112)
    assert tuple(last_stage.shape) == (1, 512, 14, 14)
    assert tuple(pooled.shape) == (1, 512, 1, 1)
    assert tuple(places.attribute_weights.shape) == (102, pooled.shape[1])
    assert places.classifier.in_features == 512


def test_the_model_takes_a_checkpoint_with_torchvision_resnet18_keys():
    expected = set(torchvision.models.resnet18(num_classes=365).state_dict())
    assert set(scenes.wideresnet18().state_dict()) == expected


def test_tags_are_the_top_categories_then_indoor_or_outdoor_then_attributes(tiny_places, settings):
    [tags] = scenes.scenes_classify([Image.open(FALCON)])
    categories, indoor_outdoor, attributes = _split(tags)
    assert len(categories) == settings.SCENES_TOP
    assert {name for name, _ in categories} <= set(_category_names(tiny_places))
    assert indoor_outdoor[0] in ("indoor", "outdoor")
    assert 0 < len(attributes) <= settings.SCENES_ATTRIBUTES == 5
    assert {name for name, _ in attributes} <= set(_attribute_names(tiny_places))
    for part in (categories, attributes):
        scores = [score for _, score in part]
        assert scores == sorted(scores, reverse=True)
    assert all(0 < score <= 1 for _, score in tags)
    assert len({name for name, _ in tags}) == len(tags)


def test_attribute_scores_are_the_logistic_of_w_times_the_pooled_features(tiny_places, settings):
    settings.SCENES_PRECISION = "fp32"  # compared with float64 arithmetic to 1e-4
    settings.SCENES_TOP = 0
    settings.SCENES_ATTRIBUTES = 102
    image = Image.open(FALCON)
    responses = _independent_responses(tiny_places, image)
    names = _attribute_names(tiny_places)
    [tags] = scenes.scenes_classify([image])
    _, _, attributes = _split(tags)

    order = [int(i) for i in np.argsort(-responses) if responses[i] > 0]
    assert 0 < len(order) < 102, "the tiny W should give responses of both signs"
    assert [name for name, _ in attributes] == [names[i] for i in order]
    expected = [min(1 / (1 + np.exp(-responses[i])), 0.9999) for i in order]
    assert [score for _, score in attributes] == pytest.approx(expected, abs=1.5e-4)
    assert all(0.5 < score < 1 for _, score in attributes)


def test_the_bf16_model_scores_as_the_fp32_model_does(tiny_places, settings):
    """bfloat16 (the default where the CPU computes in it) moves no attribute score by more
    than 0.01 and keeps the pooled features' direction."""
    settings.SCENES_TOP = 0
    settings.SCENES_ATTRIBUTES = 102
    image = Image.open(FALCON)
    scores, features = {}, {}
    for precision in ("fp32", "bf16"):
        settings.SCENES_PRECISION = precision
        places = scenes.scenes_model()
        assert next(places.trunk.parameters()).dtype == (
            torch.bfloat16 if precision == "bf16" else torch.float32
        )
        [tags] = scenes.scenes_classify([image])
        scores[precision] = dict(_split(tags)[2])
        batch = places.preprocess(image.convert("RGB")).unsqueeze(0)
        with torch.no_grad():
            pooled = places.trunk(batch.to(next(places.trunk.parameters()).dtype))
        features[precision] = pooled.float().flatten()
    cosine = torch.nn.functional.cosine_similarity(features["fp32"], features["bf16"], dim=0)
    assert cosine > 0.999
    shared = scores["fp32"].keys() & scores["bf16"].keys()
    assert len(shared) >= 0.9 * len(scores["fp32"])
    assert all(abs(scores["fp32"][name] - scores["bf16"][name]) < 0.01 for name in shared)


def test_at_most_scenes_attributes_are_kept_strongest_first(tiny_places, settings):
    image = Image.open(FALCON)
    responses = _independent_responses(tiny_places, image)
    names = _attribute_names(tiny_places)
    settings.SCENES_TOP = 0
    for limit in (0, 1, 3):
        settings.SCENES_ATTRIBUTES = limit
        [tags] = scenes.scenes_classify([image])
        _, _, attributes = _split(tags)
        assert [name for name, _ in attributes] == [
            names[int(i)] for i in np.argsort(-responses)[:limit]
        ]


def test_a_name_both_category_and_attribute_is_one_tag_with_the_higher_score(tiny_places, settings):
    settings.SCENES_TOP = 365
    settings.SCENES_ATTRIBUTES = 102
    [tags] = scenes.scenes_classify([Image.open(FALCON)])
    ocean = [score for name, score in tags if name == "ocean"]
    # The category's probability is about 1/365; the attribute's response is positive.
    assert len(ocean) == 1
    assert ocean[0] > 0.5
    assert len({name for name, _ in tags}) == len(tags)


def test_labels_read_like_words():
    assert scenes._label("/a/apartment_building/outdoor 9") == "apartment building outdoor"
    assert scenes._label("/b/beach 48") == "beach"
    assert scenes._attribute_label("sailing/ boating") == "sailing/boating"
    assert scenes._attribute_label("waiting in line/ queuing ") == "waiting in line/queuing"
    assert scenes._attribute_label("wood (not part of a tree)") == "wood (not part of a tree)"
    assert scenes._attribute_label("direct sun/sunny") == "direct sun/sunny"


def test_attribute_labels_are_read_from_the_file_like_words(tiny_places, settings):
    places = scenes.scenes_model()
    assert places.attributes[:4] == [
        "sailing/boating",
        "natural light",
        "open area",
        "direct sun/sunny",
    ]


def test_a_threshold_above_every_score_leaves_indoor_or_outdoor_and_attributes(
    tiny_places, settings
):
    settings.SCENES_THRESHOLD = 0.99
    [tags] = scenes.scenes_classify([Image.open(FALCON)])
    categories, indoor_outdoor, _ = _split(tags)
    assert categories == []
    assert indoor_outdoor[0] in ("indoor", "outdoor")


def test_a_missing_model_says_how_to_install_it(settings, tmp_path):
    settings.MODELS_DIR = tmp_path
    assert not scenes.scenes_installed()
    with pytest.raises(ModelNotInstalled, match=r"manage.py download_models places365"):
        scenes.scenes_classify([Image.new("RGB", (8, 8))])


@pytest.mark.parametrize(
    "missing", ["labels_sunattribute.txt", "W_sceneattribute_wideresnet18.npy"]
)
def test_a_missing_attribute_file_says_how_to_install_it(tiny_places, settings, tmp_path, missing):
    folder = _broken_copy(tiny_places, settings, tmp_path)
    (folder / missing).unlink()
    assert not scenes.scenes_installed()
    with pytest.raises(ModelNotInstalled, match=r"manage.py download_models places365"):
        scenes.scenes_classify([Image.new("RGB", (8, 8))])


@pytest.mark.parametrize(
    "weights",
    [np.zeros((102, 256), np.float32), np.zeros((512, 102), np.float32), np.zeros(3)],
    ids=["too-few-features", "transposed", "a-vector"],
)
def test_misshaped_attribute_weights_are_a_clear_error(tiny_places, settings, tmp_path, weights):
    folder = _broken_copy(tiny_places, settings, tmp_path)
    np.save(folder / scenes.ATTRIBUTE_WEIGHTS, weights)
    assert scenes.scenes_installed()
    with pytest.raises(ModelNotInstalled, match=r"expected float \(102, 512\).*--force places365"):
        scenes.scenes_classify([Image.new("RGB", (8, 8))])


def test_attribute_weights_that_are_no_numpy_file_are_a_clear_error(
    tiny_places, settings, tmp_path
):
    folder = _broken_copy(tiny_places, settings, tmp_path)
    (folder / scenes.ATTRIBUTE_WEIGHTS).write_bytes(b"<html>Not Found</html>")
    with pytest.raises(ModelNotInstalled, match=r"not a numpy array"):
        scenes.scenes_classify([Image.new("RGB", (8, 8))])


def test_an_attribute_list_of_the_wrong_length_is_a_clear_error(tiny_places, settings, tmp_path):
    folder = _broken_copy(tiny_places, settings, tmp_path)
    labels = folder / "labels_sunattribute.txt"
    labels.write_text("".join(labels.read_text().splitlines(keepends=True)[:100]))
    with pytest.raises(ModelNotInstalled, match=r"100 attributes, expected 102"):
        scenes.scenes_classify([Image.new("RGB", (8, 8))])


@pytest.mark.parametrize(
    "content",
    [b"<html>Not Found</html>", b"", "other-architecture"],
    ids=["html", "empty", "other-architecture"],
)
def test_a_checkpoint_that_cannot_be_loaded_is_a_clear_error(
    tiny_places, settings, tmp_path, content
):
    import torch
    import torchvision

    folder = _broken_copy(tiny_places, settings, tmp_path)
    if content == "other-architecture":
        other = torchvision.models.resnet34(num_classes=365).state_dict()
        torch.save({"state_dict": other}, folder / scenes.CHECKPOINT)
    else:
        (folder / scenes.CHECKPOINT).write_bytes(content)
    with pytest.raises(ModelNotInstalled, match=r"cannot be loaded.*--force places365"):
        scenes.scenes_classify([Image.new("RGB", (8, 8))])


def test_the_vocabulary_is_every_label_the_model_can_give(tiny_places):
    vocabulary = scenes.scenes_vocabulary()
    lines = (tiny_places / "categories_places365.txt").read_text().splitlines()
    categories = {scenes._label(line) for line in lines}
    attributes = {
        scenes._attribute_label(line)
        for line in (tiny_places / "labels_sunattribute.txt").read_text().splitlines()
    }
    assert set(vocabulary) == categories | attributes | {"indoor", "outdoor"}
    assert vocabulary == sorted(vocabulary)
    assert "beach" in vocabulary


def test_no_model_no_vocabulary(settings, tmp_path):
    settings.MODELS_DIR = tmp_path
    assert scenes.scenes_vocabulary() == []
