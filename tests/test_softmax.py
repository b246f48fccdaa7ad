"""The full-softmax skip-gram (``--loss softmax``): the step against finite
differences and a hand-worked example, training on a planted-structure corpus
(softmax and SGNS), the stop flag, and the large-vocabulary refusal."""

import numpy as np
import pytest

from w2v_cli.errors import W2VError
from w2v_cli.training.kernels.softmax import softmax_step
from w2v_cli.training.loop import train
from w2v_cli.corpus.vocab import Vocab


def _step(W, Wp, inp, target, alpha):
    """Run the kernel on copies; return (W after, W' after, loss)."""
    W, Wp = W.copy(), Wp.copy()
    scores = np.empty(Wp.shape[0], W.dtype)
    grad = np.empty(W.shape[1], W.dtype)
    loss = softmax_step(W, Wp, inp, target, alpha, scores, grad)
    return W, Wp, loss


def _loss(W, Wp, inp, target):
    """The kernel's own loss (alpha = 0 leaves the vectors unchanged)."""
    return _step(W, Wp, inp, target, 0.0)[2]


def test_gradient_matches_central_differences():
    rng = np.random.default_rng(3)
    V, D, inp, target = 7, 5, 2, 4
    W = rng.normal(size=(V, D))
    Wp = rng.normal(size=(V, D))
    alpha = 1e-3
    W1, Wp1, loss = _step(W, Wp, inp, target, alpha)
    # The step is gradient descent: new = old - alpha * dL/dx.
    grad_v = -(W1[inp] - W[inp]) / alpha
    grad_U = -(Wp1 - Wp) / alpha
    # Reference loss in plain numpy.
    s = Wp @ W[inp]
    assert loss == pytest.approx(np.log(np.exp(s).sum()) - s[target], rel=1e-12)
    # Other input rows are untouched.
    np.testing.assert_array_equal(np.delete(W1, inp, 0), np.delete(W, inp, 0))
    h = 1e-6
    fd_v = np.zeros(D)
    for d in range(D):
        Wa, Wb = W.copy(), W.copy()
        Wa[inp, d] += h
        Wb[inp, d] -= h
        fd_v[d] = (_loss(Wa, Wp, inp, target) - _loss(Wb, Wp, inp, target)) / (2 * h)
    fd_U = np.zeros((V, D))
    for k in range(V):
        for d in range(D):
            Ua, Ub = Wp.copy(), Wp.copy()
            Ua[k, d] += h
            Ub[k, d] -= h
            fd_U[k, d] = (_loss(W, Ua, inp, target) - _loss(W, Ub, inp, target)) / (2 * h)
    np.testing.assert_allclose(grad_v, fd_v, rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(grad_U, fd_U, rtol=1e-6, atol=1e-8)
    # Every output row moves, not only the target's.
    assert (np.abs(Wp1 - Wp).sum(axis=1) > 0).all()


def test_gradient_float32_matches_float64():
    rng = np.random.default_rng(4)
    W = rng.normal(size=(50, 8))
    Wp = rng.normal(size=(50, 8))
    W64, Wp64, l64 = _step(W, Wp, 3, 17, 0.05)
    W32, Wp32, l32 = _step(W.astype(np.float32), Wp.astype(np.float32), 3, 17, 0.05)
    assert W32.dtype == np.float32 and Wp32.dtype == np.float32
    assert l32 == pytest.approx(l64, rel=1e-5)
    np.testing.assert_allclose(W32, W64, atol=1e-5)
    np.testing.assert_allclose(Wp32, Wp64, atol=1e-5)


def test_large_scores_are_stable():
    """exp(1000) overflows; the max-subtracted log-sum-exp does not."""
    W = np.array([[30.0, 0.0]])
    Wp = np.array([[40.0, 0.0], [39.0, 0.0], [0.0, 1.0]])
    # Scores 1200, 1170, 0: loss for target 1 = log(1 + e^-30 + e^-1200) + 30 ~ 30.
    W1, Wp1, loss = _step(W, Wp, 0, 1, 1e-3)
    assert loss == pytest.approx(30.0 + np.log1p(np.exp(-30.0)), rel=1e-12)
    assert np.isfinite(W1).all() and np.isfinite(Wp1).all()
    W32, Wp32, loss32 = _step(W.astype(np.float32), Wp.astype(np.float32), 0, 1, 1e-3)
    assert loss32 == pytest.approx(30.0, rel=1e-5)
    assert np.isfinite(W32).all() and np.isfinite(Wp32).all()


def test_three_word_example_by_hand():
    """Vocabulary [King, Queen, Man], D = 2: "King" predicts "Queen", alpha 0.1."""
    v_king = np.array([0.10, 0.30])
    u = np.array([[0.20, 0.90],    # u_King
                  [0.70, 0.10],    # u_Queen
                  [-0.30, 0.40]])  # u_Man
    alpha = 0.1
    # Forward pass: scores v.u_k, softmax, cross-entropy for Queen.
    s = np.array([0.1 * 0.2 + 0.3 * 0.9, 0.1 * 0.7 + 0.3 * 0.1, 0.1 * -0.3 + 0.3 * 0.4])  # .29 .10 .09
    p = np.exp(s) / np.exp(s).sum()
    expected_loss = -np.log(p[1])
    # Error terms 1[k = Queen] - p_k.
    e = np.array([0.0 - p[0], 1.0 - p[1], 0.0 - p[2]])
    # v += alpha (u_Queen - sum_k p_k u_k) = alpha sum_k e_k u_k;  u_k += alpha e_k v (old v).
    v_new = v_king + alpha * (u[1] - (p[0] * u[0] + p[1] * u[1] + p[2] * u[2]))
    u_new = np.array([u[0] + alpha * e[0] * v_king,
                      u[1] + alpha * e[1] * v_king,
                      u[2] + alpha * e[2] * v_king])
    assert p == pytest.approx([0.37797, 0.31257, 0.30946], abs=1e-5)  # e^.29, e^.10, e^.09 over their sum 3.53577
    assert expected_loss == pytest.approx(1.16293, abs=1e-5)
    W = np.array([v_king, [0.5, -0.5], [0.25, 0.25]])  # rows of Queen and Man are not inputs here
    for dtype, tol in ((np.float64, 1e-12), (np.float32, 1e-6)):
        W1, U1, loss = _step(W.astype(dtype), u.astype(dtype), 0, 1, alpha)
        assert loss == pytest.approx(expected_loss, abs=tol * 10)
        np.testing.assert_allclose(W1[0], v_new, atol=tol)
        np.testing.assert_allclose(W1[1:], W[1:].astype(dtype), atol=0)
        np.testing.assert_allclose(U1, u_new, atol=tol)


def _planted_corpus(groups=8, size=6, n_sentences=1500, length=10, seed=0):
    rng = np.random.default_rng(seed)
    words = [[f"g{g}w{i}" for i in range(size)] for g in range(groups)]
    sentences = []
    for _ in range(n_sentences):
        g = rng.integers(groups)
        sentences.append([words[g][i] for i in rng.integers(size, size=length)])
    return sentences


def _group_recovery(result):
    W = result.W / np.linalg.norm(result.W, axis=1, keepdims=True)
    sim = W @ W.T
    np.fill_diagonal(sim, -np.inf)
    nearest = sim.argmax(axis=1)
    group = [w.split("w")[0] for w in result.words]
    return np.mean([group[i] == group[j] for i, j in enumerate(nearest)])


@pytest.fixture(scope="module")
def planted():
    return _planted_corpus()


# With the default alpha (0.025) the softmax reaches its floor (about log 6) by
# epoch 3 and then wobbles by ~0.005 per epoch; at 0.015 it is still falling at
# epoch 5 (by > 0.05 per epoch over seeds 0-3), so "strictly decreasing" is robust.
@pytest.mark.parametrize("loss, alpha", [("softmax", 0.015), ("ns", 0.025)])
def test_planted_groups_recovered(planted, loss, alpha):
    result = train(planted, loss=loss, alpha=alpha, min_count=1, dim=16, epochs=5, threads=1, progress=False)
    assert len(result.words) == 48
    assert _group_recovery(result) >= 0.9
    assert all(np.isfinite(result.loss_history))
    if loss == "softmax":
        h = result.loss_history
        assert all(b < a for a, b in zip(h, h[1:])), h
        # Sentences draw uniformly from 6 words: the best possible loss is log 6;
        # the first epoch starts from log 48 (W' = 0).
        assert h[-1] < 0.5 * (np.log(48) + np.log(6))


def test_softmax_two_threads_trains(planted):
    result = train(planted, loss="softmax", min_count=1, dim=16, epochs=3, threads=2, progress=False)
    assert np.isfinite(result.W).all()
    assert result.loss_history[-1] < result.loss_history[0]


def _epoch_inputs(stream, V, D, threads, stop):
    from w2v_cli.training.kernels.inputs import epoch_inputs, start_epoch
    from w2v_cli.training.options import TrainOptions

    rng = np.random.default_rng(0)
    W = (rng.random((V, D), dtype=np.float32) - 0.5) / D
    Wp = np.zeros((V, D), np.float32)
    opts = TrainOptions(loss="softmax", window=2, sample=0.0, epochs=1)
    b = epoch_inputs(stream, np.ones(V, np.int64), W, Wp, opts, threads=threads, stop=np.full(1, stop, np.int32))
    return start_epoch(b, 0, 1, 0)


def test_epoch_kernel_counts_and_stop_flag():
    from w2v_cli.training.kernels import registry

    kernel = registry.select("skipgram", "softmax", "pair").epoch
    stream = np.array([0, 1, 2, 3, -1, 4, 5, -1, 6], dtype=np.int32)
    b = _epoch_inputs(stream, 7, 4, 1, 0)
    kernel(b)
    assert b.progress[0] == 7  # words read, sentence breaks excluded
    assert 0 < b.pair_acc[0] <= 12  # radius <= 2: 2+3+3+2 pairs, then 2, then 0 (a lone word)
    assert b.loss_acc[0] > 0
    assert b.spans[0, 0] == len(stream)
    stopped = _epoch_inputs(stream, 7, 4, 1, 1)
    kernel(stopped)
    assert stopped.pair_acc[0] == 0  # stop set before the start: no pair trained
    assert stopped.spans[0, 0] == 0  # and the thread is still at its start
    np.testing.assert_array_equal(stopped.Wp, 0)


def _big_vocab(n):
    return Vocab([f"w{i}" for i in range(n)], np.full(n, 10))


def test_softmax_refuses_large_vocabulary_without_force():
    big = _big_vocab(50_001)
    sentences = [["w0", "w1", "w2", "w3"], ["w4", "w5", "w0"]]
    with pytest.raises(W2VError, match="--force"):
        train(sentences, vocab=big, loss="softmax", min_count=1, dim=2, epochs=1, threads=1, progress=False)
    result = train(sentences, vocab=big, loss="softmax", force=True, min_count=1, dim=2, epochs=1,
                   threads=1, progress=False)
    assert result.W.shape == (50_001, 2) and np.isfinite(result.loss_history[0])
    # At the limit itself, and with SGNS, no force is needed.
    train(sentences, vocab=_big_vocab(50_000), loss="softmax", min_count=1, dim=2, epochs=1,
          threads=1, progress=False)
    train(sentences, vocab=big, loss="ns", min_count=1, dim=2, epochs=1, threads=1, progress=False)


def test_read_sentence_and_window_bounds():
    from w2v_cli.training.kernels.stream import read_sentence, window_bounds
    stream = np.array([3, 1, -1, 2, 0, 0, 1, -1], dtype=np.int32)
    state = np.array([12345], dtype=np.uint64)
    buf = np.empty(3, np.int32)
    keep_all = np.ones(4)
    pos, n, read = read_sentence(stream, 0, len(stream), keep_all, state, buf)
    assert (pos, n, read) == (3, 2, 2) and list(buf[:2]) == [3, 1]
    # A full buffer ends the sentence early; the rest is the next "sentence".
    pos, n, read = read_sentence(stream, pos, len(stream), keep_all, state, buf)
    assert (pos, n, read) == (6, 3, 3) and list(buf) == [2, 0, 0]
    # keep = 0 drops every word but still counts it as read.
    pos, n, read = read_sentence(stream, 3, len(stream), np.zeros(4), state, buf)
    assert (pos, n, read) == (8, 0, 4)
    # Radius b uniform in 1..window, the window [i - b, i + b] clipped to the sentence.
    radii = set()
    for _ in range(50):
        for i in range(5):
            lo, hi = window_bounds(state, i, 5, 2)
            b = [b for b in (1, 2) if (lo, hi) == (max(0, i - b), min(5, i + b + 1))]
            assert b, (i, lo, hi)
            if 0 < i - 1 and i + 2 < 5:
                radii.add(b[0])
    assert radii == {1, 2}


def test_epoch_kernel_choice():
    from w2v_cli.training.kernels import registry
    assert registry.select("skipgram", "softmax", "window").epoch is registry.epoch_sg_softmax
    assert registry.select("skipgram", "softmax", "pair").epoch is registry.epoch_sg_softmax
    assert registry.select("skipgram", "ns", "window").epoch is registry.epoch_sg_ns_window
    assert registry.select("skipgram", "ns", "pair").epoch is registry.epoch_sg_ns_pair
