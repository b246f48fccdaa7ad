"""The one per-thread span loop, shared by every model and loss.

:func:`run_span` trains thread ``t``'s share of the id stream: it reads
sentences (with subsampling), draws each centre word's dynamic window, keeps
the learning-rate schedule and the progress / loss / pair counters, samples
the loss on 1 in ``loss_every`` centre words, and checks the stop flag.  For
each centre word it calls ``step`` (a Numba function given as an argument, so
it is compiled into the loop, not called through a pointer):

    loss, pairs = step(b, s, sentence, n, i, lo, hi, alpha, with_loss, state)

``b`` is the :class:`~.inputs.EpochInputs`, ``s`` this thread's
:class:`Scratch`, ``sentence[:n]`` the kept words, ``i`` the centre position,
``[lo, hi)`` its window (``i`` included: skip it), ``state`` the thread's RNG.
The step returns the loss of its positives (0 unless ``with_loss``) and their
number.

What differs by loss around the step comes as :class:`Hooks`, a NamedTuple
of Numba functions compiled in the same way (a registry entry names its step
and its hooks):

    carry = span_begin(b, s)                                  before the span's first sentence
    carry = sentence_begin(b, s, state, n, carry)             after a sentence is read
    carry = centre_begin(b, s, state, sentence, i, n, carry)  after the window is drawn, before the step
    carry = centre_end(b, s, carry)                           after the step
    span_end(b, s, carry)                                     after the span (or a stop)

What the hooks keep from one call to the next is ``carry``, a pair of int64
that the loop holds in registers (a scratch array written per centre word
would be memory traffic, and could share a cache line with another thread's).
:data:`NO_HOOKS` does nothing; negative sampling's draw ahead is in ``ahead``,
hierarchical softmax's path prefetch and private top nodes in ``hs``.
"""

from typing import Callable, NamedTuple

import numpy as np
from numba import njit

from .blocks import BLOCK, LANES, round_up
from .rng import below
from .stream import MAX_SENTENCE, PAD, learning_rate, read_sentence, window_bounds, words_done



class Scratch(NamedTuple):
    """A thread's working buffers, sized for every registered step."""
    sentence: np.ndarray  # MAX_SENTENCE int32: the kept words of the sentence
    targets: np.ndarray  # int64 [padded]: output rows of a step (centre + negatives, or a Huffman path)
    ahead: np.ndarray  # int64 [ahead + 1]: the next centre word's negatives
    contexts: np.ndarray  # int64 [2 window]: the context words of a window
    G: np.ndarray  # [2 window, score columns]: scores, then gradient weights
    LW: np.ndarray  # [2, score columns]: labels and 0/1 mask
    grad_out: np.ndarray  # [padded targets, D]: summed output-row gradients
    neu1e: np.ndarray  # [2, D]: input-gradient row (0) and a combined input row (1, CBOW)
    scores: np.ndarray  # [scores_len]: full-softmax scores
    path: np.ndarray  # int64 [padded]: a Huffman path's rows in ``hot``
    hot: np.ndarray  # [hot_rows + 2 longest path, D]: private top nodes, a staging block, its copy (hot_rows)
    hot_base: np.ndarray  # [hot_rows, D]: the private rows' values at the last sync


@njit(cache=True, error_model="numpy", nogil=True)
def new_scratch(b):
    dim = b.W.shape[1]
    # Output rows of a step: the centre and its negatives, or the longest Huffman path.
    n_rows = max(b.negative + 1, b.codes.shape[1])
    n_pad = round_up(n_rows, BLOCK)
    n_cols = round_up(n_pad, LANES)
    return Scratch(np.empty(MAX_SENTENCE, dtype=np.int32), np.empty(n_pad, dtype=np.int64),
                   np.empty(b.ahead + 1, dtype=np.int64), np.empty(2 * b.window, dtype=np.int64),
                   np.zeros((2 * b.window, n_cols), dtype=b.W.dtype), np.empty((2, n_cols), dtype=b.W.dtype),
                   np.empty((n_pad, dim), dtype=b.W.dtype), np.empty((2, dim), dtype=b.W.dtype),
                   np.empty(b.scores_len, dtype=b.W.dtype), np.empty(n_pad, dtype=np.int64),
                   np.empty((b.hot_rows + 2 * b.codes.shape[1] if b.hot_rows > 0 else 0, dim), dtype=b.W.dtype),
                   np.empty((b.hot_rows, dim), dtype=b.W.dtype))


@njit(cache=True, error_model="numpy", nogil=True, inline="always")
def gather_contexts(sentence, i, lo, hi, contexts):
    """contexts[:m] = the words of the window [lo, hi) but the centre ``i``; returns m."""
    # np.int64, not a literal 0: while typing the step, Numba would also compile
    # the window update it passes m to for Literal[int](0) (a second compile).
    m = np.int64(0)
    for j in range(lo, hi):
        if j != i:
            contexts[m] = sentence[j]
            m += 1
    return m


@njit(cache=True, error_model="numpy", nogil=True)
def _schedule(b, n_threads):
    """The learning rate now: all words read so far by every thread and process."""
    return learning_rate(b.alpha0, b.min_alpha, b.words_before + words_done(b.progress, n_threads),
                         b.total_words)


class Hooks(NamedTuple):
    """What a registry entry runs around its step (see the module docstring)."""
    span_begin: Callable
    sentence_begin: Callable
    centre_begin: Callable
    centre_end: Callable
    span_end: Callable


@njit(cache=True, error_model="numpy", nogil=True, inline="always")
def no_begin_hook(b, s):
    return (np.int64(0), np.int64(0))


@njit(cache=True, error_model="numpy", nogil=True, inline="always")
def no_sentence_hook(b, s, state, n, carry):
    return carry


@njit(cache=True, error_model="numpy", nogil=True, inline="always")
def no_centre_hook(b, s, state, sentence, i, n, carry):
    return carry


@njit(cache=True, error_model="numpy", nogil=True, inline="always")
def no_end_hook(b, s, carry):
    return carry


@njit(cache=True, error_model="numpy", nogil=True, inline="always")
def no_span_end_hook(b, s, carry):
    pass


NO_HOOKS = Hooks(no_begin_hook, no_sentence_hook, no_centre_hook, no_end_hook, no_span_end_hook)


@njit(cache=True, error_model="numpy", fastmath=True, nogil=True, inline="always")
def run_span(b, s, tid, step, hooks):
    """Train thread ``tid`` (scratch ``s``, from :func:`new_scratch`) on stream[spans[tid, 0]:spans[tid, 1]]; store the
    position reached in spans[tid, 0] (the end unless stopped).  ``step`` and
    ``hooks`` (a :class:`Hooks`) are compiled in.

    The thread's words read, loss sum and pair count live in slot ``tid * PAD``
    of ``progress``, ``loss_acc`` and ``pair_acc``; it continues from the values
    there (zero for a fresh epoch, a checkpoint's on resume) and publishes them
    every ``report_every`` words, when it also updates its learning rate and
    checks ``stop[0]``.  The rate decays with the words read by all threads,
    read racily from ``progress`` as word2vec.c reads its shared counter.  A stop
    happens only right after a report, before the next sentence is read, so
    (position, RNG state, accumulators) is a consistent point to resume from;
    with ``stop_within_sentence`` (slow steps) the counters are also published
    and the flag checked after every centre word, and a stop there gives up the
    sentence's remaining centre words.
    """
    # The bundle's arrays as locals: an attribute read in the loop would take
    # and drop a reference (two atomic operations) every time.
    stream, keep = b.stream, b.keep
    progress, loss_acc, pair_acc, stop, spans = b.progress, b.loss_acc, b.pair_acc, b.stop, b.spans
    sentence = s.sentence
    loss_every = b.loss_every
    report_every = b.report_every
    window = b.window
    n_threads = spans.shape[0]
    state = b.states[tid * PAD:tid * PAD + 1]
    slot = tid * PAD
    words = progress[slot]
    loss = loss_acc[slot]
    pairs = pair_acc[slot]
    reported = words
    alpha = _schedule(b, n_threads)
    pos = spans[tid, 0]
    end = spans[tid, 1]
    if stop[0] != 0:
        end = pos  # stopped before it started
    carry = hooks.span_begin(b, s)
    while pos < end:
        if words - reported >= report_every:
            progress[slot] = words
            loss_acc[slot] = loss
            pair_acc[slot] = pairs
            reported = words
            alpha = _schedule(b, n_threads)
            if stop[0] != 0:
                break
        pos, n, read = read_sentence(stream, pos, end, keep, state, sentence)
        words += read
        carry = hooks.sentence_begin(b, s, state, n, carry)
        for i in range(n):
            lo, hi = window_bounds(state, i, n, window)
            # A random sample: any rule tied to the position would favour the
            # short windows at sentence ends.
            with_loss = True
            if loss_every > 1:
                with_loss = below(state, loss_every) == 0
            carry = hooks.centre_begin(b, s, state, sentence, i, n, carry)
            step_loss, step_pairs = step(b, s, sentence, n, i, lo, hi, alpha, with_loss, state)
            loss += loss_every * step_loss
            pairs += step_pairs
            carry = hooks.centre_end(b, s, carry)
            if b.stop_within_sentence:
                loss_acc[slot] = loss
                pair_acc[slot] = pairs
                if stop[0] != 0:
                    end = pos  # give up the rest of the sentence and the span
                    break
    hooks.span_end(b, s, carry)
    progress[slot] = words
    loss_acc[slot] = loss
    pair_acc[slot] = pairs
    spans[tid, 0] = pos
