"""The search vocabulary: the owner's tag names, kept per owner and read again when tags change."""

import pytest

from api.models import PhotoTag
from api.selectors import things
from api.selectors.things import tag_vocabulary
from tests.factories import PhotoFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def kept(settings, monkeypatch, tmp_path):
    """The vocabulary kept as in production (tests read it at every search), no scene model."""
    settings.SEARCH_VOCABULARY_SECONDS = 60
    settings.MODELS_DIR = tmp_path
    monkeypatch.setattr(things, "_vocabularies", {})


def _tag(photo, name: str, source: str = "xmp") -> PhotoTag:
    return PhotoTag.objects.create(photo=photo, name=name, score=1.0, source=source, version="1")


def test_the_vocabulary_is_the_owners_tag_names_only(kept, user, other_user):
    _tag(PhotoFactory(owner=user), "beach")
    _tag(PhotoFactory(owner=user, hidden=True), "forest")
    _tag(PhotoFactory(owner=other_user), "kitchen")
    assert tag_vocabulary(owner=user) == ["beach", "forest"]
    assert tag_vocabulary(owner=other_user) == ["kitchen"]


def test_a_kept_vocabulary_costs_one_indexed_lookup(kept, user, django_assert_num_queries):
    _tag(PhotoFactory(owner=user), "beach")
    tag_vocabulary(owner=user)
    with django_assert_num_queries(1) as context:
        assert tag_vocabulary(owner=user) == ["beach"]
    assert "MAX" in context.captured_queries[0]["sql"].upper()
    assert "JOIN" not in context.captured_queries[0]["sql"].upper()


def test_a_new_tag_is_in_the_next_vocabulary(kept, user):
    photo = PhotoFactory(owner=user)
    _tag(photo, "beach")
    assert tag_vocabulary(owner=user) == ["beach"]
    _tag(photo, "sunset")
    assert tag_vocabulary(owner=user) == ["beach", "sunset"]


def test_a_removed_tag_leaves_the_vocabulary_once_it_expires(kept, user, settings):
    photo = PhotoFactory(owner=user)
    beach = _tag(photo, "beach")
    _tag(photo, "sunset")
    assert tag_vocabulary(owner=user) == ["beach", "sunset"]
    beach.delete()  # not the newest tag: nothing tells the kept vocabulary
    assert tag_vocabulary(owner=user) == ["beach", "sunset"]
    settings.SEARCH_VOCABULARY_SECONDS = 0
    assert tag_vocabulary(owner=user) == ["sunset"]


def test_with_a_scene_model_its_labels_and_only_peoples_keywords(kept, user, tiny_places):
    photo = PhotoFactory(owner=user)
    _tag(photo, "Lake Como")
    _tag(photo, "not a label", source="places365")
    vocabulary = tag_vocabulary(owner=user)
    assert vocabulary == sorted(set(things.scenes.scenes_vocabulary()) | {"Lake Como"})
    assert "beach" in vocabulary
    assert "not a label" not in vocabulary  # the model's tags on photos are not read
