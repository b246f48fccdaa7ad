"""The epoch kernel alone (skip-gram or CBOW, --loss ns or hs): words/s by thread count, dimension and batch mode.

This is the profile behind the window kernel (docs/how-it-works.md): it calls
the registry's epoch kernel (skip-gram, negative sampling, window or pair
batching) directly on a corpus's id stream, with the bundle
``kernels.inputs.epoch_inputs`` builds, so corpus reading, vocabulary building and the Python training loop are
left out.  Each configuration trains ``--epochs`` epochs from a fresh model and
reports its fastest epoch; the mean training loss of the last epoch stands
beside every speed as its quality figure (same corpus and settings: a faster
kernel must not have a higher loss).

Knobs that take one cost out at a time:
  --dims 100,96,4     D=4 leaves the per-window fixed cost (RNG, exp, loop
                      overheads); 96 against 100 shows the cost of D % 16 != 0
  --fold N            map word ids onto N ids, so every row stays in cache: the
                      difference to the unfolded run is the cost of cache misses
                      (subsampling then follows the folded counts, so compare
                      with --sample 0)

    python benchmarks/bench_kernel.py --corpus corpora/data/gcide.txt --threads 1,2
"""

from __future__ import annotations

import argparse
import datetime as _dt
import json
import os
import sys
import tempfile
import time

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)
RESULTS = os.path.join(ROOT, "benchmarks", "results")


def load_stream(corpus: str, min_count: int):
    from w2v_cli.corpus import reference as corpus_mod

    counted = corpus_mod.count_words(corpus, min_count, 0)
    with tempfile.TemporaryDirectory() as tmp:
        stream, train_words = corpus_mod.encode_corpus(corpus, counted, os.path.join(tmp, "ids.int32"))
        stream = np.array(stream)  # in memory: the file goes with the directory
    return stream, np.asarray(counted.vocab.counts, np.int64), train_words


def fold(stream, counts, n):
    ids = stream >= 0
    folded = stream.copy()
    folded[ids] = stream[ids] % n
    return folded, np.bincount(stream[ids] % n, minlength=n).astype(np.int64)


def run(stream, counts, train_words, *, dim, threads, mode, epochs, sample, window, negative, seed=1, loss="ns",
        model="skipgram", hot_rows=None, hot_every=None):
    """Fastest epoch's wall and CPU seconds and the last epoch's mean loss."""
    import numba

    from w2v_cli.training.kernels import registry
    from w2v_cli.training.kernels.inputs import HOT_EVERY, epoch_inputs, idle, start_epoch
    from w2v_cli.training.options import TrainOptions
    from w2v_cli.training.initial import init_vectors

    numba.set_num_threads(threads)
    opts = TrainOptions(dim=dim, window=window, negative=negative, epochs=epochs, sample=sample, batch=mode,
                        seed=seed, loss=loss, model=model).resolve()
    kernel = registry.select(opts.model, opts.loss, opts.batch).epoch
    W, Wp = init_vectors(len(counts), dim, seed, opts.output_rows(len(counts)))
    b = epoch_inputs(stream, counts, W, Wp, opts, threads=threads, total_words=epochs * train_words,
                     hot_rows=hot_rows, hot_every=hot_every or HOT_EVERY)
    kernel(idle(b))  # load or compile, outside the clock
    best, best_cpu, mean_loss = float("inf"), float("inf"), float("nan")
    for e in range(epochs):
        b, wall, cpu, mean_loss = timed_epoch(kernel, start_epoch, b, e, seed, train_words)
        best, best_cpu = min(best, wall), min(best_cpu, cpu)
    return best, best_cpu, mean_loss


def timed_epoch(kernel, start_epoch, b, epoch, seed, train_words):
    """Epoch ``epoch`` of ``kernel`` on bundle ``b`` (``start_epoch`` from the same
    package as the bundle): (bundle, wall s, CPU s, mean loss).  CPU seconds of
    all threads: unlike wall time, barely moved by other processes taking turns
    on the cores, still raised by cache-line contention."""
    b = start_epoch(b, epoch, seed, epoch * train_words)
    t0, c0 = time.perf_counter(), time.process_time()
    kernel(b)
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    return b, wall, cpu, float(b.loss_acc.sum() / max(b.pair_acc.sum(), 1))


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--corpus", default=os.path.join(ROOT, "corpora", "data", "gcide.txt"))
    ap.add_argument("--threads", default="1,2")
    ap.add_argument("--dims", default="100")
    ap.add_argument("--modes", default="window", help="window, pair or both (comma separated)")
    ap.add_argument("--epochs", type=int, default=2)
    ap.add_argument("--sample", type=float, default=1e-4)
    ap.add_argument("--window", type=int, default=5)
    ap.add_argument("--negative", type=int, default=5)
    ap.add_argument("--min-count", type=int, default=5)
    ap.add_argument("--loss", choices=["ns", "hs"], default="ns")
    ap.add_argument("--model", choices=["skipgram", "cbow"], default="skipgram")
    ap.add_argument("--hot-rows", default="auto",
                    help="--loss hs: private top nodes per thread, comma separated (auto: the default)")
    ap.add_argument("--hot-every", type=int, default=0, help="--loss hs: centre words between merges (0: default)")
    ap.add_argument("--fold", type=int, default=0, help="map ids onto this many (0: off)")
    ap.add_argument("--json", default=None)
    a = ap.parse_args(argv)
    from w2v_cli import jit

    jit.configure()  # the LLVM options training compiles with
    if not os.path.exists(a.corpus):
        ap.error(f"{a.corpus} not found (make corpus-gcide)")

    stream, counts, train_words = load_stream(a.corpus, a.min_count)
    if a.fold:
        stream, counts = fold(stream, counts, a.fold)
    print(f"[kernel] {os.path.basename(a.corpus)}: {train_words:,} words per epoch, vocabulary {len(counts):,}"
          f"{f' (folded onto {a.fold})' if a.fold else ''}, sample {a.sample}", file=sys.stderr)
    rows = []
    hot_choices = [None if h == "auto" else int(h) for h in a.hot_rows.split(",")]
    for mode in a.modes.split(","):
        for dim in (int(d) for d in a.dims.split(",")):
            for hot in hot_choices:
                one = None
                for threads in (int(t) for t in a.threads.split(",")):
                    secs, cpu, loss = run(stream, counts, train_words, dim=dim, threads=threads, mode=mode,
                                     epochs=a.epochs, sample=a.sample, window=a.window, negative=a.negative,
                                     loss=a.loss, model=a.model, hot_rows=hot, hot_every=a.hot_every)
                    wps = train_words / secs
                    one = wps if threads == 1 else one
                    row = {"mode": mode, "dim": dim, "threads": threads, "hot_rows": hot, "epoch_s": secs,
                           "epoch_cpu_s": cpu,
                           "words_per_s": wps, "speedup_vs_1": wps / one if one else None, "last_epoch_loss": loss}
                    rows.append(row)
                    print(f"[kernel] {mode} dim {dim} threads {threads}"
                          f"{f' hot rows {hot}' if hot is not None else ''}: {secs:.3f} s/epoch, "
                          f"{wps / 1e6:.3f} M words/s, CPU {cpu:.3f} s"
                          f"{f', x{wps / one:.2f} of 1 thread' if one and threads > 1 else ''}, loss {loss:.4f}",
                          file=sys.stderr, flush=True)
    print("\n| mode | dim | threads | hot rows | s/epoch | CPU s/epoch | words/s | x 1 thread | last epoch loss |\n"
          "|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        speedup = f"{r['speedup_vs_1']:.2f}" if r["speedup_vs_1"] else ""
        hot = "default" if r["hot_rows"] is None else r["hot_rows"]
        print(f"| {r['mode']} | {r['dim']} | {r['threads']} | {hot} | {r['epoch_s']:.3f} | {r['epoch_cpu_s']:.3f} "
              f"| {r['words_per_s'] / 1e6:.3f} M "
              f"| {speedup} | {r['last_epoch_loss']:.4f} |")
    stamp = _dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    path = a.json or os.path.join(RESULTS, f"kernel-{stamp}.json")
    with open(path, "w") as f:
        json.dump({"date": stamp, "settings": vars(a), "train_words": train_words, "rows": rows}, f, indent=1)
    print(f"\n(JSON: {os.path.relpath(path, ROOT)})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
