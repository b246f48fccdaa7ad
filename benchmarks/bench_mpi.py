#!/usr/bin/env python3
"""Data-parallel training on MPI: 2 ranks x 1 thread against 1 process x 2 threads.

Both runs train the same corpus with the same options (GCIDE, 5 epochs, dim 100,
window 5, negative 5, sample 1e-4, min-count 5 by default), alternating which goes
first in each repeat.  Per run: whole-process wall time (mpiexec included),
training time, quality (WS353, SimLex, analogy, from ``w2v evaluate``); for the
MPI run also the communication figures rank 0 records (W2V_MPI_STATS): payload
bytes per sync and per epoch, and the share of the epochs' wall time spent
merging rows.

Then a PROJECTION (not a measurement): words/s for N nodes (1-64) and link speeds
of 10, 25 and 100 Gb/s, from the measured per-rank throughput and allreduce
volumes, under a ring-allreduce cost model (see ``project``).

With ``--simulate 1gbit,...`` (root, iproute2, util-linux), the MPI run is also
made on a simulated two-host cluster: two network namespaces joined by a veth pair
limited with tc (benchmarks/netns_cluster.sh), MPICH over TCP between them
(FI_PROVIDER=tcp), and set beside the projection for 2 nodes at that link speed.

Writes a Markdown report to stdout and JSON to benchmarks/results/mpi-<time>.json.

Usage: python benchmarks/bench_mpi.py [--corpus corpora/data/gcide.txt] [--repeats 2]
           [--epochs 5] [--projection-words 1e9] [--simulate 1gbit,200mbit]
"""
from __future__ import annotations

import argparse
import datetime as _dt
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
RESULTS = os.path.join(HERE, "results")
W2V = [sys.executable, "-m", "w2v_cli"]
LAUNCHER_VARIABLES = ("PMI_SIZE", "PMI_RANK", "OMPI_COMM_WORLD_SIZE", "OMPI_COMM_WORLD_RANK")
NODES = (1, 2, 4, 8, 16, 32, 64)
LINKS_GBPS = (10, 25, 100)
# Per-message latency of one ring step on a cluster network (seconds).
LATENCY = 20e-6


def train_args(a) -> list:
    return ["--dim", a.dim, "--window", 5, "--negative", 5, "--sample", "1e-4", "--min-count", 5,
            "--epochs", a.epochs, "-q"]


def run(cmd, env=None) -> tuple:
    full = {k: v for k, v in os.environ.items() if k not in LAUNCHER_VARIABLES}
    full.update(env or {})
    start = time.monotonic()
    proc = subprocess.run([str(c) for c in cmd], capture_output=True, text=True, env=full, timeout=3600)
    wall = time.monotonic() - start
    if proc.returncode != 0:
        raise SystemExit(f"failed ({proc.returncode}): {' '.join(map(str, cmd))}\n{proc.stderr[-2000:]}")
    return proc, wall


def evaluate(path: str) -> dict:
    proc, _ = run(W2V + ["evaluate", path])
    text = proc.stdout + proc.stderr
    out = {}
    m = re.search(r"Total accuracy\s+([0-9.]+)%", text)
    out["analogy"] = float(m.group(1)) / 100 if m else None
    for key, name in (("ws353", "wordsim353"), ("simlex", "simlex999")):
        m = re.search(rf"{name}\S*\s+spearman\s+(-?[0-9.]+)", text)
        out[key] = float(m.group(1)) if m else None
    return out


SIM_HOSTS = "10.77.0.1,10.77.0.2"


def one_run(kind: str, a, workdir: str, rate: str = None) -> dict:
    out = os.path.join(workdir, f"{kind}.bin")
    stats = os.path.join(workdir, "stats.json")
    env = {"W2V_MPI_STATS": stats}
    if kind == "mpi" and rate:
        subprocess.run([os.path.join(HERE, "netns_cluster.sh"), "up", rate], check=True)
        cmd = ["ip", "netns", "exec", "w2va", a.mpiexec, "-launcher", "ssh", "-launcher-exec",
               os.path.join(HERE, "netns_ssh.sh"), "-hosts", SIM_HOSTS, "-n", 2,
               *W2V, "train", a.corpus, "-o", out, "--threads", 1, *train_args(a)]
        env.update(FI_PROVIDER="tcp", MPIR_CVAR_CH4_NETMOD="ofi")
    elif kind == "mpi":
        cmd = [a.mpiexec, "-n", 2, *W2V, "train", a.corpus, "-o", out, "--threads", 1, *train_args(a)]
    else:
        cmd = [*W2V, "train", a.corpus, "-o", out, "--threads", 2, *train_args(a)]
    load = os.getloadavg()[0]
    try:
        proc, wall = run(cmd, env=env)
    finally:
        if rate:
            subprocess.run([os.path.join(HERE, "netns_cluster.sh"), "down"], check=False)
    m = re.search(r"([0-9,]+) words x ([0-9]+) epochs in ([0-9.]+) s: ([0-9,]+) words/s", proc.stderr)
    vocab = re.search(r"vocabulary ([0-9,]+) words", proc.stderr)
    res = {"kind": kind, "rate": rate, "wall": wall, "train_seconds": float(m.group(3)),
           "words_per_epoch": int(m.group(1).replace(",", "")), "words_per_s": int(m.group(4).replace(",", "")),
           "vocab": int(vocab.group(1).replace(",", "")), "loadavg_before": load, "loadavg_after": os.getloadavg()[0],
           **evaluate(out)}
    if kind == "mpi":
        with open(stats) as fh:
            res["comm"] = json.load(fh)
        os.remove(stats)
    os.remove(out)
    print(f"[mpi-bench] {kind}{' over ' + rate if rate else ''}: wall {wall:.1f} s, train {res['train_seconds']:.1f} s, "
          f"WS353 {res['ws353']}, SimLex {res['simlex']}, analogy {res['analogy']}", file=sys.stderr, flush=True)
    return res


def median(xs):
    xs = sorted(xs)
    n = len(xs)
    return xs[n // 2] if n % 2 else (xs[n // 2 - 1] + xs[n // 2]) / 2


def allreduce_seconds(payload_bytes: float, nodes: int, gbps: float) -> float:
    """Ring allreduce: 2 (N-1) steps, each sending payload / N bytes per node."""
    if nodes == 1:
        return 0.0
    return 2 * (nodes - 1) * (LATENCY + payload_bytes / nodes / (gbps * 1e9 / 8))


def project(per_rank_words_s: float, sync_payload: float, full_payload: float, period: float,
            epoch_words: float) -> list:
    """Projected words/s of N nodes, each as fast as one measured rank.

    The periodic row merges run in the communication thread beside the kernel,
    so they cost no kernel time (their CPU share is already inside the measured
    per-rank rate); when one takes longer than the sync period, the syncs just
    come less often (flagged).  The epoch-end merge of every row stops the
    kernels: epoch time = epoch_words / (N * rate) + allreduce(full payload).
    """
    rows = []
    for n in NODES:
        row = {"nodes": n}
        for g in LINKS_GBPS:
            compute = epoch_words / (n * per_rank_words_s)
            epoch = compute + allreduce_seconds(full_payload, n, g)
            sync = allreduce_seconds(sync_payload, n, g)
            row[g] = {"words_per_s": epoch_words / epoch, "sync_seconds": sync, "late": sync > period}
        rows.append(row)
    return rows


def markdown(runs, summary, projections, a) -> str:
    lines = [f"## MPI: 2 ranks x 1 thread vs 1 process x 2 threads ({os.path.basename(a.corpus)}, "
             f"{a.epochs} epochs, dim {a.dim}; {a.repeats} alternating repeats, medians)", "",
             "| run | wall s | train s | words/s | WS353 | SimLex | analogy |", "|---|---|---|---|---|---|---|"]
    for kind in ("mpi", "single"):
        s = summary[kind]
        lines.append(f"| {'2 ranks x 1 thread' if kind == 'mpi' else '1 process x 2 threads'} | {s['wall']:.1f} | "
                     f"{s['train_seconds']:.1f} | {s['words_per_s']:,.0f} | {s['ws353']:.3f} | {s['simlex']:.3f} | "
                     f"{s['analogy']:.3f} |")
    r = summary["ratio"]
    lines += ["", f"MPI / single: wall {r['wall']:.2f}x; WS353 {r['ws353']:+.3f}, SimLex {r['simlex']:+.3f}, "
              f"analogy {r['analogy']:+.3f}", ""]
    c = summary["comm"]
    lines += [f"Communication (rank 0, payload per rank; on the wire a ring allreduce sends 2(N-1)/N of it): "
              f"{c['syncs']:.0f} syncs merging {c['rows_per_sync']:,.0f} rows on average, "
              f"{c['bytes_per_sync'] / 1e6:.2f} MB per sync, {c['sync_bytes_per_epoch'] / 1e6:.1f} MB per epoch "
              f"in syncs + {c['full_bytes_per_epoch'] / 1e6:.1f} MB in the epoch-end merge; of the epochs' wall "
              f"time {100 * c['merge_share']:.1f} % merging rows beside the kernel, "
              f"{100 * c['full_share']:.1f} % in epoch-end merges (kernels idle), "
              f"{100 * c['wait_share']:.1f} % meeting the other rank ({100 * c.get('idle_share', 0):.1f} % with "
              f"its kernel done, waiting for the other's); the communication thread used "
              f"{100 * c.get('cpu_share', 0):.1f} % of a core.", ""]
    lines += [f"### PROJECTION (a model, not a measurement): words/s on N nodes", "",
              f"Each node as fast as one measured rank ({summary['per_rank_words_s']:,.0f} words/s, 1 thread, "
              f"syncs included); allreduce payloads as measured "
              f"({c['bytes_per_sync'] / 1e6:.2f} MB per sync every {a.sync_period} s, "
              f"{c['full_bytes_per_epoch'] / 1e6:.1f} MB at each epoch end); ring allreduce, "
              f"{LATENCY * 1e6:.0f} us per step; periodic merges overlap the kernel, the epoch-end merge does "
              f"not. * = a sync takes longer than the sync period (syncs come less often). The vocabulary "
              f"(and so the epoch-end payload) is this corpus's; a larger corpus has a larger one. Not modelled: "
              f"with N ranks a frequent word gets N ranks' updates between syncs (a quality question, "
              f"measured above only at N = 2).", ""]
    for epoch_words, proj in projections:
        lines += [f"Epoch of {epoch_words:,.0f} words:", "",
                  "| nodes | " + " | ".join(f"{g} Gb/s" for g in LINKS_GBPS) + " |",
                  "|---|" + "---|" * len(LINKS_GBPS)]
        for row in proj:
            cells = [f"{row[g]['words_per_s'] / 1e6:,.2f} M{'*' if row[g]['late'] else ''}" for g in LINKS_GBPS]
            lines.append(f"| {row['nodes']} | " + " | ".join(cells) + " |")
        lines.append("")
    return "\n".join(lines)


def rate_gbps(rate: str) -> float:
    m = re.fullmatch(r"([0-9.]+)\s*([kmg]?)bit", rate.strip().lower())
    if not m:
        raise SystemExit(f"--simulate: rates look like 1gbit or 200mbit, got {rate!r}")
    return float(m.group(1)) * {"k": 1e-6, "m": 1e-3, "g": 1.0, "": 1e-9}[m.group(2)]


def simulated(sims, summary, a) -> str:
    lines = ["### Simulated two-host cluster (measured): network namespaces + veth + tc, MPICH over TCP", "",
             "| link | wall s | train s | words/s | projected words/s (2 nodes) | epoch-end merges s | WS353 | SimLex | analogy |",
             "|---|---|---|---|---|---|---|---|---|"]
    c = summary["comm"]
    for r in sims:
        g = rate_gbps(r["rate"])
        epoch_words = r["words_per_epoch"]
        projected = epoch_words / (epoch_words / (2 * summary["per_rank_words_s"])
                                   + allreduce_seconds(c["full_bytes_per_epoch"], 2, g))
        lines.append(f"| {r['rate']} | {r['wall']:.1f} | {r['train_seconds']:.1f} | {r['words_per_s']:,.0f} | "
                     f"{projected:,.0f} | {r['comm']['full_merge_seconds']:.2f} (model "
                     f"{a.epochs * allreduce_seconds(c['full_bytes_per_epoch'], 2, g):.2f}) | {r['ws353']:.3f} | "
                     f"{r['simlex']:.3f} | {r['analogy']:.3f} |")
    lines += ["", "Both namespaces still share this machine's 2 cores: only the link is simulated.", ""]
    return "\n".join(lines)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--corpus", default=os.path.join(ROOT, "corpora", "data", "gcide.txt"))
    ap.add_argument("--epochs", type=int, default=5)
    ap.add_argument("--dim", type=int, default=100)
    ap.add_argument("--repeats", type=int, default=2)
    ap.add_argument("--sync-period", type=float, default=0.05, help="w2v's default; used by the projection")
    ap.add_argument("--projection-words", type=float, default=1e9, help="corpus words per epoch in the projection")
    ap.add_argument("--simulate", default="", help="link rates for the simulated two-host cluster, e.g. 1gbit,200mbit")
    a = ap.parse_args(argv)
    a.mpiexec = shutil.which("mpiexec")
    if a.mpiexec is None:
        print("mpiexec not found: pip install 'w2v-cli[mpi]'", file=sys.stderr)
        return 1
    runs = []
    with tempfile.TemporaryDirectory(prefix="w2v-mpi-bench-") as workdir:
        for i in range(a.repeats):
            for kind in (("mpi", "single") if i % 2 == 0 else ("single", "mpi")):
                runs.append(one_run(kind, a, workdir))
        sims = [one_run("mpi", a, workdir, rate) for rate in a.simulate.split(",") if rate.strip()]
    summary = {}
    for kind in ("mpi", "single"):
        mine = [r for r in runs if r["kind"] == kind]
        summary[kind] = {k: median([r[k] for r in mine]) for k in
                         ("wall", "train_seconds", "words_per_s", "ws353", "simlex", "analogy")}
    summary["ratio"] = {"wall": summary["mpi"]["wall"] / summary["single"]["wall"],
                        **{k: summary["mpi"][k] - summary["single"][k] for k in ("ws353", "simlex", "analogy")}}
    comm = [r["comm"] for r in runs if r["kind"] == "mpi"]
    c = {k: median([x[k] for x in comm]) for k in comm[0]}
    c["merge_share"] = median([x["merge_seconds"] / x["epoch_seconds"] for x in comm])
    c["full_share"] = median([x["full_merge_seconds"] / x["epoch_seconds"] for x in comm])
    c["wait_share"] = median([x["wait_seconds"] / x["epoch_seconds"] for x in comm])
    c["idle_share"] = median([x.get("idle_seconds", 0) / x["epoch_seconds"] for x in comm])
    c["cpu_share"] = median([x.get("comm_cpu_seconds", 0) / x["epoch_seconds"] for x in comm])
    summary["comm"] = c
    # Per-rank rate without the epoch-end merges (the projection adds them back at each N).
    mpi_runs = [r for r in runs if r["kind"] == "mpi"]
    summary["per_rank_words_s"] = median([
        r["words_per_epoch"] * a.epochs / max(r["comm"]["epoch_seconds"] - r["comm"]["full_merge_seconds"], 1e-9) / 2
        for r in mpi_runs])
    projections = [(w, project(summary["per_rank_words_s"], c["bytes_per_sync"], c["full_bytes_per_epoch"],
                               a.sync_period, w))
                   for w in (runs[0]["words_per_epoch"], a.projection_words)]
    print(markdown(runs, summary, projections, a))
    if sims:
        print(simulated(sims, summary, a))
    os.makedirs(RESULTS, exist_ok=True)
    stamp = _dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    path = os.path.join(RESULTS, f"mpi-{stamp}.json")
    with open(path, "w") as fh:
        json.dump({"args": {k: v for k, v in vars(a).items()}, "runs": runs, "simulated": sims, "summary": summary,
                   "projection": {str(int(w)): [{"nodes": r["nodes"], **{str(g): r[g] for g in LINKS_GBPS}} for r in p]
                                  for w, p in projections}},
                  fh, indent=1)
    print(f"\n[mpi-bench] wrote {path}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
