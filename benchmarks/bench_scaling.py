#!/usr/bin/env python3
"""How w2v and gensim (corpus_file) scale with corpus size and threads.

Synthetic corpora (corpora/synth.py, seed 1) of growing size are trained at 1 and
2 threads; per run: seconds, words/s, peak RSS of the child process (same runner
as bench_train.py). Checks: training time ~ linear in tokens (R^2 >= 0.98 of a
straight-line fit, start-up cost allowed as intercept, or throughput at the largest
size within 25% of the smallest) and memory flat (peak RSS at the largest size at
most 1.5x the smallest, or under 1 byte per extra token). Writes JSON and a
PNG (throughput and peak RSS vs tokens) to benchmarks/results/.

Usage: python benchmarks/bench_scaling.py [--sizes 1M,4M,16M] [--threads 1,2]
           [--systems w2v,gensim-file] [--epochs 1] [--w2v-args "..."]
"""
from __future__ import annotations

import argparse
import datetime as _dt
import json
import os
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(ROOT, "corpora"))
import bench_train as bt  # noqa: E402
import synth  # noqa: E402


def corpus_for(tokens: int, seed: int, workdir: str) -> str:
    path = os.path.join(workdir, f"synth-{tokens}-s{seed}.txt")
    if not os.path.exists(path):
        print(f"[scaling] generating {path} ...", file=sys.stderr, flush=True)
        synth.Synth(seed=seed).generate(tokens, path, counts=False)
    return path


def linear_fit(xs, ys):
    n = len(xs)
    if n < 2:
        return None, None, None
    mx, my = sum(xs) / n, sum(ys) / n
    sxx = sum((x - mx) ** 2 for x in xs)
    b = sum((x - mx) * (y - my) for x, y in zip(xs, ys)) / sxx
    a = my - b * mx
    ss_tot = sum((y - my) ** 2 for y in ys)
    ss_res = sum((y - a - b * x) ** 2 for x, y in zip(xs, ys))
    return a, b, (1 - ss_res / ss_tot) if ss_tot > 0 else 1.0


def plot(results, path) -> str | None:
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return "matplotlib not installed (pip install matplotlib): no plot written"
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(11, 4.2))
    for key in sorted({(r["system"], r["threads"]) for r in results if r.get("ok")}):
        rs = sorted([r for r in results if r.get("ok") and (r["system"], r["threads"]) == key],
                    key=lambda r: r["tokens"])
        x = [r["tokens"] for r in rs]
        label = f"{key[0]}, {key[1]} thread{'s' if key[1] > 1 else ''}"
        ax1.plot(x, [r["words_per_s"] / 1e6 for r in rs], "o-", label=label)
        ax2.plot(x, [r["peak_rss_mb"] for r in rs], "o-", label=label)
    for ax, yl in ((ax1, "training throughput (M words/s)"), (ax2, "peak RSS (MB)")):
        ax.set_xscale("log")
        ax.set_xlabel("corpus tokens")
        ax.set_ylabel(yl)
        ax.set_ylim(bottom=0)
        ax.grid(alpha=0.3)
    ax1.legend(fontsize=8)
    fig.suptitle("w2v vs gensim corpus_file on synthetic corpora")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    return None


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--sizes", default="1M,4M,16M")
    ap.add_argument("--threads", default="1,2")
    ap.add_argument("--systems", default="w2v,gensim-file")
    ap.add_argument("--epochs", type=int, default=1)
    bt.add_training_options(ap)
    ap.add_argument("--w2v-args", default="")
    ap.add_argument("--timeout", type=float, default=7200)
    ap.add_argument("--keep-corpora", action="store_true", help="keep the generated corpora")
    a = ap.parse_args(argv)
    sizes = [synth.parse_tokens(s) for s in a.sizes.split(",")]
    threads = [int(t) for t in a.threads.split(",")]
    systems = [s.strip() for s in a.systems.split(",")]
    workdir = os.path.join(bt.WORK, "scaling")
    os.makedirs(workdir, exist_ok=True)
    os.makedirs(bt.RESULTS, exist_ok=True)
    outdir = tempfile.mkdtemp(prefix="scaling-", dir=bt.WORK)

    notes = []
    failures = []  # (system, error): any makes the exit status 1
    w2v_cmd, why = bt.find_w2v() if "w2v" in systems else (None, None)
    if "w2v" in systems and w2v_cmd is None:
        notes.append(f"w2v: cannot run: {why}")
        failures.append(("w2v", f"cannot run: {why}"))
        systems.remove("w2v")
    spec = {s: {"kind": s, "extra": bt.shlex.split(a.w2v_args)} for s in systems}
    if w2v_cmd is not None:  # untimed warm-up fills the Numba cache
        tiny = corpus_for(20_000, a.seed, workdir)
        ns = argparse.Namespace(**{**vars(a), "corpus": tiny, "threads": 1, "epochs": 1, "min_count": 1})
        bt.run_system("w2v", spec["w2v"], ns, 20_000, w2v_cmd, outdir, "warmup")

    results = []
    for n in sizes:
        corpus = corpus_for(n, a.seed, workdir)
        for t in threads:
            for s in systems:  # alternate systems at each size/thread count
                ns = argparse.Namespace(**{**vars(a), "corpus": corpus, "threads": t})
                print(f"[scaling] {s}: {n:,} tokens, {t} thread(s) ...", file=sys.stderr, flush=True)
                r = bt.run_system(s, spec[s], ns, n, w2v_cmd, outdir, f"{n}-{t}")
                if os.path.exists(r.get("vectors", "")):
                    os.remove(r["vectors"])
                r.update(tokens=n, threads=t, system=s)
                results.append(r)
                if not r["ok"]:
                    failures.append((f"{s} ({n:,} tokens, {t} thread(s))", r.get("error")))
                print("[scaling]   " + (f"train {r['train_s']:.1f} s, {r['words_per_s']/1e6:.3f} M words/s, "
                                         f"RSS {r['peak_rss_mb']:.0f} MB" if r["ok"] else r.get("error", "failed")),
                      file=sys.stderr, flush=True)
        if not a.keep_corpora and n > 20_000_000:
            os.remove(corpus)

    # table + checks
    print(f"\n### Scaling: synthetic corpora, dim {a.dim}, window {a.window}, negative {a.negative}, "
          f"sample {a.sample}, {a.epochs} epoch(s)\n")
    print("| system | threads | tokens | wall s | train s | words/s | words/s/thread | peak RSS MB |")
    print("|---|---|---|---|---|---|---|---|")
    for r in results:
        if r["ok"]:
            print(f"| {r['system']} | {r['threads']} | {r['tokens']/1e6:g} M | {r['wall_s']:.1f} | {r['train_s']:.1f} | "
                  f"{r['words_per_s']/1e6:.3f} M | {r['words_per_s_per_thread']/1e3:.0f} k | {r['peak_rss_mb']:.0f} |")
        else:
            print(f"| {r['system']} | {r['threads']} | {r['tokens']/1e6:g} M | - | - | - | - | {r.get('error', '')[:80]} |")
    checks = []
    for s in systems:
        for t in threads:
            rs = sorted([r for r in results if r["ok"] and r["system"] == s and r["threads"] == t],
                        key=lambda r: r["tokens"])
            if len(rs) < 2:
                continue
            _, _, r2 = linear_fit([r["tokens"] for r in rs], [r["train_s"] for r in rs])
            thr = rs[-1]["words_per_s"] / rs[0]["words_per_s"]
            mem = rs[-1]["peak_rss_mb"] / rs[0]["peak_rss_mb"]
            scale = rs[-1]["tokens"] / rs[0]["tokens"]
            a0, b0, _ = linear_fit([r["tokens"] for r in rs], [r["train_s"] for r in rs])
            per_tok = (rs[-1]["peak_rss_mb"] - rs[0]["peak_rss_mb"]) * 2**20 / (rs[-1]["tokens"] - rs[0]["tokens"])
            c = {"system": s, "threads": t, "r2_time_vs_tokens": r2, "throughput_ratio_largest_smallest": thr,
                 "fit_intercept_s": a0, "fit_marginal_words_per_s": 1 / b0 if b0 else None,
                 "rss_ratio_largest_smallest": mem, "rss_growth_bytes_per_token": per_tok, "size_ratio": scale,
                 # linear: a straight line fits (fixed start-up cost allowed) or throughput is steady
                 "time_linear": (len(rs) > 2 and r2 >= 0.98) or abs(thr - 1) <= 0.25,
                 # flat: less than 1 byte of peak RSS per extra token (the vocabulary of a
                 # synthetic corpus still grows up to ~4 M tokens, then is fixed at 50 k words)
                 "memory_flat": mem <= 1.5 or per_tok < 1.0}
            checks.append(c)
            print(f"- {s}, {t} thread(s): tokens x{scale:g} -> throughput x{thr:.2f}, time = {a0:.1f} s + tokens / "
                  f"{(1 / b0 if b0 else float('nan')) / 1e6:.3f} M/s, R^2 {r2:.4f} "
                  f"({'linear' if c['time_linear'] else 'NOT linear'}); peak RSS x{mem:.2f}, "
                  f"{per_tok:+.2f} bytes/token ({'flat' if c['memory_flat'] else 'GROWS'})")
    for s in systems:
        for n in sizes:
            rr = {r["threads"]: r for r in results if r["ok"] and r["system"] == s and r["tokens"] == n}
            if 1 in rr and 2 in rr:
                print(f"- {s}, {n/1e6:g} M tokens: 2 threads / 1 thread speed-up x"
                      f"{rr[2]['words_per_s'] / rr[1]['words_per_s']:.2f}")
    for n_ in notes:
        print(f"\nnote: {n_}")

    stamp = _dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    base = os.path.join(bt.RESULTS, f"scaling-{stamp}")
    with open(base + ".json", "w") as f:
        json.dump({"date": stamp, "settings": vars(a), "results": results, "checks": checks,
                   "notes": notes}, f, indent=1, default=str)
    msg = plot(results, base + ".png")
    print(f"\n(JSON: {os.path.relpath(base + '.json', ROOT)}" +
          (f"; plot: {os.path.relpath(base + '.png', ROOT)})" if msg is None else f"; {msg})"))
    bt.shutil.rmtree(outdir, ignore_errors=True)
    return bt.failure_exit(failures, "bench_scaling")


if __name__ == "__main__":
    sys.exit(main())
