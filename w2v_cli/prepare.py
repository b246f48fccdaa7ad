"""Before the epochs: the id stream (passes 1 and 2 over the corpus), a
vocabulary read from a file (``--read-vocab``), and the initial vectors."""

from __future__ import annotations

import os
from typing import List, Optional

import numpy as np

from . import corpus as corpus_mod
from .errors import W2VError
from .options import TrainOptions
from .vocab import Vocab


def prepare_stream(corpus, opts: TrainOptions, vocab, workdir: str, cluster=None):
    """Passes 1 and 2.  Returns (vocab, stream, train_words, tokens, notes).
    ``vocab``: None (built from the counts), a Vocab (fixed, ``--read-vocab``) or
    a function of the corpus's whole vocabulary returning the one to use
    (continued training's union: :func:`corpus.table_vocab`).
    Under MPI (``cluster``, w2v_cli.distributed) each rank counts its byte range
    of the files with the native reader, the counts are merged, the stream is
    this rank's share and train_words counts the whole corpus."""
    notes: List[str] = []
    paths = corpus_mod.corpus_files(corpus)
    if cluster is not None:
        if paths is not None:
            threads = opts.resolved_threads() if opts.threads else cluster.default_threads(opts.resolved_threads())
            vocab, stream, train_words, tokens, notes = cluster.prepare_stream(
                paths, os.path.join(workdir, "ids.int32"), opts.min_count, opts.max_vocab, vocab, threads)
            if train_words == 0:
                raise W2VError("no word of the vocabulary occurs in the corpus")
            return vocab, stream, train_words, tokens, notes
        sentences = corpus_mod.as_byte_sentences(corpus)
        counted = _count_in_memory(sentences, opts, vocab)
        stream, train_words = cluster.slice_stream(corpus_mod.encode_tokens(sentences(), counted)[0])
        if counted.truncated:
            notes.append(corpus_mod.truncation_note(counted.truncated))
        if train_words == 0:
            raise W2VError("no word of the vocabulary occurs in the corpus")
        return counted.vocab, np.asarray(stream), train_words, counted.tokens, notes
    if paths is not None:  # one pass of the native reader over the files
        return corpus_mod.prepare_stream(paths, os.path.join(workdir, "ids.int32"), opts.min_count,
                                         opts.max_vocab, vocab, opts.resolved_threads())
    sentences = corpus_mod.as_byte_sentences(corpus)
    counted = _count_in_memory(sentences, opts, vocab)
    stream, train_words = corpus_mod.encode_tokens(sentences(), counted)
    if counted.truncated:
        notes.append(corpus_mod.truncation_note(counted.truncated))
    if train_words == 0:
        raise W2VError("no word of the vocabulary occurs in the corpus")
    return counted.vocab, np.asarray(stream), train_words, counted.tokens, notes


def _count_in_memory(sentences, opts: TrainOptions, vocab):
    """Pass 1 over token lists, with ``vocab`` as :func:`corpus.table_vocab` takes it
    (None, a Vocab, or a function of the corpus's whole vocabulary)."""
    choose = callable(vocab)
    counted = corpus_mod.count_tokens(sentences(), 1 if choose else opts.min_count, opts.max_vocab, source="corpus")
    if choose:
        vocab = vocab(counted.vocab)
    return counted if vocab is None else with_vocab(counted, vocab)


def with_vocab(counted, vocab: Vocab):
    """Train with a vocabulary read from a file (``--read-vocab``): its words and
    counts decide ids, noise and subsampling; corpus words outside it are dropped."""
    lookup = {}
    for raw, i in counted.lookup.items():
        j = vocab.index.get(counted.vocab.words[i])
        if j is not None:
            lookup[raw] = j
    return corpus_mod.CountResult(vocab, counted.tokens, lookup, counted.truncated)


def init_vectors(n_words: int, dim: int, seed: int, n_outputs: Optional[int] = None):
    """gensim's initialisation: W uniform in [-1/D, 1/D] (twice word2vec.c's
    range, which scored lower on GCIDE: README, "Initialisation"), W' zero
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
