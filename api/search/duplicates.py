"""Near-duplicate groups: photos whose perceptual hashes are a few bits apart (and, when both
have CLIP embeddings, whose embeddings agree), found with multi-index hashing instead of
comparing all pairs.

The 64-bit hash is cut into 4 bands of 16 bits. Two hashes at most 7 bits apart have, by the
pigeonhole principle, one band at most 1 bit apart; so candidates are the photos sharing a
band value exactly or with one bit flipped (17 probes per band), found with sorted arrays and
binary search, then checked on the full hash. Flat pictures (api.ingest.phash.FLAT) have no
meaningful hash and are never grouped.
"""

from dataclasses import dataclass

import numpy as np
from django.conf import settings
from django.db.models import QuerySet

from api.ingest.phash import FLAT
from api.ml import clip
from api.models import Embedding, Photo

BANDS = 4
BAND_BITS = 16
# The method finds every pair within this many bits; the setting must not exceed it.
MAX_DISTANCE = 7


@dataclass
class Group:
    ids: list[int]
    best: int


def hash_pairs(ids: np.ndarray, hashes: np.ndarray, max_distance: int) -> np.ndarray:
    """All pairs (i, j), i < j, of positions whose hashes differ by at most `max_distance`
    bits (<= MAX_DISTANCE), as an (n, 2) array of positions into `ids`.

    Candidates are checked on the full hash as they are found, a slice of positions at a
    time: at a million photos a band value is shared by a dozen others, and keeping every
    candidate of every probe would take gigabytes."""
    if max_distance > MAX_DISTANCE:
        raise ValueError(f"multi-index hashing with {BANDS} bands finds up to {MAX_DISTANCE} bits")
    unsigned = hashes.view(np.uint64)
    found = [np.zeros((0, 2), dtype=np.int64)]
    probes = [0] + [1 << bit for bit in range(BAND_BITS)]
    for band in range(BANDS):
        values = ((unsigned >> np.uint64(band * BAND_BITS)) & np.uint64(0xFFFF)).astype(np.int64)
        order = np.argsort(values, kind="stable")
        ordered = values[order]
        for probe in probes:
            for start in range(0, len(values), _SLICE):
                positions = np.arange(start, min(start + _SLICE, len(values)))
                wanted = values[positions] ^ probe
                left = np.searchsorted(ordered, wanted, "left")
                counts = np.searchsorted(ordered, wanted, "right") - left
                total = int(counts.sum())
                if not total:
                    continue
                first = np.repeat(positions, counts)
                offsets = np.arange(total) - np.repeat(np.cumsum(counts) - counts, counts)
                second = order[np.repeat(left, counts) + offsets]
                keep = first < second
                first, second = first[keep], second[keep]
                near = np.bitwise_count(unsigned[first] ^ unsigned[second]) <= max_distance
                found.append(np.stack([first[near], second[near]], axis=1))
    return np.unique(np.concatenate(found), axis=0)


# Positions probed at once: bounds the candidate arrays to a few tens of megabytes.
_SLICE = 65536


def duplicate_groups(*, photos: QuerySet[Photo]) -> list[Group]:
    """Groups of near duplicates among `photos` (one owner's), biggest first, each with a
    suggested copy to keep: the largest picture, then the one with most metadata."""
    rows = list(
        photos.filter(phash__isnull=False)
        .exclude(phash=FLAT)
        .order_by("id")
        .values_list("id", "phash")
    )
    if len(rows) < 2:
        return []
    ids = np.array([row[0] for row in rows], dtype=np.int64)
    hashes = np.array([row[1] for row in rows], dtype=np.int64)
    pairs = hash_pairs(ids, hashes, settings.DUPLICATE_PHASH_MAX_DISTANCE)
    pairs = _clip_agreeing(ids, pairs)
    components = _components(len(ids), pairs)
    groups = [sorted(int(ids[i]) for i in members) for members in components if len(members) > 1]
    details = {
        photo.pk: photo for photo in Photo.objects.filter(pk__in=[pk for g in groups for pk in g])
    }
    result = [Group(ids=group, best=_best([details[pk] for pk in group])) for group in groups]
    result.sort(key=lambda group: (-len(group.ids), group.ids[0]))
    return result


def _clip_agreeing(ids: np.ndarray, pairs: np.ndarray) -> np.ndarray:
    """Drop pairs whose CLIP embeddings (when both have one) say different pictures."""
    if not len(pairs) or not clip.clip_installed():
        return pairs
    involved = np.unique(pairs).tolist()
    vectors = {
        row.photo_id: row.array
        for row in Embedding.objects.filter(
            photo_id__in=[int(ids[i]) for i in involved],
            model_name=clip.NAME,
            model_version=clip.clip_version(),
        )
    }
    keep = []
    for first, second in pairs:
        a, b = vectors.get(int(ids[first])), vectors.get(int(ids[second]))
        keep.append(a is None or b is None or float(np.dot(a, b)) >= settings.DUPLICATE_CLIP_MIN)
    return pairs[np.array(keep, dtype=bool)]


def _components(count: int, pairs: np.ndarray) -> list[list[int]]:
    parent = list(range(count))

    def root(node: int) -> int:
        while parent[node] != node:
            parent[node] = parent[parent[node]]
            node = parent[node]
        return node

    for first, second in pairs:
        a, b = root(int(first)), root(int(second))
        if a != b:
            parent[max(a, b)] = min(a, b)
    members: dict[int, list[int]] = {}
    for node in range(count):
        members.setdefault(root(node), []).append(node)
    return list(members.values())


_METADATA = (
    "taken_at",
    "camera_make",
    "camera_model",
    "lens",
    "exposure_time",
    "f_number",
    "iso",
    "focal_length",
    "gps_lat",
)


def _best(photos: list[Photo]) -> int:
    def key(photo: Photo):
        pixels = (photo.width or 0) * (photo.height or 0)
        metadata = sum(1 for name in _METADATA if getattr(photo, name) not in (None, ""))
        return (pixels, metadata, -photo.pk)

    return max(photos, key=key).pk
