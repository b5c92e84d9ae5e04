"""Face crops (People covers, the review queue): each face cut once and kept on disk.

A crop lives beside its photo's thumbnails, named by the photo's content hash, the face's id
and box and VERSION, so `thumbnails.cache_delete` removes it with the photo and a changed photo (new
hash) never serves an old one. A face's box never changes in place (re-detection makes new
faces and deletes the old ones, `face_crops_delete`), so a crop URL with `?v=VERSION` can be
cached by the browser for good. Written to a temporary name and renamed, like thumbnails.
"""

import io
import os
from pathlib import Path

from PIL import Image

from api.ingest.thumbnails import thumbnail_path
from api.ml import faces as face_model
from api.models import Face, Photo

VERSION = "1"
# A crop shows the face with this much of its size around it, at most this many pixels.
CROP_MARGIN = 0.3
CROP_MAX_SIDE = 256


def face_crop_path(*, face: Face, photo: Photo) -> Path:
    """Where the crop of `face` (a face of `photo`) is kept; it may not exist yet."""
    folder = thumbnail_path(photo=photo, size="small").parent
    box = "-".join(str(side) for side in face.box)
    return folder / f"{photo.content_hash}.face{face.pk}.{box}.v{VERSION}.jpg"


def face_crop_url(face_id: int) -> str:
    """The crop's URL; its `v` changes whenever a crop of the same face could look different."""
    return f"/api/faces/{face_id}/crop/?v={VERSION}"


def face_crop_ensure(
    *, face: Face, image: Image.Image | None = None, display_size: tuple[int, int] | None = None
) -> Path:
    """The crop's file, made now if missing: from `image` (the photo as displayed, at any
    scale, of `display_size` at full size) when the caller has it decoded, else from the big
    thumbnail, else from the file.

    Raises what loading the photo raises (UnreadableFile) when there is no picture at all.
    """
    photo = face.photo
    path = face_crop_path(face=face, photo=photo)
    if path.exists():
        return path
    crop = _crop(image, face, display_size) if image is not None and display_size else _cut(face)
    out = io.BytesIO()
    crop.save(out, format="JPEG", quality=90)
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    temporary.write_bytes(out.getvalue())
    temporary.replace(path)
    return path


def face_crops_delete(*, photo: Photo, face_ids: list[int]) -> int:
    """Remove the crops of these faces of `photo` (faces replaced by a new detection)."""
    folder = thumbnail_path(photo=photo, size="small").parent
    removed = 0
    for face_id in face_ids:
        for path in folder.glob(f"{photo.content_hash}.face{face_id}.*"):
            path.unlink(missing_ok=True)
            removed += 1
    return removed


def _cut(face: Face) -> Image.Image:
    """The crop from the big thumbnail, decoded at the smallest JPEG scale that still gives it
    CROP_MAX_SIDE pixels; until the thumbnail exists, from the photo's file."""
    photo = face.photo
    big = thumbnail_path(photo=photo, size="big")
    if photo.width and photo.height and big.exists():
        with Image.open(big) as image:
            full = image.size
            side = max(face.right - face.left, face.bottom - face.top) * (1 + 2 * CROP_MARGIN)
            reduce = max(1, int(side * full[0] / photo.width // CROP_MAX_SIDE))
            image.draft("RGB", (full[0] // reduce, full[1] // reduce))
            return _crop(image, face, (photo.width, photo.height))
    array, size = face_model.load_photo_image(photo)
    return _crop(Image.fromarray(array), face, size)


def _crop(image: Image.Image, face: Face, size: tuple[int, int]) -> Image.Image:
    """The face's box (in displayed pixels of a photo of `size`) and its margin, cut from
    `image` (the photo at any scale) and fitted in CROP_MAX_SIDE."""
    scale_x, scale_y = image.width / size[0], image.height / size[1]
    margin_x = (face.right - face.left) * CROP_MARGIN
    margin_y = (face.bottom - face.top) * CROP_MARGIN
    box = (
        max(0, round((face.left - margin_x) * scale_x)),
        max(0, round((face.top - margin_y) * scale_y)),
        min(image.width, round((face.right + margin_x) * scale_x)),
        min(image.height, round((face.bottom + margin_y) * scale_y)),
    )
    crop = image.crop(box).convert("RGB")
    crop.thumbnail((CROP_MAX_SIDE, CROP_MAX_SIDE), Image.Resampling.LANCZOS)
    return crop
