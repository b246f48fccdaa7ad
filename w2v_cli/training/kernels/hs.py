"""Hierarchical softmax (``--loss hs``), word2vec.c's update, for skip-gram and CBOW.

The vocabulary is the leaves of a Huffman tree (``w2v_cli.training.huffman``); W' holds
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
context rows are scored against the path's rows in blocks of BLOCK rows, two
context rows per pass (``sg_hs_window_step``), and ``--batch pair`` trains
pair by pair in word2vec.c's order.  CBOW predicts the centre word from the mean (or sum) of
the context rows and gives every context row h's step, as ``cbow`` does.
The returned loss is -log P(centre | input), summed over the positives.
"""

import numpy as np
from numba import njit

from ...intrinsics import prefetch_row
from .blocks import BLOCK, errors, pair_block, round_up, score_cols, scores_pair, window_update
from .cbow import combine_contexts, spread_to_contexts
from .hot_rows import hot_begin, hot_sync, stage_path, synced_rows, unstage_path
from .sgns import target_update
from .span import Hooks, gather_contexts, no_sentence_hook


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
    (the centre word's), labels 1 - code.  A path of up to BLOCK nodes takes
    the window step of negative sampling (``sgns.window_update``: the rows step
    once, with the window's summed gradient).  A longer path is trained two
    context rows at a time (:func:`_path_pairs`), its rows stepped after each
    two, as word2vec.c steps them after each pair.  Scratch as for
    ``sgns.sgns_window_step``, ``targets`` with room for the path padded to a
    multiple of BLOCK, G with n_contexts rows rounded up to even (the odd one
    out is trained with a weight-0 partner).  Returns the window's -log P summed (0 unless ``with_loss``)."""
    if n == 0:  # a one-word vocabulary: P = 1, nothing to learn
        return 0.0
    n_pad = round_up(n, BLOCK)
    # Padding (weight 0) repeats rows of the block before: a row written twice in
    # one pass would lose its step, and a row outside the path may be another
    # thread's.  A one-block path is padded with the root and goes through grad_out.
    for t in range(n_pad):
        targets[t] = points[t] if t < n else (points[t - BLOCK] if n > BLOCK else points[0])
    n_cols = score_cols(n_pad, LW)
    for t in range(n_cols):
        LW[0, t] = 1.0 - codes[t] if t < n else 0.0
        LW[1, t] = 1.0 if t < n else 0.0
    if n <= BLOCK:
        return window_update(W, Wp, contexts, n_contexts, targets, n, alpha, G, LW, grad_out, neu1e, with_loss)
    return _path_pairs(W, Wp, contexts, n_contexts, targets, n, n_pad, n_cols, np.float32(alpha), G, LW, neu1e,
                       with_loss)


@njit(cache=True, error_model="numpy", fastmath=True, inline="always")
def _path_pairs(W, Wp, contexts, n_contexts, targets, n, n_pad, n_cols, rate, G, LW, neu1e, with_loss):
    """The context rows two at a time against the path rows Wp[targets[:n_pad]]:
    scores block by block, then one pass per block that steps the path rows
    (u += g x + h y) and collects the context rows' steps in neu1e, applied once
    every block has used x and y.  Writing the path rows in that pass saves
    the loads and stores of a summed-gradient buffer."""
    loss = 0.0
    a = 0
    while a < n_contexts:
        c0 = contexts[a]
        c1 = contexts[a + 1] if a + 1 < n_contexts else c0
        for t in range(0, n_pad, BLOCK):
            scores_pair(W, c0, c1, Wp, targets, t, G, a)
        loss += errors(G, a, n, n_cols, LW, rate, with_loss)
        if a + 1 < n_contexts:
            loss += errors(G, a + 1, n, n_cols, LW, rate, with_loss)
        else:
            G[a + 1, :n_cols] = 0.0  # the odd one out: a weight-0 partner
        neu1e[:] = 0.0
        for t in range(0, n_pad, BLOCK):
            _path_steps(W, c0, c1, Wp, targets, t, G, a, neu1e)
        for k in range(W.shape[1]):
            W[c0, k] += neu1e[0, k]
        if a + 1 < n_contexts:
            for k in range(W.shape[1]):
                W[c1, k] += neu1e[1, k]
        a += 2
    return loss


@njit(cache=True, error_model="numpy", fastmath=True, inline="always")
def _path_steps(W, c0, c1, Wp, targets, t, G, a, dest):
    """For x = W[c0], y = W[c1] and the six rows u_i = Wp[targets[t+i]] (distinct)
    with weights g = G[a, t:t+6], h = G[a + 1, t:t+6]: dest[0] += sum g_i u_i,
    dest[1] += sum h_i u_i (u before its step), u_i += g_i x + h_i y, in one pass."""
    u0, u1, u2, u3, u4, u5, g0, g1, g2, g3, g4, g5, h0, h1, h2, h3, h4, h5 = pair_block(targets, G, a, t)
    for k in range(W.shape[1]):
        x = W[c0, k]
        y = W[c1, k]
        p0, p1, p2, p3, p4, p5 = Wp[u0, k], Wp[u1, k], Wp[u2, k], Wp[u3, k], Wp[u4, k], Wp[u5, k]
        dest[0, k] += g0 * p0 + g1 * p1 + g2 * p2 + g3 * p3 + g4 * p4 + g5 * p5
        dest[1, k] += h0 * p0 + h1 * p1 + h2 * p2 + h3 * p3 + h4 * p4 + h5 * p5
        Wp[u0, k] = p0 + g0 * x + h0 * y
        Wp[u1, k] = p1 + g1 * x + h1 * y
        Wp[u2, k] = p2 + g2 * x + h2 * y
        Wp[u3, k] = p3 + g3 * x + h3 * y
        Wp[u4, k] = p4 + g4 * x + h4 * y
        Wp[u5, k] = p5 + g5 * x + h5 * y


# --- steps of the span loop (see span.run_span; registered in registry) ---------


@njit(cache=True, error_model="numpy", fastmath=True, nogil=True, inline="always")
def sg_hs_window(b, s, sentence, n, i, lo, hi, alpha, with_loss, state):
    """Skip-gram: the window's context rows against the centre word's path."""
    centre = sentence[i]
    m = gather_contexts(sentence, i, lo, hi, s.contexts)
    if m == 0:
        return 0.0, 0
    points, codes, length = b.points[centre], b.codes[centre], b.code_lengths[centre]
    if b.hot_rows == 0:
        loss = sg_hs_window_step(b.W, b.Wp, s.contexts, m, points, codes, length, alpha, s.targets, s.G, s.LW,
                                 s.grad_out, s.neu1e, with_loss)
    else:
        stage_path(b.Wp, s.hot, b.hot_rows, points, length, s.path)
        loss = sg_hs_window_step(b.W, s.hot, s.contexts, m, s.path, codes, length, alpha, s.targets, s.G, s.LW,
                                 s.grad_out, s.neu1e, with_loss)
        unstage_path(b.Wp, s.hot, b.hot_rows, points, length)
    return loss, m


@njit(cache=True, error_model="numpy", fastmath=True, nogil=True, inline="always")
def sg_hs_pair(b, s, sentence, n, i, lo, hi, alpha, with_loss, state):
    """Skip-gram, word2vec.c's order: each (context, centre) pair in turn."""
    centre = sentence[i]
    points, codes, length = b.points[centre], b.codes[centre], b.code_lengths[centre]
    loss = 0.0
    pairs = 0
    if b.hot_rows == 0:
        for j in range(lo, hi):
            if j != i:
                loss += sg_hs_step(b.W, b.Wp, sentence[j], points, codes, length, alpha, s.neu1e[0], with_loss)
                pairs += 1
    else:
        stage_path(b.Wp, s.hot, b.hot_rows, points, length, s.path)
        for j in range(lo, hi):
            if j != i:
                loss += sg_hs_step(b.W, s.hot, sentence[j], s.path, codes, length, alpha, s.neu1e[0], with_loss)
                pairs += 1
        unstage_path(b.Wp, s.hot, b.hot_rows, points, length)
    return loss, pairs


@njit(cache=True, error_model="numpy", fastmath=True, nogil=True, inline="always")
def cbow_hs(b, s, sentence, n, i, lo, hi, alpha, with_loss, state):
    """CBOW: the window of centre word ``i`` predicts it down its path; one positive."""
    centre = sentence[i]
    m = gather_contexts(sentence, i, lo, hi, s.contexts)
    if m == 0:
        return 0.0, 0
    points, codes, length = b.points[centre], b.codes[centre], b.code_lengths[centre]
    if b.hot_rows == 0:
        loss = cbow_hs_step(b.W, b.Wp, s.contexts, m, points, codes, length, alpha, b.cbow_mean, s.neu1e[1],
                            s.neu1e[0], with_loss)
    else:
        stage_path(b.Wp, s.hot, b.hot_rows, points, length, s.path)
        loss = cbow_hs_step(b.W, s.hot, s.contexts, m, s.path, codes, length, alpha, b.cbow_mean, s.neu1e[1],
                            s.neu1e[0], with_loss)
        unstage_path(b.Wp, s.hot, b.hot_rows, points, length)
    return loss, 1


# --- the span loop's hooks for hierarchical softmax (see span.Hooks) ------------
# carry: (centre words since the last merge of the private top nodes, merges so far).


@njit(cache=True, error_model="numpy", nogil=True, inline="always")
def hs_span_begin(b, s):
    if b.hot_rows > 0:
        hot_begin(b.Wp, s.hot, s.hot_base)
    return (np.int64(0), np.int64(0))


@njit(cache=True, error_model="numpy", nogil=True, inline="always")
def hs_centre_begin(b, s, state, sentence, i, n, carry):
    """Prefetch the next centre word's path rows (the deep nodes are rarely in
    cache; the private top nodes are the thread's own) and the row entering the window."""
    if i + 1 < n:
        nxt = sentence[i + 1]
        first_hot = b.Wp.shape[0] - b.hot_rows
        for j in range(b.code_lengths[nxt]):
            if b.points[nxt, j] < first_hot:
                prefetch_row(b.Wp, b.points[nxt, j])
        if i + 1 + b.window < n:
            prefetch_row(b.W, sentence[i + 1 + b.window])
    return carry


@njit(cache=True, error_model="numpy", nogil=True, inline="always")
def hs_centre_end(b, s, carry):
    """Merge the private top nodes every ``hot_every`` centre words (more of
    them at rarer merges: hot_rows.synced_rows)."""
    since, syncs = carry
    if b.hot_rows > 0:
        since += 1
        if since >= b.hot_every:
            syncs += 1
            hot_sync(b.Wp, s.hot, s.hot_base, synced_rows(b.hot_rows, syncs))
            since = 0
    return (np.int64(since), np.int64(syncs))


@njit(cache=True, error_model="numpy", nogil=True, inline="always")
def hs_span_end(b, s, carry):
    if b.hot_rows > 0:
        hot_sync(b.Wp, s.hot, s.hot_base, b.hot_rows)


HS_HOOKS = Hooks(hs_span_begin, no_sentence_hook, hs_centre_begin, hs_centre_end, hs_span_end)
