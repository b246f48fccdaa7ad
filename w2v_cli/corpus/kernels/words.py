"""Which counted words need Python to become vocabulary strings, and turning
the rest into strings in one call.

A word is *plain* when its bytes are valid UTF-8 (by Python's strict rules), at
most ``max_bytes`` long and free of every character ``str.isspace`` knows: then
its string is its bytes decoded, and no other byte string decodes to it.  Other
words (cut, undecodable, or holding Unicode whitespace) go through the Python
reader's rules (text.decode_word, text.utf8_prefix), and may merge.
"""

import numpy as np
from numba import njit

# Every code point for which str.isspace() is true (tests/test_corpus_native.py checks the list).
UNICODE_SPACES = np.array([0x9, 0xA, 0xB, 0xC, 0xD, 0x1C, 0x1D, 0x1E, 0x1F, 0x20, 0x85, 0xA0, 0x1680,
                           0x2000, 0x2001, 0x2002, 0x2003, 0x2004, 0x2005, 0x2006, 0x2007, 0x2008, 0x2009,
                           0x200A, 0x2028, 0x2029, 0x202F, 0x205F, 0x3000], np.int64)


@njit(cache=True, inline="always")
def _is_unicode_space(cp):
    if cp > 0x3000 or (cp > 0xA0 and cp < 0x1680):
        return False
    for s in UNICODE_SPACES:
        if s == cp:
            return True
    return False


@njit(cache=True, inline="always")
def _cont(c):
    return c >= 0x80 and c <= 0xBF


@njit(cache=True)
def is_plain(b, s, e, max_bytes):
    """Whether ``b[s:e]`` is a plain word (see the module docstring)."""
    if e - s > max_bytes:
        return False
    i = s
    while i < e:
        c = b[i]
        if c < 0x80:
            if (c >= 0x1C and c <= 0x20) or (c >= 9 and c <= 13):
                return False
            i += 1
            continue
        if c >= 0xC2 and c <= 0xDF:
            if i + 1 >= e or not _cont(b[i + 1]):
                return False
            cp = ((c & 0x1F) << 6) | (b[i + 1] & 0x3F)
            i += 2
        elif c >= 0xE0 and c <= 0xEF:
            if i + 2 >= e or not _cont(b[i + 1]) or not _cont(b[i + 2]):
                return False
            if (c == 0xE0 and b[i + 1] < 0xA0) or (c == 0xED and b[i + 1] >= 0xA0):
                return False  # overlong, or a surrogate
            cp = ((c & 0x0F) << 12) | ((b[i + 1] & 0x3F) << 6) | (b[i + 2] & 0x3F)
            i += 3
        elif c >= 0xF0 and c <= 0xF4:
            if i + 3 >= e or not _cont(b[i + 1]) or not _cont(b[i + 2]) or not _cont(b[i + 3]):
                return False
            if (c == 0xF0 and b[i + 1] < 0x90) or (c == 0xF4 and b[i + 1] >= 0x90):
                return False  # overlong, or above U+10FFFF
            cp = 0x10000  # astral: never whitespace
            i += 4
        else:
            return False
        if _is_unicode_space(cp):
            return False
    return True


@njit(cache=True)
def plain_rows(arena, offsets, n, max_bytes):
    out = np.empty(n, np.bool_)
    for r in range(n):
        out[r] = is_plain(arena, offsets[r], offsets[r + 1], max_bytes)
    return out


@njit(cache=True)
def join_rows(arena, offsets, rows):
    """The words of ``rows`` joined by newlines (one buffer, decoded and split in
    one call each: no Python loop per word)."""
    size = 0
    for r in rows:
        size += offsets[r + 1] - offsets[r] + 1
    out = np.empty(max(size - 1, 0), np.uint8)
    o = 0
    for k in range(rows.size):
        r = rows[k]
        s, e = offsets[r], offsets[r + 1]
        for j in range(s, e):  # not a slice assignment: see hashtable._grown
            out[o] = arena[j]
            o += 1
        if k + 1 < rows.size:
            out[o] = 10
            o += 1
    return out
