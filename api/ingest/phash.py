"""Perceptual hashes: the 64-bit imagehash pHash of what a photo displays.

Re-encoded, resized or lightly edited copies of a picture keep (nearly) the same hash, so
similar photos, search by image and the duplicate finder work without any model. The hash is
taken from the thumbnails (orientation applied), stored as a signed 64-bit integer so it
fits a BigIntegerField on every database. Beside it the mean colour (0xRRGGBB) breaks ties
between flat pictures, whose pHash says nothing (a white, a grey and a blue square all hash
to the same value), and gives a grid its placeholder colour.
"""

import logging

import imagehash
import numpy as np
from PIL import Image, ImageStat

from api.ingest import thumbnails
from api.ingest.thumbnails import DECODE_ERRORS
from api.models import Photo
from api.services.steps import DONE, FAILED, step_done, step_set, steps_save

logger = logging.getLogger(__name__)

VERSION = "1"
BITS = 64
# imagehash.phash reduces to 32x32 before its DCT; decoding a JPEG at 1/8 scale is plenty.
_DRAFT_SIZE = (128, 128)


# The hash of a picture with no contrast (a blank, an all-black RAW preview): its pHash would
# be the DCT of compression noise, so every flat picture gets this one value instead.
FLAT = 0
# Standard deviation of the grey levels (0-255) below which a picture counts as flat.
_FLAT_STDDEV = 2.0


def phash_of_image(image: Image.Image) -> int:
    """The signed 64-bit pHash of `image` as displayed (the caller applies orientation)."""
    grey = image.convert("L")
    if ImageStat.Stat(grey).stddev[0] < _FLAT_STDDEV:
        return FLAT
    value = int(str(imagehash.phash(grey)), 16)
    return value - (1 << BITS) if value >= 1 << (BITS - 1) else value


def mean_color_of_image(image: Image.Image) -> int:
    """The mean colour of `image` packed as 0xRRGGBB."""
    red, green, blue = (round(value) for value in ImageStat.Stat(image.convert("RGB")).mean[:3])
    return (red << 16) | (green << 8) | blue


def color_distance(color: int, others: np.ndarray) -> np.ndarray:
    """Sum of absolute channel differences between one 0xRRGGBB colour and an int64 array."""
    total = np.zeros(others.shape, dtype=np.int64)
    for shift in (16, 8, 0):
        total += np.abs(((others >> shift) & 0xFF) - ((color >> shift) & 0xFF))
    return total


def phash_store(*, photo: Photo, image: Image.Image | None = None) -> int | None:
    """Hash `image`, the small thumbnail as just made, else the big thumbnail of `photo` read
    back, into `photo.phash` and `photo.mean_color` (not saved: the caller saves).

    Both give the same hash: measured over 167 photos, 137 equal and 30 two bits apart (mean
    colours within 3), and the small one in memory costs 1.3 ms against 6.2 ms.
    Returns the hash, or None (step marked failed) when there is no readable thumbnail.
    """
    if image is not None:
        value, color = phash_of_image(image), mean_color_of_image(image)
    else:
        try:
            value, color = _big_thumbnail_hash(photo)
        except (FileNotFoundError, *DECODE_ERRORS) as exc:
            photo.phash = photo.mean_color = None
            step_set(photo, "phash", state=FAILED, version=VERSION, error=str(exc))
            return None
    photo.phash, photo.mean_color = value, color
    step_set(photo, "phash", state=DONE, version=VERSION)
    return value


def _big_thumbnail_hash(photo: Photo) -> tuple[int, int]:
    path = thumbnails.thumbnail_path(photo=photo, size="big")
    with Image.open(path) as image:
        image.draft("RGB", _DRAFT_SIZE)
        return phash_of_image(image), mean_color_of_image(image)


def phash_backfill(*, photos=None) -> int:
    """Hash every photo that has a thumbnail but no current hash; returns how many were done.

    Idempotent: photos whose hash step is done at this version are not read again.
    """
    queryset = photos if photos is not None else Photo.objects.all()
    done = 0
    for photo in queryset.filter(is_video=False).iterator(chunk_size=500):
        if step_done(photo, "phash", VERSION):
            continue
        if not thumbnails.thumbnail_path(photo=photo, size="big").exists():
            continue
        phash_store(photo=photo)
        photo.save(update_fields=["phash", "mean_color", "updated_at"])
        steps_save(photo=photo, names=["phash"])
        done += 1
    return done


def hamming(value: int, others: np.ndarray) -> np.ndarray:
    """Hamming distances between one signed 64-bit hash and an int64 array of hashes."""
    return np.bitwise_count(np.bitwise_xor(others, np.int64(value)).view(np.uint64))
