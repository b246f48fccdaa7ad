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
and the stop flag are those of every model: ``span.run_span`` calls
:func:`sg_softmax` for each centre word (registered in ``registry``).

The kernels are generic in the float type: W, W' and the scratch buffers may be
float32 (training) or float64 (the gradient tests).
"""

import numpy as np
from numba import njit


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


@njit(cache=True, error_model="numpy", fastmath=True, nogil=True, inline="always")
def sg_softmax(b, s, sentence, n, i, lo, hi, alpha, with_loss, state):
    """The span loop's step (see span.run_span): every context word of centre
    word ``i`` predicts it through the full softmax (the loss is always computed)."""
    loss = 0.0
    pairs = 0
    for j in range(lo, hi):
        if j == i:
            continue
        loss += softmax_step(b.W, b.Wp, sentence[j], sentence[i], alpha, s.scores, s.neu1e[0])
        pairs += 1
    return loss, pairs
