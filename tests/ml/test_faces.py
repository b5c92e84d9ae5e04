import pytest

from api.ml import faces
from tests.conftest import SHARED_PHOTOS

# Not database-specific: run in the PostgreSQL run only.
pytestmark = pytest.mark.once


def _centre_inside(box, ltrb) -> bool:
    top, right, bottom, left = box
    x, y = (left + right) / 2, (top + bottom) / 2
    return ltrb[0] <= x <= ltrb[2] and ltrb[1] <= y <= ltrb[3]


def test_every_face_the_manifest_lists_is_found_where_it_is(manifest, face_detections):
    """Counts and places (the manifest's CNN boxes, in displayed pixels) for every face photo.

    The one face HOG cannot see (a profile in the Curie portrait; the manifest records HOG's
    count) is covered by the CNN detector test below.
    """
    for path, detected in face_detections.items():
        facts = manifest[path]["faces"]
        check = facts["detector_check"]
        expected = check["dlib_hog_count"] if faces.default_detector() == "hog" else facts["count"]
        assert len(detected) == expected, path
        for face in detected:
            assert any(_centre_inside(face.box, ltrb) for ltrb in check["dlib_cnn_boxes_ltrb"]), (
                path,
                face.box,
            )
            assert face.encoding.shape == (128,)


def test_hog_misses_only_the_faces_the_manifest_says_it_misses(manifest, face_detections):
    missed = {
        path: manifest[path]["faces"]["count"] - len(found)
        for path, found in face_detections.items()
        if len(found) != manifest[path]["faces"]["count"]
    }
    assert missed == {"faces/_groups/curie_xmp_face_regions.jpg": 1}


def test_cnn_detector_finds_both_faces_hog_half_misses(faces_folder, manifest):
    path = "faces/_groups/curie_xmp_face_regions.jpg"
    image, size = faces.load_display_image(faces_folder.parent / path)
    found = faces.detect_faces(image, display_size=size, detector="cnn")
    boxes = manifest[path]["faces"]["detector_check"]["dlib_cnn_boxes_ltrb"]
    assert len(found) == manifest[path]["faces"]["count"] == 2
    for ltrb in boxes:
        assert sum(_centre_inside(face.box, ltrb) for face in found) == 1
    assert {face.detector for face in found} == {"cnn"}


def test_exif_orientation_is_applied_before_detection(manifest):
    """hopper_orientation_6.webp stores the picture turned, with Orientation=6 to show it
    upright: its face must be where the plain hopper.webp has it."""
    boxes = {}
    for path in ("orientation/hopper_orientation_6.webp", "formats/webp/hopper.webp"):
        image, size = faces.load_display_image(SHARED_PHOTOS / path)
        assert size == (manifest[path]["display_width"], manifest[path]["display_height"])
        found = faces.detect_faces(image, display_size=size)
        assert len(found) == manifest[path]["faces"]["count"] == 1
        boxes[path] = found[0].box
    rotated, plain = boxes.values()
    assert all(abs(a - b) <= 6 for a, b in zip(rotated, plain, strict=True)), boxes


def test_boxes_are_scaled_back_to_the_full_photo(faces_folder, manifest):
    """Detecting on a half-size image gives boxes in the same full-photo pixels."""
    path = "faces/_groups/two_people_obama_biden.jpg"
    full, size = faces.load_display_image(faces_folder.parent / path)
    half, _ = faces.load_display_image(faces_folder.parent / path, max_side=max(size) // 2)
    assert max(half.shape[:2]) == max(size) // 2
    at_full = sorted(face.box for face in faces.detect_faces(full, display_size=size))
    at_half = sorted(face.box for face in faces.detect_faces(half, display_size=size))
    assert len(at_full) == len(at_half) == 2
    for a, b in zip(at_full, at_half, strict=True):
        size = a[2] - a[0]
        assert abs((a[1] + a[3]) / 2 - (b[1] + b[3]) / 2) <= 0.15 * size
        assert abs((a[0] + a[2]) / 2 - (b[0] + b[2]) / 2) <= 0.15 * size
        assert abs((b[2] - b[0]) - size) <= 0.25 * size


def test_a_file_that_is_not_an_image_raises_oserror(tmp_path):
    path = tmp_path / "text.jpg"
    path.write_text("not an image")
    with pytest.raises(OSError, match="cannot identify"):
        faces.load_display_image(path)
