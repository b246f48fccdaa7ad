"""The training loop: corpus -> vocabulary -> id stream -> epochs of kernel calls.

:func:`train` is the library entry point the CLI wraps.  The kernel for an epoch
runs in a worker thread (Numba releases the GIL); the calling thread meanwhile
draws the progress bar from the kernel's shared counters and turns Ctrl-C or
SIGTERM into a stop flag the kernel checks every few thousand words, so a stop
takes effect within a fraction of a second.
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
import signal
import tempfile
import threading
import time
from typing import Callable, Iterable, List, Optional, Sequence, Union

import numpy as np

from . import corpus as corpus_mod
from .errors import TrainingDiverged, TrainingInterrupted, W2VError, interrupt_on_signal
from .options import TrainOptions
from .sampling import build_alias, keep_probabilities, noise_weights, pack_alias
from .vocab import Vocab


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
    rank: int = 0  # this process's MPI rank; only rank 0 writes output
    ranks: int = 1  # processes in the MPI job (words_trained and seconds are the job's)

    @property
    def words(self) -> List[str]:
        return self.vocab.words

    @property
    def words_per_second(self) -> float:
        return self.words_trained / self.seconds if self.seconds > 0 else 0.0

    def keyed_vectors(self, context: bool = False):
        from .query import KeyedVectors
        return KeyedVectors(self.vocab.words, self.Wp if context else self.W)

    def save(self, path, binary: Optional[bool] = None, context: bool = False) -> None:
        self.keyed_vectors(context).save(path, binary=binary)


def _prepare_stream(corpus, opts: TrainOptions, vocab: Optional[Vocab], workdir: str, cluster=None):
    """Passes 1 and 2.  Returns (vocab, stream, train_words, tokens, notes).
    Under MPI (``cluster``) the stream is this rank's share and train_words
    counts the whole corpus."""
    notes: List[str] = []
    if isinstance(corpus, (str, bytes, os.PathLike)):
        counted = (cluster or corpus_mod).count_words(corpus, opts.min_count, opts.max_vocab)
        if vocab is not None:
            counted = _with_vocab(counted, vocab)
        stream, train_words = (cluster or corpus_mod).encode_corpus(corpus, counted, os.path.join(workdir, "ids.int32"))
    else:
        sentences = corpus_mod.as_byte_sentences(corpus)
        counted = corpus_mod.count_tokens(sentences(), opts.min_count, opts.max_vocab, source="corpus")
        if vocab is not None:
            counted = _with_vocab(counted, vocab)
        stream, train_words = corpus_mod.encode_tokens(sentences(), counted)
        if cluster is not None:
            stream, train_words = cluster.slice_stream(stream)
    if counted.truncated:
        n = counted.truncated
        notes.append(f"{n} distinct word{'s' if n > 1 else ''} longer than {corpus_mod.MAX_WORD_BYTES} bytes "
                     f"{'were' if n > 1 else 'was'} truncated to {corpus_mod.MAX_WORD_BYTES} bytes, as word2vec.c does")
    if train_words == 0:
        raise W2VError("no word of the vocabulary occurs in the corpus")
    return counted.vocab, np.asarray(stream), train_words, counted.tokens, notes


def _with_vocab(counted, vocab: Vocab):
    """Train with a vocabulary read from a file (``--read-vocab``): its words and
    counts decide ids, noise and subsampling; corpus words outside it are dropped."""
    lookup = {}
    for raw, i in counted.lookup.items():
        j = vocab.index.get(counted.vocab.words[i])
        if j is not None:
            lookup[raw] = j
    return corpus_mod.CountResult(vocab, counted.tokens, lookup, counted.truncated)


def init_vectors(n_words: int, dim: int, seed: int):
    """word2vec.c's initialisation: W uniform in [-0.5/D, 0.5/D], W' zero."""
    rng = np.random.default_rng(seed)
    W = ((rng.random((n_words, dim), dtype=np.float32) - 0.5) / dim).astype(np.float32)
    Wp = np.zeros((n_words, dim), dtype=np.float32)
    return W, Wp


@contextlib.contextmanager
def _sigterm_as_interrupt():
    """Let SIGTERM stop training the way Ctrl-C does (main thread only)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    previous = signal.signal(signal.SIGTERM, interrupt_on_signal)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def train(corpus: Union[str, os.PathLike, Iterable[Sequence[str]]], options: Optional[TrainOptions] = None,
          *, vocab: Optional[Vocab] = None, progress: bool = True,
          on_epoch: Optional[Callable[[int, float], None]] = None,
          checkpoint: Optional[str] = None, resume: Optional[str] = None, **kwargs) -> TrainResult:
    """Train skip-gram vectors.

    ``corpus`` is a path to a text file (plain, .gz, .bz2, .xz; one sentence per
    line) or an iterable of token lists (it is read twice).  Options come as a
    :class:`TrainOptions` or as keyword arguments of the same names, e.g.
    ``train("text8", dim=200, epochs=3)``.  ``vocab`` fixes the vocabulary
    instead of counting it.  With ``checkpoint`` a checkpoint file is written
    after every epoch and when training is interrupted; ``resume`` continues
    from one (its options and vocabulary are used).  Returns a
    :class:`TrainResult` holding W, W' and the per-epoch loss.
    """
    from . import distributed

    cluster = distributed.from_environment()  # None unless started by mpiexec -n N, N > 1
    if cluster is not None:
        cluster.slow_epoch_starts = checkpoint is not None
        # Every rank gets the same errors here and below; rank 0 reports them.
        with distributed.everywhere():
            return _train(cluster, corpus, options, vocab, progress and cluster.rank == 0, on_epoch,
                          checkpoint if cluster.rank == 0 else None, resume, kwargs)
    return _train(None, corpus, options, vocab, progress, on_epoch, checkpoint, resume, kwargs)


def _train(cluster, corpus, options, vocab, progress, on_epoch, checkpoint, resume, kwargs) -> TrainResult:
    from . import checkpoint as ckpt

    notes: List[str] = []
    state = None
    if resume is not None:
        state, vocab, opts, saved_corpus = ckpt.load(resume)
        notes.append(f"resuming from {resume} after {state.epoch} epochs; options and vocabulary come from the checkpoint")
        from .distributed import check_resume
        check_resume(saved_corpus, resume, cluster.size if cluster is not None else 1)
    else:
        opts = dataclasses.replace(options or TrainOptions(), **kwargs).validate()
    threads = state.threads if state is not None else opts.resolved_threads()
    if cluster is not None and state is None and not opts.threads:
        from .options import available_cores
        threads = cluster.default_threads(available_cores())
    if state is None and opts.threads and opts.threads > threads:
        notes.append(f"--threads {opts.threads} capped at the {threads} cores of this machine")

    with _sigterm_as_interrupt(), tempfile.TemporaryDirectory(prefix="w2v-") as workdir:
        try:
            vocab, stream, train_words, tokens, stream_notes = _prepare_stream(corpus, opts, vocab, workdir, cluster)
        except KeyboardInterrupt:
            raise TrainingInterrupted("interrupted while reading the corpus; nothing was written") from None
        notes.extend(stream_notes)
        corpus_info = {"stream_items": int(len(stream)), "train_words": int(train_words)} if cluster is None \
            else cluster.corpus_info(train_words)
        if state is not None and saved_corpus != corpus_info:
            raise W2VError(f"corpus does not match checkpoint {resume}: it was trained on "
                           f"{saved_corpus['train_words']:,} words, this corpus has {train_words:,}")
        if opts.loss == "softmax" and len(vocab) > 50_000 and not opts.force:
            raise W2VError(f"--loss softmax over {len(vocab)} words is hopelessly slow (limit 50000); use --loss ns or add --force")
        if state is None:
            W, Wp = init_vectors(len(vocab), opts.dim, opts.seed)
            state = _fresh_state(W, Wp, threads)

        def save_checkpoint():
            if checkpoint is not None:
                ckpt.save(checkpoint, state, vocab, opts, corpus_info)

        done_at_start = _words_done(state, train_words)
        seconds = _run_epochs(stream, vocab, state, opts, train_words, progress, on_epoch, save_checkpoint,
                              checkpoint, cluster)
        words_trained = _words_done(state, train_words) - done_at_start
        del stream  # release the memory map before the directory goes
    if cluster is not None:
        from . import distributed
        cluster.make_identical(state.W, state.Wp)
        notes.append(distributed.summary(cluster, threads))
    return TrainResult(vocab, state.W, state.Wp, state.history, state.pair_history, tokens, train_words,
                       seconds, words_trained, threads, notes,
                       *((cluster.rank, cluster.size) if cluster is not None else ()))


def _words_done(state, train_words: int) -> int:
    """Corpus words trained so far over all epochs (what the schedule counts)."""
    return state.epoch * train_words + (int(state.progress.sum()) if state.in_epoch else 0)


def _fresh_state(W, Wp, threads: int):
    from .checkpoint import LoopState
    from .kernels.stream import PAD

    slots = threads * PAD
    return LoopState(W=W, Wp=Wp, epoch=0, spans=np.zeros((threads, 2), np.int64),
                     rng=np.zeros(slots, np.uint64), progress=np.zeros(slots, np.int64),
                     loss_acc=np.zeros(slots, np.float64), pair_acc=np.zeros(slots, np.int64),
                     history=[], pair_history=[], in_epoch=False)


def _start_epoch(state, stream_len: int, seed: int, first_thread: int = 0) -> None:
    """Split the stream evenly between threads, seed each thread's RNG for this
    epoch (threads are numbered from ``first_thread``: each MPI rank has its
    own), zero the counters."""
    from .kernels.rng import thread_seed
    from .kernels.stream import PAD

    bounds = np.linspace(0, stream_len, state.threads + 1).astype(np.int64)
    state.spans[:, 0] = bounds[:-1]
    state.spans[:, 1] = bounds[1:]
    for t in range(state.threads):
        state.rng[t * PAD] = thread_seed(seed, state.epoch, first_thread + t)
    for counter in (state.progress, state.loss_acc, state.pair_acc):
        counter[:] = 0
    state.in_epoch = True


def _run_epochs(stream, vocab, state, opts: TrainOptions, train_words: int, progress: bool,
                on_epoch, save_checkpoint, checkpoint_path, cluster=None) -> float:
    import numba
    from .progress import TrainProgress

    epoch_kernel = _epoch_kernel(opts)
    numba.set_num_threads(state.threads)
    if cluster is not None:
        cluster.prepare_state(state)
    keep = keep_probabilities(vocab.counts, opts.sample)
    noise = pack_alias(*build_alias(noise_weights(vocab.counts, opts.ns_exponent)))
    total = train_words * opts.epochs
    stop = np.zeros(1, np.int32)
    W, Wp = state.W, state.Wp
    # Load (or compile) the kernel on empty spans before the clock starts: that is
    # start-up cost, reported apart from training speed.
    epoch_kernel(stream, np.zeros_like(state.spans), W, Wp, keep, noise, opts.window,
                 opts.negative, opts.alpha, opts.final_alpha, 0, total, np.zeros_like(state.progress),
                 np.zeros_like(state.loss_acc), np.zeros_like(state.pair_acc), stop, state.rng.copy())
    bar = TrainProgress(total, opts.alpha, opts.final_alpha, enabled=progress)
    start = time.perf_counter()
    released = [start]
    try:
        while state.epoch < opts.epochs:
            epoch = state.epoch
            if not state.in_epoch:
                _start_epoch(state, len(stream), opts.seed, cluster.first_thread(state.threads) if cluster else 0)
            done_before = epoch * train_words
            args = (stream, state.spans, W, Wp, keep, noise, opts.window,
                    opts.negative, opts.alpha, opts.final_alpha, done_before, total,
                    state.progress, state.loss_acc, state.pair_acc, stop, state.rng)
            sync = cluster.epoch_sync(state, opts.sync_period) if cluster is not None else None

            def poll():
                if sync is not None:
                    sync.watch(stop)  # a failed sync stops the kernel
                bar.update(done_before + int(state.progress.sum()), state.loss_acc.sum(),
                           int(state.pair_acc.sum()))
                # About once a second: a few MB of the stream stay resident, not all of it.
                if time.perf_counter() - released[0] > 1.0:
                    corpus_mod.release_pages(stream)
                    released[0] = time.perf_counter()

            # Under MPI: rows merged while the kernel runs, all of them once every rank is done.
            with sync if sync is not None else contextlib.nullcontext():
                _run_in_worker(epoch_kernel, args, stop, poll)
            loss_sum, pairs = sync.totals() if sync is not None else (state.loss_acc.sum(), int(state.pair_acc.sum()))
            mean_loss = float(loss_sum / pairs) if pairs else float("nan")
            # An epoch with no pairs (every word subsampled away) has no loss; that is not divergence.
            if (pairs and not np.isfinite(mean_loss)) or not np.isfinite(W).all() or not np.isfinite(Wp).all():
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


def _epoch_kernel(opts: TrainOptions):
    """The Numba function that trains one epoch for these options.  Every epoch
    kernel takes the same arguments (see kernels.sgns.train_epoch)."""
    if opts.loss == "softmax":
        from .kernels import softmax
        return softmax.train_epoch
    from .kernels import sgns
    return sgns.train_epoch_window if opts.batch == "window" else sgns.train_epoch


def _run_in_worker(kernel, args, stop, poll, interval: float = 0.2) -> None:
    """Run ``kernel(*args)`` in a thread; call ``poll`` while it runs.  On Ctrl-C
    (or SIGTERM, turned into KeyboardInterrupt) set the stop flag, wait for the
    kernel to notice, and re-raise.

    Completion is signalled by an Event, not Thread.join: a join interrupted by
    KeyboardInterrupt can leave CPython believing the thread has ended while it
    still runs, and the arrays must not be read (or saved) before it has.
    """
    error: List[BaseException] = []
    done = threading.Event()

    def work():
        try:
            kernel(*args)
        except BaseException as exc:  # surfaced in the calling thread below
            error.append(exc)
        finally:
            done.set()

    threading.Thread(target=work, name="w2v-kernel", daemon=True).start()
    try:
        while not done.wait(interval):
            poll()
        poll()
    except KeyboardInterrupt:
        stop[0] = 1
        # A second Ctrl-C does not cut this short (the kernel stops within ~10k words).
        while not done.is_set():
            try:
                done.wait(0.05)
            except KeyboardInterrupt:
                pass
        raise
    if error:
        raise error[0]
