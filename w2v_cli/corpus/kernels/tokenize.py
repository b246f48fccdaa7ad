"""Tokenising and counting corpus bytes in one pass (the reader's inner loop).

The rules are those of ``bytes.split()`` and the reference reader (corpus/reference.py):
a word is a maximal run of bytes other than ASCII whitespace (space, \\t, \\n,
\\v, \\f, \\r); every newline ends a sentence.  :func:`count_range` counts the
words of a byte range into a fresh hash table (corpus/kernels/hashtable.py) and writes
each token's row in that table (a provisional id; -1 for a newline) to ``out``.
"""

import numpy as np
from numba import njit

from .hashtable import has_room, hash_bytes, new_table, put, reserve
from .swar import first_byte, load8, same_bytes, space_mask

SENTENCE_END = -1


@njit(cache=True, nogil=True, inline="always")
def is_space(c):
    return c == 32 or (c <= 13 and c >= 9)


@njit(cache=True, nogil=True)
def next_space(buf, p, end):
    """The first whitespace position at or after ``p`` (``end`` if none): a
    place to cut ``buf`` without splitting a word."""
    while p < end and not is_space(buf[p]):
        p += 1
    return p


@njit(cache=True, nogil=True, inline="always")
def word_end(buf, p, hi):
    """The first whitespace position at or after ``p``, at most ``hi``: 8 bytes
    per step while 8 bytes can be read (swar.py), then byte by byte."""
    while p < hi and p + 8 <= buf.size:
        m = space_mask(load8(buf, p))
        if m != 0:
            return min(p + first_byte(m), hi)
        p += 8
    while p < hi and not is_space(buf[p]):
        p += 1
    return min(p, hi)


@njit(cache=True, nogil=True)
def _count_until_full(buf, i, hi, out, k, slots, hashes, offsets, counts, arena, n):
    # The hot loop never rebinds an array (that costs reference counting per word);
    # it stops before a word the table has no room for.  Returns (i, k, n, words).
    # It probes the table itself (hashtable.find's loop, written out): calling
    # find, even inlined, made the whole loop about 1.7 times slower.
    words = 0
    mask = slots.size - 1
    while i < hi:
        c = buf[i]
        if is_space(c):
            if c == 10:
                out[k] = SENTENCE_END
                k += 1
            i += 1
            continue
        s = i
        i = word_end(buf, i + 1, hi)
        h = hash_bytes(buf, s, i)
        j = np.int64(h & np.uint64(mask))
        tag = np.int64((h >> np.uint64(32)) << np.uint64(32))
        r = -1
        while True:
            v = slots[j]
            if v == -1:
                break
            if (v & np.int64(-4294967296)) == tag:
                t = v & np.int64(0xFFFFFFFF)
                o = offsets[t]
                if offsets[t + 1] - o == i - s and same_bytes(arena, o, buf, s, i - s):
                    r = t
                    break
            j = (j + 1) & mask
        if r < 0:
            if not has_room(slots, hashes, offsets, arena, n, i - s):
                return s, k, n, words
            put(slots, hashes, offsets, counts, arena, n, j, h, buf, s, i, 1)
            r = n
            n += 1
        else:
            counts[r] += 1
        out[k] = r
        k += 1
        words += 1
    return i, k, n, words


@njit(cache=True, nogil=True)
def count_range(buf, lo, hi, out, rows_hint):
    """Count the words of ``buf[lo:hi]`` (a cut at whitespace or at the ends of
    the buffer) and write their provisional ids to ``out`` (which needs room for
    ``hi - lo`` entries).

    Returns ``(k, tokens, n, hashes, offsets, counts, arena)``: the number of
    entries written to ``out``, the number of words, the number of table rows
    and the table's arrays.
    """
    slots, hashes, offsets, counts, arena = new_table(rows_hint, 8 * rows_hint)
    # np.int64, not a literal 0: Numba would also compile the callee for
    # Literal[int](0) while it types the loop (a second compile of the hot loop).
    n = np.int64(0)
    k = np.int64(0)
    tokens = 0
    i = lo
    while True:
        i, k, n, words = _count_until_full(buf, i, hi, out, k, slots, hashes, offsets, counts, arena, n)
        tokens += words
        if i >= hi:
            return k, tokens, n, hashes, offsets, counts, arena
        slots, hashes, offsets, counts, arena = reserve(slots, hashes, offsets, counts, arena, n,
                                                        next_space(buf, i, hi) - i)


@njit(cache=True, nogil=True)
def relabel(ids, k, where, entry):
    """Provisional ids -> global ones, in place: ``ids[i] = entry[where[ids[i]]]``
    (sentence ends stay)."""
    for i in range(k):
        v = ids[i]
        if v >= 0:
            ids[i] = entry[where[v]]


@njit(cache=True, nogil=True)
def remap_compact(ids, remap, out):
    """``out[:m]`` = ``remap`` applied to ``ids`` with -2 (dropped) entries left
    out; sentence ends (-1) stay.  Returns ``(m, words)``."""
    m = 0
    words = 0
    for i in range(ids.size):
        v = ids[i]
        if v >= 0:
            v = remap[v]
            if v == -2:
                continue
            words += 1
        out[m] = v
        m += 1
    return m, words


@njit(cache=True, nogil=True)
def chunk_cut(buf, n, chunk):
    """Where the reference reader (reference.iter_chunks) cuts ``buf[:n]``: after its
    last newline, else after its last space, tab or CR, else at ``n`` if ``n``
    exceeds ``chunk`` (a word longer than a chunk), else nowhere (0)."""
    for i in range(n - 1, -1, -1):
        if buf[i] == 10:
            return i + 1
    for i in range(n - 1, -1, -1):
        c = buf[i]
        if c == 32 or c == 9 or c == 13:
            return i + 1
    return n if n > chunk else 0
