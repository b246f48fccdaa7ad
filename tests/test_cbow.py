"""CBOW with negative sampling (``--model cbow``): the step against central finite
differences, planted structure, reproducibility, resume, the default rate."""

import dataclasses

import numpy as np
import pytest

from conftest import assert_resume_reproduces, group_precision, planted_sentences
from numba import njit

from w2v_cli.training.kernels.cbow import cbow_step
from w2v_cli.training.kernels.inputs import epoch_inputs, start_epoch
from w2v_cli.training.kernels.ahead import AHEAD_HOOKS
from w2v_cli.training.kernels.span import new_scratch, run_span
from w2v_cli.training.options import TrainOptions
from w2v_cli.training.loop import train


def _objective(W, U, contexts, mean):
    """-J: h = mean (or sum) of the context rows; -log sigma(h.u0) - sum_k log sigma(-h.uk), float64."""
    h = W[contexts].sum(axis=0)
    if mean:
        h = h / len(contexts)
    s = U @ h
    return np.logaddexp(0, -s[0]) + np.logaddexp(0, s[1:]).sum()


@pytest.mark.parametrize("mean", [True, False], ids=["mean", "sum"])
def test_step_gradients_match_finite_differences(mean):
    rng = np.random.default_rng(11)
    V, D, K, alpha, h = 9, 6, 4, 1e-2, 1e-4
    W = rng.normal(0, 0.4, (V, D))
    U = rng.normal(0, 0.4, (K + 1, D))  # output rows 0..K: target 0 = the centre word
    contexts = np.array([2, 5, 7], np.int64)
    W32, U32 = W.astype(np.float32), U.astype(np.float32)
    W1, U1 = W32.copy(), U32.copy()
    loss = cbow_step(W1, U1, contexts, 3, np.arange(K + 1, dtype=np.int64), K + 1, alpha, mean,
                     np.empty(D, np.float32), np.empty(D, np.float32))
    W64, U64 = W32.astype(np.float64), U32.astype(np.float64)
    assert loss == pytest.approx(_objective(W64, U64, contexts, mean), rel=1e-5)
    # Output rows: the step is alpha * dJ/du exactly.
    for r in range(K + 1):
        for d in range(D):
            E = np.zeros_like(U64)
            E[r, d] = h
            fd = -(_objective(W64, U64 + E, contexts, mean) - _objective(W64, U64 - E, contexts, mean)) / (2 * h)
            assert (U1[r, d] - U32[r, d]) / alpha == pytest.approx(fd, abs=2e-4)
    # Context rows: each takes alpha * dJ/dh; dJ/dW[c] = dJ/dh for the sum, dJ/dh / C for the mean.
    scale = len(contexts) if mean else 1
    for c in contexts:
        for d in range(D):
            E = np.zeros_like(W64)
            E[c, d] = h
            fd = -(_objective(W64 + E, U64, contexts, mean) - _objective(W64 - E, U64, contexts, mean)) / (2 * h)
            assert (W1[c, d] - W32[c, d]) / alpha == pytest.approx(scale * fd, abs=2e-4)
    others = [r for r in range(V) if r not in contexts]
    np.testing.assert_array_equal(W1[others], W32[others])


def test_centre_drawn_as_negative_is_skipped_and_duplicates_step_twice():
    rng = np.random.default_rng(2)
    W = rng.normal(0, 0.4, (4, 3)).astype(np.float32)
    U = rng.normal(0, 0.4, (4, 3)).astype(np.float32)
    W1, U1 = W.copy(), U.copy()
    loss = cbow_step(W1, U1, np.array([1, 1], np.int64), 2, np.array([0, 0, 3], np.int64), 3, 0.1, True,
                     np.empty(3, np.float32), np.empty(3, np.float32))
    # Expected: h = W[1]; targets 0 (label 1) and 3 (label 0); the second 0 skipped.
    hvec = W[1].astype(np.float64)
    sig = lambda x: 1 / (1 + np.exp(-x))  # noqa: E731
    g0, g3 = 0.1 * (1 - sig(hvec @ U[0])), 0.1 * (0 - sig(hvec @ U[3]))
    e = g0 * U[0] + g3 * U[3]
    np.testing.assert_allclose(U1[0], U[0] + g0 * hvec, atol=1e-6)
    np.testing.assert_allclose(U1[3], U[3] + g3 * hvec, atol=1e-6)
    np.testing.assert_allclose(W1[1], W[1] + 2 * e, atol=1e-6)  # in the window twice: stepped twice
    assert loss == pytest.approx(np.logaddexp(0, -hvec @ U[0]) + np.logaddexp(0, hvec @ U[3]), rel=1e-5)


OPTS = dict(model="cbow", dim=16, epochs=5, min_count=1, threads=1, seed=3, progress=False)


@pytest.fixture(scope="module")
def planted():
    return planted_sentences(n_sentences=1500)


@pytest.mark.parametrize("cbow_sum", [False, True], ids=["mean", "sum"])
def test_planted_groups_recovered(planted, cbow_sum):
    result = train(planted, cbow_sum=cbow_sum, alpha=0.05 if not cbow_sum else 0.01, **OPTS)
    assert group_precision(result.words, result.W) >= 0.9
    h = result.loss_history
    assert all(np.isfinite(h)) and h[-1] < h[0]


def test_one_thread_is_reproducible_and_seed_matters(planted):
    a = train(planted, **OPTS)
    b = train(planted, **OPTS)
    c = train(planted, **{**OPTS, "seed": 4})
    np.testing.assert_array_equal(a.W, b.W)
    np.testing.assert_array_equal(a.Wp, b.Wp)
    assert not np.array_equal(a.W, c.W)
    # One positive per centre word with a context: pairs are at most the words read.
    assert 0 < a.pair_history[0] <= a.train_words


@njit(inline="always")
def _record_negatives(b, s, sentence, n, i, lo, hi, alpha, with_loss, state):
    """A span-loop step that writes (negatives..., position) of each centre word
    to the next row of Wp (W[0, 0] counts the rows)."""
    r = np.int64(b.W[0, 0])
    b.W[0, 0] += 1
    for d in range(b.negative):
        b.Wp[r, d] = s.targets[d + 1]
    b.Wp[r, b.negative] = i
    return 0.0, 1


@njit
def _record_span(b):
    run_span(b, new_scratch(b), 0, _record_negatives, AHEAD_HOOKS)


@pytest.mark.parametrize("share", [1, 2, 3])
def test_one_draw_of_negatives_serves_share_consecutive_centre_words(share):
    """--shared-negatives N: the span loop hands the same K negatives to N
    consecutive centre words of a sentence, then draws afresh (a new sentence
    starts a new draw)."""
    V, K, lengths = 60, 5, [7, 5, 1, 4]
    stream = np.concatenate([np.append(np.arange(m, dtype=np.int32) + 1, -1) for m in lengths])
    opts = TrainOptions(model="cbow", negative=K, dim=K + 1, sample=0, shared_negatives=share).resolve()
    W = np.zeros((V, K + 1), np.float32)
    Wp = np.zeros((V, K + 1), np.float32)
    b = start_epoch(epoch_inputs(stream, np.full(V, 10), W, Wp, opts), 0, 1, 0)
    _record_span(b)
    rows = Wp[:int(W[0, 0])].astype(np.int64)
    assert list(rows[:, K]) == [i for m in lengths for i in range(m)]
    starts = np.cumsum([0] + lengths[:-1])
    for start, m in zip(starts, lengths):
        for i in range(1, m):
            same = np.array_equal(rows[start + i, :K], rows[start + i - 1, :K])
            assert same == (i % share != 0), (start, i)
    # A fresh draw at every sentence start, and draws are not all alike.
    for start in starts[1:]:
        assert not np.array_equal(rows[start, :K], rows[start - 1, :K])
    assert len({tuple(r) for r in rows[:, :K]}) == sum(-(-m // share) for m in lengths)


def test_shared_negatives_default_is_2_for_cbow_with_negatives_only():
    assert TrainOptions(model="cbow").resolve().shared_negatives == 2
    assert TrainOptions(model="cbow", loss="hs").resolve().shared_negatives == 1
    assert TrainOptions().resolve().shared_negatives == 1
    assert TrainOptions(model="cbow", shared_negatives=1).resolve().shared_negatives == 1
    # No default that the option check would then refuse: --batch pair is the
    # registry's to refuse for CBOW, and CBOW options asked for resolve with another loss.
    assert TrainOptions(model="cbow", batch="pair").resolve().shared_negatives == 1
    opts = TrainOptions(model="cbow")
    assert dataclasses.replace(opts, loss="hs").resolve().shared_negatives == 1


def test_default_alpha_is_0_05_for_cbow_only():
    assert TrainOptions(model="cbow").resolve().alpha == 0.05
    assert TrainOptions().resolve().alpha == 0.025
    assert TrainOptions(model="cbow", alpha=0.01).resolve().alpha == 0.01


def test_resume_after_an_epoch_reproduces_the_full_run(planted, tmp_path):
    opts = {**OPTS, "epochs": 3}
    assert_resume_reproduces(planted, train(planted, **opts), tmp_path / "run.ckpt", **opts)
