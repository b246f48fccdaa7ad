"""fastText's n-gram rows for a whole vocabulary in one kernel pass (see
``w2v_cli.corpus.subwords`` for the rules; this is its ``engine="numba"``)."""

import numpy as np
from numba import njit

# Numba widens uint32 arithmetic to 64 bits, so the hash is kept in a uint64
# and cut back to 32 bits after every multiply.
_OFFSET = np.uint64(2166136261)
_PRIME = np.uint64(16777619)
_MASK = np.uint64(0xFFFFFFFF)


@njit(cache=True, error_model="numpy")
def _walk(arena, s, e, minn, maxn, bucket, out, k):
    """Hash the n-grams of ``arena[s:e]`` (one ``"<word>"``) into ``out[k:]``
    (when ``out`` is long enough; it is empty on the counting pass).  Returns
    the new ``k``.  Each start's hash is extended one byte at a time, so an
    n-gram of length n costs its last character only."""
    for i in range(s, e):
        if (arena[i] & 0xC0) == 0x80:
            continue
        h = _OFFSET
        j = i
        n = 1
        while j < e and n <= maxn:
            h = ((h ^ (np.uint64(np.int64(np.int8(arena[j]))) & _MASK)) * _PRIME) & _MASK
            j += 1
            while j < e and (arena[j] & 0xC0) == 0x80:
                h = ((h ^ (np.uint64(np.int64(np.int8(arena[j]))) & _MASK)) * _PRIME) & _MASK
                j += 1
            if n >= minn and not (n == 1 and (i == s or j == e)):
                if k < out.shape[0]:
                    out[k] = np.int32(h % np.uint64(bucket))
                k += 1
            n += 1
    return k


@njit(cache=True, error_model="numpy")
def subword_csr(arena, word_offsets, minn, maxn, bucket):
    """CSR (offsets int64, rows int32) of the n-gram rows of the words laid end
    to end in ``arena`` (uint8), word i at ``arena[word_offsets[i]:word_offsets[i + 1]]``
    with its boundary symbols."""
    nwords = word_offsets.shape[0] - 1
    offsets = np.zeros(nwords + 1, np.int64)
    empty = np.zeros(0, np.int32)
    for w in range(nwords):
        offsets[w + 1] = offsets[w] + _walk(arena, word_offsets[w], word_offsets[w + 1], minn, maxn, bucket, empty, 0)
    rows = np.empty(offsets[nwords], np.int32)
    for w in range(nwords):
        _walk(arena, word_offsets[w], word_offsets[w + 1], minn, maxn, bucket, rows, offsets[w])
    return offsets, rows
