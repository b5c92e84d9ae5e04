"""Multi-index hashing finds exactly the pairs a brute-force comparison finds."""

import numpy as np
import pytest

from api.search import duplicates
from api.search.duplicates import MAX_DISTANCE, hash_pairs


def _brute(hashes: np.ndarray, limit: int) -> set[tuple[int, int]]:
    unsigned = hashes.view(np.uint64)
    return {
        (i, j)
        for i in range(len(hashes))
        for j in range(i + 1, len(hashes))
        if int(np.bitwise_count(unsigned[i] ^ unsigned[j])) <= limit
    }


@pytest.mark.parametrize("slice_size", [65536, 7])
@pytest.mark.parametrize("limit", [0, 3, 6, MAX_DISTANCE])
def test_band_probing_finds_every_pair_within_the_distance_and_no_other(
    limit, slice_size, monkeypatch
):
    monkeypatch.setattr(duplicates, "_SLICE", slice_size)
    rng = np.random.default_rng(limit)
    base = rng.integers(-(2**63), 2**63 - 1, size=150, dtype=np.int64)
    near = []
    for value in base[:60]:
        bits = rng.choice(64, size=rng.integers(0, 10), replace=False)
        flipped = int(value) & (2**64 - 1)
        for bit in bits:
            flipped ^= 1 << int(bit)
        near.append(np.array([flipped], dtype=np.uint64).view(np.int64)[0])
    hashes = np.concatenate([base, np.array(near, dtype=np.int64)])
    found = {tuple(map(int, pair)) for pair in hash_pairs(np.arange(len(hashes)), hashes, limit)}
    expected = _brute(hashes, limit)
    assert found == expected
    assert limit < 3 or len(expected) >= 20


def test_a_distance_beyond_what_the_bands_guarantee_is_refused():
    with pytest.raises(ValueError, match="up to 7"):
        hash_pairs(np.arange(2), np.zeros(2, dtype=np.int64), MAX_DISTANCE + 1)
