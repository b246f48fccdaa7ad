#!/usr/bin/env python3
"""How long does ``w2v similar WORD -m vectors.bin`` take, against gensim doing the same?

Writes a random V x D binary vectors file (default 100,000 x 300, word2vec.c layout)
under benchmarks/work/, then times, alternating A B A B for ``--repeats`` rounds:

  w2v     a subprocess ``w2v similar WORD -m FILE --json`` (console script if
          installed, else ``python -m w2v_cli``): interpreter start, imports, load,
          one most_similar, print;
  gensim  a subprocess ``python -c`` that imports gensim, calls
          ``KeyedVectors.load_word2vec_format(FILE, binary=True)`` and
          ``most_similar(WORD, topn=10)`` and prints the result as JSON.

Reports the median wall time of each and their ratio, checks that both give the
same top-10 words, and measures the in-process load time of the file by each
library (median of a few loads, after one warm-up read so both see the page cache).
Results go to benchmarks/results/bench_query.json and a Markdown table to stdout.

Example:
  python benchmarks/bench_query.py --vocab 100000 --dim 300 --repeats 5
"""
from __future__ import annotations

import argparse
import datetime as _dt
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

GENSIM_QUERY = """
import json, sys
from gensim.models import KeyedVectors
kv = KeyedVectors.load_word2vec_format(sys.argv[1], binary=True)
print(json.dumps([[w, s] for w, s in kv.most_similar(sys.argv[2], topn=10)]))
"""


def make_vectors(path: Path, vocab: int, dim: int, seed: int = 0) -> list[str]:
    from w2v_cli.vectors.formats import save_word2vec

    rng = np.random.default_rng(seed)
    words = [f"w{i}" for i in range(vocab)]
    words[:4] = ["</s>", "the", "king", "queen"]
    save_word2vec(path, words, rng.standard_normal((vocab, dim)).astype(np.float32), binary=True)
    return words


def w2v_command() -> list[str]:
    exe = shutil.which("w2v")
    return [exe] if exe else [sys.executable, "-m", "w2v_cli"]


def timed(cmd: list[str]) -> tuple[float, str]:
    start = time.perf_counter()
    done = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT)
    elapsed = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"command failed ({done.returncode}): {' '.join(cmd)}\n{done.stderr}")
    return elapsed, done.stdout


def load_times(path: Path, repeats: int) -> dict[str, float]:
    from gensim.models import KeyedVectors as GensimKV

    from w2v_cli.vectors.keyed import KeyedVectors

    path.read_bytes()  # warm the page cache for both
    ours, theirs = [], []
    for _ in range(repeats):
        start = time.perf_counter()
        KeyedVectors.load(path)
        ours.append(time.perf_counter() - start)
        start = time.perf_counter()
        GensimKV.load_word2vec_format(str(path), binary=True)
        theirs.append(time.perf_counter() - start)
    return {"w2v": statistics.median(ours), "gensim": statistics.median(theirs)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--vocab", type=int, default=100_000)
    parser.add_argument("--dim", type=int, default=300)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--word", default="king")
    parser.add_argument("--workdir", type=Path, default=ROOT / "benchmarks" / "work")
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results" / "bench_query.json")
    args = parser.parse_args()

    load_before = list(os.getloadavg())
    args.workdir.mkdir(parents=True, exist_ok=True)
    path = args.workdir / f"query_{args.vocab}x{args.dim}.bin"
    if not path.exists():
        make_vectors(path, args.vocab, args.dim)

    w2v_cmd = w2v_command() + ["similar", args.word, "-m", str(path), "--json"]
    gensim_cmd = [sys.executable, "-c", GENSIM_QUERY, str(path), args.word]
    timed(w2v_cmd), timed(gensim_cmd)  # warm-up: page cache, .pyc files
    runs: dict[str, list[float]] = {"w2v": [], "gensim": []}
    outputs = {}
    for _ in range(args.repeats):
        runs["w2v"].append(timed(w2v_cmd)[0])
        runs["gensim"].append(timed(gensim_cmd)[0])
    outputs["w2v"] = [r["word"] for r in json.loads(timed(w2v_cmd)[1])["results"]]
    outputs["gensim"] = [w for w, _ in json.loads(timed(gensim_cmd)[1])]
    same_top10 = outputs["w2v"] == outputs["gensim"]
    loads = load_times(path, max(3, args.repeats // 2))

    median = {k: statistics.median(v) for k, v in runs.items()}
    result = {
        "date": _dt.datetime.now().isoformat(timespec="seconds"),
        "machine": {"python": platform.python_version(), "cpus": os.cpu_count(), "platform": platform.platform(),
                    # other jobs on the machine inflate every time; record how busy it was
                    "loadavg_before": load_before, "loadavg_after": list(os.getloadavg())},
        "file": {"vocab": args.vocab, "dim": args.dim, "bytes": path.stat().st_size},
        "commands": {"w2v": w2v_cmd, "gensim": gensim_cmd[:2] + ["<GENSIM_QUERY>"] + gensim_cmd[3:]},
        "subprocess_seconds": runs,
        "subprocess_median": median,
        "ratio_gensim_over_w2v": median["gensim"] / median["w2v"],
        "in_process_load_median": loads,
        "same_top10": same_top10,
        "top10": outputs,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n")

    print(f"`w2v similar {args.word}` on a {args.vocab:,} x {args.dim} binary file "
          f"({path.stat().st_size / 1e6:.0f} MB), median of {args.repeats} alternating runs\n")
    print("| | w2v | gensim 4.4 | gensim / w2v |")
    print("|---|---|---|---|")
    print(f"| subprocess wall s (start, import, load, query) | {median['w2v']:.3f} | {median['gensim']:.3f} "
          f"| {median['gensim'] / median['w2v']:.2f}x |")
    print(f"| in-process load s | {loads['w2v']:.3f} | {loads['gensim']:.3f} "
          f"| {loads['gensim'] / loads['w2v']:.2f}x |")
    print(f"\nsame top-10 words: {same_top10}; load average {load_before[0]:.1f} -> {os.getloadavg()[0]:.1f} "
          f"on {os.cpu_count()} CPUs; results in {args.out.relative_to(ROOT)}")
    if not same_top10:
        raise SystemExit("top-10 words differ between w2v and gensim")


if __name__ == "__main__":
    main()
