"""Where torch runs: CUDA when there is one, else the CPU with this worker's share of threads;
and how models are built without paying for weights that loading replaces. torch is imported
only when a model loads: the web process imports the model modules without it."""

from __future__ import annotations

import contextlib
import ctypes
import logging
import mmap
import os
from collections.abc import Iterator
from functools import lru_cache
from typing import TYPE_CHECKING

from django.conf import settings

if TYPE_CHECKING:
    import torch

logger = logging.getLogger(__name__)

# torch.nn.init's in-place initialisers: what a module's constructor fills its weights with.
_INITIALISERS = (
    "uniform_",
    "normal_",
    "trunc_normal_",
    "constant_",
    "ones_",
    "zeros_",
    "xavier_uniform_",
    "xavier_normal_",
    "kaiming_uniform_",
    "kaiming_normal_",
    "orthogonal_",
)


@lru_cache(maxsize=1)
def torch_device() -> torch.device:
    """Set torch's thread count once per process and pick the device."""
    import torch

    torch.set_num_threads(settings.TORCH_THREADS)
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    logger.info("torch on %s with %d thread(s)", device, torch.get_num_threads())
    return device


def bfloat16_wanted(precision: str, device: torch.device) -> bool:
    """bfloat16 halves the bytes each weight costs to read and doubles the multiply rate, but
    only where the CPU computes in bfloat16 itself (AVX512-BF16 or AMX); elsewhere the
    conversions cost more than they save. `precision` is "auto", "bf16" or "fp32"."""
    import torch

    if precision != "auto":
        return precision == "bf16"
    return device.type == "cpu" and (
        torch.cpu._is_avx512_bf16_supported() or torch.cpu._is_amx_tile_supported()
    )


@contextlib.contextmanager
def weights_to_load(dtype: torch.dtype | None = None) -> Iterator[None]:
    """Build a model whose every weight a strict load_state_dict then replaces: its layers
    are created in `dtype` (no float32 copy beside a bfloat16 one) and not initialised
    (random init of ViT-B-32 costs seconds of CPU for numbers thrown away)."""
    import torch

    saved = {name: getattr(torch.nn.init, name) for name in _INITIALISERS}
    default = torch.get_default_dtype()
    for name in _INITIALISERS:
        setattr(torch.nn.init, name, _unchanged)
    torch.set_default_dtype(dtype or torch.float32)
    try:
        yield
    finally:
        torch.set_default_dtype(default)
        for name, initialiser in saved.items():
            setattr(torch.nn.init, name, initialiser)


def _unchanged(tensor: torch.Tensor, *args, **kwargs) -> torch.Tensor:
    return tensor


def state_dict_copy_mapped(model: torch.nn.Module, state: dict, path: str) -> None:
    """Copy `state`, a checkpoint torch.load mapped from `path` (mmap=True), into `model`'s
    weights, strictly (same keys and shapes), handing each tensor's pages of the file back
    as soon as it is copied: the float32 file never sits in memory whole beside the model
    (ViT-B-32's 600 MB were the worker's peak)."""
    import torch

    targets = model.state_dict()
    missing, unexpected = targets.keys() - state.keys(), state.keys() - targets.keys()
    if missing or unexpected:
        raise RuntimeError(
            f"the checkpoint does not fit the model: missing {sorted(missing)[:3]}, "
            f"unexpected {sorted(unexpected)[:3]}"
        )
    mapped = _mappings(os.path.realpath(path))
    with torch.no_grad():
        for key, value in state.items():
            target = targets[key]
            if target.shape != value.shape:
                raise RuntimeError(f"{key} is {tuple(value.shape)}, the model's {target.shape}")
            target.copy_(value)
            _release(value, mapped)


def _mappings(path: str) -> list[tuple[int, int]]:
    """The address ranges where `path` is mapped in this process."""
    ranges = []
    with open("/proc/self/maps") as maps:
        for line in maps:
            fields = line.split(maxsplit=5)
            if len(fields) == 6 and fields[5].strip() == path:
                start, end = (int(value, 16) for value in fields[0].split("-"))
                ranges.append((start, end))
    return ranges


def _release(tensor: torch.Tensor, mapped: list[tuple[int, int]]) -> None:
    """Drop the whole pages of the file under `tensor` from memory (MADV_DONTNEED: a private
    clean file page is read again if touched). Only pages inside the file's own mapping: the
    same call on anonymous memory would zero another object's bytes."""
    page = mmap.PAGESIZE
    begin = tensor.data_ptr()
    end = begin + tensor.numel() * tensor.element_size()
    begin, end = -(-begin // page) * page, end // page * page
    if end > begin and any(low <= begin and end <= high for low, high in mapped):
        _libc().madvise(ctypes.c_void_p(begin), ctypes.c_size_t(end - begin), _MADV_DONTNEED)


_MADV_DONTNEED = 4


@lru_cache(maxsize=1)
def _libc() -> ctypes.CDLL:
    return ctypes.CDLL(None, use_errno=True)
