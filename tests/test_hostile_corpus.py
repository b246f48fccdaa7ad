"""Hostile corpora: every one either trains or fails with ONE ``error:`` line,
never a traceback, and never touches the output (or anything beside it)."""

import bz2
import gzip
import lzma
import os
import subprocess
import sys
import tempfile

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import planted_sentences
from hostile_util import (assert_one_error, assert_untouched, make_workdir, run, snapshot, stderr_lines,
                          train_args)
from w2v_cli.corpus import reference as corpus_mod
from w2v_cli.corpus import sources
from w2v_cli.errors import W2VError
from w2v_cli.vectors.formats import load_word2vec
from w2v_cli.training.loop import train

TEXT = b"the quick brown fox jumps over the lazy dog\n" * 50


def _damage_middle(data):
    data = bytearray(data)
    for i in range(len(data) // 3, len(data) // 3 + 40):
        data[i] ^= 0x5A
    return bytes(data)


def _big_text():
    return b"".join(b"w%d w%d w%d the fox\n" % (i, i * 7 % 300, i * 13 % 300) for i in range(3000))


# name -> (file name or None for "missing", maker(path), fragments of the message)
ERROR_CASES = {
    "missing": ("nope.txt", None, ["does not exist"]),
    "directory": ("adir", lambda p: p.mkdir(), ["directory"]),
    "empty": ("empty.txt", lambda p: p.write_bytes(b""), ["empty"]),
    "whitespace_only": ("blank.txt", lambda p: p.write_bytes(b" \n\t\r\n\x0b\x0c  \n\n"), ["empty"]),
    "fifo": ("pipe", lambda p: os.mkfifo(p), ["not a regular file"]),
    "device": ("/dev/zero", lambda p: None, ["not a regular file"]),
    "gz_truncated": ("c.txt.gz", lambda p: p.write_bytes(gzip.compress(_big_text())[:700]), ["cannot read corpus"]),
    "gz_damaged": ("c.txt.gz", lambda p: p.write_bytes(_damage_middle(gzip.compress(_big_text()))),
                   ["cannot read corpus"]),
    "gz_not_gzip": ("c.txt.gz", lambda p: p.write_bytes(TEXT), ["cannot read corpus"]),
    "bz2_truncated": ("c.txt.bz2", lambda p: p.write_bytes(bz2.compress(_big_text())[:500]), ["cannot read corpus"]),
    "xz_damaged": ("c.txt.xz", lambda p: p.write_bytes(_damage_middle(lzma.compress(_big_text()))),
                   ["cannot read corpus"]),
}


@pytest.mark.parametrize("case", list(ERROR_CASES))
def test_corpus_error(tmp_path, case):
    name, make, fragments = ERROR_CASES[case]
    work = make_workdir(tmp_path)
    corpus = work / name
    if make is not None:
        make(corpus)
    before = snapshot(work)
    proc = run(tmp_path, *train_args(corpus, work / "vectors.bin"))
    assert_one_error(proc, *fragments, code=1)
    assert_untouched(tmp_path, work, before)


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads a chmod 000 file; see the simulated test below")
def test_corpus_unreadable(tmp_path):
    work = make_workdir(tmp_path)
    corpus = work / "secret.txt"
    corpus.write_bytes(TEXT)
    corpus.chmod(0)
    try:
        before = snapshot(work)
        proc = run(tmp_path, *train_args(corpus, work / "vectors.bin"))
        assert_one_error(proc, "cannot read corpus", "permission denied", code=1)
        assert_untouched(tmp_path, work, before)
    finally:
        corpus.chmod(0o644)


def test_corpus_unreadable_simulated(tmp_path, monkeypatch):
    """As root chmod does not block reads, so make open() fail the way it would."""
    corpus = tmp_path / "secret.txt"
    corpus.write_bytes(TEXT)

    def denied(path, *args, **kwargs):
        raise PermissionError(13, "Permission denied", str(path))

    monkeypatch.setattr(sources, "open", denied, raising=False)
    with pytest.raises(W2VError, match="cannot read corpus .*Permission denied"):
        corpus_mod.count_words(corpus, min_count=1)


def _train_ok(tmp_path, work, corpus, *extra):
    """Train into the work directory's vectors.bin; only that file may change."""
    names = sorted(snapshot(work))
    proc = run(tmp_path, *train_args(corpus, work / "vectors.bin", *extra))
    assert "Traceback" not in proc.stderr, proc.stderr
    assert proc.returncode == 0, proc.stderr
    assert sorted(snapshot(work)) == names
    assert os.listdir(tmp_path / "tmpdir") == []
    words, vectors = load_word2vec(work / "vectors.bin")
    assert np.isfinite(vectors).all()
    return proc, words


def test_binary_garbage_trains_on_garbage_words(tmp_path):
    work = make_workdir(tmp_path)
    corpus = work / "garbage.bin"
    corpus.write_bytes(np.random.default_rng(5).integers(0, 256, 200_000, dtype=np.uint8).tobytes())
    proc, words = _train_ok(tmp_path, work, corpus)
    assert len(words) > 100
    # Undecodable bytes became U+FFFD; no word holds whitespace of any kind.
    assert all(len(w.split()) == 1 and w.split()[0] == w for w in words)


def test_invalid_utf8_replaced(tmp_path):
    work = make_workdir(tmp_path)
    corpus = work / "latin1.txt"
    corpus.write_bytes("caf\u00e9 na\u00efve caf\u00e9\n".encode("latin-1") * 20 + b"ok \xc3\xa9t\xc3\xa9 ok\n" * 20)
    _, words = _train_ok(tmp_path, work, corpus)
    assert sorted(words) == sorted(["caf\ufffd", "na\ufffdve", "ok", "\u00e9t\u00e9"])


def test_nul_bytes_are_word_characters(tmp_path):
    work = make_workdir(tmp_path)
    corpus = work / "nul.txt"
    corpus.write_bytes(b"a\x00b c\x00 d\n\x00\x00 d a\x00b\n" * 20)
    _, words = _train_ok(tmp_path, work, corpus)
    assert sorted(words) == sorted(["a\x00b", "c\x00", "d", "\x00\x00"])


def test_windows_line_endings_equal_unix(tmp_path):
    text = "\n".join(" ".join(s) for s in planted_sentences(n_sentences=300)) + "\n"
    unix, dos = tmp_path / "unix.txt", tmp_path / "dos.txt"
    unix.write_bytes(text.encode())
    dos.write_bytes(text.replace("\n", "\r\n").encode())
    options = dict(dim=8, epochs=2, min_count=1, threads=1, progress=False)
    a, b = train(unix, **options), train(dos, **options)
    assert a.words == b.words and a.vocab.counts.tolist() == b.vocab.counts.tolist()
    assert a.pair_history == b.pair_history
    np.testing.assert_array_equal(a.W, b.W)
    np.testing.assert_array_equal(a.Wp, b.Wp)


def test_very_long_words_truncated_with_one_note(tmp_path):
    work = make_workdir(tmp_path)
    corpus = work / "long.txt"
    x100k = b"x" * 100_000
    other = b"x" * 99 + b"y" * 5000  # same first 99 bytes: the same word after truncation
    accents = "\u00e9".encode() * 50_000  # 2-byte characters: byte 99 splits one
    corpus.write_bytes(b"a b " + x100k + b" c\n" + other + b" a " + accents + b"\nb c a\n")
    proc, words = _train_ok(tmp_path, work, corpus)
    notes = [line for line in stderr_lines(proc) if line.startswith("note:")]
    assert len(notes) == 1 and "truncated" in notes[0] and "99" in notes[0], proc.stderr
    assert sorted(words) == sorted(["a", "b", "c", "x" * 99, "\u00e9" * 49])
    assert all(len(w.encode()) <= 99 for w in words)


def test_vocabulary_pruned_to_max_vocab(tmp_path):
    work = make_workdir(tmp_path)
    corpus = work / "many.txt"
    # Word i occurs 300 - i times, so the 50 most frequent are w0 .. w49.
    tokens = [f"w{i}" for i in range(300) for _ in range(300 - i)]
    rng = np.random.default_rng(1)
    rng.shuffle(tokens)
    corpus.write_text("\n".join(" ".join(tokens[i:i + 20]) for i in range(0, len(tokens), 20)) + "\n")
    _, words = _train_ok(tmp_path, work, corpus, "--max-vocab", "50")
    assert sorted(words) == sorted(f"w{i}" for i in range(50))


# --- one huge line without a newline: memory stays bounded --------------------------------

_RSS_SCRIPT = """
import resource, subprocess, sys
proc = subprocess.run([sys.executable, "-m", "w2v_cli", *sys.argv[1:]], capture_output=True, text=True)
sys.stderr.write(proc.stderr)
print(proc.returncode, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
"""


def _one_line_corpus(path, size):
    """``size`` bytes of 1,000 distinct 30-byte words on a single line, no final newline."""
    words = [f"w{i}".ljust(30, "x").encode() for i in range(1000)]
    block = b" ".join(words) + b" "
    with open(path, "wb") as fh:
        written = 0
        while written + len(block) < size:
            fh.write(block)
            written += len(block)
        fh.write(b" ".join(words[:max(1, (size - written) // 31)]))


def _peak_rss_kb(tmp_path, corpus, output):
    """Peak RSS of a `w2v train` run, measured in a fresh process whose only child it is."""
    args = ("train", corpus, "-o", output, "-q", "--dim", "2", "--window", "1", "--negative", "1",
            "--epochs", "1", "--min-count", "1", "--sample", "1e-5")
    proc = subprocess.run([sys.executable, "-c", _RSS_SCRIPT, *map(str, args)], capture_output=True, text=True,
                          env=dict(os.environ, TMPDIR=str(tmp_path / "tmpdir")), timeout=1200)
    assert "Traceback" not in proc.stderr, proc.stderr
    code, rss = proc.stdout.split()
    assert code == "0", proc.stderr
    return int(rss)


@pytest.mark.parametrize("size", [
    64 << 20,
    pytest.param(1 << 30, marks=pytest.mark.skipif(not os.environ.get("W2V_SLOW_TESTS"),
                                                   reason="1 GB corpus: set W2V_SLOW_TESTS=1")),
])
def test_one_huge_line_memory_bounded(tmp_path, size):
    """Memory is bounded by the vocabulary, not by the line (or file) length.

    The words are 30 bytes so that the id stream (4 bytes per token, memory
    mapped from a temporary file: resident pages count in RSS) stays small
    next to the file; what this bounds is the reader, which holds a chunk at a
    time however long the line is."""
    (tmp_path / "tmpdir").mkdir()
    small, big = tmp_path / "small.txt", tmp_path / "big.txt"
    _one_line_corpus(small, 1 << 20)
    _one_line_corpus(big, size)
    with open(big, "rb") as fh:
        assert b"\n" not in fh.read(1 << 20)
    base = _peak_rss_kb(tmp_path, small, tmp_path / "small.bin")
    peak = _peak_rss_kb(tmp_path, big, tmp_path / "big.bin")
    big.unlink()
    words, _ = load_word2vec(tmp_path / "big.bin")
    assert len(words) == 1000
    growth = (peak - base) * 1024
    assert growth < size / 4, f"peak RSS grew by {growth / 2**20:.0f} MB for a {size / 2**20:.0f} MB line"
    assert os.listdir(tmp_path / "tmpdir") == []


# --- fuzzing the reader -------------------------------------------------------------------

def _pack(data, kind, cut):
    if kind == "gz":
        data = gzip.compress(data)
    elif kind == "bz2":
        data = bz2.compress(data)
    elif kind == "xz":
        data = lzma.compress(data)
    if cut is not None and kind != "txt":
        data = data[:cut % (len(data) + 1)]
    return data


@settings(max_examples=150, deadline=2000, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.binary(max_size=3000) | st.lists(st.sampled_from([b"a", b"bb", b" ", b"\n", b"\r\n", b"\x00",
                                                                   b"\xff", b"\xc3", b"\xa9", b"\t", b"\x85",
                                                                   b"x" * 120]),
                                                 max_size=200).map(b"".join),
       kind=st.sampled_from(["txt", "gz", "bz2", "xz"]),
       cut=st.none() | st.integers(min_value=0, max_value=5000),
       chunk=st.sampled_from([3, 17, 256, sources.CHUNK_BYTES]))
def test_fuzz_corpus_reader(data, kind, cut, chunk):
    """count_words + encode_corpus on arbitrary bytes: a W2VError or a
    consistent result, nothing else, and quickly."""
    saved = sources.CHUNK_BYTES
    sources.CHUNK_BYTES = chunk
    try:
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, "c." + kind)
            with open(path, "wb") as fh:
                fh.write(_pack(data, kind, cut))
            try:
                counted = corpus_mod.count_words(path, min_count=1)
                stream, n_words = corpus_mod.encode_corpus(path, counted, os.path.join(tmp, "ids"))
            except W2VError:
                return
            ids = np.asarray(stream)
            assert n_words == counted.tokens == counted.vocab.total
            assert ((ids == corpus_mod.SENTENCE_END) | ((ids >= 0) & (ids < len(counted.vocab)))).all()
            assert all(len(w.encode()) <= 3 * corpus_mod.MAX_WORD_BYTES and len(w.split()) == 1
                       for w in counted.vocab.words)
            del stream, ids
    finally:
        sources.CHUNK_BYTES = saved
