"""Numba kernels of ``w2v phrases``: count adjacent word pairs, then score each
pair in the text and write it back with the joined pairs glued by ``_``.

Words arrive as the corpus reader's id stream (corpus/kernels/tokenize.py: entry ids,
-1 at line ends).  A pair ``(a, b)`` is the int64 key ``a * V + b``, counted in
an open-addressing table of keys (-1 empty) and counts whose size is a power of
two kept at most half full.  Kernels that may fill a table stop and return
where they are, so the caller grows it and calls again (Numba cannot resize in
place, and rebinding arrays in the hot loop costs reference counting per word).
"""

import numpy as np
from numba import njit

EMPTY = -1
SCORE_DEFAULT = 0
SCORE_NPMI = 1
_SPACE = 32
_JOIN = 95  # "_"
_NEWLINE = 10


@njit(cache=True, nogil=True, inline="always")
def _slot(keys, key):
    """The slot holding ``key``, or the empty slot where it would go."""
    mask = keys.size - 1
    j = np.int64((np.uint64(key) * np.uint64(0x9E3779B97F4A7C15)) >> np.uint64(20)) & mask
    while keys[j] != EMPTY and keys[j] != key:
        j = (j + 1) & mask
    return j


@njit(cache=True, nogil=True)
def new_pairs(slots):
    return np.full(slots, EMPTY, np.int64), np.zeros(slots, np.int64)


@njit(cache=True, nogil=True)
def grown_pairs(keys, counts):
    """The table with twice the slots, every pair re-placed."""
    new_keys, new_counts = new_pairs(2 * keys.size)
    for j in range(keys.size):
        if keys[j] != EMPTY:
            t = _slot(new_keys, keys[j])
            new_keys[t] = keys[j]
            new_counts[t] = counts[j]
    return new_keys, new_counts


@njit(cache=True, nogil=True)
def count_pairs(ids, i, prev, V, ucount, min_count, keys, counts, n):
    """Count the pairs of adjacent words of ``ids[i:]`` within a line, both of
    them counted at least ``min_count`` times (no other pair can be joined).
    ``prev`` is the word before ``ids[i]`` (-1 at a line start).  Stops early
    when the table would pass half full; returns ``(i, prev, n)``."""
    limit = keys.size // 2
    while i < ids.size:
        w = ids[i]
        if w < 0:
            prev = -1
        else:
            if prev >= 0 and ucount[prev] >= min_count and ucount[w] >= min_count:
                key = np.int64(prev) * V + w
                j = _slot(keys, key)
                if keys[j] == EMPTY:
                    if n >= limit:
                        return i, prev, n
                    keys[j] = key
                    n += 1
                counts[j] += 1
            prev = w
        i += 1
    return i, prev, n


@njit(cache=True, nogil=True)
def pair_count(keys, counts, key):
    j = _slot(keys, key)
    return counts[j] if keys[j] == key else 0


@njit(cache=True, nogil=True, inline="always")
def score_default(pab, pa, pb, min_count, total):
    # word2phrase.c's expression in its own float precision and order, so that
    # scores at the threshold fall on the same side.
    return np.float32(pab - min_count) / np.float32(pa) / np.float32(pb) * np.float32(total)


@njit(cache=True, nogil=True, inline="always")
def score_npmi(pab, pa, pb, total):
    # gensim's npmi_scorer: ln(p(ab) / (p(a) p(b))) / -ln(p(ab)), in [-1, 1].
    n = np.float64(total)
    p_ab = pab / n
    return np.log(p_ab / ((pa / n) * (pb / n))) / -np.log(p_ab)


@njit(cache=True, nogil=True)
def score(pab, pa, pb, min_count, total, scoring):
    """A pair's score; -inf when any count is below ``min_count`` (never joined)."""
    if pab < min_count or pa < min_count or pb < min_count:
        return -np.inf
    if scoring == SCORE_NPMI:
        return score_npmi(pab, pa, pb, total)
    return np.float64(score_default(pab, pa, pb, min_count, total))


@njit(cache=True, nogil=True)
def emit(ids, i, prev, fresh, V, ucount, keys, counts, min_count, total, scoring, threshold,
         arena, offsets, out):
    """Write ``ids[i:]`` as text into ``out``: words separated by a space, or by
    ``_`` where the pair scores above ``threshold``, lines ended by a newline.
    As in word2phrase.c a word glued to the one before it is not glued to the
    next (``fresh`` is false after a join), so one pass joins pairs only.
    Stops when ``out`` may not hold the next word; returns ``(i, o, prev, fresh,
    joins)`` (``o`` bytes written)."""
    o = 0
    joins = 0
    while i < ids.size:
        w = ids[i]
        if w < 0:
            if o >= out.size:
                break
            out[o] = _NEWLINE
            o += 1
            prev = -1
            i += 1
            continue
        s, e = offsets[w], offsets[w + 1]
        if o + (e - s) + 1 > out.size:
            break
        if prev >= 0:
            sep = _SPACE
            if fresh:
                pab = pair_count(keys, counts, np.int64(prev) * V + w)
                if score(pab, ucount[prev], ucount[w], min_count, total, scoring) > threshold:
                    sep = _JOIN
                    joins += 1
            out[o] = sep
            o += 1
            fresh = sep == _SPACE
        else:
            fresh = True
        for q in range(s, e):
            out[o] = arena[q]
            o += 1
        prev = w
        i += 1
    return i, o, prev, fresh, joins
