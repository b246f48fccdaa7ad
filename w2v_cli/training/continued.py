"""Continued training (``--init``): a trained model goes on learning from new text.

The first model arrives as one ``.w2v`` model file (``--init model.w2v``: W, W'
and the counts, when ``w2v train -o`` wrote it), or as its vectors W (``--init``, word2vec text or binary)
and its context vectors W' (``--init-context``, what ``--save-context`` wrote),
optionally with its counts (``--init-vocab``, what ``--save-vocab`` wrote); or
as one checkpoint (``--init run.ckpt``), which holds all three.

:class:`Union` is given every word of the new corpus as it is read and builds
the union vocabulary: counts are added up, the old words are always kept (whatever their
summed count), a new word is kept when its count reaches --min-count, and the
union is sorted by summed count, most frequent first, ties in the order old
words (file order) then new words (corpus order).  Old words keep their rows of
W and W'; new words are initialised as a fresh run's are (W uniform, W' zero).
Training then runs on the new corpus as usual, with this vocabulary fixed.

Without ``--init-vocab`` the old counts are unknown (a vectors file has none):
old words are assumed to be listed most frequent first, as word2vec.c, gensim
and w2v write them, and the word of rank r is given the count of the new
corpus's word of rank r: as if the first corpus had the new one's size and
rank-frequency curve.  Ranks past the new vocabulary's end get its last count.
"""

from __future__ import annotations

import dataclasses
import os
from typing import List, Mapping, Optional

import numpy as np

from ..errors import W2VError
from ..corpus.vocab import INT64_MAX, Vocab

_ZIP_MAGIC = b"PK\x03\x04"  # a checkpoint is an .npz (zip) file; vectors files start with digits


@dataclasses.dataclass
class FirstModel:
    """The model training continues from: its words (row order), W, W' and
    counts (None when unknown)."""
    words: List[str]
    W: np.ndarray
    Wp: np.ndarray
    counts: Optional[np.ndarray]
    source: str  # for messages

    @property
    def dim(self) -> int:
        return int(self.W.shape[1])


def load(init, init_context=None, init_vocab=None, resume=None) -> FirstModel:
    """The first model from paths or loaded values.

    ``init``: a vectors file, a checkpoint file, a ``(words, W)`` pair or a
    :class:`~w2v_cli.vectors.keyed.KeyedVectors`.  ``init_context``: a vectors file, a
    ``(words, W')`` pair, a KeyedVectors, or a V x D array whose rows follow
    ``init``'s words.  ``init_vocab``: a ``--save-vocab`` file, a
    :class:`~w2v_cli.corpus.vocab.Vocab` or a {word: count} mapping, covering exactly
    ``init``'s words.  ``resume`` (a checkpoint to resume) is refused.
    """
    if resume is not None:
        raise W2VError("--init and --resume both give the model to start from; use one "
                       "(--init continues on a new corpus, --resume finishes an interrupted run)")
    if isinstance(init, FirstModel):
        if init_context is not None or init_vocab is not None:
            raise W2VError("init is already a loaded model; give its context and counts when loading it")
        return init
    if init is None:
        what = "--init-context" if init_context is not None else "--init-vocab"
        raise W2VError(f"{what} needs --init, the vectors of the model to continue from")
    if _is_checkpoint(init):
        return _from_checkpoint(os.fspath(init), init_context, init_vocab)
    if isinstance(init, (str, bytes, os.PathLike)):
        from ..vectors import model_file

        if model_file.is_model_file(init):
            return _from_model_file(model_file.load(os.fsdecode(init)), init_context, init_vocab)
    words, W, name = _vectors(init, "--init")
    if init_context is None:
        raise W2VError(f"--init {name} needs --init-context: the context vectors W' of the same run "
                       "(written by --save-context), or give a checkpoint as --init")
    if isinstance(init_context, np.ndarray):
        context_words, Wp, context_name = words, np.asarray(init_context, np.float32), "the context array"
        if Wp.ndim != 2:
            raise W2VError(f"the context array has shape {Wp.shape}; expected ({len(words)}, {W.shape[1]})")
    else:
        context_words, Wp, context_name = _vectors(init_context, "--init-context")
    _check_pair(words, W, name, context_words, Wp, context_name)
    counts = None if init_vocab is None else _counts(init_vocab, words, name)
    return FirstModel(words, np.ascontiguousarray(W, np.float32), np.ascontiguousarray(Wp, np.float32),
                      counts, name)


def _is_checkpoint(init) -> bool:
    if not isinstance(init, (str, bytes, os.PathLike)):
        return False
    try:
        with open(init, "rb") as fh:
            return fh.read(4) == _ZIP_MAGIC
    except OSError:
        return False  # the vectors reader says what is wrong with the path


def _from_checkpoint(path: str, init_context, init_vocab) -> FirstModel:
    from . import checkpoint as ckpt

    if init_context is not None or init_vocab is not None:
        extra = "--init-context" if init_context is not None else "--init-vocab"
        raise W2VError(f"--init {path} is a checkpoint, which holds the context vectors and counts; drop {extra}")
    state, vocab, opts, _ = ckpt.load(path)
    if opts.loss == "hs":  # its W' rows are the inner nodes of a tree the union vocabulary would change
        raise W2VError(f"--init {path}: that run used --loss hs, which continued training cannot extend "
                       "(its context rows are Huffman-tree nodes)")
    _check_pair(vocab.words, state.W, path, vocab.words, state.Wp, f"{path}'s context vectors")
    return FirstModel(vocab.words, state.W, state.Wp, vocab.counts.copy(), path)


def _from_model_file(model, init_context, init_vocab) -> FirstModel:
    """A .w2v model file: its words, W, and (when it holds them) W' and the counts."""
    path = model.path
    kind = model.header.get("context")
    if kind == "huffman-nodes" or (model.options or {}).get("loss") == "hs":
        raise W2VError(f"--init {path}: that run used --loss hs, which continued training cannot extend "
                       "(its context rows are Huffman-tree nodes)")
    words = model.words_list()
    if model.context is not None:
        if init_context is not None:
            raise W2VError(f"--init {path} holds the context vectors W'; drop --init-context")
        context_words, Wp, context_name = words, model.context, f"{path}'s context vectors"
    elif init_context is None:
        raise W2VError(f"--init {path} holds no context vectors W': give --init-context, or a model file "
                       "written by w2v train -o NAME.w2v")
    elif isinstance(init_context, np.ndarray):
        context_words, Wp, context_name = words, np.asarray(init_context, np.float32), "the context array"
    else:
        context_words, Wp, context_name = _vectors(init_context, "--init-context")
    _check_pair(words, model.vectors, path, context_words, Wp, context_name)
    if model.counts is not None:
        if init_vocab is not None:
            raise W2VError(f"--init {path} holds the counts; drop --init-vocab")
        counts = np.array(model.counts, np.int64)
    else:
        counts = None if init_vocab is None else _counts(init_vocab, words, path)
    return FirstModel(words, model.vectors, np.ascontiguousarray(Wp, np.float32), counts, path)


def _vectors(value, flag: str):
    """(words, vectors, name for messages) from a path, a KeyedVectors or a pair."""
    if isinstance(value, (str, bytes, os.PathLike)):
        from ..vectors.formats import load_word2vec

        path = os.fsdecode(value)
        words, vectors = load_word2vec(path)
        return words, vectors, path
    if hasattr(value, "words") and hasattr(value, "vectors"):
        return list(value.words), np.asarray(value.vectors, np.float32), f"the {flag} vectors"
    try:
        words, vectors = value
        vectors = np.asarray(vectors, np.float32)
    except (TypeError, ValueError):
        raise W2VError(f"{flag} must be a vectors file, a KeyedVectors or a (words, vectors) pair") from None
    if vectors.ndim != 2 or vectors.shape[0] != len(words):
        raise W2VError(f"{flag}: {len(words)} words but vectors of shape {vectors.shape}")
    return list(words), vectors, f"the {flag} vectors"


def _check_pair(words, W, name, context_words, Wp, context_name) -> None:
    """The context vectors must be the same run's: same dimension, same words in the same order."""
    if W.shape[1] != Wp.shape[1]:
        raise W2VError(f"{name} has dimension {W.shape[1]} but {context_name} has {Wp.shape[1]}; "
                       "they are not from the same run")
    if len(context_words) != len(words) or Wp.shape[0] != W.shape[0]:
        raise W2VError(f"{context_name} has {Wp.shape[0]} rows but {name} has {W.shape[0]}: not the context "
                       "vectors of the same negative-sampling run (hierarchical softmax's have V - 1 inner nodes, "
                       "which cannot be continued)")
    if context_words != words:
        row = next(i for i, (a, b) in enumerate(zip(words, context_words)) if a != b)
        raise W2VError(f"{context_name} row {row + 1} is {context_words[row]!r} but {name} row {row + 1} is "
                       f"{words[row]!r}; they are not from the same run")
    if not (np.isfinite(W).all() and np.isfinite(Wp).all()):
        raise W2VError(f"{name} or {context_name} contains NaN or infinite values")


def _counts(init_vocab, words: List[str], name: str) -> np.ndarray:
    """The first model's count of each of ``words``, from a vocab file, a Vocab or a mapping."""
    if isinstance(init_vocab, (str, bytes, os.PathLike)):
        source = os.fsdecode(init_vocab)
        vocab = Vocab.load(source, min_count=0)
        given: Mapping[str, int] = dict(zip(vocab.words, vocab.counts.tolist()))
    elif isinstance(init_vocab, Vocab):
        source, given = "the --init-vocab vocabulary", dict(zip(init_vocab.words, init_vocab.counts.tolist()))
    else:
        source, given = "the --init-vocab counts", dict(init_vocab)
    missing = next((w for w in words if w not in given), None)
    if missing is not None:
        raise W2VError(f"{source} has no count for {missing!r}, a word of {name}; give the vocabulary "
                       "saved (--save-vocab) by the same run")
    if len(given) != len(words):
        raise W2VError(f"{source} lists {len(given):,} words but {name} has {len(words):,}; give the vocabulary "
                       "saved (--save-vocab) by the same run")
    return np.array([given[w] for w in words], np.int64)


def check_options(first: FirstModel, opts, vocab=None) -> None:
    """What cannot be combined with continuing from ``first``."""
    if opts.dim != first.dim:
        raise W2VError(f"--dim {opts.dim} differs from the dimension {first.dim} of {first.source}; "
                       "continued training keeps the model's dimension (leave --dim out)")
    if vocab is not None:
        raise W2VError("--read-vocab cannot be combined with --init: the vocabulary is the union of the model's "
                       "and the corpus's (give the model's counts with --init-vocab)")
    if opts.loss not in ("ns", "softmax"):
        # Hierarchical softmax's W' rows are the inner nodes of a Huffman tree
        # that the union's counts change: there are no rows to carry over.
        raise W2VError(f"--init continues negative-sampling or softmax training, not --loss {opts.loss}")


def estimated_counts(n_old: int, new_counts: np.ndarray) -> np.ndarray:
    """Counts for a model without its vocabulary: rank r gets the r-th largest
    count of the new corpus (the last one past its end)."""
    ranked = np.sort(np.asarray(new_counts, np.int64))[::-1]
    if n_old == 0:
        return np.zeros(0, np.int64)
    take = np.minimum(np.arange(n_old), len(ranked) - 1)
    return np.maximum(ranked[take], 1)


def union(first: FirstModel, new: Vocab, min_count: int) -> Vocab:
    """The union vocabulary of the first model and a new corpus's counts
    (``new``: every word of the corpus, uncut by --min-count)."""
    old_counts = first.counts if first.counts is not None else estimated_counts(len(first.words), new.counts)
    summed = dict(zip(first.words, old_counts.tolist()))  # insertion order: old words first, in file order
    for word, count in zip(new.words, new.counts.tolist()):
        summed[word] = summed.get(word, 0) + count
    n_old = len(first.words)
    # Old words are always kept; dicts keep insertion order, so the first n_old items are the old words.
    kept = [(w, c) for i, (w, c) in enumerate(summed.items()) if i < n_old or c >= min_count]
    kept.sort(key=lambda wc: -wc[1])  # stable: ties stay in insertion order
    if sum(c for _, c in kept) > INT64_MAX:
        raise W2VError(f"the counts of {first.source} and this corpus add up beyond 2^63 - 1")
    return Vocab([w for w, _ in kept], [c for _, c in kept])


def carried_vectors(first: FirstModel, vocab: Vocab, seed: int):
    """(W, W') for ``vocab``: old words' rows copied from ``first``, new words'
    initialised as a fresh run's are."""
    from .initial import init_vectors

    W, Wp = init_vectors(len(vocab), first.dim, seed)
    old_index = {w: i for i, w in enumerate(first.words)}
    rows = np.array([old_index.get(w, -1) for w in vocab.words], np.int64)
    old = rows >= 0
    W[old] = first.W[rows[old]]
    Wp[old] = first.Wp[rows[old]]
    return W, Wp


class Union:
    """The vocabulary of a continued run, chosen while the new corpus is read:
    ``corpus.pipeline.prepare`` calls it with the corpus's own vocabulary (every word,
    uncut by --min-count) and encodes the corpus with the union it returns, so
    the corpus is read once (see :func:`w2v_cli.corpus.pipeline.table_vocab`)."""

    def __init__(self, first: FirstModel, min_count: int):
        self.first, self.min_count = first, min_count
        self.new: Optional[Vocab] = None

    def __call__(self, new: Vocab) -> Vocab:
        self.new = new
        return union(self.first, new, self.min_count)

    def notes(self, vocab: Vocab) -> List[str]:
        first = self.first
        in_new = sum(1 for w in first.words if w in self.new.index)
        added = len(vocab) - len(first.words)
        counted = "counts from the model" if first.counts is not None else \
            "old counts estimated from rank (give --init-vocab for the real ones)"
        return [f"continuing from {first.source}: {len(first.words):,} words kept ({in_new:,} of them in this "
                f"corpus), {added:,} new words reach --min-count {self.min_count}; {counted}"]
