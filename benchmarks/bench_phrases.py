"""w2v phrases against word2phrase.c on one corpus: the joined phrase types
(Jaccard) and wall time, A/B alternating in one run.

    python benchmarks/bench_phrases.py CORPUS --word2phrase PATH [--rounds 3]
        [--threshold 100] [--min-count 5] [--threads N]
"""

import argparse
import os
import subprocess
import sys
import tempfile
import time


def phrase_types(path):
    """The set of tokens holding a '_' that the input had not (joined pairs)."""
    out = set()
    with open(path, "rb") as fh:
        for line in fh:
            for tok in line.split():
                if b"_" in tok:
                    out.add(tok)
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("corpus")
    ap.add_argument("--word2phrase", required=True)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--threshold", type=float, default=100)
    ap.add_argument("--min-count", type=int, default=5)
    ap.add_argument("--threads", type=int, default=None, help="w2v's reader threads (word2phrase has one)")
    args = ap.parse_args()
    w2v = os.path.join(os.path.dirname(sys.executable), "w2v")
    with tempfile.TemporaryDirectory() as tmp:
        ours, theirs = os.path.join(tmp, "ours.txt"), os.path.join(tmp, "w2p.txt")
        cmds = {
            "w2v phrases": [w2v, "phrases", args.corpus, "-o", ours, "--threshold", str(args.threshold),
                            "--min-count", str(args.min_count)]
            + (["--threads", str(args.threads)] if args.threads else []),
            "word2phrase": [args.word2phrase, "-train", args.corpus, "-output", theirs, "-threshold",
                            str(args.threshold), "-min-count", str(args.min_count), "-debug", "0"],
        }
        times = {k: [] for k in cmds}
        for r in range(args.rounds):
            for name, cmd in cmds.items():
                t = time.perf_counter()
                subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
                times[name].append(time.perf_counter() - t)
            print(f"round {r + 1}: " + ", ".join(f"{k} {v[-1]:.2f} s" for k, v in times.items()), flush=True)
        before = phrase_types(args.corpus)
        a, b = phrase_types(ours) - before, phrase_types(theirs) - before
        # Tokens must agree once joins are undone (same words, same lines).
        with open(ours, "rb") as f1, open(theirs, "rb") as f2:
            same_words = f1.read().replace(b"_", b" ").split() == f2.read().replace(b"_", b" ").split()
    jac = len(a & b) / max(len(a | b), 1)
    print(f"phrase types: w2v {len(a):,}, word2phrase {len(b):,}, both {len(a & b):,}, Jaccard {jac:.4f}; "
          f"same words once unjoined: {same_words}")
    ratio = [x / y for x, y in zip(times["w2v phrases"], times["word2phrase"])]
    print("wall time w2v / word2phrase per round: " + " ".join(f"{x:.3f}" for x in ratio))


if __name__ == "__main__":
    main()
