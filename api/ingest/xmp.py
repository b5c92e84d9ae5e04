"""What other photo apps wrote into a file or beside it: XMP (embedded, or an `.xmp` sidecar)
and IPTC IIM, read-only.

XMP comes from the packet Pillow already holds for the opened image (JPEG APP1, PNG iTXt,
TIFF tag 700, HEIC's XMP box through pillow-heif), from `exiftool -b -XMP` for RAW files
Pillow does not open, and from a sidecar: darktable's `IMG_1.CR2.xmp` or Lightroom's
`IMG_1.xmp`. The sidecar wins, as both apps write their changes there. XMP is untrusted
input: it is parsed with defusedxml, so an entity bomb or an external entity is refused (the
file keeps an error, nothing is expanded or fetched) and the photo is indexed without it.
"""

import logging
import os
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

import defusedxml.ElementTree as SafeET
from defusedxml import DefusedXmlException
from PIL import Image, IptcImagePlugin

from api.exceptions import PathOutsideLibrary
from api.ingest.confinement import path_confine

logger = logging.getLogger(__name__)

# Larger than any real XMP packet (Lightroom's with history are ~100 kB); a bigger one is refused.
MAX_XMP_BYTES = 4 * 1024 * 1024

_RDF = "{http://www.w3.org/1999/02/22-rdf-syntax-ns#}"
_NS = {
    "xmp": "http://ns.adobe.com/xap/1.0/",
    "dc": "http://purl.org/dc/elements/1.1/",
    "lr": "http://ns.adobe.com/lightroom/1.0/",
    "photoshop": "http://ns.adobe.com/photoshop/1.0/",
    "mwg-rs": "http://www.metadataworkinggroup.com/schemas/regions/",
    "stDim": "http://ns.adobe.com/xap/1.0/sType/Dimensions#",
    "stArea": "http://ns.adobe.com/xmp/sType/Area#",
    "MP": "http://ns.microsoft.com/photo/1.2/",
    "MPRI": "http://ns.microsoft.com/photo/1.2/t/RegionInfo#",
    "MPReg": "http://ns.microsoft.com/photo/1.2/t/Region#",
    "GCamera": "http://ns.google.com/photos/1.0/camera/",
    "Item": "http://ns.google.com/photos/1.0/container/item/",
}


def _q(name: str) -> str:
    prefix, local = name.split(":")
    return f"{{{_NS[prefix]}}}{local}"


@dataclass
class Region:
    """A named face as a fraction of the displayed photo: (top, right, bottom, left) in 0..1."""

    name: str
    box: tuple[float, float, float, float]


@dataclass
class XmpFacts:
    rating: int | None = None
    rejected: bool = False
    tags: list[str] = field(default_factory=list)
    caption: str = ""
    date_created: str = ""
    regions: list[Region] = field(default_factory=list)
    # Google's motion photos: the MP4 appended to the JPEG, this many bytes from its end.
    micro_video_offset: int | None = None
    # Why a packet was refused ("" when everything read).
    error: str = ""


def sidecar_paths(path: Path | str) -> list[Path]:
    """The sidecars an app may have written for `path`, the most specific first."""
    path = Path(path)
    return [path.with_name(f"{path.name}.xmp"), path.with_suffix(".xmp")]


def sidecar_mtime_ns(path: Path | str) -> int | None:
    """The mtime of the sidecar of `path`, or None: a stat, never a read, so a rescan sees a
    changed rating without opening any unchanged file."""
    for candidate in sidecar_paths(path):
        try:
            return os.stat(candidate).st_mtime_ns
        except OSError:
            continue
    return None


def xmp_read(
    *, path: Path, image: Image.Image | None, orientation: int | None, roots: list[Path]
) -> XmpFacts:
    """Everything the file's XMP, its sidecar and (JPEG) IPTC IIM say, merged.

    `orientation` is the photo's EXIF orientation: MWG regions are in the frame of the stored
    pixels and are turned here into the displayed frame, unless their AppliedToDimensions
    are the displayed size (some writers turn them already). A sidecar is read only when its
    real path lies in `roots` (a link to another user's sidecar would leak their captions).
    """
    stored = image.size if image is not None else None
    facts = XmpFacts()
    packets: list[tuple[str, bytes]] = []
    embedded = _embedded_packet(path, image)
    if embedded:
        packets.append(("embedded XMP", embedded))
    errors = []
    for candidate in sidecar_paths(path):
        if not candidate.exists():
            continue
        try:
            with path_confine(path=candidate, roots=roots).open("rb") as fh:
                data = fh.read(MAX_XMP_BYTES + 1)
        except PathOutsideLibrary as exc:
            errors.append(str(exc.detail))
            break
        except OSError:
            continue
        packets.append((f"sidecar {candidate.name}", data))
        break
    for label, data in packets:
        try:
            _merge(facts, _parse(data), orientation, stored)
        except XmpRefused as exc:
            logger.warning("%s of %s refused: %s", label, path, exc)
            errors.append(f"{label} refused: {exc}")
    if image is not None and image.format == "JPEG":
        _iptc_merge(facts, image)
    facts.error = "; ".join(errors)
    return facts


class XmpRefused(ValueError):
    """An XMP packet that is not parsed: too large, an entity or DTD in it, or not XML."""


def _embedded_packet(path: Path, image: Image.Image | None) -> bytes:
    if image is not None:
        for key in ("xmp", "XML:com.adobe.xmp"):
            value = image.info.get(key)
            if value:
                return value.encode() if isinstance(value, str) else bytes(value)
        if image.format == "TIFF":
            value = image.tag_v2.get(700)
            if value:
                return value.encode() if isinstance(value, str) else bytes(value)
        return b""
    if shutil.which("exiftool") is None:
        return b""
    done = subprocess.run(
        ["exiftool", "-b", "-XMP", "--", str(path)], capture_output=True, timeout=60, check=False
    )
    return done.stdout


def _parse(data: bytes):
    if len(data) > MAX_XMP_BYTES:
        raise XmpRefused(f"larger than {MAX_XMP_BYTES} bytes")
    start = data.find(b"<x:xmpmeta")
    if start < 0:
        start = data.find(b"<rdf:RDF")
    # A DTD before the packet (where entities are declared) stays in, so that it is refused.
    doctype = data.find(b"<!DOCTYPE")
    if 0 <= doctype < start:
        start = doctype
    ends = [data.rfind(tag) + len(tag) for tag in (b"</x:xmpmeta>", b"</rdf:RDF>")]
    found = [end for end, tag in zip(ends, (12, 10), strict=True) if end >= tag]
    # Padding and the closing xpacket after the packet are not XML of it.
    body = data[max(start, 0) : max(found) if found else len(data)]
    try:
        return SafeET.fromstring(body, forbid_dtd=True)
    except DefusedXmlException as exc:
        raise XmpRefused(f"{type(exc).__name__} (entities and DTDs are not allowed)") from exc
    except SafeET.ParseError as exc:
        raise XmpRefused(f"not well-formed XML: {exc}") from exc


def _value(description, name: str) -> str:
    """A simple property, written as an attribute or as an element."""
    attribute = description.get(_q(name))
    if attribute is not None:
        return attribute.strip()
    element = description.find(_q(name))
    if element is None:
        return ""
    items = element.findall(f".//{_RDF}li")
    # A language alternative (dc:description): the first, normally x-default.
    return ((items[0].text if items else element.text) or "").strip()


def _items(description, name: str) -> list[str]:
    element = description.find(_q(name))
    if element is None:
        return []
    return [item.text.strip() for item in element.iter(f"{_RDF}li") if (item.text or "").strip()]


def _merge(facts: XmpFacts, root, orientation: int | None, stored) -> None:
    for description in root.iter(f"{_RDF}Description"):
        rating = _value(description, "xmp:Rating")
        if rating:
            try:
                value = round(float(rating))
            except ValueError:
                value = None
            if value is not None:
                facts.rejected = value < 0
                facts.rating = min(max(value, 0), 5)
        for tag in _items(description, "dc:subject"):
            if tag not in facts.tags:
                facts.tags.append(tag)
        for tag in _items(description, "lr:hierarchicalSubject"):
            # "People|Marie Curie": the leaf is what a person searches for.
            leaf = tag.split("|")[-1].strip()
            if leaf and leaf not in facts.tags:
                facts.tags.append(leaf)
        caption = _value(description, "dc:description") or _value(description, "dc:title")
        if caption:
            facts.caption = caption
        if date := _value(description, "photoshop:DateCreated"):
            facts.date_created = date
        if offset := _value(description, "GCamera:MicroVideoOffset"):
            facts.micro_video_offset = int(offset) if offset.isdigit() else None
        # The newer motion photo: a container item whose semantic is MotionPhoto, at the end.
        if description.get(_q("Item:Semantic")) == "MotionPhoto":
            length = description.get(_q("Item:Length")) or ""
            facts.micro_video_offset = int(length) if length.isdigit() else None
    regions = _mwg_regions(root, orientation, stored) or _mp_regions(root, orientation)
    if regions:
        facts.regions = regions


def _float(value: str | None) -> float | None:
    try:
        return float(value) if value is not None else None
    except ValueError:
        return None


def _attr_or_child(element, name: str) -> str | None:
    value = element.get(_q(name))
    if value is None:
        child = element.find(_q(name))
        value = child.text if child is not None else None
    return value


def _mwg_regions(root, orientation: int | None, stored) -> list[Region]:
    regions = []
    for container in root.iter(_q("mwg-rs:Regions")):
        dims = container.find(_q("mwg-rs:AppliedToDimensions"))
        applied = None
        if dims is not None:
            applied = (
                _float(_attr_or_child(dims, "stDim:w")),
                _float(_attr_or_child(dims, "stDim:h")),
            )
        turned = orientation in (5, 6, 7, 8)
        if stored and turned and applied == (float(stored[1]), float(stored[0])):
            orientation = None  # the writer gave the box in the displayed frame already
        for item in container.iter(f"{_RDF}li"):
            node = item.find(f"{_RDF}Description")
            node = node if node is not None else item
            kind = _attr_or_child(node, "mwg-rs:Type") or "Face"
            name = (_attr_or_child(node, "mwg-rs:Name") or "").strip()
            area = node.find(_q("mwg-rs:Area"))
            if kind != "Face" or not name or area is None:
                continue
            values = [_float(_attr_or_child(area, f"stArea:{k}")) for k in "xywh"]
            if any(v is None for v in values):
                continue
            x, y, w, h = values
            if (_attr_or_child(area, "stArea:unit") or "normalized") != "normalized":
                continue
            box = (y - h / 2, x + w / 2, y + h / 2, x - w / 2)
            regions.append(Region(name, _displayed_box(box, orientation)))
    return regions


def _mp_regions(root, orientation: int | None) -> list[Region]:
    regions = []
    for item in root.iter(f"{_RDF}li"):
        name = item.get(_q("MPReg:PersonDisplayName"))
        rectangle = item.get(_q("MPReg:Rectangle"))
        if not name or not rectangle:
            continue
        values = [_float(part.strip()) for part in rectangle.split(",")]
        if len(values) != 4 or any(v is None for v in values):
            continue
        left, top, w, h = values
        box = (top, left + w, top + h, left)
        regions.append(Region(name.strip(), _displayed_box(box, orientation)))
    return regions


def _displayed_box(box, orientation: int | None) -> tuple[float, float, float, float]:
    """Turn a (top, right, bottom, left) box of the stored frame into the displayed frame,
    as EXIF orientation turns the pixels."""
    top, right, bottom, left = (min(max(v, 0.0), 1.0) for v in box)
    if orientation == 6:  # stored frame turned 90° clockwise to display
        top, right, bottom, left = left, 1 - top, right, 1 - bottom
    elif orientation == 8:
        top, right, bottom, left = 1 - right, bottom, 1 - left, top
    elif orientation == 3:
        top, right, bottom, left = 1 - bottom, 1 - left, 1 - top, 1 - right
    elif orientation == 2:
        right, left = 1 - left, 1 - right
    elif orientation == 4:
        top, bottom = 1 - bottom, 1 - top
    elif orientation == 5:
        top, right, bottom, left = left, bottom, right, top
    elif orientation == 7:
        top, right, bottom, left = 1 - right, 1 - top, 1 - left, 1 - bottom
    return (top, right, bottom, left)


def _iptc_merge(facts: XmpFacts, image: Image.Image) -> None:
    """IPTC IIM caption (2:120) and keywords (2:25), for JPEGs tagged by older tools."""
    try:
        iptc = IptcImagePlugin.getiptcinfo(image) or {}
    except (OSError, SyntaxError, ValueError, IndexError) as exc:
        logger.info("unreadable IPTC: %s", exc)
        return
    keywords = iptc.get((2, 25)) or []
    if isinstance(keywords, bytes):
        keywords = [keywords]
    for keyword in keywords:
        text = keyword.decode("utf-8", "replace").strip()
        if text and text not in facts.tags:
            facts.tags.append(text)
    caption = iptc.get((2, 120))
    if caption and not facts.caption:
        facts.caption = caption.decode("utf-8", "replace").strip()
