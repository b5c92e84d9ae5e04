"""What a file really is, told by its first bytes rather than its name.

A PNG saved as `.jpg` is a PNG; a text file named `.jpg` is not an image. The extension is
only consulted to tell apart RAW formats that share the TIFF container (NEF, ARW, DNG…).
"""

from dataclasses import dataclass
from pathlib import Path

from api.exceptions import NotAnImage

RAW_EXTENSIONS = frozenset(
    {".cr2", ".cr3", ".crw", ".nef", ".nrw", ".arw", ".srf", ".sr2", ".dng", ".orf", ".rw2"}
    | {".raf", ".pef", ".srw", ".raw", ".rwl", ".3fr", ".erf", ".kdc", ".mos", ".iiq", ".x3f"}
)
IMAGE_EXTENSIONS = frozenset(
    {".jpg", ".jpeg", ".jpe", ".png", ".gif", ".webp", ".tif", ".tiff", ".heic", ".heif"}
    | {".hif", ".avif", ".bmp", ".apng"}
)
# JPEG XL (.jxl) is left out: the installed Pillow has no decoder for it.
VIDEO_EXTENSIONS = frozenset(
    {".mp4", ".m4v", ".mov", ".qt", ".3gp", ".3g2", ".mkv", ".webm", ".avi"}
    | {".mts", ".m2ts", ".ts"}
)
KNOWN_EXTENSIONS = IMAGE_EXTENSIONS | RAW_EXTENSIONS | VIDEO_EXTENSIONS

_HEIF_BRANDS = {b"heic", b"heix", b"hevc", b"hevx", b"heim", b"heis", b"mif1", b"msf1"}
_AVIF_BRANDS = {b"avif", b"avis"}
_QUICKTIME_BRANDS = {b"qt  "}
# Enough for three MPEG transport-stream packets (188 bytes; 192 in M2TS), told by their sync.
HEADER_BYTES = 600
_TS_SYNC = 0x47
_RAW_MIMES = {
    ".dng": "image/x-adobe-dng",
    ".nef": "image/x-nikon-nef",
    ".nrw": "image/x-nikon-nrw",
    ".arw": "image/x-sony-arw",
    ".srf": "image/x-sony-srf",
    ".sr2": "image/x-sony-sr2",
    ".pef": "image/x-pentax-pef",
    ".srw": "image/x-samsung-srw",
    ".rwl": "image/x-leica-rwl",
    ".3fr": "image/x-hasselblad-3fr",
    ".erf": "image/x-epson-erf",
    ".kdc": "image/x-kodak-kdc",
    ".mos": "image/x-leaf-mos",
    ".iiq": "image/x-phaseone-iiq",
}


@dataclass(frozen=True)
class Sniffed:
    kind: str  # "image", "raw" or "video"
    mime: str


def sniff_bytes(head: bytes, *, suffix: str = "") -> Sniffed:
    """Classify a file from its first HEADER_BYTES bytes; raises NotAnImage for anything else."""
    suffix = suffix.lower()
    if head.startswith(b"\xff\xd8\xff"):
        return Sniffed("image", "image/jpeg")
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return Sniffed("image", "image/png")
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return Sniffed("image", "image/gif")
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return Sniffed("image", "image/webp")
    if head[:4] == b"RIFF" and head[8:12] == b"AVI ":
        return Sniffed("video", "video/x-msvideo")
    if head.startswith(b"BM") and suffix == ".bmp":
        return Sniffed("image", "image/bmp")
    if head.startswith(b"FUJIFILMCCD-RAW"):
        return Sniffed("raw", "image/x-fuji-raf")
    if head[:4] in (b"IIRO", b"IIRS", b"MMOR"):
        return Sniffed("raw", "image/x-olympus-orf")
    if head[:4] == b"IIU\x00":
        return Sniffed("raw", "image/x-panasonic-rw2")
    if head[:4] in (b"II*\x00", b"MM\x00*"):
        if head[8:10] == b"CR":
            return Sniffed("raw", "image/x-canon-cr2")
        if suffix in RAW_EXTENSIONS:
            return Sniffed("raw", _RAW_MIMES.get(suffix, f"image/x-raw-{suffix[1:]}"))
        return Sniffed("image", "image/tiff")
    if head.startswith(b"\x1aE\xdf\xa3"):
        return Sniffed("video", "video/webm" if suffix == ".webm" else "video/x-matroska")
    if head[4:8] == b"ftyp":
        return _sniff_iso_bmff(head)
    if _is_transport_stream(head):
        return Sniffed("video", "video/mp2t")
    raise NotAnImage("not an image or video (unrecognised content)")


def _is_transport_stream(head: bytes) -> bool:
    """MPEG-TS (.ts, .mts) has a sync byte every 188 bytes; M2TS (.m2ts, AVCHD) puts a 4-byte
    timestamp before each packet, so every 192 bytes from offset 4."""
    for start, step in ((0, 188), (4, 192)):
        offsets = range(start, start + 3 * step, step)
        if len(head) > offsets[-1] and all(head[i] == _TS_SYNC for i in offsets):
            return True
    return False


def _sniff_iso_bmff(head: bytes) -> Sniffed:
    """HEIF, AVIF, CR3, MP4 and QuickTime share one container; the brands say which."""
    major = head[8:12]
    size = int.from_bytes(head[:4], "big")
    brands = {major} | {head[i : i + 4] for i in range(16, min(size, len(head)) - 3, 4)}
    if major == b"crx ":
        return Sniffed("raw", "image/x-canon-cr3")
    if major in _AVIF_BRANDS or (major in (b"mif1", b"msf1") and brands & _AVIF_BRANDS):
        return Sniffed("image", "image/avif")
    if major in _HEIF_BRANDS - {b"mif1", b"msf1"}:
        return Sniffed("image", "image/heic")
    if brands & _HEIF_BRANDS:
        return Sniffed("image", "image/heif")
    if major in _QUICKTIME_BRANDS:
        return Sniffed("video", "video/quicktime")
    if major.startswith(b"3gp"):
        return Sniffed("video", "video/3gpp")
    if major.startswith(b"3g2"):
        return Sniffed("video", "video/3gpp2")
    return Sniffed("video", "video/mp4")


def sniff_path(path: Path) -> Sniffed:
    """Read the first bytes of `path` (read-only) and classify them."""
    with path.open("rb") as fh:
        head = fh.read(HEADER_BYTES)
    if not head:
        raise NotAnImage("empty file (0 bytes)")
    return sniff_bytes(head, suffix=path.suffix)


def mime_kind(mime: str) -> str:
    """The kind ("image", "raw", "video") of a mime type this module produced."""
    if mime.startswith("video/"):
        return "video"
    if mime.startswith("image/x-"):
        return "raw"
    return "image"
