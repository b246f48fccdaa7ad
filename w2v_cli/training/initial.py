"""The vectors training starts from: gensim's random initialisation, or vectors
the caller gives (continued training)."""

from __future__ import annotations

from typing import Optional

import numpy as np

from ..errors import W2VError


def init_vectors(n_words: int, dim: int, seed: int, n_outputs: Optional[int] = None):
    """gensim's initialisation: W uniform in [-1/D, 1/D] (twice word2vec.c's
    range, which scored lower on GCIDE: docs/benchmarks.md), W' zero
    (``n_outputs`` rows: V, or V - 1 inner nodes for hierarchical softmax)."""
    rng = np.random.default_rng(seed)
    # In place: the same float32 operations (so the same values) as
    # (r * 2 - 1) / dim, without three temporaries of V x D floats.
    W = rng.random((n_words, dim), dtype=np.float32)
    W *= 2
    W -= 1
    W /= dim
    Wp = np.zeros((n_words if n_outputs is None else n_outputs, dim), dtype=np.float32)
    return W, Wp


def given_vectors(initial, n_words: int, dim: int, n_outputs: Optional[int] = None):
    """Caller-supplied starting vectors (continued training): a (W, W') pair of
    V x D arrays (W' with ``n_outputs`` rows if given: V - 1 for hierarchical
    softmax), copied to contiguous float32."""
    try:
        W, Wp = initial
        W = np.array(W, dtype=np.float32, order="C")
        Wp = np.array(Wp, dtype=np.float32, order="C")
    except (TypeError, ValueError) as exc:
        raise W2VError(f"initial vectors must be a pair of arrays (W, W'): {exc}") from None
    rows = n_words if n_outputs is None else n_outputs
    if W.shape != (n_words, dim) or Wp.ndim != 2 or Wp.shape[1] != dim \
            or (n_outputs is not None and Wp.shape[0] != n_outputs):
        raise W2VError(f"initial vectors have shapes {W.shape} and {Wp.shape}; "
                       f"expected ({n_words}, {dim}) and ({rows}, {dim}) for {n_words} words of dimension {dim}")
    if not (np.isfinite(W).all() and np.isfinite(Wp).all()):
        raise W2VError("initial vectors contain NaN or infinite values")
    return W, Wp
