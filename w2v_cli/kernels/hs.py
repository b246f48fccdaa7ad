"""Hierarchical softmax (``--loss hs``), word2vec.c's update, for skip-gram and CBOW.

The vocabulary is the leaves of a Huffman tree (``w2v_cli.huffman``); W' holds
its V - 1 inner nodes.  Word w's path from the root passes the inner nodes
n_1..n_L = points[w, :L] and turns by codes[w, :L]; an input vector h predicts w
with probability

    P(w | h) = prod_j sigma((1 - 2 code_j) h . u_{n_j})

so each node is a logistic regression with label 1 - code_j, and one step
maximises J = sum_j log sigma(+-h . u_{n_j}) by ascent exactly as negative
sampling does with its targets: g = alpha * (1 - code - sigma(h . u)),
u += g h, h's step sum_j g u (u before its update).  word2vec.c's step; it
skips a node whose |score| >= 6 where this clips the score at 30, as the
negative-sampling kernels do.

Skip-gram pairs are formed as word2vec.c forms them: the context word's row
predicts the centre word, so every context row of a window is trained against
the same path, the centre word's.  ``--batch window`` uses that: the window's
rows are scored against the path's rows in blocks, by the window step of
negative sampling (``sgns.window_update``; the path's rows take their summed
step once per window), and ``--batch pair`` trains pair by pair in
word2vec.c's order.  CBOW predicts the centre word from the mean (or sum) of
the context rows and gives every context row h's step, as ``cbow`` does.
The returned loss is -log P(centre | input), summed over the positives.
"""

import numpy as np
from numba import njit

from .cbow import combine_contexts, spread_to_contexts
from .sgns import target_update, window_update
from .span import BLOCK, gather_contexts


@njit(cache=True, error_model="numpy", fastmath=True, inline="always")
def hs_update(h, Wp, points, codes, n, alpha, neu1e, with_loss):
    """The hierarchical-softmax update of one input vector ``h`` (a row of W or
    CBOW's combined row) towards the word with path points[:n], codes[:n]:
    each node's row takes u += g h, and neu1e += g u collects h's step, which
    the caller applies.  Returns -log P(word | h) (0 unless ``with_loss``)."""
    loss = 0.0
    for j in range(n):
        loss += target_update(h, Wp, points[j], codes[j] == 0, alpha, neu1e, with_loss)
    return loss


@njit(cache=True, error_model="numpy", fastmath=True)
def sg_hs_step(W, Wp, inp, points, codes, n, alpha, neu1e, with_loss=True):
    """One skip-gram pair: input row ``inp`` predicts the word with path
    points[:n], codes[:n].  Updates W[inp] and the path's rows of Wp; ``neu1e``
    is a scratch row of length D.  Returns -log P (0 unless ``with_loss``)."""
    for k in range(W.shape[1]):
        neu1e[k] = 0.0
    loss = hs_update(W[inp], Wp, points, codes, n, alpha, neu1e, with_loss)
    for k in range(W.shape[1]):
        W[inp, k] += neu1e[k]
    return loss


@njit(cache=True, error_model="numpy", fastmath=True)
def cbow_hs_step(W, Wp, contexts, n_contexts, points, codes, n, alpha, mean, neu1, neu1e, with_loss=True):
    """One CBOW step: the rows W[contexts[:n_contexts]] (their mean, or sum)
    predict the word with path points[:n], codes[:n]; every context row takes
    the combined row's step (see ``cbow``).  Returns -log P (0 unless ``with_loss``)."""
    combine_contexts(W, contexts, n_contexts, mean, neu1, neu1e)
    loss = hs_update(neu1, Wp, points, codes, n, alpha, neu1e, with_loss)
    spread_to_contexts(W, contexts, n_contexts, neu1e)
    return loss


@njit(cache=True, error_model="numpy", fastmath=True)
def sg_hs_window_step(W, Wp, contexts, n_contexts, points, codes, n, alpha, targets, G, LW, grad_out, neu1e,
                      with_loss=True):
    """Every context row of a window against the one path points[:n], codes[:n]
    (the centre word's), by the window step of negative sampling: labels
    1 - code, the path padded to a multiple of BLOCK with weight-0 copies of the
    root.  Scratch as for ``sgns.sgns_window_step``, ``targets`` with room for
    the padded path.  Returns the window's -log P summed (0 unless ``with_loss``)."""
    if n == 0:  # a one-word vocabulary: P = 1, nothing to learn
        return 0.0
    n_pad = -(-n // BLOCK) * BLOCK
    for t in range(n_pad):
        targets[t] = points[t] if t < n else points[0]
    for t in range(LW.shape[1]):
        LW[0, t] = 1.0 - codes[t] if t < n else 0.0
        LW[1, t] = 1.0 if t < n else 0.0
    return window_update(W, Wp, contexts, n_contexts, targets, n, alpha, G, LW, grad_out, neu1e, with_loss)


# --- steps of the span loop (see span.run_span; registered in registry) ---------


@njit(cache=True, error_model="numpy", fastmath=True, nogil=True, inline="always")
def sg_hs_window(b, s, sentence, n, i, lo, hi, alpha, with_loss, state):
    """Skip-gram: the window's context rows against the centre word's path."""
    centre = sentence[i]
    m = gather_contexts(sentence, i, lo, hi, s.contexts)
    if m == 0:
        return 0.0, 0
    loss = sg_hs_window_step(b.W, b.Wp, s.contexts, m, b.points[centre], b.codes[centre], b.code_lengths[centre],
                             alpha, s.targets, s.G, s.LW, s.grad_out, s.neu1e, with_loss)
    return loss, m


@njit(cache=True, error_model="numpy", fastmath=True, nogil=True, inline="always")
def sg_hs_pair(b, s, sentence, n, i, lo, hi, alpha, with_loss, state):
    """Skip-gram, word2vec.c's order: each (context, centre) pair in turn."""
    centre = sentence[i]
    points, codes, length = b.points[centre], b.codes[centre], b.code_lengths[centre]
    loss = 0.0
    pairs = 0
    for j in range(lo, hi):
        if j == i:
            continue
        loss += sg_hs_step(b.W, b.Wp, sentence[j], points, codes, length, alpha, s.neu1e[0], with_loss)
        pairs += 1
    return loss, pairs


@njit(cache=True, error_model="numpy", fastmath=True, nogil=True, inline="always")
def cbow_hs(b, s, sentence, n, i, lo, hi, alpha, with_loss, state):
    """CBOW: the window of centre word ``i`` predicts it down its path; one positive."""
    centre = sentence[i]
    m = gather_contexts(sentence, i, lo, hi, s.contexts)
    if m == 0:
        return 0.0, 0
    loss = cbow_hs_step(b.W, b.Wp, s.contexts, m, b.points[centre], b.codes[centre], b.code_lengths[centre], alpha,
                        b.cbow_mean, s.neu1e[1], s.neu1e[0], with_loss)
    return loss, 1
