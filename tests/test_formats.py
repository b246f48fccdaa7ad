"""word2vec text/binary files: our writer, our reader and gensim's agree."""

import numpy as np
import pytest

from w2v_cli.errors import W2VError
from w2v_cli.vectors.formats import load_word2vec, save_word2vec

gensim_kv = pytest.importorskip("gensim.models.keyedvectors")
GensimKV = gensim_kv.KeyedVectors


def sample(n=300, dim=17, seed=0):
    rng = np.random.default_rng(seed)
    words = ["</s>", "king", "Königin", "東京", "naïve-word", "a.b,c"] + [f"w{i}" for i in range(n - 6)]
    vectors = (rng.standard_normal((n, dim)) * rng.choice([1e-3, 1, 1e3], size=(n, 1))).astype(np.float32)
    return words, vectors


def gensim_from(words, vectors):
    kv = GensimKV(vectors.shape[1])
    kv.add_vectors(words, vectors)
    return kv


@pytest.mark.parametrize("binary", [True, False])
def test_round_trip_ours(tmp_path, binary):
    words, vectors = sample()
    path = tmp_path / ("v.bin" if binary else "v.txt")
    save_word2vec(path, words, vectors, binary)
    got_words, got = load_word2vec(path)
    assert got_words == words
    assert got.dtype == np.float32 and got.flags.c_contiguous and got.shape == vectors.shape
    np.testing.assert_array_equal(got, vectors)  # %.9g and raw bytes are both exact for float32


@pytest.mark.parametrize("binary", [True, False])
def test_gensim_reads_ours(tmp_path, binary):
    words, vectors = sample()
    path = tmp_path / "v.out"
    save_word2vec(path, words, vectors, binary)
    kv = GensimKV.load_word2vec_format(str(path), binary=binary)
    assert kv.index_to_key == words
    np.testing.assert_allclose(kv.vectors, vectors, rtol=1e-6)


@pytest.mark.parametrize("binary", [True, False])
def test_we_read_gensim(tmp_path, binary):
    words, vectors = sample(seed=1)
    path = tmp_path / "g.out"
    gensim_from(words, vectors).save_word2vec_format(str(path), binary=binary)
    got_words, got = load_word2vec(path)  # format sniffed, extension says nothing
    assert got_words == words
    np.testing.assert_allclose(got, vectors, rtol=1e-6)
    if binary:
        np.testing.assert_array_equal(got, vectors)


def test_word2vec_c_binary_layout(tmp_path):
    """word2vec.c writes a newline after each vector; gensim writes none. Both load."""
    words, vectors = sample(n=20, dim=3)
    header = f"{len(words)} 3\n".encode()
    with_newlines = header + b"".join(w.encode() + b" " + v.tobytes() + b"\n" for w, v in zip(words, vectors))
    without = header + b"".join(w.encode() + b" " + v.tobytes() for w, v in zip(words, vectors))
    for name, data in [("c.bin", with_newlines), ("g.bin", without)]:
        (tmp_path / name).write_bytes(data)
        got_words, got = load_word2vec(tmp_path / name)
        assert got_words == words
        np.testing.assert_array_equal(got, vectors)


def test_word2vec_c_text_layout(tmp_path):
    """word2vec.c text rows end with a space; CRLF files and '%lf' numbers load too."""
    path = tmp_path / "c.txt"
    path.write_bytes(b"2 3\r\n</s> 0.001 -0.002 0.003 \r\nthe 1.000000 2.500000 -3.250000 \r\n")
    words, vectors = load_word2vec(path)
    assert words == ["</s>", "the"]
    np.testing.assert_allclose(vectors, [[0.001, -0.002, 0.003], [1, 2.5, -3.25]], rtol=1e-7)


def test_explicit_format_and_misleading_extension(tmp_path):
    words, vectors = sample(n=10, dim=4)
    save_word2vec(tmp_path / "really_binary.txt", words, vectors, True)
    save_word2vec(tmp_path / "really_text.bin", words, vectors, False)
    for name in ("really_binary.txt", "really_text.bin"):
        assert load_word2vec(tmp_path / name)[0] == words
    assert load_word2vec(tmp_path / "really_binary.txt", binary=True)[0] == words
    assert load_word2vec(tmp_path / "really_text.bin", binary=False)[0] == words
    with pytest.raises(W2VError):
        load_word2vec(tmp_path / "really_text.bin", binary=True)


def test_tiny_dimension_with_printable_float_bytes(tmp_path):
    """Float bytes that happen to be ASCII ('ABCD') must not fool the format sniffing."""
    vec = np.frombuffer(b"ABCD", dtype="<f4").reshape(1, 1)
    save_word2vec(tmp_path / "v.bin", ["x"], vec, True)
    words, got = load_word2vec(tmp_path / "v.bin")
    assert words == ["x"] and got.tobytes() == b"ABCD"


def test_undecodable_word_bytes_are_replaced(tmp_path):
    vec = np.ones(2, dtype=np.float32).tobytes()
    (tmp_path / "v.bin").write_bytes(b"2 2\n\xff\xfeabc " + vec + b"\nok " + vec + b"\n")
    words, _ = load_word2vec(tmp_path / "v.bin")
    assert words == ["\ufffd\ufffdabc", "ok"]


def test_empty_vocabulary_round_trips(tmp_path):
    save_word2vec(tmp_path / "e.bin", [], np.zeros((0, 5), np.float32), True)
    words, vectors = load_word2vec(tmp_path / "e.bin")
    assert words == [] and vectors.shape == (0, 5)


@pytest.mark.parametrize("bad", ["two words", "tab\there", "new\nline", ""])
def test_save_rejects_words_with_whitespace(tmp_path, bad):
    with pytest.raises(W2VError, match="whitespace|empty"):
        save_word2vec(tmp_path / "v.bin", ["fine", bad], np.zeros((2, 3), np.float32), True)
    assert list(tmp_path.iterdir()) == []  # nothing half-written


def test_save_rejects_duplicates_nan_and_shape(tmp_path):
    with pytest.raises(W2VError, match="twice"):
        save_word2vec(tmp_path / "v.bin", ["a", "a"], np.zeros((2, 3)), True)
    with pytest.raises(W2VError, match="word 2 is empty or not a string"):
        save_word2vec(tmp_path / "v.bin", ["a", b"b"], np.zeros((2, 3)), True)
    with pytest.raises(W2VError, match="NaN"):
        save_word2vec(tmp_path / "v.txt", ["a", "b"], np.array([[0, 1], [np.nan, 2]]), False)
    with pytest.raises(W2VError, match="shape"):
        save_word2vec(tmp_path / "v.txt", ["a"], np.zeros((2, 3)), False)


def test_save_replaces_existing_file_atomically(tmp_path):
    path = tmp_path / "v.bin"
    words, vectors = sample(n=8, dim=2)
    save_word2vec(path, words, vectors, True)
    save_word2vec(path, words[:3], vectors[:3], False)
    assert load_word2vec(path)[0] == words[:3]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["v.bin"]
