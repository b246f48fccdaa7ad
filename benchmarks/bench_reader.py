#!/usr/bin/env python3
"""The corpus pass: the native reader against the pure-Python one, and the bar of
issue 13 (`w2v train --epochs 1 --save-vocab`: everything but training, and the
saved vocabulary against a plain whitespace count).

1. In one process, alternating: the Python reader (count_words + encode_corpus)
   and the native one (corpus.pipeline.prepare) on CORPUS; seconds, words/s, CPU seconds,
   and whether both give the same vocabulary and id stream.
2. `w2v train CORPUS --epochs 1 --threads T --save-vocab` in a child: wall time,
   the training time it reports, the rest (start-up, corpus pass, saving), and
   the saved vocabulary compared with collections.Counter(text.split()) at
   --min-count (same words, counts and order).

Usage: python benchmarks/bench_reader.py CORPUS [--threads 2] [--repeats 2] [--min-count 5]
e.g. GCIDE x4: for i in 1 2 3 4; do cat corpora/data/gcide.txt; done > /tmp/gcide4.txt
"""
from __future__ import annotations

import argparse
import collections
import os
import re
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))


def python_pass(path, min_count, workdir):
    from w2v_cli.corpus import reference as C
    counted = C.count_words(path, min_count)
    stream, words = C.encode_corpus(path, counted, os.path.join(workdir, "py.ids"))
    return counted.vocab, stream, counted.tokens


def native_pass(path, min_count, workdir, threads):
    from w2v_cli.corpus.pipeline import prepare
    got = prepare([path], workdir, min_count=min_count, threads=threads)
    return got.vocab, got.stream, got.tokens


def timed(fn, *args):
    wall, cpu = time.perf_counter(), time.process_time()
    out = fn(*args)
    return out, time.perf_counter() - wall, time.process_time() - cpu


def plain_count(path, min_count):
    with open(path, "rb") as fh:
        counts = collections.Counter(fh.read().split())
    kept = sorted(((w.decode("utf-8", "replace"), c) for w, c in counts.items() if c >= min_count),
                  key=lambda wc: -wc[1])  # stable: ties in order of first appearance
    return [f"{w} {c}" for w, c in kept]


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("corpus")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--repeats", type=int, default=2)
    ap.add_argument("--min-count", type=int, default=5)
    a = ap.parse_args(argv)
    import numba
    numba.set_num_threads(a.threads)
    print(f"load average at start: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    with tempfile.TemporaryDirectory() as tmp:
        tiny = os.path.join(tmp, "tiny.txt")
        with open(tiny, "w") as fh:
            fh.write("a b c\n")
        native_pass(tiny, 1, tmp, a.threads)  # load the Numba cache before any clock
        for r in range(a.repeats):
            (pv, ps, pt), pw, pc = timed(python_pass, a.corpus, a.min_count, tmp)
            (nv, ns, nt), nw, nc = timed(native_pass, a.corpus, a.min_count, tmp, a.threads)
            same = pv.words == nv.words and pv.counts.tolist() == nv.counts.tolist() and pt == nt \
                and len(ps) == len(ns) and bool((ps == ns).all())
            del ps, ns
            print(f"repeat {r + 1}: python {pw:.2f} s ({pt / pw / 1e6:.1f} M words/s, cpu {pc:.2f} s) | "
                  f"native {a.threads} threads {nw:.2f} s ({nt / nw / 1e6:.1f} M words/s, cpu {nc:.2f} s) | "
                  f"x{pw / nw:.1f}; same vocabulary and stream: {same}; load {os.getloadavg()[0]:.1f}")
        vocab_path = os.path.join(tmp, "vocab.txt")
        cmd = [sys.executable, "-m", "w2v_cli", "train", a.corpus, "-o", os.path.join(tmp, "v.bin"), "-q",
               "--epochs", "1", "--threads", str(a.threads), "--min-count", str(a.min_count),
               "--save-vocab", vocab_path]
        t = time.perf_counter()
        proc = subprocess.run(cmd, capture_output=True, text=True)
        wall = time.perf_counter() - t
        if proc.returncode:
            print(proc.stderr)
            return 1
        m = re.search(r"in ([0-9.]+) s:", proc.stderr)
        train = float(m.group(1))
        with open(vocab_path, encoding="utf-8") as fh:
            saved = fh.read().splitlines()
        expected = plain_count(a.corpus, a.min_count)
        print(f"w2v train --epochs 1 --threads {a.threads}: wall {wall:.2f} s, training {train:.1f} s, "
              f"everything else {wall - train:.2f} s; --save-vocab equals a plain whitespace count "
              f"(min-count {a.min_count}, {len(expected):,} words): {saved == expected}; "
              f"load {os.getloadavg()[0]:.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
