"""Face detection and 128-d encoding with dlib (weights from `face_recognition_models`).

The models load once per process on first use. HOG detection runs on the displayed image
(EXIF orientation applied) at most DETECT_MAX_SIDE px; landmarks and encodings are taken on
the image given (the big thumbnail), and boxes come back in displayed-image pixels of the
full photo.
"""

import functools
import logging
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from django.conf import settings
from PIL import Image, ImageOps

from api.exceptions import UnreadableFile
from api.ingest.confinement import file_confine
from api.ingest.thumbnails import thumbnail_path
from api.ml import registry

logger = logging.getLogger(__name__)

MODEL_NAME = "dlib_face_recognition_resnet_model_v1"
MODEL_VERSION = registry.MODELS[MODEL_NAME]

# HOG finds faces of 80 px and more. Images whose longest side is at most this are upsampled
# once (faces from 40 px): that pass costs about as much as one at the big thumbnail size.
# Measured on the corpus (bench/faces.py): never upsampling finds 45 of 52 faces (it misses
# the 128 px portraits); always upsampling finds 51 at 1.7x the time of this rule, which
# finds the same 51.
UPSAMPLE_MAX_SIDE = 720
# HOG's cost grows with the pixels it scans: on a 1440 px thumbnail it took 184 ms of CPU a
# photo (the bench's 12 MP photos), at 960 px 71 ms, with the same faces found in the corpus
# (the smallest it then finds are 80 px at 960, 8% of the long side). Larger images are
# scanned downscaled to this and the boxes mapped back.
DETECT_MAX_SIDE = 960


@dataclass(frozen=True)
class DetectedFace:
    # top, right, bottom, left in displayed-image pixels of the full photo
    box: tuple[int, int, int, int]
    encoding: np.ndarray
    detector: str


@dataclass(frozen=True)
class _Models:
    detector_name: str
    detector: object
    shape_predictor: object
    encoder: object


def default_detector() -> str:
    """The CNN detector finds more faces (profiles too) but needs CUDA to be fast; else HOG."""
    import dlib

    return "cnn" if dlib.DLIB_USE_CUDA else "hog"


@functools.cache
def _models(name: str) -> _Models:
    """Load dlib's detector, landmark and encoder models once per process."""
    import dlib

    with warnings.catch_warnings():
        # face_recognition_models still imports pkg_resources to find its files.
        warnings.simplefilter("ignore", UserWarning)
        import face_recognition_models

    if name == "cnn":
        detector = dlib.cnn_face_detection_model_v1(
            face_recognition_models.cnn_face_detector_model_location()
        )
    else:
        detector = dlib.get_frontal_face_detector()
    logger.info("Loaded dlib face models (%s detector)", name)
    return _Models(
        detector_name=name,
        detector=detector,
        # The 5-point landmarks align the chip the encoder was trained on, in a tenth of
        # the 68-point model's memory (9 MB against 100 MB a worker process).
        shape_predictor=dlib.shape_predictor(
            face_recognition_models.pose_predictor_five_point_model_location()
        ),
        encoder=dlib.face_recognition_model_v1(
            face_recognition_models.face_recognition_model_location()
        ),
    )


def load_display_image(
    path: Path, *, max_side: int | None = None
) -> tuple[np.ndarray, tuple[int, int]]:
    """The photo as shown (orientation applied) as RGB, at most `max_side` px, and its full size.

    Used until the big thumbnail exists; raises what Pillow raises for an unreadable file.
    """
    max_side = max_side or settings.THUMBNAIL_SIZES["big"]
    with Image.open(path) as image:
        image = ImageOps.exif_transpose(image)
        size = image.size
        image = image.convert("RGB")
        image.thumbnail((max_side, max_side), Image.Resampling.LANCZOS)
        return np.asarray(image), size


def detect_faces(
    image: np.ndarray,
    *,
    display_size: tuple[int, int],
    detector: str | None = None,
    upsample: int | None = None,
) -> list[DetectedFace]:
    """Find and encode every face in `image`, an RGB array of the displayed photo at any scale.

    `display_size` is the full photo's displayed (width, height); boxes are scaled to it.
    `detector` is "hog" or "cnn"; by default the CNN with CUDA, HOG without. `upsample`
    defaults to once for images up to UPSAMPLE_MAX_SIDE, else none.
    """
    models = _models(detector or default_detector())
    image = np.ascontiguousarray(image, dtype=np.uint8)
    height, width = image.shape[:2]
    if upsample is None:
        upsample = 1 if max(width, height) <= UPSAMPLE_MAX_SIDE else 0
    if models.detector_name == "cnn":
        rects = [found.rect for found in models.detector(image, upsample)]
    else:
        rects = _hog_detect(models.detector, image, upsample)
    if not rects:
        return []
    encodings = [
        models.encoder.compute_face_descriptor(image, models.shape_predictor(image, rect), 1)
        for rect in rects
    ]
    scale_x, scale_y = display_size[0] / width, display_size[1] / height
    faces = []
    for rect, encoding in zip(rects, encodings, strict=True):
        top = _clip(rect.top() * scale_y, display_size[1])
        bottom = _clip(rect.bottom() * scale_y, display_size[1])
        left = _clip(rect.left() * scale_x, display_size[0])
        right = _clip(rect.right() * scale_x, display_size[0])
        faces.append(
            DetectedFace(
                box=(top, right, bottom, left),
                encoding=np.asarray(encoding, dtype=np.float32),
                detector=models.detector_name,
            )
        )
    return faces


def _hog_detect(detector, image: np.ndarray, upsample: int) -> list:
    """HOG's face rectangles in `image` pixels, scanned at most DETECT_MAX_SIDE px."""
    import dlib

    height, width = image.shape[:2]
    scale = DETECT_MAX_SIDE / max(width, height)
    if upsample or scale >= 1:
        return list(detector(image, upsample))
    size = (max(1, round(width * scale)), max(1, round(height * scale)))
    small = np.asarray(Image.fromarray(image).resize(size, Image.Resampling.BILINEAR))
    back_x, back_y = width / size[0], height / size[1]
    return [
        dlib.rectangle(
            round(rect.left() * back_x),
            round(rect.top() * back_y),
            round(rect.right() * back_x),
            round(rect.bottom() * back_y),
        )
        for rect in detector(small, 0)
    ]


def encode_regions(
    image: np.ndarray, *, boxes: list[tuple[int, int, int, int]], display_size: tuple[int, int]
) -> list[DetectedFace]:
    """Encode faces at given boxes (top, right, bottom, left in displayed pixels of the full
    photo), e.g. regions another app drew where the detector found nothing."""
    import dlib

    models = _models(default_detector())
    image = np.ascontiguousarray(image, dtype=np.uint8)
    height, width = image.shape[:2]
    scale_x, scale_y = width / display_size[0], height / display_size[1]
    faces = []
    for top, right, bottom, left in boxes:
        x0, y0 = round(left * scale_x), round(top * scale_y)
        rect = dlib.rectangle(x0, y0, round(right * scale_x), round(bottom * scale_y))
        shape = models.shape_predictor(image, rect)
        encoding = models.encoder.compute_face_descriptor(image, shape, 1)
        faces.append(
            DetectedFace(
                box=(top, right, bottom, left),
                encoding=np.asarray(encoding, dtype=np.float32),
                detector="region",
            )
        )
    return faces


def _clip(value: float, limit: int) -> int:
    return min(max(round(value), 0), limit)


def encoding_to_bytes(encoding: np.ndarray) -> bytes:
    return np.asarray(encoding, dtype="<f4").tobytes()


def encodings_from_bytes(blobs: list[bytes]) -> np.ndarray:
    """Stack stored encodings into an (n, 128) float32 array."""
    if not blobs:
        return np.empty((0, 128), dtype=np.float32)
    return np.frombuffer(b"".join(bytes(blob) for blob in blobs), dtype="<f4").reshape(-1, 128)


def load_photo_image(photo) -> tuple[np.ndarray, tuple[int, int]]:
    """The photo as shown, at most the big thumbnail size, and its full displayed size.

    Read from the big thumbnail (orientation applied, no full decode of the original);
    until it exists, from the photo's first readable file. Raises UnreadableFile when the
    photo has neither.
    """
    big = thumbnail_path(photo=photo, size="big")
    if photo.width and photo.height and big.exists():
        with Image.open(big) as image:
            return np.asarray(image.convert("RGB")), (photo.width, photo.height)
    file = (
        photo.files.filter(missing=False, error="").select_related("owner").order_by("pk").first()
    )
    if file is None:
        raise UnreadableFile(f"Photo {photo.pk} has no readable file.")
    return load_display_image(file_confine(file=file))
