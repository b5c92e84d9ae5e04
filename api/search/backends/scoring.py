"""What every back-end does with the float32 bytes of the embeddings it read: one matrix, and
the exact ranking against a query, best first, ties by photo id (so the back-ends agree)."""

from collections.abc import Sequence

import numpy as np


def rows_stacked(rows: Sequence[Sequence]) -> tuple[np.ndarray, np.ndarray]:
    """[(photo id, float32 bytes, ...)] -> (photo ids, one row of floats each)."""
    ids = np.fromiter((row[0] for row in rows), dtype=np.int64, count=len(rows))
    return ids, np.stack([np.frombuffer(bytes(row[1]), dtype=np.float32) for row in rows])


def rows_ranked(
    rows: Sequence[Sequence], vector: np.ndarray, limit: int | None = None
) -> list[tuple[int, float]]:
    """`rows` as rows_stacked reads them, scored against the normalised float32 `vector`: the
    best `limit` (all by default) as [(photo id, cosine rounded to 6 places)]."""
    if not rows:
        return []
    ids, matrix = rows_stacked(rows)
    scores = matrix @ vector
    order = np.lexsort((ids, -scores))[:limit]
    return [(int(ids[i]), round(float(scores[i]), 6)) for i in order]
