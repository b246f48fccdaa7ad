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
from numba import njit

from .blocks import BLOCK, round_up, window_update
from .expf import MAX_SCORE, expf
from .rng import alias_draw
from .span import gather_contexts


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
    e = expf(-x)
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
def target_update(h, Wp, t, positive, alpha, neu1e, with_loss):
    """One output row u = Wp[t] against the input vector ``h``, label 1 if
    ``positive`` else 0: u += g h and neu1e += g u (u before its update), with
    g = alpha * (label - sigma(h . u)).  Returns the pair's -log P(label) (0
    unless ``with_loss``).  Shared by negative sampling and hierarchical softmax."""
    f = np.float32(0.0)
    for k in range(h.shape[0]):
        f += h[k] * Wp[t, k]
    err, nll = _error_and_loss(f, positive, with_loss)
    g = np.float32(err * alpha)
    for k in range(h.shape[0]):
        neu1e[k] += g * Wp[t, k]
    for k in range(h.shape[0]):
        Wp[t, k] += g * h[k]
    return nll


@njit(cache=True, error_model="numpy", fastmath=True, inline="always")
def ns_update(h, Wp, targets, n_targets, alpha, neu1e, with_loss):
    """The negative-sampling update of one input vector ``h`` (a row of W, or
    CBOW's combined context row): targets[0] is the positive output row,
    targets[1:n_targets] the negatives.  Each target row takes u += g h, and
    neu1e += g u (u before its update) collects h's step, which the caller
    applies; ``h`` is only read.  A negative equal to the positive is skipped,
    as in word2vec.c.  Returns -J (0 unless ``with_loss``)."""
    pos = targets[0]
    loss = 0.0
    for d in range(n_targets):
        t = targets[d]
        if d > 0 and t == pos:
            continue
        loss += target_update(h, Wp, t, d == 0, alpha, neu1e, with_loss)
    return loss


@njit(cache=True, error_model="numpy", fastmath=True)
def sgns_step(W, Wp, inp, targets, n_targets, alpha, neu1e, with_loss=True):
    """One SGNS step for input row ``inp``: targets[0] is the positive output row,
    targets[1:n_targets] the negatives.  Updates W[inp] and the target rows of Wp
    in place and returns -J (0 unless ``with_loss``).  A negative equal to the positive is skipped, as in
    word2vec.c.  ``neu1e`` is a float32 scratch buffer of length D.
    """
    for k in range(W.shape[1]):
        neu1e[k] = 0.0
    loss = ns_update(W[inp], Wp, targets, n_targets, alpha, neu1e, with_loss)
    for k in range(W.shape[1]):
        W[inp, k] += neu1e[k]
    return loss


@njit(cache=True, error_model="numpy", fastmath=True)
def sgns_window_step(W, Wp, contexts, n_contexts, targets, n_targets, alpha, G, LW, grad_out, neu1e,
                     with_loss=True):
    """One centre word's window with shared negatives ("HogBatch", Ji et al. 2019).

    Each of the ``n_contexts`` input rows x_a = W[contexts[a]] is scored against
    the same output rows u_t = Wp[targets[t]] (targets[0] the centre word, the
    rest negatives) and gets g_at = alpha * (label_t - sigma(x_a . u_t)).  In
    turn, each x_a takes the step x_a += sum_t g_at u_t of the notes, with the
    output rows as they were before the window; their steps u_t += sum_a g_at x_a
    are summed in ``grad_out`` and applied once at the end, so an output row is
    read once per window instead of once per pair.  For distinct context words
    this is the two small products dW = G U and dU = G^T X.  The context rows
    are stepped two at a time, both from their values before that double step; so a word that occurs twice in the window is stepped twice,
    in turn or (if its occurrences fall in one pair) both from the same value.

    ``targets`` must have room for :func:`padded_targets` entries (the padding is
    written here).  Scratch: LW (2 x :func:`score_columns`), G (>= C rows and at
    least LW's columns; its columns past the padded targets go through the
    sigmoid loop with weight 0 but are never scored, so they must hold finite
    values: zero G once), grad_out (>= padded T x D), neu1e (2 x D).  Returns
    -J summed over the window's pairs (0 unless ``with_loss``).
    """
    n_pad = round_up(n_targets, BLOCK)
    pos = targets[0]
    for t in range(n_targets, n_pad):
        targets[t] = pos
    for t in range(LW.shape[1]):
        LW[0, t] = 1.0 if t == 0 else 0.0
        LW[1, t] = 0.0 if t >= n_targets or (t > 0 and targets[t] == pos) else 1.0
    return window_update(W, Wp, contexts, n_contexts, targets, n_targets, alpha, G, LW, grad_out, neu1e, with_loss)


# --- steps of the span loop (see span.run_span; registered in registry) ---------


@njit(cache=True, error_model="numpy", fastmath=True, nogil=True, inline="always")
def sg_ns_window(b, s, sentence, n, i, lo, hi, alpha, with_loss, state):
    """Skip-gram, negative sampling, one set of negatives per window: every
    context word of centre word ``i`` against the centre and the negatives the
    span loop drew into targets[1:]."""
    targets = s.targets
    targets[0] = sentence[i]
    contexts = s.contexts
    m = gather_contexts(sentence, i, lo, hi, contexts)
    if m == 0:
        return 0.0, 0
    loss = sgns_window_step(b.W, b.Wp, contexts, m, targets, b.negative + 1, alpha, s.G, s.LW, s.grad_out,
                            s.neu1e, with_loss)
    return loss, m


@njit(cache=True, error_model="numpy", fastmath=True, nogil=True, inline="always")
def sg_ns_pair(b, s, sentence, n, i, lo, hi, alpha, with_loss, state):
    """Skip-gram, negative sampling, word2vec.c's order: every (context, centre)
    pair draws its own negatives and is updated in turn."""
    targets = s.targets
    targets[0] = sentence[i]
    loss = 0.0
    pairs = 0
    for j in range(lo, hi):
        if j == i:
            continue
        for d in range(1, b.negative + 1):
            targets[d] = alias_draw(state, b.noise)
        loss += sgns_step(b.W, b.Wp, sentence[j], targets, b.negative + 1, alpha, s.neu1e[0], with_loss)
        pairs += 1
    return loss, pairs
