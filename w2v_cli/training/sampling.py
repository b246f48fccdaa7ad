"""The two sampling tables built from word counts before training.

* The noise distribution for negatives, P_n(w) proportional to count(w)**0.75,
  as an alias table (Vose's method), packed for the kernels into one 64-bit
  word per column: one random 64-bit integer and one table load per negative.
* Subsampling keep-probabilities for frequent words.

Keep-probability formula: we use word2vec.c's (also gensim's),
``keep(w) = (sqrt(f/t) + 1) * t/f`` with f = count(w)/total, capped at 1, rather
than the notes' ``1 - discard = sqrt(t/f)``.  It is the formula the released tool
and gensim use, so vectors and the usual thresholds (1e-3, 1e-4) mean the same
as with those tools.  It keeps more of each frequent word than sqrt(t/f) (about
sqrt(t/f) + t/f) and keeps every word with f <= 2.618 t, where sqrt(t/f) already
starts discarding words at f > t.
"""

from __future__ import annotations

import numpy as np


def noise_weights(counts: np.ndarray, exponent: float = 0.75) -> np.ndarray:
    """Unnormalised noise weights count**exponent."""
    return np.power(np.asarray(counts, dtype=np.float64), exponent)


def build_alias(weights: np.ndarray):
    """Vose's alias method.  Returns ``(prob float32[n], alias int32[n])``.

    A draw picks a column i uniformly, then returns i with probability prob[i]
    and alias[i] otherwise.
    """
    w = np.asarray(weights, dtype=np.float64)
    n = len(w)
    if n == 0 or not np.all(np.isfinite(w)) or w.min() < 0 or w.sum() <= 0:
        raise ValueError("alias table needs finite, non-negative weights with a positive sum")
    from .kernels.rng import alias_columns

    scaled = w * (n / w.sum())
    prob = np.ones(n, dtype=np.float64)
    alias = np.arange(n, dtype=np.int32)
    alias_columns(scaled, prob, alias)
    # What is left is 1 up to rounding error: such columns always return themselves.
    return prob.astype(np.float32), alias


def pack_alias(prob: np.ndarray, alias: np.ndarray) -> np.ndarray:
    """The kernels' form of an alias table: column i holds
    ``threshold << 32 | alias[i]`` with threshold = prob[i] * 2**32 (capped at
    2**32 - 1), so a draw reads one word (one cache line) and compares integers.
    Flooring and capping change a column's probability by less than 2**-32
    (a full column, most often its own alias, then returns its alias once in
    2**32 draws).  Raises ValueError on a table that does not fit the packing."""
    prob = np.asarray(prob)
    alias = np.asarray(alias)
    n = len(prob)
    if (alias.shape != prob.shape or n >= 2**32 or not np.all((prob >= 0) & (prob <= 1))
            or (n and (alias.min() < 0 or alias.max() >= n))):
        raise ValueError("alias table needs probabilities in [0, 1] and aliases in [0, n), n < 2**32")
    threshold = np.minimum(np.floor(np.asarray(prob, np.float64) * 2.0**32), 2.0**32 - 1).astype(np.uint64)
    return (threshold << np.uint64(32)) | np.asarray(alias, np.uint64)


def alias_probabilities(prob: np.ndarray, alias: np.ndarray) -> np.ndarray:
    """The exact distribution an alias table samples from (for checking a table)."""
    n = len(prob)
    p = prob.astype(np.float64) / n
    np.add.at(p, alias, (1.0 - prob.astype(np.float64)) / n)
    return p


def keep_probabilities(counts: np.ndarray, sample: float) -> np.ndarray:
    """word2vec.c's subsampling keep-probability per word (1.0 when sample <= 0)."""
    counts = np.asarray(counts, dtype=np.float64)
    if sample <= 0 or len(counts) == 0:
        return np.ones(len(counts), dtype=np.float32)
    threshold = sample * counts.sum()
    keep = (np.sqrt(counts / threshold) + 1.0) * threshold / counts
    return np.minimum(keep, 1.0).astype(np.float32)
