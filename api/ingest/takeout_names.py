"""Which Google Takeout JSON sidecar belongs to which media file, by Google's naming rules.

Google names a sidecar after its media file, and the rules changed over the years:
- `IMG_1234.JPG.json` (before 2024), and `IMG_1234.JPG.supplemental-metadata.json` since;
- the whole name fits a 51-character budget (".json" included), so the media name and then
  `supplemental-metadata` are cut anywhere: `….supplemental-metad.json`, `….suppl.json`,
  `….s.json`, or a long media name cut before its extension;
- a duplicate's index moves behind the suffix: `IMG_1234(1).JPG` has `IMG_1234.JPG(1).json`
  or `IMG_1234.JPG.supplemental-metadata(1).json`;
- some sidecars lack the media extension (`Peanut Butter Balls.supplemental-metadata.json`);
- edited copies (`IMG_1234-edited.JPG`, localised `-bearbeitet`, `-modifié`, …) have none
  and share the original's;
- the sidecar's `title` (the name at upload time) is the last resort.
An album folder's `metadata.json` describes the album, not a photo.
"""

import re
from dataclasses import dataclass, field
from pathlib import PurePosixPath

SUPPLEMENTAL = "supplemental-metadata"
# Google's suffix for edited copies, in the languages Takeout is known to use.
EDITED_SUFFIXES = (
    "-edited",
    "-bearbeitet",
    "-modifié",
    "-modificato",
    "-editat",
    "-editado",
    "-bewerkt",
    "-redigeret",
    "-muokattu",
    "-redigerad",
    "-edytowane",
    "-upraveno",
    "-編集済み",
    "-已修改",
)
# JSON files in a Takeout that describe no single photo.
NOT_SIDECARS = frozenset(
    {
        "metadata.json",
        "print-subscriptions.json",
        "shared_album_comments.json",
        "user-generated-memory-titles.json",
    }
)
_INDEX = re.compile(r"^(?P<base>.*?)(?P<index>\(\d+\))$")
# Google cuts a media name only when its sidecar's name would pass 51 characters, so a cut
# name keeps at least this many (46 in practice; a little slack for multi-byte names).
_MIN_PREFIX = 40


@dataclass
class Sidecar:
    name: str
    base: str  # the media name the sidecar was written for, maybe cut short or without extension
    index: str  # "(1)" for a duplicate's sidecar, "" otherwise
    title: str = ""
    matched: bool = False


@dataclass
class Matches:
    """The sidecar of each media name (None when it has none) and the sidecars left over."""

    by_media: dict[str, Sidecar | None] = field(default_factory=dict)
    unmatched: list[Sidecar] = field(default_factory=list)


def sidecar_parse(name: str) -> Sidecar | None:
    """The media name a `.json` file was written for, or None for a file that is no sidecar."""
    if not name.lower().endswith(".json") or name.lower() in NOT_SIDECARS:
        return None
    base, index = name[: -len(".json")], ""
    if match := _INDEX.match(base):
        base, index = match["base"], match["index"]
    head, dot, last = base.rpartition(".")
    if dot and last and SUPPLEMENTAL.startswith(last.lower()):
        base = head
    return Sidecar(name=name, base=base, index=index)


def _split(name: str) -> tuple[str, str, str, bool]:
    """(stem, extension, duplicate index, edited) of a media name."""
    path = PurePosixPath(name)
    stem, ext, index = path.stem, path.suffix, ""
    if match := _INDEX.match(stem):
        stem, index = match["base"], match["index"]
    edited = False
    lowered = stem.lower()
    for suffix in EDITED_SUFFIXES:
        if lowered.endswith(suffix):
            stem, edited = stem[: -len(suffix)], True
            break
    return stem, ext, index, edited


def sidecars_match(media: list[str], sidecars: list[Sidecar]) -> Matches:
    """Match the media names of one folder to that folder's sidecars."""
    exact: dict[tuple[str, str], Sidecar] = {}
    for sidecar in sidecars:
        exact.setdefault((sidecar.base.lower(), sidecar.index), sidecar)
    result = Matches()
    for name in media:
        stem, ext, index, _edited = _split(name)
        full = f"{stem}{ext}".lower()
        found = (
            exact.get((full, index))
            or exact.get((stem.lower(), index))
            # The old naming kept the index in the media name: IMG(1).JPG -> IMG(1).JPG.json.
            or exact.get((name.lower(), ""))
            or _truncated(full, index, sidecars)
        )
        result.by_media[name] = found
    for name, found in result.by_media.items():
        if found is None:
            result.by_media[name] = _by_title(name, sidecars)
    for found in result.by_media.values():
        if found is not None:
            found.matched = True
    result.unmatched = [sidecar for sidecar in sidecars if not sidecar.matched]
    return result


def _truncated(full: str, index: str, sidecars: list[Sidecar]) -> Sidecar | None:
    """The sidecar whose name is this media name cut short (the longest such cut)."""
    best = None
    for sidecar in sidecars:
        base = sidecar.base.lower()
        if sidecar.index != index or len(base) < _MIN_PREFIX or not full.startswith(base):
            continue
        if best is None or len(base) > len(best.base):
            best = sidecar
    return best


def _by_title(name: str, sidecars: list[Sidecar]) -> Sidecar | None:
    stem, ext, index, _edited = _split(name)
    wanted = {name.lower(), f"{stem}{ext}".lower()} if not index else {name.lower()}
    for sidecar in sidecars:
        if sidecar.title and sidecar.title.lower() in wanted:
            return sidecar
    return None
