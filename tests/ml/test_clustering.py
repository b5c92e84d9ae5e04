import itertools

import numpy as np
import pytest

from api.ml import clustering

# Not database-specific: run in the PostgreSQL run only.
pytestmark = pytest.mark.once


def _identities(n_people: int, per_person: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Encodings around random centres, spread like one person's dlib encodings."""
    rng = np.random.default_rng(seed)
    centres = rng.normal(0, 0.09, size=(n_people, 128)).astype(np.float32)
    truth = np.repeat(np.arange(n_people), per_person)
    return centres[truth] + rng.normal(0, 0.028, size=(len(truth), 128)).astype(np.float32), truth


def _pairwise(truth: np.ndarray, labels: np.ndarray) -> tuple[float, float]:
    tp = fp = fn = 0
    for i, j in itertools.combinations(range(len(truth)), 2):
        together = labels[i] >= 0 and labels[i] == labels[j]
        same = truth[i] == truth[j]
        tp += together and same
        fp += together and not same
        fn += same and not together
    return tp / (tp + fp), tp / (tp + fn)


def test_clusters_follow_identities():
    encodings, truth = _identities(20, 8)
    labels = clustering.cluster_encodings(encodings)
    precision, recall = _pairwise(truth, labels)
    assert precision == 1.0
    assert recall >= 0.95


def test_a_lone_face_is_in_no_cluster():
    encodings, _ = _identities(5, 6)
    stranger = np.full((1, 128), 0.5, dtype=np.float32)
    labels = clustering.cluster_encodings(np.concatenate([encodings, stranger]))
    assert labels[-1] == -1


def test_cell_search_finds_the_same_clusters_as_all_pairs():
    encodings, _ = _identities(40, 40, seed=1)
    exact = clustering.cluster_encodings(encodings)
    by_cells = clustering.cluster_encodings(encodings, exact_max=0)
    precision, recall = _pairwise(exact, by_cells)
    assert precision == 1.0
    assert recall >= 0.99


def test_nearest_returns_exact_distances_nearest_first():
    rng = np.random.default_rng(2)
    index = rng.normal(size=(500, 128)).astype(np.float32)
    queries = rng.normal(size=(7, 128)).astype(np.float32)
    distances, positions = clustering.nearest(queries, index, k=3)
    brute = np.linalg.norm(queries[:, None, :] - index[None, :, :], axis=2)
    assert (positions == np.argsort(brute, axis=1)[:, :3]).all()
    assert np.allclose(distances, np.sort(brute, axis=1)[:, :3], atol=1e-4)
