"""The training loop: corpus -> vocabulary -> id stream -> epochs of kernel calls.

:func:`train` is the library entry point the CLI wraps.  It settles a
:class:`RunPlan` (options resolved once, the checkpoint to resume, the model to
continue, the kernel), then runs it.  Its jobs live apart: ``corpus.pipeline``
(the id stream), ``training.initial`` (starting vectors), ``schedule`` (the
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

from ..corpus.stream import release_pages
from ..corpus.vocab import Vocab
from ..errors import TrainingDiverged, TrainingInterrupted, W2VError
from .initial import given_vectors, init_vectors
from .options import SOFTMAX_MAX_WORDS, Resolved, TrainOptions, available_cores
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
    options: Optional[dict] = None  # the resolved options the run trained with (saved in .w2v files)
    # --subwords: the n-gram rows the vocabulary uses (Wn[i] is bucket row ngram_ids[i]),
    # word i's rows into Wn (offsets, rows), and the n-gram settings.
    Wn: Optional[np.ndarray] = None
    ngram_ids: Optional[np.ndarray] = None
    subword_table: Optional[tuple] = None
    subwords: Optional[dict] = None  # {"minn", "maxn", "bucket"}

    @property
    def words(self) -> List[str]:
        return self.vocab.words

    @property
    def words_per_second(self) -> float:
        return self.words_trained / self.seconds if self.seconds > 0 else 0.0

    def full_vectors(self) -> np.ndarray:
        """Each word's vector: W, or with --subwords the mean of its row and its
        n-gram rows (fastText's word vector, what its .vec file holds)."""
        if self.Wn is None:
            return self.W
        return _full_vectors(self.W, self.Wn, self.subword_table)

    def ngrams(self) -> np.ndarray:
        """--subwords: the n-gram matrix as fastText lays it out (bucket x D,
        row r the n-grams hashed to r); rows no vocabulary word uses are zero."""
        out = np.zeros((self.subwords["bucket"], self.W.shape[1]), np.float32)
        out[self.ngram_ids] = self.Wn
        return out

    def subword_model(self):
        """--subwords: the model as a ``vectors.fasttext.FastTextModel`` (a vector for any word)."""
        from ..vectors.fasttext import FastTextModel
        s = self.subwords
        return FastTextModel("<trained>", list(self.vocab.words), self.vocab.counts, self.W, self.ngrams(),
                             s["minn"], s["maxn"], s["bucket"], {"model": "skipgram", "loss": "ns"})

    def keyed_vectors(self, context: bool = False):
        """W with the words (with --subwords: the full vectors); or W' (``context``), whose rows are the inner nodes
        node0 .. node{V-2} of the Huffman tree under --loss hs (node{V-2} the root)."""
        from ..vectors.keyed import KeyedVectors
        if context and self.Wp.shape[0] != len(self.vocab):
            return KeyedVectors([f"node{i}" for i in range(self.Wp.shape[0])], self.Wp)
        return KeyedVectors(self.vocab.words, self.Wp if context else self.full_vectors())

    @property
    def wv(self):
        """The trained vectors as a KeyedVectors (gensim's ``model.wv``)."""
        return self.keyed_vectors()

    def save(self, path, binary: Optional[bool] = None, context: bool = False) -> None:
        """A vectors file (binary unless ``binary=False`` or a text name), or for a
        ``.w2v`` name the model file: W, W', the counts and the options in one file."""
        if not context and binary is None and os.fspath(path).lower().endswith(".w2v"):
            self.save_model(path)
            return
        self.keyed_vectors(context).save(path, binary=binary)

    def save_model(self, path) -> None:
        """The ``.w2v`` model file (docs/model-file.md), written atomically."""
        from ..vectors import model_file
        hs = self.Wp.shape[0] != len(self.vocab)
        sub = {}
        if self.Wn is not None and len(self.Wn):
            # The full vectors (as fastText's .vec) and only the n-gram rows the
            # vocabulary uses, with their buckets: all 2 M x D would be 800 MB of
            # mostly untrained rows.  W itself is not stored: queries use the full vectors.
            sub = dict(subwords=self.subwords, ngrams=self.Wn, ngram_ids=self.ngram_ids)
        model_file.save(path, self.vocab.words, self.full_vectors(), counts=self.vocab.counts, context=self.Wp,
                        context_kind="huffman-nodes" if hs else "words", options=self.options, **sub)


@dataclasses.dataclass(frozen=True)
class RunPlan:
    """Everything one call of :func:`train` settled before reading the corpus."""
    corpus: object  # paths or token lists (corpus.pipeline.prepare)
    opts: Resolved
    vocab: object  # None, a fixed Vocab (--read-vocab), or continued training's Union
    progress: bool
    on_epoch: Optional[Callable[[int, float], None]]
    checkpoint: Optional[str]  # written after every epoch (rank 0 only)
    resume: Optional[str]
    state: object  # the checkpoint's LoopState when resuming, else None
    saved_corpus: Optional[dict]  # the checkpoint's corpus record when resuming
    initial: Optional[Sequence[np.ndarray]]  # (W, W') to start from
    first: object  # continued training's FirstModel, or None
    evaluator: object
    cluster: object  # the MPI job, or None
    notes: tuple


def train(corpus: Union[str, os.PathLike, Iterable[Sequence[str]]], options: Optional[TrainOptions] = None,
          *, vocab: Optional[Vocab] = None, progress: bool = True,
          on_epoch: Optional[Callable[[int, float], None]] = None,
          checkpoint: Optional[str] = None, resume: Optional[str] = None,
          initial: Optional[Sequence[np.ndarray]] = None, evaluator=None, init=None, init_context=None,
          init_vocab=None, **kwargs) -> TrainResult:
    """Train word vectors.

    ``corpus`` is a path to a text file (plain, .gz, .bz2, .xz; one sentence per
    line), a directory or a list of paths, or an iterable of token lists (it is
    read twice).  Options come as a :class:`TrainOptions` or as keyword
    arguments of the same names, e.g. ``train("text8", dim=200, epochs=3)``.
    ``vocab`` fixes the vocabulary instead of counting it.  With
    ``checkpoint`` a checkpoint file is written after every epoch and when
    training is interrupted; ``resume`` continues from one (its options and
    vocabulary are used).  ``on_epoch(epoch, loss)`` is called after every
    epoch.  Returns a :class:`TrainResult` holding W, W' and the per-epoch loss.

    ``initial`` = (W, W') starts from these vectors instead of random ones
    (V x D each, V the vocabulary's size).  ``evaluator`` (e.g. an
    :class:`~w2v_cli.training.epoch_eval.EpochEvaluator`) is called as
    ``evaluator(words, W, epoch, epochs, loss)`` after every epoch; what it
    returns is kept in ``eval_history`` and its time is not training time.

    ``init`` continues training a model on ``corpus`` with the union of both
    vocabularies (w2v_cli.training.continued): ``init`` its vectors (a path, a
    ``(words, W)`` pair or KeyedVectors) or a checkpoint path, ``init_context``
    its W' (a path, a pair, or an array in ``init``'s row order),
    ``init_vocab`` its counts (a ``--save-vocab`` path, a Vocab or a dict;
    optional).  Unless a dimension is given, it is the model's; a different
    one is refused.

    Started by ``mpiexec -n N`` (N > 1), the ranks train one model together
    (w2v_cli.training.distributed); rank 0's result holds it.
    """
    from . import distributed

    cluster = distributed.from_environment()  # None unless started by mpiexec -n N, N > 1
    if cluster is None:
        return _run(_plan(corpus, options, kwargs, vocab, progress, on_epoch, checkpoint, resume, initial,
                          evaluator, init, init_context, init_vocab, None))
    cluster.slow_epoch_starts = checkpoint is not None
    # Every rank gets the same errors here and below; rank 0 reports them.
    with distributed.everywhere():
        return _run(_plan(corpus, options, kwargs, vocab, progress and cluster.rank == 0, on_epoch,
                          checkpoint if cluster.rank == 0 else None, resume, initial, evaluator, init,
                          init_context, init_vocab, cluster))


def _plan(corpus, options, kwargs, vocab, progress, on_epoch, checkpoint, resume, initial, evaluator,
          init, init_context, init_vocab, cluster) -> RunPlan:
    """Settle the run: the checkpoint to resume, the model to continue, the
    options (resolved once), the kernel; nothing is read from the corpus yet."""
    from .. import jit
    from . import checkpoint as ckpt
    from .kernels import registry

    jit.configure()  # before the kernels are imported (see w2v_cli.jit)
    from numba.core import config as numba_config

    allowed = max(1, int(numba_config.NUMBA_NUM_THREADS))  # numba.set_num_threads refuses more
    notes: List[str] = []
    if checkpoint is not None:  # the library's callers get the CLI's guard (atomic.check_outputs) too
        from ..atomic import check_outputs
        from ..corpus.sources import corpus_files

        paths = [(flag, p) for flag, p in (("--init", init), ("--init-context", init_context),
                                            ("--init-vocab", init_vocab), ("--resume", resume))
                 if isinstance(p, (str, os.PathLike))]
        check_outputs([("corpus", p) for p in corpus_files(corpus) or []] + paths, [("--checkpoint", checkpoint)],
                      allowed=[(resume, checkpoint)] if isinstance(resume, (str, os.PathLike)) else ())
    first = None
    if init is not None or init_context is not None or init_vocab is not None:
        from .continued import load
        first = load(init, init_context, init_vocab, resume=resume)
    state = saved_corpus = None
    if resume is not None:
        state, vocab, opts, saved_corpus = ckpt.load(resume)
        notes.append(f"resuming from {resume} after {state.epoch} epochs; options and vocabulary come from the checkpoint")
        if state.threads > allowed:
            notes.append(f"{resume} was written by {state.threads} threads; the epochs left are split among "
                         f"{allowed} thread{'s' if allowed > 1 else ''}: NUMBA_NUM_THREADS={allowed} allows no more")
            state, opts = _fewer_threads(state, opts, allowed, resume)
        from .distributed import check_resume
        check_resume(saved_corpus, resume, cluster.size if cluster is not None else 1)
    else:
        asked = dataclasses.replace(options or TrainOptions(), **kwargs)
        cores = available_cores()
        opts = asked.resolve(init_dim=first.dim if first is not None else None, cluster=cluster,
                             cores=min(cores, allowed))
        numba_cap = f"the {allowed} threads Numba allows here (NUMBA_NUM_THREADS={allowed})"
        if asked.threads and asked.threads > opts.threads:
            notes.append(f"--threads {asked.threads} capped at " + (numba_cap if allowed < cores and
                         asked.threads > allowed else f"the {opts.threads} cores of this machine"))
        elif not asked.threads and allowed < cores:
            notes.append(f"training with {opts.threads} threads, not this machine's {cores} cores: {numba_cap}")
    if first is not None:
        from .continued import Union, check_options
        check_options(first, opts, vocab)
        vocab = Union(first, opts.min_count)
    if opts.subwords and (first is not None or initial is not None):
        raise W2VError("--subwords does not continue a model yet (--init / initial vectors); "
                       "use --resume CHECKPOINT to continue an interrupted --subwords run")
    # a combination without a kernel fails here, not after pass 2
    registry.select(opts.model, opts.loss, opts.batch, subwords=opts.subwords)
    return RunPlan(corpus, opts, vocab, progress, on_epoch, checkpoint, resume, state, saved_corpus, initial, first,
                   evaluator, cluster, tuple(notes))


def _fewer_threads(state, opts, allowed: int, path):
    """A checkpoint written by more threads than Numba allows here: between
    epochs the next epoch is split among fewer threads; in the middle of one,
    each thread's place in its span cannot be shared out, so it is refused."""
    if state.in_epoch:
        raise W2VError(f"checkpoint {path} was written by {state.threads} threads in the middle of an epoch, and "
                       f"Numba allows {allowed} here (NUMBA_NUM_THREADS={allowed}); resume it where "
                       f"{state.threads} threads are allowed (NUMBA_NUM_THREADS={state.threads})")
    fresh = _fresh_state(state.W, state.Wp, allowed)
    fresh.epoch, fresh.history, fresh.pair_history = state.epoch, state.history, state.pair_history
    return fresh, dataclasses.replace(opts, threads=allowed)


def _run(plan: RunPlan) -> TrainResult:
    """Read the corpus, train the epochs, return the result."""
    from ..corpus.pipeline import prepare
    from . import checkpoint as ckpt

    opts, cluster, state = plan.opts, plan.cluster, plan.state
    notes = list(plan.notes)
    with sigterm_as_interrupt(), tempfile.TemporaryDirectory(prefix="w2v-") as workdir:
        try:
            prepared = prepare(plan.corpus, workdir, min_count=opts.min_count, max_vocab=opts.max_vocab,
                               vocab=plan.vocab, threads=opts.threads, cluster=cluster)
        except KeyboardInterrupt:
            raise TrainingInterrupted("interrupted while reading the corpus; nothing was written") from None
        vocab, stream, train_words, tokens = prepared.vocab, prepared.stream, prepared.train_words, prepared.tokens
        initial = plan.initial
        if plan.first is not None:  # the old words' rows carried over
            from .continued import carried_vectors
            initial = carried_vectors(plan.first, vocab, opts.seed)
            notes.extend(plan.vocab.notes(vocab))
        notes.extend(prepared.notes)
        corpus_info = {"stream_items": int(len(stream)), "train_words": int(train_words)} if cluster is None \
            else cluster.corpus_info(train_words)
        if state is not None and plan.saved_corpus != corpus_info:
            raise W2VError(f"corpus does not match checkpoint {plan.resume}: it was trained on "
                           f"{plan.saved_corpus['train_words']:,} words, this corpus has {train_words:,}; "
                           f"to continue training on new text, use --init {plan.resume}")
        if state is not None and state.in_epoch and int(state.spans[:, 1].max(initial=0)) > len(stream):
            raise W2VError(f"checkpoint {plan.resume} is not a usable w2v checkpoint: its thread spans go past "
                           f"the {len(stream):,} items of this process's corpus")
        if opts.loss == "softmax" and len(vocab) > SOFTMAX_MAX_WORDS and not opts.force:
            raise W2VError(f"--loss softmax over {len(vocab)} words is hopelessly slow (limit "
                           f"{SOFTMAX_MAX_WORDS}); use --loss ns or add --force")
        table, ngram_ids = _subword_rows(vocab, opts)
        if state is None:
            rows = opts.output_rows(len(vocab))
            from .memory import check_fits
            check_fits((len(vocab) + rows) * opts.dim * 4,
                       f"the vectors W and W' ({len(vocab):,} words x {opts.dim:,} dimensions)")
            if initial is not None:
                W, Wp = given_vectors(initial, len(vocab), opts.dim, rows)
            else:
                W, Wp = init_vectors(len(vocab), opts.dim, opts.seed, rows)
            state = _fresh_state(W, Wp, opts.threads)
            if opts.subwords:
                state.Wn = _init_ngrams(len(ngram_ids), opts.dim, opts.seed)
        elif opts.subwords and state.Wn.shape[0] != len(ngram_ids):
            raise W2VError(f"checkpoint {plan.resume} holds {state.Wn.shape[0]} n-gram rows, but its vocabulary "
                           f"uses {len(ngram_ids)}")

        def save_checkpoint():
            if plan.checkpoint is not None:
                ckpt.save(plan.checkpoint, state, vocab, opts, corpus_info)

        done_at_start = _words_done(state, train_words)
        eval_history, eval_seconds = [], [0.0]
        on_epoch = plan.on_epoch
        if plan.evaluator is not None:
            on_epoch = _evaluating(on_epoch, plan.evaluator, vocab, state, opts.epochs, eval_history, eval_seconds,
                                   table)
        seconds = _run_epochs(stream, vocab, state, opts, train_words, plan.progress, on_epoch, save_checkpoint,
                              plan.checkpoint, cluster, table) - eval_seconds[0]
        words_trained = _words_done(state, train_words) - done_at_start
        del stream, prepared  # release the memory map before the directory goes
    if cluster is not None:
        from . import distributed
        cluster.make_identical(state.W, state.Wp)
        notes.append(distributed.summary(cluster, state.threads))
    result = TrainResult(vocab, state.W, state.Wp, state.history, state.pair_history, tokens, train_words, seconds,
                         words_trained, state.threads, notes, eval_history, eval_seconds[0],
                         *((cluster.rank, cluster.size) if cluster is not None else (0, 1)),
                         options=dataclasses.asdict(opts))
    if opts.subwords:
        result.Wn, result.ngram_ids, result.subword_table = state.Wn, ngram_ids, table
        result.subwords = {"minn": int(opts.minn), "maxn": int(opts.maxn), "bucket": int(opts.bucket)}
    return result


def _subword_rows(vocab, opts: Resolved):
    """With --subwords: ((offsets, rows into Wn), the bucket row of each row of Wn)
    for the vocabulary's words (corpus.subwords); else (None, None)."""
    if not opts.subwords:
        return None, None
    from ..corpus.subwords import compact, subword_table

    offsets, rows = subword_table(vocab.words, opts.minn, opts.maxn, opts.bucket, engine="numba")
    used, local = compact(offsets, rows)
    return (offsets, local), used


def _init_ngrams(rows: int, dim: int, seed: int) -> np.ndarray:
    """The n-gram rows' start: uniform in [-1/D, 1/D] as W's (fastText draws its
    whole input matrix so), from a stream of their own so W is as without --subwords."""
    rng = np.random.default_rng([seed, 25])
    Wn = rng.random((rows, dim), dtype=np.float32)
    Wn *= 2
    Wn -= 1
    Wn /= dim
    return Wn


def _full_vectors(W, Wn, table) -> np.ndarray:
    from .kernels.subwords import full_vectors

    return full_vectors(W, Wn, table[0], table[1])


def _evaluating(on_epoch, evaluator, vocab, state, epochs, history, seconds, table=None):
    """on_epoch, preceded by evaluating W (with --subwords, the full vectors); the time spent is added to seconds[0]."""
    def hook(epoch, loss):
        start = time.perf_counter()
        vectors = state.W if state.Wn is None else _full_vectors(state.W, state.Wn, table)
        history.append(evaluator(vocab.words, vectors, epoch + 1, epochs, loss))
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


def _run_epochs(stream, vocab, state, opts: Resolved, train_words: int, progress: bool,
                on_epoch, save_checkpoint, checkpoint_path, cluster=None, table=None) -> float:
    import numba

    from .kernels import registry
    from .kernels.inputs import ThreadState, epoch_inputs, idle, start_epoch
    from .progress import TrainProgress

    kernel = registry.select(opts.model, opts.loss, opts.batch, subwords=opts.subwords).epoch
    numba.set_num_threads(state.threads)
    if cluster is not None:
        cluster.prepare_state(state)  # a progress slot for the other ranks' words
    total = train_words * opts.epochs
    threads = ThreadState(state.spans, state.rng, state.progress, state.loss_acc, state.pair_acc)
    b = epoch_inputs(stream, vocab.counts, state.W, state.Wp, opts, total_words=total, thread_state=threads,
                     Wn=state.Wn, subword_table=table)
    # Load (or compile) the kernel on empty spans before the clock starts: that is
    # start-up cost, reported apart from training speed.
    kernel(idle(b))
    bar = TrainProgress(total, opts.alpha, opts.min_alpha, enabled=progress)
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
                bar.update(done_before + int(state.progress.sum()),
                           state.loss_acc.sum(), int(state.pair_acc.sum()))
                # About once a second: a few MB of the stream stay resident, not all of it.
                if time.perf_counter() - released[0] > 1.0:
                    release_pages(stream)
                    released[0] = time.perf_counter()

            # Under MPI: rows merged while the kernel runs, all of them once every rank is done.
            with sync if sync is not None else contextlib.nullcontext():
                run_in_worker(kernel, b, poll)
            loss_sum, pairs = sync.totals() if sync is not None else (state.loss_acc.sum(), int(state.pair_acc.sum()))
            mean_loss = float(loss_sum / pairs) if pairs else float("nan")
            # An epoch with no pairs (every word subsampled away) has no loss; that is not divergence.
            if (pairs and not np.isfinite(mean_loss)) or not np.isfinite(state.W).all() \
                    or not np.isfinite(state.Wp).all() or (state.Wn is not None and not np.isfinite(state.Wn).all()):
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
