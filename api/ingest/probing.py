"""Proving that a file is the media its first bytes claim, without decoding its pixels: an
image header Pillow parses, a RAW LibRaw opens, a video ffprobe reads. Each reports its pixel
count, which settings.MAX_PIXELS bounds for every format (RAW and TIFF included), so nothing
past the limit is ever decoded. Uploads are probed before they are kept."""

import json
import logging
import shutil
import subprocess
import warnings
from pathlib import Path

import rawpy
from django.conf import settings
from PIL import Image

from api.exceptions import ImageTooLarge, NotAnImage
from api.ingest.sniffing import Sniffed

logger = logging.getLogger(__name__)

FFPROBE_SECONDS = 60


def pixels_check(width: int | None, height: int | None) -> None:
    """ImageTooLarge when width x height exceeds settings.MAX_PIXELS."""
    if width and height and width * height > settings.MAX_PIXELS:
        raise ImageTooLarge(
            f"the image is {width}x{height} pixels, more than the {settings.MAX_PIXELS:,}"
            " this server decodes (OWNPHOTOS_MAX_PIXELS)"
        )


def media_probe(path: Path, sniffed: Sniffed) -> tuple[int, int]:
    """(width, height) of the media at `path` as its container declares them.

    Raises NotAnImage when the file does not parse as the kind it was sniffed as (a JPEG
    signature followed by zeros) and ImageTooLarge past settings.MAX_PIXELS.
    """
    if sniffed.kind == "video":
        size = _video_size(path)
    elif sniffed.kind == "raw":
        size = _raw_size(path)
    else:
        size = _image_size(path)
        if size is None:
            raise NotAnImage("the file starts like an image but its header does not parse")
    pixels_check(*size)
    return size


def _image_size(path: Path) -> tuple[int, int] | None:
    with warnings.catch_warnings():
        # The size is checked against MAX_PIXELS by the caller, not by Pillow's own limit.
        warnings.simplefilter("ignore", Image.DecompressionBombWarning)
        try:
            with Image.open(path) as image:
                return image.size
        except Image.DecompressionBombError as exc:
            raise ImageTooLarge(f"the image is too large to decode safely ({exc})") from exc
        except (OSError, ValueError, SyntaxError, EOFError):
            return None


def _raw_size(path: Path) -> tuple[int, int]:
    """The larger of LibRaw's sensor size and what a TIFF-based RAW's own header claims (a
    TIFF named .dng claiming 100000x100000 is judged by that claim)."""
    sizes = []
    try:
        with rawpy.imread(str(path)) as raw:
            sizes.append((raw.sizes.raw_width, raw.sizes.raw_height))
    except (rawpy.LibRawError, OSError, ValueError) as exc:
        logger.info("LibRaw cannot open %s: %s", path.name, exc)
    if (header := _image_size(path)) is not None:
        sizes.append(header)
    if not sizes:
        raise NotAnImage("the file starts like a RAW photo but cannot be read as one")
    return max(sizes, key=lambda size: size[0] * size[1])


def _video_size(path: Path) -> tuple[int, int]:
    if shutil.which("ffprobe") is None:
        raise NotAnImage("videos cannot be checked on this server (ffprobe is not installed)")
    command = ["ffprobe", "-v", "error", "-select_streams", "v:0"]
    command += ["-show_entries", "stream=width,height", "-of", "json", str(path)]
    try:
        done = subprocess.run(
            command, capture_output=True, timeout=FFPROBE_SECONDS, check=False, text=True
        )
        streams = json.loads(done.stdout or "{}").get("streams") or []
    except (subprocess.TimeoutExpired, json.JSONDecodeError) as exc:
        raise NotAnImage("the file starts like a video but ffprobe cannot read it") from exc
    if done.returncode != 0 or not streams:
        raise NotAnImage("the file starts like a video but has no video stream ffprobe reads")
    return int(streams[0].get("width") or 0), int(streams[0].get("height") or 0)


def video_duration(path: Path) -> float | None:
    """Seconds from ffprobe: the container's duration, or else the end of its last video
    packet (a live-recorded WebM, as MediaRecorder writes, states no duration at all)."""
    if shutil.which("ffprobe") is None:
        return None
    command = ["ffprobe", "-v", "error", "-select_streams", "v:0", "-show_entries"]
    command += ["format=duration:packet=pts_time,duration_time", "-of", "json", str(path)]
    try:
        done = subprocess.run(
            command, capture_output=True, timeout=FFPROBE_SECONDS, check=False, text=True
        )
        probed = json.loads(done.stdout or "{}")
    except (subprocess.TimeoutExpired, json.JSONDecodeError) as exc:
        logger.info("ffprobe gave no duration for %s: %s", path.name, exc)
        return None
    seconds = _seconds(probed.get("format", {}).get("duration"))
    if seconds is None:
        ends = [
            (_seconds(packet.get("pts_time")) or 0) + (_seconds(packet.get("duration_time")) or 0)
            for packet in probed.get("packets") or []
        ]
        seconds = max(ends, default=0) or None
    return seconds


def _seconds(value) -> float | None:
    try:
        seconds = float(value)
    except (TypeError, ValueError):
        return None
    return seconds if seconds > 0 and seconds != float("inf") else None
