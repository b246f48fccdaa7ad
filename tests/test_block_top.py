"""block_top_indices (many rows at once, chunk maxima as a bound) gives top_indices' answer row by row."""

import numpy as np
import pytest

from w2v_cli.vectors.keyed import block_top_indices, top_indices


@pytest.mark.parametrize("n,topn,chunk", [(100_003, 15, None), (5000, 1, None), (4096, 40, 7), (9000, 3, 9000),
                                          (300, 5, None)])
def test_equals_top_indices(n, topn, chunk):
    rng = np.random.default_rng(n)
    values = rng.standard_normal((17, n)).astype(np.float32)
    values[3, -1] = 10  # a winner in the last, short chunk
    values[4, :] = -1  # every value tied
    values[4, 123] = 0
    got = block_top_indices(values, topn, chunk)
    for r, row in enumerate(values):
        want = top_indices(row, topn)
        np.testing.assert_array_equal(row[got[r]], row[want])  # same values in the same order
        if r != 4:
            np.testing.assert_array_equal(got[r], want)
    assert got[3][0] == n - 1 and got[4][0] == 123
    assert all(len(set(g)) == len(g) == min(topn, n) for g in got)  # no index twice, none missing
