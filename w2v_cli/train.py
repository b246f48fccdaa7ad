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
from .errors import TrainingDiverged, TrainingInterrupted, W2VError
from .options import TrainOptions
from .sampling import build_alias, keep_probabilities, noise_weights
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
    seconds: float  # wall time of the epochs
    threads: int
    notes: List[str]

    @property
    def words(self) -> List[str]:
        return self.vocab.words

    @property
    def words_per_second(self) -> float:
        return self.train_words * len(self.loss_history) / self.seconds if self.seconds > 0 else 0.0

    def keyed_vectors(self, context: bool = False):
        from .query import KeyedVectors
        return KeyedVectors(self.vocab.words, self.Wp if context else self.W)

    def save(self, path, binary: Optional[bool] = None, context: bool = False) -> None:
        self.keyed_vectors(context).save(path, binary=binary)


def _prepare_stream(corpus, opts: TrainOptions, vocab: Optional[Vocab], workdir: str):
    """Passes 1 and 2.  Returns (vocab, stream, train_words, tokens, notes)."""
    notes: List[str] = []
    if isinstance(corpus, (str, bytes, os.PathLike)):
        counted = corpus_mod.count_words(corpus, opts.min_count, opts.max_vocab)
        if vocab is not None:
            counted = _with_vocab(counted, vocab)
        stream, train_words = corpus_mod.encode_corpus(corpus, counted, os.path.join(workdir, "ids.int32"))
    else:
        sentences = corpus_mod.as_byte_sentences(corpus)
        counted = corpus_mod.count_tokens(sentences(), opts.min_count, opts.max_vocab, source="corpus")
        if vocab is not None:
            counted = _with_vocab(counted, vocab)
        stream, train_words = corpus_mod.encode_tokens(sentences(), counted)
    if counted.truncated:
        notes.append(f"{counted.truncated} distinct words longer than {corpus_mod.MAX_WORD_BYTES} bytes were truncated")
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

    def handler(signum, frame):
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def train(corpus: Union[str, os.PathLike, Iterable[Sequence[str]]], options: Optional[TrainOptions] = None,
          *, vocab: Optional[Vocab] = None, progress: bool = True,
          on_epoch: Optional[Callable[[int, float], None]] = None, **kwargs) -> TrainResult:
    """Train skip-gram vectors.

    ``corpus`` is a path to a text file (plain, .gz, .bz2, .xz; one sentence per
    line) or an iterable of token lists (it is read twice).  Options come as a
    :class:`TrainOptions` or as keyword arguments of the same names, e.g.
    ``train("text8", dim=200, epochs=3)``.  ``vocab`` fixes the vocabulary
    instead of counting it.  Returns a :class:`TrainResult` holding W, W' and the
    per-epoch loss.
    """
    opts = dataclasses.replace(options or TrainOptions(), **kwargs).validate()
    threads = opts.resolved_threads()
    notes: List[str] = []
    if opts.threads and opts.threads > threads:
        notes.append(f"--threads {opts.threads} capped at the {threads} cores of this machine")

    with tempfile.TemporaryDirectory(prefix="w2v-") as workdir:
        vocab, stream, train_words, tokens, stream_notes = _prepare_stream(corpus, opts, vocab, workdir)
        notes.extend(stream_notes)
        if opts.loss == "softmax" and len(vocab) > 50_000 and not opts.force:
            raise W2VError(f"--loss softmax over {len(vocab)} words is hopelessly slow (limit 50000); use --loss ns or add --force")
        W, Wp = init_vectors(len(vocab), opts.dim, opts.seed)
        history, pairs, seconds = _run_epochs(stream, vocab, W, Wp, opts, threads, train_words, progress, on_epoch)
        del stream  # release the memory map before the directory goes
    return TrainResult(vocab, W, Wp, history, pairs, tokens, train_words, seconds, threads, notes)


def _run_epochs(stream, vocab, W, Wp, opts: TrainOptions, threads: int, train_words: int,
                progress: bool, on_epoch) -> tuple:
    import numba
    from .kernels import sgns
    from .progress import TrainProgress

    epoch_kernel = _epoch_kernel(opts)

    numba.set_num_threads(threads)
    keep = keep_probabilities(vocab.counts, opts.sample)
    noise_prob, noise_alias = build_alias(noise_weights(vocab.counts, opts.ns_exponent))
    bounds = np.linspace(0, len(stream), threads + 1).astype(np.int64)
    total = train_words * opts.epochs
    slots = threads * sgns.PAD
    counters = np.zeros(slots, np.int64), np.zeros(slots, np.float64), np.zeros(slots, np.int64)
    stop = np.zeros(1, np.int32)
    history: List[float] = []
    pair_history: List[int] = []
    bar = TrainProgress(total, opts.alpha, opts.min_alpha, enabled=progress)
    start = time.perf_counter()
    try:
        with _sigterm_as_interrupt():
            for epoch in range(opts.epochs):
                for c in counters:
                    c[:] = 0
                done_before = epoch * train_words
                args = (stream, bounds, W, Wp, keep, noise_prob, noise_alias, opts.window,
                        opts.negative, opts.alpha, opts.min_alpha, done_before, total,
                        *counters, stop, opts.seed, epoch)
                _run_in_worker(epoch_kernel, args, stop,
                               lambda: bar.update(done_before + int(counters[0].sum()),
                                                  counters[1].sum(), int(counters[2].sum())))
                pairs = int(counters[2].sum())
                mean_loss = float(counters[1].sum() / pairs) if pairs else float("nan")
                # An epoch with no pairs (every word subsampled away) has no loss; that is not divergence.
                if (pairs and not np.isfinite(mean_loss)) or not np.isfinite(W).all() or not np.isfinite(Wp).all():
                    raise TrainingDiverged(
                        f"training diverged in epoch {epoch + 1} (loss {mean_loss}); lower --alpha (now {opts.alpha})")
                history.append(mean_loss)
                pair_history.append(pairs)
                bar.epoch_done(epoch + 1, mean_loss)
                if on_epoch is not None:
                    on_epoch(epoch, mean_loss)
    except KeyboardInterrupt:
        done_words = len(history) * train_words + int(counters[0].sum())
        raise TrainingInterrupted(
            f"training interrupted after {done_words:,} of {total:,} words ({100.0 * done_words / total:.1f} %); nothing was written") from None
    finally:
        bar.close()
    return history, pair_history, time.perf_counter() - start


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
    kernel to notice, and re-raise."""
    error: List[BaseException] = []

    def work():
        try:
            kernel(*args)
        except BaseException as exc:  # surfaced in the calling thread below
            error.append(exc)

    worker = threading.Thread(target=work, name="w2v-kernel", daemon=True)
    worker.start()
    try:
        while worker.is_alive():
            worker.join(interval)
            poll()
    except KeyboardInterrupt:
        stop[0] = 1
        worker.join()
        raise
    if error:
        raise error[0]
