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


def load(path):
    """Return (LoopState, Vocab, Resolved options, corpus_info) from a checkpoint file."""
    path = os.fspath(path)
    if not os.path.isfile(path):
        raise W2VError(f"checkpoint {path} does not exist")
    try:
        with np.load(path, allow_pickle=False) as z:
            data = {k: z[k] for k in z.files}
        meta = json.loads(bytes(data["meta"]).decode("utf-8"))
        if meta.get("format") != FORMAT:
            raise W2VError(f"checkpoint {path} has format {meta.get('format')}, expected {FORMAT}")
        words = bytes(data["vocab_words"]).decode("utf-8").split("\n")
        vocab = Vocab(words, data["vocab_counts"])
        state = LoopState(
            W=np.ascontiguousarray(data["W"], np.float32), Wp=np.ascontiguousarray(data["Wp"], np.float32),
            epoch=int(meta["epoch"]), spans=np.ascontiguousarray(data["spans"], np.int64),
            rng=np.ascontiguousarray(data["rng"], np.uint64),
            progress=np.ascontiguousarray(data["progress"], np.int64),
            loss_acc=np.ascontiguousarray(data["loss_acc"], np.float64),
            pair_acc=np.ascontiguousarray(data["pair_acc"], np.int64),
            history=[float(x) for x in data["history"]], pair_history=[int(x) for x in data["pair_history"]],
            in_epoch=bool(meta["in_epoch"]),
            Wn=np.ascontiguousarray(data["Wn"], np.float32) if "Wn" in data else None)
        # Checkpoints from before --shared-negatives drew negatives for every
        # centre word; the run goes on with the threads it was written with.
        opts = TrainOptions(**{"shared_negatives": 1, **meta["options"]}).resolve(cores=state.threads)
    except W2VError:
        raise
    except (OSError, ValueError, KeyError, TypeError, IndexError, zipfile.BadZipFile, UnicodeDecodeError,
            EOFError) as exc:
        raise W2VError(f"checkpoint {path} is not a readable w2v checkpoint ({type(exc).__name__}: {exc})") from None
    n = len(vocab)
    if state.W.shape != (n, opts.dim) or state.Wp.shape != (opts.output_rows(n), opts.dim) or state.spans.ndim != 2:
        raise W2VError(f"checkpoint {path} is inconsistent: vectors {state.W.shape} for {n} words of dimension {opts.dim}")
    if (state.Wn is not None) != bool(opts.subwords) or (state.Wn is not None and state.Wn.shape[1:] != (opts.dim,)):
        raise W2VError(f"checkpoint {path} is inconsistent: --subwords {opts.subwords} but "
                       f"{'no n-gram rows' if state.Wn is None else f'n-gram rows {state.Wn.shape}'}")
    return state, vocab, opts, meta["corpus"]
