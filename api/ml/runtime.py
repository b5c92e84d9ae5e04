"""Where torch runs: CUDA when there is one, else the CPU with this worker's share of threads."""

import logging
from functools import lru_cache

import torch
from django.conf import settings

logger = logging.getLogger(__name__)


@lru_cache(maxsize=1)
def torch_device() -> torch.device:
    """Set torch's thread count once per process and pick the device."""
    torch.set_num_threads(settings.TORCH_THREADS)
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    logger.info("torch on %s with %d thread(s)", device, torch.get_num_threads())
    return device
