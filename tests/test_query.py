"""KeyedVectors queries give gensim's answers on the same vectors."""

import subprocess
import sys

import numpy as np
import pytest

from w2v_cli.errors import W2VError
from w2v_cli.vectors.keyed import KeyedVectors, UnknownWordError

gensim_kv = pytest.importorskip("gensim.models.keyedvectors")


@pytest.fixture(scope="module")
def pair():
    """2,000 x 50 random vectors with 'king - man + woman = queen' planted, ours and gensim's."""
    rng = np.random.default_rng(42)
    words = ["king", "man", "woman", "queen", "Paris", "France", "Berlin", "Germany"]
    words += [f"w{i:04d}" for i in range(2000 - len(words))]
    vectors = rng.standard_normal((2000, 50)).astype(np.float32)
    vectors[3] = vectors[0] - vectors[1] + vectors[2] + 0.05 * rng.standard_normal(50)
    vectors[7] = vectors[6] - vectors[4] + vectors[5] + 0.05 * rng.standard_normal(50)
    vectors[100] *= 0.001  # short vectors must rank by angle, not length
    g = gensim_kv.KeyedVectors(50)
    g.add_vectors(words, vectors)
    return KeyedVectors(words, vectors), g


def assert_same(ours, theirs):
    assert [w for w, _ in ours] == [w for w, _ in theirs]
    np.testing.assert_allclose([s for _, s in ours], [s for _, s in theirs], rtol=1e-6, atol=1e-7)


@pytest.mark.parametrize("positive,negative", [
    (["king"], []),
    (["w0100"], []),
    (["king", "woman"], ["man"]),
    (["Paris", "w0005", "w0006"], []),
    (["w0010"], ["w0011", "w0012"]),
    ([], ["w0013"]),
])
@pytest.mark.parametrize("topn", [1, 10, 25])
def test_most_similar_equals_gensim(pair, positive, negative, topn):
    ours, g = pair
    assert_same(ours.most_similar(positive, negative, topn=topn),
                g.most_similar(positive=positive, negative=negative, topn=topn))


def test_restrict_vocab_equals_gensim(pair):
    ours, g = pair
    assert_same(ours.most_similar(["w0500"], topn=10, restrict_vocab=300),
                g.most_similar(positive=["w0500"], topn=10, restrict_vocab=300))


def test_query_words_are_excluded(pair):
    ours, _ = pair
    result = ours.most_similar(["king", "woman"], ["man"], topn=1999)
    names = [w for w, _ in result]
    assert not {"king", "woman", "man"} & set(names)
    assert len(names) == 1997 and len(set(names)) == 1997


def test_analogy_3cosadd_finds_planted_answer(pair):
    ours, g = pair
    result = ours.analogy("king", "man", "woman", topn=10)
    assert result[0][0] == "queen"
    assert_same(result, g.most_similar(positive=["king", "woman"], negative=["man"], topn=10))
    assert ours.analogy("Berlin", "Paris", "France")[0][0] == "Germany"  # planted the same way


def test_analogy_3cosmul_equals_gensim(pair):
    ours, g = pair
    result = ours.analogy("king", "man", "woman", method="3cosmul", topn=10)
    assert result[0][0] == "queen"
    assert_same(result, g.most_similar_cosmul(positive=["king", "woman"], negative=["man"], topn=10))
    assert_same(ours.most_similar_cosmul(["w0001", "w0002"], ["w0003", "w0004"]),
                g.most_similar_cosmul(positive=["w0001", "w0002"], negative=["w0003", "w0004"]))


def test_unknown_method(pair):
    with pytest.raises(W2VError, match="3cosadd"):
        pair[0].analogy("king", "man", "woman", method="3cosdiv")


def test_similarity_equals_gensim(pair):
    ours, g = pair
    assert ours.similarity("king", "queen") == pytest.approx(float(g.similarity("king", "queen")), rel=1e-6)


def test_container_protocol(pair):
    ours, _ = pair
    assert len(ours) == 2000 and ours.dim == 50
    assert "king" in ours and "kingdom" not in ours
    np.testing.assert_array_equal(ours["queen"], ours.vectors[3])
    assert ours.index["Paris"] == 4
    np.testing.assert_allclose(np.linalg.norm(ours.normed, axis=1), 1, rtol=1e-6)
    assert ours.normed is ours.normed  # cached


@pytest.mark.parametrize("missing,suggestion", [("kinng", "king"), ("KING", "king"), ("qeen", "queen"),
                                                ("paris", "Paris")])
def test_unknown_word_names_word_and_suggestion(pair, missing, suggestion):
    with pytest.raises(UnknownWordError) as info:
        pair[0].most_similar([missing])
    assert info.value.word == missing
    assert repr(missing) in str(info.value) and repr(suggestion) in str(info.value)
    assert isinstance(info.value, W2VError)


def test_unknown_word_without_close_match(pair):
    with pytest.raises(UnknownWordError, match="'zzzzzzzzzzzz' is not in the vocabulary$"):
        pair[0].analogy("king", "zzzzzzzzzzzz", "woman")


def test_no_words_given(pair):
    with pytest.raises(W2VError):
        pair[0].most_similar([])


def test_zero_vector_does_not_poison_results():
    kv = KeyedVectors(["a", "b", "zero"], np.array([[1, 0], [1, 1], [0, 0]], np.float32))
    result = kv.most_similar(["a"], topn=2)
    assert result[0][0] == "b" and result[1] == ("zero", 0.0)


@pytest.mark.parametrize("typo,expected", [("wrod123", "word123"), ("xord77", "word77"),
                                            ("word19999", "Word19999"), ("qqqqqqq", None)])
def test_suggestion_is_fast_on_a_big_vocabulary(typo, expected):
    import time

    words = [f"word{i}" for i in range(200_000)]
    words[19999] = "Word19999"
    kv = KeyedVectors(words, np.zeros((200_000, 2), np.float32))
    start = time.perf_counter()
    suggestion = kv.suggest(typo)
    assert time.perf_counter() - start < 1.0  # difflib over 200k words would take seconds
    assert suggestion == expected


def test_save_and_load_by_extension(tmp_path, pair):
    ours, _ = pair
    ours.save(tmp_path / "v.txt")
    ours.save(tmp_path / "v.bin")
    assert b"king " in (tmp_path / "v.txt").read_bytes()
    text, binary = KeyedVectors.load(tmp_path / "v.txt"), KeyedVectors.load(tmp_path / "v.bin")
    assert text.words == binary.words == ours.words
    np.testing.assert_array_equal(binary.vectors, ours.vectors)
    np.testing.assert_array_equal(text.vectors, ours.vectors)
    # the text file really is text and the binary one is not
    (tmp_path / "v.txt").read_bytes().decode("ascii")
    with pytest.raises(UnicodeDecodeError):
        (tmp_path / "v.bin").read_bytes().decode("utf-8")


def test_query_module_does_not_import_numba():
    code = ("import sys, numpy as np; import w2v_cli.vectors.keyed as q; "
            "kv = q.KeyedVectors(['a', 'b'], np.eye(2)); kv.most_similar(['a']); "
            "assert 'numba' not in sys.modules, 'numba imported'")
    subprocess.run([sys.executable, "-c", code], check=True)
