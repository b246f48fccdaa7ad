"""``w2v warmup``: compile every kernel ahead of time; and the line ``w2v train``
and ``w2v phrases`` print before they compile (``w2v_cli.jit.announce_compiles``).

A run compiles only the kernels it calls: the corpus kernels, and the epoch
kernel of its (model, loss, batch) entry.  Warm-up calls them the way a run
does, on a small generated corpus through the same code (the same argument
types, hence the same cache entries), so a later run loads them all.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time

import click

# Seconds to compile, measured on the project's 2-core machine (AMD EPYC, znver4,
# AVX-512, Python 3.11, Numba 0.68) on 2026-12-04 with a fresh cache: CPU seconds,
# the machine being shared (they are what the wall time is while nothing else runs).
CORPUS_SECONDS = 6.4  # the corpus kernels: counting, tokenising, the word table
PHRASES_SECONDS = 0.9  # phrase counting and scoring, once the corpus kernels are compiled
EPOCH_SECONDS = {  # an entry's epoch kernel (and rng's, span's, the step's), alone, by (model, loss, batch)
    ("skipgram", "ns", "window"): 24.9,
    ("skipgram", "ns", "pair"): 6.6,
    ("skipgram", "softmax", "pair"): 6.3,
    ("cbow", "ns", "window"): 8.4,
    ("skipgram", "hs", "window"): 54.1,
    ("skipgram", "hs", "pair"): 10.4,
    ("cbow", "hs", "window"): 11.1,
}
EPOCH_SECONDS[("skipgram", "softmax", "window")] = EPOCH_SECONDS[("skipgram", "softmax", "pair")]


def _missing(groups) -> float:
    """Seconds to compile the groups ((probe kernel, seconds)) whose probe is not cached."""
    from .. import jit

    return sum(seconds for probe, seconds in groups if not jit.is_cached(probe))


def announce_for_train(opts) -> None:
    """Before ``w2v train`` compiles anything: one line, with the time its missing kernels take."""
    from .. import jit
    from ..corpus.kernels import tokenize
    from ..training.distributed import launched_rank  # reads the environment, no mpi4py import
    from ..training.kernels import registry

    if launched_rank() != 0:
        return  # under MPI, rank 0 says it for all
    entry = registry.select(opts.model, opts.loss, opts.batch)
    groups = [(tokenize.count_range, CORPUS_SECONDS),
              (entry.epoch, EPOCH_SECONDS.get((opts.model, opts.loss, opts.batch), 10.0))]
    jit.announce_compiles(lambda: _missing(groups))


def announce_for_phrases() -> None:
    from .. import jit
    from ..corpus.kernels import phrases, tokenize

    groups = [(tokenize.count_range, CORPUS_SECONDS), (phrases.count_pairs, PHRASES_SECONDS)]
    jit.announce_compiles(lambda: _missing(groups))


def _sample_corpus(path: str, lines: int = 400, words: int = 500) -> None:
    """Text on which every kernel a run calls is called: enough distinct words that
    the word table grows, sentences of many lengths, and pairs frequent enough to
    be joined into phrases."""
    import numpy as np

    rng = np.random.default_rng(0)
    vocab = [f"w{i}" for i in range(words)]
    with open(path, "w", encoding="utf-8") as f:
        for _ in range(lines):
            ids = np.minimum(rng.zipf(1.3, size=rng.integers(1, 60)), words) - 1
            f.write(" ".join(vocab[i] for i in ids) + "\n")


class _Compiles:
    """Counts the compiles (cache misses) of w2v's own functions while active."""

    def __init__(self):
        from numba.core import event

        self.count = 0
        counter = self

        class Listener(event.Listener):
            def on_start(self, ev):
                f = getattr((ev.data or {}).get("dispatcher"), "py_func", None)
                if (getattr(f, "__module__", "") or "").startswith("w2v_cli."):
                    counter.count += 1

            def on_end(self, ev):
                pass

        event.register("numba:compile", Listener())


@click.command()
def warmup():
    """Compile every kernel for this CPU now (the corpus kernels, phrases' and the
    epoch kernel of every --model/--loss/--batch), so that no later run compiles;
    each line gives its seconds."""
    from .. import jit

    jit.start()
    from ..corpus.phrases import PhrasesOptions, phrases as run_phrases
    from ..corpus.pipeline import prepare
    from ..training.kernels import registry
    from ..training.loop import train

    compiles = _Compiles()
    total = 0.0

    def step(label, run):
        nonlocal total
        before, start, cpu = compiles.count, time.perf_counter(), time.process_time()
        run()
        seconds = time.perf_counter() - start
        total += seconds
        state = "compiled" if compiles.count > before else "cached"
        # CPU seconds too: on a busy machine they are what the wall time would be on an idle one.
        click.echo(f"{label:<50} {seconds:6.1f} s ({time.process_time() - cpu:5.1f} s CPU)  {state}", err=True)

    with tempfile.TemporaryDirectory(prefix="w2v-warmup-") as work:
        corpus = os.path.join(work, "corpus.txt")
        _sample_corpus(corpus)
        threads = os.cpu_count() or 1
        step("corpus kernels", lambda: prepare(corpus, work, min_count=1, threads=threads))
        step("phrases", lambda: run_phrases(corpus, os.path.join(work, "phrases.txt"),
                                            PhrasesOptions(min_count=1).resolve()))
        done = set()
        for (model, loss, batch), entry in registry.STEPS.items():
            if entry.epoch in done:
                continue  # softmax trains pairs whatever --batch says: one kernel
            done.add(entry.epoch)
            step(f"--model {model} --loss {loss} --batch {batch}",
                 lambda: train(corpus, model=model, loss=loss, batch=batch, dim=8, epochs=1, min_count=1,
                               threads=threads, progress=False, force=True))
    click.echo(f"all kernels in {total:.1f} s; cache {os.path.join(jit.cache_base(), jit.cache_key())}",
               err=True)


if __name__ == "__main__":
    warmup(sys.argv[1:])
