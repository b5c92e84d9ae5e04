import pytest

from api.exceptions import NotAnImage
from api.ingest.sniffing import mime_kind, sniff_bytes, sniff_path
from tests.conftest import SHARED_PHOTOS
from tests.ingest.conftest import MANIFEST

# The manifest names image/heic for HEIF files whose brand is heic; the rest are as stated.
SNIFFABLE = [entry for entry in MANIFEST if entry["mime"] and entry["mime"] != "text/plain"]


@pytest.mark.parametrize("entry", SNIFFABLE, ids=lambda entry: entry["path"])
def test_sniff_path_tells_the_type_from_content(entry):
    assert sniff_path(SHARED_PHOTOS / entry["path"]).mime == entry["mime"]


@pytest.mark.parametrize(
    ("path", "reason"),
    [("broken/text_file_named.jpg", "not an image"), ("broken/zero_bytes.jpg", "empty file")],
)
def test_sniff_path_rejects_what_is_not_an_image(path, reason):
    with pytest.raises(NotAnImage, match=reason):
        sniff_path(SHARED_PHOTOS / path)


def test_sniff_bytes_tells_videos_and_raw_apart():
    mp4 = b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom"
    mov = b"\x00\x00\x00\x14ftypqt  \x00\x00\x00\x00qt  "
    cr3 = b"\x00\x00\x00\x18ftypcrx \x00\x00\x00\x01crx isom"
    assert sniff_bytes(mp4).mime == "video/mp4"
    assert sniff_bytes(mov).mime == "video/quicktime"
    assert sniff_bytes(cr3).kind == "raw"
    assert sniff_bytes(b"II*\x00\x08\x00\x00\x00", suffix=".ARW").mime == "image/x-sony-arw"
    assert sniff_bytes(b"II*\x00\x08\x00\x00\x00", suffix=".tif").mime == "image/tiff"
    assert [mime_kind(m) for m in ("video/mp4", "image/x-sony-arw", "image/png")] == [
        "video",
        "raw",
        "image",
    ]
