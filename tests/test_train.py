"""End-to-end training: structure recovered, schedule, determinism, interop."""

import bz2
import gzip
import lzma

import numpy as np
import pytest

from conftest import group_precision, planted_sentences, run_w2v
from w2v_cli.training.loop import train
from w2v_cli.corpus.vocab import Vocab


def test_planted_groups_recovered_from_token_lists():
    sents = planted_sentences()
    result = train(sents, dim=16, epochs=5, min_count=1, threads=1, sample=0, progress=False)
    assert group_precision(result.words, result.W) >= 0.9
    assert len(result.loss_history) == 5
    # The objective falls from the first epoch to the last.
    assert result.loss_history[-1] < result.loss_history[0]


def test_planted_groups_recovered_with_two_threads(planted_corpus):
    result = train(planted_corpus, dim=16, epochs=5, min_count=1, threads=2, progress=False)
    assert group_precision(result.words, result.W) >= 0.9


def test_windows_never_cross_sentences():
    # Window 1 gives exactly 2 * (n - 1) pairs in a sentence of n words; if
    # windows crossed line ends there would be 2 more per line break.
    sents = [["a", "b", "c", "d"]] * 50 + [["e", "f"]] * 50
    result = train(sents, dim=4, epochs=2, min_count=1, window=1, sample=0, threads=1, progress=False)
    assert result.pair_history == [50 * 6 + 50 * 2] * 2


def test_min_count_and_vocab_order():
    sents = [["x"] * 5 + ["y"] * 3 + ["z"] * 2 + ["w"]]
    result = train(sents, dim=4, epochs=1, min_count=2, threads=1, sample=0, progress=False)
    assert result.words == ["x", "y", "z"]
    assert result.vocab.counts.tolist() == [5, 3, 2]
    assert result.train_words == 10 and result.tokens == 11


def test_initialisation_ranges():
    result = train([["a", "b"]] * 3, dim=10, epochs=1, min_count=1, threads=1, sample=0, alpha=1e-12, progress=False)
    # With a vanishing learning rate the vectors are (almost) as initialised:
    # uniform in [-1/D, 1/D] (gensim's range; 30 draws all within half of it: p = 2^-30).
    assert 0.05 < np.abs(result.W).max() <= 0.1 + 1e-6
    assert np.abs(result.Wp).max() < 1e-9


@pytest.mark.parametrize("opener,suffix", [(gzip.open, ".gz"), (bz2.open, ".bz2"), (lzma.open, ".xz")])
def test_compressed_corpus_equals_plain(tmp_path, opener, suffix):
    text = "\n".join(" ".join(s) for s in planted_sentences(n_sentences=200)) + "\n"
    plain = tmp_path / "c.txt"
    plain.write_text(text)
    packed = tmp_path / ("c.txt" + suffix)
    with opener(packed, "wt") as fh:
        fh.write(text)
    a = train(plain, dim=8, epochs=1, min_count=1, threads=1, progress=False)
    b = train(packed, dim=8, epochs=1, min_count=1, threads=1, progress=False)
    assert a.words == b.words
    np.testing.assert_array_equal(a.W, b.W)


def test_one_long_line_and_utf8(tmp_path):
    words = ["naïve", "café", "日本", "\u00e9t\u00e9"] * 5000
    path = tmp_path / "one_line.txt"
    path.write_bytes(" ".join(words).encode("utf-8") + b" \xff\xfe broken")
    result = train(path, dim=8, epochs=1, min_count=1, threads=1, progress=False)
    assert set(["naïve", "café", "日本", "été"]) <= set(result.words)
    assert "\ufffd\ufffd" in result.words  # undecodable bytes kept as replacement characters
    assert result.train_words == 20002


def test_cli_deterministic_with_one_thread(tmp_path, planted_corpus):
    outs = []
    for i in range(2):
        out = tmp_path / f"v{i}.bin"
        r = run_w2v("train", planted_corpus, "-o", out, "--threads", 1, "--seed", 3, "--dim", 12,
                    "--epochs", 2, "--min-count", 1, "-q")
        assert r.returncode == 0, r.stderr
        outs.append(out.read_bytes())
    assert outs[0] == outs[1]
    other = tmp_path / "v2.bin"
    assert run_w2v("train", planted_corpus, "-o", other, "--threads", 1, "--seed", 4, "--dim", 12,
                   "--epochs", 2, "--min-count", 1, "-q").returncode == 0
    assert other.read_bytes() != outs[0]


def test_gensim_loads_our_files(tmp_path, planted_corpus):
    gensim_models = pytest.importorskip("gensim.models")
    out_bin, out_txt, ctx, vocab = (tmp_path / n for n in ("v.bin", "v.txt", "ctx.bin", "vocab.txt"))
    r = run_w2v("train", planted_corpus, "-o", out_bin, "--dim", 12, "--epochs", 1, "--min-count", 1,
                "--save-context", ctx, "--save-vocab", vocab, "--threads", 1, "-q")
    assert r.returncode == 0, r.stderr
    assert "words/s" in r.stderr and "vocabulary" in r.stderr
    r = run_w2v("train", planted_corpus, "-o", out_txt, "--dim", 12, "--epochs", 1, "--min-count", 1,
                "--threads", 1, "-q")
    assert r.returncode == 0, r.stderr
    kb = gensim_models.KeyedVectors.load_word2vec_format(str(out_bin), binary=True)
    kt = gensim_models.KeyedVectors.load_word2vec_format(str(out_txt), binary=False)
    kc = gensim_models.KeyedVectors.load_word2vec_format(str(ctx), binary=True)
    assert kb.index_to_key == kt.index_to_key == kc.index_to_key
    np.testing.assert_allclose(kb.vectors, kt.vectors, atol=1e-5)  # same seed, one thread
    assert not np.allclose(kb.vectors, kc.vectors)
    # Words come in descending frequency, as in the vocab file.
    v = Vocab.load(vocab, min_count=1)
    assert v.words == kb.index_to_key
    assert list(v.counts) == sorted(v.counts, reverse=True)


def test_read_vocab_fixes_the_vocabulary(tmp_path, planted_corpus):
    vocab = tmp_path / "vocab.txt"
    vocab.write_text("g0_0 100\ng1_1 50\nabsent 10\n")
    out = tmp_path / "v.txt"
    r = run_w2v("train", planted_corpus, "-o", out, "--read-vocab", vocab, "--dim", 4, "--epochs", 1, "-q")
    assert r.returncode == 0, r.stderr
    lines = out.read_text().splitlines()
    assert lines[0] == "3 4"
    assert [l.split()[0] for l in lines[1:]] == ["g0_0", "g1_1", "absent"]


@pytest.mark.parametrize("batch", ["pair", "window"])
def test_reported_loss_is_the_sgns_objective(batch):
    # W' starts at zero, so with a vanishing learning rate every score stays 0 and
    # every positive pair costs (K + 1) log 2: the per-epoch mean (estimated from
    # a sample of centre words) must come out at that value.
    # (400 words, so a negative rarely equals the positive and is skipped.)
    sents = planted_sentences(n_groups=40, group_size=10, n_sentences=2000)
    result = train(sents, dim=8, epochs=1, min_count=1, threads=1, sample=0, negative=5,
                   alpha=1e-12, batch=batch, progress=False)
    assert result.loss_history[0] == pytest.approx(6 * np.log(2), rel=0.02)


@pytest.mark.parametrize("loss", ["ns", "hs"])
@pytest.mark.parametrize("min_alpha", [None, 0.0, 0.005])
def test_learning_rate_falls_linearly_to_min_alpha(min_alpha, loss):
    from w2v_cli.training.kernels.stream import learning_rate
    from w2v_cli.training.options import TrainOptions

    opts = TrainOptions(alpha=0.025, min_alpha=min_alpha, loss=loss).resolve()
    default_end = 1e-4 if loss == "hs" else 0.025 / 5  # hierarchical softmax: gensim's floor
    end = default_end if min_alpha is None else min_alpha
    assert opts.min_alpha == end
    total = 1_000_000
    rates = [learning_rate(0.025, opts.min_alpha, done, total) for done in (0, total // 4, total // 2, total)]
    assert rates[0] == pytest.approx(0.025)
    assert rates[1] == pytest.approx(0.025 - 0.25 * (0.025 - end), rel=1e-5)
    assert rates[2] == pytest.approx(0.025 - 0.5 * (0.025 - end), rel=1e-5)
    assert rates[3] == pytest.approx(end, abs=1e-7)
    # Threads may read past the total; the rate stays at its end value.
    assert learning_rate(0.025, opts.min_alpha, 2 * total, total) == end
