"""Grouping face encodings: nearest-neighbour matching and density-based clustering.

Plain numpy over (n, 128) float32 arrays, no database: the services in api/services/faces.py
load encodings, call these and store the answer. Thresholds are Euclidean distances between
dlib encodings, measured on the corpus (bench/faces.py): every face there has a face of the
same person within 0.51, and the nearest pair of different people is 0.61 apart.
"""

import numpy as np
from scipy import sparse
from scipy.sparse.csgraph import connected_components
from sklearn.cluster import MiniBatchKMeans

# Two faces closer than this are neighbours for clustering; single-linkage chains grow with
# the radius, so it sits below the recognition threshold.
CLUSTER_EPS = 0.5
# A cluster needs two faces: a lone face stays unknown until a second one like it appears.
CLUSTER_MIN_SAMPLES = 2
# A face this close to a named person's face is recognised as that person.
RECOGNITION_DISTANCE = 0.55

# Up to this many faces the radius search compares every pair.
EXACT_MAX = 20_000
# Above it, each face is put in its nearest k-means cells and compared within each cell.
_PROBES = 2
_CHUNK = 1024
_QUERY_CHUNK = 256


def pairwise_distances(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Euclidean distances between the rows of `a` and `b` through one matrix product."""
    a = np.asarray(a, dtype=np.float32)
    b = np.asarray(b, dtype=np.float32)
    squared = (a * a).sum(1)[:, None] + (b * b).sum(1)[None, :] - 2.0 * (a @ b.T)
    return np.sqrt(np.maximum(squared, 0.0))


def nearest(
    queries: np.ndarray, index: np.ndarray, *, k: int = 10
) -> tuple[np.ndarray, np.ndarray]:
    """The `k` nearest rows of `index` for each query, nearest first: (distances, positions)."""
    k = min(k, len(index))
    if k == 0 or len(queries) == 0:
        empty = np.empty((len(queries), 0))
        return empty, empty.astype(int)
    queries = np.asarray(queries, dtype=np.float32)
    index = np.asarray(index, dtype=np.float32)
    index_norms = (index * index).sum(1)
    distances, positions = [], []
    for start in range(0, len(queries), _QUERY_CHUNK):
        chunk = queries[start : start + _QUERY_CHUNK]
        # Ranking needs |x|^2 - 2 q.x only; exact distances are computed for the k kept.
        score = chunk @ index.T
        score *= -2.0
        score += index_norms
        part = score.argmin(1)[:, None] if k == 1 else np.argpartition(score, k - 1, axis=1)[:, :k]
        part_dist = np.linalg.norm(index[part] - chunk[:, None, :], axis=2)
        order = np.argsort(part_dist, axis=1)
        positions.append(np.take_along_axis(part, order, 1))
        distances.append(np.take_along_axis(part_dist, order, 1))
    return np.concatenate(distances), np.concatenate(positions)


def radius_graph(
    encodings: np.ndarray, *, eps: float = CLUSTER_EPS, exact_max: int = EXACT_MAX
) -> sparse.csr_matrix:
    """Boolean (n, n) adjacency of the pairs closer than `eps`, the diagonal included.

    Exact up to `exact_max` faces. Beyond, each face joins its _PROBES nearest k-means cells and
    only faces sharing a cell are compared: a face's neighbours lie in its own region of the
    space, so this misses almost no pair at a fraction of the all-pairs cost.
    """
    x = np.asarray(encodings, dtype=np.float32)
    n = len(x)
    if n <= exact_max:
        groups = [np.arange(n)]
    else:
        n_cells = int(2 * np.sqrt(n))
        rng = np.random.default_rng(0)
        sample = x[rng.choice(n, size=min(n, 20 * n_cells), replace=False)]
        kmeans = MiniBatchKMeans(n_clusters=n_cells, random_state=0, n_init=1, batch_size=2048)
        centres = kmeans.fit(sample).cluster_centers_
        _, cells = nearest(x, centres, k=_PROBES)
        order = np.argsort(cells.ravel(), kind="stable")
        owners = np.repeat(np.arange(n), cells.shape[1])[order]
        bounds = np.searchsorted(cells.ravel()[order], np.arange(n_cells + 1))
        groups = [owners[bounds[c] : bounds[c + 1]] for c in range(n_cells)]
    norms = (x * x).sum(1)
    rows, cols = [], []
    for group in groups:
        for start in range(0, len(group), _CHUNK):
            chunk = group[start : start + _CHUNK]
            squared = x[chunk] @ x[group].T
            squared *= -2.0
            squared += norms[chunk, None]
            squared += norms[None, group]
            r, c = np.nonzero(squared <= eps * eps)
            rows.append(chunk[r])
            cols.append(group[c])
    rows.append(np.arange(n))
    cols.append(np.arange(n))
    row, col = np.concatenate(rows), np.concatenate(cols)
    graph = sparse.csr_matrix((np.ones(len(row), dtype=bool), (row, col)), shape=(n, n))
    graph.data[:] = True
    return graph


def cluster_encodings(
    encodings: np.ndarray,
    *,
    eps: float = CLUSTER_EPS,
    min_samples: int = CLUSTER_MIN_SAMPLES,
    exact_max: int = EXACT_MAX,
) -> np.ndarray:
    """DBSCAN labels (0, 1, …; -1 for faces in no cluster) for each encoding.

    Core faces have at least `min_samples` faces (themselves included) within `eps`; clusters
    are the connected groups of core faces, and a border face joins its nearest core face's.
    """
    n = len(encodings)
    if n == 0:
        return np.empty(0, dtype=int)
    graph = radius_graph(encodings, eps=eps, exact_max=exact_max)
    core = np.diff(graph.indptr) >= min_samples
    core_graph = graph[core][:, core]
    _, core_labels = connected_components(core_graph, directed=False)
    labels = np.full(n, -1, dtype=int)
    labels[core] = core_labels
    border = np.flatnonzero(~core & (graph[:, core].sum(1).A1 > 0))
    if len(border):
        core_positions = np.flatnonzero(core)
        _, nearest_core = nearest(encodings[border], encodings[core_positions], k=1)
        labels[border] = labels[core_positions[nearest_core[:, 0]]]
    return labels
