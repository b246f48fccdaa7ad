"""One epoch's inputs as one named bundle: :class:`EpochInputs`.

Every epoch kernel takes a single argument, an :class:`EpochInputs` (a
NamedTuple, which Numba passes as one typed value and whose fields the kernels
read by name).  :func:`epoch_inputs` is the one function that builds it, for
training, tests and benchmarks alike; :func:`start_epoch` readies its thread
state for an epoch.  Fields:

model      W (V x D input vectors), Wp (output vectors: V rows, or V - 1 inner
           nodes of the Huffman tree for hierarchical softmax)
corpus     stream (int32 ids, -1 at sentence ends), keep (subsampling keep
           probability per word), noise (packed alias table, sampling.pack_alias),
           points / codes / code_lengths (Huffman paths for hierarchical softmax:
           V x L int32, V x L uint8, V int32; 0-sized when unused)
settings   window, negative, cbow_mean (CBOW: mean, not sum, of the context rows),
           alpha0, min_alpha, words_before (words of earlier epochs), total_words
           (all words of all epochs, of all processes; under MPI the other ranks'
           words reach the schedule through a progress slot, see distributed)
step       loss_every (the loss is measured on 1 in loss_every centre words),
           report_every (words between progress reports / stop checks),
           stop_within_sentence (publish and check the stop flag after every
           centre word: for slow steps), ahead (negatives the span loop draws one
           draw ahead into targets[1:]; 0: the step draws its own),
           shared_negatives (consecutive centre words served by one draw),
           scores_len (length of the per-thread score buffer), hot_rows /
           hot_every (hierarchical softmax with several threads: each thread
           trains private copies of the top hot_rows inner nodes and merges them
           every hot_every centre words, see hot_rows.py; 0 rows: all shared)
threads    spans (T x 2 int64: next position, end), states (uint64 RNG state of
           thread t at t * PAD), progress / loss_acc / pair_acc (words read, loss
           sum, positive pairs of this epoch at t * PAD), stop (int32[1]: set to
           stop every thread at its next report)
subwords   Wn (the n-gram rows the vocabulary uses, corpus.subwords.compact; 0 x D
           without --subwords), sub_offsets / sub_rows (word i's n-gram rows are
           Wn[sub_rows[sub_offsets[i]:sub_offsets[i + 1]]]; V + 1 zeros and none
           without --subwords)
"""

from __future__ import annotations

from typing import NamedTuple, Optional

import numpy as np

from ..huffman import HuffmanTables, huffman_tables
from .stream import PAD

# Hierarchical softmax with several threads: the top HOT_ROWS inner nodes of the
# Huffman tree are private to each thread, the sixteenth nearest the root merged
# every HOT_EVERY centre words, deeper ones less often (see hot_rows.py).  On GCIDE
# the top 1,024 nodes are 10.5 of a path's 13.8 nodes.  Two threads, quiet machine
# (bench_kernel --loss hs --threads 1,2 --hot-rows 0,1024): skip-gram window 2.53
# s/epoch with them private against 5.52 s all shared (4.95 against 10.97 CPU s;
# one thread 4.25 s), --batch pair 4.10 against 7.54 s, CBOW 1.27 against 1.66 s.
HOT_ROWS = 1024
HOT_EVERY = 64


class EpochInputs(NamedTuple):
    W: np.ndarray
    Wp: np.ndarray
    stream: np.ndarray
    keep: np.ndarray
    noise: np.ndarray
    points: np.ndarray
    codes: np.ndarray
    code_lengths: np.ndarray
    window: int
    negative: int
    cbow_mean: bool
    alpha0: float
    min_alpha: float
    words_before: int
    total_words: int
    loss_every: int
    report_every: int
    stop_within_sentence: bool
    ahead: int
    shared_negatives: int
    scores_len: int
    hot_rows: int
    hot_every: int
    spans: np.ndarray
    states: np.ndarray
    progress: np.ndarray
    loss_acc: np.ndarray
    pair_acc: np.ndarray
    stop: np.ndarray
    Wn: np.ndarray
    sub_offsets: np.ndarray
    sub_rows: np.ndarray


class ThreadState(NamedTuple):
    """The per-thread arrays of a bundle (a checkpoint saves and restores them)."""
    spans: np.ndarray
    states: np.ndarray
    progress: np.ndarray
    loss_acc: np.ndarray
    pair_acc: np.ndarray

    @classmethod
    def fresh(cls, threads: int) -> "ThreadState":
        slots = threads * PAD
        return cls(np.zeros((threads, 2), np.int64), np.zeros(slots, np.uint64), np.zeros(slots, np.int64),
                   np.zeros(slots, np.float64), np.zeros(slots, np.int64))


def epoch_inputs(stream, counts, W, Wp, opts, *, threads: int = 1, total_words: Optional[int] = None,
                 words_before: int = 0, thread_state: Optional[ThreadState] = None,
                 stop: Optional[np.ndarray] = None, hs: Optional[HuffmanTables] = None,
                 hot_rows: Optional[int] = None,
                 hot_every: int = HOT_EVERY, Wn: Optional[np.ndarray] = None,
                 subword_table=None) -> EpochInputs:
    """The bundle for training ``W``/``Wp`` (updated in place) on ``stream`` with
    the options ``opts`` (Resolved, or TrainOptions to resolve; its model/loss/batch pick the step's
    settings from the registry) and the vocabulary ``counts``.

    ``total_words`` defaults to the stream's words times ``opts.epochs``;
    ``thread_state`` (arrays shared with the caller, e.g. a checkpoint's) to
    fresh zeros for ``threads`` threads; ``hs`` to the Huffman tree of ``counts``
    for --loss hs (empty tables otherwise);
    ``hot_rows`` to HOT_ROWS private
    top nodes per thread when the registry entry asks for them and there are
    several threads (0 otherwise; one thread has nobody to share with).  With
    --subwords: ``Wn`` (the n-gram rows the vocabulary uses, updated in place)
    and ``subword_table`` (offsets, rows into Wn) of the vocabulary's words.  Call :func:`start_epoch` before each
    fresh epoch.
    """
    from ..sampling import build_alias, keep_probabilities, noise_weights, pack_alias
    from . import registry
    from ..options import Resolved

    if not isinstance(opts, Resolved):
        opts = opts.resolve()  # the defaults that depend on the model
    entry = registry.select(opts.model, opts.loss, opts.batch, subwords=opts.subwords)
    counts = np.asarray(counts)
    if Wn is None:
        Wn = np.zeros((0, W.shape[1]), W.dtype)
    if subword_table is None:
        subword_table = (np.zeros(len(counts) + 1, np.int64), np.zeros(0, np.int32))
    sub_offsets, sub_rows = subword_table
    if Wn.ndim != 2 or Wn.shape[1] != W.shape[1] or (Wn.shape[0] > 0 and not opts.ngram_rows) \
            or len(sub_offsets) != len(counts) + 1 or sub_offsets[-1] != len(sub_rows) \
            or (len(sub_rows) and (sub_rows.min() < 0 or sub_rows.max() >= Wn.shape[0])):
        from ...errors import W2VError  # the kernels do not check their row indices
        raise W2VError(f"the n-gram rows ({Wn.shape}) or the subword table do not fit the options "
                       f"(--subwords {opts.subwords}, {len(counts)} words)")
    if Wp.shape[0] != opts.output_rows(len(counts)):  # the kernels do not check their row indices
        from ...errors import W2VError
        raise W2VError(f"W' has {Wp.shape[0]} rows; --loss {opts.loss} over {len(counts)} words needs "
                       f"{opts.output_rows(len(counts))}")
    if total_words is None:
        total_words = int((np.asarray(stream) >= 0).sum()) * opts.epochs
    threads_ = thread_state if thread_state is not None else ThreadState.fresh(threads)
    if hs is None:
        # Built from the vocabulary's counts, which are the same on every MPI rank.
        hs = huffman_tables(counts) if opts.loss == "hs" else HuffmanTables.empty()
    if hs.code_lengths.shape[0] == 0:
        hot_rows = 0  # no tree, no top nodes
    elif hot_rows is None:
        hot_rows = HOT_ROWS if entry.private_top_nodes and threads_.spans.shape[0] > 1 else 0
    hot_rows = min(int(hot_rows), Wp.shape[0])
    return EpochInputs(
        W=W, Wp=Wp, stream=stream, keep=keep_probabilities(counts, opts.sample),
        noise=pack_alias(*build_alias(noise_weights(counts, opts.ns_exponent))),
        points=hs.points, codes=hs.codes, code_lengths=hs.code_lengths,
        window=int(opts.window), negative=int(opts.negative), cbow_mean=bool(not opts.cbow_sum),
        alpha0=float(opts.alpha), min_alpha=float(opts.min_alpha), words_before=int(words_before),
        total_words=int(total_words),
        loss_every=int(entry.loss_every), report_every=int(entry.report_every),
        stop_within_sentence=bool(entry.stop_within_sentence),
        ahead=int(opts.negative) if entry.draws_ahead else 0,
        shared_negatives=int(opts.shared_negatives) if entry.draws_ahead else 1,
        scores_len=int(Wp.shape[0]) if entry.needs_scores else 0,
        hot_rows=hot_rows, hot_every=max(1, int(hot_every)),
        spans=threads_.spans, states=threads_.states, progress=threads_.progress,
        loss_acc=threads_.loss_acc, pair_acc=threads_.pair_acc,
        stop=stop if stop is not None else np.zeros(1, np.int32),
        Wn=Wn, sub_offsets=np.ascontiguousarray(sub_offsets, np.int64),
        sub_rows=np.ascontiguousarray(sub_rows, np.int32))


def start_epoch(b: EpochInputs, epoch: int, seed: int, words_before: int, first_thread: int = 0) -> EpochInputs:
    """Split the stream evenly between the threads, seed each thread's RNG for
    (seed, epoch, thread), zero the counters; returns the bundle with
    ``words_before`` set.  Threads are numbered from ``first_thread`` (each MPI
    rank has its own, so every thread of the job draws its own numbers)."""
    from .rng import thread_seed

    threads = b.spans.shape[0]
    bounds = np.linspace(0, len(b.stream), threads + 1).astype(np.int64)
    b.spans[:, 0] = bounds[:-1]
    b.spans[:, 1] = bounds[1:]
    for t in range(threads):
        b.states[t * PAD] = thread_seed(seed, epoch, first_thread + t)
    for counter in (b.progress, b.loss_acc, b.pair_acc):
        counter[:] = 0
    return b._replace(words_before=int(words_before))


def idle(b: EpochInputs) -> EpochInputs:
    """A copy of ``b`` whose threads have nothing to do: calling an epoch kernel
    on it loads (or compiles) the kernel without training."""
    return b._replace(spans=np.zeros_like(b.spans), states=b.states.copy(), progress=np.zeros_like(b.progress),
                      loss_acc=np.zeros_like(b.loss_acc), pair_acc=np.zeros_like(b.pair_acc),
                      stop=np.zeros_like(b.stop))
