"""places365 scene tags with a random-weight ResNet-18 saved in the authors' format."""

import pytest
from PIL import Image

from api.exceptions import ModelNotInstalled
from api.ml import scenes
from tests.conftest import SHARED_PHOTOS

FALCON = SHARED_PHOTOS / "exif" / "Canon_EOS_R5_prairie_falcon.jpg"


def test_tags_are_the_top_categories_then_indoor_or_outdoor(tiny_places, settings):
    categories = [
        " ".join(line.split()[0].split("/")[2:]).replace("_", " ")
        for line in (tiny_places / "categories_places365.txt").read_text().splitlines()
    ]
    [tags] = scenes.scenes_classify([Image.open(FALCON)])
    names = [name for name, _ in tags]
    assert len(tags) == settings.SCENES_TOP + 1
    assert set(names[:-1]) <= set(categories)
    assert names[-1] in ("indoor", "outdoor")
    scores = [score for _, score in tags[:-1]]
    assert scores == sorted(scores, reverse=True)
    assert all(0 < score <= 1 for _, score in tags)


def test_labels_read_like_words():
    assert scenes._label("/a/apartment_building/outdoor 9") == "apartment building outdoor"
    assert scenes._label("/b/beach 48") == "beach"


def test_a_threshold_above_every_score_leaves_only_indoor_or_outdoor(tiny_places, settings):
    settings.SCENES_THRESHOLD = 0.99
    [tags] = scenes.scenes_classify([Image.open(FALCON)])
    assert [name for name, _ in tags] in (["indoor"], ["outdoor"])


def test_a_missing_model_says_how_to_install_it(settings, tmp_path):
    settings.MODELS_DIR = tmp_path
    assert not scenes.scenes_installed()
    with pytest.raises(ModelNotInstalled, match=r"manage.py download_models places365"):
        scenes.scenes_classify([Image.new("RGB", (8, 8))])
