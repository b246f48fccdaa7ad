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

from .rng import alias_draw, below, thread_seed, uniform

# Longest run of kept words trained as one sentence; longer lines are cut here
# (gensim cuts at 10,000 too, word2vec.c at 1,000).
MAX_SENTENCE = 10000
# How many words a thread reads between updates of its learning rate and of the
# shared progress counters.
REPORT_EVERY = 10000
# Progress slots are this many int64 apart, so threads do not share cache lines.
PAD = 16


@njit(cache=True, fastmath=True, inline="always")
def _softplus(x):
    """log(1 + exp(x)), without overflow."""
    if x > 0.0:
        return x + np.log1p(np.exp(-x))
    return np.log1p(np.exp(x))


@njit(cache=True, fastmath=True)
def sgns_step(W, Wp, inp, targets, n_targets, alpha, neu1e):
    """One SGNS step for input row ``inp``: targets[0] is the positive output row,
    targets[1:n_targets] the negatives.  Updates W[inp] and the target rows of Wp
    in place and returns -J.  A negative equal to the positive is skipped, as in
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
        f = np.float32(0.0)
        for k in range(dim):
            f += W[inp, k] * Wp[t, k]
        label = 1.0 if d == 0 else 0.0
        sig = 1.0 / (1.0 + np.exp(-f))
        # -log sigma(f) for the positive, -log sigma(-f) = -log(1 - sigma(f)) for a negative.
        loss += _softplus(-f) if d == 0 else _softplus(f)
        g = np.float32((label - sig) * alpha)
        for k in range(dim):
            neu1e[k] += g * Wp[t, k]
        for k in range(dim):
            Wp[t, k] += g * W[inp, k]
    for k in range(dim):
        W[inp, k] += neu1e[k]
    return loss


@njit(cache=True)
def _learning_rate(alpha0, min_alpha, done, total):
    a = alpha0 * (1.0 - done / (total + 1.0))
    return a if a > min_alpha else min_alpha


@njit(cache=True)
def _words_done(progress, n_threads):
    s = 0
    for t in range(n_threads):
        s += progress[t * PAD]
    return s


@njit(cache=True, fastmath=True, nogil=True)
def train_span(stream, start, end, W, Wp, keep, noise_prob, noise_alias, window, negative,
               alpha0, min_alpha, words_before, total_words, progress, loss_acc, pair_acc,
               tid, n_threads, stop, state):
    """Train on stream[start:end] (one thread's share of an epoch).

    ``stream`` holds word ids and -1 at sentence ends.  Every REPORT_EVERY words
    the thread publishes its words read, loss sum and pair count in slot
    ``tid * PAD`` of ``progress``, ``loss_acc`` and ``pair_acc`` (the training
    loop shows them while the kernel runs) and checks ``stop[0]``.  The learning
    rate decays with the words read by all threads, read racily from
    ``progress`` as word2vec.c reads its shared counter.
    """
    dim = W.shape[1]
    sentence = np.empty(MAX_SENTENCE, dtype=np.int32)
    targets = np.empty(negative + 1, dtype=np.int64)
    neu1e = np.empty(dim, dtype=np.float32)
    words = 0
    reported = 0
    alpha = _learning_rate(alpha0, min_alpha, words_before + _words_done(progress, n_threads), total_words)
    loss = 0.0
    pairs = 0
    pos = start
    while pos < end:
        n = 0
        while pos < end and n < MAX_SENTENCE:
            w = stream[pos]
            pos += 1
            if w < 0:
                break
            words += 1
            if keep[w] < 1.0 and keep[w] < uniform(state):
                continue
            sentence[n] = w
            n += 1
        if words - reported >= REPORT_EVERY or pos >= end:
            progress[tid * PAD] = words
            loss_acc[tid * PAD] = loss
            pair_acc[tid * PAD] = pairs
            reported = words
            alpha = _learning_rate(alpha0, min_alpha, words_before + _words_done(progress, n_threads), total_words)
            if stop[0] != 0:
                break
        for i in range(n):
            # Dynamic window: effective radius uniform in 1..window, as word2vec.c.
            b = window - below(state, window)
            lo = i - b if i - b > 0 else 0
            hi = i + b + 1 if i + b + 1 < n else n
            targets[0] = sentence[i]
            for j in range(lo, hi):
                if j == i:
                    continue
                for d in range(1, negative + 1):
                    targets[d] = alias_draw(state, noise_prob, noise_alias)
                loss += sgns_step(W, Wp, sentence[j], targets, negative + 1, alpha, neu1e)
                pairs += 1
    progress[tid * PAD] = words
    loss_acc[tid * PAD] = loss
    pair_acc[tid * PAD] = pairs


@njit(cache=True, parallel=True)
def train_epoch(stream, bounds, W, Wp, keep, noise_prob, noise_alias, window, negative,
                alpha0, min_alpha, words_before, total_words, progress, loss_acc, pair_acc,
                stop, seed, epoch):
    """One epoch, Hogwild: thread t trains stream[bounds[t]:bounds[t+1]] and all
    threads update W and W' without locks.  Progress, loss and pair counts are
    left in the slots t * PAD of the three accumulator arrays."""
    n_threads = bounds.shape[0] - 1
    for t in prange(n_threads):
        state = np.empty(1, dtype=np.uint64)
        state[0] = thread_seed(seed, epoch, t)
        train_span(stream, bounds[t], bounds[t + 1], W, Wp, keep, noise_prob, noise_alias,
                   window, negative, alpha0, min_alpha, words_before, total_words, progress,
                   loss_acc, pair_acc, t, n_threads, stop, state)
