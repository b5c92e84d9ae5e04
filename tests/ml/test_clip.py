"""CLIP embeddings with a tiny random-weight open_clip model loaded from a checkpoint file."""

import numpy as np
import pytest
from PIL import Image

from api.exceptions import ModelNotInstalled
from api.ml import clip
from tests.conftest import SHARED_PHOTOS

# Not database-specific: run in the PostgreSQL run only.
pytestmark = pytest.mark.once

FALCON = SHARED_PHOTOS / "exif" / "Canon_EOS_R5_prairie_falcon.jpg"
RIDGE = SHARED_PHOTOS / "exif" / "Nikon_D750_tanners_ridge.jpg"


def _images() -> list[Image.Image]:
    return [Image.open(path).convert("RGB") for path in (FALCON, RIDGE)]


def test_image_embeddings_are_normalised_rows_of_the_model_width(tiny_clip):
    vectors = clip.clip_embed_images(_images())
    assert vectors.shape == (2, 32)
    assert vectors.dtype == np.float32
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    assert not np.allclose(vectors[0], vectors[1])


def test_batching_gives_the_same_embeddings_as_one_at_a_time(tiny_clip, settings):
    images = _images() * 3
    settings.CLIP_BATCH = 4
    settings.CLIP_PRECISION = "fp32"  # exact in fp32; bf16 rounds by batch shape
    together = clip.clip_embed_images(images)
    alone = np.stack([clip.clip_embed_images([image])[0] for image in images[:2]])
    assert np.allclose(together[:2], alone, atol=1e-5)
    assert np.allclose(together[2:4], alone, atol=1e-5)


def test_the_model_is_loaded_once_per_process(tiny_clip):
    assert clip.clip_model() is clip.clip_model()


def test_text_embeddings_are_normalised_and_cached(tiny_clip):
    first = clip.clip_embed_text("a dog on a beach")
    hits = clip._text_embedding.cache_info().hits
    again = clip.clip_embed_text("A dog on a beach ")
    assert clip._text_embedding.cache_info().hits == hits + 1
    assert np.array_equal(first, again)
    assert abs(float(np.linalg.norm(first)) - 1.0) < 1e-5
    assert not np.allclose(first, clip.clip_embed_text("birthday cake"))


def test_the_version_names_the_weights_so_new_weights_are_a_new_version(tiny_clip, settings):
    version = clip.clip_version()
    assert version.startswith("tiny-clip/tiny-clip.safetensors#")
    settings.CLIP_PRETRAINED = str(tiny_clip["retrained"])
    assert clip.clip_version() != version


def test_a_missing_checkpoint_says_how_to_install_it(settings, tmp_path):
    settings.MODELS_DIR = tmp_path
    settings.CLIP_PRETRAINED = ""
    assert not clip.clip_installed()
    with pytest.raises(ModelNotInstalled, match=r"manage.py download_models clip"):
        clip.clip_model()


def test_the_default_openai_checkpoint_loads_from_its_torchscript_archive(
    settings, tiny_openai_clip_files
):
    import torch

    settings.MODELS_DIR = tiny_openai_clip_files["models"]
    settings.CLIP_MODEL = "ViT-B-32"
    settings.CLIP_PRETRAINED = ""
    assert clip.clip_version() == "ViT-B-32/openai"
    loaded = clip.clip_model()
    assert loaded.dim == 32
    images = _images()
    vectors = clip.clip_embed_images(images)
    saved = tiny_openai_clip_files["model"]
    with torch.no_grad():
        expected = saved.encode_image(torch.stack([loaded.preprocess(i) for i in images]))
    expected = torch.nn.functional.normalize(expected, dim=-1).numpy()
    # OpenAI's loader rounds the weights through fp16, as OpenAI's own files are stored.
    assert np.all(np.sum(vectors * expected, axis=1) > 0.999)
    text = clip.clip_embed_text("a dog on a beach")
    with torch.no_grad():
        reference = saved.encode_text(loaded.tokenizer(["a dog on a beach"]))
    reference = torch.nn.functional.normalize(reference, dim=-1)[0].numpy()
    assert float(text @ reference) > 0.999


@pytest.mark.parametrize("fixture", ["tiny_clip", "tiny_openai_clip_files"])
def test_text_encoding_up_to_the_end_token_equals_the_padded_run(request, settings, fixture):
    import open_clip
    import torch

    settings.CLIP_PRECISION = "fp32"  # equal to 1e-5 in fp32; bf16 is tested below
    if fixture == "tiny_clip":
        request.getfixturevalue("tiny_clip")
        model = clip.clip_model().model
    else:
        model = request.getfixturevalue(fixture)["model"]
    tokens = open_clip.get_tokenizer("ViT-B-32")(
        ["seaside", "a dog on a beach", "anna in paris in the summer of 2019", ""]
    )
    with torch.no_grad():
        padded = model.encode_text(tokens)
        short = clip._encode_text(model, tokens)
        alone = clip._encode_text(model, tokens[:1])
    assert torch.allclose(short, padded, atol=1e-5)
    assert torch.allclose(alone, padded[:1], atol=1e-5)


def test_a_bf16_model_embeds_images_and_queries_as_the_fp32_model_does(tiny_clip, settings):
    import torch

    texts = ["seaside", "a dog on a beach", "anna in paris in the summer of 2019", "kitchen"]
    dtypes = {"fp32": torch.float32, "bf16": torch.bfloat16}
    vectors, images = {}, {}
    for precision, dtype in dtypes.items():
        settings.CLIP_PRECISION = precision
        model = clip.clip_model().model
        assert {parameter.dtype for parameter in model.parameters()} == {dtype}
        vectors[precision] = np.stack([clip.clip_embed_text(text) for text in texts])
        images[precision] = clip.clip_embed_images(_images())
        assert images[precision].dtype == np.float32
    for kind in (vectors, images):
        cosines = np.sum(kind["fp32"] * kind["bf16"], axis=1)
        assert cosines.min() > 0.999, cosines
        assert not np.array_equal(kind["fp32"], kind["bf16"])
    together = np.sum(clip.clip_embed_texts(texts) * vectors["bf16"], axis=1)
    assert together.min() > 0.999, together
    one_by_one = np.concatenate([clip.clip_embed_images([image]) for image in _images()])
    assert np.sum(one_by_one * images["bf16"], axis=1).min() > 0.999


def test_texts_encoded_in_a_batch_equal_each_encoded_alone(tiny_clip, settings):
    settings.CLIP_PRECISION = "fp32"  # exact in fp32; bf16 rounds by batch shape
    texts = ["beach", "Birthday Cake", "a forest in the mist", "kitchen", "ocean"]
    together = clip.clip_embed_texts(texts)
    assert together.shape == (5, 32)
    alone = np.stack([clip.clip_embed_text(text) for text in texts])
    assert np.allclose(together, alone, atol=1e-5)
    assert clip.clip_embed_texts([]).shape == (0, 32)


def test_an_int8_text_tower_encodes_queries_as_the_fp32_model_does(tiny_clip, settings):
    import torch

    texts = ["seaside", "a dog on a beach", "anna in paris in the summer of 2019", "kitchen"]
    settings.CLIP_PRECISION = "fp32"
    exact = np.stack([clip.clip_embed_text(text) for text in texts])
    exact_images = clip.clip_embed_images(_images())
    settings.CLIP_PRECISION = "int8"
    model = clip.clip_model().model
    quantised = {type(module).__module__ for module in model.transformer.modules()}
    assert "torch.ao.nn.quantized.dynamic.modules.linear" in quantised
    assert {parameter.dtype for parameter in model.visual.parameters()} == {torch.float32}
    vectors = np.stack([clip.clip_embed_text(text) for text in texts])
    cosines = np.sum(exact * vectors, axis=1)
    assert cosines.min() > 0.99, cosines
    assert not np.array_equal(exact, vectors)
    # images are not quantised: the stored embeddings stay those of the fp32 model
    assert np.array_equal(clip.clip_embed_images(_images()), exact_images)
