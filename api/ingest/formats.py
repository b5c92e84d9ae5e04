"""Opening any supported file as (pixels, facts): Pillow images, RAW previews, video posters.

Everything is read-only: RAW files are read by LibRaw (rawpy), videos by ffmpeg reading
the original in place; nothing is written next to the original.
"""

import io
import logging
import shutil
import subprocess
import warnings
from dataclasses import dataclass
from pathlib import Path

import pillow_heif
import rawpy
from PIL import Image

from api.exceptions import ImageTooLarge, UnreadableFile
from api.ingest.exif import ExifFacts, exif_from_exiftool, exif_from_pillow
from api.ingest.probing import pixels_check, video_duration
from api.ingest.sniffing import Sniffed

logger = logging.getLogger(__name__)

pillow_heif.register_heif_opener()

_SWAPPING_ORIENTATIONS = {5, 6, 7, 8}


@dataclass
class Media:
    """An opened file: pixels not decoded yet (Pillow opens lazily), facts already read.

    `width`/`height` are as displayed. `orientation` is the raw EXIF value; `apply_orientation`
    says whether the pixels still have to be turned (pillow-heif and ffmpeg turn them already).
    """

    image: Image.Image | None
    facts: ExifFacts
    width: int | None
    height: int | None
    orientation: int | None
    apply_orientation: bool
    is_video: bool = False
    duration: float | None = None
    # Why there are no pixels, when `image` is None.
    error: str = ""

    def close(self) -> None:
        if self.image is not None:
            self.image.close()


def _displayed(width: int | None, height: int | None, orientation: int | None):
    if width and height and orientation in _SWAPPING_ORIENTATIONS:
        return height, width
    return width, height


def media_open(path: Path, sniffed: Sniffed) -> Media:
    """Open `path` as its sniffed kind; raises UnreadableFile when Pillow cannot even parse it
    and ImageTooLarge (before any pixel is decoded) past settings.MAX_PIXELS."""
    if sniffed.kind == "raw":
        return _raw_open(path)
    if sniffed.kind == "video":
        return _video_open(path)
    image = _image_open(path)
    if image.format == "PNG":
        _png_load(image)
    facts = exif_from_pillow(image)
    if image.format in ("HEIF", "AVIF"):
        # libheif already applied the container's rotation (irot/imir) to what it decodes.
        orientation = image.info.get("original_orientation") or facts.orientation
        return Media(image, facts, image.width, image.height, orientation, False)
    width, height = _displayed(image.width, image.height, facts.orientation)
    return Media(image, facts, width, height, facts.orientation, True)


def _image_open(source: Path | io.BytesIO) -> Image.Image:
    """Pillow's lazy open, refused past MAX_PIXELS (the one limit, not Pillow's own)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", Image.DecompressionBombWarning)
        try:
            image = Image.open(source)
        except Image.DecompressionBombError as exc:
            raise ImageTooLarge(f"the image is too large to decode safely ({exc})") from exc
        except (OSError, ValueError, SyntaxError, EOFError) as exc:
            raise UnreadableFile(f"cannot read image: {exc}") from exc
    try:
        pixels_check(*image.size)
    except ImageTooLarge:
        image.close()
        raise
    return image


def _png_load(image: Image.Image) -> None:
    """Decode a PNG before its EXIF is read: Pillow looks for EXIF after the pixels by
    decoding them, and a failed decode there would leave a blank image that later loads
    without complaint. A truncated PNG is left to the thumbnails' partial decode."""
    try:
        image.load()
    except (OSError, ValueError, SyntaxError, EOFError) as exc:
        if "truncated" not in str(exc):
            image.close()
            raise UnreadableFile(f"cannot decode image: {exc}") from exc


def _raw_open(path: Path) -> Media:
    """RAW: metadata from exiftool; pixels from the embedded JPEG preview, else a half-size
    LibRaw development. Metadata-only RAW files still yield their facts, with `error` set."""
    facts = exif_from_exiftool(path)
    pixels_check(facts.width, facts.height)
    width, height = _displayed(facts.width, facts.height, facts.orientation)
    image, apply_orientation, error = None, False, ""
    try:
        with rawpy.imread(str(path)) as raw:
            pixels_check(raw.sizes.raw_width, raw.sizes.raw_height)
            try:
                thumb = raw.extract_thumb()
            except (rawpy.LibRawError, ValueError) as exc:
                logger.debug("no embedded preview in %s: %s", path, exc)
                thumb = None
            if thumb is not None and thumb.format == rawpy.ThumbFormat.JPEG:
                image, apply_orientation = _image_open(io.BytesIO(thumb.data)), True
            elif thumb is not None and thumb.format == rawpy.ThumbFormat.BITMAP:
                image, apply_orientation = Image.fromarray(thumb.data), True
            else:
                image = Image.fromarray(raw.postprocess(half_size=True, use_camera_wb=True))
    except (rawpy.LibRawError, OSError, ValueError, UnreadableFile) as exc:
        error = f"RAW image data cannot be decoded: {exc}"
    if width is None and image is not None:
        width, height = (image.width, image.height)
        if apply_orientation:
            width, height = _displayed(width, height, facts.orientation)
    return Media(image, facts, width, height, facts.orientation, apply_orientation, error=error)


def _video_open(path: Path) -> Media:
    """Video: metadata and duration from exiftool (ffprobe when the container states none, as
    in a browser-recorded WebM); the poster is a frame ffmpeg decodes (and rotates as the
    container says) one second in, or at the start of shorter clips."""
    facts = exif_from_exiftool(path)
    duration = facts.duration or video_duration(path)
    image, error = None, ""
    if shutil.which("ffmpeg") is None:
        error = "ffmpeg is not installed"
    else:
        seek = 1.0 if duration is None or duration > 2 else 0.0
        image, error = _video_frame(path, seek)
        if image is None and seek:
            image, error = _video_frame(path, 0.0)
    width, height = (image.width, image.height) if image else (facts.width, facts.height)
    return Media(image, facts, width, height, None, False, True, duration, error)


def _video_frame(path: Path, seek: float) -> tuple[Image.Image | None, str]:
    command = ["ffmpeg", "-nostdin", "-v", "error", "-ss", f"{seek:.3f}", "-i", str(path)]
    command += ["-frames:v", "1", "-f", "image2pipe", "-vcodec", "png", "-"]
    done = subprocess.run(command, capture_output=True, timeout=120, check=False)
    if done.returncode != 0 or not done.stdout:
        return None, f"no video frame: {done.stderr.decode(errors='replace').strip()[:300]}"
    image = _image_open(io.BytesIO(done.stdout))
    image.load()
    return image, ""
