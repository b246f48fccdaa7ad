#!/usr/bin/env python3
"""How w2v and gensim (corpus_file) scale with corpus size and threads.

Synthetic corpora (corpora/synth.py, seed 1; --vocab sets the Zipfian background
vocabulary, e.g. 5000000 for millions of distinct words) of growing size are
trained at 1 and 2 threads; per run: wall seconds, training seconds, the rest
(start-up + the corpus pass + saving: wall - training), words/s, peak RSS of the
child process (same runner as bench_train.py) and the size of w2v's id stream
on disk (4 bytes per in-vocabulary token and per line end). Checks: training time ~ linear in tokens (R^2 >= 0.98 of a
straight-line fit, start-up cost allowed as intercept, or throughput at the largest
size within 25% of the smallest) and memory flat (peak RSS at the largest size at
most 1.5x the smallest, or under 1 byte per extra token). Writes JSON and a
PNG (throughput and peak RSS vs tokens) to benchmarks/results/.

Usage: python benchmarks/bench_scaling.py [--sizes 1M,4M,16M] [--threads 1,2] [--vocab 50000]
           [--systems w2v,gensim-file] [--epochs 1] [--w2v-args "..."]
A billion-token run with a 5 M-word vocabulary:
       python benchmarks/bench_scaling.py --sizes 16M,100M,400M,1B --threads 2 --vocab 5000000 --systems w2v
"""
from __future__ import annotations

import argparse
import datetime as _dt
import json
import os
import re
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(ROOT, "corpora"))
import bench_train as bt  # noqa: E402
import synth  # noqa: E402


def corpus_for(tokens: int, seed: int, workdir: str, vocab: int = 50000) -> str:
    path = os.path.join(workdir, f"synth-{tokens}-s{seed}" + (f"-v{vocab}" if vocab != 50000 else "") + ".txt")
    if not os.path.exists(path):
        print(f"[scaling] generating {path} ...", file=sys.stderr, flush=True)
        # In a child: a parent holding a multi-million-word generator would pass its
        # size on to every child's peak RSS (Linux keeps the high-water mark across exec).
        # With its answer key: the key holds the number of distinct words, counted as generated.
        bt.subprocess.run([sys.executable, synth.__file__, "--tokens", str(tokens), "--seed", str(seed),
                           "--vocab", str(vocab), "--out", path, "--quiet"], check=True)
    return path


def distinct_words(path: str) -> int | None:
    """Distinct words of a generated corpus, from its answer key."""
    try:
        with open(os.path.splitext(path)[0] + ".key.json") as f:
            return json.load(f).get("distinct_words")
    except OSError:
        return None


def stream_bytes(summary: str, tokens: int, line_words: int = 1000) -> int | None:
    """Bytes of w2v's id stream: 4 per in-vocabulary token (from its summary
    line) and per line end."""
    m = re.search(r"([0-9,]+) words x", summary or "")
    return 4 * (int(m.group(1).replace(",", "")) + -(-tokens // line_words)) if m else None


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
    ap.add_argument("--vocab", type=int, default=50000, help="synthetic background vocabulary (distinct words)")
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
        corpus = corpus_for(n, a.seed, workdir, a.vocab)
        corpus_mb = os.path.getsize(corpus) / 1e6
        distinct = distinct_words(corpus)
        for t in threads:
            for s in systems:  # alternate systems at each size/thread count
                ns = argparse.Namespace(**{**vars(a), "corpus": corpus, "threads": t})
                print(f"[scaling] {s}: {n:,} tokens, {t} thread(s) ...", file=sys.stderr, flush=True)
                r = bt.run_system(s, spec[s], ns, n, w2v_cmd, outdir, f"{n}-{t}")
                if os.path.exists(r.get("vectors", "")):
                    os.remove(r["vectors"])
                r.update(tokens=n, threads=t, system=s, corpus_mb=corpus_mb, distinct_words=distinct)
                if r["ok"]:
                    r["other_s"] = r["wall_s"] - r["train_s"]
                    if r.get("before_train_s") is not None:  # the rest after training: saving
                        r["after_train_s"] = r["wall_s"] - r["before_train_s"] - r["train_s"]
                    if s == "w2v":
                        r["stream_mb"] = (stream_bytes(r.get("summary"), n) or 0) / 1e6
                results.append(r)
                if not r["ok"]:
                    failures.append((f"{s} ({n:,} tokens, {t} thread(s))", r.get("error")))
                print("[scaling]   " + (f"wall {r['wall_s']:.1f} s, train {r['train_s']:.1f} s, "
                                         f"{r['words_per_s']/1e6:.3f} M words/s, "
                                         f"RSS {r['peak_rss_mb']:.0f} MB" if r["ok"] else r.get("error", "failed")),
                      file=sys.stderr, flush=True)
        if not a.keep_corpora and n > 20_000_000:
            for p in [corpus] + [os.path.splitext(corpus)[0] + x for x in
                                 (".key.json", ".questions-words.txt", ".pairs.tsv")]:
                if os.path.exists(p):
                    os.remove(p)

    # table + checks
    print(f"\n### Scaling: synthetic corpora ({a.vocab:,}-word Zipfian vocabulary), dim {a.dim}, window {a.window}, "
          f"negative {a.negative}, sample {a.sample}, min-count {a.min_count}, {a.epochs} epoch(s)\n")
    print("(before training: launch to the first progress bar, i.e. start-up + corpus pass + initialisation; "
          "after: saving; distinct words counted by the generator; kept words from w2v's summary)\n")
    print("| system | threads | tokens | text MB | distinct words | kept words | wall s | rest s | before training s "
          "| after training s | train s | words/s | peak RSS MB | id stream MB |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")

    def num(x, fmt):
        return "-" if x is None else format(x, fmt)
    for r in results:
        if r["ok"]:
            print(f"| {r['system']} | {r['threads']} | {r['tokens']/1e6:g} M | {r['corpus_mb']:.0f} | "
                  f"{num(r.get('distinct_words'), ',')} | {num(r.get('vocab_words'), ',')} | {r['wall_s']:.1f} | "
                  f"{r['other_s']:.1f} | {num(r.get('before_train_s'), '.1f')} | {num(r.get('after_train_s'), '.1f')} | "
                  f"{r['train_s']:.1f} | {r['words_per_s']/1e6:.3f} M | {r['peak_rss_mb']:.0f} | "
                  f"{r.get('stream_mb', 0):.0f} |")
        else:
            print(f"| {r['system']} | {r['threads']} | {r['tokens']/1e6:g} M | - | - | - | - | - | - | - | - | - | - | "
                  f"{r.get('error', '')[:80]} |")
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
