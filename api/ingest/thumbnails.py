"""Thumbnails: `small` (≤256 px, WebP) and `big` (≤1440 px, JPEG), orientation applied.

They live under settings.THUMBNAIL_DIR keyed by owner and content hash, so a Photo alone
says where its thumbnails are and a moved file keeps them. Each is written once to a
temporary name and renamed, so a reader never sees half a file and a rerun is harmless.
The big one is JPEG because encoding WebP at 1440 px costs ~4x more CPU than JPEG.
"""

import logging
import os
from pathlib import Path

from django.conf import settings
from PIL import Image, ImageFile

from api.exceptions import UnreadableFile
from api.ingest.formats import Media
from api.models import Photo

logger = logging.getLogger(__name__)

VERSION = "1"
# What Pillow and its plugins raise on pixels they cannot decode.
DECODE_ERRORS = (OSError, EOFError, ValueError, SyntaxError, Image.DecompressionBombError)
_FORMATS = {
    "small": ("WEBP", ".webp", "image/webp", {"quality": 80, "method": 4}),
    "big": ("JPEG", ".jpg", "image/jpeg", {"quality": 85}),
}
_TRANSPOSE = {
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}


def thumbnail_path(*, photo: Photo, size: str) -> Path:
    """Where the `size` ("small" or "big") thumbnail of `photo` is; it may not exist yet."""
    if size not in _FORMATS:
        raise ValueError(f"unknown thumbnail size {size!r}")
    digest = photo.content_hash
    name = f"{digest}.{size}{_FORMATS[size][1]}"
    return Path(settings.THUMBNAIL_DIR) / str(photo.owner_id) / digest[:2] / name


def cache_delete(*, photo: Photo) -> int:
    """Remove everything cached for `photo`: its thumbnails and the renditions kept beside them
    (full-size JPEG, transcoded video and their markers), all named by its content hash."""
    folder = thumbnail_path(photo=photo, size="small").parent
    removed = 0
    for path in folder.glob(f"{photo.content_hash}.*"):
        path.unlink(missing_ok=True)
        removed += 1
    return removed


def thumbnail_mime(size: str) -> str:
    """The Content-Type of a `size` thumbnail."""
    return _FORMATS[size][2]


def thumbnails_exist(*, photo: Photo) -> bool:
    return all(thumbnail_path(photo=photo, size=size).exists() for size in _FORMATS)


def thumbnails_make(*, photo: Photo, media: Media) -> tuple[Image.Image, bool]:
    """Decode `media` once and write both thumbnails. Returns the small thumbnail's pixels
    (for the perceptual hash, without reading a thumbnail back) and whether the image could
    only be partly decoded (a truncated file): the thumbnails then show what was decoded.

    Raises UnreadableFile when there are no pixels at all.
    """
    big, partial = thumbnail_render(media=media)
    small = _fit(big, settings.THUMBNAIL_SIZES["small"])
    _write(big, thumbnail_path(photo=photo, size="big"), "big")
    _write(small, thumbnail_path(photo=photo, size="small"), "small")
    return small, partial


def thumbnail_render(*, media: Media) -> tuple[Image.Image, bool]:
    """The big thumbnail's pixels in memory (RGB, orientation applied) and whether the image
    was only partly decoded. Search by image renders an upload exactly as a stored photo.

    Raises UnreadableFile when there are no pixels at all.
    """
    if media.image is None:
        raise UnreadableFile(media.error or "no image data")
    longest = settings.THUMBNAIL_SIZES["big"]
    image, partial = _decode(media.image, longest)
    try:
        big = _fit(image, longest)
        if media.apply_orientation:
            big = oriented(big, media.orientation)
        big = rgb(big)
        if big is image:
            big = image.copy()
    finally:
        if image is not media.image:
            image.close()  # the re-opened truncated file
    return big, partial


def oriented(image: Image.Image, orientation: int | None) -> Image.Image:
    """`image` turned as its EXIF orientation says (the same image when upright)."""
    if orientation in _TRANSPOSE:
        return image.transpose(_TRANSPOSE[orientation])
    return image


def _decode(image: Image.Image, longest: int) -> tuple[Image.Image, bool]:
    """Load pixels, letting JPEG decode at 1/2, 1/4 or 1/8 scale when that still leaves at
    least `longest` px on the long side (libjpeg's DCT scaling: the big speed-up)."""
    if image.format == "JPEG":
        scale = longest / max(image.size)
        if scale < 1:
            image.draft("RGB", (round(image.width * scale), round(image.height * scale)))
    try:
        image.load()
        return image, False
    except DECODE_ERRORS as exc:
        if "truncated" not in str(exc) or not getattr(image, "filename", None):
            raise UnreadableFile(f"cannot decode image: {exc}") from exc
        logger.info("%s is truncated; keeping what decodes", image.filename)
    retry = Image.open(image.filename)
    if retry.format == "JPEG" and retry.size != image.size:
        retry.draft("RGB", image.size)
    ImageFile.LOAD_TRUNCATED_IMAGES = True
    try:
        retry.load()
    except DECODE_ERRORS as exc:
        raise UnreadableFile(f"cannot decode image: {exc}") from exc
    finally:
        ImageFile.LOAD_TRUNCATED_IMAGES = False
    return retry, True


def _fit(image: Image.Image, longest: int) -> Image.Image:
    """Downscale so the long side is at most `longest` (never upscale).

    After JPEG draft scaling the big thumbnail is less than 2x smaller than what was decoded,
    where Hamming (a windowed sinc of bilinear's support: sharper than bilinear, no ringing)
    costs half of bicubic (measured: 30 vs 60 ms for a 16 MP photo's 2451x1632 -> 1440x959,
    more than its decoding) and looks the same at that reduction. Larger reductions use
    Lanczos after a box reduction (reducing_gap=2), 2.5x faster than plain Lanczos for the
    small thumbnail.
    """
    scale = longest / max(image.size)
    if scale >= 1:
        return image
    size = (max(1, round(image.width * scale)), max(1, round(image.height * scale)))
    if image.mode not in ("RGB", "RGBA", "L", "LA"):
        image = rgb(image)
    if scale > 0.5:
        return image.resize(size, Image.Resampling.HAMMING)
    return image.resize(size, Image.Resampling.LANCZOS, reducing_gap=2.0)


def rgb(image: Image.Image) -> Image.Image:
    """RGB for the encoders; transparency is laid on white, as a viewer would show it."""
    if image.mode == "RGB":
        return image
    if image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info:
        rgba = image.convert("RGBA")
        background = Image.new("RGB", rgba.size, (255, 255, 255))
        background.paste(rgba, mask=rgba.getchannel("A"))
        return background
    if image.mode in ("I;16", "I;16B", "I;16L", "I"):
        image = image.point(lambda value: value / 256).convert("L")
    return image.convert("RGB")


def _write(image: Image.Image, path: Path, size: str) -> None:
    fmt, _, _, options = _FORMATS[size]
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        image.save(tmp, fmt, **options)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
