"""Hierarchical softmax (``--loss hs``): the skip-gram pair and window steps and
the CBOW step against central finite differences, planted structure for each
(model, hs), reproducibility, resume, W' as the tree's inner nodes."""

import numpy as np
import pytest

from conftest import assert_resume_reproduces, group_precision, planted_sentences
from w2v_cli.errors import W2VError
from w2v_cli.training.huffman import huffman_tables
from w2v_cli.training.kernels.hs import cbow_hs_step, sg_hs_step, sg_hs_window_step
from w2v_cli.training.kernels.blocks import BLOCK, padded_targets, score_columns
from w2v_cli.training.loop import train

V, D, ALPHA, H = 12, 6, 1e-2, 1e-4
TREE = huffman_tables([40, 31, 20, 13, 11, 8, 5, 4, 3, 2, 2, 1])


def _path(word):
    n = TREE.code_lengths[word]
    return TREE.points[word], TREE.codes[word], n


def _nll(h, U, word):
    """-log P(word | h) = -sum_j log sigma((1 - 2 code_j) h . u_{point_j}), float64."""
    points, codes, n = _path(word)
    s = U[points[:n]] @ h
    return np.logaddexp(0, -(1 - 2 * codes[:n].astype(np.float64)) * s).sum()


def _rows(rng):
    W = rng.normal(0, 0.4, (V, D)).astype(np.float32)
    U = rng.normal(0, 0.4, (V - 1, D)).astype(np.float32)
    return W, U


def _check_against_fd(objective, W32, U32, W1, U1, rows_scale):
    """The step moved every row of W (listed in rows_scale, with the factor its
    step has over alpha * dJ/dW) and of U by alpha * the central difference of
    -objective, computed in float64 from the float32 start; other rows of W stay."""
    W64, U64 = W32.astype(np.float64), U32.astype(np.float64)
    for r in range(U64.shape[0]):
        for d in range(D):
            E = np.zeros_like(U64)
            E[r, d] = H
            fd = -(objective(W64, U64 + E) - objective(W64, U64 - E)) / (2 * H)
            assert (U1[r, d] - U32[r, d]) / ALPHA == pytest.approx(fd, abs=2e-4)
    for c, scale in rows_scale.items():
        for d in range(D):
            E = np.zeros_like(W64)
            E[c, d] = H
            fd = -(objective(W64 + E, U64) - objective(W64 - E, U64)) / (2 * H)
            assert (W1[c, d] - W32[c, d]) / ALPHA == pytest.approx(scale * fd, abs=2e-4)
    others = [r for r in range(V) if r not in rows_scale]
    np.testing.assert_array_equal(W1[others], W32[others])


@pytest.mark.parametrize("centre", [0, 7, 11])
def test_skipgram_pair_step_is_the_gradient(centre):
    W, U = _rows(np.random.default_rng(centre))
    W1, U1 = W.copy(), U.copy()
    points, codes, n = _path(centre)
    assert n >= 2 and 0 < codes[:n].sum() < n or centre == 0
    loss = sg_hs_step(W1, U1, 3, points, codes, n, ALPHA, np.empty(D, np.float32))
    assert loss == pytest.approx(_nll(W[3].astype(np.float64), U.astype(np.float64), centre), rel=1e-5)
    _check_against_fd(lambda W_, U_: _nll(W_[3], U_, centre), W, U, W1, U1, {3: 1})
    # Only the path's nodes move.
    off_path = np.setdiff1d(np.arange(V - 1), points[:n])
    np.testing.assert_array_equal(U1[off_path], U[off_path])


def _window_scratch(n_contexts, n):
    """Scratch for sg_hs_window_step: NaN where a value read before it is
    written would leak into the result (G's unscored columns must be finite)."""
    n_pad, cols = padded_targets(n - 1), score_columns(n - 1)
    rows = n_contexts + n_contexts % 2
    return (np.empty(n_pad, np.int64), np.full((rows, cols), 7.0, np.float32), np.full((2, cols), np.nan, np.float32),
            np.full((n_pad, D), np.nan, np.float32), np.full((2, D), np.nan, np.float32))


def test_skipgram_window_step_one_block_is_the_gradient_of_the_window():
    """A path of up to BLOCK nodes: every context row against it, the path's rows
    stepped once with the window's summed gradient (rows as they were before)."""
    centre = 1
    W, U = _rows(np.random.default_rng(21))
    contexts = np.array([2, 5, 8, 9, 4], np.int64)  # odd: the pairwise loop and the odd one out
    points, codes, n = _path(centre)
    assert n <= BLOCK
    W1, U1 = W.copy(), U.copy()
    loss = sg_hs_window_step(W1, U1, contexts, len(contexts), points, codes, n, ALPHA, *_window_scratch(5, n))

    def window(W_, U_):
        return sum(_nll(W_[c], U_, centre) for c in contexts)

    assert loss == pytest.approx(window(W.astype(np.float64), U.astype(np.float64)), rel=1e-5)
    _check_against_fd(window, W, U, W1, U1, {c: 1 for c in contexts})


def test_skipgram_window_step_two_contexts_is_their_gradient():
    """A path longer than BLOCK is trained two context rows at a time, both from
    the path as it was before them: for a window of two that is the gradient of
    their two pairs."""
    centre = 10
    W, U = _rows(np.random.default_rng(30))
    contexts = np.array([2, 5], np.int64)
    points, codes, n = _path(centre)
    assert n > BLOCK
    W1, U1 = W.copy(), U.copy()
    sg_hs_window_step(W1, U1, contexts, 2, points, codes, n, ALPHA, *_window_scratch(2, n))
    _check_against_fd(lambda W_, U_: _nll(W_[2], U_, centre) + _nll(W_[5], U_, centre), W, U, W1, U1, {2: 1, 5: 1})


@pytest.mark.parametrize("contexts", [[2, 5, 8, 9, 4], [2, 5, 2, 9], [9, 9, 4], [4]],
                         ids=["odd", "duplicate-in-turn", "duplicate-in-one-pair", "single"])
def test_skipgram_window_step_long_path_steps_after_each_two(contexts):
    """A path longer than BLOCK: the context rows two at a time (both from their
    values and the path's before that double step), the path's rows stepped
    after each two, as word2vec.c steps them after each pair."""
    centre = 10
    W, U = _rows(np.random.default_rng(40))
    contexts = np.array(contexts, np.int64)
    points, codes, n = _path(centre)
    rows = points[:n]
    labels = 1.0 - codes[:n]
    W_exp, U_exp, loss_exp = W.astype(np.float64), U.astype(np.float64), 0.0
    for i in range(0, len(contexts), 2):
        group = contexts[i:i + 2]
        X, P = W_exp[group].copy(), U_exp[rows].copy()
        S = X @ P.T
        G = ALPHA * (labels - 1 / (1 + np.exp(-S)))
        loss_exp += np.logaddexp(0, -(2 * labels - 1) * S).sum()
        np.add.at(W_exp, group, G @ P)
        U_exp[rows] += G.T @ X
    loss = sg_hs_window_step(W, U, contexts, len(contexts), points, codes, n, ALPHA,
                             *_window_scratch(len(contexts), n))
    np.testing.assert_allclose(W, W_exp, atol=1e-6)
    np.testing.assert_allclose(U, U_exp, atol=1e-6)
    assert loss == pytest.approx(loss_exp, rel=1e-5)


@pytest.mark.parametrize("mean", [True, False], ids=["mean", "sum"])
def test_cbow_step_is_the_gradient(mean):
    W, U = _rows(np.random.default_rng(31))
    contexts = np.array([2, 5, 7], np.int64)
    centre = 9
    points, codes, n = _path(centre)
    W1, U1 = W.copy(), U.copy()
    loss = cbow_hs_step(W1, U1, contexts, 3, points, codes, n, ALPHA, mean, np.empty(D, np.float32),
                        np.empty(D, np.float32))

    def objective(W_, U_):
        h = W_[contexts].sum(axis=0)
        return _nll(h / len(contexts) if mean else h, U_, centre)

    assert loss == pytest.approx(objective(W.astype(np.float64), U.astype(np.float64)), rel=1e-5)
    # Each context row takes alpha * dJ/dh: dJ/dW[c] for the sum, C times it for the mean (as cbow.py).
    _check_against_fd(objective, W, U, W1, U1, {c: len(contexts) if mean else 1 for c in contexts})


OPTS = dict(loss="hs", dim=16, epochs=5, min_count=1, threads=1, seed=3, progress=False)


@pytest.fixture(scope="module")
def planted():
    return planted_sentences(n_sentences=1500)


@pytest.mark.parametrize("model, batch", [("skipgram", "window"), ("skipgram", "pair"), ("cbow", "window")])
def test_planted_groups_recovered(planted, model, batch):
    result = train(planted, model=model, batch=batch, **OPTS)
    assert result.Wp.shape == (len(result.words) - 1, 16)  # the inner nodes
    assert group_precision(result.words, result.W) >= 0.9
    h = result.loss_history
    # Below log V, the loss of knowing nothing, and falling.
    assert all(np.isfinite(h)) and h[-1] < h[0] and h[-1] < np.log(len(result.words))


@pytest.mark.parametrize("model", ["skipgram", "cbow"])
def test_one_thread_reproducible_and_resume_equals_straight(planted, model, tmp_path):
    opts = {**OPTS, "model": model, "epochs": 3}
    full = train(planted, **opts)
    again = train(planted, **opts)
    np.testing.assert_array_equal(full.W, again.W)
    np.testing.assert_array_equal(full.Wp, again.Wp)
    assert_resume_reproduces(planted, full, tmp_path / "run.ckpt", **opts)


def test_context_vectors_are_labelled_by_inner_node(planted):
    result = train(planted[:200], epochs=1, **{k: v for k, v in OPTS.items() if k != "epochs"})
    kv = result.keyed_vectors(context=True)
    n = len(result.words)
    assert kv.words == [f"node{i}" for i in range(n - 1)]
    np.testing.assert_array_equal(kv.vectors, result.Wp)


def test_one_word_vocabulary_has_an_empty_path():
    """P(word) = 1: no inner node, nothing to learn, loss 0 per pair."""
    result = train([["a"] * 10] * 5, **{**OPTS, "sample": 0})
    assert result.Wp.shape == (0, 16)
    assert result.loss_history == [0.0] * 5 and result.pair_history[0] > 0


def test_wrong_output_rows_are_one_line():
    with pytest.raises(W2VError, match=r"^initial vectors .* expected \(5, 16\) and \(4, 16\) for 5 words"):
        train([["a", "b", "c", "d", "e"]] * 3, initial=(np.zeros((5, 16)), np.zeros((5, 16))), **OPTS)
    from w2v_cli.training.kernels.inputs import epoch_inputs
    from w2v_cli.training.options import TrainOptions

    with pytest.raises(W2VError, match=r"^W' has 5 rows; --loss hs over 5 words needs 4$"):
        epoch_inputs(np.arange(5, dtype=np.int32), np.ones(5), np.zeros((5, 4), np.float32),
                     np.zeros((5, 4), np.float32), TrainOptions(loss="hs", dim=4))


def test_cli_writes_the_inner_nodes_as_context(tmp_path, planted_corpus):
    from conftest import run_w2v

    out, ctx = tmp_path / "v.txt", tmp_path / "ctx.txt"
    r = run_w2v("train", planted_corpus, "-o", out, "--save-context", ctx, "--loss", "hs", "--dim", 8,
                "--epochs", 1, "--min-count", 1, "--threads", 1, "-q")
    assert r.returncode == 0, r.stderr
    n_words = int(out.read_text().split(maxsplit=1)[0])
    lines = ctx.read_text().splitlines()
    assert lines[0] == f"{n_words - 1} 8"
    assert [line.split(" ", 1)[0] for line in lines[1:]] == [f"node{i}" for i in range(n_words - 1)]


def test_negative_is_unused_by_hs_and_may_be_zero(planted):
    """word2vec.c and gensim users write -hs 1 -negative 0: accepted, and the same run as any K."""
    opts = {**OPTS, "epochs": 1}
    zero = train(planted[:300], **{**opts, "negative": 0})
    five = train(planted[:300], **{**opts, "negative": 5})
    np.testing.assert_array_equal(zero.W, five.W)
    np.testing.assert_array_equal(zero.Wp, five.Wp)
    with pytest.raises(W2VError, match=r"^--negative must be an integer in \[1, 1000\] with --loss ns"):
        train(planted[:300], **{**opts, "loss": "ns", "negative": 0})


@pytest.mark.parametrize("model, batch", [("skipgram", "window"), ("skipgram", "pair"), ("cbow", "window")])
def test_private_top_nodes_change_only_rounding_with_one_thread(planted, model, batch, tmp_path):
    """The threads' private copies of the top inner nodes (hot_rows.py), with a
    few of them private and the rest staged from W', merged every 3 centre
    words: with one thread nobody else writes W', so the result is the shared
    run's up to float32 rounding of the merges."""
    from w2v_cli.training.kernels import registry
    from w2v_cli.training.kernels.inputs import epoch_inputs, start_epoch
    from w2v_cli.training.options import TrainOptions
    from w2v_cli.corpus.pipeline import prepare
    from w2v_cli.training.initial import init_vectors

    opts = TrainOptions(model=model, loss="hs", batch=batch, dim=16, epochs=2, seed=3, min_count=1).resolve()
    prepared = prepare(planted[:400], str(tmp_path), min_count=opts.min_count)
    vocab, stream, train_words = prepared.vocab, prepared.stream, prepared.train_words
    counts = vocab.counts
    kernel = registry.select(model, "hs", batch).epoch
    runs = []
    for hot_rows in (0, 5):
        W, Wp = init_vectors(len(counts), 16, 3, opts.output_rows(len(counts)))
        b = epoch_inputs(stream, counts, W, Wp, opts, threads=1, hot_rows=hot_rows, hot_every=3)
        assert b.hot_rows == hot_rows
        for epoch in range(2):
            kernel(start_epoch(b, epoch, 3, epoch * train_words))
        runs.append((W, Wp))
    (W0, Wp0), (W1, Wp1) = runs
    assert np.abs(Wp0).max() > 0.1  # trained, not the zero start
    np.testing.assert_allclose(W1, W0, atol=1e-4)
    np.testing.assert_allclose(Wp1, Wp0, atol=1e-4)


def test_two_threads_with_private_top_nodes_recover_planted_groups(planted):
    result = train(planted, **{**OPTS, "threads": 2})
    assert group_precision(result.words, result.W) >= 0.9


def test_private_rows_nearest_the_root_merge_most_often():
    from w2v_cli.training.kernels.hot_rows import synced_rows

    assert [synced_rows(1024, c) for c in range(1, 17)] == [64, 64, 64, 256] * 3 + [64, 64, 64, 1024]
    assert synced_rows(1024, 32) == 1024 and synced_rows(1024, 64) == 1024  # never more than there are
    assert [synced_rows(5, c) for c in (1, 4, 16)] == [1, 4, 5]


def test_merges_and_staged_rows_keep_what_others_wrote():
    """hot_sync merges only the rows nearest the root it is asked for, adding the
    private steps to whatever the shared rows hold now; a staged row's step is
    added to W' after the step, so what another thread wrote meanwhile stays."""
    from w2v_cli.training.kernels.hot_rows import hot_begin, hot_sync, stage_path, unstage_path

    rng = np.random.default_rng(5)
    Wp = rng.normal(size=(10, 4)).astype(np.float32)
    hot = np.full((4 + 2 * 3, 4), np.nan, np.float32)  # 4 private rows (W' rows 6..9), paths up to 3 nodes
    base = np.full((4, 4), np.nan, np.float32)
    hot_begin(Wp, hot, base)
    np.testing.assert_array_equal(hot[:4], Wp[6:])
    np.testing.assert_array_equal(base, Wp[6:])

    step, other = rng.normal(size=(2, 4, 4)).astype(np.float32)
    hot[:4] += step  # this thread's private steps
    before = Wp.copy()
    Wp[6:] += other  # another thread's merged steps
    private_before = hot[:2].copy()
    hot_sync(Wp, hot, base, 2)  # the two rows nearest the root (W' rows 8 and 9)
    np.testing.assert_allclose(Wp[8:], before[8:] + other[2:] + step[2:], rtol=1e-6)
    np.testing.assert_array_equal(Wp[6:8], before[6:8] + other[:2])  # not merged this time
    np.testing.assert_array_equal(hot[2:4], Wp[8:])
    np.testing.assert_array_equal(base[2:4], Wp[8:])
    np.testing.assert_array_equal(hot[:2], private_before)

    points = np.array([9, 2, 5], np.int32)  # the root's row is private, rows 2 and 5 are staged
    path = np.zeros(3, np.int64)
    stage_path(Wp, hot, 4, points, 3, path)
    assert path.tolist() == [3, 5, 6]
    np.testing.assert_array_equal(hot[[5, 6]], Wp[[2, 5]])
    hot[5] += 1.0  # the step
    hot[6] -= 0.5
    Wp[2] += 10.0  # another thread, meanwhile
    expected = Wp.copy()
    expected[2] += 1.0
    expected[5] -= 0.5
    unstage_path(Wp, hot, 4, points, 3)
    np.testing.assert_allclose(Wp, expected, rtol=1e-6)
