"""fastText's character n-grams: which bucket rows a word's subwords use.

A word's n-grams are those of ``"<" + word + ">"`` (fastText's boundary
symbols) of ``minn`` to ``maxn`` characters, where a character is a UTF-8
sequence: a continuation byte (``10xxxxxx``) never starts an n-gram and is
always taken with the byte before it.  As in fastText's
``Dictionary::computeSubwords`` (src/dictionary.cc):

- n-grams are listed by start position, then by length;
- the whole ``"<word>"`` is one of them when it has at most ``maxn`` characters
  (fastText's loop does not leave it out; gensim agrees);
- a 1-gram that is a lone ``"<"`` or ``">"`` is left out (only matters for ``minn`` = 1);
- repeats stay (``"aaaa"`` has ``"aa"`` twice), so a mean over them weights a repeat twice;
- ``"</s>"``, fastText's end of sentence, has none.

An n-gram's row is ``hash(bytes) % bucket`` with fastText's ``Dictionary::hash``:
FNV-1a over the bytes, 32 bits, where each byte is sign-extended from ``int8``
before the XOR (fastText's models were trained with signed ``char``, and later
versions kept the quirk so that their rows stay where they were).  fastText adds
its word count to the row to index its input matrix; the rows here are bucket
rows, ``0 <= row < bucket``.

Three implementations of the same table: :func:`ngram_rows` (one word, plain
Python: the reference), :func:`subword_table` with ``engine="numpy"`` (a whole
vocabulary, vectorised, no Numba: what the query side uses) and ``engine="numba"``
(a whole vocabulary, one kernel pass: what training uses).
"""

from __future__ import annotations

from typing import List, Sequence, Tuple

import numpy as np

EOS = "</s>"
BOW, EOW = "<", ">"
FNV_OFFSET = 2166136261
FNV_PRIME = 16777619

# fastText's Args defaults (src/args.cc) for the unsupervised models.
DEFAULT_MINN, DEFAULT_MAXN, DEFAULT_BUCKET = 3, 6, 2_000_000


def ft_hash(data: bytes) -> int:
    """fastText's ``Dictionary::hash`` of ``data``: FNV-1a (32-bit) with each byte
    sign-extended from int8 before the XOR."""
    h = FNV_OFFSET
    for b in data:
        h ^= (b | 0xFFFFFF00) if b & 0x80 else b  # uint32_t(int8_t(c))
        h = (h * FNV_PRIME) & 0xFFFFFFFF
    return h


def ngrams(word: str, minn: int, maxn: int) -> List[bytes]:
    """The n-grams of ``"<word>"`` as byte strings, in fastText's order."""
    if word == EOS:
        return []
    w = (BOW + word + EOW).encode("utf-8")
    out: List[bytes] = []
    size = len(w)
    for i in range(size):
        if (w[i] & 0xC0) == 0x80:
            continue
        j, n = i, 1
        while j < size and n <= maxn:
            j += 1
            while j < size and (w[j] & 0xC0) == 0x80:
                j += 1
            if n >= minn and not (n == 1 and (i == 0 or j == size)):
                out.append(w[i:j])
            n += 1
    return out


def ngram_rows(word: str, minn: int, maxn: int, bucket: int) -> List[int]:
    """The bucket rows of ``word``'s n-grams (fastText's order, repeats kept)."""
    if maxn <= 0 or bucket <= 0:
        return []
    return [ft_hash(g) % bucket for g in ngrams(word, minn, maxn)]


def _arena(words: Sequence[str]) -> Tuple[np.ndarray, np.ndarray]:
    """``"<word>"`` of every word, UTF-8, laid end to end, and where each starts
    (``len(words) + 1`` offsets).  The end-of-sentence word gets an empty entry."""
    parts = [b"" if w == EOS else (BOW + w + EOW).encode("utf-8") for w in words]
    lengths = np.fromiter((len(p) for p in parts), dtype=np.int64, count=len(parts))
    offsets = np.zeros(len(parts) + 1, np.int64)
    np.cumsum(lengths, out=offsets[1:])
    arena = np.frombuffer(b"".join(parts), dtype=np.uint8)
    return arena, offsets


def subword_table(words: Sequence[str], minn: int, maxn: int, bucket: int,
                  engine: str = "numpy") -> Tuple[np.ndarray, np.ndarray]:
    """Every word's n-gram rows as a CSR table: word i's rows are
    ``rows[offsets[i]:offsets[i + 1]]`` (int64 offsets, int32 rows), each list as
    :func:`ngram_rows` gives it.  ``maxn`` = 0 (or ``bucket`` = 0) gives empty lists."""
    n = len(words)
    if maxn <= 0 or bucket <= 0 or n == 0:
        return np.zeros(n + 1, np.int64), np.zeros(0, np.int32)
    if not 1 <= minn <= maxn:
        raise ValueError(f"need 1 <= minn <= maxn, got minn {minn}, maxn {maxn}")
    if bucket > 2**31 - 1:
        raise ValueError("bucket must fit an int32")
    arena, word_offsets = _arena(words)
    if engine == "numba":
        from .kernels.subwords import subword_csr

        return subword_csr(arena, word_offsets, minn, maxn, bucket)
    if engine != "numpy":
        raise ValueError(f"unknown engine {engine!r}")
    return _subword_csr_numpy(arena, word_offsets, minn, maxn, bucket)


def _subword_csr_numpy(arena: np.ndarray, word_offsets: np.ndarray, minn: int, maxn: int,
                       bucket: int) -> Tuple[np.ndarray, np.ndarray]:
    """:func:`subword_table` in whole-array steps.  The n-gram of n characters
    starting at character c extends the one of n - 1 characters by character
    c + n - 1, so one hash per character, extended ``maxn`` times by up to 4
    bytes each, gives them all; a (character, length) table read row by row is
    then fastText's order."""
    nwords = len(word_offsets) - 1
    size = len(arena)
    char_pos = np.flatnonzero((arena & 0xC0) != 0x80).astype(np.int64)  # where each character starts
    nch = len(char_pos)
    char_len = np.diff(np.append(char_pos, size))  # words are laid end to end
    char_word = np.repeat(np.arange(nwords, dtype=np.int64), np.diff(word_offsets))[char_pos]
    nchars = np.bincount(char_word, minlength=nwords).astype(np.int64)
    first_char = np.zeros(nwords + 1, np.int64)
    np.cumsum(nchars, out=first_char[1:])
    local = np.arange(nch, dtype=np.int64) - first_char[char_word]
    remaining = nchars[char_word] - local  # characters from c to its word's end
    signed = arena.view(np.int8).astype(np.int32).view(np.uint32)  # uint32_t(int8_t(c))
    prime = np.uint32(FNV_PRIME)
    h = np.full(nch, FNV_OFFSET, np.uint32)
    width = maxn - minn + 1
    table = np.zeros((nch, width), np.uint32)
    keep = np.zeros((nch, width), bool)
    # Byte b of every character (B[b]) and whether it has one (M[b]).
    B = [signed[np.minimum(char_pos + b, size - 1)] for b in range(4)]
    M = [char_len > b for b in range(4)]
    multi = [bool(m.any()) for m in M]
    for n in range(1, maxn + 1):
        # Character c takes character c + n - 1, over every c at once: where that
        # lies past c's word the hash is garbage, never kept, and never extended
        # into a kept one (a word's n-grams end before its (n - 1)-grams do).
        span = nch - n + 1
        if span <= 0:
            break
        hh = h[:span]
        hh ^= B[0][n - 1:]
        hh *= prime  # uint32 arithmetic wraps modulo 2**32, as C's does
        for b in range(1, 4):
            if multi[b]:
                np.copyto(hh, (hh ^ B[b][n - 1:]) * prime, where=M[b][n - 1:])
        if n >= minn:
            table[:span, n - minn] = hh
            ok = remaining >= n
            if n == 1:
                ok &= (local != 0) & (remaining != 1)  # a lone "<" or ">"
            keep[:, n - minn] = ok
    rows = (table[keep] % np.uint32(bucket)).astype(np.int32)
    counts = np.bincount(char_word, weights=keep.sum(axis=1), minlength=nwords).astype(np.int64)
    offsets = np.zeros(nwords + 1, np.int64)
    np.cumsum(counts, out=offsets[1:])
    return offsets, rows


def compact(offsets: np.ndarray, rows: np.ndarray) -> Tuple[np.ndarray, np.ndarray]:
    """The bucket rows a table uses, and the table's rows as indices into them:
    ``(used, local)`` with ``used[local] == rows``, ``used`` sorted.  A vocabulary
    uses a fraction of the buckets (GCIDE's 44,042 words about a fifth of 2,000,000),
    so training keeps only these rows: less memory, fewer cache misses, and
    the same vectors (a row no word uses is never trained)."""
    used, local = np.unique(rows, return_inverse=True)
    return used.astype(np.int64), local.astype(np.int32).reshape(-1)
