"""Google Takeout import on Takeout-shaped fixtures built from the corpus: a folder and the
same Takeout as two zip parts, every sidecar naming case, albums, motion photos."""

import datetime as dt
import io
import json
import subprocess
import tracemalloc
import zipfile
from pathlib import Path

import pytest
from django.core.management import call_command
from PIL import Image

from api import tasks
from api.ingest.takeout import takeout_import
from api.models import Album, File, Job, Photo
from api.models.photo import DateSource
from api.search.ranking import photos_search
from api.services.faces import photo_detect_faces
from api.services.users import library_add
from tests.conftest import SHARED_PHOTOS

EXIF = sorted((SHARED_PHOTOS / "exif").glob("*.jpg"))
DATED = SHARED_PHOTOS / "exif/Canon_40D.jpg"  # EXIF DateTimeOriginal 2008-05-30
OBAMA = SHARED_PHOTOS / "faces/barack_obama/obama.jpg"
YEAR = "Photos from 2019"
ALBUM = "Trip to Rome"
LONG = "Screenshot_2019-07-04-18-30-00-123_com.whatsapp.jpg"  # 51 characters
T0 = 1562265000  # 2019-07-04 18:30:00 UTC


def _small(source: Path, side: int) -> bytes:
    """A small JPEG of `source`'s pixels without any metadata: its date is the sidecar's."""
    out = io.BytesIO()
    with Image.open(source) as image:
        image = image.convert("RGB")
        image.thumbnail((side, side))
        image.save(out, "JPEG", quality=85)
    return out.getvalue()


def _sidecar(title: str, offset: int = 0, **extra) -> bytes:
    data = {
        "title": title,
        "photoTakenTime": {"timestamp": str(T0 + offset), "formatted": "…"},
        "geoData": {"latitude": 0.0, "longitude": 0.0, "altitude": 0.0},
        **extra,
    }
    return json.dumps(data).encode()


@pytest.fixture(scope="session")
def motion_mp4(tmp_path_factory) -> bytes:
    path = tmp_path_factory.mktemp("motion") / "clip.mp4"
    source = "testsrc=size=64x64:rate=10:duration=0.5"
    args = ["-v", "error", "-f", "lavfi", "-i", source, "-pix_fmt", "yuv420p", str(path)]
    subprocess.run(["ffmpeg", *args], check=True)
    return path.read_bytes()


def _pixel_motion_photo(mp4: bytes) -> bytes:
    """A Pixel motion photo: a JPEG whose XMP gives the appended MP4's length."""
    xmp = (
        '<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF '
        'xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"><rdf:Description '
        'xmlns:GCamera="http://ns.google.com/photos/1.0/camera/" GCamera:MicroVideo="1" '
        f'GCamera:MicroVideoOffset="{len(mp4)}"/></rdf:RDF></x:xmpmeta>'
    )
    out = io.BytesIO()
    with Image.open(EXIF[9]) as image:
        image.convert("RGB").resize((80, 60)).save(out, "JPEG", xmp=xmp.encode())
    return out.getvalue() + mp4


def _takeout(mp4: bytes) -> dict[str, bytes]:
    """{path inside the Takeout: bytes}, every naming case of the issue."""
    photos = iter(EXIF)
    files: dict[str, bytes] = {}

    def media(folder: str, name: str, data: bytes | None = None) -> bytes:
        files[f"{folder}/{name}"] = data if data is not None else _small(next(photos), 96)
        return files[f"{folder}/{name}"]

    def sidecar(folder: str, name: str, title: str, offset: int, **extra) -> None:
        files[f"{folder}/{name}"] = _sidecar(title, offset, **extra)

    rome = {"latitude": 41.9, "longitude": 12.5, "altitude": 21.0}
    shared = media(YEAR, "IMG_0001.jpg")
    sidecar(YEAR, "IMG_0001.jpg.json", "IMG_0001.jpg", 1, description="Colosseum", geoData=rome)
    media(ALBUM, "IMG_0001.jpg", shared)  # the same photo in an album
    sidecar(ALBUM, "IMG_0001.jpg.json", "IMG_0001.jpg", 1, description="Colosseum", geoData=rome)
    files[f"{ALBUM}/metadata.json"] = json.dumps({"title": ALBUM, "description": ""}).encode()
    media(YEAR, "IMG_0002.jpg")
    sidecar(YEAR, "IMG_0002.jpg.supplemental-metadata.json", "IMG_0002.jpg", 2, favorited=True)
    media(YEAR, "IMG_0003.jpg")
    sidecar(YEAR, "IMG_0003.jpg.json", "IMG_0003.jpg", 3)
    media(YEAR, "IMG_0003(1).jpg")
    sidecar(YEAR, "IMG_0003.jpg(1).json", "IMG_0003.jpg", 4, archived=True)
    media(YEAR, "IMG_0004(1).jpg")
    sidecar(YEAR, "IMG_0004.jpg.supplemental-metadata(1).json", "IMG_0004.jpg", 5, trashed=True)
    media(YEAR, "IMG_20190704_183000123.jpg")
    sidecar(YEAR, "IMG_20190704_183000123.jpg.supplemental-metad.json", "x.jpg", 6)
    media(YEAR, "IMG_0005.jpg")
    sidecar(YEAR, "IMG_0005.jpg.suppl.json", "IMG_0005.jpg", 7)
    media(YEAR, "IMG_0006.jpg")
    sidecar(YEAR, "IMG_0006.jpg.s.json", "IMG_0006.jpg", 8)
    media(YEAR, "Peanut Butter Balls.jpg")
    sidecar(YEAR, "Peanut Butter Balls.supplemental-metadata.json", "Peanut Butter Balls", 9)
    media(YEAR, LONG)
    sidecar(YEAR, f"{LONG[:46]}.json", LONG, 10)
    media(YEAR, "IMG_0007.jpg")
    media(YEAR, "IMG_0007-edited.jpg")
    media(YEAR, "IMG_0008-bearbeitet.jpg")
    sidecar(YEAR, "IMG_0007.jpg.json", "IMG_0007.jpg", 11)
    sidecar(YEAR, "IMG_0008.jpg.json", "IMG_0008.jpg", 12)
    media(YEAR, "renamed later.jpg")
    sidecar(YEAR, "original name.json", "renamed later.jpg", 13)
    media(YEAR, "no sidecar.jpg")
    sidecar(YEAR, "ghost.jpg.json", "ghost.jpg", 14)
    media(YEAR, "MVIMG_0009.jpg")
    media(YEAR, "MVIMG_0009.MP", mp4)
    sidecar(YEAR, "MVIMG_0009.jpg.json", "MVIMG_0009.jpg", 15)
    media(YEAR, "PXL_20190704_183000.MP.jpg", _pixel_motion_photo(mp4))
    media(YEAR, "dated.jpg", DATED.read_bytes())
    sidecar(YEAR, "dated.jpg.json", "dated.jpg", 16)
    media(YEAR, "obama.jpg", OBAMA.read_bytes())
    sidecar(YEAR, "obama.jpg.json", "obama.jpg", 17, people=[{"name": "Barack Obama"}])
    media(ALBUM, "rome.jpg")
    sidecar(ALBUM, "rome.jpg.json", "rome.jpg", 18, geoDataExif=rome)
    return files


@pytest.fixture
def takeout_files(motion_mp4) -> dict[str, bytes]:
    return _takeout(motion_mp4)


def _as_folder(files: dict[str, bytes], root: Path) -> list[Path]:
    for name, data in files.items():
        path = root / "Takeout" / "Google Photos" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    return [root]


def _as_zips(files: dict[str, bytes], root: Path) -> list[Path]:
    """Two parts; media and sidecars alternate between them, so pairs are split."""
    root.mkdir(parents=True, exist_ok=True)
    parts = [root / "takeout-20240101T000000Z-001.zip", root / "takeout-20240101T000000Z-002.zip"]
    archives = [zipfile.ZipFile(part, "w", zipfile.ZIP_DEFLATED) for part in parts]
    for i, (name, data) in enumerate(sorted(files.items())):
        archives[i % 2].writestr(f"Takeout/Google Photos/{name}", data)
    for archive in archives:
        archive.close()
    return parts


@pytest.fixture
def home(tmp_path: Path, user) -> Path:
    folder = tmp_path / "library"
    folder.mkdir()
    library_add(user=user, path=folder)
    return folder


def _photo(home: Path, user, folder: str, name: str) -> Photo:
    path = home / "takeout" / folder / name
    return File.objects.select_related("photo").get(owner=user, path=str(path)).photo


def _by_name(home: Path, user, name: str) -> Photo:
    """The photo of the one imported file called `name`, whichever folder it went to."""
    files = File.objects.filter(owner=user, path__endswith=f"/{name}").select_related("photo")
    (file,) = [file for file in files if Path(file.path).name == name]
    return file.photo


@pytest.mark.parametrize("shape", ["folder", "zips"])
def test_takeout_facts_land_on_the_photos(tmp_path, home, user, takeout_files, shape):
    build = _as_folder if shape == "folder" else _as_zips
    sources = build(takeout_files, tmp_path / "takeout-source")
    archive_state = {p: p.stat().st_mtime_ns for p in (tmp_path / "takeout-source").rglob("*")}
    summary = takeout_import(user=user, paths=sources)

    # 21 media files; one is IMG_0001 again (its album copy); the .MP is a motion video.
    assert summary["imported"] == 20
    assert summary["already_present"] == 1
    assert summary["motion_videos"] == 1
    assert summary["albums_made"] == 1
    assert summary["errors"] == []
    assert summary["sidecars_unmatched"] == [f"{YEAR}/ghost.jpg.json"]
    assert summary["without_sidecar"] == 2  # "no sidecar.jpg" and the PXL photo
    assert summary["sidecars_matched"] == 18

    def taken(name: str) -> dt.datetime:
        photo = _by_name(home, user, name)
        assert photo.date_source == DateSource.TAKEOUT, name
        return photo.taken_at

    expected = {
        "IMG_0001.jpg": 1,
        "IMG_0002.jpg": 2,
        "IMG_0003.jpg": 3,
        "IMG_0003(1).jpg": 4,
        "IMG_0004(1).jpg": 5,
        "IMG_20190704_183000123.jpg": 6,
        "IMG_0005.jpg": 7,
        "IMG_0006.jpg": 8,
        "Peanut Butter Balls.jpg": 9,
        LONG: 10,
        "IMG_0007.jpg": 11,
        "IMG_0007-edited.jpg": 11,
        "IMG_0008-bearbeitet.jpg": 12,
        "renamed later.jpg": 13,
        "MVIMG_0009.jpg": 15,
    }
    for name, offset in expected.items():
        assert taken(name) == dt.datetime.fromtimestamp(T0 + offset, tz=dt.UTC), name
    # A file with its own EXIF date keeps it; one without a sidecar keeps its guess.
    assert _by_name(home, user, "dated.jpg").date_source == DateSource.EXIF_ORIGINAL
    assert _by_name(home, user, "no sidecar.jpg").date_source == DateSource.MTIME

    colosseum = _photo(home, user, ALBUM, "IMG_0001.jpg")
    assert (colosseum.gps_lat, colosseum.gps_lon) == (41.9, 12.5)
    assert colosseum.caption == "Colosseum"
    assert _photo(home, user, ALBUM, "rome.jpg").gps_lat == 41.9  # geoDataExif
    assert _by_name(home, user, "IMG_0002.jpg").gps_lat is None  # 0,0 is no place
    assert _by_name(home, user, "IMG_0002.jpg").favorite
    assert _by_name(home, user, "IMG_0003(1).jpg").hidden
    assert not _by_name(home, user, "IMG_0003.jpg").hidden
    trashed = _by_name(home, user, "IMG_0004(1).jpg")
    assert trashed.in_trash
    assert trashed.trashed_at is not None

    album = Album.objects.get(owner=user, title=ALBUM)
    assert set(album.photos.values_list("pk", flat=True)) == {
        colosseum.pk,
        _photo(home, user, ALBUM, "rome.jpg").pk,
    }
    assert not Album.objects.filter(owner=user, title=YEAR).exists()
    # The shared photo is one photo, copied once (into its album's folder).
    assert colosseum.files.count() == 1
    assert (home / "takeout" / ALBUM / "IMG_0001.jpg").exists()

    mvimg = _by_name(home, user, "MVIMG_0009.jpg")
    assert Path(mvimg.motion_path).read_bytes() == takeout_files[f"{YEAR}/MVIMG_0009.MP"]
    assert not Photo.objects.filter(owner=user, is_video=True).exists()
    # The archive was only read.
    assert {p: p.stat().st_mtime_ns for p in (tmp_path / "takeout-source").rglob("*")} == (
        archive_state
    )


def test_motion_videos_are_served(tmp_path, home, user, api, takeout_files, motion_mp4):
    takeout_import(user=user, paths=_as_folder(takeout_files, tmp_path / "src"))
    for name in ("MVIMG_0009.jpg", "PXL_20190704_183000.MP.jpg"):
        photo = _by_name(home, user, name)
        response = api.get(f"/api/photos/{photo.pk}/motion/")
        assert response.status_code == 200, name
        assert response["Content-Type"] == "video/mp4"
        assert b"".join(response.streaming_content) == motion_mp4, name
        assert api.get(f"/api/photos/{photo.pk}/").json()["motion"] is True
    plain = _by_name(home, user, "IMG_0002.jpg")
    assert api.get(f"/api/photos/{plain.pk}/motion/").status_code == 404
    assert api.get(f"/api/photos/{plain.pk}/").json()["motion"] is False


def test_people_hint_names_the_only_face_and_is_searchable(tmp_path, home, user, takeout_files):
    takeout_import(user=user, paths=_as_folder(takeout_files, tmp_path / "src"))
    photo = _by_name(home, user, "obama.jpg")
    faces = photo_detect_faces(photo=photo)
    assert len(faces) == 1
    assert faces[0].person.name == "Barack Obama"
    assert faces[0].person_source == "user"
    found = photos_search(owner=user, photos=Photo.objects.for_user(user), text="barack obama")
    assert photo.pk in found.ids


def test_second_run_imports_nothing_twice(tmp_path, home, user, takeout_files):
    sources = _as_zips(takeout_files, tmp_path / "zips")
    first = takeout_import(user=user, paths=sources)
    files = sorted(p for p in (home / "takeout").rglob("*"))
    again = takeout_import(user=user, paths=sources)
    assert again["imported"] == 0
    assert again["already_present"] == first["imported"] + first["already_present"]
    assert again["albums_made"] == 0
    assert sorted(p for p in (home / "takeout").rglob("*")) == files
    assert Album.objects.filter(owner=user).count() == 1


def test_a_run_cut_off_half_way_resumes(tmp_path, home, user, takeout_files):
    sources = _as_zips(takeout_files, tmp_path / "zips")

    class CutOff(Exception):
        pass

    def stop_after_ten(done: int, total: int) -> None:
        if done == 10:
            raise CutOff

    with pytest.raises(CutOff):
        takeout_import(user=user, paths=sources, progress=stop_after_ten)
    assert 0 < Photo.objects.filter(owner=user).count() <= 10
    summary = takeout_import(user=user, paths=sources)
    assert summary["imported"] + summary["already_present"] == 21
    assert Photo.objects.filter(owner=user).count() == 20
    assert _by_name(home, user, "IMG_0002.jpg").favorite
    assert not list((home / "takeout").rglob(".*.part"))


def test_command_prints_the_summary(tmp_path, home, user, takeout_files, capsys):
    sources = _as_zips(takeout_files, tmp_path / "zips")
    into = home / "from google"
    call_command("import_takeout", *map(str, sources), "--user", user.username, "--into", str(into))
    summary = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert summary["imported"] == 20
    assert (into / YEAR / "IMG_0002.jpg").exists()
    job = Job.objects.get(owner=user, kind=Job.Kind.TAKEOUT)
    assert (job.state, job.result["imported"], job.done, job.total) == ("done", 20, 21, 21)


def test_endpoint_queues_a_job_that_imports(tmp_path, home, user, api, other_user, takeout_files):
    sources = _as_zips(takeout_files, home / "_takeout")
    response = api.post(
        "/api/imports/takeout/", {"paths": [str(p) for p in sources]}, format="json"
    )
    assert response.status_code == 202, response.content
    assert response.json()["kind"] == "takeout"
    job_id = response.json()["id"]
    # The task body, as a worker runs it.
    tasks.job_import_takeout(job_id)
    job = api.get(f"/api/jobs/{job_id}/").json()
    assert job["state"] == "done"
    assert job["progress"] == {"done": 21, "total": 21}
    assert job["result"]["sidecars_unmatched"] == [f"{YEAR}/ghost.jpg.json"]
    # Archives outside the caller's libraries are not theirs to read.
    outside = _as_zips(takeout_files, tmp_path / "elsewhere")
    refused = api.post("/api/imports/takeout/", {"paths": [str(outside[0])]}, format="json")
    assert refused.status_code == 400
    assert refused.json()["code"] == "path_outside_library"


def test_zip_members_are_streamed_not_read_whole(tmp_path, home, user):
    """A 40 MB member (a photo with 40 MB after its image, as motion photos have) is copied
    through a bounded buffer."""
    big = _small(EXIF[0], 64) + bytes(40 * 1024 * 1024)
    part = tmp_path / "takeout-001.zip"
    with zipfile.ZipFile(part, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(f"Takeout/Google Photos/{YEAR}/big.jpg", big)
    tracemalloc.start()
    summary = takeout_import(user=user, paths=[part])
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert summary["imported"] == 1
    assert (home / "takeout" / YEAR / "big.jpg").read_bytes() == big
    assert peak < 16 * 1024 * 1024
