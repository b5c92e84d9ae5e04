"""Every format the README promises is indexed, told by its content: the corpus' formats
folder, and the extensions it lacks made here (APNG, WebM, 3GP, MPEG-TS, M2TS)."""

import shutil
import subprocess

import pytest
from PIL import Image

from api.ingest import thumbnails
from api.ingest.scan import library_scan
from api.ingest.sniffing import KNOWN_EXTENSIONS, sniff_path
from api.ingest.walking import walk_library
from api.models import File
from api.services.users import library_add
from tests.conftest import SHARED_PHOTOS

FORMATS = SHARED_PHOTOS / "formats"
# Clips of one second, as cameras and phones write them.
CLIPS = {
    "clip.webm": ["-c:v", "libvpx"],
    "clip.3gp": ["-c:v", "mpeg4", "-s", "176x144"],
    "clip.mts": ["-f", "mpegts", "-c:v", "mpeg2video"],
    "clip.m2ts": ["-f", "mpegts", "-mpegts_m2ts_mode", "1", "-c:v", "mpeg2video"],
}
KINDS = {
    "clip.webm": "video/webm",
    "clip.3gp": "video/3gpp",
    "clip.mts": "video/mp2t",
    "clip.m2ts": "video/mp2t",
    "moving.apng": "image/png",
}


def test_every_file_of_the_corpus_formats_folder_is_walked_and_typed_by_content():
    files = sorted(path for path in FORMATS.rglob("*") if path.is_file())
    walked = {path for path, _ in walk_library(FORMATS)}
    for path in files:
        assert path.suffix.lower() in KNOWN_EXTENSIONS, path
        assert str(path) in walked, path
        expected = "raw" if path.parent.name == "raw" else "image"
        assert sniff_path(path).kind == expected, path


@pytest.mark.django_db
def test_apng_webm_3gp_mts_and_m2ts_are_indexed_with_thumbnails(user, tmp_path):
    folder = tmp_path / "made"
    folder.mkdir()
    frames = [Image.new("RGB", (64, 48), color) for color in ("red", "blue", "green")]
    frames[0].save(folder / "moving.apng", save_all=True, append_images=frames[1:], duration=100)
    for name, options in CLIPS.items():
        source = ["-f", "lavfi", "-i", "testsrc=duration=1:size=176x144:rate=5"]
        subprocess.run(["ffmpeg", "-v", "error", "-y", *source, *options, str(folder / name)])
    shutil.copy(FORMATS / "heic" / "samplefilehub.heif", folder)
    library_add(user=user, path=folder)

    counts = library_scan(user=user)

    assert (counts["new"], counts["failed"]) == (len(CLIPS) + 2, 0)
    for name, mime in KINDS.items():
        file = File.objects.select_related("photo").get(path=str(folder / name))
        assert file.mime == mime, name
        assert file.photo.is_video == mime.startswith("video/"), name
        assert thumbnails.thumbnails_exist(photo=file.photo), name
