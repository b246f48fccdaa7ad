"""Training checkpoints: everything needed to continue a run where it stopped.

A checkpoint is an ``.npz`` file of plain arrays (loaded with
``allow_pickle=False``: nothing in it is ever unpickled or evaluated): W and W',
the vocabulary, the options as JSON, and the loop state — epoch, each thread's
position in the id stream, its RNG state and its progress/loss/pair counters.
Kernels stop only between sentences, right after publishing their counters, so
a resumed run with one thread reproduces the uninterrupted run exactly, and with
more threads it follows the same learning-rate schedule.
"""

from __future__ import annotations

import dataclasses
import json
import os
import zipfile
from typing import List, Optional

import numpy as np

from ..atomic import atomic_write
from ..errors import W2VError
from .options import Resolved, TrainOptions
from ..corpus.vocab import Vocab

FORMAT = 1


@dataclasses.dataclass
class LoopState:
    """The training loop's position; the arrays are the kernels' own."""
    W: np.ndarray
    Wp: np.ndarray
    epoch: int  # epochs completed
    spans: np.ndarray  # (threads, 2) int64: next position and end of each thread's span
    rng: np.ndarray  # uint64, thread t's state at t * PAD
    progress: np.ndarray  # int64 words read this epoch, at t * PAD
    loss_acc: np.ndarray  # float64 loss sum this epoch
    pair_acc: np.ndarray  # int64 pairs this epoch
    history: List[float]
    pair_history: List[int]
    in_epoch: bool  # True when spans/rng/counters hold an epoch in progress
    Wn: Optional[np.ndarray] = None  # --subwords: the n-gram rows the vocabulary uses (corpus.subwords.compact)

    @property
    def threads(self) -> int:
        return self.spans.shape[0]


def _text(obj) -> np.ndarray:
    return np.frombuffer(json.dumps(obj).encode("utf-8"), dtype=np.uint8)


def save(path, state: LoopState, vocab: Vocab, opts: Resolved, corpus_info: dict) -> None:
    arrays = dict(
        W=state.W, Wp=state.Wp, spans=state.spans, rng=state.rng, progress=state.progress,
        loss_acc=state.loss_acc, pair_acc=state.pair_acc,
        history=np.asarray(state.history, np.float64), pair_history=np.asarray(state.pair_history, np.int64),
        vocab_words=np.frombuffer("\n".join(vocab.words).encode("utf-8"), dtype=np.uint8),
        vocab_counts=vocab.counts,
        **({"Wn": state.Wn} if state.Wn is not None else {}),
        # The options resolved, so a resume keeps this run's schedule even if a
        # later version changes a derived default.
        meta=_text({"format": FORMAT, "epoch": state.epoch, "in_epoch": state.in_epoch,
                    "options": dataclasses.asdict(opts), "corpus": corpus_info}),
    )
    with atomic_write(path, "wb") as fh:
        np.savez(fh, **arrays)


# What every array of a checkpoint must be: its dtype kinds (numpy's kind codes)
# and number of dimensions.  Anything else is refused before it is loaded.
_ARRAYS = {"W": ("fi", 2), "Wp": ("fi", 2), "spans": ("iu", 2), "rng": ("u", 1), "progress": ("iu", 1),
           "loss_acc": ("f", 1), "pair_acc": ("iu", 1), "history": ("f", 1), "pair_history": ("iu", 1),
           "vocab_words": ("u", 1), "vocab_counts": ("iu", 1), "meta": ("u", 1),
           "Wn": ("f", 2)}
# Arrays only some runs have: the n-gram rows of --subwords.
_OPTIONAL = {"Wn"}
# A deflated member expands at most about 1032 times; a stored one not at all.
_MAX_RATIO = 1100


def _bad(path, why: str) -> W2VError:
    return W2VError(f"checkpoint {path} is not a usable w2v checkpoint: {why}")


def _headers(z, path) -> dict:
    """name -> (shape, dtype) of every array, read from its header only, each
    checked for kind and rank, and for a size its stored bytes can hold (a
    header may claim 10^12 rows: nothing is allocated before this check)."""
    disk = os.path.getsize(path)
    heads = {}
    for name in z.files:
        if name not in _ARRAYS:
            continue
        info = z.zip.getinfo(name + ".npy")
        with z.zip.open(info) as fh:
            version = np.lib.format.read_magic(fh)
            if version not in ((1, 0), (2, 0)):  # what np.savez writes
                raise _bad(path, f"array {name} has .npy format {version}")
            read_header = np.lib.format.read_array_header_1_0 if version == (1, 0) \
                else np.lib.format.read_array_header_2_0
            shape, _, dtype = read_header(fh)
        kinds, ndim = _ARRAYS[name]
        if dtype.kind not in kinds or dtype.hasobject or len(shape) != ndim:
            raise _bad(path, f"array {name} is {len(shape)}-dimensional {dtype}")
        nbytes = int(np.prod(shape, dtype=object)) * dtype.itemsize
        packed = info.compress_size if info.compress_type != zipfile.ZIP_STORED else info.file_size
        if nbytes > info.file_size or packed > disk or nbytes > max(packed, 1) * _MAX_RATIO:
            raise _bad(path, f"array {name} claims shape {shape}, more than its {info.file_size:,} bytes hold")
        heads[name] = (tuple(int(n) for n in shape), dtype)
    missing = sorted(set(_ARRAYS) - _OPTIONAL - set(heads))
    if missing:
        raise _bad(path, f"it has no {', '.join(missing)}")
    return heads


def _int(value, what, path, low=0, high=2 ** 63 - 1) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise _bad(path, f"{what} is {value!r}, expected an integer in [{low}, {high}]")
    return value


def load(path):
    """Return (LoopState, Vocab, Resolved options, corpus_info) from a checkpoint file.

    Everything is validated before any kernel can see it: each array's dtype,
    rank and shape against the options and vocabulary (sizes from the headers,
    before anything is allocated), the thread state's values against the
    corpus it records, counts positive, vectors finite."""
    from .kernels.stream import PAD  # here: the kernels are imported after jit.configure()

    path = os.fspath(path)
    if not os.path.isfile(path):
        raise W2VError(f"checkpoint {path} does not exist")
    try:
        with np.load(path, allow_pickle=False) as z:
            if not hasattr(z, "zip"):
                raise _bad(path, "it is a single array, not an .npz archive")
            heads = _headers(z, path)
            meta = json.loads(bytes(z["meta"]).decode("utf-8"))
            if not isinstance(meta, dict):
                raise _bad(path, "its metadata is not a record")
            if meta.get("format") != FORMAT:
                raise W2VError(f"checkpoint {path} has format {meta.get('format')}, expected {FORMAT}")
            options, corpus = meta.get("options"), meta.get("corpus")
            if not isinstance(options, dict) or not isinstance(corpus, dict):
                raise _bad(path, "its options or corpus record is missing")
            stream_items = _int(corpus.get("stream_items"), "the corpus's stream_items", path)
            train_words = _int(corpus.get("train_words"), "the corpus's train_words", path, low=1)
            ranks = _int(corpus.get("ranks", 1), "the corpus's ranks", path, low=1, high=1 << 20)
            threads = _int(options.get("threads"), "options.threads", path, low=1, high=4096)
            try:
                # Checkpoints from before --shared-negatives drew negatives for every
                # centre word; the run goes on with the threads it was written with.
                opts = TrainOptions(**{"shared_negatives": 1, **options}).resolve(cores=threads)
            except W2VError as exc:
                raise _bad(path, f"its options are out of range ({exc})") from None
            epoch = _int(meta.get("epoch"), "epoch", path, high=opts.epochs)
            in_epoch = meta.get("in_epoch")
            if not isinstance(in_epoch, bool) or (in_epoch and epoch == opts.epochs):
                raise _bad(path, f"in_epoch is {in_epoch!r} after epoch {epoch} of {opts.epochs}")
            n = heads["vocab_counts"][0][0]
            slots = threads * PAD
            expected = {"W": (n, opts.dim), "Wp": (opts.output_rows(n), opts.dim), "spans": (threads, 2),
                        "rng": (slots,), "loss_acc": (slots,), "pair_acc": (slots,), "history": (epoch,),
                        "pair_history": (epoch,)}
            for name, shape in expected.items():
                if heads[name][0] != shape:
                    raise W2VError(f"checkpoint {path} is inconsistent: {name} has shape {heads[name][0]}, "
                                   f"expected {shape} for {n} words of dimension {opts.dim} and {threads} threads")
            if ("Wn" in heads) != bool(opts.subwords) or ("Wn" in heads and heads["Wn"][0][1] != opts.dim):
                raise W2VError(f"checkpoint {path} is inconsistent: --subwords {opts.subwords} but "
                               f"{'n-gram rows ' + str(heads['Wn'][0]) if 'Wn' in heads else 'no n-gram rows'}")
            progress_rows = {slots, (threads + 1) * PAD} if ranks > 1 else {slots}  # under MPI: the other ranks' slot
            if heads["progress"][0][0] not in progress_rows:
                raise W2VError(f"checkpoint {path} is inconsistent: progress has shape {heads['progress'][0]}, "
                               f"expected ({slots},) for {threads} threads")
            from .memory import check_fits
            check_fits(2 * (n + opts.output_rows(n)) * opts.dim * 4, f"resuming {path}")
            data = {k: z[k] for k in _ARRAYS if k != "meta" and k in heads}
        words = bytes(data["vocab_words"]).decode("utf-8").split("\n") if n else []
        counts = data["vocab_counts"]
        if len(words) != n:
            raise W2VError(f"checkpoint {path} is inconsistent: {len(words)} words but {n} counts")
        if n == 0 or int(counts.min()) < 1 or counts.astype(np.float64).sum() >= 2.0 ** 63:
            raise _bad(path, "its vocabulary counts are not all positive (or add up beyond 2^63)")
        vocab = Vocab(words, counts.astype(np.int64))
        state = LoopState(
            W=np.ascontiguousarray(data["W"], np.float32), Wp=np.ascontiguousarray(data["Wp"], np.float32),
            epoch=epoch, spans=np.ascontiguousarray(data["spans"], np.int64),
            rng=np.ascontiguousarray(data["rng"], np.uint64),
            progress=np.ascontiguousarray(data["progress"], np.int64),
            loss_acc=np.ascontiguousarray(data["loss_acc"], np.float64),
            pair_acc=np.ascontiguousarray(data["pair_acc"], np.int64),
            history=[float(x) for x in data["history"]], pair_history=[int(x) for x in data["pair_history"]],
            in_epoch=in_epoch, Wn=np.ascontiguousarray(data["Wn"], np.float32) if "Wn" in data else None)
    except W2VError:
        raise
    except MemoryError:
        raise W2VError(f"not enough memory to load checkpoint {path}") from None
    except (OSError, ValueError, KeyError, TypeError, IndexError, AttributeError, OverflowError, zipfile.BadZipFile,
            UnicodeDecodeError, EOFError) as exc:
        raise W2VError(f"checkpoint {path} is not a readable w2v checkpoint ({type(exc).__name__}: {exc})") from None
    _check_values(path, state, stream_items, train_words)
    return state, vocab, opts, corpus


def _check_values(path, state: LoopState, stream_items: int, train_words: int) -> None:
    """The thread state's values: what the kernels index with must lie inside
    the stream the checkpoint records (the loop checks that record against
    the corpus before training)."""
    if not (np.isfinite(state.W).all() and np.isfinite(state.Wp).all()) \
            or (state.Wn is not None and not np.isfinite(state.Wn).all()):
        raise _bad(path, "its vectors contain NaN or infinite values")
    if (state.progress < 0).any() or int(state.progress.sum(dtype=np.float64)) > train_words \
            or (state.pair_acc < 0).any() or not np.isfinite(state.loss_acc).all() or (state.loss_acc < 0).any():
        raise _bad(path, "its progress counters are out of range")
    if any(x < 0 for x in state.pair_history) or any(x == x and (x < 0 or x == float("inf")) for x in state.history):
        raise _bad(path, "its loss history is out of range")
    if state.in_epoch:
        pos, end = state.spans[:, 0], state.spans[:, 1]
        if (pos < 0).any() or (pos > end).any() or (end > stream_items).any():
            raise _bad(path, f"its thread spans {state.spans.tolist()} are not inside the "
                             f"{stream_items:,} items of its corpus")
