"""Skip-gram with negative sampling (SGNS) kernels.

Notation of the notes: an input vector v (a row of W) is scored against output
vectors u (rows of W') with sigma(v . u); the positive target has label 1, each of
the K negatives label 0.  One step maximises

    J = log sigma(v . u_pos) + sum_k log sigma(-v . u_k)

by gradient ascent: with g = alpha * (label - sigma(v . u)) for each target,
u += g * v (using v before this step) and v += sum over targets of g * u (using
each u before its own update).  That is the update of the notes, section 7.3,
and of word2vec.c.

Pairs are formed as word2vec.c forms them: for a centre word at position i and
a context word at position j, the *context* word's input vector is trained
against the centre word's output vector (plus negatives).  Every pair (a, b)
in a symmetric window is also a pair (b, a), so the objective is the notes'
(centre predicts context); this order lets a window share one set of negatives.

The returned loss is -J, summed, so the training loop can report its mean.
"""

import numpy as np
from numba import njit, prange

from .rng import alias_draw, below
from .stream import MAX_SENTENCE, PAD, REPORT_EVERY, learning_rate, read_sentence, window_bounds, words_done



# Scores are clipped here before exp() so it stays finite; sigma(30) is 1 in float32.
MAX_SCORE = np.float32(30.0)


# The running loss is measured on a random 1 in LOSS_EVERY centre words (scaled
# up to an estimate of the whole): its log() per score costs about a tenth of the
# kernel's time, and the sample still gives the mean to about 1 %.
LOSS_EVERY = 8


@njit(cache=True, error_model="numpy", fastmath=True, inline="always")
def _error_and_loss(f, positive, with_loss):
    """For a score f = v . u: the error (label - sigma(f)) that scales the
    gradient and, if ``with_loss``, the pair's loss -log P(label) (else 0).
    With e = exp(-f): -log sigma(f) = log(1 + e), -log(1 - sigma(f)) = f + log(1 + e).
    """
    x = min(max(f, -MAX_SCORE), MAX_SCORE)
    e = np.exp(-x)
    sig = np.float32(1.0) / (np.float32(1.0) + e)
    nll = np.float32(0.0)
    if with_loss:
        nll = np.log(np.float32(1.0) + e)
        if not positive:
            nll += x
    if positive:
        return np.float32(1.0) - sig, nll
    return -sig, nll


@njit(cache=True, error_model="numpy", fastmath=True, inline="always")
def _dot(A, i, B, j):
    """A[i] . B[j] in float32 (fastmath lets LLVM vectorise the reduction)."""
    f = np.float32(0.0)
    for k in range(A.shape[1]):
        f += A[i, k] * B[j, k]
    return f


@njit(cache=True, error_model="numpy", fastmath=True)
def sgns_step(W, Wp, inp, targets, n_targets, alpha, neu1e, with_loss=True):
    """One SGNS step for input row ``inp``: targets[0] is the positive output row,
    targets[1:n_targets] the negatives.  Updates W[inp] and the target rows of Wp
    in place and returns -J (0 unless ``with_loss``).  A negative equal to the positive is skipped, as in
    word2vec.c.  ``neu1e`` is a float32 scratch buffer of length D.
    """
    dim = W.shape[1]
    pos = targets[0]
    for k in range(dim):
        neu1e[k] = 0.0
    loss = 0.0
    for d in range(n_targets):
        t = targets[d]
        if d > 0 and t == pos:
            continue
        f = _dot(W, inp, Wp, t)
        err, nll = _error_and_loss(f, d == 0, with_loss)
        loss += nll
        g = np.float32(err * alpha)
        for k in range(dim):
            neu1e[k] += g * Wp[t, k]
        for k in range(dim):
            Wp[t, k] += g * W[inp, k]
    for k in range(dim):
        W[inp, k] += neu1e[k]
    return loss


@njit(cache=True, error_model="numpy", fastmath=True, inline="always")
def _add_weighted_rows(dest, row, src, rows, weights, n):
    """dest[row] += sum_i weights[i] * src[rows[i]] for i < n, two source rows per
    pass over D so dest[row] is loaded and stored half as often."""
    dim = dest.shape[1]
    i = 0
    while i + 1 < n:
        g0, g1 = weights[i], weights[i + 1]
        r0, r1 = rows[i], rows[i + 1]
        for k in range(dim):
            dest[row, k] += g0 * src[r0, k] + g1 * src[r1, k]
        i += 2
    if i < n:
        g0, r0 = weights[i], rows[i]
        for k in range(dim):
            dest[row, k] += g0 * src[r0, k]


@njit(cache=True, error_model="numpy", fastmath=True)
def sgns_window_step(W, Wp, contexts, n_contexts, targets, n_targets, alpha, G, grad_out,
                     with_loss=True):
    """One centre word's window with shared negatives ("HogBatch", Ji et al. 2019).

    The ``n_contexts`` input rows W[contexts[a]] are all scored against the same
    output rows Wp[targets[t]] (targets[0] the centre word, the rest negatives).
    With G[a, t] = alpha * (label_t - sigma(W[c_a] . Wp[t_t])), the updates are the
    two small products dWp = G^T W_C and dW = G Wp_T, both from the rows as they
    were before the window, so every output row is read once per window instead
    of once per pair.  Each product takes two rows per pass over D, halving the
    loads and stores of the row it accumulates into.  Scratch: G (>= C x T),
    grad_out (>= T x D).  Returns -J summed over the window's pairs (0 unless
    ``with_loss``).
    """
    dim = W.shape[1]
    pos = targets[0]
    loss = 0.0
    for a in range(n_contexts):
        c = contexts[a]
        for t in range(n_targets):
            u = targets[t]
            if t > 0 and u == pos:
                G[a, t] = 0.0
                continue
            f = _dot(W, c, Wp, u)
            err, nll = _error_and_loss(f, t == 0, with_loss)
            loss += nll
            G[a, t] = err * alpha
    # dWp[t] = sum_a G[a, t] W[c_a], before W changes.
    for t in range(n_targets):
        for k in range(dim):
            grad_out[t, k] = 0.0
        _add_weighted_rows(grad_out, t, W, contexts, G[:, t], n_contexts)
    # W[c_a] += sum_t G[a, t] Wp[u_t], before Wp changes.
    for a in range(n_contexts):
        _add_weighted_rows(W, contexts[a], Wp, targets, G[a, :], n_targets)
    for t in range(n_targets):
        u = targets[t]
        for k in range(dim):
            Wp[u, k] += grad_out[t, k]
    return loss


@njit(cache=True, error_model="numpy", fastmath=True, nogil=True)
def train_span(stream, start, end, W, Wp, keep, noise_prob, noise_alias, window, negative,
               alpha0, min_alpha, words_before, total_words, progress, loss_acc, pair_acc,
               tid, n_threads, stop, state, shared_negatives):
    """Train on stream[start:end] (one thread's share of an epoch); return the
    position reached (``end`` unless stopped).

    ``stream`` holds word ids and -1 at sentence ends.  The thread's words read,
    loss sum and pair count live in slot ``tid * PAD`` of ``progress``,
    ``loss_acc`` and ``pair_acc``; it continues from the values there (zero for
    a fresh epoch, a checkpoint's on resume) and publishes them every
    REPORT_EVERY words, when it also updates its learning rate and checks
    ``stop[0]``.  The rate decays with the words read by all threads, read
    racily from ``progress`` as word2vec.c reads its shared counter.  A stop
    happens only right after a report, before the next sentence is read, so
    (position, RNG state, accumulators) is a consistent point to resume from.

    With ``shared_negatives`` a centre word's whole window shares one draw of
    negatives (:func:`sgns_window_step`); otherwise every pair draws its own and
    is updated in turn (:func:`sgns_step`, word2vec.c's order).
    """
    dim = W.shape[1]
    sentence = np.empty(MAX_SENTENCE, dtype=np.int32)
    targets = np.empty(negative + 1, dtype=np.int64)
    contexts = np.empty(2 * window, dtype=np.int64)
    neu1e = np.empty(dim, dtype=np.float32)
    G = np.empty((2 * window, negative + 1), dtype=np.float32)
    grad_out = np.empty((negative + 1, dim), dtype=np.float32)
    slot = tid * PAD
    words = progress[slot]
    loss = loss_acc[slot]
    pairs = pair_acc[slot]
    reported = words
    alpha = learning_rate(alpha0, min_alpha, words_before + words_done(progress, n_threads), total_words)
    pos = start
    while pos < end:
        if words - reported >= REPORT_EVERY:
            progress[slot] = words
            loss_acc[slot] = loss
            pair_acc[slot] = pairs
            reported = words
            alpha = learning_rate(alpha0, min_alpha, words_before + words_done(progress, n_threads), total_words)
            if stop[0] != 0:
                break
        pos, n, read = read_sentence(stream, pos, end, keep, state, sentence)
        words += read
        for i in range(n):
            lo, hi = window_bounds(state, i, n, window)
            targets[0] = sentence[i]
            # A random sample: any rule tied to the position would favour the
            # short windows at sentence ends.
            sampled = below(state, LOSS_EVERY) == 0
            if shared_negatives:
                m = 0
                for j in range(lo, hi):
                    if j != i:
                        contexts[m] = sentence[j]
                        m += 1
                if m == 0:
                    continue
                for d in range(1, negative + 1):
                    targets[d] = alias_draw(state, noise_prob, noise_alias)
                loss += LOSS_EVERY * sgns_window_step(W, Wp, contexts, m, targets, negative + 1, alpha,
                                                      G, grad_out, sampled)
                pairs += m
            else:
                for j in range(lo, hi):
                    if j == i:
                        continue
                    for d in range(1, negative + 1):
                        targets[d] = alias_draw(state, noise_prob, noise_alias)
                    loss += LOSS_EVERY * sgns_step(W, Wp, sentence[j], targets, negative + 1, alpha, neu1e,
                                                   sampled)
                    pairs += 1
    progress[slot] = words
    loss_acc[slot] = loss
    pair_acc[slot] = pairs
    return pos


@njit(cache=True, error_model="numpy", parallel=True)
def _train_epoch(stream, spans, W, Wp, keep, noise_prob, noise_alias, window, negative,
                 alpha0, min_alpha, words_before, total_words, progress, loss_acc, pair_acc,
                 stop, states, shared_negatives):
    n_threads = spans.shape[0]
    for t in prange(n_threads):
        spans[t, 0] = train_span(stream, spans[t, 0], spans[t, 1], W, Wp, keep, noise_prob,
                                 noise_alias, window, negative, alpha0, min_alpha, words_before,
                                 total_words, progress, loss_acc, pair_acc, t, n_threads, stop,
                                 states[t * PAD:t * PAD + 1], shared_negatives)


def train_epoch(stream, spans, W, Wp, keep, noise_prob, noise_alias, window, negative,
                alpha0, min_alpha, words_before, total_words, progress, loss_acc, pair_acc,
                stop, states):
    """One epoch (or the rest of one), Hogwild, per-pair negatives.

    Thread t trains stream[spans[t, 0]:spans[t, 1]] with RNG state
    states[t * PAD]; all threads update W and W' without locks.  On return
    spans[t, 0] is where thread t stopped (spans[t, 1] when done), and the
    states and the accumulator slots t * PAD hold what a resumed call needs.
    """
    _train_epoch(stream, spans, W, Wp, keep, noise_prob, noise_alias, window, negative, alpha0,
                 min_alpha, words_before, total_words, progress, loss_acc, pair_acc, stop, states,
                 False)


def train_epoch_window(stream, spans, W, Wp, keep, noise_prob, noise_alias, window, negative,
                       alpha0, min_alpha, words_before, total_words, progress, loss_acc, pair_acc,
                       stop, states):
    """As :func:`train_epoch`, with one set of negatives per centre word's window."""
    _train_epoch(stream, spans, W, Wp, keep, noise_prob, noise_alias, window, negative, alpha0,
                 min_alpha, words_before, total_words, progress, loss_acc, pair_acc, stop, states,
                 True)
