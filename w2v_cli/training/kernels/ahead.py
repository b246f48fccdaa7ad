"""Negatives drawn one draw ahead: the span loop's hooks (span.Hooks) of the
negative-sampling entries that share a draw (the skip-gram window step and CBOW).

A draw of K negatives serves ``b.shared_negatives`` consecutive centre words of
a sentence (skip-gram's window already shares one draw among its context
words).  The next draw is made while the current one is used, so the rows the
next window needs can be prefetched while this one is computed.  Before each
step ``s.targets[1:K + 1]`` holds the centre word's negatives; a step must
leave them there.  carry[0] counts the centre words the draw in targets still
serves.
"""

import numpy as np
from numba import njit

from ...intrinsics import prefetch_row
from .rng import alias_draw
from .span import Hooks, no_begin_hook, no_end_hook, no_span_end_hook


@njit(cache=True, error_model="numpy", nogil=True, inline="always")
def ahead_sentence_begin(b, s, state, n, carry):
    """A fresh draw for the sentence's first centre word."""
    if n > 0:
        for d in range(1, b.ahead + 1):
            s.ahead[d] = alias_draw(state, b.noise)
        return (np.int64(0), carry[1])
    return carry


@njit(cache=True, error_model="numpy", nogil=True, inline="always")
def ahead_centre_begin(b, s, state, sentence, i, n, carry):
    """Move the draw ahead into targets when the current one is used up, draw
    the next (prefetching its rows), and prefetch the next centre's rows."""
    targets, ahead = s.targets, s.ahead
    share = b.shared_negatives
    serves = carry[0]
    if serves == 0:
        for d in range(1, b.ahead + 1):
            targets[d] = ahead[d]
        serves = share
        if i + share < n:
            for d in range(1, b.ahead + 1):
                ahead[d] = alias_draw(state, b.noise)
                prefetch_row(b.Wp, ahead[d])
    serves -= 1
    if i + 1 < n:
        prefetch_row(b.Wp, sentence[i + 1])
        if i + 1 + b.window < n:
            prefetch_row(b.W, sentence[i + 1 + b.window])
    return (np.int64(serves), carry[1])


AHEAD_HOOKS = Hooks(no_begin_hook, ahead_sentence_begin, ahead_centre_begin, no_end_hook, no_span_end_hook)
