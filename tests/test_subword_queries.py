"""A vector for any word: a --subwords model written to .w2v (full vectors, the
n-gram rows the vocabulary uses and their buckets) and read back answers for
unseen words from their n-grams; a fastText .bin (written by gensim's
save_facebook_model) gives gensim's FastTextKeyedVectors answers."""

import json
import subprocess
import sys

import numpy as np
import pytest

from conftest import REPO_ROOT, run_w2v, stem_sentences
from w2v_cli.corpus import subwords as S
from w2v_cli.training.loop import train
from w2v_cli.vectors import model_file
from w2v_cli.vectors.keyed import KeyedVectors, UnknownWordError

BUCKET = 20_011


def _corpus(seed=0, n_stems=12, n_sentences=500):
    """Stems with forms +ing / +ed in sentences of their own context words."""
    return stem_sentences(seed, n_stems, n_sentences, stem_len=5, n_own=4, length=5,
                          letters="abcdefghijklmnoprstuvw", tag="q")


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    stems, sentences = _corpus()
    result = train(sentences, dim=12, epochs=2, min_count=1, threads=1, seed=5, subwords=True, bucket=BUCKET,
                   progress=False)
    path = tmp_path_factory.mktemp("sub") / "m.w2v"
    result.save(path)
    return stems, result, path


def _reference_oov(word, ids, rows):
    """The mean of the stored rows of word's n-grams, from the reference ngram_rows (float64)."""
    where = {int(b): k for k, b in enumerate(ids)}
    picked = [where[r] for r in S.ngram_rows(word, 3, 6, BUCKET) if r in where]
    return rows[picked].astype(np.float64).mean(axis=0), len(picked)


def _cosines(vectors, v):
    v = np.asarray(v, np.float64)
    V = np.asarray(vectors, np.float64)
    return V @ v / (np.linalg.norm(V, axis=1) * np.linalg.norm(v))


def test_model_file_holds_full_vectors_and_used_ngram_rows(trained):
    _, result, path = trained
    model = model_file.load(path)
    assert model.header["subwords"] == {"minn": 3, "maxn": 6, "bucket": BUCKET}
    np.testing.assert_array_equal(model.ngram_ids, result.ngram_ids)
    np.testing.assert_array_equal(model.ngrams, result.Wn)
    assert (np.diff(model.ngram_ids) > 0).all() and len(model.ngram_ids) < BUCKET
    # Every bucket a vocabulary word uses is stored.
    used = {r for w in result.words for r in S.ngram_rows(w, 3, 6, BUCKET)}
    assert used == set(model.ngram_ids.tolist())
    kv = KeyedVectors.load(path)
    assert kv.words == list(result.words)
    np.testing.assert_array_equal(kv.vectors, result.full_vectors())
    for w in result.words[:5]:
        np.testing.assert_array_equal(kv[w], result.full_vectors()[result.vocab.index[w]])
        assert not kv.is_oov(w)


def test_unseen_word_is_the_mean_of_its_stored_ngram_rows(trained):
    stems, result, path = trained
    kv = KeyedVectors.load(path)
    ids, rows = result.ngram_ids, result.Wn
    for word in [stems[0] + "s", stems[1] + "er", "re" + stems[2] + "ing"]:
        assert word not in kv and kv.is_oov(word)
        expected, n = _reference_oov(word, ids, rows)
        assert 0 < n <= len(S.ngram_rows(word, 3, 6, BUCKET))
        np.testing.assert_allclose(kv[word], expected, rtol=0, atol=1e-6)
        np.testing.assert_allclose(kv.get_vector(word, norm=True), expected / np.linalg.norm(expected), atol=1e-6)
    # Queries take the unseen word as they take a vocabulary word (gensim's arithmetic).
    word = stems[0] + "s"
    expected, _ = _reference_oov(word, ids, rows)
    full = result.full_vectors()
    sims = _cosines(full, expected)
    best = np.argsort(-sims)[:5]
    got = kv.most_similar(word, topn=5)
    assert [w for w, _ in got] == [result.words[i] for i in best]
    np.testing.assert_allclose([s for _, s in got], sims[best], atol=1e-5)
    other = stems[0] + "ing"
    assert kv.similarity(word, other) == pytest.approx(sims[result.vocab.index[other]], abs=1e-5)
    # An analogy with the unseen word: unit vectors' mean, as gensim.
    a, b = full[result.vocab.index[stems[1] + "ed"]], full[result.vocab.index[stems[1] + "ing"]]
    mean = expected / np.linalg.norm(expected) + a / np.linalg.norm(a) - b / np.linalg.norm(b)
    sims = _cosines(full, mean)
    exclude = {result.vocab.index[stems[1] + "ed"], result.vocab.index[stems[1] + "ing"]}
    best = [i for i in np.argsort(-sims) if i not in exclude][:3]
    got = kv.most_similar([word, stems[1] + "ed"], [stems[1] + "ing"], topn=3)
    assert [w for w, _ in got] == [result.words[i] for i in best]
    # A word none of whose n-grams is stored is unknown, as without subwords.
    lost = _unstored_word(ids)
    assert S.ngram_rows(lost, 3, 6, BUCKET) and not kv.is_oov(lost) and lost not in kv
    with pytest.raises(UnknownWordError):
        kv[lost]


def _unstored_word(ids):
    """A word with n-grams, none of them in a stored bucket."""
    stored = set(ids.tolist())
    for word in ("x", "y", "z", "xy", "yz", "zx", "xyz", "zyx"):
        if not stored & set(S.ngram_rows(word, 3, 6, BUCKET)):
            return word
    raise AssertionError("every candidate word collides with a stored bucket")


def test_cli_marks_the_unseen_word_and_imports_no_numba(trained):
    stems, _, path = trained
    kv = KeyedVectors.load(path)
    word = stems[0] + "s"
    r = run_w2v("similar", "-m", path, word, "-n", 4, "--json")
    assert r.returncode == 0, r.stderr
    record = json.loads(r.stdout)
    assert record["oov"] == [word]
    assert [(x["word"], x["score"]) for x in record["results"]] == kv.most_similar(word, topn=4)
    r = run_w2v("similar", "-m", path, stems[0] + "ing", "-n", 2, "--json")
    assert r.returncode == 0 and "oov" not in json.loads(r.stdout)
    r = run_w2v("similar", "-m", path, _unstored_word(model_file.load(path).ngram_ids))
    assert r.returncode != 0 and r.stderr.startswith("error: ") and len(r.stderr.strip().splitlines()) == 1
    code = (f"import sys; from w2v_cli.vectors.keyed import KeyedVectors; kv = KeyedVectors.load({str(path)!r}); "
            f"kv.most_similar({word!r}); assert 'numba' not in sys.modules, 'numba imported'")
    done = subprocess.run([sys.executable, "-c", code], cwd=REPO_ROOT, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr


@pytest.fixture(scope="module")
def gensim_bin(tmp_path_factory):
    fasttext = pytest.importorskip("gensim.models.fasttext")
    stems, sentences = _corpus(1, n_sentences=400)
    model = fasttext.FastText(vector_size=10, window=3, min_count=1, sg=1, min_n=3, max_n=6, bucket=5003,
                              epochs=3, workers=1, seed=2)
    model.build_vocab(corpus_iterable=sentences)
    model.train(corpus_iterable=sentences, total_examples=len(sentences), epochs=model.epochs)
    path = tmp_path_factory.mktemp("ft") / "model.bin"
    fasttext.save_facebook_model(model, str(path))
    return stems, path, fasttext.load_facebook_model(str(path)).wv


def test_fasttext_bin_gives_gensims_neighbours(gensim_bin):
    stems, path, wv = gensim_bin
    kv = KeyedVectors.load(path)
    assert kv.words == list(wv.index_to_key)
    np.testing.assert_allclose(kv.vectors, wv.vectors, atol=1e-5)
    seen, unseen = stems[0] + "ing", stems[0] + "s"
    assert seen in wv.key_to_index and unseen not in wv.key_to_index
    np.testing.assert_allclose(kv[unseen], wv[unseen], atol=1e-5)
    for word in (seen, unseen):
        r = run_w2v("similar", "-m", path, word, "-n", 6, "--json")
        assert r.returncode == 0, r.stderr
        record = json.loads(r.stdout)
        expected = wv.most_similar(word, topn=6)
        assert [x["word"] for x in record["results"]] == [w for w, _ in expected]
        np.testing.assert_allclose([x["score"] for x in record["results"]], [s for _, s in expected], atol=1e-5)
        assert record.get("oov") == ([unseen] if word == unseen else None)


def test_fasttext_bin_converts_to_a_subword_model_file(gensim_bin, tmp_path):
    stems, path, wv = gensim_bin
    out = tmp_path / "model.w2v"
    r = run_w2v("convert", path, out)
    assert r.returncode == 0, r.stderr
    kv = KeyedVectors.load(out)
    assert kv.subwords.ids is None and kv.subwords.rows.shape == (5003, 10)
    unseen = stems[1] + "s"
    np.testing.assert_allclose(kv[unseen], wv[unseen], atol=1e-5)
    assert [w for w, _ in kv.most_similar(unseen, topn=5)] == [w for w, _ in wv.most_similar(unseen, topn=5)]
