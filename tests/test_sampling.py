"""Noise (alias) table and subsampling keep-probabilities."""

import numpy as np
import pytest
from numba import njit

from w2v_cli.training.kernels.rng import alias_draw, below, uniform
from w2v_cli.training.sampling import alias_probabilities, build_alias, keep_probabilities, noise_weights, pack_alias


@njit(cache=True)
def _draw_counts(table, n, seed):
    state = np.empty(1, np.uint64)
    state[0] = seed
    out = np.zeros(table.shape[0], np.int64)
    for _ in range(n):
        out[alias_draw(state, table)] += 1
    return out


def test_alias_table_is_exact():
    counts = np.array([5000, 1200, 700, 300, 44, 9, 5, 5, 1], dtype=np.int64)
    prob, alias = build_alias(noise_weights(counts, 0.75))
    target = counts ** 0.75 / (counts ** 0.75).sum()
    np.testing.assert_allclose(alias_probabilities(prob, alias), target, atol=1e-7)


def _vose_with_lists(w):
    """Vose's method as a Python loop over two lists used as stacks (the reference)."""
    n = len(w)
    scaled = w * (n / w.sum())
    prob = np.ones(n)
    alias = np.arange(n, dtype=np.int32)
    small = [i for i in range(n) if scaled[i] < 1.0]
    large = [i for i in range(n) if scaled[i] >= 1.0]
    while small and large:
        s, g = small.pop(), large.pop()
        prob[s], alias[s] = scaled[s], g
        scaled[g] = (scaled[g] + scaled[s]) - 1.0
        (small if scaled[g] < 1.0 else large).append(g)
    return prob.astype(np.float32), alias


@pytest.mark.parametrize("weights", [
    np.random.default_rng(3).zipf(1.3, 5000).astype(np.float64) ** 0.75,  # a long tail, many ties
    np.ones(17),  # every column full
    np.array([1e6, 1.0, 1.0, 1.0]),  # one column takes nearly everything
    np.array([0.0, 2.0, 0.0, 1.0]),  # zero weights: never drawn
])
def test_alias_table_is_the_list_loops_table(weights):
    """The Numba construction gives exactly the table of the Python loop it
    replaced, so training draws the same negatives as before."""
    prob, alias = build_alias(weights)
    ref_prob, ref_alias = _vose_with_lists(np.asarray(weights, np.float64))
    np.testing.assert_array_equal(prob, ref_prob)
    np.testing.assert_array_equal(alias, ref_alias)
    np.testing.assert_allclose(alias_probabilities(prob, alias), weights / weights.sum(), atol=1e-6)


@pytest.mark.parametrize("exponent", [0.75, 0.0])  # 0: every column is full and its own alias
def test_packed_alias_table_unpacks_to_the_table(exponent):
    counts = np.array([9000, 3000, 1000, 400, 100, 20, 7, 1], dtype=np.int64)
    prob, alias = build_alias(noise_weights(counts, exponent))
    table = pack_alias(prob, alias)
    assert table.dtype == np.uint64
    np.testing.assert_array_equal(table & np.uint64(0xFFFFFFFF), alias)
    threshold = (table >> np.uint64(32)).astype(np.float64)
    # floor(p * 2**32), capped just below 2**32: within one unit of the float32 prob.
    np.testing.assert_allclose(threshold / 2.0**32, prob.astype(np.float64), rtol=0, atol=2.0**-32)
    assert np.all(threshold <= 2.0**32 - 1)
    if exponent == 0.0:
        np.testing.assert_array_equal(alias, np.arange(len(counts)))
        np.testing.assert_array_equal(threshold, 2.0**32 - 1)


@pytest.mark.parametrize("prob, alias", [
    ([0.5, 1.5], [1, 1]),      # a probability above 1
    ([0.5, -0.1], [1, 1]),     # below 0
    ([0.5, np.nan], [1, 1]),
    ([0.5, 1.0], [1]),         # lengths differ
    ([0.5, 1.0], [2, 1]),      # alias out of range
])
def test_pack_alias_rejects_a_malformed_table(prob, alias):
    with pytest.raises(ValueError):
        pack_alias(np.array(prob, np.float32), np.array(alias, np.int32))


@pytest.mark.parametrize("exponent", [0.75, 1.0, 0.0])
def test_alias_draws_follow_count_power(exponent):
    counts = np.array([9000, 3000, 1000, 400, 100, 20, 7, 1], dtype=np.int64)
    prob, alias = build_alias(noise_weights(counts, exponent))
    n = 2_000_000
    freq = _draw_counts(pack_alias(prob, alias), n, 99)
    p = counts ** exponent / (counts ** exponent).sum()
    sigma = np.sqrt(n * p * (1 - p))
    # Every cell within 5 binomial standard deviations of its expectation.
    assert np.all(np.abs(freq - n * p) < 5 * sigma + 1), (freq, n * p)


def test_keep_probability_formula():
    counts = np.array([1_000_000, 10_000, 100, 1], dtype=np.int64)
    t = 1e-3
    keep = keep_probabilities(counts, t)
    f = counts / counts.sum()
    expected = np.minimum((np.sqrt(f / t) + 1) * t / f, 1.0)
    np.testing.assert_allclose(keep, expected, rtol=1e-6)
    # The most frequent word (f ~ 0.99) is kept about sqrt(t/f) + t/f of the time.
    assert keep[0] == pytest.approx(np.sqrt(t / f[0]) + t / f[0], rel=1e-5)
    assert keep[2] == 1.0 and keep[3] == 1.0
    np.testing.assert_array_equal(keep_probabilities(counts, 0.0), 1.0)


@njit(cache=True)
def _uniform_moments(n, seed):
    state = np.empty(1, np.uint64)
    state[0] = seed
    s = 0.0
    s2 = 0.0
    hist = np.zeros(10, np.int64)
    for _ in range(n):
        x = uniform(state)
        s += x
        s2 += x * x
        hist[below(state, 10)] += 1
    return s / n, s2 / n, hist


def test_rng_uniform_and_below():
    mean, sq, hist = _uniform_moments(1_000_000, 7)
    assert mean == pytest.approx(0.5, abs=3e-3)
    assert sq == pytest.approx(1 / 3, abs=3e-3)
    assert np.all(np.abs(hist - 100_000) < 5 * np.sqrt(100_000 * 0.09))
