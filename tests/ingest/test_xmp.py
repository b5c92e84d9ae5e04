"""XMP, sidecars and IPTC on real corpus photos, through the real scan and faces step."""

import datetime as dt
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from PIL import Image

from api.ingest.scan import library_scan
from api.ingest.xmp import xmp_read
from api.ml import faces as face_model
from api.models import File, Photo
from api.models.photo import DateSource
from api.search.ranking import photos_search
from api.services.faces import _box_iou, photo_detect_faces
from tests.conftest import SHARED_PHOTOS

CURIE = SHARED_PHOTOS / "faces/_groups/curie_xmp_face_regions.jpg"
PLAIN = SHARED_PHOTOS / "faces/_groups/obama_and_biden.jpg"

SIDECAR = """<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF
 xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
 <rdf:Description rdf:about="" xmlns:xmp="http://ns.adobe.com/xap/1.0/"
  xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:lr="http://ns.adobe.com/lightroom/1.0/"
  xmlns:photoshop="http://ns.adobe.com/photoshop/1.0/" xmp:Rating="{rating}"
  photoshop:DateCreated="2011-05-06T07:08:09+02:00">
  <dc:subject><rdf:Bag><rdf:li>darktable</rdf:li><rdf:li>seaside</rdf:li></rdf:Bag></dc:subject>
  <lr:hierarchicalSubject><rdf:Bag><rdf:li>Places|Brittany</rdf:li></rdf:Bag>
  </lr:hierarchicalSubject>
  <dc:description><rdf:Alt><rdf:li xml:lang="x-default">Low tide at noon</rdf:li></rdf:Alt>
  </dc:description>
 </rdf:Description></rdf:RDF></x:xmpmeta>"""

BILLION_LAUGHS = """<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>
<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
<rdf:Description xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:title>&lol3;</dc:title>
</rdf:Description></rdf:RDF></x:xmpmeta>"""

EXTERNAL_ENTITY = """<?xml version="1.0"?>
<!DOCTYPE x [<!ENTITY secret SYSTEM "file:///etc/passwd">]>
<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
<rdf:Description xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:title>&secret;</dc:title>
</rdf:Description></rdf:RDF></x:xmpmeta>"""


def _stripped_copy(source: Path, dest: Path) -> Path:
    """The pixels of `source` without any metadata (no EXIF date, no XMP)."""
    with Image.open(source) as image:
        image.convert("RGB").save(dest, quality=90)
    return dest


@pytest.fixture
def root(tmp_path: Path) -> Path:
    folder = tmp_path / "library"
    folder.mkdir()
    return folder


def _photo(root: Path, user, name: str) -> Photo:
    return File.objects.select_related("photo").get(owner=user, path=str(root / name)).photo


def test_sidecar_rating_keywords_caption_and_date_land_and_are_searchable(root, user):
    _stripped_copy(PLAIN, root / "darktable.jpg")
    (root / "darktable.jpg.xmp").write_text(SIDECAR.format(rating=4))
    _stripped_copy(CURIE, root / "lightroom.jpg")
    (root / "lightroom.xmp").write_text(SIDECAR.format(rating=2))
    counts = library_scan(user=user, path=root)
    assert counts["new"] == 2
    assert counts["failed"] == 0
    photo = _photo(root, user, "darktable.jpg")
    assert (photo.rating, photo.rejected) == (4, False)
    assert photo.caption == "Low tide at noon"
    assert photo.date_source == DateSource.XMP
    assert photo.taken_at == dt.datetime.fromisoformat("2011-05-06T07:08:09+02:00")
    assert photo.taken_date == dt.date(2011, 5, 6)
    assert photo.tz_offset == 120
    tags = dict(photo.tags.values_list("name", "source"))
    assert tags == {"darktable": "xmp", "seaside": "xmp", "Brittany": "xmp"}
    assert _photo(root, user, "lightroom.jpg").rating == 2
    found = photos_search(owner=user, photos=Photo.objects.for_user(user), text="brittany")
    assert set(found.ids) == {photo.pk, _photo(root, user, "lightroom.jpg").pk}


def test_changed_sidecar_is_a_changed_photo_and_nothing_is_written(root, user, api):
    _stripped_copy(PLAIN, root / "a.jpg")
    _stripped_copy(CURIE, root / "b.jpg")
    sidecar = root / "a.jpg.xmp"
    sidecar.write_text(SIDECAR.format(rating=3))
    library_scan(user=user, path=root)
    before = {p: (p.stat().st_size, p.stat().st_mtime_ns) for p in root.iterdir()}
    sidecar.write_text(SIDECAR.format(rating=-1))
    os.utime(sidecar, ns=(sidecar.stat().st_atime_ns, sidecar.stat().st_mtime_ns + 10**9))
    counts = library_scan(user=user, path=root)
    assert (counts["changed"], counts["unchanged"], counts["new"]) == (1, 1, 0)
    photo = _photo(root, user, "a.jpg")
    assert (photo.rating, photo.rejected) == (0, True)
    assert api.get(f"/api/photos/{photo.pk}/").json()["rejected"] is True
    after = {p: (p.stat().st_size, p.stat().st_mtime_ns) for p in root.iterdir()}
    assert {p: v for p, v in after.items() if p != sidecar} == {
        p: v for p, v in before.items() if p != sidecar
    }


def test_a_sidecar_linked_from_outside_the_library_is_not_read(root, user, tmp_path):
    elsewhere = tmp_path / "bob"
    elsewhere.mkdir()
    (elsewhere / "secret.xmp").write_text(SIDECAR.format(rating=5))
    (root / "kept").mkdir()
    (root / "kept" / "own.xmp").write_text(SIDECAR.format(rating=2))
    _stripped_copy(PLAIN, root / "linked.jpg")
    (root / "linked.jpg.xmp").symlink_to(elsewhere / "secret.xmp")
    _stripped_copy(CURIE, root / "inside.jpg")
    (root / "inside.jpg.xmp").symlink_to(root / "kept" / "own.xmp")
    counts = library_scan(user=user, path=root)
    assert (counts["new"], counts["failed"]) == (2, 0)
    file = File.objects.get(owner=user, path=str(root / "linked.jpg"))
    assert "linked.jpg.xmp leads outside your libraries; not read" in file.error
    assert (file.photo.rating, file.photo.caption) == (0, "")
    assert not file.photo.tags.exists()
    assert file.photo.steps["thumbnails"]["state"] == "done"
    inside = _photo(root, user, "inside.jpg")  # a link within the library is followed
    assert (inside.rating, inside.caption) == (2, "Low tide at noon")


@pytest.mark.parametrize(
    ("xml", "kind"),
    [(BILLION_LAUGHS, "billion laughs"), (EXTERNAL_ENTITY, "external entity")],
)
def test_hostile_sidecar_is_refused_reported_and_the_scan_goes_on(root, user, xml, kind):
    _stripped_copy(PLAIN, root / "hostile.jpg")
    (root / "hostile.jpg.xmp").write_text(xml)
    _stripped_copy(CURIE, root / "fine.jpg")
    counts = library_scan(user=user, path=root)
    assert (counts["new"], counts["failed"]) == (2, 0), kind
    file = File.objects.get(owner=user, path=str(root / "hostile.jpg"))
    assert "sidecar hostile.jpg.xmp refused" in file.error
    assert "Forbidden" in file.error
    assert file.photo.caption == ""  # nothing expanded, nothing fetched
    assert file.photo.steps["thumbnails"]["state"] == "done"


def test_iptc_caption_and_keywords_in_a_jpeg(root, user):
    if shutil.which("exiftool") is None:
        pytest.skip("exiftool is not installed")
    path = _stripped_copy(PLAIN, root / "iptc.jpg")
    subprocess.run(
        [
            "exiftool",
            "-q",
            "-overwrite_original",
            "-IPTC:Caption-Abstract=Two at the podium",
            "-IPTC:Keywords=politics",
            "-IPTC:Keywords=podium",
            str(path),
        ],
        check=True,
    )
    library_scan(user=user, path=root)
    photo = _photo(root, user, "iptc.jpg")
    assert photo.caption == "Two at the podium"
    assert set(photo.tags.values_list("name", flat=True)) == {"politics", "podium"}


def _regions_land_on_dlib_faces(photo: Photo) -> None:
    """Each named region lands on the face dlib finds in the displayed photo (IoU >= 0.5);
    one dlib misses (HOG finds Marie only, as the manifest says) is a face of its own."""
    image, size = face_model.load_display_image(Path(photo.files.get().path))
    found = face_model.detect_faces(image, display_size=size)
    faces = photo_detect_faces(photo=photo)
    named = {face.person.name: face for face in faces if face.person_id}
    assert set(named) == {"Marie Curie", "Pierre Curie"}
    assert all(face.person_source == "user" for face in named.values())
    width, height = photo.width, photo.height
    landed = 0
    for region in photo.regions:
        top, right, bottom, left = region["box"]
        box = (top * height, right * width, bottom * height, left * width)
        face = named[region["name"]]
        if any(_box_iou(box, other.box) >= 0.5 for other in found):
            assert face.detector != "region", region
            assert _box_iou(box, face.box) >= 0.5, region
            landed += 1
        else:
            assert face.detector == "region", region
    assert landed >= 1
    assert len(faces) == 2


def test_mwg_regions_name_the_faces_dlib_finds(root, user):
    shutil.copy(CURIE, root / "curie.jpg")
    library_scan(user=user, path=root)
    photo = _photo(root, user, "curie.jpg")
    assert [region["name"] for region in photo.regions] == ["Marie Curie", "Pierre Curie"]
    _regions_land_on_dlib_faces(photo)


def _rotated_copy_with_regions(dest: Path) -> None:
    """curie stored turned a quarter left, EXIF orientation 6 (display turns it back), and
    its MWG regions rewritten in the stored frame with the stored dimensions."""
    facts = xmp_read(
        path=CURIE, image=Image.open(CURIE), orientation=None, roots=[SHARED_PHOTOS.resolve()]
    )
    with Image.open(CURIE) as image:
        stored = image.transpose(Image.Transpose.ROTATE_90)
        exif = Image.Exif()
        exif[0x0112] = 6
        items = []
        for region in facts.regions:
            top, right, bottom, left = region.box
            # displayed (x, y) -> stored (y, 1 - x) for a stored frame turned 90° left
            x0, x1, y0, y1 = top, bottom, 1 - right, 1 - left
            items.append(
                f'<rdf:li><rdf:Description mwg-rs:Name="{region.name}" mwg-rs:Type="Face">'
                f'<mwg-rs:Area stArea:x="{(x0 + x1) / 2}" stArea:y="{(y0 + y1) / 2}" '
                f'stArea:w="{x1 - x0}" stArea:h="{y1 - y0}" stArea:unit="normalized"/>'
                "</rdf:Description></rdf:li>"
            )
        xmp = (
            '<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF '
            'xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"><rdf:Description '
            'xmlns:mwg-rs="http://www.metadataworkinggroup.com/schemas/regions/" '
            'xmlns:stDim="http://ns.adobe.com/xap/1.0/sType/Dimensions#" '
            'xmlns:stArea="http://ns.adobe.com/xmp/sType/Area#"><mwg-rs:Regions '
            'rdf:parseType="Resource"><mwg-rs:AppliedToDimensions '
            f'stDim:w="{stored.width}" stDim:h="{stored.height}" stDim:unit="pixel"/>'
            f"<mwg-rs:RegionList><rdf:Bag>{''.join(items)}</rdf:Bag></mwg-rs:RegionList>"
            "</mwg-rs:Regions></rdf:Description></rdf:RDF></x:xmpmeta>"
        )
        stored.save(dest, exif=exif, xmp=xmp.encode(), quality=92)


def test_regions_of_a_rotated_photo_land_on_the_displayed_faces(root, user):
    _rotated_copy_with_regions(root / "curie_rotated.jpg")
    library_scan(user=user, path=root)
    photo = _photo(root, user, "curie_rotated.jpg")
    assert photo.orientation == 6
    assert (photo.width, photo.height) == (840, 700)
    _regions_land_on_dlib_faces(photo)


def test_region_without_a_detected_face_becomes_a_face_of_its_own(root, user):
    shutil.copy(CURIE, root / "curie.jpg")
    library_scan(user=user, path=root)
    photo = _photo(root, user, "curie.jpg")
    photo.regions = [*photo.regions, {"name": "Nobody", "box": [0.80, 0.15, 0.95, 0.02]}]
    photo.save(update_fields=["regions"])
    faces = photo_detect_faces(photo=photo)
    own = {face.person.name: face for face in faces if face.detector == "region"}
    assert "Nobody" in own
    assert own["Nobody"].person_source == "user"
    assert own["Nobody"].box == [round(0.80 * 700), round(0.15 * 840), round(0.95 * 700), 17]
