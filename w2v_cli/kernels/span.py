"""The one per-thread span loop, shared by every model and loss.

:func:`run_span` trains thread ``t``'s share of the id stream: it reads
sentences (with subsampling), draws each centre word's dynamic window, keeps
the learning-rate schedule and the progress / loss / pair counters, samples
the loss on 1 in ``loss_every`` centre words, draws negatives one draw ahead
when the step wants them (``b.ahead``; a draw serves ``b.shared_negatives``
centre words), and checks the stop flag.  For
each centre word it calls ``step`` (a Numba function given as an argument, so
it is compiled into the loop, not called through a pointer):

    loss, pairs = step(b, s, sentence, n, i, lo, hi, alpha, with_loss, state)

``b`` is the :class:`~.inputs.EpochInputs`, ``s`` this thread's
:class:`Scratch`, ``sentence[:n]`` the kept words, ``i`` the centre position,
``[lo, hi)`` its window (``i`` included: skip it), ``state`` the thread's RNG.
When ``b.ahead`` > 0, ``s.targets[1:b.ahead + 1]`` already holds this centre
word's negatives, one draw for every ``b.shared_negatives`` consecutive centre
words of a sentence (a step must leave them there).  The step returns the loss of its positives (0 unless
``with_loss``) and their number.  A step is registered in ``registry``.
"""

from typing import NamedTuple

import numpy as np
from numba import njit

from .hot_rows import hot_begin, hot_sync, synced_rows
from .prefetch import prefetch_row
from .rng import alias_draw, below
from .stream import MAX_SENTENCE, PAD, learning_rate, read_sentence, window_bounds, words_done

# The window steps handle output rows BLOCK at a time (see sgns.sgns_window_step);
# six is K + 1 for the default K = 5.
BLOCK = 6
# Their sigmoids run LANES at a time (see sgns._errors).
LANES = 8


def padded_targets(negative):
    """Length of the targets buffer of the window steps for K negatives."""
    return -(-(negative + 1) // BLOCK) * BLOCK


def score_columns(negative):
    """Columns of the G and LW scratch of the window steps for K negatives."""
    return -(-padded_targets(negative) // LANES) * LANES


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
    n_pad = -(-n_rows // BLOCK) * BLOCK
    n_cols = -(-n_pad // LANES) * LANES
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
    m = 0
    for j in range(lo, hi):
        if j != i:
            contexts[m] = sentence[j]
            m += 1
    return m


@njit(cache=True, error_model="numpy", nogil=True)
def _schedule(b, n_threads):
    """The learning rate now: all words read so far by every thread and process."""
    return learning_rate(b.alpha0, b.min_alpha, b.words_before + b.words_offset[0] + words_done(b.progress, n_threads),
                         b.total_words)


@njit(cache=True, error_model="numpy", fastmath=True, nogil=True, inline="always")
def run_span(b, s, tid, step):
    """Train thread ``tid`` (scratch ``s``, from :func:`new_scratch`) on stream[spans[tid, 0]:spans[tid, 1]]; store the
    position reached in spans[tid, 0] (the end unless stopped).

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
    stream, keep, noise, W, Wp = b.stream, b.keep, b.noise, b.W, b.Wp
    progress, loss_acc, pair_acc, stop, spans = b.progress, b.loss_acc, b.pair_acc, b.stop, b.spans
    sentence, targets, ahead = s.sentence, s.targets, s.ahead
    n_ahead = b.ahead
    share = b.shared_negatives
    serves = 0
    points, code_lengths = b.points, b.code_lengths
    n_paths = code_lengths.shape[0]
    n_hot = b.hot_rows
    first_hot = Wp.shape[0] - n_hot  # rows from here on are private to the thread (see hot_rows)
    since_sync = 0
    syncs = 0
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
    if n_hot > 0:
        hot_begin(Wp, s.hot, s.hot_base)
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
        if n_ahead > 0 and n > 0:
            for d in range(1, n_ahead + 1):
                ahead[d] = alias_draw(state, noise)
            serves = 0  # centre words the draw in targets still serves
        for i in range(n):
            lo, hi = window_bounds(state, i, n, window)
            # A random sample: any rule tied to the position would favour the
            # short windows at sentence ends.
            with_loss = True
            if loss_every > 1:
                with_loss = below(state, loss_every) == 0
            if n_ahead > 0:
                # Negatives are drawn one draw ahead, so the rows the next window
                # needs can be fetched while this one is computed.  A draw serves
                # ``share`` consecutive centre words of the sentence.
                if serves == 0:
                    for d in range(1, n_ahead + 1):
                        targets[d] = ahead[d]
                    serves = share
                    if i + share < n:
                        for d in range(1, n_ahead + 1):
                            ahead[d] = alias_draw(state, noise)
                            prefetch_row(Wp, ahead[d])
                serves -= 1
                if i + 1 < n:
                    prefetch_row(Wp, sentence[i + 1])
                    if i + 1 + window < n:
                        prefetch_row(W, sentence[i + 1 + window])
            elif n_paths > 0 and i + 1 < n:
                # Hierarchical softmax: the next centre word's path rows (the deep
                # nodes are rarely in cache) and the row entering the window.
                nxt = sentence[i + 1]
                for j in range(code_lengths[nxt]):
                    if points[nxt, j] < first_hot:
                        prefetch_row(Wp, points[nxt, j])
                if i + 1 + window < n:
                    prefetch_row(W, sentence[i + 1 + window])
            step_loss, step_pairs = step(b, s, sentence, n, i, lo, hi, alpha, with_loss, state)
            loss += loss_every * step_loss
            pairs += step_pairs
            if n_hot > 0:
                since_sync += 1
                if since_sync >= b.hot_every:
                    syncs += 1
                    hot_sync(Wp, s.hot, s.hot_base, synced_rows(n_hot, syncs))
                    since_sync = 0
            if b.stop_within_sentence:
                loss_acc[slot] = loss
                pair_acc[slot] = pairs
                if stop[0] != 0:
                    end = pos  # give up the rest of the sentence and the span
                    break
    if n_hot > 0:
        hot_sync(Wp, s.hot, s.hot_base, n_hot)
    progress[slot] = words
    loss_acc[slot] = loss
    pair_acc[slot] = pairs
    spans[tid, 0] = pos
