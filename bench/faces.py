# ruff: noqa: E402
"""Face pipeline figures: detection + encoding speed and recall on the corpus, and clustering
time for 100,000 synthetic encodings (fresh, then +1,000 incremental).

    .venv/bin/python bench/faces.py [--faces 100000] [--identities 2000]

Runs on one core: BLAS and OpenMP threads are limited to 1 before numpy and dlib load.
"""

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

import django

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ownphotos.settings")
os.environ.setdefault("OWNPHOTOS_DATA", tempfile.mkdtemp(prefix="ownphotos-bench-"))
django.setup()

import numpy as np
from threadpoolctl import threadpool_limits

from api.ml import (
    clustering,
    faces,
)

PHOTOS = Path(__file__).resolve().parent.parent.parent / "shared" / "photos"


def corpus_detection() -> np.ndarray:
    """Detect and encode every face photo three ways; return the encodings of the default."""
    entries = [
        e for e in json.loads((PHOTOS / "manifest.json").read_text())["files"] if e.get("faces")
    ]
    images = []
    for entry in entries:
        try:
            images.append((entry, *faces.load_display_image(PHOTOS / entry["path"])))
        except OSError:
            continue
    expected = sum(entry["faces"]["count"] for entry, _, _ in images)
    print(f"corpus: {len(images)} photos with {expected} listed faces (manifest), HOG detector")
    encodings = None
    for label, upsample in (("upsample 0", 0), ("upsample 1", 1), ("adaptive (default)", None)):
        found, start = [], time.perf_counter()
        for _entry, image, size in images:
            found.append(faces.detect_faces(image, display_size=size, upsample=upsample))
        elapsed = time.perf_counter() - start
        total = sum(len(f) for f in found)
        hits = sum(
            _listed_faces_found(entry, f) for f, (entry, _, _) in zip(found, images, strict=True)
        )
        print(
            f"  {label:20s} found {total:3d}, recall {hits / expected:.3f}, "
            f"{elapsed / len(images):.3f} s/photo, {total / elapsed:.2f} faces/s "
            "(detection + encoding)"
        )
        if upsample is None:
            encodings = np.stack([face.encoding for f in found for face in f])
    return encodings


def _listed_faces_found(entry: dict, found: list[faces.DetectedFace]) -> int:
    """How many of the manifest's face boxes hold the centre of a detected face (the count,
    at most, for an entry listed without boxes)."""
    boxes = entry["faces"].get("detector_check", {}).get("dlib_cnn_boxes_ltrb")
    if boxes is None:
        return min(len(found), entry["faces"]["count"])
    hits = 0
    for left, top, right, bottom in boxes:
        hits += any(
            left <= (f.box[1] + f.box[3]) / 2 <= right
            and top <= (f.box[0] + f.box[2]) / 2 <= bottom
            for f in found
        )
    return hits


def synthetic(
    real: np.ndarray, n: int, identities: int, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """Encodings around `identities` centres shaped like real ones (per-dimension mean and
    spread of the corpus), with a spread that puts faces of one identity 0.48 apart on average.
    """
    centres = rng.normal(real.mean(0), real.std(0), size=(identities, 128)).astype(np.float32)
    labels = rng.integers(0, identities, n)
    noise = rng.normal(0, 0.03, size=(n, 128)).astype(np.float32)
    return centres[labels] + noise, labels


def pairwise(truth: np.ndarray, found: np.ndarray) -> tuple[float, float]:
    """Pairwise precision and recall of `found` clusters (-1 = none) against `truth`."""

    def pairs(counts: np.ndarray) -> float:
        return float((counts * (counts - 1) / 2).sum())

    clustered = found >= 0
    joint = np.unique(np.stack([truth[clustered], found[clustered]]), axis=1, return_counts=True)[1]
    together = pairs(np.unique(found[clustered], return_counts=True)[1])
    same = pairs(np.unique(truth, return_counts=True)[1])
    true_pos = pairs(joint)
    return true_pos / max(together, 1), true_pos / max(same, 1)


def incremental(
    existing: np.ndarray, existing_labels: np.ndarray, new: np.ndarray
) -> tuple[np.ndarray, float]:
    """What faces_group does in memory: join the nearest cluster within CLUSTER_EPS, then
    cluster the rest with the unclustered faces near them."""
    start = time.perf_counter()
    placed = existing_labels >= 0
    distances, positions = clustering.nearest(new, existing[placed], k=1)
    labels = np.where(
        distances[:, 0] <= clustering.CLUSTER_EPS, existing_labels[placed][positions[:, 0]], -1
    )
    left = np.flatnonzero(labels < 0)
    unknown = existing[~placed]
    if len(left):
        near = np.zeros(len(unknown), dtype=bool)
        if len(unknown):
            near = (
                clustering.pairwise_distances(new[left], unknown) <= clustering.CLUSTER_EPS
            ).any(0)
        local = clustering.cluster_encodings(np.concatenate([new[left], unknown[near]]))
        fresh = local[: len(left)]
        labels[left] = np.where(fresh >= 0, existing_labels.max() + 1 + fresh, -1)
    return labels, time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--faces", type=int, default=100_000)
    parser.add_argument("--identities", type=int, default=2_000)
    parser.add_argument("--new", type=int, default=1_000)
    parser.add_argument("--skip-corpus", action="store_true")
    args = parser.parse_args()
    with threadpool_limits(1):
        real = None if args.skip_corpus else corpus_detection()
        if real is None:
            real = np.random.default_rng(1).normal(0, 0.05, size=(64, 128)).astype(np.float32)
        rng = np.random.default_rng(0)
        encodings, truth = synthetic(real, args.faces + args.new, args.identities, rng)
        old, new = encodings[: args.faces], encodings[args.faces :]
        start = time.perf_counter()
        labels = clustering.cluster_encodings(old)
        elapsed = time.perf_counter() - start
        precision, recall = pairwise(truth[: args.faces], labels)
        print(
            f"cluster {args.faces} synthetic encodings ({args.identities} identities): "
            f"{elapsed:.1f} s, {len(set(labels.tolist()) - {-1})} clusters, "
            f"{(labels < 0).sum()} unclustered, pairwise precision {precision:.4f} "
            f"recall {recall:.4f}"
        )
        new_labels, elapsed = incremental(old, labels, new)
        print(
            f"incremental +{args.new}: {elapsed:.2f} s, "
            f"{(new_labels >= 0).sum()} placed in clusters"
        )


if __name__ == "__main__":
    main()
