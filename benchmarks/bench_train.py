#!/usr/bin/env python3
"""Train w2v and its peers on the same corpus with the same settings; compare speed,
peak memory and quality with one evaluator.

Systems (``--systems``, comma separated):
  w2v          this project's ``w2v train`` (console script, else ``python -m w2v_cli.cli``);
               ``--w2v-args "..."`` (repeatable) adds one w2v variant per value
  gensim-file  gensim Word2Vec, corpus_file mode (Cython reader, one file offset per worker)
  gensim-iter  gensim Word2Vec, iterable mode (LineSentence, Python producer thread)
  word2vec.c   peers/word2vec/word2vec (``make peers``)
  fasttext     peers/fasttext-py (``make peers``), skipgram, minn=maxn=0, loss=ns (hs with --loss hs), bucket=0

Every system runs in its own subprocess (peak RSS is that child's ru_maxrss from
os.wait4), systems alternate A B C A B C for ``--repeats`` rounds, and every saved
vector file is scored by the same code: gensim KeyedVectors.load_word2vec_format +
evaluate_word_pairs (WordSim353, SimLex-999; Spearman) + evaluate_word_analogies
(questions-words, restrict_vocab=30000).

How "train s" is obtained (words/s = corpus words x epochs / train s, where corpus
words = whitespace tokens in the file, before min-count and subsampling):
  gensim-*     wall time of Word2Vec.train() measured inside the child (vocab scan excluded)
  fasttext     from fastText's "Number of labels" line (vocab read done) to the return of
               train_unsupervised(), timestamped by the parent as output arrives
  word2vec.c   from its first "Alpha:/Progress" output (vocab + tables done, first 10k words
               per thread trained) to its last progress output (before the vectors are written);
               run under stdbuf -o0
  w2v          the training time in its end-of-run summary if one can be parsed, else the
               whole wall time (stated per row in "train s from")
"wall s" is always the whole subprocess (vocab, training, saving, imports, JIT).

Example:
  python benchmarks/bench_train.py --corpus corpora/data/gcide.txt --threads 2 --epochs 5 \
      --sample 1e-4 --systems w2v,gensim-file,word2vec.c,fasttext --repeats 1
"""
from __future__ import annotations

import argparse
import datetime as _dt
import json
import os
import platform
import re
import select
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
PEERS = os.path.join(ROOT, "peers")
WORK = os.path.join(HERE, "work")
RESULTS = os.path.join(HERE, "results")
# the evaluation sets bundled with w2v (WordSim353, SimLex-999, questions-words)
DATA = os.environ.get("W2V_BENCH_DATA", os.path.join(ROOT, "w2v_cli", "data"))
ALL_SYSTEMS = ["w2v", "gensim-file", "gensim-iter", "word2vec.c", "fasttext"]
W2V_C = os.path.join(PEERS, "word2vec", "word2vec")
FASTTEXT_PY = os.path.join(PEERS, "fasttext-py")


# --------------------------------------------------------------------------- children
def child_main(argv: list[str]) -> int:
    """Runs inside the subprocess: ``--child SYSTEM PARAMS_JSON``."""
    system, p = argv[0], json.loads(argv[1])
    if system.startswith("gensim"):
        import logging
        logging.disable(logging.WARNING)
        from gensim.models import Word2Vec
        from gensim.models.word2vec import LineSentence
        hs = p.get("loss") == "hs"
        m = Word2Vec(vector_size=p["dim"], window=p["window"], negative=0 if hs else p["negative"], hs=int(hs),
                     sg=0 if p.get("model") == "cbow" else 1,
                     sample=p["sample"], min_count=p["min_count"], alpha=p["alpha"],
                     workers=p["threads"], seed=p["seed"], epochs=p["epochs"])
        if system == "gensim-file":
            m.build_vocab(corpus_file=p["corpus"])
            t0 = time.perf_counter()
            m.train(corpus_file=p["corpus"], total_words=m.corpus_total_words,
                    total_examples=m.corpus_count, epochs=p["epochs"])
        else:
            sents = LineSentence(p["corpus"])
            m.build_vocab(corpus_iterable=sents)
            t0 = time.perf_counter()
            m.train(corpus_iterable=sents, total_examples=m.corpus_count, epochs=p["epochs"])
        dt = time.perf_counter() - t0
        m.wv.save_word2vec_format(p["out"], binary=True)
        print("@@RESULT " + json.dumps({"train_s": dt}), flush=True)
        return 0
    if system == "fasttext":
        import fasttext
        t0 = time.perf_counter()
        m = fasttext.train_unsupervised(
            p["corpus"], model="skipgram", dim=p["dim"], ws=p["window"], neg=p["negative"],
            epoch=p["epochs"], minCount=p["min_count"], t=p["sample"], lr=p["alpha"],
            thread=p["threads"], minn=0, maxn=0, wordNgrams=1, bucket=0, loss=p.get("loss", "ns"), verbose=2)
        sys.stderr.flush()
        print("\n@@TRAINED", flush=True)
        dt = time.perf_counter() - t0
        words = m.get_words()
        with open(p["out"], "w", encoding="utf-8") as f:
            f.write(f"{len(words)} {p['dim']}\n")
            for w in words:
                v = m.get_word_vector(w)
                f.write(w + " " + " ".join(f"{x:.6f}" for x in v) + "\n")
        print("@@RESULT " + json.dumps({"call_s": dt}), flush=True)
        return 0
    raise SystemExit(f"unknown child system {system}")


# --------------------------------------------------------------------------- running
def run_streaming(cmd: list[str], env: dict | None = None, timeout: float | None = None):
    """Run cmd, merging stdout/stderr; return (rc, text, chunks, wall_s, maxrss_kb).

    chunks = [(seconds since start, text)] as they arrived; peak RSS from os.wait4."""
    t0 = time.perf_counter()
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=env, bufsize=0)
    chunks: list[tuple[float, str]] = []
    fd = p.stdout.fileno()
    while True:
        if timeout is not None and time.perf_counter() - t0 > timeout:
            p.kill()
        r, _, _ = select.select([fd], [], [], 1.0)
        if r:
            b = os.read(fd, 65536)
            if not b:
                break
            chunks.append((time.perf_counter() - t0, b.decode("utf-8", "replace")))
    _, status, ru = os.wait4(p.pid, 0)
    wall = time.perf_counter() - t0
    p.returncode = os.waitstatus_to_exitcode(status)
    p.stdout.close()
    return p.returncode, "".join(c for _, c in chunks), chunks, wall, ru.ru_maxrss


def first_time(chunks, pattern) -> float | None:
    rx = re.compile(pattern)
    for t, c in chunks:
        if rx.search(c):
            return t
    return None


def last_time(chunks, pattern) -> float | None:
    rx = re.compile(pattern)
    for t, c in reversed(chunks):
        if rx.search(c):
            return t
    return None


def find_w2v() -> tuple[list[str] | None, str | None]:
    """(the w2v CLI, None), or (None, why not) if it cannot even show its train --help.

    The ``w2v`` script installed beside this Python comes first, then
    ``python -m w2v_cli.cli``; a ``w2v`` elsewhere on PATH may be another
    install (another checkout, another version) and is not used.
    """
    script = os.path.join(os.path.dirname(sys.executable), "w2v")
    cands = ([[script]] if os.access(script, os.X_OK) else []) + [[sys.executable, "-m", "w2v_cli.cli.app"]]
    why = None
    for c in cands:
        try:
            r = subprocess.run(c + ["train", "--help"], capture_output=True, text=True, timeout=120,
                               cwd=ROOT)
        except (OSError, subprocess.SubprocessError) as exc:
            why = f"{' '.join(c)}: {exc}"
            continue
        if r.returncode == 0:
            return c, None
        why = f"`{' '.join(c)} train --help` exit {r.returncode}: " + \
            " | ".join((r.stderr or r.stdout).strip().splitlines()[-2:])[-300:]
    return None, why


def w2v_command() -> list[str] | None:
    """The w2v CLI, or None if it cannot even show its train --help."""
    return find_w2v()[0]


def failure_exit(failures: list[tuple[str, str]], prog: str) -> int:
    """0 if nothing failed; else each failed system's error on stderr and exit status 1.

    A benchmark with a failed system is not a result: make (and CI) must stop on it.
    """
    for name, error in failures:
        print(f"error: {prog}: {name} failed: {error}", file=sys.stderr)
    return 1 if failures else 0


_W2V_TIME_PATTERNS = [
    r"train(?:ing|ed)?\b[^\n]*?\bin\s+([0-9.]+)\s*s\b",
    r"train(?:ing)?[ _](?:time|seconds|s)\s*[:=]?\s*([0-9.]+)",
    r"\b([0-9.]+)\s*s\b[^\n]*train",
]


def parse_w2v_train_seconds(text: str) -> float | None:
    lines = [l for l in text.replace("\r", "\n").splitlines() if l.strip()]
    for line in reversed(lines[-5:]):
        # "906,025 words x 1 epochs in 1.2 s: 767,517 words/s (...)": the rate has more digits
        m = re.search(r"([0-9,]+) words x ([0-9]+) epochs? in ([0-9.]+) s: ([0-9,.]+) words/s", line)
        if m:
            w, e, _s, r = (float(g.replace(",", "")) for g in m.groups())
            if r > 0:
                return w * e / r
        for pat in _W2V_TIME_PATTERNS:
            m = re.search(pat, line, re.I)
            if m:
                try:
                    return float(m.group(1))
                except ValueError:
                    pass
    return None


def run_system(name: str, s: dict, a, corpus_words: int, w2v_cmd, outdir: str, tag: str,
               env_extra: dict | None = None) -> dict:
    """Train one system once; return a result dict (without the evaluation)."""
    threads, epochs = a.threads, a.epochs
    res = {"system": name, "ok": False}
    env = dict(os.environ)
    env.update(env_extra or {})
    kind = s["kind"]
    model = getattr(a, "model", "skipgram")  # bench_scaling and bench_seeds pass their own options
    loss = getattr(a, "loss", "ns")
    alpha = a.alpha if a.alpha is not None else (0.05 if model == "cbow" else 0.025)  # word2vec.c's defaults
    out_bin = os.path.join(outdir, f"{name.replace('/', '_').replace(' ', '_')}-{tag}.bin")
    params = dict(corpus=a.corpus, dim=a.dim, window=a.window, negative=a.negative, sample=a.sample,
                  min_count=a.min_count, alpha=alpha, threads=threads, seed=a.seed, epochs=epochs,
                  model=model, loss=loss)
    if kind == "w2v":
        cmd = w2v_cmd + ["train", a.corpus, "-o", out_bin, "--dim", str(a.dim), "--window", str(a.window),
                         "--negative", str(a.negative), "--epochs", str(epochs), "--alpha", str(alpha),
                         "--min-count", str(a.min_count), "--sample", str(a.sample),
                         "--threads", str(threads), "--seed", str(a.seed), "--model", model,
                         "--loss", loss] + s["extra"]
        env.setdefault("NUMBA_CACHE_DIR", os.path.join(WORK, "numba-cache"))
    elif kind in ("gensim-file", "gensim-iter"):
        cmd = [sys.executable, os.path.abspath(__file__), "--child", kind, json.dumps({**params, "out": out_bin})]
    elif kind == "fasttext":
        out_bin = out_bin[:-4] + ".vec"
        cmd = [sys.executable, os.path.abspath(__file__), "--child", "fasttext", json.dumps({**params, "out": out_bin})]
        env["PYTHONPATH"] = FASTTEXT_PY + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    elif kind == "word2vec.c":
        cmd = (["stdbuf", "-o0"] if shutil.which("stdbuf") else []) + [
            W2V_C, "-train", a.corpus, "-output", out_bin, "-cbow", "1" if model == "cbow" else "0",
            "-hs", "1" if loss == "hs" else "0",
            "-size", str(a.dim), "-window", str(a.window), "-negative", "0" if loss == "hs" else str(a.negative),
            "-sample", str(a.sample), "-iter", str(epochs), "-min-count", str(a.min_count),
            "-alpha", str(alpha), "-threads", str(threads), "-binary", "1", "-debug", "2"]
    else:
        raise ValueError(kind)
    res["cmd"] = " ".join(shlex.quote(c) for c in cmd)
    load0 = os.getloadavg()[0]
    rc, text, chunks, wall, rss = run_streaming(cmd, env=env, timeout=a.timeout)
    # the 1-minute load average before/after: other jobs on the machine skew timings
    res.update(rc=rc, wall_s=wall, peak_rss_mb=rss / 1024.0, vectors=out_bin,
               loadavg_before=load0, loadavg_after=os.getloadavg()[0])
    if rc != 0 or not os.path.exists(out_bin):
        res["error"] = f"exit {rc}: " + " | ".join(text.strip().splitlines()[-3:])[-400:]
        return res
    train_s, how = None, None
    if kind.startswith("gensim"):
        m = re.search(r"@@RESULT (\{.*\})", text)
        train_s, how = json.loads(m.group(1))["train_s"], "Word2Vec.train() in child"
    elif kind == "fasttext":
        t0 = first_time(chunks, r"Number of labels")
        t1 = first_time(chunks, r"@@TRAINED")
        if t0 is not None and t1 is not None:
            train_s, how = t1 - t0, "'Number of labels' line -> train_unsupervised() returned"
        else:
            m = re.search(r"@@RESULT (\{.*\})", text)
            train_s, how = json.loads(m.group(1))["call_s"], "whole train_unsupervised() call"
        m = re.findall(r"words/sec/thread:\s*([0-9]+)", text)
        if m:
            res["self_reported_words_per_s_per_thread"] = int(m[-1])
    elif kind == "word2vec.c":
        t0 = first_time(chunks, r"Progress:")
        t1 = last_time(chunks, r"Progress:")
        prog = re.findall(r"Progress:\s*([0-9.]+)%", text)
        if prog:
            res["final_progress_pct"] = float(prog[-1])
        if t0 is not None and t1 is not None and t1 > t0:
            train_s, how = t1 - t0, "first -> last progress output (stdbuf -o0)"
    elif kind == "w2v":
        res["summary"] = (text.strip().splitlines() or [""])[-1][-300:]
        m = re.findall(r"([0-9,]+) words/s", text)
        if m:
            res["self_reported_words_per_s"] = float(m[-1].replace(",", ""))
        t = parse_w2v_train_seconds(text)
        if t:
            train_s, how = t, "w2v's own summary line"
        # start-up, corpus pass and initialisation: launch -> first progress bar
        res["before_train_s"] = first_time(chunks, r"\d+%\|")
        m = re.search(r"vocabulary ([0-9,]+) words", text)
        if m:
            res["vocab_words"] = int(m.group(1).replace(",", ""))
    if train_s is None:
        train_s, how = wall, "whole wall time (no finer timing available)"
    res.update(ok=True, train_s=train_s, train_s_from=how,
               words_per_s=corpus_words * epochs / train_s,
               words_per_s_per_thread=corpus_words * epochs / train_s / threads)
    return res


# --------------------------------------------------------------------------- evaluation
def pairs_file(src: str) -> str:
    """A copy of a word-pair file in gensim's 'w1<TAB>w2<TAB>score' form ('#' = comment)."""
    os.makedirs(WORK, exist_ok=True)
    dst = os.path.join(WORK, os.path.basename(src) + ".gensim.tsv")
    if os.path.exists(dst) and os.path.getmtime(dst) >= os.path.getmtime(src):
        return dst
    out = []
    with open(src, encoding="utf-8") as f:
        for line in f:
            s = line.strip()
            if not s or s.startswith("#"):
                out.append(s)
                continue
            parts = s.split("\t") if "\t" in s else s.split()
            try:
                float(parts[2])
            except (IndexError, ValueError):  # a header such as "word1 word2 POS SimLex999 ..."
                out.append("# " + s)
                continue
            out.append("\t".join(parts[:3]))
    with open(dst, "w", encoding="utf-8") as f:
        f.write("\n".join(out) + "\n")
    return dst


def synth_key(corpus: str) -> dict | None:
    """The answer key corpora/synth.py writes beside a synthetic corpus, if any."""
    stem = os.path.splitext(corpus)[0]
    q, pr = stem + ".questions-words.txt", stem + ".pairs.tsv"
    return {"questions": q, "pairs": pr} if os.path.exists(q) and os.path.exists(pr) else None


def evaluate(path: str, key: dict | None = None) -> dict:
    import logging
    logging.disable(logging.WARNING)
    from gensim.models import KeyedVectors
    kv = KeyedVectors.load_word2vec_format(path, binary=path.endswith(".bin"), unicode_errors="ignore")
    r = {"vocab": len(kv.index_to_key)}
    for k, fname in (("ws353", "wordsim353.tsv"), ("simlex", "simlex999.txt")):
        try:  # gensim raises when every pair is out of vocabulary (e.g. synthetic corpora)
            (pear, (rho, _p), oov) = kv.evaluate_word_pairs(pairs_file(os.path.join(DATA, fname)))
            r[k], r[k + "_oov_pct"] = float(rho), float(oov)
        except (ValueError, ZeroDivisionError):
            r[k] = None
    try:
        score, sections = kv.evaluate_word_analogies(os.path.join(DATA, "questions-words.txt"),
                                                     restrict_vocab=30000)
        total = [s for s in sections if s["section"] == "Total accuracy"][0]
        r["analogy_n"] = len(total["correct"]) + len(total["incorrect"])
        r["analogy"] = float(score) if r["analogy_n"] else None
    except (ValueError, ZeroDivisionError):
        r["analogy"] = None
    if key:  # planted structure of a synthetic corpus: recovered?
        score, _ = kv.evaluate_word_analogies(key["questions"], restrict_vocab=len(kv.index_to_key))
        r["synth_analogy"] = float(score)
        r["synth_pairs"] = float(kv.evaluate_word_pairs(key["pairs"])[1][0])
    return r


# --------------------------------------------------------------------------- reporting
def fmt(x, spec=".3f", none="-"):
    return none if x is None else format(x, spec)


def summarise(runs: list[dict]) -> dict:
    ok = [r for r in runs if r.get("ok")]
    if not ok:
        return {"ok": False, "error": runs[-1].get("error") or runs[-1].get("note", "failed")}
    med = lambda k: statistics.median([r[k] for r in ok if r.get(k) is not None]) \
        if any(r.get(k) is not None for r in ok) else None
    out = {"ok": True, "runs": len(ok)}
    for k in ("wall_s", "train_s", "words_per_s", "words_per_s_per_thread", "peak_rss_mb",
              "ws353", "simlex", "analogy", "analogy_n", "synth_analogy", "synth_pairs"):
        out[k] = med(k)
    out["train_s_from"] = ok[0].get("train_s_from")
    return out


def markdown(summary: dict, order: list[str], threads: int) -> str:
    lines = ["| system | runs | wall s | train s | words/s | words/s/thread | peak RSS MB | WS353 | SimLex | analogy@30k (n) | train s from |",
             "|---|---|---|---|---|---|---|---|---|---|---|"]
    for name in order:
        s = summary[name]
        if not s.get("ok"):
            lines.append(f"| {name} | 0 | - | - | - | - | - | - | - | - | {s.get('error', 'failed')[:120]} |")
            continue
        lines.append(
            f"| {name} | {s['runs']} | {s['wall_s']:.1f} | {s['train_s']:.1f} | {s['words_per_s']/1e6:.3f} M | "
            f"{s['words_per_s_per_thread']/1e3:.0f} k | {s['peak_rss_mb']:.0f} | {fmt(s.get('ws353'))} | "
            f"{fmt(s.get('simlex'))} | {fmt(s.get('analogy'))} ({fmt(s.get('analogy_n'), '.0f')}) | {s['train_s_from']} |")
    syn = [n for n in order if summary[n].get("synth_analogy") is not None]
    if syn:
        lines += ["", "| system | planted analogies (synth key) | planted pairs Spearman |", "|---|---|---|"]
        lines += [f"| {n} | {summary[n]['synth_analogy']:.3f} | {fmt(summary[n].get('synth_pairs'))} |" for n in syn]
    return "\n".join(lines)


def ratios(summary: dict, order: list[str], bases=("gensim-file", "word2vec.c")) -> list[str]:
    """One line per (w2v variant, peer): speed and memory ratios, quality differences."""
    out = []
    for base in bases:
        out += _ratios_to(summary, order, base)
    return out


def _ratios_to(summary: dict, order: list[str], base: str) -> list[str]:
    b = summary.get(base)
    if not b or not b.get("ok"):
        return []
    out = []
    for name in order:
        s = summary[name]
        if name == base or not s.get("ok") or not name.startswith("w2v"):
            continue
        parts = [f"words/s x{s['words_per_s']/b['words_per_s']:.2f}",
                 f"wall x{s['wall_s']/b['wall_s']:.2f}",
                 f"peak RSS x{s['peak_rss_mb']/b['peak_rss_mb']:.2f}"]
        for k in ("ws353", "simlex", "analogy"):
            if s.get(k) is not None and b.get(k) is not None:
                parts.append(f"{k} {s[k]-b[k]:+.3f}")
        out.append(f"- {name} / {base}: " + ", ".join(parts))
    return out


def count_words(path: str) -> tuple[int, int]:
    n = lines = 0
    with open(path, "rb") as f:
        for line in f:
            n += len(line.split())
            lines += 1
    return n, lines


# --------------------------------------------------------------------------- main
def add_training_options(ap) -> None:
    """The settings every system in a comparison shares (docs/design.md's defaults)."""
    ap.add_argument("--dim", type=int, default=100)
    ap.add_argument("--window", type=int, default=5)
    ap.add_argument("--negative", type=int, default=5)
    ap.add_argument("--sample", type=float, default=1e-4)
    ap.add_argument("--min-count", type=int, default=5)
    ap.add_argument("--model", choices=["skipgram", "cbow"], default="skipgram",
                    help="the model every system trains (gensim sg=0/1, word2vec.c -cbow, w2v --model)")
    ap.add_argument("--loss", choices=["ns", "hs"], default="ns",
                    help="negative sampling, or hierarchical softmax (gensim hs=1 negative=0, word2vec.c -hs 1 "
                         "-negative 0, w2v --loss hs)")
    ap.add_argument("--alpha", type=float, default=None,
                    help="starting learning rate [default: 0.025; 0.05 with --model cbow, as word2vec.c]")
    ap.add_argument("--seed", type=int, default=1)


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv and argv[0] == "--child":
        return child_main(argv[1:])
    ap = argparse.ArgumentParser(description="w2v vs peers: speed, memory, quality",
                                 formatter_class=argparse.RawDescriptionHelpFormatter, epilog=__doc__)
    ap.add_argument("--corpus", default=os.path.join(ROOT, "corpora", "data", "gcide.txt"))
    ap.add_argument("--systems", default="w2v,gensim-file,gensim-iter,word2vec.c,fasttext")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--epochs", type=int, default=5)
    add_training_options(ap)
    ap.add_argument("--repeats", type=int, default=1)
    ap.add_argument("--w2v-args", action="append", default=[],
                    help='extra w2v train args; repeat to compare variants, e.g. --w2v-args "--batch pair"')
    ap.add_argument("--cold-start", action="store_true",
                    help="also time w2v's first run with an empty Numba cache (fresh NUMBA_CACHE_DIR) "
                         "and the following warm run")
    ap.add_argument("--no-eval", action="store_true", help="skip the quality evaluation")
    ap.add_argument("--timeout", type=float, default=3600)
    ap.add_argument("--json", default=None, help="output JSON path (default benchmarks/results/DATE-CORPUS.json)")
    ap.add_argument("--keep-vectors", action="store_true")
    a = ap.parse_args(argv)

    if not os.path.exists(a.corpus):
        print(f"corpus {a.corpus} not found (make corpus-gcide / corpus-synth)", file=sys.stderr)
        return 2
    a.corpus = os.path.abspath(a.corpus)
    corpus_words, corpus_lines = count_words(a.corpus)
    os.makedirs(WORK, exist_ok=True)
    os.makedirs(RESULTS, exist_ok=True)
    outdir = tempfile.mkdtemp(prefix="bench-", dir=WORK)

    wanted = [s.strip() for s in a.systems.split(",") if s.strip()]
    bad = [s for s in wanted if s not in ALL_SYSTEMS]
    if bad:
        ap.error(f"unknown systems {bad}; choose from {ALL_SYSTEMS}")
    systems: dict[str, dict] = {}
    notes: list[str] = []
    w2v_cmd = None
    for s in wanted:
        if s == "w2v":
            w2v_cmd, why = find_w2v()
            variants = a.w2v_args or [""]
            for v in variants:
                name = "w2v" + (f" [{v.strip()}]" if v.strip() else "")
                systems[name] = {"kind": "w2v", "extra": shlex.split(v),
                                 "skip": None if w2v_cmd else f"cannot run: {why}"}
        elif s == "word2vec.c":
            systems[s] = {"kind": s, "skip": None if os.access(W2V_C, os.X_OK) else
                          f"absent ({os.path.relpath(W2V_C, ROOT)} missing; run `make peers`): skipped"}
        elif s == "fasttext":
            ok = subprocess.run([sys.executable, "-c", "import fasttext"], capture_output=True,
                                env={**os.environ, "PYTHONPATH": FASTTEXT_PY}).returncode == 0
            systems[s] = {"kind": s, "skip": None if ok else "absent (peers/fasttext-py; run `make peers`): skipped"}
        else:
            systems[s] = {"kind": s, "skip": None}
    failures: list[tuple[str, str]] = []  # (system, error): any makes the exit status 1
    for name, s in systems.items():
        if s["skip"]:
            notes.append(f"{name}: {s['skip']}")
            failures.append((name, s["skip"]))
            print(f"[bench] {name}: {s['skip']}", file=sys.stderr)
    active = [n for n, s in systems.items() if not s["skip"]]

    print(f"[bench] corpus {a.corpus}: {corpus_words:,} words in {corpus_lines:,} lines; dim {a.dim} "
          f"window {a.window} negative {a.negative} loss {a.loss} model {a.model} sample {a.sample} epochs {a.epochs} min-count "
          f"{a.min_count} alpha {a.alpha if a.alpha is not None else 'default'} threads {a.threads}; repeats {a.repeats}", file=sys.stderr)

    runs: dict[str, list[dict]] = {n: [] for n in systems}
    cold = None
    if w2v_cmd is not None and any(systems[n]["kind"] == "w2v" for n in active):
        first = [n for n in active if systems[n]["kind"] == "w2v"][0]
        if a.cold_start:
            cache = tempfile.mkdtemp(prefix="numba-cold-", dir=WORK)
            cold = {}
            for label in ("cold", "warm"):
                print(f"[bench] {first}: {label} Numba cache run ({cache}) ...", file=sys.stderr)
                r = run_system(first, systems[first], a, corpus_words, w2v_cmd, outdir, label,
                               env_extra={"NUMBA_CACHE_DIR": cache})
                cold[label] = {k: r.get(k) for k in ("ok", "wall_s", "train_s", "train_s_from",
                                                     "peak_rss_mb", "error")}
                if not r["ok"]:
                    failures.append((f"{first} ({label} Numba cache run)", r.get("error")))
                print(f"[bench]   wall {fmt(r.get('wall_s'), '.1f')} s, train {fmt(r.get('train_s'), '.1f')} s",
                      file=sys.stderr)
            shutil.rmtree(cache, ignore_errors=True)
        # Untimed warm-up of every w2v variant (each may use another kernel), so
        # no timed run pays the one-off JIT compile in its wall time or memory.
        tiny = os.path.join(outdir, "warmup.txt")
        with open(a.corpus) as f, open(tiny, "w") as g:
            for _ in range(20):
                line = f.readline()
                if not line:
                    break
                g.write(line)
        b = argparse.Namespace(**{**vars(a), "corpus": tiny, "epochs": 1, "min_count": 1})
        for name in (n for n in active if systems[n]["kind"] == "w2v"):
            print(f"[bench] {name}: untimed warm-up run to fill the Numba cache ...", file=sys.stderr)
            run_system(name, systems[name], b, corpus_words, w2v_cmd, outdir, "warmup")

    for rep in range(a.repeats):
        for name in active:
            print(f"[bench] round {rep + 1}/{a.repeats}: {name} ...", file=sys.stderr, flush=True)
            r = run_system(name, systems[name], a, corpus_words, w2v_cmd, outdir, f"r{rep}")
            if r["ok"] and not a.no_eval:
                try:
                    r.update(evaluate(r["vectors"], synth_key(a.corpus)))
                except Exception as exc:  # e.g. gensim missing, or vectors it cannot read
                    r.update(ok=False, error=f"evaluation failed: {type(exc).__name__}: {exc}"[:400])
            if not r["ok"]:
                failures.append((f"{name} (round {rep + 1})", r.get("error")))
            if not a.keep_vectors and os.path.exists(r.get("vectors", "")):
                os.remove(r["vectors"])
            runs[name].append(r)
            msg = (f"wall {r['wall_s']:.1f} s, train {r['train_s']:.1f} s, {r['words_per_s']/1e6:.3f} M words/s, "
                   f"RSS {r['peak_rss_mb']:.0f} MB, WS353 {fmt(r.get('ws353'))}, SimLex {fmt(r.get('simlex'))}, "
                   f"analogy {fmt(r.get('analogy'))}") if r["ok"] else r.get("error")
            print(f"[bench]   {msg}", file=sys.stderr, flush=True)

    summary = {}
    for name in systems:
        summary[name] = summarise(runs[name]) if runs[name] else {"ok": False, "error": systems[name]["skip"]}
    order = list(systems)
    table = markdown(summary, order, a.threads)
    rat = ratios(summary, order)
    print(f"\n### Training comparison: {os.path.basename(a.corpus)} ({corpus_words:,} words), dim {a.dim}, "
          f"window {a.window}, negative {a.negative}, sample {a.sample}, {a.epochs} epochs, min-count "
          f"{a.min_count}, {a.threads} threads, median of {a.repeats} run(s)\n")
    print(table)
    if rat:
        print("\n" + "\n".join(rat))
    if cold:
        print("\nw2v Numba cache: " + ", ".join(
            f"{k} wall {fmt(v.get('wall_s'), '.1f')} s (train {fmt(v.get('train_s'), '.1f')} s)"
            for k, v in cold.items()))
        if cold["cold"].get("ok") and cold["warm"].get("ok"):
            print(f"cold-start overhead: {cold['cold']['wall_s'] - cold['warm']['wall_s']:+.1f} s wall")
    for n in notes:
        print(f"\nnote: {n}")

    stamp = _dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    path = a.json or os.path.join(RESULTS, f"train-{stamp}-{os.path.splitext(os.path.basename(a.corpus))[0]}.json")
    blob = {"date": stamp, "host": {"machine": platform.machine(), "cpus": os.cpu_count(),
                                     "python": platform.python_version()},
            "corpus": {"path": a.corpus, "words": corpus_words, "lines": corpus_lines},
            "settings": {k: v for k, v in vars(a).items() if k not in ("json",)},
            "summary": summary, "runs": runs, "cold_start": cold, "notes": notes,
            "ratios": rat, "markdown": table}
    with open(path, "w") as f:
        json.dump(blob, f, indent=1, default=str)
    print(f"\n(JSON: {os.path.relpath(path, ROOT)})")
    shutil.rmtree(outdir, ignore_errors=True)
    return failure_exit(failures, "bench_train")


if __name__ == "__main__":
    sys.exit(main())
