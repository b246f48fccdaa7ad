"""The block code of the window steps, shared by negative sampling and
hierarchical softmax: output rows BLOCK at a time, sigmoids LANES at a time.

The window step handles output rows BLOCK at a time: one pass over D then
serves BLOCK scores (or BLOCK gradient rows), with one load of the context row,
and a window costs two passes per context row instead of one per pair.  The
targets are padded to a multiple of BLOCK with copies of the centre word whose
gradient is zero.  The sigmoids of a context row are computed LANES at a time:
the score matrix G and the label/weight rows LW have a multiple of LANES
columns (weight 0 past the targets, so a padded lane computes a harmless 0),
and the loop runs over all of them with a run-time trip count, which LLVM's
loop vectoriser turns into vector code (a constant count is left to the SLP
vectoriser, which Numba does not run).  ``span`` allocates the scratch with these sizes.
"""

import numpy as np
from numba import njit

from .expf import MAX_SCORE, expf

# Output rows per block; six is K + 1 for the default K = 5.
BLOCK = 6
# Sigmoids per vector step.
LANES = 8


@njit(cache=True, error_model="numpy", nogil=True, inline="always")
def round_up(n, k):
    """The least multiple of ``k`` at or above ``n``."""
    return -(-n // k) * k


def padded_targets(negative):
    """Length of the targets buffer of the window steps for K negatives."""
    return round_up(negative + 1, BLOCK)


def score_columns(negative):
    """Columns of the G and LW scratch of the window steps for K negatives."""
    return round_up(padded_targets(negative), LANES)



@njit(cache=True, error_model="numpy", fastmath=True, inline="always")
def scores(W, c, Wp, targets, t, out, a):
    """out[a, t:t+6] = W[c] . Wp[targets[t:t+6]], in one pass over D."""
    u0, u1, u2, u3, u4, u5 = targets[t], targets[t + 1], targets[t + 2], targets[t + 3], targets[t + 4], targets[t + 5]
    s0 = s1 = s2 = s3 = s4 = s5 = np.float32(0.0)
    for k in range(W.shape[1]):
        x = W[c, k]
        s0 += x * Wp[u0, k]
        s1 += x * Wp[u1, k]
        s2 += x * Wp[u2, k]
        s3 += x * Wp[u3, k]
        s4 += x * Wp[u4, k]
        s5 += x * Wp[u5, k]
    out[a, t], out[a, t + 1], out[a, t + 2] = s0, s1, s2
    out[a, t + 3], out[a, t + 4], out[a, t + 5] = s3, s4, s5


@njit(cache=True, error_model="numpy", fastmath=True, inline="always")
def gradients(W, c, Wp, targets, t, G, a, grad_out, dest, row):
    """For the context row x = W[c] and the six output rows Wp[targets[t:t+6]]
    with weights g = G[a, t:t+6]: grad_out[t+i] += g[i] x and
    dest[row] += sum_i g[i] Wp[targets[t+i]], in one pass over D.  x is read
    before dest is written, so dest may be W[c] itself."""
    u0, u1, u2, u3, u4, u5 = targets[t], targets[t + 1], targets[t + 2], targets[t + 3], targets[t + 4], targets[t + 5]
    g0, g1, g2, g3, g4, g5 = G[a, t], G[a, t + 1], G[a, t + 2], G[a, t + 3], G[a, t + 4], G[a, t + 5]
    for k in range(W.shape[1]):
        x = W[c, k]
        grad_out[t, k] += g0 * x
        grad_out[t + 1, k] += g1 * x
        grad_out[t + 2, k] += g2 * x
        grad_out[t + 3, k] += g3 * x
        grad_out[t + 4, k] += g4 * x
        grad_out[t + 5, k] += g5 * x
        dest[row, k] += (g0 * Wp[u0, k] + g1 * Wp[u1, k] + g2 * Wp[u2, k]
                         + g3 * Wp[u3, k] + g4 * Wp[u4, k] + g5 * Wp[u5, k])


@njit(cache=True, error_model="numpy", fastmath=True, inline="always")
def gradients_pair(W, c0, c1, Wp, targets, G, a, grad_out, first):
    """:func:`gradients` for two context rows x = W[c0], y = W[c1] (weights
    G[a] and G[a + 1]) and the one block of output rows, in one pass over D:
    each output row and gradient row is loaded once for both.  Both steps use
    x and y as they were before them (W[c1] is re-read, so c0 == c1 gets both).

    ``first``: grad_out is written, not added to (it need not be zeroed)."""
    u0, u1, u2, u3, u4, u5 = targets[0], targets[1], targets[2], targets[3], targets[4], targets[5]
    g0, g1, g2, g3, g4, g5 = G[a, 0], G[a, 1], G[a, 2], G[a, 3], G[a, 4], G[a, 5]
    h0, h1, h2, h3, h4, h5 = G[a + 1, 0], G[a + 1, 1], G[a + 1, 2], G[a + 1, 3], G[a + 1, 4], G[a + 1, 5]
    for k in range(W.shape[1]):
        x = W[c0, k]
        y = W[c1, k]
        p0, p1, p2, p3, p4, p5 = Wp[u0, k], Wp[u1, k], Wp[u2, k], Wp[u3, k], Wp[u4, k], Wp[u5, k]
        d0, d1, d2 = g0 * x + h0 * y, g1 * x + h1 * y, g2 * x + h2 * y
        d3, d4, d5 = g3 * x + h3 * y, g4 * x + h4 * y, g5 * x + h5 * y
        if not first:
            d0 += grad_out[0, k]
            d1 += grad_out[1, k]
            d2 += grad_out[2, k]
            d3 += grad_out[3, k]
            d4 += grad_out[4, k]
            d5 += grad_out[5, k]
        W[c0, k] = x + (g0 * p0 + g1 * p1 + g2 * p2 + g3 * p3 + g4 * p4 + g5 * p5)
        W[c1, k] += h0 * p0 + h1 * p1 + h2 * p2 + h3 * p3 + h4 * p4 + h5 * p5
        grad_out[0, k], grad_out[1, k], grad_out[2, k] = d0, d1, d2
        grad_out[3, k], grad_out[4, k], grad_out[5, k] = d3, d4, d5


@njit(cache=True, error_model="numpy", inline="always")
def pair_block(targets, G, a, t):
    """The block of six output rows at ``t`` and the weights of context rows
    ``a`` and ``a + 1`` for them: (u0..u5, g0..g5, h0..h5)."""
    return (targets[t], targets[t + 1], targets[t + 2], targets[t + 3], targets[t + 4], targets[t + 5],
            G[a, t], G[a, t + 1], G[a, t + 2], G[a, t + 3], G[a, t + 4], G[a, t + 5],
            G[a + 1, t], G[a + 1, t + 1], G[a + 1, t + 2], G[a + 1, t + 3], G[a + 1, t + 4], G[a + 1, t + 5])


@njit(cache=True, error_model="numpy", fastmath=True, inline="always")
def gradients_pair_into(W, c0, c1, Wp, targets, t, G, a, grad_out, dest):
    """:func:`gradients_pair` for the block of output rows at ``t`` of a longer
    target list: grad_out[t+i] += g[i] x + h[i] y, and the context rows' steps are
    added to dest[0] and dest[1] (applied by the caller once every block has
    used x and y)."""
    u0, u1, u2, u3, u4, u5, g0, g1, g2, g3, g4, g5, h0, h1, h2, h3, h4, h5 = pair_block(targets, G, a, t)
    for k in range(W.shape[1]):
        x = W[c0, k]
        y = W[c1, k]
        p0, p1, p2, p3, p4, p5 = Wp[u0, k], Wp[u1, k], Wp[u2, k], Wp[u3, k], Wp[u4, k], Wp[u5, k]
        grad_out[t, k] += g0 * x + h0 * y
        grad_out[t + 1, k] += g1 * x + h1 * y
        grad_out[t + 2, k] += g2 * x + h2 * y
        grad_out[t + 3, k] += g3 * x + h3 * y
        grad_out[t + 4, k] += g4 * x + h4 * y
        grad_out[t + 5, k] += g5 * x + h5 * y
        dest[0, k] += g0 * p0 + g1 * p1 + g2 * p2 + g3 * p3 + g4 * p4 + g5 * p5
        dest[1, k] += h0 * p0 + h1 * p1 + h2 * p2 + h3 * p3 + h4 * p4 + h5 * p5


@njit(cache=True, error_model="numpy", fastmath=True, inline="always")
def scores_pair(W, c0, c1, Wp, targets, t, out, a):
    """out[a, t:t+6] and out[a + 1, t:t+6]: W[c0] and W[c1] against Wp[targets[t:t+6]],
    in one pass over D (each output row loaded once for both)."""
    u0, u1, u2, u3, u4, u5 = targets[t], targets[t + 1], targets[t + 2], targets[t + 3], targets[t + 4], targets[t + 5]
    s0 = s1 = s2 = s3 = s4 = s5 = np.float32(0.0)
    r0 = r1 = r2 = r3 = r4 = r5 = np.float32(0.0)
    for k in range(W.shape[1]):
        x = W[c0, k]
        y = W[c1, k]
        p0, p1, p2, p3, p4, p5 = Wp[u0, k], Wp[u1, k], Wp[u2, k], Wp[u3, k], Wp[u4, k], Wp[u5, k]
        s0, r0 = s0 + x * p0, r0 + y * p0
        s1, r1 = s1 + x * p1, r1 + y * p1
        s2, r2 = s2 + x * p2, r2 + y * p2
        s3, r3 = s3 + x * p3, r3 + y * p3
        s4, r4 = s4 + x * p4, r4 + y * p4
        s5, r5 = s5 + x * p5, r5 + y * p5
    out[a, t], out[a, t + 1], out[a, t + 2], out[a, t + 3], out[a, t + 4], out[a, t + 5] = s0, s1, s2, s3, s4, s5
    out[a + 1, t], out[a + 1, t + 1], out[a + 1, t + 2] = r0, r1, r2
    out[a + 1, t + 3], out[a + 1, t + 4], out[a + 1, t + 5] = r3, r4, r5


@njit(cache=True, error_model="numpy", fastmath=True, inline="always")
def error(score, label, weight):
    """weight * (label - sigma(score)), the score clipped so exp stays finite."""
    x = min(max(score, -MAX_SCORE), MAX_SCORE)
    return (label - np.float32(1.0) / (np.float32(1.0) + expf(-x))) * weight


@njit(cache=True, error_model="numpy", fastmath=True, inline="always")
def errors(G, a, n_targets, n_cols, LW, rate, with_loss):
    """Scores G[a, t] become G[a, t] = rate * LW[1, t] * (LW[0, t] - sigma(G[a, t]))
    for the first ``n_cols`` columns (a multiple of LANES): LW[0] holds the labels, LW[1] 1, or 0 for a
    skipped column (padding, columns past the targets, and a negative equal to
    the positive, as in word2vec.c).  Returns the pairs' -J over the columns
    not skipped (0 unless ``with_loss``); the mask is kept apart from the rate
    so the loss does not vanish when the rate reaches 0.  The sigmoid loop has
    no calls or branches, so it becomes vector code."""
    loss = 0.0
    if with_loss:
        for t in range(n_targets):
            if LW[1, t] != 0.0:
                x = min(max(G[a, t], -MAX_SCORE), MAX_SCORE)
                # -log sigma(x) = log(1 + e^-x); -log(1 - sigma(x)) = x + log(1 + e^-x)
                loss += np.log(np.float32(1.0) + expf(-x)) + (np.float32(1.0) - LW[0, t]) * x
    for t in range(n_cols):  # a run-time length, so LLVM vectorises the loop
        G[a, t] = error(G[a, t], LW[0, t], LW[1, t] * rate)
    return loss


@njit(cache=True, error_model="numpy", inline="always")
def score_cols(n_pad, LW):
    """The sigmoid loop's columns for ``n_pad`` padded targets: a multiple of
    LANES, those of this window's targets, not the longest path's (LW's)."""
    return min(round_up(n_pad, LANES), LW.shape[1])


@njit(cache=True, error_model="numpy", fastmath=True, inline="always")
def window_update(W, Wp, contexts, n_contexts, targets, n_targets, alpha, G, LW, grad_out, neu1e, with_loss):
    """The body of :func:`~.sgns.sgns_window_step` once the targets are padded to a
    multiple of BLOCK and LW holds their labels and mask (so hierarchical
    softmax, whose targets are a Huffman path, shares it)."""
    n_pad = round_up(n_targets, BLOCK)
    n_cols = score_cols(n_pad, LW)
    rate = np.float32(alpha)  # float32, so the sigmoid loop stays in float32
    loss = 0.0
    a = 0
    if n_pad == BLOCK and n_contexts >= 2:
        # Two context rows per pass halves the loads and stores of the output
        # and gradient rows; the first pair writes grad_out, so it is not zeroed.
        # (Adding the last pair's sums to Wp directly, to skip the pass over
        # grad_out below, measured slower: 1.82 against 1.65 s/epoch.)
        while a + 1 < n_contexts:
            scores_pair(W, contexts[a], contexts[a + 1], Wp, targets, 0, G, a)
            loss += errors(G, a, n_targets, n_cols, LW, rate, with_loss)
            loss += errors(G, a + 1, n_targets, n_cols, LW, rate, with_loss)
            if a == 0:
                gradients_pair(W, contexts[a], contexts[a + 1], Wp, targets, G, a, grad_out, True)
            else:
                gradients_pair(W, contexts[a], contexts[a + 1], Wp, targets, G, a, grad_out, False)
            a += 2
    else:
        grad_out[:n_pad] = 0.0
        # Longer target lists (a Huffman path, or K + 1 > BLOCK): two context rows
        # per pass still, block by block; their steps wait in neu1e until every
        # block has used them.
        while a + 1 < n_contexts:
            c0, c1 = contexts[a], contexts[a + 1]
            for t in range(0, n_pad, BLOCK):
                scores_pair(W, c0, c1, Wp, targets, t, G, a)
            loss += errors(G, a, n_targets, n_cols, LW, rate, with_loss)
            loss += errors(G, a + 1, n_targets, n_cols, LW, rate, with_loss)
            neu1e[:] = 0.0
            for t in range(0, n_pad, BLOCK):
                gradients_pair_into(W, c0, c1, Wp, targets, t, G, a, grad_out, neu1e)
            for k in range(W.shape[1]):
                W[c0, k] += neu1e[0, k]
            for k in range(W.shape[1]):
                W[c1, k] += neu1e[1, k]
            a += 2
    for b in range(a, n_contexts):  # the odd one out
        c = contexts[b]
        for t in range(0, n_pad, BLOCK):
            scores(W, c, Wp, targets, t, G, b)
        loss += errors(G, b, n_targets, n_cols, LW, rate, with_loss)
        if n_pad == BLOCK:
            gradients(W, c, Wp, targets, 0, G, b, grad_out, W, c)
        else:
            # x_b must stay as it was until every block has used it.
            neu1e[0] = 0.0
            for t in range(0, n_pad, BLOCK):
                gradients(W, c, Wp, targets, t, G, b, grad_out, neu1e, 0)
            for k in range(W.shape[1]):
                W[c, k] += neu1e[0, k]
    for t in range(n_targets):
        if LW[1, t] == 0.0:  # a negative equal to the positive: no update
            continue
        u = targets[t]
        for k in range(W.shape[1]):
            Wp[u, k] += grad_out[t, k]
    return loss
