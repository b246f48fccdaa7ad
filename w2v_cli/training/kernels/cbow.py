"""CBOW with negative sampling (``--model cbow``), word2vec.c's update (``hs``
shares its combining and spreading of the context rows).

The context rows of centre word w are combined into h = (1/C) sum_c W[c] (the
mean; ``--cbow-sum``: the sum), which predicts w against the negatives:

    J = log sigma(h . u_w) + sum_k log sigma(-h . u_k)

Ascent with g = alpha * (label - sigma(h . u)) per target: u += g h, and every
context row takes the step e = sum over targets of g u (u before its update).
That is dJ/dh, applied to each W[c] as word2vec.c and gensim apply it; for the
sum it is exactly dJ/dW[c], for the mean C times it (both programs' choice,
which their default rate 0.05 is tuned for).  A negative equal to the centre
word is skipped; a word twice in the window takes the step twice.
"""

import numpy as np
from numba import njit

from .sgns import ns_update
from .span import gather_contexts


@njit(cache=True, error_model="numpy", fastmath=True, inline="always")
def combine_contexts(W, contexts, n_contexts, mean, neu1, neu1e):
    """neu1 = the mean (or sum) of the rows W[contexts[:n_contexts]]; neu1e = 0."""
    dim = W.shape[1]
    for k in range(dim):
        neu1[k] = 0.0
        neu1e[k] = 0.0
    for a in range(n_contexts):
        c = contexts[a]
        for k in range(dim):
            neu1[k] += W[c, k]
    if mean:
        inv = np.float32(1.0 / n_contexts)
        for k in range(dim):
            neu1[k] *= inv


@njit(cache=True, error_model="numpy", fastmath=True, inline="always")
def spread_to_contexts(W, contexts, n_contexts, neu1e):
    """Every context row takes the combined row's step neu1e (word2vec.c's choice)."""
    for a in range(n_contexts):
        c = contexts[a]
        for k in range(W.shape[1]):
            W[c, k] += neu1e[k]


@njit(cache=True, error_model="numpy", fastmath=True)
def cbow_step(W, Wp, contexts, n_contexts, targets, n_targets, alpha, mean, neu1, neu1e, with_loss=True):
    """One CBOW step: the rows W[contexts[:n_contexts]] predict targets[0] against
    the negatives targets[1:n_targets].  ``neu1`` and ``neu1e`` are scratch rows
    of length D.  Returns -J (0 unless ``with_loss``)."""
    combine_contexts(W, contexts, n_contexts, mean, neu1, neu1e)
    loss = ns_update(neu1, Wp, targets, n_targets, alpha, neu1e, with_loss)
    spread_to_contexts(W, contexts, n_contexts, neu1e)
    return loss


@njit(cache=True, error_model="numpy", fastmath=True, nogil=True, inline="always")
def cbow_ns(b, s, sentence, n, i, lo, hi, alpha, with_loss, state):
    """The span loop's step: the window of centre word ``i`` predicts it against
    the negatives the span loop drew into targets[1:]; one positive per centre word."""
    targets = s.targets
    targets[0] = sentence[i]
    contexts = s.contexts
    m = gather_contexts(sentence, i, lo, hi, contexts)
    if m == 0:
        return 0.0, 0
    loss = cbow_step(b.W, b.Wp, contexts, m, targets, b.negative + 1, alpha, b.cbow_mean, s.neu1e[1], s.neu1e[0],
                     with_loss)
    return loss, 1
