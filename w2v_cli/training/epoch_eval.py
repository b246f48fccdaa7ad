"""Evaluation between epochs (``w2v train --eval``): scores, one line each, a plot.

An :class:`EpochEvaluator` scores the input vectors after every epoch with the
gensim-compatible evaluators of :mod:`evaluate` (word pairs: Spearman; analogies:
3CosAdd over the 30,000 most frequent words, gensim's default) and keeps the
history.  Its files are read when it is made, so a bad path fails before
training starts; its own time is kept apart so it never counts as training time.
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Callable, Dict, List, Optional, Sequence

from ..errors import W2VError
from ..vectors.evaluate import BUNDLED_ANALOGIES, BUNDLED_PAIRS

RESTRICT_VOCAB = 30000


def _readable(path) -> str:
    path = os.fspath(path)
    if not os.path.isfile(path):
        raise W2VError(f"evaluation file {path} does not exist" if not os.path.exists(path)
                       else f"evaluation file {path} is not a regular file")
    try:
        with open(path, "rb") as fh:
            fh.read(1)
    except OSError as exc:
        raise W2VError(f"cannot read evaluation file {path}: {exc.strerror or exc}") from None
    return path


class EpochEvaluator:
    """Scores vectors after each epoch; ``history`` holds one dict per epoch:
    ``epoch`` (1-based), ``loss``, one score per set (None when no question or
    pair of the set is in the vocabulary) and ``seconds`` (evaluation time).

    ``pairs``: word-pair files (named by file stem in the history); ``analogies``:
    a questions-words file (named ``analogy``).  With neither, the bundled
    WordSim353 (``ws353``), SimLex-999 (``simlex``) and Google analogies.
    ``report`` receives each epoch's line, e.g. ``epoch 2/5: loss 2.3 ws353 0.61 ...``.
    """

    def __init__(self, pairs: Sequence = (), analogies=None, restrict_vocab: int = RESTRICT_VOCAB,
                 report: Optional[Callable[[str], None]] = None):
        if not pairs and analogies is None:
            self.pairs = dict(BUNDLED_PAIRS)
            self.analogies = BUNDLED_ANALOGIES
        else:
            self.pairs = {Path(p).stem: p for p in pairs}
            self.analogies = analogies
        self.pairs = {name: _readable(p) for name, p in self.pairs.items()}
        self.analogies = _readable(self.analogies) if self.analogies is not None else None
        self.restrict_vocab = restrict_vocab
        self.report = report
        self.history: List[Dict] = []
        self.seconds = 0.0

    def scores(self, words, vectors) -> Dict[str, Optional[float]]:
        """Every set's score for these vectors (rows in ``words`` order, most frequent first)."""
        from ..vectors.evaluate import evaluate_analogies, evaluate_word_pairs
        from ..vectors.keyed import KeyedVectors

        kv = KeyedVectors(words, vectors)
        out: Dict[str, Optional[float]] = {}
        for name, path in self.pairs.items():
            try:
                out[name] = evaluate_word_pairs(kv, path)["spearman"]
            except W2VError:  # no pair in the vocabulary (yet): nothing to score
                out[name] = None
        if self.analogies is not None:
            result = evaluate_analogies(kv, self.analogies, restrict_vocab=self.restrict_vocab)
            total = result["total"]
            asked = len(total["correct"]) + len(total["incorrect"])
            out["analogy"] = result["accuracy"] if asked else None
        return out

    def __call__(self, words, vectors, epoch: int, epochs: int, loss: float) -> Dict:
        """Score after epoch ``epoch`` (1-based) of ``epochs``; record, report, return the entry."""
        start = time.perf_counter()
        entry = {"epoch": epoch, "loss": loss, **self.scores(words, vectors)}
        entry["seconds"] = time.perf_counter() - start
        self.seconds += entry["seconds"]
        self.history.append(entry)
        if self.report is not None:
            self.report(format_line(entry, epochs))
        return entry


def _num(x, spec=".4f") -> str:
    return "n/a" if x is None or x != x else format(x, spec)


def format_line(entry: Dict, epochs: int) -> str:
    names = [k for k in entry if k not in ("epoch", "loss", "seconds")]
    scores = " ".join(f"{k} {_num(entry[k])}" for k in names)
    return f"epoch {entry['epoch']}/{epochs}: loss {_num(entry['loss'])} {scores} (eval {entry['seconds']:.1f} s)"


def require_matplotlib() -> None:
    """Fail before training, not after it, when a plot is asked for without matplotlib."""
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        raise W2VError("--eval-plot needs matplotlib: pip install 'w2v-cli[plot]'") from None


def plot_history(history: List[Dict], path) -> None:
    """Loss (left axis) and every score (right axis) against epochs, written atomically as PNG."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from ..atomic import atomic_write

    epochs = [h["epoch"] for h in history]
    fig, ax = plt.subplots(figsize=(6.4, 4.0))
    ax.plot(epochs, [h["loss"] for h in history], "k-o", label="loss")
    ax.set_xlabel("epoch")
    ax.set_ylabel("mean training loss")
    right = ax.twinx()
    names = [k for k in history[0] if k not in ("epoch", "loss", "seconds")] if history else []
    for name in names:
        right.plot(epochs, [float("nan") if h[name] is None else h[name] for h in history], "-s", label=name)
    right.set_ylabel("score (Spearman / accuracy)")
    lines = ax.get_lines() + right.get_lines()
    ax.legend(lines, [l.get_label() for l in lines], loc="best", fontsize="small")
    ax.set_xticks(epochs)
    fig.tight_layout()
    try:
        with atomic_write(path, "wb") as fh:
            fig.savefig(fh, format="png", dpi=100)
    finally:
        plt.close(fig)
