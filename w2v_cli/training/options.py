"""Training options, each declared once (flag, type, default, range, choices,
help), and the one place where the defaults that depend on other options are
settled.

:class:`TrainOptions` is what a user asks for (the CLI builds ``w2v train``'s
options from its fields, the library takes them as keyword arguments); a field
that is ``None`` takes the default its ``rule`` describes.  :meth:`TrainOptions.resolve`
checks the values and settles those defaults into a frozen :class:`Resolved`,
which the training loop, the kernels' inputs and checkpoints use; nothing
changes options after they are made.
"""

from __future__ import annotations

import dataclasses
import os
from typing import Optional

from ..corpus.reference import DEFAULT_MAX_VOCAB
from ..corpus.subwords import DEFAULT_BUCKET, DEFAULT_MAXN, DEFAULT_MINN
from ..declare import check, option
from ..errors import W2VError

# The starting learning rate: word2vec.c's defaults.
SKIPGRAM_ALPHA = 0.025
CBOW_ALPHA = 0.05
# The default final learning rate is --alpha divided by this (not word2vec.c's
# alpha * 1e-4, which scored lower on GCIDE: docs/benchmarks.md) ...
FLOOR_DIVISOR = 5
# ... and with --loss hs this (gensim's min_alpha): on GCIDE it raised skip-gram's
# analogy score from 0.202 to 0.213 (medians of 4 runs) and CBOW's from 0.111 to
# 0.126 (2 runs), WS353 and SimLex within 0.006.
HS_FLOOR = 1e-4
# CBOW's default --shared-negatives: two neighbouring centre words share one
# draw of negatives.  On GCIDE (3 runs each) 2 scored as 1 does (WS353
# 0.586-0.591 against 0.574-0.578, SimLex and analogy within 0.003), 4 lost
# 0.013 of analogy, 8 lost 0.028; and with two threads each shared row is
# fetched from the other thread half as often.
CBOW_SHARED_NEGATIVES = 2
DEFAULT_DIM = 100
# --loss softmax beyond this many words needs --force.
SOFTMAX_MAX_WORDS = 50_000


def available_cores() -> int:
    """Cores this process may run on (its CPU affinity, which a container or
    taskset may restrict below os.cpu_count())."""
    try:
        return len(os.sched_getaffinity(0)) or 1
    except (AttributeError, OSError):
        return os.cpu_count() or 1


@dataclasses.dataclass(frozen=True)
class TrainOptions:
    """What to train, as asked for; ``None`` fields take their rule's default."""

    model: str = option("skipgram", "skipgram: each context word predicts the centre; cbow: the mean of the "
                        "context predicts it.", choices=("skipgram", "cbow"))
    loss: str = option("ns", "ns: negative sampling; hs: hierarchical softmax; softmax: the exact full-softmax "
                       "skip-gram (a reference).", choices=("ns", "hs", "softmax"))
    batch: str = option("window", "window: one set of negatives (or one Huffman path) per centre word's window; "
                        "pair: word2vec.c's per-pair updates.", choices=("window", "pair"))
    dim: Optional[int] = option(None, "Vector dimension.", flags=("--size",), low=1, high=10_000, integer=True,
                                rule=f"{DEFAULT_DIM}; the --init model's with --init")
    window: int = option(5, "Largest context radius (dynamic window).", low=1, high=1_000, integer=True)
    # 0 only where no negatives are drawn (resolve refuses it with --loss ns)
    negative: int = option(5, "Negatives per positive pair.", low=0, high=1_000, integer=True)
    epochs: int = option(5, "Passes over the corpus.", flags=("--iter",), low=1, high=100_000, integer=True)
    alpha: Optional[float] = option(None, "Starting learning rate.", low=1e-12, high=10.0,
                                    rule=f"{SKIPGRAM_ALPHA}; {CBOW_ALPHA} with --model cbow")
    # The rate falls linearly from alpha to min_alpha over all epochs (gensim's meaning).
    min_alpha: Optional[float] = option(None, "Final learning rate; the rate falls linearly to it.", low=0.0,
                                        high=10.0, rule=f"alpha / {FLOOR_DIVISOR}; {HS_FLOOR:g} with --loss hs")
    min_count: int = option(5, "Ignore words seen fewer times.", low=1, integer=True)
    max_vocab: int = option(DEFAULT_MAX_VOCAB, "Prune the rarest words while counting when the table grows past "
                            "this (0: no limit).", low=0, integer=True)
    sample: float = option(1e-3, "Subsampling threshold (0: off).", low=0.0, high=1.0)
    ns_exponent: float = option(0.75, "Noise distribution exponent.", low=-10.0, high=10.0)
    # Consecutive centre words served by one draw of negatives.
    shared_negatives: Optional[int] = option(
        None, "Neighbouring centre words that share one draw of negatives (more than 1 needs --loss ns "
        "--batch window).", low=1, high=1_000, integer=True,
        rule=f"{CBOW_SHARED_NEGATIVES} with --model cbow --loss ns --batch window, else 1")
    cbow_sum: bool = option(False, "CBOW: the sum of the context vectors instead of their mean.", flag=True)
    threads: Optional[int] = option(None, "Worker threads.", low=1, high=4096, integer=True,
                                    rule="all cores (under mpiexec: this host's cores shared among its ranks)")
    seed: int = option(1, "Random seed (with --threads 1 the vectors depend on nothing else).", low=0,
                       high=2**63 - 1, integer=True)
    force: bool = option(False, f"Allow --loss softmax with a vocabulary over {SOFTMAX_MAX_WORDS:,} words.",
                         flag=True)
    # fastText's subword model (corpus.subwords); the n-gram settings mean what fastText's do.
    subwords: bool = option(False, "A word's input vector is the mean of its own row and the rows of its "
                            "character n-grams (fastText's model; needs --model skipgram --loss ns).",
                            flag=True)
    minn: Optional[int] = option(None, "With --subwords: shortest character n-gram.", low=1, high=100,
                                 integer=True, rule=f"{DEFAULT_MINN} (fastText's)")
    maxn: Optional[int] = option(None, "With --subwords: longest character n-gram (0: no n-grams).", low=0,
                                 high=100, integer=True, rule=f"{DEFAULT_MAXN} (fastText's)")
    bucket: Optional[int] = option(None, "With --subwords: rows the n-grams are hashed into.", low=0,
                                   high=2**31 - 1, integer=True, rule=f"{DEFAULT_BUCKET:,} (fastText's)")
    sync_period: float = option(0.05, "Under mpiexec: seconds between merges of the frequent words' rows "
                                "across ranks.", low=1e-3, high=3600.0)

    def resolve(self, *, cores: Optional[int] = None, init_dim: Optional[int] = None,
                cluster=None) -> "Resolved":
        """Check every value and settle every derived default, once.

        ``cores``: the cores to run on (default :func:`available_cores`);
        ``init_dim``: the dimension of the model continued with --init;
        ``cluster``: the MPI job (its ranks share a host's cores)."""
        check(self)
        alpha = self.alpha if self.alpha is not None else (CBOW_ALPHA if self.model == "cbow" else SKIPGRAM_ALPHA)
        if self.min_alpha is not None and self.min_alpha > alpha:
            raise W2VError(f"--min-alpha ({self.min_alpha}) must not exceed --alpha ({alpha})")
        # The registry's entries that draw negatives ahead (test_registry checks this rule).
        draws_ahead = self.loss == "ns" and self.batch == "window"
        if (self.shared_negatives or 1) > 1 and not draws_ahead:
            raise W2VError(f"--shared-negatives {self.shared_negatives} needs --loss ns and --batch window "
                           f"(got --loss {self.loss} --batch {self.batch})")
        if self.negative == 0 and self.loss == "ns":
            # word2vec.c and gensim users pass -negative 0 / negative=0 with hs; with ns it would learn nothing
            raise W2VError("--negative must be an integer in [1, 1000] with --loss ns, got 0 "
                           "(0 only with --loss hs or softmax, which draw no negatives)")
        if self.min_alpha is not None:
            min_alpha = self.min_alpha
        else:
            min_alpha = min(HS_FLOOR, alpha) if self.loss == "hs" else alpha / FLOOR_DIVISOR
        if self.shared_negatives is not None:
            shared = self.shared_negatives
        else:
            # skip-gram's window already shares one draw among its context words
            shared = CBOW_SHARED_NEGATIVES if self.model == "cbow" and draws_ahead else 1
        cores = available_cores() if cores is None else cores
        if self.threads:
            threads = min(self.threads, cores)
        else:
            threads = cluster.default_threads(cores) if cluster is not None else cores
        dim = self.dim if self.dim is not None else (init_dim if init_dim is not None else DEFAULT_DIM)
        minn, maxn, bucket = self._subword_settings(cluster)
        fields = {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}
        fields.update(alpha=alpha, min_alpha=min_alpha, shared_negatives=shared, threads=threads, dim=dim,
                      minn=minn, maxn=maxn, bucket=bucket)
        return Resolved(**fields)

    def _subword_settings(self, cluster):
        """(minn, maxn, bucket), checked; fastText's defaults (unused) without --subwords."""
        defaults = {"minn": DEFAULT_MINN, "maxn": DEFAULT_MAXN, "bucket": DEFAULT_BUCKET}
        if not self.subwords:
            # A resolved run (a checkpoint's options) holds the defaults: only other values need --subwords.
            given = [f"--{k}" for k, v in defaults.items() if getattr(self, k) not in (None, v)]
            if given:
                raise W2VError(f"{', '.join(given)} need{'s' if len(given) == 1 else ''} --subwords")
            return DEFAULT_MINN, DEFAULT_MAXN, DEFAULT_BUCKET
        if self.model != "skipgram" or self.loss != "ns":
            raise W2VError(f"--subwords trains with --model skipgram --loss ns only "
                           f"(got --model {self.model} --loss {self.loss} --batch {self.batch})")
        if cluster is not None:
            raise W2VError("--subwords does not train under mpiexec yet (the n-gram rows are not synced)")
        minn = self.minn if self.minn is not None else DEFAULT_MINN
        maxn = self.maxn if self.maxn is not None else DEFAULT_MAXN
        bucket = self.bucket if self.bucket is not None else DEFAULT_BUCKET
        if maxn == 0:
            return minn, 0, bucket  # no n-grams: each word its own row, as fastText's -maxn 0
        if minn > maxn:
            raise W2VError(f"--minn ({minn}) must not exceed --maxn ({maxn}); --maxn 0 turns n-grams off")
        if bucket == 0:
            raise W2VError("--bucket 0 leaves the n-grams no rows; give --maxn 0 to turn them off")
        return minn, maxn, bucket


@dataclasses.dataclass(frozen=True)
class Resolved(TrainOptions):
    """TrainOptions with every derived default settled (no field is None):
    what a run trains with, and what its checkpoints record."""

    @property
    def ngram_rows(self) -> int:
        """Rows of the n-gram matrix: --bucket with --subwords and n-grams on, else 0."""
        return int(self.bucket) if self.subwords and self.maxn else 0

    def output_rows(self, n_words: int) -> int:
        """Rows of W': one per word, or the V - 1 inner nodes of the Huffman tree for --loss hs."""
        return max(n_words - 1, 0) if self.loss == "hs" else n_words

