#!/usr/bin/env python3
"""Time per training pair against vocabulary size: full softmax (O(V D) per pair)
against SGNS (O((K + 1) D) per pair, flat in V).

For each V a synthetic id stream is drawn from a Zipf(1) distribution over V
words (1,000-word sentences), and the registry's epoch kernels for
``--loss softmax`` and ``--loss ns --batch pair`` are called directly on the
bundle the training loop builds (``kernels.inputs.epoch_inputs``).  Calling the
kernels, not ``train()``, gives the exact pair count (the kernels' pair
accumulator) and leaves out corpus reading; the 50,000-word limit of
``train()`` (``--force``) does not apply here.  Subsampling is off (sample 0)
so every word of the stream is trained.

Each (kernel, V) is first compiled/warmed and calibrated on a short stream, then
timed on a stream sized to take about ``--seconds`` seconds; the best of
``--repeats`` timings is reported.

    python benchmarks/bench_softmax.py                      # V = 1k, 4k, 16k, 64k
    python benchmarks/bench_softmax.py --vocab 1000,4000 --seconds 1

Writes benchmarks/results/bench_softmax.json and .png (if matplotlib is
installed) and prints a Markdown table.
"""
from __future__ import annotations

import argparse
import datetime as _dt
import json
import os
import platform
import sys
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))

from w2v_cli import jit  # noqa: E402

jit.configure()  # the LLVM options training compiles with, before the kernels are imported
from w2v_cli.training.kernels import registry  # noqa: E402
from w2v_cli.training.kernels.inputs import epoch_inputs, start_epoch  # noqa: E402
from w2v_cli.training.options import TrainOptions  # noqa: E402
from w2v_cli.training.initial import init_vectors  # noqa: E402

RESULTS = os.path.join(HERE, "results")
SENTENCE = 1000


def zipf_stream(V: int, n_words: int, seed: int) -> np.ndarray:
    """``n_words`` ids from p(k) ~ 1 / (k + 1), a -1 after every SENTENCE words."""
    rng = np.random.default_rng(seed)
    p = 1.0 / np.arange(1, V + 1)
    ids = rng.choice(V, size=n_words, p=p / p.sum()).astype(np.int32)
    n_sent = -(-n_words // SENTENCE)
    out = np.full(n_words + n_sent, -1, np.int32)
    mask = np.ones(len(out), bool)
    mask[SENTENCE::SENTENCE + 1] = False  # break after each full sentence
    mask[-1] = False
    out[mask] = ids
    return out


LOSSES = {"softmax": ("softmax", "pair"), "sgns": ("ns", "pair")}


def run_kernel(name, stream, V, args, threads: int):
    """One epoch over ``stream``; returns (seconds, pairs, words, mean loss)."""
    loss, batch = LOSSES[name]
    counts = np.bincount(stream[stream >= 0], minlength=V).astype(np.int64) + 1
    opts = TrainOptions(dim=args.dim, window=args.window, negative=args.negative, sample=0.0, loss=loss,
                        batch=batch, epochs=1).resolve()
    W, Wp = init_vectors(V, args.dim, 1)
    b = start_epoch(epoch_inputs(stream, counts, W, Wp, opts, threads=threads), 0, 1, 0)
    kernel = registry.select(opts.model, opts.loss, opts.batch).epoch
    t0 = time.perf_counter()
    kernel(b)
    dt = time.perf_counter() - t0
    pairs = int(b.pair_acc.sum())
    return dt, pairs, int(b.progress.sum()), float(b.loss_acc.sum() / max(pairs, 1))


def measure(name, V, args, threads):
    # Warm-up (compiles on first use) and calibration on a short stream.
    probe = zipf_stream(V, 2000 if name == "softmax" else 200_000, seed=V)
    run_kernel(name, probe[:50], V, args, threads)
    dt, pairs, _, _ = run_kernel(name, probe, V, args, threads)
    words_per_s = 2000 / dt if name == "softmax" else 200_000 / dt
    n_words = max(200, int(words_per_s * args.seconds))
    stream = zipf_stream(V, n_words, seed=V + 1)
    best = None
    for _ in range(args.repeats):
        r = run_kernel(name, stream, V, args, threads)
        if best is None or r[0] < best[0]:
            best = r
    dt, pairs, words, loss = best
    return {"kernel": name, "V": V, "threads": threads, "words": words, "pairs": pairs,
            "seconds": dt, "us_per_pair": 1e6 * dt / pairs, "pairs_per_s": pairs / dt,
            "mean_loss": loss}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--vocab", default="1000,4000,16000,64000", help="comma-separated vocabulary sizes")
    ap.add_argument("--dim", type=int, default=100)
    ap.add_argument("--window", type=int, default=5)
    ap.add_argument("--negative", type=int, default=5)
    ap.add_argument("--threads", default="1", help="comma-separated thread counts, e.g. 1,2")
    ap.add_argument("--seconds", type=float, default=3.0, help="target time of one timed run")
    ap.add_argument("--repeats", type=int, default=2)
    ap.add_argument("--out", default=os.path.join(RESULTS, "bench_softmax"))
    args = ap.parse_args(argv)
    import numba

    sizes = [int(v) for v in args.vocab.split(",")]
    rows = []
    for threads in [int(t) for t in args.threads.split(",")]:
        numba.set_num_threads(threads)
        for V in sizes:
            for name in LOSSES:
                r = measure(name, V, args, threads)
                rows.append(r)
                print(f"  {name:8s} V={V:6d} threads={threads}: {r['us_per_pair']:9.3f} us/pair "
                      f"({r['pairs']:,} pairs in {r['seconds']:.2f} s)", file=sys.stderr)

    print(f"\nTime per training pair, dim {args.dim}, window {args.window}, negative {args.negative} "
          f"(SGNS), Zipf(1) synthetic corpus, sample 0\n")
    print("| V | threads | softmax µs/pair | SGNS µs/pair | softmax / SGNS | softmax ns/(pair·V) |")
    print("|---:|---:|---:|---:|---:|---:|")
    for threads in sorted({r["threads"] for r in rows}):
        for V in sizes:
            sm = next(r for r in rows if r["kernel"] == "softmax" and r["V"] == V and r["threads"] == threads)
            ns = next(r for r in rows if r["kernel"] == "sgns" and r["V"] == V and r["threads"] == threads)
            print(f"| {V:,} | {threads} | {sm['us_per_pair']:.1f} | {ns['us_per_pair']:.3f} | "
                  f"{sm['us_per_pair'] / ns['us_per_pair']:,.0f}x | {1e3 * sm['us_per_pair'] / V:.3f} |")

    os.makedirs(os.path.dirname(args.out), exist_ok=True)
    meta = {"date": _dt.datetime.now().isoformat(timespec="seconds"), "machine": platform.machine(),
            "processor": platform.processor(), "cpus": os.cpu_count(), "python": platform.python_version(),
            "numpy": np.__version__, "numba": numba.__version__, "dim": args.dim, "window": args.window,
            "negative": args.negative, "sample": 0.0, "corpus": "synthetic Zipf(1), 1000-word sentences"}
    with open(args.out + ".json", "w") as fh:
        json.dump({"meta": meta, "rows": rows}, fh, indent=1)
    print(f"\nwrote {args.out}.json", file=sys.stderr)
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("matplotlib not installed: no plot", file=sys.stderr)
        return 0
    fig, ax = plt.subplots(figsize=(6, 4))
    for threads in sorted({r["threads"] for r in rows}):
        for name, style in (("softmax", "o-"), ("sgns", "s--")):
            pts = [(r["V"], r["us_per_pair"]) for r in rows if r["kernel"] == name and r["threads"] == threads]
            ax.loglog(*zip(*pts), style, label=f"{name}, {threads} thread{'s' if threads > 1 else ''}")
    ax.set_xlabel("vocabulary size V")
    ax.set_ylabel("wall µs per training pair (all threads)")
    ax.set_title(f"Full softmax vs SGNS (dim {args.dim}, K = {args.negative})")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend()
    fig.tight_layout()
    fig.savefig(args.out + ".png", dpi=120)
    print(f"wrote {args.out}.png", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
