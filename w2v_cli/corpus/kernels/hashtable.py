"""Counting byte strings without Python objects: an open-addressing hash table
over a byte arena.

A table is five arrays plus a row count ``n``:

- ``arena`` (uint8): the words' bytes, back to back, in insertion order;
- ``offsets`` (int64, capacity + 1): row ``r`` is ``arena[offsets[r]:offsets[r + 1]]``;
- ``hashes`` (uint64) and ``counts`` (int64), one per row;
- ``slots`` (int64, a power of two, at most half full): -1, or a row index in
  the low 32 bits under the top 32 bits of its hash (so a probe rarely reads
  the row itself unless it is the word sought).

Rows are numbered in order of insertion, so a table that counted a stream
lists its words in order of first appearance.  Functions that may grow an array
return all five (Numba cannot resize in place); callers rebind them.
"""

import numpy as np
from numba import njit

from ...intrinsics import prefetch
from .swar import same_bytes, word_at

_SEED = 0xCBF29CE484222325
_MUL = 0x9E3779B97F4A7C15
_AHEAD = 16  # rows a merge prefetches ahead


@njit(cache=True, nogil=True, inline="always")
def hash_bytes(buf, s, e):
    """A 64-bit hash of ``buf[s:e]``: its length and its bytes, 8 at a time
    (swar.word_at), each folded in with a multiply, then murmur3's finaliser
    (the low bits pick the slot, the high 32 are the slot's tag)."""
    h = np.uint64(_SEED) ^ np.uint64(e - s)
    p = s
    while e - p > 8:
        h = (h ^ word_at(buf, p, 8)) * np.uint64(_MUL)
        h ^= h >> np.uint64(32)
        p += 8
    h = (h ^ word_at(buf, p, e - p)) * np.uint64(_MUL)
    h ^= h >> np.uint64(33)
    h *= np.uint64(0xFF51AFD7ED558CCD)
    h ^= h >> np.uint64(33)
    h *= np.uint64(0xC4CEB9FE1A85EC53)
    h ^= h >> np.uint64(33)
    return h


@njit(cache=True, nogil=True)
def new_table(rows, arena_bytes):
    """An empty table with room for ``rows`` rows and ``arena_bytes`` bytes."""
    rows = max(rows, 16)
    cap = 32
    while cap < 2 * rows:
        cap *= 2
    slots = np.full(cap, -1, np.int64)
    hashes = np.empty(rows, np.uint64)
    offsets = np.zeros(rows + 1, np.int64)
    counts = np.empty(rows, np.int64)
    arena = np.empty(max(arena_bytes, 64), np.uint8)
    return slots, hashes, offsets, counts, arena


@njit(cache=True, nogil=True, inline="always")
def _slot_value(h, r):
    return np.int64((h >> np.uint64(32)) << np.uint64(32)) | r


@njit(cache=True, nogil=True, inline="always")
def find(slots, hashes, offsets, arena, h, src, s, e):
    """``(slot, row)`` of ``src[s:e]`` (hash ``h``); row -1 and the free slot
    where it would go if it is absent."""
    # The two hot loops (tokenize._count_until_full, _merge_until_full) write this
    # loop out: calling find there, even inlined, made them about 1.7 times slower.
    mask = slots.size - 1
    j = np.int64(h & np.uint64(mask))
    n = e - s
    tag = np.int64((h >> np.uint64(32)) << np.uint64(32))
    r = -1
    while True:
        v = slots[j]
        if v == -1:
            break
        if (v & np.int64(-4294967296)) == tag:
            t = v & np.int64(0xFFFFFFFF)
            o = offsets[t]
            if offsets[t + 1] - o == n and same_bytes(arena, o, src, s, n):
                r = t
                break
        j = (j + 1) & mask
    return j, r


@njit(cache=True, nogil=True)
def rehash(hashes, n, cap):
    """A fresh slot array of ``cap`` slots for rows ``0..n-1``."""
    slots = np.full(cap, -1, np.int64)
    mask = cap - 1
    for r in range(n):
        j = np.int64(hashes[r] & np.uint64(mask))
        while slots[j] != -1:
            j = (j + 1) & mask
        slots[j] = _slot_value(hashes[r], r)
    return slots


@njit(cache=True, nogil=True)
def _grown(a, size, fill_to):
    b = np.empty(size, a.dtype)
    # A loop, not b[:fill_to] = a[:fill_to]: a slice assignment compiles Numba's
    # shape-mismatch message (string formatting, about 3 s of a first run).
    for i in range(fill_to):
        b[i] = a[i]
    return b


@njit(cache=True, nogil=True, inline="always")
def has_room(slots, hashes, offsets, arena, n, length):
    """Whether row ``n`` of ``length`` bytes fits without growing anything (slots
    stay at most half full)."""
    return n + 1 < hashes.size and offsets[n] + length <= arena.size and 2 * (n + 1) <= slots.size


@njit(cache=True, nogil=True)
def reserve(slots, hashes, offsets, counts, arena, n, length):
    """The table's arrays, grown (doubled) as needed so that :func:`has_room`
    holds for row ``n`` of ``length`` bytes."""
    if n + 1 >= hashes.size:
        rows = 2 * hashes.size
        hashes = _grown(hashes, rows, n)
        counts = _grown(counts, rows, n)
        offsets = _grown(offsets, rows + 1, n + 1)
    o = offsets[n]
    if o + length > arena.size:
        arena = _grown(arena, max(2 * arena.size, o + length), o)
    if 2 * (n + 1) > slots.size:
        slots = rehash(hashes, n, 2 * slots.size)
    return slots, hashes, offsets, counts, arena


@njit(cache=True, nogil=True, inline="always")
def put(slots, hashes, offsets, counts, arena, n, j, h, src, s, e, count):
    """Store ``src[s:e]`` as row ``n`` in free slot ``j`` (room checked by the
    caller with :func:`has_room`)."""
    o = offsets[n]
    for q in range(e - s):
        arena[o + q] = src[s + q]
    offsets[n + 1] = o + e - s
    hashes[n] = h
    counts[n] = count
    slots[j] = _slot_value(h, n)


@njit(cache=True, nogil=True)
def lookup_many(slots, hashes, offsets, arena, q_arena, q_offsets):
    """Row of each query word ``q_arena[q_offsets[i]:q_offsets[i + 1]]``, or -1."""
    m = q_offsets.size - 1
    rows = np.empty(m, np.int64)
    for i in range(m):
        s, e = q_offsets[i], q_offsets[i + 1]
        _, r = find(slots, hashes, offsets, arena, hash_bytes(q_arena, s, e), q_arena, s, e)
        rows[i] = r
    return rows


@njit(cache=True, nogil=True)
def _merge_until_full(slots, hashes, offsets, counts, arena, n, src_arena, src_offsets, src_hashes, src_counts,
                      r, m, where):
    # The hot loop never rebinds an array (that costs reference counting per word);
    # it stops where the table must grow.  With a large table nearly every source
    # row misses the cache, so rows ahead are prefetched in three steps: the slot
    # of row r + 16; the offsets and count of the row the slot of row r + 8 points
    # to; the bytes of the row the slot of row r + 4 points to.
    mask = np.uint64(slots.size - 1)
    while r < m:
        if r + _AHEAD < m:
            prefetch(slots, np.int64(src_hashes[r + _AHEAD] & mask))
        if r + _AHEAD // 2 < m:
            v = slots[np.int64(src_hashes[r + _AHEAD // 2] & mask)]
            if v != -1:
                v &= np.int64(0xFFFFFFFF)
                prefetch(offsets, v)
                prefetch(counts, v)
        if r + _AHEAD // 4 < m:
            v = slots[np.int64(src_hashes[r + _AHEAD // 4] & mask)]
            if v != -1:
                prefetch(arena, offsets[v & np.int64(0xFFFFFFFF)])
        s, e = src_offsets[r], src_offsets[r + 1]
        h = src_hashes[r]
        # find's loop, written out (as in tokenize._count_until_full: faster).
        j = np.int64(h & mask)
        tag = np.int64((h >> np.uint64(32)) << np.uint64(32))
        t = -1
        while True:
            v = slots[j]
            if v == -1:
                break
            if (v & np.int64(-4294967296)) == tag:
                q = v & np.int64(0xFFFFFFFF)
                o = offsets[q]
                if offsets[q + 1] - o == e - s and same_bytes(arena, o, src_arena, s, e - s):
                    t = q
                    break
            j = (j + 1) & np.int64(mask)
        if t < 0:
            if not has_room(slots, hashes, offsets, arena, n, e - s):
                return r, n
            put(slots, hashes, offsets, counts, arena, n, j, h, src_arena, s, e, src_counts[r])
            t = n
            n += 1
        else:
            counts[t] += src_counts[r]
        where[r] = t
        r += 1
    return r, n


@njit(cache=True, nogil=True)
def merge_into(slots, hashes, offsets, counts, arena, n, src_arena, src_offsets, src_hashes, src_counts, m):
    """Add the ``m`` rows of another table (its arena, offsets, hashes, counts) to
    this one, in their order.  Returns the arrays, the new row count and each
    source row's row here."""
    where = np.empty(m, np.int32)
    r = np.int64(0)  # not a literal 0: see tokenize.count_range
    while True:
        r, n = _merge_until_full(slots, hashes, offsets, counts, arena, n, src_arena, src_offsets, src_hashes,
                                 src_counts, r, m, where)
        if r == m:
            return slots, hashes, offsets, counts, arena, n, where
        slots, hashes, offsets, counts, arena = reserve(slots, hashes, offsets, counts, arena, n,
                                                        src_offsets[r + 1] - src_offsets[r])


@njit(cache=True, nogil=True)
def compact(hashes, offsets, counts, arena, n, keep):
    """Keep the rows where ``keep`` is true, in order, in place; returns the new
    row count and fresh slots."""
    w = 0
    o = 0
    for r in range(n):
        if not keep[r]:
            continue
        s, e = offsets[r], offsets[r + 1]
        for q in range(e - s):
            arena[o + q] = arena[s + q]
        offsets[w] = o
        o += e - s
        hashes[w] = hashes[r]
        counts[w] = counts[r]
        w += 1
    offsets[w] = o
    cap = 32
    while cap < 2 * w:
        cap *= 2
    return w, rehash(hashes, w, cap)


@njit(cache=True, nogil=True)
def hash_rows(arena, offsets, n):
    """The hash of each of ``n`` words laid out as in a table."""
    out = np.empty(max(n, 1), np.uint64)
    for r in range(n):
        out[r] = hash_bytes(arena, offsets[r], offsets[r + 1])
    return out
