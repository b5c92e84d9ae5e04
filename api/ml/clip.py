"""open_clip image and text embeddings, L2-normalised float32, with the model's version.

The model loads once per process (cached; torch is imported then, not when the web process
imports this module); which one is settings.CLIP_MODEL with the
registry's checkpoint or a local one (settings.CLIP_PRETRAINED). OpenAI's TorchScript
checkpoints (the registry's default) load through open_clip's OpenAI loader, any other file as
an open_clip state dict. The version string changes with the weights, so embeddings made by
another model are recognised as stale.
"""

import hashlib
import logging
import warnings
import zipfile
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
from django.conf import settings
from PIL import Image

from api.exceptions import ModelNotInstalled
from api.ml.registry import REGISTRY
from api.ml.runtime import bfloat16_wanted, state_dict_copy_mapped, weights_to_load

logger = logging.getLogger(__name__)

NAME = "clip"


@dataclass(frozen=True)
class ClipModel:
    model: object  # an open_clip CLIP module
    preprocess: object
    tokenizer: object
    device: object  # a torch.device
    version: str
    dim: int


def clip_checkpoint() -> Path:
    """The checkpoint file to load (it may not exist)."""
    if settings.CLIP_PRETRAINED:
        return Path(settings.CLIP_PRETRAINED).expanduser()
    spec = REGISTRY[NAME]
    return spec.path(spec.files[0].filename)


def clip_installed() -> bool:
    return clip_checkpoint().is_file()


def clip_version() -> str:
    """`MODEL/weights`: the registry's version, or a local file's name and digest prefix."""
    if not settings.CLIP_PRETRAINED:
        return REGISTRY[NAME].version
    path = clip_checkpoint()
    stat = path.stat()
    return f"{settings.CLIP_MODEL}/{path.name}#{_digest(str(path), stat.st_size, stat.st_mtime_ns)}"


@lru_cache(maxsize=8)
def _digest(path: str, size: int, mtime_ns: int) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while chunk := fh.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()[:12]


def clip_model() -> ClipModel:
    """The loaded model; raises ModelNotInstalled when its checkpoint is missing."""
    if not clip_installed():
        raise ModelNotInstalled(REGISTRY[NAME].missing_message())
    return _load(
        settings.CLIP_MODEL,
        str(clip_checkpoint()),
        settings.CLIP_CONFIG,
        clip_version(),
        settings.CLIP_PRECISION,
    )


@lru_cache(maxsize=1)
def _load(model_name: str, checkpoint: str, config: str, version: str, precision: str) -> ClipModel:
    import open_clip
    import torch

    from api.ml.runtime import torch_device

    if config:
        open_clip.add_model_config(config)
    device = torch_device()
    bfloat16 = _bfloat16(precision, device)
    if _is_torchscript(checkpoint):
        # The architecture is read from the weights' shapes (with OpenAI's QuickGELU); only the
        # weights are taken from the archive, so torch.jit's deprecation does not concern us.
        with warnings.catch_warnings(), weights_to_load():
            warnings.filterwarnings("ignore", category=FutureWarning, module="torch.jit")
            model = open_clip.load_openai_model(checkpoint, precision="fp32", device=device)
        if bfloat16:
            model.to(torch.bfloat16)
    else:
        model = _state_dict_model(model_name, checkpoint, torch.bfloat16 if bfloat16 else None)
        model.to(device)
    model.eval()
    if _int8_text(precision, device, bfloat16, model):
        _quantise_text_tower(model)
    size = model.visual.image_size
    preprocess = open_clip.image_transform(size, is_train=False)
    tokenizer = open_clip.get_tokenizer(model_name)
    with torch.no_grad():
        dim = int(_encode_text(model, tokenizer(["a photo"]).to(device)).shape[-1])
    logger.info(
        "loaded CLIP %s (%s, %d-d) on %s in %s", model_name, version, dim, device, _dtype(model)
    )
    return ClipModel(model, preprocess, tokenizer, device, version, dim)


def _state_dict_model(model_name: str, checkpoint: str, dtype):
    """An open_clip model from a state-dict checkpoint, built straight in `dtype` (float32 when
    None) and filled from the file mapped in memory: the float32 weights are never held
    twice, which is what kept a worker above 2 GB."""
    import open_clip
    import torch
    from open_clip.factory import convert_state_dict, resize_pos_embed, resize_text_pos_embed

    with weights_to_load(dtype):
        model = open_clip.create_model(model_name, pretrained=None, load_weights=False)
    state = torch.load(checkpoint, map_location="cpu", weights_only=True, mmap=True)
    state = state.get("state_dict", state)
    state = {key.removeprefix("module."): value for key, value in state.items()}
    state = convert_state_dict(model, state)
    resize_pos_embed(state, model)
    resize_text_pos_embed(state, model)
    state_dict_copy_mapped(model, state, checkpoint)
    return model


def _bfloat16(precision: str, device) -> bool:
    """bfloat16 halves the bytes each weight costs to read (a query's few tokens are bound by
    that) and doubles the multiply rate (images); see api.ml.runtime.bfloat16_wanted."""
    return bfloat16_wanted(precision, device)


def _int8_text(precision: str, device, bfloat16: bool, model) -> bool:
    """A query's text tower with int8 weights where the CPU has no native bfloat16: fp32's
    ViT-B-32 text encoding alone took most of the 50 ms a search may cost (48 ms against 29 ms
    int8 on one thread, cosine to fp32 above 0.999). Images stay in float32, so stored
    embeddings keep their version. "int8" asks for it anywhere on a CPU."""
    if device.type != "cpu" or not _truncatable(model):
        return False
    return precision == "int8" or (precision == "auto" and not bfloat16)


def _quantise_text_tower(model) -> None:
    """The text transformer's Linear layers as dynamically quantised int8 ones (weights int8,
    activations quantised per call); attention's own projections stay float32."""
    import torch

    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", category=DeprecationWarning)
        warnings.filterwarnings("ignore", category=UserWarning)
        torch.ao.quantization.quantize_dynamic(
            model.transformer, {torch.nn.Linear}, dtype=torch.qint8, inplace=True
        )


def _truncatable(model) -> bool:
    """Whether _encode_text runs the tower itself (causal mask, pooled at end-of-text)."""
    import open_clip

    return (
        isinstance(model, open_clip.CLIP)
        and model.text_pool_type == "argmax"
        and model.attn_mask is not None
    )


def _dtype(model):
    return next(model.visual.parameters()).dtype


def _is_torchscript(path: str) -> bool:
    """OpenAI's checkpoints are TorchScript archives (a zip with constants.pkl); torch.load
    cannot read them."""
    if not zipfile.is_zipfile(path):
        return False
    with zipfile.ZipFile(path) as archive:
        return any(name.endswith("/constants.pkl") for name in archive.namelist())


def _encode_text(model, tokens):
    """The text tower run only up to the last end-of-text token when the result cannot depend
    on what follows it (causal mask, pooled at the end-of-text position): a short query is a
    few of the 77 positions, so encoding costs a fraction of the padded run and gives the same
    vector. Other text towers run as open_clip runs them."""
    import torch
    from open_clip.transformer import text_global_pool

    if not _truncatable(model):
        return model.encode_text(tokens)
    length = int(tokens.argmax(dim=-1).max()) + 1
    tokens = tokens[:, :length]
    # the embedding's dtype, not the transformer's: int8 layers have no weight dtype to ask
    cast = model.token_embedding.weight.dtype
    x = model.token_embedding(tokens).to(cast) + model.positional_embedding[:length].to(cast)
    x = model.transformer(x, attn_mask=model.attn_mask[:length, :length])
    x = text_global_pool(model.ln_final(x), tokens, "argmax")
    projection = model.text_projection
    if projection is None:
        return x
    return projection(x) if isinstance(projection, torch.nn.Linear) else x @ projection


def clip_embed_images(images: list[Image.Image]) -> np.ndarray:
    """One normalised row per image (float32), computed settings.CLIP_BATCH at a time."""
    import torch

    clip = clip_model()
    rows = []
    for start in range(0, len(images), settings.CLIP_BATCH):
        batch = torch.stack(
            [
                clip.preprocess(image.convert("RGB"))
                for image in images[start : start + settings.CLIP_BATCH]
            ]
        )
        with torch.no_grad():
            features = clip.model.encode_image(batch.to(clip.device, _dtype(clip.model)))
        rows.append(_normalised(features))
    return np.concatenate(rows) if rows else np.zeros((0, clip.dim), dtype=np.float32)


def clip_embed_text(text: str) -> np.ndarray:
    """The normalised embedding of `text`; repeated queries come from a per-process cache."""
    key = (clip_version(), settings.CLIP_PRECISION)
    return np.frombuffer(_text_embedding(*key, text.strip().lower()), dtype=np.float32)


def clip_embed_texts(texts: list[str]) -> np.ndarray:
    """Normalised embeddings of many short texts (a tag vocabulary), batched: one row each."""
    import torch

    clip = clip_model()
    rows = [np.zeros((0, clip.dim), dtype=np.float32)]
    for start in range(0, len(texts), _TEXT_BATCH):
        batch = [text.strip().lower() for text in texts[start : start + _TEXT_BATCH]]
        with torch.no_grad():
            features = _encode_text(clip.model, clip.tokenizer(batch).to(clip.device))
        rows.append(_normalised(features))
    return np.concatenate(rows)


_TEXT_BATCH = 128


@lru_cache(maxsize=4096)
def _text_embedding(version: str, precision: str, text: str) -> bytes:
    import torch

    clip = clip_model()
    with torch.no_grad():
        features = _encode_text(clip.model, clip.tokenizer([text]).to(clip.device))
    return _normalised(features)[0].tobytes()


def _normalised(features) -> np.ndarray:
    array = features.float().cpu().numpy()
    norms = np.linalg.norm(array, axis=1, keepdims=True)
    return (array / np.maximum(norms, 1e-12)).astype(np.float32)
