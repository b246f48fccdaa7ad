#!/usr/bin/env python3
"""Quality of w2v variants (and gensim) over several seeds, same run, one evaluator.

Each ``--variant 'NAME::ARGS[::SRC]'`` is a w2v run with extra ``w2v train``
arguments ARGS, optionally from another copy of the package (SRC is put first on
PYTHONPATH, so a patched kernel can be compared with the installed one).  ``gensim``
as a NAME runs gensim's corpus_file mode.  Runs alternate variant by variant within
each seed (A B C, A B C, ...), so a change in machine load spreads over all of them.
Training, timing and scoring are bench_train.py's (gensim's evaluators, analogy
restricted to the 30,000 most frequent words).  Prints each variant's per-seed
scores, means and mean wall time; writes everything to JSON.

Example (the issue-16 setting):
  python benchmarks/bench_seeds.py --seeds 1,2,3 --variant 'default::' \
      --variant 'floor::--min-alpha 0.0025' --variant 'gensim::'
"""
from __future__ import annotations

import argparse
import datetime as _dt
import json
import os
import shlex
import statistics
import sys
import tempfile

import bench_train as bt


def parse_variant(spec: str) -> dict:
    name, _, rest = spec.partition("::")
    args, _, src = rest.partition("::")
    kind = "gensim-file" if name == "gensim" else "w2v"
    return {"name": name, "kind": kind, "extra": shlex.split(args), "src": src or None}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--corpus", default=os.path.join(bt.ROOT, "corpora", "data", "gcide.txt"))
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--epochs", type=int, default=5)
    bt.add_training_options(ap)
    ap.add_argument("--seeds", default="1,2,3")
    ap.add_argument("--variant", action="append", required=True, help="NAME::W2V_ARGS[::SRC_DIR]; NAME gensim = gensim")
    ap.add_argument("--timeout", type=float, default=3600)
    ap.add_argument("--json", default=None)
    a = ap.parse_args(argv)
    a.corpus = os.path.abspath(a.corpus)
    seeds = [int(s) for s in a.seeds.split(",")]
    variants = [parse_variant(v) for v in a.variant]
    words, _ = bt.count_words(a.corpus)
    os.makedirs(bt.WORK, exist_ok=True)
    outdir = tempfile.mkdtemp(prefix="seeds-", dir=bt.WORK)
    w2v_cmd = [sys.executable, "-m", "w2v_cli"]
    runs = {v["name"]: [] for v in variants}
    for seed in seeds:
        a.seed = seed
        for v in variants:
            env = {}
            if v["src"]:
                env["PYTHONPATH"] = v["src"]
                env["NUMBA_CACHE_DIR"] = os.path.join(v["src"], ".numba-cache")
            r = bt.run_system(v["name"], {"kind": v["kind"], "extra": v["extra"]}, a, words, w2v_cmd,
                              outdir, f"s{seed}", env_extra=env)
            if r["ok"]:
                r.update(bt.evaluate(r["vectors"]))
                os.remove(r["vectors"])
            r["seed"] = seed
            runs[v["name"]].append(r)
            print(f"[seeds] {v['name']} seed {seed}: " + (
                f"wall {r['wall_s']:.1f} s train {r['train_s']:.1f} s WS353 {bt.fmt(r.get('ws353'))} "
                f"SimLex {bt.fmt(r.get('simlex'))} analogy {bt.fmt(r.get('analogy'))}" if r["ok"] else r.get("error")),
                file=sys.stderr, flush=True)
    summary = {}
    # Wall time as a share of gensim's (same seeds, same run): the equal-time comparison.
    g = [r["wall_s"] for r in runs.get("gensim", []) if r.get("ok")]
    gensim_wall = statistics.mean(g) if g else None
    lines = ["| variant | WS353 (seeds) | SimLex (seeds) | analogy (seeds) | mean WS353 | mean SimLex | mean analogy | mean wall s | mean train s | wall / gensim |",
             "|---|---|---|---|---|---|---|---|---|---|"]
    for v in variants:
        ok = [r for r in runs[v["name"]] if r.get("ok")]
        if not ok:
            lines.append(f"| {v['name']} | failed | | | | | | | | |")
            continue
        s = {k: statistics.mean(r[k] for r in ok) for k in ("ws353", "simlex", "analogy", "wall_s", "train_s")}
        s["runs"] = len(ok)
        s["wall_vs_gensim"] = s["wall_s"] / gensim_wall if gensim_wall else None
        summary[v["name"]] = s
        per = lambda k: " / ".join(f"{r[k]:.3f}" for r in ok)
        lines.append(f"| {v['name']} | {per('ws353')} | {per('simlex')} | {per('analogy')} | {s['ws353']:.3f} | "
                     f"{s['simlex']:.3f} | {s['analogy']:.3f} | {s['wall_s']:.1f} | {s['train_s']:.1f} | "
                     f"{bt.fmt(s['wall_vs_gensim'], '.2f')} |")
    table = "\n".join(lines)
    print(table)
    stamp = _dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    path = a.json or os.path.join(bt.RESULTS, f"seeds-{stamp}.json")
    with open(path, "w") as f:
        json.dump({"date": stamp, "settings": vars(a), "variants": variants, "summary": summary,
                   "runs": runs, "markdown": table}, f, indent=1, default=str)
    print(f"(JSON: {os.path.relpath(path, bt.ROOT)})")
    # As bench_train: a run that failed fails the benchmark, with its error.
    failed = [(f"{name} seed {r['seed']}", r.get("error")) for name, rs in runs.items() for r in rs if not r.get("ok")]
    for what, error in failed:
        print(f"error: bench_seeds: {what} failed: {error}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
