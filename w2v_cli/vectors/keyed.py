"""Query trained vectors: nearest neighbours and analogies, computed as gensim does.

The arithmetic deliberately follows gensim 4.4's ``KeyedVectors`` step by step
(same float32/float64 mix, same ``dot(vectors, mean) / norms``, same partial
sort), so that scores agree to the last bit or two and rankings agree exactly.
Only the norms are cached: dividing one similarity vector by them per query is as
cheap as a pre-normalised copy and needs no second V x D matrix in memory.

This module must stay free of numba so that ``w2v similar`` starts quickly.
"""

import difflib
import itertools
import os

import numpy as np

from ..errors import W2VError
from .formats import load_word2vec, save_word2vec

_TEXT_EXTENSIONS = (".txt", ".vec", ".text")


class UnknownWordError(W2VError):
    """A query word that is not in the vocabulary; ``.word`` holds it."""

    def __init__(self, word, suggestion=None):
        self.word = word
        self.suggestion = suggestion
        hint = f" (did you mean {suggestion!r}?)" if suggestion else ""
        super().__init__(f"word {word!r} is not in the vocabulary{hint}")


def is_text_path(path):
    return os.fspath(path).lower().endswith(_TEXT_EXTENSIONS)


def format_for_path(path) -> str:
    """"w2v" for .w2v, "txt" for .txt/.vec/.text, else "bin"."""
    name = os.fspath(path).lower()
    return "w2v" if name.endswith(".w2v") else "txt" if name.endswith(_TEXT_EXTENSIONS) else "bin"


class Subwords:
    """A subword model's n-gram rows: a vector for a word outside the vocabulary.

    ``rows`` (R x D) are the n-gram buckets ``ids`` (R increasing ints), or all
    ``bucket`` of them when ``ids`` is None (a fastText ``.bin``).  An unseen
    word's vector is the mean of the rows of its n-grams (corpus.subwords, in
    fastText's order, repeats counted) that are there: with every bucket present
    this is fastText's ``getWordVector`` (and gensim's) for such a word, rows
    never trained included as the initial values they still hold.  A model that
    w2v trained keeps only the rows its vocabulary uses; the others were never
    trained (they would hold only their random start), so they are left out of
    the mean rather than counted as zeros that would shrink it.  A word none of
    whose n-grams is there has no vector: it is unknown, as without subwords.
    """

    def __init__(self, minn, maxn, bucket, rows, ids=None):
        self.minn, self.maxn, self.bucket = int(minn), int(maxn), int(bucket)
        self.rows, self.ids = rows, ids

    def settings(self):
        return {"minn": self.minn, "maxn": self.maxn, "bucket": self.bucket}

    def vector(self, word):
        """The mean of ``word``'s n-gram rows (float32), or None when it has none."""
        if not isinstance(word, str) or not word or self.maxn <= 0 or self.bucket <= 0:
            return None
        from ..corpus.subwords import subword_table  # the numpy engine: no Numba on the query path

        _, buckets = subword_table([word], self.minn, self.maxn, self.bucket, engine="numpy")
        picked = buckets.astype(np.int64)
        if self.ids is not None and len(picked):
            if not len(self.ids):
                return None
            at = np.minimum(np.searchsorted(self.ids, picked), len(self.ids) - 1)
            picked = at[self.ids[at] == picked]
        if not len(picked):
            return None
        return (self.rows[picked].sum(axis=0, dtype=np.float64) / len(picked)).astype(np.float32)


class KeyedVectors:
    """Words, their float32 vectors (V x D, row i is words[i]), and queries over them.

    Loaded from a ``.w2v`` model file, ``vectors`` (and the norms) are read-only
    views of the mapped file and the words are decoded only when asked for.

    A subword model (``subwords``: a ``.w2v`` from ``w2v train --subwords``, or a
    fastText ``.bin``) also answers for words outside the vocabulary, from their
    character n-grams (see :class:`Subwords`): ``kv[word]``, ``most_similar``,
    ``similarity``, ``analogy`` and the rest take them, and :meth:`is_oov` tells
    them apart.  ``word in kv`` stays "is in the vocabulary" (gensim's
    FastTextKeyedVectors answers True for any word).
    """

    def __init__(self, words, vectors, counts=None):
        vectors = np.asarray(vectors)
        if vectors.dtype != np.float32 or not vectors.flags.c_contiguous:
            vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        if vectors.ndim != 2 or vectors.shape[0] != len(words):
            raise W2VError(f"{len(words)} words but vectors of shape {vectors.shape}")
        self.vectors = vectors
        self.counts = counts
        self.options = None  # the training options, when the file holds them
        self._norms = None
        self._normed = None
        self.subwords = None  # a Subwords, for a subword model
        self._mapped = None  # a model_file.MappedWords, until the word list is needed
        self._index = None
        if hasattr(words, "find"):
            self._mapped, self._words = words, None
        else:
            self._words = list(words)
            self._index = dict(zip(self._words, range(len(self._words))))
            if len(self._index) != len(self._words):
                raise W2VError("the vocabulary contains a word twice")

    @property
    def words(self):
        if self._words is None:
            self._words = self._mapped.tolist()
        return self._words

    @words.setter
    def words(self, value):
        self.__init__(value, self.vectors, self.counts)

    @property
    def index(self):
        if self._index is None:
            self._index = dict(zip(self.words, range(len(self.words))))
        return self._index

    def word(self, i) -> str:
        """The word of row ``i`` (without decoding the others from a mapped file)."""
        if self._words is None:
            return self._mapped[int(i)]
        return self._words[i]

    # ------------------------------------------------------------------ container

    def __len__(self):
        return self.vectors.shape[0]

    def __contains__(self, word):
        return self._find(word) >= 0

    def __getitem__(self, word):
        """The vector of a word (read-only), or the rows of a list of words."""
        if isinstance(word, (list, tuple)):
            return np.vstack([self.get_vector(w) for w in word])
        return self.get_vector(word)

    @property
    def dim(self):
        return self.vectors.shape[1]

    vector_size = dim

    def _find(self, word) -> int:
        if self._index is None:
            return self._mapped.find(word)
        try:
            return self._index.get(word, -1)
        except TypeError:
            return -1

    def row(self, word):
        """Row index of ``word``; UnknownWordError with a suggestion if absent."""
        i = self._find(word)
        if i < 0:
            raise UnknownWordError(word, self.suggest(word))
        return i

    def resolve(self, word):
        """(row, vector) of ``word``: row -1 and the vector of its n-grams for a word
        outside a subword model's vocabulary; UnknownWordError if it has neither."""
        i = self._find(word)
        if i >= 0:
            return i, self.vectors[i]
        vector = self.subwords.vector(word) if self.subwords is not None else None
        if vector is None:
            raise UnknownWordError(word, self.suggest(word))
        return -1, vector

    def is_oov(self, word) -> bool:
        """True for a word outside the vocabulary that the n-grams give a vector."""
        return self._find(word) < 0 and self.subwords is not None and self.subwords.vector(word) is not None

    def has_vector(self, word) -> bool:
        return self._find(word) >= 0 or self.is_oov(word)

    def _norm_of(self, i, vector):
        if i >= 0:
            return self.norms[i]
        norm = np.linalg.norm(vector)
        return norm if norm > 0 else np.float32(1)

    get_index = row

    # ------------------------------------------------------------------ files

    @classmethod
    def load(cls, path, binary=None, no_header=None, limit=None):
        """Any vectors file: word2vec text or binary (also gzip/bzip2/xz-compressed,
        header-less GloVe, fastText .vec) or a .w2v model file (mapped, not copied)."""
        from . import model_file

        from . import fasttext

        if model_file.is_model_file(path):
            return cls.from_model_file(model_file.load(path), limit)
        if fasttext.is_fasttext(path):
            return cls.from_fasttext(fasttext.load_fasttext(path), limit)
        words, vectors = load_word2vec(path, binary=binary, no_header=no_header, limit=limit)
        return cls(words, vectors)

    @classmethod
    def from_model_file(cls, model, limit=None):
        n = len(model.words) if not limit else min(limit, len(model.words))
        if n == len(model.words):
            kv = cls(model.words, model.vectors, model.counts)
        else:
            kv = cls(model.words_list(n), model.vectors[:n], None if model.counts is None else model.counts[:n])
        norms = model.norms[:n]
        kv._norms = np.where(norms == 0, np.float32(1), norms) if (norms == 0).any() else norms
        kv.options = model.options
        kv.model = model
        sub = model.subwords
        if sub is not None:
            kv.subwords = Subwords(sub["minn"], sub["maxn"], sub["bucket"], model.ngrams, model.ngram_ids)
        return kv

    @classmethod
    def from_fasttext(cls, model, limit=None):
        """A fastText model (vectors.fasttext.FastTextModel): its vocabulary's full
        vectors (the first ``limit``), and all its n-gram rows for unseen words."""
        n = len(model.words) if not limit else min(limit, len(model.words))
        if n < len(model.words):
            model.words, model.word_rows = model.words[:n], model.word_rows[:n]
        kv = cls(model.words, model.full_vectors(), np.asarray(model.counts[:n]))
        kv.options = dict(model.settings, dim=model.dim)
        if model.maxn > 0 and model.bucket > 0:
            kv.subwords = Subwords(model.minn, model.maxn, model.bucket, model.ngram_rows)
        return kv

    def save(self, path, binary=None, fmt=None):
        """Write ``path``: fmt "bin", "txt" or "w2v"; by default from the name
        (.w2v: the model file; .txt/.vec/.text: text; otherwise binary)."""
        fmt = fmt or ("bin" if binary else "txt" if binary is not None else format_for_path(path))
        if fmt == "w2v":
            from . import model_file

            sub = {} if self.subwords is None else dict(
                subwords=self.subwords.settings(), ngrams=self.subwords.rows, ngram_ids=self.subwords.ids)
            model_file.save(path, self.words, self.vectors, counts=self.counts, options=self.options, **sub)
        else:
            save_word2vec(path, self.words, self.vectors, fmt == "bin")

    # ------------------------------------------------------------------ gensim

    def to_gensim(self):
        """A gensim 4 KeyedVectors with these words and vectors (needs gensim)."""
        try:
            from gensim.models import KeyedVectors as GensimKV
        except ImportError:
            raise W2VError("to_gensim needs gensim: pip install gensim") from None
        kv = GensimKV(self.dim, dtype=np.float32)
        kv.add_vectors(self.words, np.array(self.vectors, np.float32))
        if self.counts is not None:
            for word, count in zip(self.words, np.asarray(self.counts).tolist()):
                kv.set_vecattr(word, "count", int(count))
        return kv

    @classmethod
    def from_gensim(cls, kv):
        """From a gensim KeyedVectors (or a model with ``.wv``)."""
        kv = getattr(kv, "wv", kv)
        words = list(kv.index_to_key)
        counts = None
        if words and "count" in getattr(kv, "expandos", {}):
            counts = np.asarray(kv.expandos["count"], np.int64)
        return cls(words, np.asarray(kv.vectors, np.float32), counts)

    # ------------------------------------------------------------------ norms

    @property
    def norms(self):
        """L2 norm of every row (float32, like gensim), computed once."""
        if self._norms is None:
            from .model_file import row_norms

            norms = row_norms(self.vectors)
            # gensim would divide by zero and return NaN; a zero vector is simply
            # similar to nothing, so treat its norm as 1 (cosine 0 everywhere).
            norms[norms == 0] = 1
            self._norms = norms
        return self._norms

    @property
    def normed(self):
        """Unit-length copy of the vectors, computed once on first use."""
        if self._normed is None:
            self._normed = self.vectors / self.norms[:, None]
        return self._normed

    def unit(self, word):
        i, vector = self.resolve(word)
        return vector / self._norm_of(i, vector)

    def get_vector(self, word, norm=False):
        """gensim's get_vector: the word's vector (read-only), unit length with ``norm``."""
        i, vector = self.resolve(word)
        result = vector / self._norm_of(i, vector) if norm else vector
        result.setflags(write=False)
        return result

    def get_mean_vector(self, keys, weights=None, pre_normalize=True, post_normalize=False, ignore_missing=True):
        """gensim's get_mean_vector: weighted mean of words' (unit) vectors or given vectors."""
        if len(keys) == 0:
            raise W2VError("cannot compute a mean of no words")
        if isinstance(weights, list):
            weights = np.array(weights, dtype=np.float32)
        if weights is None:
            weights = np.ones(len(keys), dtype=np.float32)
        if len(keys) != weights.shape[0]:
            raise W2VError("keys and weights must have the same number of elements")
        mean = np.zeros(self.dim, np.float32)
        total = 0
        for weight, key in zip(weights, keys):
            if isinstance(key, np.ndarray):
                mean += weight * key
                total += abs(weight)
            elif self.has_vector(key):
                mean += weight * self.get_vector(key, norm=pre_normalize)
                total += abs(weight)
            elif not ignore_missing:
                self.row(key)  # raises UnknownWordError
        if total > 0:
            mean = mean / total
        if post_normalize:
            mean = _unitvec(mean).astype(np.float32)
        return mean

    # ------------------------------------------------------------------ pairs

    def similarity(self, a, b):
        """Cosine similarity of two words."""
        return float(np.dot(self.unit(a), self.unit(b)))

    def distance(self, a, b):
        return 1 - self.similarity(a, b)

    def n_similarity(self, words1, words2):
        """Cosine of the means of two lists of words' raw vectors (gensim's n_similarity)."""
        words1, words2 = _as_list(words1), _as_list(words2)
        if not (words1 and words2):
            raise W2VError("n_similarity needs two non-empty lists of words")
        for w in words1 + words2:
            self.resolve(w)
        mean1 = self.get_mean_vector(words1, pre_normalize=False)
        mean2 = self.get_mean_vector(words2, pre_normalize=False)
        return float(np.dot(_unitvec(mean1), _unitvec(mean2)))

    def distances(self, word_or_vector, other_words=()):
        """1 - cosine between a word (or vector) and ``other_words`` (default: every word)."""
        vector = self.get_vector(word_or_vector) if isinstance(word_or_vector, str) else \
            np.asarray(word_or_vector, np.float32)
        if not other_words:
            others, norms = self.vectors, self.norms
        else:
            found = [self.resolve(w) for w in other_words]
            others = np.vstack([v for _, v in found])
            norms = np.array([self._norm_of(i, v) for i, v in found], np.float32)
        return 1 - np.dot(others, vector) / (np.linalg.norm(vector) * norms)

    def closer_than(self, a, b):
        """Words closer to ``a`` than ``b`` is (gensim's closer_than)."""
        distances = self.distances(a)
        i, j = self._find(a), self._find(b)
        bound = distances[j] if j >= 0 else self.distances(a, [b])[0]  # b may be an unseen word
        rows = np.flatnonzero(distances < bound)
        return [self.word(r) for r in rows if r != i]

    words_closer_than = closer_than

    def rank(self, a, b):
        """1 + the number of words closer to ``a`` than ``b``."""
        return len(self.closer_than(a, b)) + 1

    def most_similar_to_given(self, word, candidates):
        """The one of ``candidates`` most similar to ``word``."""
        candidates = list(candidates)
        if not candidates:
            raise W2VError("most_similar_to_given needs at least one candidate word")
        return candidates[int(np.argmax([self.similarity(word, c) for c in candidates]))]

    def rank_by_centrality(self, words):
        """(cosine with the mean of their unit vectors, word), most central first."""
        words = _as_list(words)
        if not words:
            raise W2VError("give at least one word")
        vectors = np.vstack([self.get_vector(w, norm=True) for w in words]).astype(np.float32)
        mean = self.get_mean_vector(vectors, post_normalize=True)
        return sorted(zip(np.dot(vectors, mean).tolist(), words), reverse=True)

    def doesnt_match(self, words):
        """The word furthest from the mean of the others' unit vectors (gensim's doesnt_match).
        Unlike gensim, an unknown word is an error rather than dropped."""
        return self.rank_by_centrality(words)[-1][1]

    # ------------------------------------------------------------------ queries

    def most_similar(self, positive=None, negative=(), topn=10, restrict_vocab=None):
        """gensim's ``most_similar``: cosine with the mean of unit vectors (negatives
        weigh -1).  Items may be words, vectors (used as given) or (item, weight)
        pairs.  ``topn=None`` returns every word's similarity."""
        keys, weights, exclude = self._weighted(positive, negative)
        if topn is not None and topn < 1:
            return []
        mean = self.get_mean_vector(keys, weights, pre_normalize=True, post_normalize=True, ignore_missing=False)
        dists = self._similarities(mean, restrict_vocab)
        if topn is None:
            return dists
        return self._top(dists, topn, exclude)

    def similar_by_word(self, word, topn=10, restrict_vocab=None):
        return self.most_similar([word], topn=topn, restrict_vocab=restrict_vocab)

    similar_by_key = similar_by_word

    def similar_by_vector(self, vector, topn=10, restrict_vocab=None):
        return self.most_similar([np.asarray(vector)], topn=topn, restrict_vocab=restrict_vocab)

    def most_similar_many(self, queries, negative=(), topn=10, restrict_vocab=None, block=256):
        """``most_similar(query, negative)`` for each query (a word or a list of words),
        answered ``block`` queries per matrix product.  Returns one result list per
        query; an unknown word gives its UnknownWordError in place of the list."""
        results = [None] * len(queries)
        if len(queries) > 16:
            self.index  # one dict beats a search of a mapped file's words per query
        means, where = [], []
        for k, query in enumerate(queries):
            try:
                keys, weights, exclude = self._weighted(_as_list(query), negative)
                mean = self.get_mean_vector(keys, weights, pre_normalize=True, post_normalize=True,
                                            ignore_missing=False)
            except W2VError as exc:
                results[k] = exc
                continue
            means.append(mean)
            where.append((k, exclude))
        end = len(self) if not restrict_vocab else restrict_vocab
        vectors, norms = self.vectors[:end], self.norms[:end]
        for start in range(0, len(means), block):
            Q = np.vstack(means[start:start + block])
            sims = np.dot(Q, vectors.T)  # one product for the whole block
            sims /= norms
            part = where[start:start + block]
            k = topn + max(len(exclude) for _, exclude in part)
            for row, best, (qi, exclude) in zip(sims, block_top_indices(sims, k), part):
                results[qi] = [(self.word(i), float(row[i])) for i in best if i not in exclude][:topn] \
                    if topn >= 1 else []
        return results

    def analogy(self, a, b, c, method="3cosadd", topn=10, restrict_vocab=None):
        """Words d with a - b + c ~ d ("king man woman" -> queen)."""
        if method == "3cosadd":
            return self.most_similar([a, c], [b], topn=topn, restrict_vocab=restrict_vocab)
        if method == "3cosmul":
            return self.most_similar_cosmul([a, c], [b], topn=topn, restrict_vocab=restrict_vocab)
        raise W2VError(f"unknown analogy method {method!r}: use 3cosadd or 3cosmul")

    def most_similar_cosmul(self, positive, negative=(), topn=10, restrict_vocab=None):
        """gensim's ``most_similar_cosmul`` (Levy & Goldberg 2014, 3CosMul).

        Cosines are shifted to [0, 1] with (1 + cos) / 2; the score is the product
        over positive words divided by (product over negative words + 1e-6).
        """
        positive, negative = _as_list(positive), _as_list(negative)
        if not positive:
            raise W2VError("3cosmul needs at least one positive word")
        rows = [i for i in (self.resolve(w)[0] for w in positive + negative) if i >= 0]
        if topn < 1:
            return []
        pos = [(1 + self._similarities(self.unit(w), restrict_vocab)) / 2 for w in positive]
        neg = [(1 + self._similarities(self.unit(w), restrict_vocab)) / 2 for w in negative]
        dists = np.prod(pos, axis=0) / (np.prod(neg, axis=0) + 0.000001)
        return self._top(dists, topn, set(rows))

    # ------------------------------------------------------------------ internals

    def _weighted(self, positive, negative):
        """(keys, float64 weights, rows of the query words) as gensim's most_similar builds them."""
        positive, negative = _as_list(positive), _as_list(negative)
        if not positive and not negative:
            raise W2VError("give at least one word to compare with")
        weights = np.concatenate((np.ones(len(positive)), -1.0 * np.ones(len(negative))))
        keys = []
        for k, item in enumerate(positive + negative):
            if isinstance(item, tuple):
                keys.append(item[0])
                weights[k] = item[1]
            else:
                keys.append(item)
        exclude = {i for i in (self.resolve(key)[0] for key in keys if isinstance(key, str)) if i >= 0}
        for key in keys:
            if not isinstance(key, (str, np.ndarray)):
                raise W2VError(f"a query item must be a word or a vector, not {type(key).__name__}")
            if isinstance(key, np.ndarray) and key.shape != (self.dim,):
                raise W2VError(f"a query vector must have {self.dim} dimensions, not shape {key.shape}")
        return keys, weights, exclude

    def _mean_unit(self, positive, negative):
        keys, weights, _ = self._weighted(positive, negative)
        return self.get_mean_vector(keys, weights, pre_normalize=True, post_normalize=True, ignore_missing=False)

    def _similarities(self, unit_query, restrict_vocab=None):
        end = len(self.vectors) if not restrict_vocab else restrict_vocab
        return np.dot(self.vectors[:end], unit_query) / self.norms[:end]

    def _top(self, dists, topn, exclude):
        best = block_top_indices(dists[None, :], topn + len(exclude))[0]
        result = [(self.word(i), float(dists[i])) for i in best if i not in exclude]
        return result[:topn]

    def suggest(self, word, limit=100_000, pool=2000):
        """A likely intended word for an unknown one, or None; fast even for big vocabularies.

        Looks among the ``limit`` first (most frequent) words for, in order: the same
        word in another case; a transposition (same letters, same length); then
        difflib's closest match among at most ``pool`` words sharing the first
        letter and of similar length, then among ``pool`` words of similar length.
        difflib over a whole vocabulary would take seconds.
        """
        if not isinstance(word, str) or not word or not len(self):
            return None
        head = self.words[:limit] if self._words is not None else \
            [self._mapped[i] for i in range(min(limit, len(self)))]
        lower, size = word.lower(), len(word)
        for w in head:
            if w.lower() == lower:
                return w
        letters = sorted(lower)
        for w in head:
            if len(w) == size and sorted(w.lower()) == letters:
                return w
        first = lower[0]
        tiers = (
            (w for w in head if abs(len(w) - size) <= 2 and w[:1].lower() == first),
            (w for w in head if abs(len(w) - size) <= 1),
        )
        for candidates in tiers:
            match = difflib.get_close_matches(word, list(itertools.islice(candidates, pool)), n=1, cutoff=0.6)
            if match:
                return match[0]
        return None


def top_indices(values, topn):
    """Indices of the ``topn`` largest values, largest first: gensim's matutils.argsort(reverse=True)."""
    x = -np.asarray(values)
    if topn >= x.size:
        return np.argsort(x)[:topn]
    part = np.argpartition(x, topn)[:topn]
    return part.take(np.argsort(x.take(part)))


def block_top_indices(values, topn, chunk=None):
    """top_indices of every row of a 2-D array, vectorised: each row's maxima over
    chunks of its columns bound its topn-th largest value from below (topn chunks
    have a maximum at least that large), so only the few values above that bound
    are sorted.  The same indices as top_indices row by row (ties aside)."""
    values = np.asarray(values)
    rows, n = values.shape
    if rows == 0:
        return []
    if chunk is None:
        chunk = max(1, n // max(4 * topn, 256))
    chunks = n // chunk
    if topn >= chunks or n < 4096:
        return [top_indices(row, topn) for row in values]
    maxima = values[:, :chunks * chunk].reshape(rows, chunks, chunk).max(axis=2)
    if chunks * chunk < n:
        maxima = np.concatenate([maxima, values[:, chunks * chunk:].max(axis=1, keepdims=True)], axis=1)
    bound = np.partition(maxima, -topn, axis=1)[:, -topn]
    # Only the chunks whose maximum reaches the bound can hold a winner: gather those.
    hit_rows, hit_chunks = np.nonzero(maxima >= bound[:, None])
    cols = hit_chunks[:, None] * chunk + np.arange(chunk)  # the tail chunk may run past n
    inside = cols < n
    cols = np.where(inside, cols, n - 1)
    picked = values[hit_rows[:, None], cols]
    keep = inside & (picked >= bound[hit_rows, None])
    cand_rows = np.broadcast_to(hit_rows[:, None], cols.shape)[keep]
    cand_cols, cand_vals = cols[keep], picked[keep]
    order = np.lexsort((cand_cols, -cand_vals, cand_rows))  # by row, then value down, then index
    cand_rows, cand_cols = cand_rows[order], cand_cols[order]
    splits = np.searchsorted(cand_rows, np.arange(1, rows))
    return [c[:topn] for c in np.split(cand_cols, splits)]


def _unitvec(vec):
    """gensim's matutils.unitvec: scaled by the reciprocal of the L2 norm, dtype kept."""
    norm = np.linalg.norm(vec)
    return (vec * (1.0 / norm)).astype(vec.dtype) if norm > 0 else vec


def _as_list(words):
    if words is None:
        return []
    if isinstance(words, (str, np.ndarray)):
        return [words]
    return list(words)
