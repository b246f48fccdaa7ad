"""What every span kernel shares: reading the id stream, windows, schedule, slots.

The id stream holds word ids and -1 at sentence ends.  :func:`read_sentence`
copies the next sentence's kept words (after subsampling) into a buffer,
:func:`window_bounds` draws a dynamic window, :func:`learning_rate` and
:func:`words_done` give the shared linear schedule.  ``sgns`` and ``softmax``
both build on them, so for one seed they see the same sentences and windows.
"""

from numba import njit

from .. import schedule
from .rng import below, uniform

# Longest run of kept words trained as one sentence; longer lines are cut here
# (gensim cuts at 10,000 too, word2vec.c at 1,000).
MAX_SENTENCE = 10000
# How many words a thread reads between updates of its learning rate and of the
# shared progress counters.
REPORT_EVERY = 10000
# Progress slots are this many int64 apart, so threads do not share cache lines.
PAD = 16


# The schedule of w2v_cli.schedule, compiled for the span loop.
learning_rate = njit(cache=True, error_model="numpy")(schedule.learning_rate)


@njit(cache=True, error_model="numpy")
def words_done(progress, n_threads):
    """Words read this epoch by all threads (their slots t * PAD of ``progress``),
    plus slot n_threads * PAD when ``progress`` has it: the words the other MPI
    ranks have read this epoch, written there by w2v_cli.distributed, so the
    rate falls with the words of the whole job."""
    s = 0
    for t in range(n_threads):
        s += progress[t * PAD]
    if progress.shape[0] > n_threads * PAD:
        s += progress[n_threads * PAD]
    return s


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
