"""(model, loss, batching) -> the epoch kernel that trains it, chosen here only.

An :class:`Entry` names a step of the span loop (see ``span``) and the hooks
the loop runs around it (what differs by loss: negatives drawn ahead,
``ahead.AHEAD_HOOKS``; hierarchical softmax's path prefetch and private top
nodes, ``hs.HS_HOOKS``; or ``span.NO_HOOKS``), compiled into an epoch kernel,
and the span-loop settings the step wants (they go into the
:class:`~.inputs.EpochInputs` bundle).  Each epoch kernel is a module-level
function that names its step and hooks, so Numba caches it with them compiled
in: they are passed to ``span.run_span`` as arguments (as pynndescent passes
compiled distance functions), and all are inlined (Numba IR) into a per-entry
span function.  That function is compiled without reference counting
(``_nrt=False``): every attribute read of the bundle would otherwise take and
drop a reference, two atomic operations, several times per centre word (the
loop measured ~15 % slower).  It allocates nothing; the epoch kernel owns the
scratch it passes in.

To add a model or loss: write its step (the signature is in ``span``; mark it
``inline="always"`` and allocate nothing in it) and, if it needs them, its
hooks; add its span function and epoch kernel below (eight lines, as for the
others) and a row to :data:`STEPS` naming the same hooks; the CLI, the library
and the registry test pick it up from there.
"""

from __future__ import annotations

import dataclasses
from typing import Callable

import numpy as np
from numba import njit, prange

from ...errors import W2VError
from . import cbow, hs, sgns, softmax, subwords
from .ahead import AHEAD_HOOKS
from .hs import HS_HOOKS
from .subwords import SUBWORD_HOOKS, SUBWORD_PAIR_HOOKS
from .span import NO_HOOKS, Hooks, new_scratch, run_span


# The epoch kernels pass the thread number as np.int64: prange's index is typed
# int64 first and uint64 after the parfor pass, and each type compiled the whole
# span function once more (about a sixth of a first run's compile time).
@njit(cache=True, error_model="numpy", fastmath=True, nogil=True, _nrt=False)
def _span_sg_ns_window(b, s, t):
    run_span(b, s, t, sgns.sg_ns_window, AHEAD_HOOKS)


@njit(cache=True, error_model="numpy", parallel=True)
def epoch_sg_ns_window(b):
    for t in prange(b.spans.shape[0]):
        _span_sg_ns_window(b, new_scratch(b), np.int64(t))


@njit(cache=True, error_model="numpy", fastmath=True, nogil=True, _nrt=False)
def _span_sg_ns_pair(b, s, t):
    run_span(b, s, t, sgns.sg_ns_pair, NO_HOOKS)


@njit(cache=True, error_model="numpy", parallel=True)
def epoch_sg_ns_pair(b):
    for t in prange(b.spans.shape[0]):
        _span_sg_ns_pair(b, new_scratch(b), np.int64(t))


@njit(cache=True, error_model="numpy", fastmath=True, nogil=True, _nrt=False)
def _span_sg_softmax(b, s, t):
    run_span(b, s, t, softmax.sg_softmax, NO_HOOKS)


@njit(cache=True, error_model="numpy", parallel=True)
def epoch_sg_softmax(b):
    for t in prange(b.spans.shape[0]):
        _span_sg_softmax(b, new_scratch(b), np.int64(t))


@njit(cache=True, error_model="numpy", fastmath=True, nogil=True, _nrt=False)
def _span_cbow_ns(b, s, t):
    run_span(b, s, t, cbow.cbow_ns, AHEAD_HOOKS)


@njit(cache=True, error_model="numpy", parallel=True)
def epoch_cbow_ns(b):
    for t in prange(b.spans.shape[0]):
        _span_cbow_ns(b, new_scratch(b), np.int64(t))


@njit(cache=True, error_model="numpy", fastmath=True, nogil=True, _nrt=False)
def _span_sg_hs_window(b, s, t):
    run_span(b, s, t, hs.sg_hs_window, HS_HOOKS)


@njit(cache=True, error_model="numpy", parallel=True)
def epoch_sg_hs_window(b):
    for t in prange(b.spans.shape[0]):
        _span_sg_hs_window(b, new_scratch(b), np.int64(t))


@njit(cache=True, error_model="numpy", fastmath=True, nogil=True, _nrt=False)
def _span_sg_hs_pair(b, s, t):
    run_span(b, s, t, hs.sg_hs_pair, HS_HOOKS)


@njit(cache=True, error_model="numpy", parallel=True)
def epoch_sg_hs_pair(b):
    for t in prange(b.spans.shape[0]):
        _span_sg_hs_pair(b, new_scratch(b), np.int64(t))


@njit(cache=True, error_model="numpy", fastmath=True, nogil=True, _nrt=False)
def _span_cbow_hs(b, s, t):
    run_span(b, s, t, hs.cbow_hs, HS_HOOKS)


@njit(cache=True, error_model="numpy", parallel=True)
def epoch_cbow_hs(b):
    for t in prange(b.spans.shape[0]):
        _span_cbow_hs(b, new_scratch(b), np.int64(t))


@njit(cache=True, error_model="numpy", fastmath=True, nogil=True, _nrt=False)
def _span_sg_ns_subwords(b, s, t):
    run_span(b, s, t, subwords.sg_ns_subwords, SUBWORD_HOOKS)


@njit(cache=True, error_model="numpy", parallel=True)
def epoch_sg_ns_subwords(b):
    for t in prange(b.spans.shape[0]):
        _span_sg_ns_subwords(b, new_scratch(b), t)


@njit(cache=True, error_model="numpy", fastmath=True, nogil=True, _nrt=False)
def _span_sg_ns_subwords_pair(b, s, t):
    run_span(b, s, t, subwords.sg_ns_subwords_pair, SUBWORD_PAIR_HOOKS)


@njit(cache=True, error_model="numpy", parallel=True)
def epoch_sg_ns_subwords_pair(b):
    for t in prange(b.spans.shape[0]):
        _span_sg_ns_subwords_pair(b, new_scratch(b), t)


@dataclasses.dataclass(frozen=True)
class Entry:
    name: str
    epoch: Callable  # epoch(b: EpochInputs): one epoch (or the rest of one), Hogwild over b.spans
    hooks: Hooks  # what the span loop runs around the step (compiled into ``epoch``: say the same here)
    loss_every: int = sgns.LOSS_EVERY  # measure the loss on 1 in this many centre words
    report_every: int = 10_000  # words between progress reports and stop checks
    stop_within_sentence: bool = False  # publish and check the stop flag after every centre word
    needs_scores: bool = False  # a V-long score buffer per thread

    @property
    def draws_ahead(self) -> bool:
        """The span loop draws the negatives, one draw ahead (see --shared-negatives)."""
        return self.hooks is AHEAD_HOOKS or self.hooks is SUBWORD_HOOKS

    @property
    def private_top_nodes(self) -> bool:
        """With several threads, each trains its own copy of W''s top rows (hot_rows.py)."""
        return self.hooks is HS_HOOKS


# Every (model, loss, batch) the options accept.  The full softmax trains pair
# by pair whatever --batch says (a window shares nothing there).
_SOFTMAX = Entry("skip-gram, full softmax", epoch_sg_softmax, NO_HOOKS, loss_every=1, report_every=1,
                 stop_within_sentence=True, needs_scores=True)
STEPS = {
    ("skipgram", "ns", "window"): Entry("skip-gram, negative sampling, shared negatives per window",
                                        epoch_sg_ns_window, AHEAD_HOOKS),
    ("skipgram", "ns", "pair"): Entry("skip-gram, negative sampling, per pair", epoch_sg_ns_pair, NO_HOOKS),
    ("skipgram", "softmax", "window"): _SOFTMAX,
    ("skipgram", "softmax", "pair"): _SOFTMAX,
    # One step per centre word, its negatives drawn per centre word as word2vec.c does.
    ("cbow", "ns", "window"): Entry("CBOW, negative sampling", epoch_cbow_ns, AHEAD_HOOKS),
    # Hierarchical softmax: a window's context rows share the centre word's path.
    # Every path starts at the root: the threads keep private copies of the top nodes.
    ("skipgram", "hs", "window"): Entry("skip-gram, hierarchical softmax, one path per window", epoch_sg_hs_window,
                                        HS_HOOKS),
    ("skipgram", "hs", "pair"): Entry("skip-gram, hierarchical softmax, per pair", epoch_sg_hs_pair,
                                      HS_HOOKS),
    ("cbow", "hs", "window"): Entry("CBOW, hierarchical softmax", epoch_cbow_hs, HS_HOOKS),
}


# --subwords (TrainOptions.resolve refuses the other combinations).
SUBWORD_STEPS = {
    ("skipgram", "ns", "window"): Entry("skip-gram, negative sampling, subword input of the centre word per window",
                                        epoch_sg_ns_subwords, SUBWORD_HOOKS),
    ("skipgram", "ns", "pair"): Entry("skip-gram, negative sampling, subword input of the centre word per window, "
                                      "negatives per pair", epoch_sg_ns_subwords_pair, SUBWORD_PAIR_HOOKS),
}


def select(model: str, loss: str, batch: str, subwords: bool = False) -> Entry:
    """The entry for this combination, or a W2VError saying what is available."""
    if subwords:
        entry = SUBWORD_STEPS.get((model, loss, batch))
        if entry is None:
            raise W2VError(f"--subwords does not train with --model {model} --loss {loss} --batch {batch}; "
                           f"available: {'; '.join(f'--model {m} --loss {l} --batch {b}' for m, l, b in SUBWORD_STEPS)}")
        return entry
    entry = STEPS.get((model, loss, batch))
    if entry is None:
        offered = sorted({f"--loss {l} --batch {b}" for m, l, b in STEPS if m == model})
        if not offered:
            models = ", ".join(sorted({m for m, _, _ in STEPS}))
            raise W2VError(f"--model {model} is not available (models: {models})")
        raise W2VError(f"--model {model} does not train with --loss {loss} --batch {batch}; "
                       f"available: {'; '.join(offered)}")
    return entry
