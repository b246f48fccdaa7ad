"""w2v train --subwords against gensim's FastText (and fastText itself, given
the path of a binary you built: this script builds nothing), side by side in
one run, rounds alternating the sides' order.

    python benchmarks/bench_subwords.py corpora/data/gcide.txt --rounds 1 [--fasttext ~/fastText/fasttext]

Every side trains the same settings (dim 100, window 5, 5 negatives, sample
1e-4, min-count 5, 5 epochs, 2 threads, n-grams 3-6 in 2,000,000 buckets unless
changed) and writes each vocabulary word's full vector; the scores are
bench_train's (WS353, SimLex-999 Spearman, analogy accuracy over the 30,000 most
frequent words).  Wall time is the whole process (start to vectors on disk);
peak RSS is the child's ru_maxrss.  Prints one JSON line per run and a table.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)

from bench_train import evaluate  # noqa: E402

GENSIM = """
import sys
from gensim.models import FastText
corpus, out, dim, window, neg, sample, min_count, epochs, threads, minn, maxn, bucket, seed = sys.argv[1:]
m = FastText(corpus_file=corpus, sg=1, vector_size=int(dim), window=int(window), negative=int(neg),
             sample=float(sample), min_count=int(min_count), epochs=int(epochs), workers=int(threads),
             min_n=int(minn), max_n=int(maxn), bucket=int(bucket), seed=int(seed))
m.wv.save_word2vec_format(out, binary=True)
"""


def timed(cmd, env=None):
    """(wall seconds, peak RSS MB) of ``cmd``; raises if it fails."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    err = proc.stderr.read()
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise SystemExit(f"{cmd[0]} failed ({proc.returncode}): {err.strip()[-500:]}")
    return wall, usage.ru_maxrss / 1024


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("corpus")
    ap.add_argument("--rounds", type=int, default=1)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--fasttext", help="path of a fastText binary (optional)")
    ap.add_argument("--sides", default="w2v-subwords,w2v,gensim", help="comma-separated; fasttext is added "
                    "with --fasttext")
    ap.add_argument("--w2v-args", default="", help="extra arguments for the w2v sides")
    args = ap.parse_args()
    dim, window, neg, sample, min_count, epochs, minn, maxn, bucket = 100, 5, 5, 1e-4, 5, 5, 3, 6, 2_000_000
    sides = args.sides.split(",") + (["fasttext"] if args.fasttext else [])
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([ROOT, os.environ.get("PYTHONPATH", "")]))
    common = ["--dim", dim, "--window", window, "--negative", neg, "--sample", sample, "--min-count", min_count,
              "--epochs", epochs, "--threads", args.threads, "--seed", args.seed, "-q"]
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for r in range(args.rounds):
            order = sides if r % 2 == 0 else sides[::-1]
            for side in order:
                out = os.path.join(tmp, f"{side}.bin")
                if side.startswith("w2v"):
                    extra = ["--subwords", "--minn", minn, "--maxn", maxn, "--bucket", bucket] \
                        if side == "w2v-subwords" else []
                    cmd = [sys.executable, "-m", "w2v_cli", "train", args.corpus, "-o", out, *common, *extra,
                           *args.w2v_args.split()]
                elif side == "gensim":
                    cmd = [sys.executable, "-c", GENSIM, args.corpus, out, dim, window, neg, sample, min_count,
                           epochs, args.threads, minn, maxn, bucket, args.seed]
                elif side == "fasttext":
                    prefix = os.path.join(tmp, "ft")
                    cmd = [args.fasttext, "skipgram", "-input", args.corpus, "-output", prefix, "-dim", dim,
                           "-ws", window, "-neg", neg, "-t", sample, "-minCount", min_count, "-epoch", epochs,
                           "-thread", args.threads, "-minn", minn, "-maxn", maxn, "-bucket", bucket,
                           "-seed", args.seed, "-verbose", 0]
                    out = prefix + ".vec"
                else:
                    raise SystemExit(f"unknown side {side}")
                wall, rss = timed([str(c) for c in cmd], env=env)
                row = {"side": side, "round": r + 1, "wall_s": round(wall, 2), "peak_rss_mb": round(rss),
                       **evaluate(out)}
                print(json.dumps(row), flush=True)
                rows.append(row)
    print("\n| side | round | wall s | peak RSS MB | WS353 | SimLex | analogy@30k |\n|---|---|---|---|---|---|---|")
    for row in rows:
        f = lambda k: "-" if row.get(k) is None else f"{row[k]:.3f}"
        print(f"| {row['side']} | {row['round']} | {row['wall_s']:.1f} | {row['peak_rss_mb']} | {f('ws353')} | "
              f"{f('simlex')} | {f('analogy')} |")


if __name__ == "__main__":
    main()
