"""Reading sentences from the id stream, shared by the span kernels.

The id stream holds word ids and -1 at sentence ends.  :func:`read_sentence`
copies the next sentence's kept words (after subsampling) into a buffer and
:func:`window_bounds` draws a dynamic window, exactly as ``sgns.train_span`` does
inline, drawing the same random numbers in the same order; a kernel built on them
sees the same sentences and windows as SGNS for the same seed.

This module imports nothing from the other kernels, so ``sgns`` can import it too.
"""

from numba import njit

from .rng import below, uniform


@njit(cache=True, error_model="numpy", inline="always")
def read_sentence(stream, pos, end, keep, state, sentence):
    """Read words from ``stream[pos:end]`` up to and including the next sentence
    break (-1), or until ``sentence`` (the buffer; its length is the longest
    sentence) is full.  Each in-vocabulary word is kept with probability
    ``keep[w]`` (subsampling; one uniform draw per word with keep < 1).

    Returns ``(pos, n, read)``: the new stream position, the number of kept words
    now in ``sentence[:n]``, and the number of words read (kept or not), which is
    what progress and the learning-rate schedule count.
    """
    limit = sentence.shape[0]
    n = 0
    read = 0
    while pos < end and n < limit:
        w = stream[pos]
        pos += 1
        if w < 0:
            break
        read += 1
        if keep[w] < 1.0 and keep[w] < uniform(state):
            continue
        sentence[n] = w
        n += 1
    return pos, n, read


@njit(cache=True, error_model="numpy", inline="always")
def window_bounds(state, i, n, window):
    """The context positions ``[lo, hi)`` around position ``i`` of an ``n``-word
    sentence for a dynamic window: radius uniform in 1..window (word2vec.c)."""
    b = window - below(state, window)
    lo = i - b if i - b > 0 else 0
    hi = i + b + 1 if i + b + 1 < n else n
    return lo, hi
