"""The training loop: corpus -> vocabulary -> id stream -> epochs of kernel calls.

:func:`train` is the library entry point the CLI wraps.  Its jobs live apart:
``prepare`` (id stream, ``--read-vocab``, initial vectors), ``schedule`` (the
learning rate), ``worker`` (the kernel's thread, Ctrl-C and SIGTERM),
``kernels.inputs`` (the bundle an epoch kernel takes) and ``kernels.registry``
(which kernel).  What stays here is the epoch loop: build the bundle once, run
each epoch in the worker while drawing the progress bar from the kernel's
shared counters, check for divergence, checkpoint.
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
import tempfile
import time
from typing import Callable, Iterable, List, Optional, Sequence, Union

import numpy as np

from . import corpus as corpus_mod
from .errors import TrainingDiverged, TrainingInterrupted, W2VError
from .options import TrainOptions
from .prepare import given_vectors, init_vectors, prepare_stream
from .vocab import Vocab
from .worker import run_in_worker, sigterm_as_interrupt

__all__ = ["TrainResult", "train", "init_vectors"]


@dataclasses.dataclass
class TrainResult:
    vocab: Vocab
    W: np.ndarray  # input vectors, the word embeddings (V x D float32)
    Wp: np.ndarray  # output (context) vectors
    loss_history: List[float]  # mean training loss (-J per positive pair) per epoch
    pair_history: List[int]  # positive (context, centre) pairs trained per epoch
    tokens: int  # corpus tokens read in pass 1
    train_words: int  # in-vocabulary tokens per epoch
    seconds: float  # wall time of the epochs trained by this call
    words_trained: int  # corpus words trained by this call (less than all epochs' after --resume)
    threads: int
    notes: List[str]
    # With train(evaluator=...): one dict per epoch trained (epoch, loss, scores,
    # seconds), and the evaluation time, which ``seconds`` excludes.
    eval_history: List[dict] = dataclasses.field(default_factory=list)
    eval_seconds: float = 0.0
    rank: int = 0  # this process's MPI rank; only rank 0 writes output
    ranks: int = 1  # processes in the MPI job (words_trained and seconds are the job's)

    @property
    def words(self) -> List[str]:
        return self.vocab.words

    @property
    def words_per_second(self) -> float:
        return self.words_trained / self.seconds if self.seconds > 0 else 0.0

    def keyed_vectors(self, context: bool = False):
        """W with the words; or W' (``context``), whose rows are the inner nodes
        node0 .. node{V-2} of the Huffman tree under --loss hs (node{V-2} the root)."""
        from .query import KeyedVectors
        if context and self.Wp.shape[0] != len(self.vocab):
            return KeyedVectors([f"node{i}" for i in range(self.Wp.shape[0])], self.Wp)
        return KeyedVectors(self.vocab.words, self.Wp if context else self.W)

    def save(self, path, binary: Optional[bool] = None, context: bool = False) -> None:
        self.keyed_vectors(context).save(path, binary=binary)


def train(corpus: Union[str, os.PathLike, Iterable[Sequence[str]]], options: Optional[TrainOptions] = None,
          *, vocab: Optional[Vocab] = None, progress: bool = True,
          on_epoch: Optional[Callable[[int, float], None]] = None,
          checkpoint: Optional[str] = None, resume: Optional[str] = None,
          initial: Optional[Sequence[np.ndarray]] = None, words_offset: Optional[np.ndarray] = None,
          schedule_words: Optional[int] = None, evaluator=None, init=None, init_context=None, init_vocab=None,
          **kwargs) -> TrainResult:
    """Train skip-gram vectors.

    ``corpus`` is a path to a text file (plain, .gz, .bz2, .xz; one sentence per
    line) or an iterable of token lists (it is read twice).  Options come as a
    :class:`TrainOptions` or as keyword arguments of the same names, e.g.
    ``train("text8", dim=200, epochs=3)``.  ``vocab`` fixes the vocabulary
    instead of counting it.  With ``checkpoint`` a checkpoint file is written
    after every epoch and when training is interrupted; ``resume`` continues
    from one (its options and vocabulary are used).  Returns a
    :class:`TrainResult` holding W, W' and the per-epoch loss.

    ``initial`` = (W, W') starts from these vectors instead of random ones
    (continued training; V x D each, V the vocabulary's size).  For training
    spread over several processes, ``schedule_words`` is the number of words
    the learning rate decays over (all processes' words of all epochs) and
    ``words_offset`` an int64[1] array holding the words the other processes
    have read; the kernels read it at every progress report.  ``evaluator``
    (e.g. an :class:`~w2v_cli.epoch_eval.EpochEvaluator`) is called as
    ``evaluator(words, W, epoch, epochs, loss)`` after every epoch; what it
    returns is kept in ``eval_history`` and its time is not training time.

    ``init`` continues training a model on ``corpus`` with the union of both
    vocabularies (w2v_cli.continued): ``init`` its vectors (a path, a
    ``(words, W)`` pair or KeyedVectors) or a checkpoint path, ``init_context``
    its W' (a path, a pair, or an array in ``init``'s row order),
    ``init_vocab`` its counts (a ``--save-vocab`` path, a Vocab or a dict;
    optional).  Without ``options`` or a ``dim`` keyword the dimension is the
    model's; a different one is refused.
    """
    from . import distributed

    first = None
    if init is not None or init_context is not None or init_vocab is not None:
        from .continued import load
        first = load(init, init_context, init_vocab, resume=resume)
        if options is None and "dim" not in kwargs:
            kwargs["dim"] = first.dim
    cluster = distributed.from_environment()  # None unless started by mpiexec -n N, N > 1
    if cluster is not None:
        cluster.slow_epoch_starts = checkpoint is not None
        # Every rank gets the same errors here and below; rank 0 reports them.
        with distributed.everywhere():
            return _train(cluster, corpus, options, vocab, progress and cluster.rank == 0, on_epoch,
                          checkpoint if cluster.rank == 0 else None, resume, initial, words_offset,
                          schedule_words, evaluator, kwargs, first)
    return _train(None, corpus, options, vocab, progress, on_epoch, checkpoint, resume, initial, words_offset,
                  schedule_words, evaluator, kwargs, first)


def _train(cluster, corpus, options, vocab, progress, on_epoch, checkpoint, resume, initial, words_offset,
           schedule_words, evaluator, kwargs, first=None) -> TrainResult:
    from . import checkpoint as ckpt
    from . import jit

    jit.configure()  # before the kernels are imported (see w2v_cli.jit)

    notes: List[str] = []
    state = None
    if resume is not None:
        state, vocab, opts, saved_corpus = ckpt.load(resume)
        notes.append(f"resuming from {resume} after {state.epoch} epochs; options and vocabulary come from the checkpoint")
        from .distributed import check_resume
        check_resume(saved_corpus, resume, cluster.size if cluster is not None else 1)
    else:
        opts = dataclasses.replace(options or TrainOptions(), **kwargs).validate()
    if first is not None:
        from .continued import check_options
        check_options(first, opts, vocab)
    from .kernels import registry

    registry.select(opts.model, opts.loss, opts.batch)  # a combination without a kernel fails here, not after pass 2
    threads = state.threads if state is not None else opts.resolved_threads()
    if cluster is not None and state is None and not opts.threads:
        from .options import available_cores
        threads = cluster.default_threads(available_cores())
    if state is None and opts.threads and opts.threads > threads:
        notes.append(f"--threads {opts.threads} capped at the {threads} cores of this machine")

    with sigterm_as_interrupt(), tempfile.TemporaryDirectory(prefix="w2v-") as workdir:
        try:
            union = None
            if first is not None:  # continued training: the union vocabulary, chosen while the corpus is read
                from .continued import Union
                union = Union(first, opts.min_count)
            vocab, stream, train_words, tokens, stream_notes = prepare_stream(corpus, opts, union or vocab, workdir,
                                                                              cluster)
        except KeyboardInterrupt:
            raise TrainingInterrupted("interrupted while reading the corpus; nothing was written") from None
        if first is not None:  # the old words' rows carried over
            from .continued import carried_vectors
            initial = carried_vectors(first, vocab, opts.seed)
            notes.extend(union.notes(vocab))
        notes.extend(stream_notes)
        corpus_info = {"stream_items": int(len(stream)), "train_words": int(train_words)} if cluster is None \
            else cluster.corpus_info(train_words)
        if state is not None and saved_corpus != corpus_info:
            raise W2VError(f"corpus does not match checkpoint {resume}: it was trained on "
                           f"{saved_corpus['train_words']:,} words, this corpus has {train_words:,}; "
                           f"to continue training on new text, use --init {resume}")
        if opts.loss == "softmax" and len(vocab) > 50_000 and not opts.force:
            raise W2VError(f"--loss softmax over {len(vocab)} words is hopelessly slow (limit 50000); use --loss ns or add --force")
        if state is None:
            if initial is not None:
                W, Wp = given_vectors(initial, len(vocab), opts.dim, opts.output_rows(len(vocab)))
            else:
                W, Wp = init_vectors(len(vocab), opts.dim, opts.seed, opts.output_rows(len(vocab)))
            state = _fresh_state(W, Wp, threads)

        def save_checkpoint():
            if checkpoint is not None:
                ckpt.save(checkpoint, state, vocab, opts, corpus_info)

        done_at_start = _words_done(state, train_words)
        eval_history, eval_seconds = [], [0.0]
        if evaluator is not None:
            on_epoch = _evaluating(on_epoch, evaluator, vocab, state, opts.epochs, eval_history, eval_seconds)
        seconds = _run_epochs(stream, vocab, state, opts, train_words, progress, on_epoch, save_checkpoint,
                              checkpoint, words_offset, schedule_words, cluster) - eval_seconds[0]
        words_trained = _words_done(state, train_words) - done_at_start
        del stream  # release the memory map before the directory goes
    if cluster is not None:
        from . import distributed
        cluster.make_identical(state.W, state.Wp)
        notes.append(distributed.summary(cluster, threads))
    return TrainResult(vocab, state.W, state.Wp, state.history, state.pair_history, tokens, train_words,
                       seconds, words_trained, threads, notes, eval_history, eval_seconds[0],
                       *((cluster.rank, cluster.size) if cluster is not None else ()))


def _evaluating(on_epoch, evaluator, vocab, state, epochs, history, seconds):
    """on_epoch, preceded by evaluating W; the time spent is added to seconds[0]."""
    def hook(epoch, loss):
        start = time.perf_counter()
        history.append(evaluator(vocab.words, state.W, epoch + 1, epochs, loss))
        seconds[0] += time.perf_counter() - start
        if on_epoch is not None:
            on_epoch(epoch, loss)
    return hook


def _words_done(state, train_words: int) -> int:
    """Corpus words trained so far over all epochs (what the schedule counts)."""
    return state.epoch * train_words + (int(state.progress.sum()) if state.in_epoch else 0)


def _fresh_state(W, Wp, threads: int):
    from .checkpoint import LoopState
    from .kernels.inputs import ThreadState

    t = ThreadState.fresh(threads)
    return LoopState(W=W, Wp=Wp, epoch=0, spans=t.spans, rng=t.states, progress=t.progress,
                     loss_acc=t.loss_acc, pair_acc=t.pair_acc, history=[], pair_history=[], in_epoch=False)


def _run_epochs(stream, vocab, state, opts: TrainOptions, train_words: int, progress: bool,
                on_epoch, save_checkpoint, checkpoint_path, words_offset=None, schedule_words=None,
                cluster=None) -> float:
    import numba

    from .kernels import registry
    from .kernels.inputs import ThreadState, epoch_inputs, idle, start_epoch
    from .progress import TrainProgress

    kernel = registry.select(opts.model, opts.loss, opts.batch).epoch
    numba.set_num_threads(state.threads)
    if cluster is not None:
        cluster.prepare_state(state)  # a progress slot for the other ranks' words
    total = train_words * opts.epochs if schedule_words is None else int(schedule_words)
    threads = ThreadState(state.spans, state.rng, state.progress, state.loss_acc, state.pair_acc)
    b = epoch_inputs(stream, vocab.counts, state.W, state.Wp, opts, total_words=total, thread_state=threads,
                     words_offset=words_offset)
    # Load (or compile) the kernel on empty spans before the clock starts: that is
    # start-up cost, reported apart from training speed.
    kernel(idle(b))
    bar = TrainProgress(total, opts.alpha, opts.final_alpha, enabled=progress)
    start = time.perf_counter()
    released = [start]
    try:
        while state.epoch < opts.epochs:
            epoch = state.epoch
            done_before = epoch * train_words
            if not state.in_epoch:
                start_epoch(b, epoch, opts.seed, done_before,
                            first_thread=cluster.first_thread(state.threads) if cluster is not None else 0)
                state.in_epoch = True
            b = b._replace(words_before=done_before)
            sync = cluster.epoch_sync(state, opts.sync_period) if cluster is not None else None

            def poll():
                if sync is not None:
                    sync.watch(b.stop)  # a failed sync stops the kernel
                bar.update(done_before + int(b.words_offset[0]) + int(state.progress.sum()),
                           state.loss_acc.sum(), int(state.pair_acc.sum()))
                # About once a second: a few MB of the stream stay resident, not all of it.
                if time.perf_counter() - released[0] > 1.0:
                    corpus_mod.release_pages(stream)
                    released[0] = time.perf_counter()

            # Under MPI: rows merged while the kernel runs, all of them once every rank is done.
            with sync if sync is not None else contextlib.nullcontext():
                run_in_worker(kernel, b, poll)
            loss_sum, pairs = sync.totals() if sync is not None else (state.loss_acc.sum(), int(state.pair_acc.sum()))
            mean_loss = float(loss_sum / pairs) if pairs else float("nan")
            # An epoch with no pairs (every word subsampled away) has no loss; that is not divergence.
            if (pairs and not np.isfinite(mean_loss)) or not np.isfinite(state.W).all() \
                    or not np.isfinite(state.Wp).all():
                raise TrainingDiverged(
                    f"training diverged in epoch {epoch + 1} (loss {mean_loss}); lower --alpha (now {opts.alpha})")
            state.history.append(mean_loss)
            state.pair_history.append(pairs)
            state.epoch += 1
            state.in_epoch = False
            save_checkpoint()
            bar.epoch_done(epoch + 1, mean_loss)
            if on_epoch is not None:
                on_epoch(epoch, mean_loss)
    except KeyboardInterrupt:
        done_words = _words_done(state, train_words)
        where = f"after {done_words:,} of {total:,} words ({100.0 * done_words / total:.1f} %)"
        if checkpoint_path is None or cluster is not None:
            raise TrainingInterrupted(f"training interrupted {where}; nothing was written") from None
        save_checkpoint()
        raise TrainingInterrupted(
            f"training interrupted {where}; checkpoint written to {checkpoint_path}, continue with --resume {checkpoint_path}") from None
    finally:
        bar.close()
    return time.perf_counter() - start
