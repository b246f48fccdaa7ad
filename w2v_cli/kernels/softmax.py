"""Full-softmax skip-gram kernels (``--loss softmax``), notes sections 3-4.

For an input vector v (a row of W) and output vectors u_k (the rows of W', all
V of them) the model is

    P(c | w) = exp(v . u_c) / sum_k exp(v . u_k)

and one step minimises the cross-entropy -log P(c | w) by gradient descent on v
and on EVERY u_k, with p_k = P(k | w) and values from before the step:

    u_k += alpha * (1[k = c] - p_k) * v
    v   += alpha * (u_c - sum_k p_k u_k)

The log-sum-exp is computed after subtracting the largest score, so it neither
overflows nor underflows.  A step costs O(V * D), against O((K + 1) * D) for
SGNS: this is the bottleneck of notes section 4, and the reason the CLI refuses
vocabularies over 50,000 words without ``--force``.

Pairs are formed as in ``sgns`` (and word2vec.c): for a centre word at position
i and a context word at position j of the window, the *context* word's input
vector (W[sentence[j]]) is trained to predict the *centre* word (the target c).
Pairs in a symmetric window come in both orders, so the objective is the notes'
(centre predicts context).  Sentences, subsampling, the dynamic window, the
learning-rate schedule, Hogwild threads, the progress / loss / pair accumulators
and the stop flag are those of ``sgns.train_epoch``, whose argument list
``train_epoch`` shares (the noise table and ``negative`` are accepted and unused).

The kernels are generic in the float type: W, W' and the scratch buffers may be
float32 (training) or float64 (the gradient tests).
"""

import numpy as np
from numba import njit, prange

from .stream import MAX_SENTENCE, PAD, learning_rate, read_sentence, window_bounds, words_done


@njit(cache=True, error_model="numpy", fastmath=True)
def softmax_step(W, Wp, inp, target, alpha, scores, grad):
    """One full-softmax step: input row ``inp`` of W predicts output row
    ``target`` of W'.  Updates W[inp] and every row of W' in place and returns
    the loss -log P(target | inp) (before the step).

    ``scores`` (length V) and ``grad`` (length D) are scratch buffers of W's
    dtype; on return scores[k] holds alpha * (1[k = target] - p_k).
    """
    n_words, dim = Wp.shape
    zero = W[inp, 0] - W[inp, 0]  # 0 in W's dtype, so the loops stay in it
    # Scores s_k = v . u_k and their maximum.
    for k in range(n_words):
        s = zero
        for d in range(dim):
            s += W[inp, d] * Wp[k, d]
        scores[k] = s
    s_c = scores[target]
    m = scores[0]
    for k in range(1, n_words):
        if scores[k] > m:
            m = scores[k]
    # log Z = m + log sum_k exp(s_k - m); the sum is >= 1, so log Z is finite.
    total = 0.0
    for k in range(n_words):
        e = np.exp(scores[k] - m)
        scores[k] = e
        total += e
    log_z = m + np.log(total)
    loss = log_z - s_c
    # Error terms alpha * (1[k = c] - p_k), stored in W's dtype.
    inv = 1.0 / total
    for k in range(n_words):
        scores[k] = -alpha * (scores[k] * inv)
    scores[target] += alpha
    # grad = sum_k g_k u_k with u_k before its update; then u_k += g_k v.
    for d in range(dim):
        grad[d] = zero
    for k in range(n_words):
        g = scores[k]
        for d in range(dim):
            grad[d] += g * Wp[k, d]
            Wp[k, d] += g * W[inp, d]
    for d in range(dim):
        W[inp, d] += grad[d]
    return loss


@njit(cache=True, error_model="numpy", fastmath=True, nogil=True)
def train_span(stream, start, end, W, Wp, keep, window, alpha0, min_alpha, words_before,
               total_words, progress, loss_acc, pair_acc, tid, n_threads, stop, state):
    """Train the full softmax on stream[start:end] (one thread's share of an epoch).

    As ``sgns.train_span``, but a step costs O(V * D), so the thread publishes its
    counters in slot ``tid * PAD``, updates its learning rate and checks
    ``stop[0]`` at every sentence and its loss and pair counts (and ``stop``)
    after every centre word, not every REPORT_EVERY words.
    Like it, it continues from the counters already in its slots and returns
    the stream position reached (a stop mid-sentence gives up the sentence's
    remaining centre words).
    """
    dim = W.shape[1]
    sentence = np.empty(MAX_SENTENCE, dtype=np.int32)
    scores = np.empty(Wp.shape[0], dtype=W.dtype)
    grad = np.empty(dim, dtype=W.dtype)
    words = progress[tid * PAD]
    loss = loss_acc[tid * PAD]
    pairs = pair_acc[tid * PAD]
    pos = start
    stopped = False
    while pos < end and not stopped:
        pos, n, read = read_sentence(stream, pos, end, keep, state, sentence)
        words += read
        progress[tid * PAD] = words
        loss_acc[tid * PAD] = loss
        pair_acc[tid * PAD] = pairs
        alpha = learning_rate(alpha0, min_alpha, words_before + words_done(progress, n_threads), total_words)
        if stop[0] != 0:
            break
        for i in range(n):
            lo, hi = window_bounds(state, i, n, window)
            for j in range(lo, hi):
                if j == i:
                    continue
                loss += softmax_step(W, Wp, sentence[j], sentence[i], alpha, scores, grad)
                pairs += 1
            loss_acc[tid * PAD] = loss
            pair_acc[tid * PAD] = pairs
            if stop[0] != 0:
                stopped = True
                break
    progress[tid * PAD] = words
    loss_acc[tid * PAD] = loss
    pair_acc[tid * PAD] = pairs
    return pos


@njit(cache=True, error_model="numpy", parallel=True)
def train_epoch(stream, spans, W, Wp, keep, noise, window, negative,
                alpha0, min_alpha, words_before, total_words, progress, loss_acc, pair_acc,
                stop, states):
    """One full-softmax epoch (or the rest of one), Hogwild, with the argument
    list and the span/state/accumulator conventions of ``sgns.train_epoch``
    (``noise`` and ``negative`` are unused)."""
    n_threads = spans.shape[0]
    for t in prange(n_threads):
        spans[t, 0] = train_span(stream, spans[t, 0], spans[t, 1], W, Wp, keep, window, alpha0,
                                 min_alpha, words_before, total_words, progress, loss_acc,
                                 pair_acc, t, n_threads, stop, states[t * PAD:t * PAD + 1])
