"""Continued training (--init, w2v_cli.continued): the union vocabulary, carried
rows, structure kept and learnt, and every bad combination refused in one line."""

import collections

import numpy as np
import pytest

from conftest import group_precision, planted_sentences, run_w2v
from w2v_cli.training.continued import FirstModel, estimated_counts, union
from w2v_cli.errors import W2VError
from w2v_cli.vectors.formats import load_word2vec
from w2v_cli.training.loop import train
from w2v_cli.corpus.vocab import Vocab


def renamed(sentences, prefix):
    """The planted groups g0_*, g1_* ... renamed prefix0_*, ... (the noise words kept)."""
    return [[prefix + w[1:] if w.startswith("g") else w for w in s] for s in sentences]


def write(path, sentences):
    path.write_text("\n".join(" ".join(s) for s in sentences) + "\n")
    return path


def precision(words, W, prefix):
    keep = [i for i, w in enumerate(words) if w.startswith(prefix) or w.startswith("noise")]
    return group_precision([words[i].replace(prefix, "g", 1) if words[i].startswith(prefix) else words[i]
                            for i in keep], W[keep])


OPTS = dict(dim=16, epochs=5, min_count=1, threads=1, progress=False)


def test_old_structure_survives_and_new_structure_is_learnt():
    a = planted_sentences(n_groups=6, seed=1)
    # B: new groups (h*), with A's words scattered in it at random (in place of the
    # noise words): alone, B teaches nothing about A's groups.
    rng = np.random.default_rng(5)
    b = [[f"g{rng.integers(6)}_{rng.integers(6)}" if w.startswith("noise") else w for w in s]
         for s in renamed(planted_sentences(n_groups=6, seed=2), "h")]
    first = train(a, **OPTS)
    assert precision(first.words, first.W, "g") > 0.9
    more = train(b, init=(first.words, first.W), init_context=first.Wp,
                 init_vocab=dict(zip(first.words, first.vocab.counts.tolist())), **OPTS)
    assert set(first.words) <= set(more.words)
    assert precision(more.words, more.W, "g") > 0.9  # kept (0.96 when written)
    assert precision(more.words, more.W, "h") > 0.9  # learnt
    alone = train(b, **OPTS)
    assert precision(alone.words, alone.W, "g") < 0.4  # chance is 5/35 (0.12 when written)


def test_rows_of_old_words_absent_from_the_new_corpus_are_carried_bit_for_bit():
    a = planted_sentences(n_groups=4, seed=1)
    b = [[w for w in s if not w.startswith("noise")] for s in renamed(planted_sentences(n_groups=4, seed=2), "h")]
    first = train(a, **OPTS)
    more = train(b, init=(first.words, first.W), init_context=first.Wp, **OPTS)
    rows = [more.vocab.index[w] for w in first.words]
    # Skip-gram updates W only for words of the corpus: none of A's is in B.
    np.testing.assert_array_equal(more.W[rows], first.W)
    assert not np.array_equal(more.Wp[rows], first.Wp)  # W' rows are trained as negatives
    assert precision(more.words, more.W, "h") > 0.9


def test_union_counts_are_exact_and_sorted(tmp_path):
    a = [["x"] * 9 + ["y"] * 6 + ["z"] * 5 + ["rare"] * 2 + ["tie"] * 5]
    b = [["x"] * 1 + ["y"] * 4 + ["new"] * 7 + ["few"] * 4 + ["z"] * 1 + ["rare"] * 3 + ["tie2"] * 5]
    ca, cb = write(tmp_path / "a.txt", a), write(tmp_path / "b.txt", b)
    v1, ctx, voc1 = tmp_path / "a.bin", tmp_path / "actx.bin", tmp_path / "a.vocab"
    r = run_w2v("train", ca, "-o", v1, "--save-context", ctx, "--save-vocab", voc1, "--dim", 4, "--epochs", 1,
                "--threads", 1, "-q")
    assert r.returncode == 0, r.stderr
    assert voc1.read_text().split("\n")[:4] == ["x 9", "y 6", "z 5", "tie 5"]  # "rare" below --min-count 5
    out, voc2 = tmp_path / "b.txt.bin", tmp_path / "b.vocab"
    r = run_w2v("train", cb, "-o", out, "--init", v1, "--init-context", ctx, "--init-vocab", voc1,
                "--save-vocab", voc2, "--epochs", 1, "--threads", 1, "-q")
    assert r.returncode == 0, r.stderr
    # Summed counts; old words always kept; "rare" counts only its 3 new ones (< 5), "few" 4 (< 5):
    # both dropped; ties in order old words (file order), then new words (corpus order).
    expected = [("x", 10), ("y", 10), ("new", 7), ("z", 6), ("tie", 5), ("tie2", 5)]
    assert [tuple(line.split()) for line in voc2.read_text().splitlines()] == [(w, str(c)) for w, c in expected]
    words, W = load_word2vec(out)
    assert words == [w for w, _ in expected] and W.shape == (6, 4)


def test_counts_without_init_vocab_follow_the_new_corpus_by_rank():
    rng = np.random.default_rng(0)
    new_counts = collections.Counter({f"n{i}": int(c) for i, c in enumerate(rng.integers(1, 50, 30))})
    new_counts.update({"a0": 40, "a3": 2})
    new = Vocab.from_counts(dict(new_counts), min_count=1)
    old_words = [f"a{i}" for i in range(40)]  # more old words than the new corpus has
    first = FirstModel(old_words, np.zeros((40, 2), np.float32), np.zeros((40, 2), np.float32), None, "test")
    ranked = sorted(new.counts.tolist(), reverse=True)
    assert estimated_counts(40, new.counts).tolist() == [ranked[min(r, len(ranked) - 1)] for r in range(40)]
    vocab = union(first, new, min_count=5)
    got = dict(zip(vocab.words, vocab.counts.tolist()))
    assert got["a0"] == ranked[0] + 40 and got["a3"] == ranked[3] + 2 and got["a39"] == ranked[-1]
    assert set(old_words) <= set(vocab.words)
    assert all(got[w] == c for w, c in new_counts.items() if not w.startswith("a") and c >= 5)
    assert not any(w in got for w, c in new_counts.items() if not w.startswith("a") and c < 5)
    assert list(vocab.counts) == sorted(vocab.counts, reverse=True)


def test_a_checkpoint_as_init_equals_its_files(tmp_path):
    a = write(tmp_path / "a.txt", planted_sentences(n_groups=3, n_sentences=300, seed=1))
    b = write(tmp_path / "b.txt", renamed(planted_sentences(n_groups=3, n_sentences=300, seed=2), "h"))
    files = [tmp_path / n for n in ("a.bin", "a.ctx", "a.vocab", "a.ckpt")]
    common = ["--dim", 8, "--epochs", 2, "--threads", 1, "--min-count", 1, "-q"]
    r = run_w2v("train", a, "-o", files[0], "--save-context", files[1], "--save-vocab", files[2],
                "--checkpoint", files[3], *common)
    assert r.returncode == 0, r.stderr
    from_files, from_ckpt = tmp_path / "f.bin", tmp_path / "c.bin"
    r = run_w2v("train", b, "-o", from_files, "--init", files[0], "--init-context", files[1],
                "--init-vocab", files[2], *common)
    assert r.returncode == 0, r.stderr
    r = run_w2v("train", b, "-o", from_ckpt, "--init", files[3], *common)
    assert r.returncode == 0, r.stderr
    assert from_files.read_bytes() == from_ckpt.read_bytes()


def test_an_interrupted_continued_run_resumes_to_the_uninterrupted_one(tmp_path):
    from w2v_cli.errors import TrainingInterrupted

    a = planted_sentences(n_groups=3, n_sentences=300, seed=1)
    b = renamed(planted_sentences(n_groups=3, n_sentences=300, seed=2), "h")
    first = train(a, **OPTS)
    init = dict(init=(first.words, first.W), init_context=first.Wp)
    full = train(b, **init, **OPTS)
    ck = tmp_path / "more.ckpt"

    def interrupt(epoch, loss):
        if epoch == 1:
            raise KeyboardInterrupt

    with pytest.raises(TrainingInterrupted, match="checkpoint written"):
        train(b, checkpoint=str(ck), on_epoch=interrupt, **init, **OPTS)
    resumed = train(b, resume=str(ck), progress=False)  # the checkpoint holds the union vocabulary
    assert resumed.words == full.words
    np.testing.assert_array_equal(resumed.W, full.W)
    np.testing.assert_array_equal(resumed.Wp, full.Wp)


@pytest.fixture(scope="module")
def first_run(tmp_path_factory):
    d = tmp_path_factory.mktemp("first")
    a = write(d / "a.txt", planted_sentences(n_groups=3, n_sentences=200, seed=1))
    b = write(d / "b.txt", renamed(planted_sentences(n_groups=3, n_sentences=200, seed=2), "h"))
    r = run_w2v("train", a, "-o", d / "a.bin", "--save-context", d / "a.ctx.txt", "--save-vocab", d / "a.vocab",
                "--checkpoint", d / "a.ckpt", "--dim", 8, "--epochs", 1, "--min-count", 1, "--threads", 1, "-q")
    assert r.returncode == 0, r.stderr
    r = run_w2v("train", a, "-o", d / "a4.bin", "--save-context", d / "a4.ctx", "--dim", 4, "--epochs", 1,
                "--min-count", 1, "--threads", 1, "-q")
    assert r.returncode == 0, r.stderr
    lines = (d / "a.ctx.txt").read_text().splitlines()
    n = len(lines) - 1
    (d / "short.ctx.txt").write_text(f"{n - 1} 8\n" + "\n".join(lines[1:-1]) + "\n")  # V - 1 rows, as HS writes
    (d / "swapped.ctx.txt").write_text("\n".join([lines[0], lines[2], lines[1], *lines[3:]]) + "\n")
    (d / "part.vocab").write_text("\n".join((d / "a.vocab").read_text().splitlines()[:-1]) + "\n")
    return d


BAD = {
    "no context": (["--init", "a.bin"], "--init a.bin needs --init-context"),
    "context alone": (["--init-context", "a.ctx.txt"], "--init-context needs --init"),
    "dims differ": (["--init", "a.bin", "--init-context", "a4.ctx"], "has dimension 8 but a4.ctx has 4"),
    "explicit dim": (["--init", "a.bin", "--init-context", "a.ctx.txt", "--dim", 16],
                     "--dim 16 differs from the dimension 8"),
    "context of V - 1 rows": (["--init", "a.bin", "--init-context", "short.ctx.txt"], "rows but"),
    "context order": (["--init", "a.bin", "--init-context", "swapped.ctx.txt"], "row 1 is"),
    "with resume": (["--init", "a.bin", "--init-context", "a.ctx.txt", "--resume", "a.ckpt"],
                    "--init and --resume both"),
    "vocab misses a word": (["--init", "a.bin", "--init-context", "a.ctx.txt", "--init-vocab", "part.vocab"],
                            "has no count for"),
    "read-vocab": (["--init", "a.bin", "--init-context", "a.ctx.txt", "--read-vocab", "a.vocab"],
                   "--read-vocab cannot be combined with --init"),
    "checkpoint and context": (["--init", "a.ckpt", "--init-context", "a.ctx.txt"], "is a checkpoint"),
    "resume on new text": (["--resume", "a.ckpt"], "to continue training on new text, use --init"),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_bad_combinations_get_one_line_and_write_nothing(first_run, case, monkeypatch):
    args, message = BAD[case]
    monkeypatch.chdir(first_run)
    r = run_w2v("train", "b.txt", "-o", "out.bin", "--save-vocab", "out.vocab", "-q", *args)
    assert r.returncode == 1
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and message in lines[0], r.stderr
    assert not (first_run / "out.bin").exists() and not (first_run / "out.vocab").exists()


def test_library_refuses_a_context_array_of_the_wrong_shape():
    words = ["a", "b", "c"]
    W = np.zeros((3, 4), np.float32)
    with pytest.raises(W2VError, match="has dimension 4 but the context array has 5"):
        train([words], init=(words, W), init_context=np.zeros((3, 5), np.float32), progress=False)
    with pytest.raises(W2VError, match="the context array has 2 rows"):
        train([words], init=(words, W), init_context=np.zeros((2, 4), np.float32), progress=False)


def test_under_mpiexec_the_union_equals_one_process(first_run, tmp_path):
    from test_mpi import MPIEXEC, run_mpi

    pytest.importorskip("mpi4py")
    if MPIEXEC is None:
        pytest.skip("mpiexec not installed")
    d = first_run
    init = ["--init", d / "a.bin", "--init-context", d / "a.ctx.txt", "--init-vocab", d / "a.vocab", "-q",
            "--threads", 1]
    r, _ = run_mpi(2, "train", d / "b.txt", "-o", tmp_path / "mpi.txt", "--save-vocab", tmp_path / "mpi.vocab", *init)
    assert r.returncode == 0, r.stderr
    r = run_w2v("train", d / "b.txt", "-o", tmp_path / "one.txt", "--save-vocab", tmp_path / "one.vocab", *init)
    assert r.returncode == 0, r.stderr
    assert (tmp_path / "mpi.vocab").read_text() == (tmp_path / "one.vocab").read_text()
    first_words, first_W = load_word2vec(d / "a.bin")
    words, W = load_word2vec(tmp_path / "mpi.txt")
    index = {w: i for i, w in enumerate(words)}
    absent = [i for i, w in enumerate(first_words) if w.startswith("g")]  # A's groups are not in B
    np.testing.assert_array_equal(W[[index[first_words[i]] for i in absent]], first_W[absent])


def test_an_hs_checkpoint_is_refused_as_init(tmp_path):
    sents = planted_sentences(n_groups=3, n_sentences=100, seed=1)
    ckpt = tmp_path / "hs.ckpt"
    train(sents, loss="hs", checkpoint=str(ckpt), **{**OPTS, "epochs": 1})
    with pytest.raises(W2VError, match=r"^--init .*hs.ckpt: that run used --loss hs"):
        train(sents, init=str(ckpt), **{**OPTS, "epochs": 1})
