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


class KeyedVectors:
    """Words, their float32 vectors (V x D, row i is words[i]), and queries over them."""

    def __init__(self, words, vectors):
        vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        if vectors.ndim != 2 or vectors.shape[0] != len(words):
            raise W2VError(f"{len(words)} words but vectors of shape {vectors.shape}")
        self.words = list(words)
        self.vectors = vectors
        self.index = dict(zip(self.words, range(len(self.words))))
        if len(self.index) != len(self.words):
            raise W2VError("the vocabulary contains a word twice")
        self._norms = None
        self._normed = None

    # ------------------------------------------------------------------ container

    def __len__(self):
        return len(self.words)

    def __contains__(self, word):
        return word in self.index

    def __getitem__(self, word):
        return self.vectors[self.row(word)]

    @property
    def dim(self):
        return self.vectors.shape[1]

    def row(self, word):
        """Row index of ``word``; UnknownWordError with a suggestion if absent."""
        try:
            return self.index[word]
        except (KeyError, TypeError):
            raise UnknownWordError(word, self.suggest(word)) from None

    # ------------------------------------------------------------------ files

    @classmethod
    def load(cls, path, binary=None):
        words, vectors = load_word2vec(path, binary=binary)
        return cls(words, vectors)

    def save(self, path, binary=None):
        if binary is None:
            binary = not is_text_path(path)
        save_word2vec(path, self.words, self.vectors, binary)

    # ------------------------------------------------------------------ norms

    @property
    def norms(self):
        """L2 norm of every row (float32, like gensim), computed once."""
        if self._norms is None:
            norms = np.linalg.norm(self.vectors, axis=1)
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
        i = self.row(word)
        return self.vectors[i] / self.norms[i]

    def similarity(self, a, b):
        """Cosine similarity of two words."""
        return float(np.dot(self.unit(a), self.unit(b)))

    # ------------------------------------------------------------------ queries

    def most_similar(self, positive, negative=(), topn=10, restrict_vocab=None):
        """gensim's ``most_similar``: cosine with the mean of unit vectors (negatives weigh -1)."""
        positive, negative = _as_list(positive), _as_list(negative)
        if not positive and not negative:
            raise W2VError("give at least one word to compare with")
        rows = [self.row(w) for w in positive + negative]
        if topn < 1:
            return []
        dists = self._similarities(self._mean_unit(positive, negative), restrict_vocab)
        return self._top(dists, topn, set(rows))

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
        rows = [self.row(w) for w in positive + negative]
        if topn < 1:
            return []
        pos = [(1 + self._similarities(self.unit(w), restrict_vocab)) / 2 for w in positive]
        neg = [(1 + self._similarities(self.unit(w), restrict_vocab)) / 2 for w in negative]
        dists = np.prod(pos, axis=0) / (np.prod(neg, axis=0) + 0.000001)
        return self._top(dists, topn, set(rows))

    # ------------------------------------------------------------------ internals

    def _mean_unit(self, positive, negative):
        # Same operations and dtypes as gensim's get_mean_vector(pre/post_normalize=True):
        # float64 weights times float32 unit vectors, accumulated in float32.
        weights = np.concatenate((np.ones(len(positive)), -1.0 * np.ones(len(negative))))
        mean = np.zeros(self.dim, np.float32)
        for weight, word in zip(weights, positive + negative):
            mean += weight * self.unit(word)
        mean = mean / np.abs(weights).sum()  # float64 from here, as in gensim
        norm = np.linalg.norm(mean)
        if norm > 0:
            mean = mean * (1.0 / norm)  # gensim's unitvec scales by the reciprocal (blas scal)
        return mean.astype(np.float32)

    def _similarities(self, unit_query, restrict_vocab=None):
        end = len(self.vectors) if not restrict_vocab else restrict_vocab
        return np.dot(self.vectors[:end], unit_query) / self.norms[:end]

    def _top(self, dists, topn, exclude):
        best = top_indices(dists, topn + len(exclude))
        result = [(self.words[i], float(dists[i])) for i in best if i not in exclude]
        return result[:topn]

    def suggest(self, word, limit=100_000, pool=2000):
        """A likely intended word for an unknown one, or None; fast even for big vocabularies.

        Looks among the ``limit`` first (most frequent) words for, in order: the same
        word in another case; a transposition (same letters, same length); then
        difflib's closest match among at most ``pool`` words sharing the first
        letter and of similar length, then among ``pool`` words of similar length.
        difflib over a whole vocabulary would take seconds.
        """
        if not isinstance(word, str) or not word or not self.words:
            return None
        head = self.words[:limit]
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


def _as_list(words):
    if words is None:
        return []
    if isinstance(words, str):
        return [words]
    return list(words)
