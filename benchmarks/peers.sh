#!/usr/bin/env bash
# Fetch and build the peer word2vec implementations into the git-ignored peers/ folder.
#
#   peers/word2vec/word2vec        word2vec.c (npm package "word2vec" ships the C sources in src/),
#                                  built with gcc -O3 -march=native -funroll-loops -pthread -lm,
#                                  patched for upstream bug #47 when the source has it
#   peers/fasttext-py/             fastText Python binding from PyPI (pip install --target, no deps)
#   pWord2Vec                      not on any reachable registry (npm/PyPI/apt): skipped
#
# Usage: benchmarks/peers.sh [--force]     (called by `make peers`)
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PEERS="$ROOT/peers"
FORCE=0
[[ "${1:-}" == "--force" ]] && FORCE=1
PY="${PYTHON:-python3}"
mkdir -p "$PEERS"

log() { echo "[peers] $*"; }

# ---------------------------------------------------------------- word2vec.c
build_word2vec_c() {
  local dir="$PEERS/word2vec"
  if [[ -x "$dir/word2vec" && $FORCE == 0 ]]; then
    log "word2vec.c already built: $dir/word2vec"
    return 0
  fi
  if ! command -v npm >/dev/null; then log "npm not found: skipping word2vec.c"; return 0; fi
  rm -rf "$dir" && mkdir -p "$dir"
  local tmp; tmp="$(mktemp -d)"
  log "npm pack word2vec (C sources ship in its src/) ..."
  (cd "$tmp" && npm pack word2vec --silent >/dev/null 2>&1) || { log "npm pack word2vec failed (offline?): skipping word2vec.c"; rm -rf "$tmp"; return 0; }
  tar xzf "$tmp"/word2vec-*.tgz -C "$tmp"
  cp "$tmp"/package/src/word2vec.c "$dir/word2vec.orig.c"
  cp "$tmp"/package/src/LICENSE "$dir/LICENSE" 2>/dev/null || true
  ls "$tmp"/word2vec-*.tgz | sed 's#.*/##' > "$dir/SOURCE"
  rm -rf "$tmp"

  # Upstream bug #47 (github.com/tmikolov/word2vec): TrainModelThread keeps a flag
  # `eof` set by ReadWordIndex(fi, &eof); when a thread reaches end of file it sets
  # eof = 1, rewinds with fseek() for the next iteration but never clears the flag,
  # so in every later iteration that thread stops after one sentence: on a
  # multi-line corpus about a third of the work is silently skipped.
  # Fix: clear the flag where the thread rewinds for its next iteration.
  # Older copies (like the one on npm) test feof(fi) instead; fseek() clears the
  # stdio EOF indicator, so they do not have the bug and need no patch.
  "$PY" - "$dir/word2vec.orig.c" "$dir/word2vec.c" <<'EOF'
import re, sys
src, dst = sys.argv[1], sys.argv[2]
s = open(src).read()
rewind = "fseek(fi, file_size / (long long)num_threads * (long long)id, SEEK_SET);"
if re.search(r"\beof\s*=\s*1\b", s):
    n = s.count(rewind)
    assert n >= 1, "rewind fseek not found: patch by hand"
    s = s.replace(rewind, rewind + "\n      eof = 0;  /* w2v bench patch: bug #47, reset EOF flag per iteration */")
    print(f"[peers] patched bug #47: eof reset after {n} rewind(s)")
else:
    assert "feof(fi)" in s and rewind in s, "unexpected word2vec.c layout: read it and patch by hand"
    print("[peers] this word2vec.c uses feof(fi) (cleared by fseek): bug #47 absent, no patch needed")
open(dst, "w").write(s)
EOF
  log "gcc -O3 -march=native -funroll-loops -pthread -lm word2vec.c"
  gcc "$dir/word2vec.c" -o "$dir/word2vec" -O3 -march=native -funroll-loops -pthread -lm \
      -Wno-unused-result -w
  log "built $dir/word2vec"
  verify_word2vec_c "$dir"
}

# Train 3 iterations on a small multi-line corpus with 2 threads and check the
# progress counter reaches ~100% (with bug #47 it stops near 2/3).
verify_word2vec_c() {
  local dir="$1" tmp; tmp="$(mktemp -d)"
  "$PY" - "$tmp/c.txt" <<'EOF'
import sys, random
r = random.Random(1)
words = [f"w{i}" for i in range(300)]
with open(sys.argv[1], "w") as f:
    for _ in range(400):
        f.write(" ".join(r.choice(words) for _ in range(1000)) + "\n")
EOF
  "$dir/word2vec" -train "$tmp/c.txt" -output "$tmp/v.txt" -size 20 -window 3 -negative 3 \
      -hs 0 -cbow 0 -sample 0 -threads 2 -iter 3 -min-count 1 -debug 2 > "$tmp/log" 2>&1
  local last; last="$(tr '\r' '\n' < "$tmp/log" | grep -o 'Progress: [0-9.]*%' | tail -1 | grep -o '[0-9.]*')"
  rm -rf "$tmp"
  if "$PY" -c "import sys; sys.exit(0 if float('${last:-0}') > 95 else 1)"; then
    log "word2vec.c progress check: last reported progress ${last}% (expected ~100%): OK"
  else
    log "word2vec.c progress check FAILED: progress stopped at ${last:-?}% (bug #47?)"
    return 1
  fi
}

# ---------------------------------------------------------------- fastText
build_fasttext() {
  local dir="$PEERS/fasttext-py"
  if PYTHONPATH="$dir" "$PY" -c "import fasttext" 2>/dev/null && [[ $FORCE == 0 ]]; then
    log "fastText already installed in $dir"
  else
    rm -rf "$dir"
    log "pip install --target peers/fasttext-py fasttext (sdist; compiles with -O3 -march=native, ~1 min) ..."
    if ! "$PY" -m pip install --quiet --no-deps --target "$dir" fasttext 2>&1 | grep -v "WARNING: Running pip as" ; then :; fi
    if ! PYTHONPATH="$dir" "$PY" -c "import fasttext" 2>/dev/null; then
      log "fastText install failed: skipping it"; return 0
    fi
  fi
  # speed probe: a tiny skip-gram run, 1 thread
  PYTHONPATH="$dir" "$PY" - <<'EOF'
import os, random, tempfile, time, fasttext
r = random.Random(1)
words = [f"w{i}" for i in range(2000)]
d = tempfile.mkdtemp()
p = os.path.join(d, "c.txt")
with open(p, "w") as f:
    for _ in range(1000):
        f.write(" ".join(r.choice(words) for _ in range(1000)) + "\n")
t = time.perf_counter()
fasttext.train_unsupervised(p, model="skipgram", dim=100, ws=5, neg=5, minn=0, maxn=0,
                            epoch=1, thread=1, minCount=1, t=1e-4, loss="ns", verbose=0)
dt = time.perf_counter() - t
print(f"[peers] fastText speed probe: 1 M words, 1 epoch, 1 thread: {dt:.2f} s = {1e6/dt/1e3:.0f} k words/s"
      + ("  (looks optimised)" if 1e6 / dt > 5e4 else "  (SLOW: unoptimised build?)"))
EOF
}

build_word2vec_c
build_fasttext
log "pWord2Vec: not available from any reachable registry (npm, PyPI, Debian apt); skipped"
log "done: $(ls "$PEERS" | tr '\n' ' ')"
