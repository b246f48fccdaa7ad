"""The native corpus reader against the pure-Python one (the oracle): the same
vocabulary (words, counts, order), the same id stream, the same token count, on
hostile bytes, with chunk and thread boundaries everywhere, at any --threads."""

import collections
import gzip
import os

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from w2v_cli.corpus import reference as corpus_mod
from w2v_cli.corpus import sources
from w2v_cli.corpus import native
from w2v_cli.errors import W2VError
from w2v_cli.corpus.kernels.words import UNICODE_SPACES
from w2v_cli.corpus.pipeline import prepare, with_vocab
from w2v_cli.corpus.vocab import Vocab


@pytest.fixture
def boundaries(monkeypatch):
    """Set the chunk size (both readers) and let every chunk be split between threads."""
    monkeypatch.setattr(native, "MIN_PIECE_BYTES", 1)

    def set_chunk(size):
        monkeypatch.setattr(sources, "CHUNK_BYTES", size)
    return set_chunk


def oracle(path, tmp, min_count=1, max_vocab=corpus_mod.DEFAULT_MAX_VOCAB, vocab=None):
    counted = corpus_mod.count_words(path, min_count, max_vocab)
    if vocab is not None:
        counted = with_vocab(counted, vocab)
    stream, words = corpus_mod.encode_corpus(path, counted, os.path.join(tmp, "oracle.ids"))
    return counted, np.array(stream), words


def read_native(paths, tmp, threads, min_count=1, max_vocab=corpus_mod.DEFAULT_MAX_VOCAB, vocab=None):
    out = os.path.join(tmp, f"native-{threads}")
    os.makedirs(out, exist_ok=True)
    got = prepare([os.fspath(p) for p in paths], out, min_count=min_count, max_vocab=max_vocab, vocab=vocab,
                  threads=threads)
    return got.vocab, np.array(got.stream), got.train_words, got.tokens, got.notes


def assert_same_as_oracle(path, tmp, threads=(1, 2, 3), **kw):
    counted, stream, words = oracle(path, tmp, **kw)
    for t in threads:
        vocab, s, w, tokens, notes = read_native([path], tmp, t, **kw)
        assert vocab.words == counted.vocab.words, t
        assert vocab.counts.tolist() == counted.vocab.counts.tolist(), t
        assert tokens == counted.tokens and w == words, t
        np.testing.assert_array_equal(s, stream)
        assert len(notes) == (1 if counted.truncated else 0)
        if counted.truncated:
            assert notes[0].startswith(f"{counted.truncated} distinct word")
    return counted, stream


TOKENS = [b"a", b"bb", b"the", b" ", b"  ", b"\n", b"\r\n", b"\t", b"\x0b", b"\x0c", b"\x00", b"\xff", b"\xc3",
          b"\xa9", b"\xc3\xa9", b"\xe2\x80\xa8", b"\xc2\x85", b"\x1c", b"\xef\xbf\xbd", b"\xed\xa0\x80",
          b"\xf0\x9f\x98\x80", b"\xf4\x90\x80\x80", b"x" * 120, "\u00e9".encode() * 60, b"caf\xe9"]


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                   HealthCheck.function_scoped_fixture])
@given(data=st.binary(max_size=2000) | st.lists(st.sampled_from(TOKENS), max_size=300).map(b"".join),
       chunk=st.sampled_from([1, 3, 17, 256, 1 << 22]), min_count=st.sampled_from([1, 2]))
def test_random_bytes_same_as_oracle(tmp_path, boundaries, data, chunk, min_count):
    boundaries(chunk)
    path = tmp_path / "c.txt"
    path.write_bytes(data)
    assert [bytes(b) for b in sources.iter_blocks(path)] == list(corpus_mod.iter_chunks(path))
    try:
        oracle(path, tmp_path, min_count=min_count)
    except W2VError as exc:
        with pytest.raises(W2VError) as caught:
            read_native([path], tmp_path, 2, min_count=min_count)
        assert str(caught.value) == str(exc)
        return
    assert_same_as_oracle(path, tmp_path, min_count=min_count)


@pytest.mark.parametrize("chunk", [1, 5, 64, 1 << 22])
@pytest.mark.parametrize("name", ["crlf", "tabs", "no_final_newline", "long_line", "utf8_cut", "blank_lines"])
def test_hostile_texts_same_as_oracle(tmp_path, boundaries, name, chunk):
    boundaries(chunk)
    line = "the quick brown fox jumps over the lazy dog"
    text = {
        "crlf": (line + "\r\n") * 20,
        "tabs": (line.replace(" ", "\t") + "\t\n") * 20,
        "no_final_newline": (line + "\n") * 19 + line,
        "long_line": " ".join(f"w{i % 997}" for i in range(20000)),
        "utf8_cut": ("a " + "\u00e9" * 60 + " b " + "\u20ac" * 40 + " c " + "x" * 98 + "\u00e9 d\n") * 3,
        "blank_lines": "\n\n a b \n\n\n c\n \n",
    }[name].encode()
    path = tmp_path / "c.txt"
    path.write_bytes(text)
    assert_same_as_oracle(path, tmp_path)


def test_gzip_same_as_plain(tmp_path, boundaries):
    boundaries(100)
    text = b"".join(b"w%d w%d the fox\n" % (i % 50, i % 7) for i in range(2000))
    plain, packed = tmp_path / "c.txt", tmp_path / "c.txt.gz"
    plain.write_bytes(text)
    packed.write_bytes(gzip.compress(text))
    counted, stream = assert_same_as_oracle(plain, tmp_path)
    vocab, s, *_ = read_native([packed], tmp_path, 2)
    assert vocab.words == counted.vocab.words
    np.testing.assert_array_equal(s, stream)


def test_read_vocab_same_as_oracle(tmp_path, boundaries):
    boundaries(7)
    path = tmp_path / "c.txt"
    path.write_bytes(b"a b c d caf\xe9 \xc3\xa9 x\x1cy " * 5 + b"z" * 200 + b"\n" + b"b d e\n" * 3)
    vocab = Vocab(["d", "b", "caf\ufffd", "x\ufffdy", "z" * 99, "never"], [9, 8, 7, 6, 5, 4])
    counted, stream, words = oracle(path, tmp_path, vocab=vocab)
    got, s, w, tokens, _ = read_native([path], tmp_path, 2, vocab=vocab)
    assert got is vocab and w == words and tokens == counted.tokens
    np.testing.assert_array_equal(s, stream)


def test_merging_words_that_decode_alike(tmp_path, boundaries):
    """Raw words that differ as bytes but are one vocabulary string (a cut word
    and its prefix, undecodable bytes and a real U+FFFD) are one word, with
    the count of both and the place of the first."""
    boundaries(1 << 22)
    path = tmp_path / "c.txt"
    path.write_bytes(b"caf\xe9 " + "caf\ufffd".encode() + b" " + b"y" * 120 + b" " + b"y" * 99 + b" caf\xff\n")
    counted, _ = assert_same_as_oracle(path, tmp_path)
    assert counted.vocab.words == ["caf\ufffd", "y" * 99]
    assert counted.vocab.counts.tolist() == [3, 2]


def _pruned_reference(path, min_count, max_vocab):
    """The documented --max-vocab rule, in Python: word2vec.c's pruning after each
    chunk; a word's occurrences before it was last forgotten are not in the stream."""
    counts = collections.Counter()
    born = {}  # word -> chunk from which its current count runs
    chunks = list(corpus_mod.iter_chunks(path))
    min_reduce = 1
    for i, chunk in enumerate(chunks):
        for w in chunk.split():
            if w not in counts:
                born[w] = i
            counts[w] += 1
        if len(counts) > max_vocab:
            for w in [w for w, c in counts.items() if c <= min_reduce]:
                del counts[w]
            min_reduce += 1
    counted = corpus_mod.count_words(path, min_count, max_vocab)
    out = []
    for i, chunk in enumerate(chunks):
        for line in chunk.split(b"\n"):
            out.extend(counted.lookup[w] for w in line.split() if w in counted.lookup and born[w] <= i)
            out.append(-1)
        out.pop()
    return counted, np.array(out, np.int32)


@pytest.mark.parametrize("max_vocab", [5, 40, 120])
def test_max_vocab_pruning_rule(tmp_path, boundaries, max_vocab):
    """Pruning happens after each chunk, as in the Python reader: the same
    vocabulary at every --threads; the stream holds exactly the counted occurrences."""
    boundaries(300)
    rng = np.random.default_rng(3)
    ids = np.minimum(rng.zipf(1.4, 6000), 400)
    path = tmp_path / "c.txt"
    path.write_text("\n".join(" ".join(f"w{i}" for i in ids[k:k + 13]) for k in range(0, len(ids), 13)) + "\n")
    counted, stream = _pruned_reference(path, 2, max_vocab)
    for threads in (1, 2, 4):
        vocab, s, words, tokens, _ = read_native([path], tmp_path, threads, min_count=2, max_vocab=max_vocab)
        assert vocab.words == counted.vocab.words and vocab.counts.tolist() == counted.vocab.counts.tolist()
        np.testing.assert_array_equal(s, stream)
        assert words == vocab.total and tokens == counted.tokens


def test_many_files_equal_their_concatenation(tmp_path, boundaries):
    boundaries(50)
    parts = [b"a b c\nb c d\n", b"c d e e\n", b"\n", b"a a e\n"]
    d = tmp_path / "dir"
    d.mkdir()
    for i, p in enumerate(parts[1:]):
        (d / f"part{2 - i}.txt").write_bytes(p)  # names sort in reverse of their numbering
    (d / ".hidden").write_bytes(b"zzz\n")
    (d / "sub").mkdir()
    first = tmp_path / "first.txt"
    first.write_bytes(parts[0])
    whole = tmp_path / "whole.txt"
    whole.write_bytes(parts[0] + parts[3] + parts[2] + parts[1])
    counted, stream = assert_same_as_oracle(whole, tmp_path)
    vocab, s, words, tokens, _ = read_native([first, d], tmp_path, 2)
    assert vocab.words == counted.vocab.words and vocab.counts.tolist() == counted.vocab.counts.tolist()
    np.testing.assert_array_equal(s, stream)


def test_sentences_never_cross_files(tmp_path):
    a, b = tmp_path / "a.txt", tmp_path / "b.txt"
    a.write_bytes(b"x y")  # no final newline: still a sentence of its own
    b.write_bytes(b"y z\n")
    vocab, s, *_ = read_native([a, b], tmp_path, 1)
    assert [vocab.words[i] if i >= 0 else "|" for i in s] == ["x", "y", "|", "y", "z", "|"]


@pytest.mark.parametrize("bad", ["missing", "directory_empty", "fifo"])
def test_bad_file_among_good_ones(tmp_path, bad):
    good = tmp_path / "good.txt"
    good.write_bytes(b"a b c\n")
    path = tmp_path / "bad"
    if bad == "directory_empty":
        path.mkdir()
    elif bad == "fifo":
        os.mkfifo(path)
    with pytest.raises(W2VError, match=str(path)):
        sources.resolve_files([str(good), str(path), str(good)])


def test_table_merge_is_the_count_of_the_whole(tmp_path):
    """Counting pieces separately and merging the tables (as ranks of a cluster
    would, through the flat arrays) gives the counts of the whole, in order of
    first appearance."""
    rng = np.random.default_rng(0)
    text = b" ".join(b"w%d" % i for i in np.minimum(rng.zipf(1.3, 20000), 3000)) + b"\n"
    buf = np.frombuffer(text, np.uint8)
    cuts = [0, *(int(native.next_space(buf, p, len(buf))) for p in (5000, 40000, 90000)), len(buf)]
    merged = native.WordTable()
    for lo, hi in zip(cuts[:-1], cuts[1:]):
        part, _ = native.count_bytes(buf[lo:hi], threads=2)
        merged.merge(native.WordTable.from_arrays(*part.arrays()))
    expected = collections.Counter(text.split())
    assert merged.words() == list(expected) and merged.counts[:merged.n].tolist() == list(expected.values())
    assert merged.lookup([b"w1", b"nope"]).tolist() == [merged.words().index(b"w1"), -1]


def test_unicode_space_list_is_python_s():
    assert UNICODE_SPACES.tolist() == [c for c in range(0x110000) if chr(c).isspace()]


# --- `w2v train A B DIR ...` -------------------------------------------------------------

def _planted_parts(tmp_path):
    from conftest import planted_sentences
    lines = [" ".join(s) + "\n" for s in planted_sentences(n_sentences=600)]
    d = tmp_path / "shards"
    d.mkdir()
    (tmp_path / "a.txt").write_text("".join(lines[:200]))
    (d / "x1.txt").write_text("".join(lines[200:350]))
    (d / "x2.txt.gz").write_bytes(gzip.compress("".join(lines[350:500]).encode()))
    (tmp_path / "b.txt").write_text("".join(lines[500:]))
    (tmp_path / "all.txt").write_text("".join(lines))
    return [tmp_path / "a.txt", d, tmp_path / "b.txt"]


def test_cli_many_files_train_as_their_concatenation(tmp_path):
    from hostile_util import run
    (tmp_path / "tmpdir").mkdir()
    parts = _planted_parts(tmp_path)
    opts = ("-q", "--dim", "8", "--epochs", "2", "--min-count", "1", "--threads", "1")
    one = run(tmp_path, "train", tmp_path / "all.txt", "-o", tmp_path / "one.bin", "--save-vocab",
              tmp_path / "one.vocab", *opts)
    many = run(tmp_path, "train", *parts, "-o", tmp_path / "many.bin", "--save-vocab", tmp_path / "many.vocab",
               *opts)
    assert one.returncode == 0 and many.returncode == 0, (one.stderr, many.stderr)
    assert (tmp_path / "one.vocab").read_bytes() == (tmp_path / "many.vocab").read_bytes()
    assert (tmp_path / "one.bin").read_bytes() == (tmp_path / "many.bin").read_bytes()


@pytest.mark.parametrize("bad", ["missing", "empty_dir", "gz_truncated"])
def test_cli_bad_file_among_good_ones(tmp_path, bad):
    from hostile_util import assert_one_error, assert_untouched, make_workdir, run, snapshot, train_args
    work = make_workdir(tmp_path)
    parts = _planted_parts(work)
    bad_path = work / {"missing": "nope.txt", "empty_dir": "nothing", "gz_truncated": "cut.txt.gz"}[bad]
    if bad == "empty_dir":
        bad_path.mkdir()
    elif bad == "gz_truncated":
        bad_path.write_bytes(gzip.compress((work / "all.txt").read_bytes())[:300])
    before = snapshot(work)
    args = list(train_args(parts[0], work / "vectors.bin"))
    args[1:2] = [parts[0], bad_path, parts[2]]  # the bad one between two good ones
    proc = run(tmp_path, *args)
    assert_one_error(proc, str(bad_path), code=1)
    assert_untouched(tmp_path, work, before)


def test_prefetch_of_several_element_types_in_one_function():
    # llvm.prefetch is declared once per LLVM module: int64, uint8 and float32
    # addresses in one function must all pass (the merge prefetches slots and arena bytes).
    from numba import njit

    from w2v_cli.intrinsics import prefetch, prefetch_row

    @njit
    def touch(a, b, m):
        prefetch(a, 1)
        prefetch(b, 2)
        prefetch_row(m, 1)
        return a[1] + b[2] + m[1, 3]

    m = np.arange(40, dtype=np.float32).reshape(2, 20)
    assert touch(np.array([5, 7], np.int64), np.array([1, 2, 3], np.uint8), m) == 7 + 3 + 23


def test_eight_bytes_at_a_time_agree_with_bytes():
    """kernels/swar.py: the whitespace mask of 8 bytes marks exactly the ASCII
    whitespace bytes, for every byte value at every position; 8-byte loads and the
    byte loop near an array's end give the same words; equal words hash alike
    wherever they sit, and a one-byte change changes the comparison."""
    from numba import njit

    from w2v_cli.corpus.kernels.hashtable import hash_bytes
    from w2v_cli.corpus.kernels.swar import first_byte, same_bytes, space_mask, word_at

    @njit
    def masks(a):
        out = np.empty(a.size - 7, np.uint64)
        for p in range(a.size - 7):
            out[p] = space_mask(word_at(a, p, 8))
        return out

    values = np.arange(256, dtype=np.uint8)
    spaces = set(b" \t\n\v\f\r")
    for pos in range(8):
        for filler in (ord("a"), 0x80, 0xFF):
            words = np.full((256, 8), filler, np.uint8)
            words[:, pos] = values
            got = masks(words.reshape(-1))[::8]
            want = [(1 << (8 * pos + 7) if v in spaces else 0) for v in range(256)]
            assert got.tolist() == want, (pos, filler)
    assert njit(lambda m: first_byte(m))(np.uint64(0x80 << 40)) == 5
    from numba.core.errors import TypingError

    from w2v_cli.corpus.kernels.swar import load8
    with pytest.raises(TypingError):  # 8 bytes in a row only exist in a contiguous array
        njit(lambda a: load8(a, 0))(np.zeros(32, np.uint8)[::2])

    @njit
    def probe(a, p, b, q, n):
        return word_at(a, p, min(n, 8)), hash_bytes(a, p, p + n), same_bytes(a, p, b, q, n)

    rng = np.random.default_rng(1)
    for n in (0, 1, 7, 8, 9, 16, 17, 99):
        word = rng.integers(0, 256, n, dtype=np.uint8)
        far = np.concatenate([np.zeros(3, np.uint8), word, np.zeros(20, np.uint8)])  # 8-byte loads
        near = np.concatenate([np.zeros(5, np.uint8), word])  # the word ends the array: byte loop
        v1, h1, same1 = probe(far, 3, near, 5, n)
        v2, h2, same2 = probe(near, 5, far, 3, n)
        assert v1 == v2 == int.from_bytes(word[:8].tobytes(), "little") and h1 == h2 and same1 and same2
        if n:
            other = near.copy()
            other[-1] ^= 1
            assert not probe(far, 3, other, 5, n)[2] and probe(other, 5, far, 3, n)[1] != h1
