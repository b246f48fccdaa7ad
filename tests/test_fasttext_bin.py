"""Reading fastText's .bin models (w2v_cli.vectors.fasttext): word vectors of
vocabulary and unseen words equal to gensim's FastTextKeyedVectors and to the
fastText bindings' get_word_vector; every broken or foreign file refused in one line."""

import struct

import numpy as np
import pytest

from w2v_cli.errors import W2VError
from w2v_cli.vectors.fasttext import load_fasttext
from w2v_cli.vectors.formats import save_word2vec

gensim_fasttext = pytest.importorskip("gensim.models.fasttext")

STEMS = ["walk", "talk", "jump", "play", "café", "東京", "naïve", "über"]
SUFFIXES = ["", "s", "ed", "ing", "er"]
UNSEEN = ["walkings", "cafétéria", "東京都", "zzzz", "übrig", "x", "", "qwertyuiopasdfghjkl", "</s>x", "played"]


def _sentences(seed=0, n=300):
    rng = np.random.default_rng(seed)
    vocab = [s + x for s in STEMS for x in SUFFIXES if s + x != "played"]
    return [list(rng.choice(vocab, size=12)) for _ in range(n)]


@pytest.fixture(scope="module")
def gensim_model(tmp_path_factory):
    model = gensim_fasttext.FastText(vector_size=12, window=3, min_count=1, min_n=2, max_n=5, bucket=997,
                                     sg=1, negative=3, epochs=2, seed=1, workers=1)
    model.build_vocab(corpus_iterable=_sentences())
    model.train(corpus_iterable=_sentences(), total_examples=300, epochs=2)
    path = tmp_path_factory.mktemp("ft") / "g.bin"
    gensim_fasttext.save_facebook_model(model, str(path))
    return model, path


def test_settings_and_vocabulary(gensim_model):
    model, path = gensim_model
    ft = load_fasttext(path)
    assert (ft.minn, ft.maxn, ft.bucket, ft.dim) == (2, 5, 997, 12)
    assert ft.words == model.wv.index_to_key
    assert ft.counts.tolist() == [model.wv.get_vecattr(w, "count") for w in ft.words]
    assert ft.settings["model"] == "skipgram" and ft.settings["version"] == 12
    assert ft.ngram_rows.shape == (997, 12) and ft.word_rows.shape == (len(ft.words), 12)
    np.testing.assert_array_equal(ft.ngram_rows, model.wv.vectors_ngrams)
    np.testing.assert_array_equal(ft.word_rows, model.wv.vectors_vocab)


def test_vectors_equal_gensim(gensim_model):
    model, path = gensim_model
    ft = load_fasttext(path)
    reloaded = gensim_fasttext.load_facebook_vectors(str(path))
    for kv in (model.wv, reloaded):
        for w in ft.words + UNSEEN:
            np.testing.assert_allclose(ft.word_vector(w), kv[w], rtol=0, atol=1e-5, err_msg=w)
        np.testing.assert_allclose(ft.full_vectors(), kv.vectors, rtol=0, atol=1e-5)
    # The unseen words really are unseen and have n-grams.
    assert not any(w in ft for w in UNSEEN) and ft.word_vector("walkings").any()
    assert len(ft.subword_rows("")) == 1  # "<>" is a 2-gram at minn 2
    np.testing.assert_array_equal(ft.word_vector(""), ft.ngram_rows[ft.subword_rows("")[0]])


def test_full_vectors_are_means_of_rows(gensim_model):
    _, path = gensim_model
    ft = load_fasttext(path)
    full = ft.full_vectors(chunk=3)  # chunks that cut the vocabulary anywhere
    for i, w in enumerate(ft.words):
        rows = ft.subword_rows(w)
        expected = (ft.word_rows[i].astype(np.float64) + ft.ngram_rows[rows].sum(axis=0)) / (1 + len(rows))
        np.testing.assert_allclose(full[i], expected, atol=1e-6)
        assert len(rows) > 0


def test_equal_to_fasttext_bindings(tmp_path):
    fasttext = pytest.importorskip("fasttext")
    corpus = tmp_path / "c.txt"
    corpus.write_text("\n".join(" ".join(s) for s in _sentences(2, 200)) + "\n", encoding="utf-8")
    for model_name, minn, maxn in [("skipgram", 3, 6), ("cbow", 2, 4), ("skipgram", 0, 0)]:
        m = fasttext.train_unsupervised(str(corpus), model=model_name, dim=10, minCount=1, epoch=2, minn=minn,
                                        maxn=maxn, bucket=5003, thread=1, verbose=0)
        path = tmp_path / f"{model_name}{maxn}.bin"
        m.save_model(str(path))
        ft = load_fasttext(path)
        assert ft.words == m.get_words() and ft.settings["model"] == model_name
        assert (ft.minn, ft.maxn) == ((minn, maxn) if maxn else (0, 0))
        for w in ft.words + UNSEEN:
            np.testing.assert_allclose(ft.word_vector(w), m.get_word_vector(w), rtol=0, atol=1e-5, err_msg=w)
        if not maxn:  # no n-grams: an unseen word is a zero vector, as in fastText
            assert not ft.word_vector("walkings").any()
        full = ft.full_vectors()
        for i, w in enumerate(ft.words):
            np.testing.assert_allclose(full[i], m.get_word_vector(w), rtol=0, atol=1e-5)


def _refusal(path):
    with pytest.raises(W2VError) as err:
        load_fasttext(path)
    message = str(err.value)
    assert "\n" not in message and str(path) in message
    return message


def test_truncated_files_refused(gensim_model, tmp_path):
    _, path = gensim_model
    data = path.read_bytes()
    cut = tmp_path / "cut.bin"
    # Inside the magic, the settings, the dictionary (in a word and in a count),
    # both matrix headers and both matrices, and one byte short.
    points = sorted({3, 8, 40, 70, 75, 90, 120, 200, len(data) // 3, len(data) // 2, len(data) - 100, len(data) - 1})
    for n in points:
        cut.write_bytes(data[:n])
        message = _refusal(cut)
        assert "truncated" in message or "is not a fastText model" in message, message
    cut.write_bytes(data + b"\0" * 8)
    assert "after the end" in _refusal(cut)


def _patched(data, offset, fmt, value):
    out = bytearray(data)
    struct.pack_into(fmt, out, offset, value)
    return bytes(out)


def test_foreign_and_unsupported_files_refused(gensim_model, tmp_path):
    _, path = gensim_model
    data = path.read_bytes()
    bad = tmp_path / "bad.bin"
    cases = {
        "not a fastText model": [b"", b"hello world\n" * 10, np.arange(100, dtype=np.int32).tobytes()],
        "version 13": [_patched(data, 4, "<i", 13)],
        "version 10": [_patched(data, 4, "<i", 10)],
        "supervised": [_patched(data, 8 + 7 * 4, "<i", 3), _patched(data, 8 + 56 + 8, "<i", 2)],
        "make no sense": [_patched(data, 8, "<i", 0), _patched(data, 8 + 9 * 4, "<i", 7)],
    }
    for expected, blobs in cases.items():
        for blob in blobs:
            bad.write_bytes(blob)
            assert expected in _refusal(bad)
    # A word2vec binary file is not a fastText model.
    save_word2vec(bad, ["a", "b"], np.ones((2, 3), np.float32), binary=True)
    assert "not a fastText model" in _refusal(bad)
    assert "no such file" in _refusal(tmp_path / "missing.bin")
    assert "directory" in _refusal(tmp_path)


def test_quantized_flag_refused(gensim_model, tmp_path):
    model, path = gensim_model
    data = path.read_bytes()
    # The quantized-input flag sits right after the dictionary.
    dictionary = sum(len(w.encode()) + 1 + 9 for w in model.wv.index_to_key)
    at = 8 + 56 + 28 + dictionary
    assert data[at] == 0
    bad = tmp_path / "q.bin"
    bad.write_bytes(data[:at] + b"\1" + data[at + 1:])
    assert "quantized" in _refusal(bad)


def test_reader_does_not_import_numba(gensim_model):
    import subprocess
    import sys

    _, path = gensim_model
    code = ("import sys; from w2v_cli.vectors.fasttext import load_fasttext; m = load_fasttext(sys.argv[1]); "
            "m.full_vectors(); m.word_vector('unseenword'); print('numba' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code, str(path)], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
