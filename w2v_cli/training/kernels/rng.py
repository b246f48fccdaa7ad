"""A small, fast per-thread random number generator for the kernels.

xorshift64* (Vigna 2016): one 64-bit state word per thread, kept in a
one-element uint64 array so kernels can advance it in place.  Each thread's state
comes from splitmix64 of (seed, epoch, thread), so runs are reproducible and
threads draw independent streams.  All arithmetic stays in uint64: mixing in a
signed int would make Numba promote to float64.
"""

import numpy as np
from numba import njit

_MUL = np.uint64(0x2545F4914F6CDD1D)
_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)
_INV53 = 1.0 / 9007199254740992.0  # 2**-53
_LOW32 = np.uint64(0xFFFFFFFF)


@njit(cache=True, error_model="numpy", inline="always")
def splitmix64(x):
    z = np.uint64(x) + _GOLDEN
    z = (z ^ (z >> np.uint64(30))) * _M1
    z = (z ^ (z >> np.uint64(27))) * _M2
    return z ^ (z >> np.uint64(31))


@njit(cache=True, error_model="numpy")
def thread_seed(seed, epoch, thread):
    """A non-zero starting state for (seed, epoch, thread)."""
    s = splitmix64(np.uint64(seed))
    s = splitmix64(s ^ np.uint64(epoch))
    s = splitmix64(s ^ np.uint64(thread))
    if s == np.uint64(0):
        s = _GOLDEN
    return s


@njit(cache=True, error_model="numpy", inline="always")
def next_u64(state):
    x = state[0]
    x ^= x >> np.uint64(12)
    x ^= x << np.uint64(25)
    x ^= x >> np.uint64(27)
    state[0] = x
    return x * _MUL


@njit(cache=True, error_model="numpy", inline="always")
def uniform(state):
    """A float in [0, 1)."""
    return float(next_u64(state) >> np.uint64(11)) * _INV53


@njit(cache=True, error_model="numpy", inline="always")
def below(state, n):
    """An integer in [0, n) for n < 2**32 (Lemire's multiply-shift, no division)."""
    return np.int64(((next_u64(state) >> np.uint64(32)) * np.uint64(n)) >> np.uint64(32))


@njit(cache=True, error_model="numpy", inline="always")
def alias_draw(state, table):
    """One draw from a packed alias table (``sampling.pack_alias``) with a single
    64-bit random number: the high half picks the column, the low half is
    compared with the column's threshold (column) or not (its alias)."""
    r = next_u64(state)
    col = ((r >> np.uint64(32)) * np.uint64(table.shape[0])) >> np.uint64(32)
    e = table[col]
    pick = col if (r & _LOW32) < (e >> np.uint64(32)) else e & _LOW32
    return np.int64(pick)


@njit(cache=True, error_model="numpy", nogil=True)
def alias_columns(scaled, prob, alias):
    """Vose's alias method on ``scaled`` (weights scaled to mean 1; consumed):
    fills ``prob`` and ``alias`` (which must hold 1.0 and i in column i) for
    :func:`alias_draw`'s table (``sampling.build_alias``).  Both work lists are
    stacks, so the table is the one a Python loop over lists would build.  A
    Python loop took 45 ms for 44,000 words; vocabularies of millions are common."""
    n = scaled.shape[0]
    small = np.empty(n, np.int64)
    large = np.empty(n, np.int64)
    n_small = 0
    n_large = 0
    for i in range(n):
        n_small, n_large = _push(i, scaled[i], small, large, n_small, n_large)
    while n_small > 0 and n_large > 0:
        n_small -= 1
        s = small[n_small]
        n_large -= 1
        g = large[n_large]
        prob[s] = scaled[s]
        alias[s] = g
        scaled[g] = (scaled[g] + scaled[s]) - 1.0
        n_small, n_large = _push(g, scaled[g], small, large, n_small, n_large)


@njit(cache=True, error_model="numpy", inline="always")
def _push(i, x, small, large, n_small, n_large):
    """Column i (scaled weight x) onto the small stack if x < 1, else the large
    one; returns the stacks' new heights."""
    if x < 1.0:
        small[n_small] = i
        return n_small + 1, n_large
    large[n_large] = i
    return n_small, n_large + 1
