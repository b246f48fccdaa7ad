"""Training options, their defaults and their allowed ranges, in one place.

The CLI and the Python API both build a :class:`TrainOptions`; ``validate`` gives
the one-line message a user sees for a value out of range.
"""

from __future__ import annotations

import dataclasses
import numbers
import os
from typing import Optional

from .errors import W2VError

# The default final learning rate is --alpha divided by this ...
FLOOR_DIVISOR = 5
# ... and with --loss hs this (gensim's min_alpha): on GCIDE it raised skip-gram's
# analogy score from 0.202 to 0.213 (medians of 4 runs) and CBOW's from 0.111 to
# 0.126 (2 runs), WS353 and SimLex within 0.006 (README, "Hierarchical softmax").
HS_FLOOR = 1e-4

# name: (low, high, integer?) — inclusive bounds; None means unbounded.
_RANGES = {
    "dim": (1, 10_000, True),
    "window": (1, 1_000, True),
    "negative": (0, 1_000, True),  # 0 only where no negatives are drawn (validate)
    "epochs": (1, 100_000, True),
    "alpha": (1e-12, 10.0, False),
    "min_alpha": (0.0, 10.0, False),
    "min_count": (1, None, True),
    "sample": (0.0, 1.0, False),
    "ns_exponent": (-10.0, 10.0, False),
    "threads": (1, 4096, True),
    "seed": (0, 2**63 - 1, True),
    "max_vocab": (0, None, True),
    "sync_period": (1e-3, 3600.0, False),
    "shared_negatives": (1, 1_000, True),
}

# CBOW's default --shared-negatives: two neighbouring centre words share one
# draw of negatives.  On GCIDE (3 runs each, README "Threads that share rows")
# 2 scored as 1 does (WS353 0.586-0.591 against 0.574-0.578, SimLex and analogy
# within 0.003), 4 lost 0.013 of analogy, 8 lost 0.028; and with two threads
# each shared row is fetched from the other thread half as often.
CBOW_SHARED_NEGATIVES = 2


def allowed(name: str) -> Optional[str]:
    """What option ``name`` (a TrainOptions field) accepts, e.g. 'an integer in [1, 10000]'."""
    if name not in _RANGES:
        return None
    lo, hi, integer = _RANGES[name]
    return f"{'an integer' if integer else 'a number'} in [{lo}, {'inf' if hi is None else hi}]"


def available_cores() -> int:
    """Cores this process may run on (its CPU affinity, which a container or
    taskset may restrict below os.cpu_count())."""
    try:
        return len(os.sched_getaffinity(0)) or 1
    except (AttributeError, OSError):
        return os.cpu_count() or 1


@dataclasses.dataclass
class TrainOptions:
    dim: int = 100
    window: int = 5
    negative: int = 5
    epochs: int = 5
    alpha: Optional[float] = None  # None: 0.025, or 0.05 for CBOW (word2vec.c's defaults)
    # The rate falls linearly from alpha to min_alpha over all epochs (gensim's
    # meaning); None: alpha / 5 (not word2vec.c's alpha * 1e-4, which scored lower
    # on GCIDE: README, "Learning rate"), or HS_FLOOR with --loss hs.
    min_alpha: Optional[float] = None
    min_count: int = 5
    sample: float = 1e-3
    ns_exponent: float = 0.75
    threads: Optional[int] = None  # None: all cores
    seed: int = 1
    max_vocab: int = 21_000_000
    loss: str = "ns"  # "ns" (SGNS), "hs" (hierarchical softmax) or "softmax"
    # "window": one set of negatives per centre word's window (faster, and on GCIDE as good as
    # gensim); "pair": word2vec.c's per-pair updates.
    batch: str = "window"
    force: bool = False  # allow softmax with a large vocabulary
    model: str = "skipgram"  # "skipgram" or "cbow"
    cbow_sum: bool = False  # CBOW: the sum of the context rows, not their mean
    sync_period: float = 0.05  # MPI only: seconds between merges of the frequent rows (w2v_cli.distributed)
    # Consecutive centre words served by one draw of negatives (--loss ns, --batch
    # window); None: see resolved_shared_negatives.
    shared_negatives: Optional[int] = None

    @property
    def final_alpha(self) -> float:
        """The learning rate at the end of training."""
        if self.min_alpha is not None:
            return self.min_alpha
        return min(HS_FLOOR, self.alpha) if self.loss == "hs" else self.alpha / FLOOR_DIVISOR

    @property
    def resolved_shared_negatives(self) -> int:
        """Centre words per draw of negatives: the option, else CBOW_SHARED_NEGATIVES
        for CBOW with --loss ns --batch window, else 1 (skip-gram's window already
        shares one draw among its context words).  Resolved here, not in
        validate, so options validated for CBOW can be re-used with another loss."""
        if self.shared_negatives is not None:
            return self.shared_negatives
        if self.model == "cbow" and self.loss == "ns" and self.batch == "window":
            return CBOW_SHARED_NEGATIVES
        return 1

    def validate(self) -> "TrainOptions":
        if self.alpha is None:
            self.alpha = 0.05 if self.model == "cbow" else 0.025
        for name, (lo, hi, integer) in _RANGES.items():
            value = getattr(self, name)
            if value is None:
                continue
            flag = "--" + name.replace("_", "-")
            if isinstance(value, bool) or not isinstance(value, numbers.Real):
                raise W2VError(f"{flag} must be {allowed(name)}, got {value!r}")
            if (integer and not isinstance(value, numbers.Integral)) or value != value or (lo is not None and value < lo) \
                    or (hi is not None and value > hi):
                raise W2VError(f"{flag} must be {allowed(name)}, got {value}")
        if self.min_alpha is not None and self.min_alpha > self.alpha:
            raise W2VError(f"--min-alpha ({self.min_alpha}) must not exceed --alpha ({self.alpha})")
        if self.loss not in ("ns", "hs", "softmax"):
            raise W2VError(f"--loss must be 'ns', 'hs' or 'softmax', got {self.loss!r}")
        if self.batch not in ("pair", "window"):
            raise W2VError(f"--batch must be 'pair' or 'window', got {self.batch!r}")
        if self.model not in ("skipgram", "cbow"):
            raise W2VError(f"--model must be 'skipgram' or 'cbow', got {self.model!r}")
        # The registry's entries that draw negatives ahead (test_registry checks this rule).
        if (self.shared_negatives or 1) > 1 and (self.loss != "ns" or self.batch != "window"):
            raise W2VError(f"--shared-negatives {self.shared_negatives} needs --loss ns and --batch window "
                           f"(got --loss {self.loss} --batch {self.batch})")
        if self.negative == 0 and self.loss == "ns":
            # word2vec.c and gensim users pass -negative 0 / negative=0 with hs; with ns it would learn nothing
            raise W2VError("--negative must be an integer in [1, 1000] with --loss ns, got 0 "
                           "(0 only with --loss hs or softmax, which draw no negatives)")
        return self

    def output_rows(self, n_words: int) -> int:
        """Rows of W': one per word, or the V - 1 inner nodes of the Huffman tree for --loss hs."""
        return max(n_words - 1, 0) if self.loss == "hs" else n_words

    def resolved_threads(self) -> int:
        cores = available_cores()
        return min(self.threads or cores, cores)
