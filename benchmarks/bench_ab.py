"""Checkouts' (or option values') epoch kernels, epoch by epoch in turn in one process.

On this project's 2-vCPU machine, two training threads run either at full speed
or, for stretches of seconds to minutes, at half speed.  Two single-thread
processes keep full speed in those periods, so it is the cache lines the
threads share that cost more then (most likely the host has placed the two
vCPUs far apart).  Timings of separate runs (or processes) can compare a
period of one kind with a period of the other.
Here each side's package is imported under its own name (a copy, so the same
checkout can be two sides with different options) and every side trains its
own model from the same start on the same id stream, in turn epoch by epoch
(A B C, B C A, ...), so the sides' epochs of one round see the same host.  Per round
it prints wall and CPU seconds, and at the end each side's median ratio to A
and its last-epoch loss (the quality figure beside the speed).

    python benchmarks/bench_ab.py /work/main /path/to/other --model cbow --threads 2 --epochs 10
    python benchmarks/bench_ab.py . .@shared_negatives=1 .@shared_negatives=4 --model cbow
"""

from __future__ import annotations

import argparse
import importlib
import os
import shutil
import statistics
import sys
import tempfile


ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _import_copy(checkout: str, name: str, into: str):
    """Import ``checkout``/w2v_cli as package ``name`` (a copy under ``into``; the
    package's imports are relative, and Numba caches the copy apart)."""
    shutil.copytree(os.path.join(checkout, "w2v_cli"), os.path.join(into, name),
                    ignore=shutil.ignore_patterns("__pycache__"))
    if into not in sys.path:
        sys.path.insert(0, into)
    return importlib.import_module(name)


def _number(text: str):
    """An option value from the command line: true/false, int, float, or the text itself."""
    if text.lower() in ("true", "false"):
        return text.lower() == "true"
    for kind in (int, float):
        try:
            return kind(text)
        except ValueError:
            pass
    return text


def _module(pkg, *names):
    """The first of ``names`` (module paths inside the package) that exists: a
    side may be a checkout from before the package was split by concern."""
    for name in names:
        try:
            return importlib.import_module(f"{pkg.__name__}.{name}")
        except ModuleNotFoundError:
            continue
    raise ModuleNotFoundError(f"none of {names} in {pkg.__name__}")


class Side:
    def __init__(self, pkg, stream, counts, train_words, opts_kw, threads):
        importlib.import_module(pkg.__name__ + ".jit").configure()
        self.registry = _module(pkg, "training.kernels.registry", "kernels.registry")
        self.inputs = _module(pkg, "training.kernels.inputs", "kernels.inputs")
        options = _module(pkg, "training.options", "options")
        initial = _module(pkg, "training.initial", "prepare")
        asked = options.TrainOptions(**opts_kw)
        opts = asked.resolve() if hasattr(asked, "resolve") else asked.validate()
        self.kernel = self.registry.select(opts.model, opts.loss, opts.batch).epoch
        W, Wp = initial.init_vectors(len(counts), opts.dim, opts.seed, opts.output_rows(len(counts)))
        self.b = self.inputs.epoch_inputs(stream, counts, W, Wp, opts, threads=threads,
                                          total_words=opts.epochs * train_words)
        self.kernel(self.inputs.idle(self.b))  # load or compile, outside the clock
        self.seed, self.train_words = opts.seed, train_words
        self.loss = float("nan")

    def epoch(self, e):
        from benchmarks.bench_kernel import timed_epoch

        self.b, wall, cpu, self.loss = timed_epoch(self.kernel, self.inputs.start_epoch, self.b, e, self.seed,
                                                   self.train_words)
        return wall, cpu


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("sides", nargs="+", help="checkouts (directories holding w2v_cli/), the first the baseline; "
                    "DIR@NAME=VALUE,... sets training options (TrainOptions fields) for that side only")
    ap.add_argument("--corpus", default=os.path.join(ROOT, "corpora", "data", "gcide.txt"))
    ap.add_argument("--model", choices=["skipgram", "cbow"], default="skipgram")
    ap.add_argument("--loss", choices=["ns", "hs"], default="ns")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--epochs", type=int, default=10)
    ap.add_argument("--dim", type=int, default=100)
    ap.add_argument("--sample", type=float, default=1e-4)
    ap.add_argument("--min-count", type=int, default=5)
    a = ap.parse_args(argv)
    if not os.path.exists(a.corpus):
        ap.error(f"{a.corpus} not found (make corpus-gcide)")

    import numba

    sys.path.insert(0, ROOT)
    from benchmarks.bench_kernel import load_stream

    stream, counts, train_words = load_stream(a.corpus, a.min_count)
    numba.set_num_threads(a.threads)
    opts = dict(model=a.model, loss=a.loss, dim=a.dim, sample=a.sample, epochs=a.epochs, min_count=a.min_count)
    with tempfile.TemporaryDirectory(prefix="w2v-ab-") as tmp:
        sides = []
        for i, spec in enumerate(a.sides):
            path, _, extra = spec.partition("@")
            own = dict(opts, **{k: _number(v) for k, v in (kv.split("=", 1) for kv in extra.split(",") if kv)})
            sides.append(Side(_import_copy(path, f"w2v_side{i}", tmp), stream, counts, train_words, own,
                              a.threads))
        ratios = [[] for _ in sides]
        for e in range(a.epochs):
            # The order rotates every round, so no side always runs first.
            order = [(e + j) % len(sides) for j in range(len(sides))]
            ran = {i: sides[i].epoch(e) for i in order}
            times = [ran[i] for i in range(len(sides))]
            for i, (w, c) in enumerate(times):
                ratios[i].append((w / times[0][0], c / times[0][1]))
            print(f"epoch {e + 1}: " + "  ".join(f"{chr(65 + i)} {w:.3f} s (CPU {c:.3f})"
                                                  for i, (w, c) in enumerate(times)), flush=True)
    for i, spec in enumerate(a.sides):
        walls, cpus = zip(*ratios[i])
        print(f"{chr(65 + i)} {spec}: median /A wall {statistics.median(walls):.3f}, CPU {statistics.median(cpus):.3f}; "
              f"last-epoch loss {sides[i].loss:.4f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
