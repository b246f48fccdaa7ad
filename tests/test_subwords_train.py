"""w2v train --subwords: the window step against central finite differences of
its objective, planted structure (a stem's forms that never co-occur come out
close), --threads 1 reproducibility, checkpoints, the full vectors written, and
the refusals."""

import numpy as np
import pytest

from conftest import assert_resume_reproduces, run_w2v, stem_sentences
from w2v_cli.corpus import subwords as S
from w2v_cli.training.kernels.subwords import subword_window_step
from w2v_cli.training.loop import train
from w2v_cli.vectors.formats import load_word2vec


def _objective(W, Wn, Wp, c, rows, contexts, negatives):
    """J of the module docstring in float64 (rows: the n-gram rows, repeats kept)."""
    h = (W[c] + Wn[rows].sum(axis=0)) / (1 + len(rows))
    logsig = lambda x: -np.log1p(np.exp(-x))
    J = sum(logsig(h @ Wp[u]) for u in contexts)
    for t in negatives:
        weight = len(contexts) - sum(1 for u in contexts if u == t)
        J += weight * logsig(-(h @ Wp[t]))
    return J


@pytest.mark.parametrize("case", range(4))
def test_window_step_is_the_gradient_of_its_objective(case):
    rng = np.random.default_rng(case)
    dim, V, buckets = 7, 9, 6
    W = rng.normal(0, 0.5, (V, dim)).astype(np.float32)
    Wn = rng.normal(0, 0.5, (buckets, dim)).astype(np.float32)
    Wp = rng.normal(0, 0.5, (V, dim)).astype(np.float32)
    c = 0
    # A repeated n-gram row, a repeated context word, a negative equal to a context word, a repeated negative.
    rows = np.array([[1, 3, 3, 5], [0], [], [2, 4, 4, 4, 1]][case], np.int32)
    contexts = np.array([[1, 2, 2, 3], [4], [1, 5, 6], [7, 8, 7, 1, 2, 3]][case], np.int64)
    negatives = [[2, 4, 5, 5, 6], [4, 4, 1], [7], [8, 6, 1, 5, 5]][case]
    K = len(negatives)
    targets = np.zeros(16, np.int64)
    targets[1:K + 1] = negatives
    G = np.zeros((16, 8), np.float32)
    LW = np.zeros((2, 8), np.float32)
    h = np.zeros(dim, np.float32)
    grad = np.zeros(dim, np.float32)
    alpha = 0.5  # every row's step is taken from the values before it, so it is linear in alpha
    W1, Wn1, Wp1 = W.copy(), Wn.copy(), Wp.copy()
    loss = subword_window_step(W1, Wn1, Wp1, c, rows, 0, len(rows), contexts, len(contexts), targets, K, alpha,
                               G, LW, h, grad, True)
    W64, Wn64, Wp64 = W.astype(np.float64), Wn.astype(np.float64), Wp.astype(np.float64)
    assert loss == pytest.approx(-_objective(W64, Wn64, Wp64, c, rows, contexts, negatives), rel=1e-5)
    n_in = 1 + len(rows)
    eps = 1e-5

    def fd(M, idx):
        out = np.zeros(dim)
        for k in range(dim):
            M[idx, k] += eps
            up = _objective(W64, Wn64, Wp64, c, rows, contexts, negatives)
            M[idx, k] -= 2 * eps
            down = _objective(W64, Wn64, Wp64, c, rows, contexts, negatives)
            M[idx, k] += eps
            out[k] = (up - down) / (2 * eps)
        return out

    # Output rows: alpha times the gradient; input rows: alpha * N times it (fastText's
    # undivided step on every input row, so h moves by alpha dJ/dh).
    for u in range(V):
        np.testing.assert_allclose((Wp1[u] - Wp[u]) / alpha, fd(Wp64, u), rtol=2e-3, atol=2e-5)
    for v in range(V):
        expected = n_in * fd(W64, v) if v == c else np.zeros(dim)
        np.testing.assert_allclose((W1[v] - W[v]) / alpha, expected, rtol=2e-3, atol=2e-5)
    for r in range(buckets):
        np.testing.assert_allclose((Wn1[r] - Wn[r]) / alpha, n_in * fd(Wn64, r), rtol=2e-3, atol=2e-5)
    if case == 2:
        assert (Wn1 == Wn).all()  # no n-grams: only the word's own row moves


def _cos(a, b):
    return float(a @ b / (np.linalg.norm(a) * np.linalg.norm(b)))


@pytest.mark.parametrize("batch", ["window", "pair"])
def test_planted_stems_come_out_close(batch):
    stems, sentences = stem_sentences()
    opts = dict(dim=24, epochs=5, min_count=1, threads=1, seed=3, window=3, sample=0, progress=False, batch=batch)
    scores = {}
    for subwords in (True, False):
        kv = train(sentences, subwords=subwords, bucket=50_000, **opts).keyed_vectors() if subwords else \
            train(sentences, **opts).keyed_vectors()
        same = [_cos(kv[s + "ing"], kv[s + "ed"]) for s in stems]
        other = [_cos(kv[a + "ing"], kv[b + "ed"]) for a, b in zip(stems, stems[1:] + stems[:1])]
        scores[subwords] = (np.mean(same), np.mean(other))
    same, other = scores[True]
    assert same > other + 0.2, scores
    plain_same, plain_other = scores[False]
    assert same > plain_same + 0.3, scores  # the letters did it, not the contexts


def _reference_full(result):
    offsets, rows = result.subword_table
    out = np.empty_like(result.W)
    for i in range(len(result.W)):
        r = rows[offsets[i]:offsets[i + 1]]
        out[i] = (result.W[i].astype(np.float64) + result.Wn[r].astype(np.float64).sum(axis=0)) / (1 + len(r))
    return out


@pytest.mark.parametrize("batch", ["window", "pair"])
def test_outputs_are_the_full_vectors_and_reproducible(tmp_path, batch):
    _, sentences = stem_sentences(1, n_sentences=600)
    opts = dict(dim=16, epochs=2, min_count=1, threads=1, seed=7, subwords=True, bucket=10_007, progress=False,
                batch=batch)
    a = train(sentences, **opts)
    b = train(sentences, **opts)
    np.testing.assert_array_equal(a.W, b.W)
    np.testing.assert_array_equal(a.Wn, b.Wn)
    np.testing.assert_array_equal(a.Wp, b.Wp)
    full = _reference_full(a)
    np.testing.assert_allclose(a.full_vectors(), full, atol=1e-6)
    # The n-gram rows are the vocabulary's own buckets, by fastText's hash.
    offsets, rows = a.subword_table
    for i, w in enumerate(a.words[:50]):
        assert a.ngram_ids[rows[offsets[i]:offsets[i + 1]]].tolist() == S.ngram_rows(w, 3, 6, 10_007)
    assert a.subwords == {"minn": 3, "maxn": 6, "bucket": 10_007}
    path = tmp_path / "v.txt"
    a.save(path)
    words, vectors = load_word2vec(path)
    assert words == a.words
    np.testing.assert_allclose(vectors, full, atol=1e-6)
    # The same model as fastText's reader sees it: a vector for any word.
    model = a.subword_model()
    np.testing.assert_allclose(model.full_vectors(), full, atol=1e-6)
    unseen = "zzzing"
    assert unseen not in model and model.word_vector(unseen).any()
    assert model.ngram_rows.shape == (10_007, 16)


def test_cli_threads_1_byte_identical_and_maxn_0(tmp_path):
    _, sentences = stem_sentences(2, n_sentences=400)
    corpus = tmp_path / "c.txt"
    corpus.write_text("\n".join(" ".join(s) for s in sentences) + "\n")
    args = ["--dim", 8, "--epochs", 2, "--min-count", 1, "--threads", 1, "--seed", 4, "-q", "--subwords",
            "--bucket", 5000]
    outs = []
    for i in range(2):
        out = tmp_path / f"o{i}.bin"
        r = run_w2v("train", corpus, "-o", out, *args)
        assert r.returncode == 0, r.stderr
        outs.append(out.read_bytes())
    assert outs[0] == outs[1]
    # --maxn 0: no n-grams; each word is its own row and the output is W.
    res = train(sentences, dim=8, epochs=1, min_count=1, threads=1, seed=4, subwords=True, maxn=0, progress=False)
    assert res.Wn.shape == (0, 8) and res.subword_table[0][-1] == 0
    np.testing.assert_array_equal(res.full_vectors(), res.W)


def test_resume_reproduces_the_full_run(tmp_path):
    _, sentences = stem_sentences(3, n_sentences=300)
    opts = dict(dim=8, epochs=3, min_count=1, threads=1, seed=5, subwords=True, bucket=3001, progress=False)
    full = train(sentences, **opts)
    resumed = assert_resume_reproduces(sentences, full, tmp_path / "run.ckpt", **opts)
    np.testing.assert_array_equal(resumed.Wn, full.Wn)
    np.testing.assert_array_equal(resumed.full_vectors(), full.full_vectors())


@pytest.mark.parametrize("args, message", [
    (["--subwords", "--minn", 5, "--maxn", 3], "--minn (5) must not exceed --maxn (3)"),
    (["--subwords", "--bucket", 0], "--bucket 0"),
    (["--subwords", "--loss", "softmax"], "--subwords trains with"),
    (["--subwords", "--loss", "hs"], "--subwords trains with"),
    (["--subwords", "--model", "cbow"], "--subwords trains with"),
    (["--minn", 2], "--minn needs --subwords"),
    (["--maxn", 5, "--bucket", 10], "--maxn, --bucket need --subwords"),
])
def test_refusals_are_one_line(tmp_path, args, message):
    corpus = tmp_path / "c.txt"
    corpus.write_text("a b c a b c\n" * 10)
    out = tmp_path / "o.bin"
    r = run_w2v("train", corpus, "-o", out, "--min-count", 1, *args)
    assert r.returncode != 0
    assert r.stderr.strip().count("\n") == 0 and message in r.stderr, r.stderr
    assert not out.exists()


def test_continued_training_is_refused_in_one_line(tmp_path):
    corpus = tmp_path / "c.txt"
    corpus.write_text("a b c a b c\n" * 10)
    first = tmp_path / "first.ckpt"
    assert run_w2v("train", corpus, "-o", tmp_path / "first.bin", "--checkpoint", first, "--min-count", 1,
                   "--dim", 4, "-q").returncode == 0
    out = tmp_path / "o.bin"
    r = run_w2v("train", corpus, "-o", out, "--min-count", 1, "--subwords", "--init", first)
    assert r.returncode != 0 and r.stderr.strip().count("\n") == 0 and "does not continue" in r.stderr, r.stderr
    assert not out.exists()
