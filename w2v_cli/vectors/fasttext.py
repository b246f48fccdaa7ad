"""fastText's own model files (``.bin``), read for their word and n-gram rows.

Which files: the format fastText 0.9.x writes (``FastText::saveModel``) and gensim's
``load_facebook_model`` / ``save_facebook_model`` read and write: an int32 magic
793712314, an int32 version of 11 or 12 (12 since fastText 0.2; 11 was
fastText's first versioned format), then, all native little-endian:

- Args: 12 int32 (dim, ws, epoch, minCount, neg, wordNgrams, loss, model,
  bucket, minn, maxn, lrUpdateRate) and a float64 (t, the sampling threshold);
- Dictionary: int32 size, nwords, nlabels; int64 ntokens, pruneidx_size; per
  entry the word's bytes, a NUL, an int64 count and an int8 type (0 word, 1
  label); then pruneidx_size pairs of int32;
- a bool (quantized input), the input matrix (int64 rows, int64 columns, rows x
  columns float32): nwords word rows then bucket n-gram rows;
- a bool (quantized output) and the output matrix, which is skipped (checked
  for size only).

Refused in one line each: another magic (including fastText's unversioned
pre-2017 format, which gensim still reads), a version above 12 or below 11,
supervised models (labels or ``-model sup``), quantized models (``.ftz``),
files cut short or with bytes after the output matrix, and sizes that
disagree with each other.

A word's vector is fastText's ``getWordVector``: the mean of its own row (if
it is in the vocabulary) and the rows of its character n-grams (see
``w2v_cli.corpus.subwords``); a word with neither is a zero vector.  Words are
decoded as UTF-8 (undecodable bytes become U+FFFD, and such a word's n-grams are
those of the decoded string).  This module never imports Numba.
"""

from __future__ import annotations

import mmap
import os
import struct
from typing import Dict, List

import numpy as np

from ..corpus import subwords as _subwords
from ..errors import W2VError

MAGIC = 793712314
MAGIC_BYTES = struct.pack("<i", MAGIC)
VERSIONS = (11, 12)
_MODELS = {1: "cbow", 2: "skipgram", 3: "supervised"}
_LOSSES = {1: "hs", 2: "ns", 3: "softmax", 4: "ova"}
_ARGS = struct.Struct("<12id")
_DICT_HEAD = struct.Struct("<3i2q")
_ENTRY_TAIL = struct.Struct("<qb")
_MATRIX_HEAD = struct.Struct("<2q")


class FastTextModel:
    """The unsupervised part of a fastText model: vocabulary, settings, and the
    input matrix's word rows and n-gram rows (read-only views of the file).

    ``word_rows`` is ``len(words)`` x ``dim``, ``ngram_rows`` is ``bucket`` x ``dim``
    (row r is the n-gram bucket r of ``corpus.subwords``)."""

    def __init__(self, path, words: List[str], counts: np.ndarray, word_rows: np.ndarray,
                 ngram_rows: np.ndarray, minn: int, maxn: int, bucket: int, settings: dict):
        self.path = str(path)
        self.words = words
        self.counts = counts
        self.word_rows = word_rows
        self.ngram_rows = ngram_rows
        self.minn, self.maxn, self.bucket = minn, maxn, bucket
        self.dim = int(word_rows.shape[1])
        self.settings = settings  # the file's other Args: model, loss, ws, epoch, neg, min_count, t, version
        self.index: Dict[str, int] = {}
        for i, w in enumerate(words):
            self.index.setdefault(w, i)  # two byte strings may decode alike; fastText would find the first

    def __len__(self) -> int:
        return len(self.words)

    def __contains__(self, word: str) -> bool:
        return word in self.index

    def subword_rows(self, word: str) -> List[int]:
        """The n-gram bucket rows of ``word`` (fastText's ``computeSubwords``)."""
        if self.bucket == 0:
            return []
        return _subwords.ngram_rows(word, self.minn, self.maxn, self.bucket)

    def word_vector(self, word: str) -> np.ndarray:
        """fastText's ``getWordVector`` for any word (float32, ``dim``)."""
        rows = self.subword_rows(word)
        i = self.index.get(word)
        total = np.zeros(self.dim, np.float64)
        n = len(rows)
        if rows:
            total += self.ngram_rows[np.asarray(rows, np.int64)].sum(axis=0, dtype=np.float64)
        if i is not None:
            total += self.word_rows[i]
            n += 1
        if n:
            total /= n
        return total.astype(np.float32)

    def full_vectors(self, chunk: int = 8192) -> np.ndarray:
        """Every vocabulary word's :meth:`word_vector` (``len(words)`` x ``dim``,
        float32), as fastText's ``.vec`` file lists them."""
        n = len(self.words)
        out = np.empty((n, self.dim), np.float32)
        if n == 0:
            return out
        for s in range(0, n, chunk):
            e = min(n, s + chunk)
            offsets, rows = _subwords.subword_table(self.words[s:e], self.minn, self.maxn, self.bucket)
            counts = np.diff(offsets)
            sums = np.array(self.word_rows[s:e], np.float64)
            if len(rows):
                gathered = self.ngram_rows[rows.astype(np.int64)].astype(np.float64)
                has = counts > 0
                sums[has] += np.add.reduceat(gathered, offsets[:-1][has], axis=0)
            sums /= (counts + 1)[:, None]
            out[s:e] = sums
        return out


def is_fasttext(path) -> bool:
    """A regular file starting with fastText's magic number (int32 793712314, little-endian)."""
    try:
        if not os.path.isfile(path):
            return False
        with open(path, "rb") as fh:
            return fh.read(4) == MAGIC_BYTES
    except OSError:
        return False


def load_fasttext(path, data=None) -> FastTextModel:
    """Read a fastText ``.bin`` model (see the module docstring for which);
    ``data``: its bytes, already read (a pipe, a decompressed file)."""
    path = os.fspath(path)
    if data is not None:
        try:
            return _parse(path, data, len(data))
        except _Short as exc:
            raise W2VError(f"{path} is truncated: the file ends inside the {exc.args[0]} "
                           f"(at byte {len(data)})") from None
    from .formats import open_input

    with open_input(path, "a fastText model") as fh:
        size = os.fstat(fh.fileno()).st_size
        if size < 8:
            raise W2VError(f"{path} is not a fastText model: it is {size} bytes long")
        data = mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ)
    try:
        return _parse(path, data, size)
    except _Short as exc:
        raise W2VError(f"{path} is truncated: the file ends inside the {exc.args[0]} (at byte {size})") from None


class _Short(Exception):
    """The file ended inside a part; its name is the argument."""


def _unpack(data, fmt: struct.Struct, pos: int, part: str):
    if pos + fmt.size > len(data):
        raise _Short(part)
    return fmt.unpack_from(data, pos), pos + fmt.size


def _parse(path, data, size) -> FastTextModel:
    magic, version = struct.unpack_from("<2i", data, 0)
    if magic != MAGIC:
        raise W2VError(f"{path} is not a fastText model (no fastText magic number; fastText's unversioned "
                       f"pre-2017 format is not read either)")
    if version not in VERSIONS:
        raise W2VError(f"{path}: fastText file format version {version} is not supported (w2v reads versions 11 and 12)")
    args, pos = _unpack(data, _ARGS, 8, "settings")
    dim, ws, epoch, min_count, neg, _word_ngrams, loss, model, bucket, minn, maxn, _lr_rate, t = args
    if model == 3:
        raise W2VError(f"{path} is a supervised fastText model (a classifier); w2v reads only skipgram and cbow models")
    if model not in _MODELS or loss not in _LOSSES or dim < 1 or bucket < 0 or (maxn > 0 and not 1 <= minn <= maxn):
        raise W2VError(f"{path}: the fastText settings make no sense (model {model}, loss {loss}, dim {dim}, "
                       f"bucket {bucket}, minn {minn}, maxn {maxn}); is it a fastText model?")
    (nsize, nwords, nlabels, ntokens, prune_size), pos = _unpack(data, _DICT_HEAD, pos, "dictionary")
    if nlabels > 0:
        raise W2VError(f"{path} is a supervised fastText model ({nlabels} labels); w2v reads only skipgram and cbow models")
    if nsize != nwords or nwords < 0:
        raise W2VError(f"{path}: the dictionary gives {nsize} entries but {nwords} words")
    words: List[str] = []
    counts = np.empty(nwords, np.int64)
    for i in range(nwords):
        end = data.find(b"\0", pos)
        if end < 0:
            raise _Short("dictionary")
        raw = data[pos:end]
        (count, kind), pos = _unpack(data, _ENTRY_TAIL, end + 1, "dictionary")
        if kind != 0:
            raise W2VError(f"{path}: dictionary entry {i + 1} is a label; supervised models are not read")
        words.append(raw.decode("utf-8", errors="replace"))
        counts[i] = count
    if prune_size > 0:
        raise W2VError(f"{path} is a pruned (quantized) fastText model; w2v reads only full models")
    (quant,), pos = _unpack(data, struct.Struct("<?"), pos, "input matrix")
    if quant:
        raise W2VError(f"{path} is a quantized fastText model (.ftz); w2v reads only full models")
    (rows, cols), pos = _unpack(data, _MATRIX_HEAD, pos, "input matrix")
    if cols != dim or rows != nwords + bucket:
        raise W2VError(f"{path}: the input matrix is {rows} x {cols}, but the settings give "
                       f"{nwords} words + {bucket} buckets x {dim}")
    start = pos
    pos += rows * cols * 4
    if pos > size:
        raise _Short("input matrix")
    (qout,), pos = _unpack(data, struct.Struct("<?"), pos, "output matrix")
    if qout:
        raise W2VError(f"{path} is a quantized fastText model (.ftz); w2v reads only full models")
    (orows, ocols), pos = _unpack(data, _MATRIX_HEAD, pos, "output matrix")
    if orows < 0 or ocols != dim:
        raise W2VError(f"{path}: the output matrix is {orows} x {ocols}; the settings give dimension {dim}")
    pos += orows * ocols * 4
    if pos > size:
        raise _Short("output matrix")
    if pos != size:
        raise W2VError(f"{path}: {size - pos} bytes after the end of the fastText model; is it another file?")
    matrix = np.frombuffer(data, dtype="<f4", count=rows * cols, offset=start).reshape(rows, cols)
    if not np.isfinite(matrix).all():
        bad = int(np.flatnonzero(~np.isfinite(matrix).all(axis=1))[0])
        raise W2VError(f"{path}: row {bad} of the input matrix contains NaN or inf")
    settings = dict(version=version, model=_MODELS[model], loss=_LOSSES[loss], ws=ws, epoch=epoch,
                    min_count=min_count, neg=neg, t=t, ntokens=ntokens)
    if maxn <= 0:
        minn = maxn = 0  # fastText makes no n-grams then, whatever minn says
    return FastTextModel(path, words, counts, matrix[:nwords], matrix[nwords:], minn, maxn, bucket, settings)
