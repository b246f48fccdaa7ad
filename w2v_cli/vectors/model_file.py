"""The model file ``NAME.w2v``: one file that is mapped, not parsed.

Layout (docs/model-file.md has it for readers that only have numpy and json):

    bytes 0-7    magic b"\\x89W2V\\r\\n\\x1a\\n"
    bytes 8-11   format version, uint32 little-endian (1)
    bytes 12-15  zero (reserved)
    bytes 16-23  length H of the JSON header, uint64 little-endian
    bytes 24-    the JSON header (UTF-8, H bytes), then zero bytes up to the first array
    arrays       each at an offset that is a multiple of 64, as the header's table says

The header holds vocab_size, dim, the training options (or null), "subwords"
(a subword model's {minn, maxn, bucket}, or null), "context" (what the context array's rows are) and "arrays", a list
of {name, dtype, shape, offset}.  Readers ignore arrays they do not know, so
later versions can add arrays without breaking this one.

Loading maps the file read-only and gives numpy views of it: nothing is copied,
and words are decoded only when asked for (a million-word model answers a query
without building a million strings).  Every check that can be made without
reading the arrays is made: a truncated, misaligned or foreign file is refused
in one line.  (Mapping a file that someone truncates afterwards can still end
the process with SIGBUS: do not rewrite a model in place while it is queried;
w2v's writers replace files by renaming, which is safe.)
"""

from __future__ import annotations

import json
import math
import mmap
import os
import struct

import numpy as np

from ..atomic import atomic_write
from ..errors import W2VError

MAGIC = b"\x89W2V\r\n\x1a\n"
VERSION = 1
ALIGN = 64
_PREFIX = struct.Struct("<8sIIQ")  # magic, version, reserved, header length
_MAX_HEADER = 1 << 26

# Array names and their dtypes; shapes are checked against the header's V and D.
KNOWN_DTYPES = {
    "words": "|u1",          # UTF-8 words, each followed by b"\n"
    "word_offsets": "<u8",   # V + 1 byte offsets into "words"
    "counts": "<i8",         # corpus counts (optional)
    "vectors": "<f4",        # V x D, the word vectors W
    "norms": "<f4",          # V, their L2 norms (np.linalg.norm in float32)
    "context": "<f4",        # rows x D, W' (optional; header "context" says what the rows are)
    "ngram_ids": "<i8",      # R, the bucket of each row of "ngrams", increasing (absent: R = bucket, row r is bucket r)
    "ngrams": "<f4",         # R x D, the subword model's n-gram rows (header "subwords" has minn, maxn, bucket)
}


def is_model_file(path) -> bool:
    """A regular file starting with the magic (a pipe is not peeked at: that would eat its bytes)."""
    try:
        if not os.path.isfile(path):
            return False
        with open(path, "rb") as fh:
            return fh.read(len(MAGIC)) == MAGIC
    except OSError:
        return False


# ----------------------------------------------------------------------------- writing


def save(path, words, vectors, counts=None, context=None, options=None, context_kind="words",
         subwords=None, ngrams=None, ngram_ids=None) -> None:
    """Write a model file atomically.  ``context``: W' (rows x D), ``context_kind``
    "words" (row i is words[i]) or "huffman-nodes" (--loss hs's inner nodes).
    ``subwords`` ({"minn", "maxn", "bucket"}) with ``ngrams`` (R x D) and
    ``ngram_ids`` (their R increasing buckets; None: R = bucket, all of them)."""
    from .formats import _check_words_for_writing

    words = list(words)
    vectors = np.ascontiguousarray(vectors, dtype="<f4")
    if vectors.ndim != 2 or vectors.shape[0] != len(words):
        raise W2VError(f"cannot write {path}: {len(words)} words but vectors of shape {vectors.shape}")
    _check_words_for_writing(path, words)
    if not all_finite(vectors):
        raise W2VError(f"cannot write {path}: the vectors contain NaN or inf")
    n, dim = vectors.shape
    encoded = [w.encode("utf-8") for w in words]
    blob = np.frombuffer(b"".join(w + b"\n" for w in encoded), np.uint8)
    offsets = np.zeros(n + 1, "<u8")
    np.cumsum([len(w) + 1 for w in encoded], out=offsets[1:])
    arrays = [("words", blob), ("word_offsets", offsets)]
    if counts is not None:
        counts = np.asarray(counts, "<i8")
        if counts.shape != (n,):
            raise W2VError(f"cannot write {path}: {counts.shape[0]} counts for {n} words")
        arrays.append(("counts", counts))
    arrays += [("vectors", vectors), ("norms", row_norms(vectors).astype("<f4"))]
    if context is not None:
        context = np.ascontiguousarray(context, dtype="<f4")
        if context.ndim != 2 or context.shape[1] != dim:
            raise W2VError(f"cannot write {path}: context vectors of shape {context.shape} for dimension {dim}")
        arrays.append(("context", context))
    if ngrams is not None:
        ngrams = np.ascontiguousarray(ngrams, dtype="<f4")
        _check_ngrams(path, subwords, ngrams, ngram_ids, dim)
        if ngram_ids is not None:
            arrays.append(("ngram_ids", np.ascontiguousarray(ngram_ids, dtype="<i8")))
        arrays.append(("ngrams", ngrams))
        subwords = {k: int(subwords[k]) for k in ("minn", "maxn", "bucket")}

    header = {"format": "w2v", "version": VERSION, "vocab_size": n, "dim": dim,
              "options": _jsonable(options), "subwords": subwords,
              "context": context_kind if context is not None else None, "arrays": []}
    # Offsets depend on the header's length, which depends on the offsets: lay the
    # arrays out after a header padded to a generous fixed size.
    table_guess = len(json.dumps(header).encode()) + 160 * len(arrays) + 64
    start = _align(_PREFIX.size + table_guess)
    pos = start
    for name, array in arrays:
        header["arrays"].append({"name": name, "dtype": KNOWN_DTYPES[name], "shape": list(array.shape),
                                 "offset": pos})
        pos = _align(pos + array.nbytes)
    header["file_size"] = pos
    text = json.dumps(header, ensure_ascii=False).encode("utf-8")
    if _PREFIX.size + len(text) > start:  # cannot happen with the margin above; refuse rather than overlap
        raise W2VError(f"cannot write {path}: the header does not fit")
    with atomic_write(path, "wb") as fh:
        fh.write(_PREFIX.pack(MAGIC, VERSION, 0, len(text)) + text + bytes(start - _PREFIX.size - len(text)))
        written = start
        for entry, (_, array) in zip(header["arrays"], arrays):
            fh.write(bytes(entry["offset"] - written))
            fh.write(memoryview(array).cast("B"))
            written = entry["offset"] + array.nbytes
        fh.write(bytes(pos - written))


def _check_ngrams(path, subwords, ngrams, ngram_ids, dim) -> None:
    """The n-gram rows agree with their settings and their bucket ids (W2VError naming ``path`` if not)."""
    try:
        minn, maxn, bucket = (int(subwords[k]) for k in ("minn", "maxn", "bucket"))
    except (KeyError, TypeError, ValueError):
        raise W2VError(f"{path}: n-gram rows need subword settings {{minn, maxn, bucket}}, got {subwords!r}") from None
    if bucket < 1 or not 1 <= minn <= maxn:
        raise W2VError(f"{path}: the subword settings make no sense (minn {minn}, maxn {maxn}, bucket {bucket})")
    if ngrams.ndim != 2 or ngrams.shape[1] != dim:
        raise W2VError(f"{path}: n-gram rows of shape {list(ngrams.shape)} for dimension {dim}")
    if ngram_ids is None:
        if ngrams.shape[0] != bucket:
            raise W2VError(f"{path}: {ngrams.shape[0]} n-gram rows without their bucket ids (need all {bucket})")
        return
    ids = np.asarray(ngram_ids)
    if ids.shape != (ngrams.shape[0],):
        raise W2VError(f"{path}: {ids.shape[0] if ids.ndim == 1 else ids.shape} n-gram bucket ids for "
                       f"{ngrams.shape[0]} n-gram rows")
    if len(ids) and (ids[0] < 0 or ids[-1] >= bucket or (np.diff(ids) <= 0).any()):
        raise W2VError(f"{path}: the n-gram bucket ids are not increasing buckets below {bucket}")


_BLOCK_ROWS = 1 << 16


def row_norms(vectors) -> np.ndarray:
    """np.linalg.norm(vectors, axis=1), bit for bit, without its V x D temporary."""
    out = np.empty(vectors.shape[0], np.float32 if vectors.dtype == np.float32 else np.float64)
    for start in range(0, vectors.shape[0], _BLOCK_ROWS):
        out[start:start + _BLOCK_ROWS] = np.linalg.norm(vectors[start:start + _BLOCK_ROWS], axis=1)
    return out


def all_finite(vectors) -> bool:
    return all(np.isfinite(vectors[s:s + _BLOCK_ROWS]).all() for s in range(0, vectors.shape[0], _BLOCK_ROWS))


def _align(x: int) -> int:
    return (x + ALIGN - 1) // ALIGN * ALIGN


def _jsonable(options):
    if options is None:
        return None
    if not isinstance(options, dict):
        import dataclasses
        options = dataclasses.asdict(options)
    return json.loads(json.dumps(options, default=str))


# ----------------------------------------------------------------------------- reading


class MappedWords:
    """The words of a model file, decoded one at a time: ``len``, ``[i]``, ``find``."""

    def __init__(self, buf, blob_offset: int, blob_size: int, offsets: np.ndarray):
        self._buf, self._start, self._size, self._offsets = buf, blob_offset, blob_size, offsets

    def __len__(self):
        return len(self._offsets) - 1

    def __getitem__(self, i: int) -> str:
        a, b = int(self._offsets[i]), int(self._offsets[i + 1])
        return bytes(self._buf[self._start + a:self._start + b - 1]).decode("utf-8", "replace")

    def find(self, word) -> int:
        """Row of ``word``, or -1: a search of the bytes (no dict of a million strings)."""
        if not isinstance(word, str) or not word or any(c in word for c in " \t\n\r\v\f"):
            return -1
        key = word.encode("utf-8", "surrogatepass")
        start, end = self._start, self._start + self._size
        if bytes(self._buf[start:start + len(key) + 1]) == key + b"\n":
            return 0
        at = self._buf.find(b"\n" + key + b"\n", start, end)
        if at < 0:
            return -1
        return int(np.searchsorted(self._offsets, at + 1 - start))

    def tolist(self):
        text = bytes(self._buf[self._start:self._start + self._size]).decode("utf-8", "replace")
        return text.split("\n")[:-1]


class ModelFile:
    """A loaded model file: ``header``, the arrays as read-only views of the mapping."""

    def __init__(self, path, header, arrays, buf):
        self.path, self.header, self.arrays, self._buf = path, header, arrays, buf
        blob = header["_entries"]["words"]
        self.words = MappedWords(buf, blob["offset"], blob["shape"][0], arrays["word_offsets"])

    @property
    def vectors(self) -> np.ndarray:
        return self.arrays["vectors"]

    @property
    def norms(self) -> np.ndarray:
        return self.arrays["norms"]

    @property
    def counts(self):
        return self.arrays.get("counts")

    @property
    def context(self):
        return self.arrays.get("context")

    @property
    def options(self):
        return self.header.get("options")

    @property
    def subwords(self):
        """{"minn", "maxn", "bucket"} of a subword model, else None."""
        return self.header.get("subwords") if "ngrams" in self.arrays else None

    @property
    def ngrams(self):
        return self.arrays.get("ngrams")

    @property
    def ngram_ids(self):
        return self.arrays.get("ngram_ids")

    def words_list(self, limit=None):
        words = self.words.tolist()
        return words[:limit] if limit else words


def load(path, data=None) -> ModelFile:
    """Map ``path`` (or read ``data``, the bytes of a stream) and check its layout."""
    path = os.fspath(path)
    if data is None:
        try:
            with open(path, "rb") as fh:
                size = os.fstat(fh.fileno()).st_size
                if size < _PREFIX.size:
                    raise W2VError(f"{path} is truncated: a w2v model file has a {_PREFIX.size}-byte prefix, "
                                   f"this file has {size} bytes")
                buf = mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ)
        except OSError as exc:
            raise W2VError(f"cannot read {path}: {exc.strerror or exc}") from None
    else:
        buf = bytes(data)
    size = len(buf)
    if size < _PREFIX.size:
        raise W2VError(f"{path} is truncated: {size} bytes, less than a model file's prefix")
    magic, version, _, hlen = _PREFIX.unpack_from(buf, 0)
    if magic != MAGIC:
        raise W2VError(f"{path} is not a w2v model file (wrong magic bytes)")
    if version != VERSION:
        raise W2VError(f"{path} is a w2v model file of version {version}; this w2v reads version {VERSION}")
    if hlen > _MAX_HEADER or _PREFIX.size + hlen > size:
        raise W2VError(f"{path} is truncated or damaged: its header length {hlen} runs past the end ({size} bytes)")
    try:
        header = json.loads(bytes(buf[_PREFIX.size:_PREFIX.size + hlen]).decode("utf-8"))
        n, dim = int(header["vocab_size"]), int(header["dim"])
        table = list(header["arrays"])
        declared = int(header["file_size"])
    except (ValueError, KeyError, TypeError, UnicodeDecodeError):
        raise W2VError(f"{path}: the model file's header is damaged (not the JSON it should be)") from None
    if declared != size:
        what = "truncated" if size < declared else "longer than its header says"
        raise W2VError(f"{path} is {what}: the header gives {declared:,} bytes, the file has {size:,}")
    if n < 0 or dim < 1:
        raise W2VError(f"{path}: the header gives vocabulary size {n} and dimension {dim}")
    expected = {"words": None, "word_offsets": (n + 1,), "counts": (n,), "vectors": (n, dim), "norms": (n,),
                "context": (None, dim), "ngrams": (None, dim),
                "ngram_ids": (None,)}
    arrays, entries = {}, {}
    for entry in table:
        try:
            name, dtype, shape, offset = entry["name"], np.dtype(entry["dtype"]), \
                tuple(int(x) for x in entry["shape"]), int(entry["offset"])
        except (KeyError, TypeError, ValueError):
            raise W2VError(f"{path}: the model file's table of arrays is damaged") from None
        if name not in KNOWN_DTYPES:
            continue  # a later version's array: not ours to read
        if dtype != np.dtype(KNOWN_DTYPES[name]):
            raise W2VError(f"{path}: array {name!r} has dtype {dtype.str}, expected {KNOWN_DTYPES[name]}")
        want = expected[name]
        if want is not None and (len(shape) != len(want) or any(w is not None and w != s for w, s in zip(want, shape))):
            raise W2VError(f"{path}: array {name!r} has shape {list(shape)}, expected "
                           f"{['rows' if w is None else w for w in want]}")
        if any(s < 0 for s in shape) or offset < 0:
            raise W2VError(f"{path}: array {name!r} has a negative shape or offset")
        if offset % ALIGN:
            raise W2VError(f"{path}: array {name!r} starts at byte {offset}, not a multiple of {ALIGN} "
                           "(the file is misaligned)")
        count = math.prod(shape)  # Python ints: a huge shape cannot wrap around
        nbytes = count * dtype.itemsize
        if offset < _PREFIX.size + hlen or offset + nbytes > size:
            raise W2VError(f"{path} is truncated or damaged: array {name!r} (bytes {offset:,} to "
                           f"{offset + nbytes:,}) lies outside the file's {size:,} bytes")
        arrays[name] = np.frombuffer(buf, dtype=dtype, count=count, offset=offset).reshape(shape)
        entries[name] = {"offset": offset, "shape": list(shape)}
    for name in ("words", "word_offsets", "vectors", "norms"):
        if name not in arrays:
            raise W2VError(f"{path}: the model file has no {name!r} array")
    offsets = arrays["word_offsets"]
    if n and (offsets[0] != 0 or offsets[-1] != arrays["words"].shape[0] or (np.diff(offsets) < 2).any()):
        raise W2VError(f"{path}: the model file's word offsets are damaged")
    if "ngrams" in arrays:
        _check_ngrams(path, header.get("subwords"), arrays["ngrams"], arrays.get("ngram_ids"), dim)
    elif "ngram_ids" in arrays:
        raise W2VError(f"{path}: the model file has n-gram bucket ids but no 'ngrams' array")
    header["_entries"] = entries
    return ModelFile(path, header, arrays, buf)
