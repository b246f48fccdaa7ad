"""fastText's hash and character n-grams (w2v_cli.corpus.subwords): the
reference, the numpy table and the Numba table against gensim's
``ft_hash_bytes`` / ``compute_ngrams_bytes`` and against the fastText bindings'
``get_subwords``."""

import numpy as np
import pytest

from w2v_cli.corpus import subwords as S
from w2v_cli.corpus.text import MAX_WORD_BYTES, text_of

fasttext_inner = pytest.importorskip("gensim.models.fasttext_inner")

# ASCII, accented (2-byte), CJK (3-byte), emoji (4-byte), short words where the
# whole "<word>" is an n-gram, repeats, and words at w2v's 99-byte cut (as the
# corpus reader leaves them: a split UTF-8 sequence is dropped).
WORDS = ["cat", "dictionary", "a", "ab", "aaaaaa", "café", "naïve", "Straße", "crème brûlée".replace(" ", ""),
         "東京", "日本語の文章", "한국어", "😀", "x😀y", "ΑΒΓΔ", "x" * 99, "é" * 49 + "x",
         text_of(("é" * 60).encode()), text_of(("東" * 40).encode()), text_of(b"a" * 98 + "é".encode()),
         "\ufffd\ufffd"]
SETTINGS = [(3, 6), (1, 3), (2, 5), (4, 4), (1, 1), (3, 12)]


def gensim_rows(word, minn, maxn, bucket):
    return [fasttext_inner.ft_hash_bytes(g) % bucket
            for g in fasttext_inner.compute_ngrams_bytes(word, minn, maxn)]


def test_cut_words_are_at_the_cut():
    cut = [w for w in WORDS if len(w.encode()) >= MAX_WORD_BYTES - 3]
    assert len(cut) >= 5 and max(len(w.encode()) for w in cut) == MAX_WORD_BYTES


def test_hash_equals_gensim():
    for w in WORDS + ["", "<", ">", "<é>"]:
        for data in (w.encode(), ("<" + w + ">").encode()):
            assert S.ft_hash(data) == fasttext_inner.ft_hash_bytes(data)
    # The signed-char quirk matters exactly for bytes >= 0x80: an unsigned FNV-1a differs.
    h = 2166136261
    for b in "é".encode():
        h = ((h ^ b) * 16777619) & 0xFFFFFFFF
    assert h != S.ft_hash("é".encode())
    assert S.ft_hash(b"abc") == fasttext_inner.ft_hash_bytes(b"abc")


def test_ngrams_equal_gensim():
    for minn, maxn in SETTINGS:
        for w in WORDS:
            assert S.ngrams(w, minn, maxn) == fasttext_inner.compute_ngrams_bytes(w, minn, maxn), (w, minn, maxn)
            assert S.ngram_rows(w, minn, maxn, 2_000_000) == gensim_rows(w, minn, maxn, 2_000_000)


def test_fasttext_rules():
    # fastText's computeSubwords skips a 1-gram that is the boundary symbol alone.
    assert S.ngrams("ab", 1, 2) == [b"<a", b"a", b"ab", b"b", b"b>"]
    # The whole "<word>" is an n-gram when short enough; repeats stay.
    assert b"<ab>" in S.ngrams("ab", 3, 6)
    assert S.ngrams("aaaa", 2, 2).count(b"aa") == 3
    assert S.ngrams("</s>", 3, 6) == [] and S.ngram_rows("x", 3, 6, 0) == [] and S.ngram_rows("x", 3, 0, 9) == []
    # A continuation byte never starts an n-gram: every n-gram decodes.
    for w in WORDS:
        for g in S.ngrams(w, 1, 6):
            g.decode("utf-8")


@pytest.mark.parametrize("engine", ["numpy", "numba"])
def test_table_equals_reference(engine):
    words = WORDS + ["</s>", ""]
    for minn, maxn in SETTINGS:
        for bucket in (1, 97, 2_000_000):
            offsets, rows = S.subword_table(words, minn, maxn, bucket, engine=engine)
            assert offsets.dtype == np.int64 and rows.dtype == np.int32 and len(offsets) == len(words) + 1
            for i, w in enumerate(words):
                assert rows[offsets[i]:offsets[i + 1]].tolist() == S.ngram_rows(w, minn, maxn, bucket), (w, minn, maxn)


@pytest.mark.parametrize("engine", ["numpy", "numba"])
def test_table_many_words(engine):
    rng = np.random.default_rng(3)
    alphabet = list("abcdefghij") + ["é", "ß", "東", "😀"]
    words = ["".join(rng.choice(alphabet, size=rng.integers(1, 15))) for _ in range(3000)]
    offsets, rows = S.subword_table(words, 3, 6, 2_000_000, engine=engine)
    expected = [r for w in words for r in gensim_rows(w, 3, 6, 2_000_000)]
    assert rows.tolist() == expected
    assert offsets[-1] == len(expected)


def test_off_and_bad_settings():
    offsets, rows = S.subword_table(["cat", "dog"], 3, 0, 2_000_000)
    assert offsets.tolist() == [0, 0, 0] and len(rows) == 0
    with pytest.raises(ValueError):
        S.subword_table(["cat"], 5, 3, 100)
    with pytest.raises(ValueError):
        S.subword_table(["cat"], 0, 3, 100)


def test_equal_to_fasttext_bindings(tmp_path):
    fasttext = pytest.importorskip("fasttext")
    text = " ".join(["the", "cat", "café", "東京", "naïve", "Straße", "x😀y"] * 30)
    corpus = tmp_path / "c.txt"
    corpus.write_text((text + "\n") * 5, encoding="utf-8")
    for minn, maxn, bucket in [(3, 6, 5000), (2, 4, 97), (1, 3, 1000)]:
        model = fasttext.train_unsupervised(str(corpus), model="skipgram", dim=4, minCount=1, epoch=1,
                                            minn=minn, maxn=maxn, bucket=bucket, thread=1, verbose=0)
        nwords = len(model.get_words())
        for w in ["cat", "café", "東京", "x😀y", "unseen", "ñandú", "日本語の文章", "x" * 99, "a"]:
            ids = model.get_subwords(w)[1].tolist()
            if w in model.get_words():
                assert ids[0] == model.get_word_id(w)
                ids = ids[1:]
            assert [i - nwords for i in ids] == S.ngram_rows(w, minn, maxn, bucket), (w, minn, maxn)
