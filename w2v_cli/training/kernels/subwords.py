"""Skip-gram with negative sampling over fastText's subword inputs.

A word's input vector is h = (W[c] + sum_r Wn[r]) / N, the mean of its own row
and the rows r of its character n-grams (``b.sub_rows[b.sub_offsets[c]:b.sub_offsets[c + 1]]``,
repeats kept; N counts them all), as in fastText.  Orientation as in fastText's
``skipgram``: the *centre* word's h predicts each context word of its window.
Unlike fastText, which recomputes h and writes all N rows back for every
(centre, context) pair, the step computes h once per window, scores it against
the C context rows and one shared draw of K negatives, and writes each input
row once per window.  Because h is the same for all C pairs, the K negative
scores are too: each negative is scored once and its term weighted by the
number of pairs it serves (C, less the pairs whose positive it equals, which
word2vec.c and fastText skip).  The window's objective is

    J = sum_a log sigma(h . u_a) + sum_k w_k log sigma(-h . u_k)

and the step, from the values before it: every output row u += g h with
g = alpha * w * (label - sigma(h . u)), and every input row (W[c] and each n-gram
row, a repeated one once per occurrence) += sum_t g_t u_t = alpha dJ/dh.  That
is fastText's update (``Model::update`` adds the hidden gradient, undivided, to
each input row), so h itself moves by alpha dJ/dh.  A word with no n-grams
trains exactly as plain skip-gram with the centre predicting its contexts.
"""

import numpy as np
from numba import njit

from ...intrinsics import prefetch_row
from .ahead import ahead_centre_begin, ahead_sentence_begin
from .expf import MAX_SCORE, expf
from .rng import alias_draw
from .span import Hooks, gather_contexts, no_begin_hook, no_end_hook, no_sentence_hook, no_span_end_hook


@njit(cache=True, error_model="numpy", fastmath=True, inline="always")
def _sigmoid(f):
    x = min(max(f, -MAX_SCORE), MAX_SCORE)
    return np.float32(1.0) / (np.float32(1.0) + expf(-x)), x


@njit(cache=True, error_model="numpy", fastmath=True, inline="always")
def _dot(h, M, row):
    f = np.float32(0.0)
    for k in range(h.shape[0]):
        f += h[k] * M[row, k]
    return f


@njit(cache=True, error_model="numpy", fastmath=True)
def subword_window_step(W, Wn, Wp, c, sub_rows, r0, r1, contexts, n_contexts, targets, n_negatives, alpha,
                        G, LW, h, grad, with_loss):
    """One window (see the module docstring): centre ``c`` with n-gram rows
    ``sub_rows[r0:r1]`` of Wn against output rows Wp[contexts[:n_contexts]]
    (label 1) and Wp[targets[1:n_negatives + 1]] (label 0).  Scratch: G
    (column 0 of n_contexts rows: the contexts' gradient weights), LW (row 0, columns
    1 to n_negatives: the negatives'), ``h`` and ``grad`` (D).  Returns -J
    (0 unless ``with_loss``)."""
    dim = W.shape[1]
    n_in = 1 + r1 - r0
    for k in range(dim):
        h[k] = W[c, k]
    for r in range(r0, r1):
        row = sub_rows[r]
        for k in range(dim):
            h[k] += Wn[row, k]
    inv = np.float32(1.0) / np.float32(n_in)
    for k in range(dim):
        h[k] *= inv
    rate = np.float32(alpha)
    loss = 0.0
    # Every score from the rows as they were before the step.
    for a in range(n_contexts):
        sig, x = _sigmoid(_dot(h, Wp, contexts[a]))
        G[a, 0] = rate * (np.float32(1.0) - sig)
        if with_loss:
            loss += np.log(np.float32(1.0) + expf(-x))
    for d in range(1, n_negatives + 1):
        t = targets[d]
        weight = n_contexts
        for a in range(n_contexts):
            if contexts[a] == t:
                weight -= 1
        sig, x = _sigmoid(_dot(h, Wp, t))
        LW[0, d] = -rate * sig * np.float32(weight)
        if with_loss:
            loss += weight * (np.log(np.float32(1.0) + expf(-x)) + x)
    for k in range(dim):
        grad[k] = 0.0
    for a in range(n_contexts):
        u = contexts[a]
        g = G[a, 0]
        for k in range(dim):
            grad[k] += g * Wp[u, k]
    for d in range(1, n_negatives + 1):
        t = targets[d]
        g = LW[0, d]
        for k in range(dim):
            grad[k] += g * Wp[t, k]
    # The output rows' steps, added (a row that is both a context and a negative gets both).
    for a in range(n_contexts):
        u = contexts[a]
        g = G[a, 0]
        for k in range(dim):
            Wp[u, k] += g * h[k]
    for d in range(1, n_negatives + 1):
        t = targets[d]
        g = LW[0, d]
        for k in range(dim):
            Wp[t, k] += g * h[k]
    for k in range(dim):
        W[c, k] += grad[k]
    for r in range(r0, r1):
        row = sub_rows[r]
        for k in range(dim):
            Wn[row, k] += grad[k]
    return loss


@njit(cache=True, error_model="numpy", fastmath=True, nogil=True, inline="always")
def sg_ns_subwords(b, s, sentence, n, i, lo, hi, alpha, with_loss, state):
    """Span-loop step: centre word ``i``'s subword input against its window's
    context words and the negatives the span loop drew into targets[1:]."""
    contexts = s.contexts
    m = gather_contexts(sentence, i, lo, hi, contexts)
    if m == 0:
        return 0.0, 0
    c = sentence[i]
    loss = subword_window_step(b.W, b.Wn, b.Wp, c, b.sub_rows, b.sub_offsets[c], b.sub_offsets[c + 1], contexts, m,
                               s.targets, b.negative, alpha, s.G, s.LW, s.neu1e[1], s.neu1e[0], with_loss)
    return loss, m


@njit(cache=True, error_model="numpy", fastmath=True, inline="always")
def _mean_input(W, Wn, c, sub_rows, r0, r1, h):
    dim = W.shape[1]
    for k in range(dim):
        h[k] = W[c, k]
    for r in range(r0, r1):
        row = sub_rows[r]
        for k in range(dim):
            h[k] += Wn[row, k]
    inv = np.float32(1.0) / np.float32(1 + r1 - r0)
    for k in range(dim):
        h[k] *= inv


@njit(cache=True, error_model="numpy", fastmath=True, inline="always")
def _output_step(h, Wp, u, label, rate, grad, with_loss):
    """One output row against h: grad += g u, then u += g h; returns its -log P(label)."""
    sig, x = _sigmoid(_dot(h, Wp, u))
    g = rate * (label - sig)
    for k in range(h.shape[0]):
        p = Wp[u, k]
        grad[k] += g * p
        Wp[u, k] = p + g * h[k]
    if with_loss:
        return np.log(np.float32(1.0) + expf(-x)) + (np.float32(1.0) - label) * x
    return 0.0


@njit(cache=True, error_model="numpy", fastmath=True, nogil=True, inline="always")
def sg_ns_subwords_pair(b, s, sentence, n, i, lo, hi, alpha, with_loss, state):
    """Span-loop step, --batch pair: as fastText, K negatives drawn for every
    (centre, context) pair, each output row stepped at once; but h is computed
    once per window and the input rows are written once, at its end."""
    contexts = s.contexts
    m = gather_contexts(sentence, i, lo, hi, contexts)
    if m == 0:
        return 0.0, 0
    c = sentence[i]
    W, Wn, Wp = b.W, b.Wn, b.Wp
    r0, r1 = b.sub_offsets[c], b.sub_offsets[c + 1]
    h, grad = s.neu1e[1], s.neu1e[0]
    _mean_input(W, Wn, c, b.sub_rows, r0, r1, h)
    for k in range(h.shape[0]):
        grad[k] = 0.0
    rate = np.float32(alpha)
    loss = 0.0
    for a in range(m):
        u = contexts[a]
        loss += _output_step(h, Wp, u, np.float32(1.0), rate, grad, with_loss)
        for d in range(b.negative):
            t = alias_draw(state, b.noise)
            if t != u:
                loss += _output_step(h, Wp, t, np.float32(0.0), rate, grad, with_loss)
    dim = W.shape[1]
    for k in range(dim):
        W[c, k] += grad[k]
    for r in range(r0, r1):
        row = b.sub_rows[r]
        for k in range(dim):
            Wn[row, k] += grad[k]
    return loss, m


@njit(cache=True, error_model="numpy", nogil=True, inline="always")
def subword_prefetch(b, s, state, sentence, i, n, carry):
    """The next centre's input rows prefetched: its own and its n-grams' (spread
    over a large matrix, so mostly cache misses)."""
    if i + 1 < n:
        c = sentence[i + 1]
        prefetch_row(b.W, c)
        for r in range(b.sub_offsets[c], b.sub_offsets[c + 1]):
            prefetch_row(b.Wn, b.sub_rows[r])
    return carry


@njit(cache=True, error_model="numpy", nogil=True, inline="always")
def subword_centre_begin(b, s, state, sentence, i, n, carry):
    """The draw ahead (ahead.py), and the next centre's input rows prefetched."""
    carry = ahead_centre_begin(b, s, state, sentence, i, n, carry)
    return subword_prefetch(b, s, state, sentence, i, n, carry)


SUBWORD_HOOKS = Hooks(no_begin_hook, ahead_sentence_begin, subword_centre_begin, no_end_hook, no_span_end_hook)
SUBWORD_PAIR_HOOKS = Hooks(no_begin_hook, no_sentence_hook, subword_prefetch, no_end_hook, no_span_end_hook)


@njit(cache=True, error_model="numpy", fastmath=True)
def full_vectors(W, Wn, sub_offsets, sub_rows):
    """Every word's h: the mean of W[i] and its n-gram rows (what the vector files hold)."""
    n, dim = W.shape
    out = np.empty((n, dim), np.float32)
    acc = np.empty(dim, np.float64)
    for i in range(n):
        for k in range(dim):
            acc[k] = W[i, k]
        for r in range(sub_offsets[i], sub_offsets[i + 1]):
            row = sub_rows[r]
            for k in range(dim):
                acc[k] += Wn[row, k]
        inv = 1.0 / (1 + sub_offsets[i + 1] - sub_offsets[i])
        for k in range(dim):
            out[i, k] = acc[k] * inv
    return out
