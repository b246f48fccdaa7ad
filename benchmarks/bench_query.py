#!/usr/bin/env python3
"""How long do ``w2v similar``, 1,000 stdin queries and ``w2v convert`` take, against gensim doing the same?

Writes random V x D vectors under benchmarks/work/ (a word2vec binary file, the
same as a ``.w2v`` model file, and gensim's native file, ``KeyedVectors.save``),
then times whole processes, alternating w2v and gensim for ``--repeats`` rounds:

  similar  ``w2v similar WORD -m FILE.w2v --json`` against a ``python -c`` that
           imports gensim, ``KeyedVectors.load(NATIVE, mmap='r')`` and
           ``most_similar(WORD, topn=10)``;
  stdin    ``w2v similar -m FILE.w2v < 1,000 words`` against the same gensim
           load and 1,000 ``most_similar`` calls (``--stdin-queries``);
  convert  ``w2v convert FILE.bin OUT.w2v`` against gensim's
           ``load_word2vec_format(FILE.bin, binary=True)`` then ``save(OUT)``
           (``--convert``).

Reports each median wall time and peak RSS (ru_maxrss of the child) and their
ratios, and checks that both sides give the same top-10 words (similar) and
the same answers (stdin).  Results go to benchmarks/results/ and a Markdown
table to stdout.

Example:
  python benchmarks/bench_query.py --vocab 100000 --dim 300 --repeats 5 --stdin-queries 1000
  python benchmarks/bench_query.py --vocab 1000000 --dim 300 --repeats 5 --convert
"""
from __future__ import annotations

import argparse
import datetime as _dt
import json
import os
import platform
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
kv = KeyedVectors.load(sys.argv[1], mmap="r")
print(json.dumps([[w, s] for w, s in kv.most_similar(sys.argv[2], topn=10)]))
"""

GENSIM_STDIN = """
import sys
from gensim.models import KeyedVectors
kv = KeyedVectors.load(sys.argv[1], mmap="r")
out = []
for line in sys.stdin:
    query = line.split()
    if not query:
        break
    out.extend(f"{w}\\t{s:.6f}" for w, s in kv.most_similar(query, topn=10))
    out.append("")
print("\\n".join(out))
"""

GENSIM_CONVERT = """
import sys
from gensim.models import KeyedVectors
KeyedVectors.load_word2vec_format(sys.argv[1], binary=True).save(sys.argv[2])
"""


def make_vectors(path: Path, vocab: int, dim: int, seed: int = 0) -> list[str]:
    from w2v_cli.vectors.formats import save_word2vec

    rng = np.random.default_rng(seed)
    words = [f"w{i}" for i in range(vocab)]
    words[:4] = ["</s>", "the", "king", "queen"]
    save_word2vec(path, words, rng.standard_normal((vocab, dim)).astype(np.float32), binary=True)
    return words


def w2v_command() -> list[str]:
    # This checkout's package (the children run in ROOT), not whatever `w2v` is installed.
    return [sys.executable, "-m", "w2v_cli"]


MEASURE = """
import json, os, subprocess, sys, time
cmd, stdin = json.loads(sys.argv[1]), sys.argv[2] if len(sys.argv) > 2 else None
start = time.perf_counter()
proc = subprocess.Popen(cmd, stdin=subprocess.PIPE if stdin else subprocess.DEVNULL, stdout=subprocess.PIPE,
                        stderr=subprocess.PIPE)
pid = proc.pid
if stdin:
    proc.stdin.write(open(stdin, "rb").read()); proc.stdin.close()
out = proc.stdout.read(); err = proc.stderr.read()
_, status, usage = os.wait4(pid, 0)
elapsed = time.perf_counter() - start
print(json.dumps({"seconds": elapsed, "rss_kib": usage.ru_maxrss, "status": status,
                  "stdout": out.decode("utf-8", "replace"), "stderr": err.decode("utf-8", "replace")[-2000:]}))
"""


def measure(cmd: list[str], stdin_path: Path | None = None) -> tuple[float, str, int]:
    """One child's wall seconds (measured around it alone, by a small parent), stdout, peak RSS in KiB."""
    args = [sys.executable, "-c", MEASURE, json.dumps(cmd)] + ([str(stdin_path)] if stdin_path else [])
    done = subprocess.run(args, capture_output=True, text=True, cwd=ROOT)
    record = json.loads(done.stdout)
    if record["status"] != 0:
        raise SystemExit(f"command failed: {' '.join(cmd)}\n{record['stderr']}")
    return record["seconds"], record["stdout"], record["rss_kib"]


def alternate(sides: dict, repeats: int, stdin_path: Path | None = None, after=None) -> dict:
    """Median seconds and RSS of each side's command, run A B A B ... after one warm-up each."""
    for cmd in sides.values():
        measure(cmd, stdin_path)
        if after:
            after()
    runs = {name: [] for name in sides}
    for r in range(repeats):
        order = list(sides.items()) if r % 2 == 0 else list(sides.items())[::-1]
        for name, cmd in order:
            seconds, out, rss = measure(cmd, stdin_path)
            runs[name].append((seconds, rss, out))
            if after:
                after()
    return {name: {"seconds": [x[0] for x in v], "median_s": statistics.median(x[0] for x in v),
                   "peak_rss_mib": max(x[1] for x in v) / 1024, "stdout": v[-1][2]} for name, v in runs.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--vocab", type=int, default=100_000)
    parser.add_argument("--dim", type=int, default=300)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--word", default="king")
    parser.add_argument("--stdin-queries", type=int, default=0, help="also time this many stdin queries")
    parser.add_argument("--convert", action="store_true", help="also time w2v convert .bin -> .w2v")
    parser.add_argument("--workdir", type=Path, default=ROOT / "benchmarks" / "work")
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()
    out_path = args.out or ROOT / "benchmarks" / "results" / f"bench_query_{args.vocab}x{args.dim}.json"

    load_before = list(os.getloadavg())
    args.workdir.mkdir(parents=True, exist_ok=True)
    stem = args.workdir / f"query_{args.vocab}x{args.dim}"
    binary, model, native = Path(f"{stem}.bin"), Path(f"{stem}.w2v"), Path(f"{stem}.gensim")
    if not binary.exists():
        make_vectors(binary, args.vocab, args.dim)
    if not model.exists():
        subprocess.run(w2v_command() + ["convert", str(binary), str(model)], check=True, cwd=ROOT)
    if not native.exists():
        from gensim.models import KeyedVectors as GensimKV
        GensimKV.load_word2vec_format(str(binary), binary=True).save(str(native))
    for path in (model, native, Path(str(native) + ".vectors.npy")):
        if path.exists():
            path.read_bytes()  # page cache warm for both sides

    table, result = [], {}
    sim = alternate({"w2v": w2v_command() + ["similar", args.word, "-m", str(model), "--json"],
                     "gensim": [sys.executable, "-c", GENSIM_QUERY, str(native), args.word]}, args.repeats)
    top = {"w2v": [r["word"] for r in json.loads(sim["w2v"]["stdout"])["results"]],
           "gensim": [w for w, _ in json.loads(sim["gensim"]["stdout"])]}
    result["similar"] = _summary(sim, same=top["w2v"] == top["gensim"])
    table.append((f"`w2v similar {args.word}` (.w2v vs gensim native, mmap='r')", sim))

    if args.stdin_queries:
        queries = args.workdir / f"queries_{args.stdin_queries}.txt"
        rng = np.random.default_rng(1)
        picks = rng.integers(4, args.vocab, args.stdin_queries)
        queries.write_text("".join(f"w{i}\n" for i in picks))
        many = alternate({"w2v": w2v_command() + ["similar", "-m", str(model)],
                          "gensim": [sys.executable, "-c", GENSIM_STDIN, str(native)]}, args.repeats, queries)
        same = _answers(many["w2v"]["stdout"]) == _answers(many["gensim"]["stdout"])
        result["stdin"] = _summary(many, same=same, queries=args.stdin_queries)
        table.append((f"{args.stdin_queries:,} stdin queries", many))

    if args.convert:
        target, gensim_target = args.workdir / "converted.w2v", args.workdir / "converted.gensim"

        def clean():
            for p in args.workdir.glob("converted.*"):
                p.unlink()
        conv = alternate({"w2v": w2v_command() + ["convert", str(binary), str(target)],
                          "gensim": [sys.executable, "-c", GENSIM_CONVERT, str(binary), str(gensim_target)]},
                         max(1, args.repeats // 2), after=clean)
        result["convert"] = _summary(conv)
        table.append((f"convert the {binary.stat().st_size / 1e6:,.0f} MB .bin", conv))

    # The floor under every whole-process figure on this machine, right now: the interpreter
    # and the two imports a query cannot do without.
    floor = statistics.median(measure([sys.executable, "-c", "import numpy, click"])[0]
                              for _ in range(args.repeats))
    result["floor_python_numpy_click_s"] = floor

    record = {
        "date": _dt.datetime.now().isoformat(timespec="seconds"),
        "machine": {"python": platform.python_version(), "cpus": os.cpu_count(), "platform": platform.platform(),
                    # other jobs on the machine inflate every time; record how busy it was
                    "loadavg_before": load_before, "loadavg_after": list(os.getloadavg())},
        "file": {"vocab": args.vocab, "dim": args.dim, "bin_bytes": binary.stat().st_size,
                 "w2v_bytes": model.stat().st_size},
        "results": result,
    }
    out_path.parent.mkdir(parents=True, exist_ok=True)
    out_path.write_text(json.dumps(record, indent=2) + "\n")

    print(f"{args.vocab:,} x {args.dim} random vectors, median of {args.repeats} alternating runs "
          f"(whole processes, warm page cache)\n")
    print("| task | w2v s | gensim 4.4 s | gensim / w2v | w2v peak RSS MiB | gensim peak RSS MiB |")
    print("|---|---:|---:|---:|---:|---:|")
    for name, runs in table:
        w, g = runs["w2v"], runs["gensim"]
        print(f"| {name} | {w['median_s']:.3f} | {g['median_s']:.3f} | {g['median_s'] / w['median_s']:.2f}x "
              f"| {w['peak_rss_mib']:.0f} | {g['peak_rss_mib']:.0f} |")
    print(f"\nfloor: `python -c 'import numpy, click'` {floor:.3f} s (median of {args.repeats})")
    same = {k: v.get("same_answers") for k, v in result.items() if isinstance(v, dict) and "same_answers" in v}
    print(f"\nsame answers: {same}; load average {load_before[0]:.1f} -> {os.getloadavg()[0]:.1f} "
          f"on {os.cpu_count()} CPUs; results in {out_path.relative_to(ROOT)}")
    if not all(same.values()):
        raise SystemExit("w2v and gensim answered differently")


def _summary(runs: dict, same=None, **extra) -> dict:
    out = {name: {k: v for k, v in r.items() if k != "stdout"} for name, r in runs.items()}
    out["ratio_gensim_over_w2v"] = runs["gensim"]["median_s"] / runs["w2v"]["median_s"]
    if same is not None:
        out["same_answers"] = same
    out.update(extra)
    return out


def _answers(text: str) -> list:
    """The words of each answer block (scores may differ in the last printed digit)."""
    return [[line.split("\t")[0] for line in block.splitlines()] for block in text.strip().split("\n\n")]


if __name__ == "__main__":
    main()
