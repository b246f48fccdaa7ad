"""The first run says that it compiles, and only then: `w2v train` prints one
line before its kernels compile, none when they load from the cache (also
from another install of the same sources), and none after `w2v warmup`."""

import os
import shutil
import subprocess
import sys

from conftest import REPO_ROOT

LINE = "w2v: compiling kernels for this CPU, once"


def _corpus(path, lines=200):
    words = [f"w{i}" for i in range(60)]
    with open(path, "w") as f:
        for n in range(lines):
            f.write(" ".join(words[(n * 7 + k * k) % 60] for k in range(25)) + "\n")
    return path


def _w2v(root, cache, *args, timeout=900):
    env = dict(os.environ, PYTHONPATH=str(root), NUMBA_CACHE_DIR=str(cache))
    out = subprocess.run([sys.executable, "-m", "w2v_cli", *map(str, args)], capture_output=True, text=True,
                         env=env, cwd=str(root), timeout=timeout)
    assert out.returncode == 0, out.stderr
    return out.stderr


def _install(tmp_path, name):
    """A copy of the package at its own path, as another venv would hold it."""
    root = tmp_path / name
    shutil.copytree(os.path.join(REPO_ROOT, "w2v_cli"), root / "w2v_cli",
                    ignore=shutil.ignore_patterns("__pycache__"))
    return root


def _train(root, cache, corpus, out, *extra):
    return _w2v(root, cache, "train", corpus, "-o", out, "--dim", 8, "--epochs", 1, "--min-count", 1, "-q", *extra)


def test_the_line_appears_exactly_when_kernels_compile_and_another_install_reuses_them(tmp_path):
    corpus = _corpus(tmp_path / "corpus.txt")
    cache = tmp_path / "cache"
    first, second = _install(tmp_path, "venv1"), _install(tmp_path, "venv2")
    cold = _train(first, cache, corpus, tmp_path / "a.bin")
    lines = cold.splitlines()
    assert sum(LINE in line for line in lines) == 1
    assert LINE in lines[0] and "about" in lines[0]  # before anything else the run prints
    assert lines[-1].startswith("vocabulary")
    warm = _train(first, cache, corpus, tmp_path / "b.bin")
    assert LINE not in warm and warm.splitlines()[-1].startswith("vocabulary")
    # Another install of the same sources (another path, new file times) loads them too.
    assert LINE not in _train(second, cache, corpus, tmp_path / "c.bin")



def test_warmup_leaves_a_cache_from_which_no_run_compiles(tmp_path):
    corpus = _corpus(tmp_path / "corpus.txt")
    cache = tmp_path / "cache"
    report = _w2v(REPO_ROOT, cache, "warmup", timeout=2400).splitlines()
    from w2v_cli.training.kernels import registry

    kernels = {e.epoch for e in registry.STEPS.values()}
    compiled = [line for line in report if line.rstrip().endswith("compiled")]
    assert len(compiled) == len(kernels) + 2  # every epoch kernel, the corpus kernels, phrases
    assert report[-1].startswith("all kernels in")
    assert LINE not in _w2v(REPO_ROOT, cache, "phrases", corpus, "-o", tmp_path / "p.txt", "--min-count", 1)
    for extra in ([], ["--model", "cbow"], ["--loss", "hs", "--batch", "pair"], ["--loss", "softmax"]):
        stderr = _train(REPO_ROOT, cache, corpus, tmp_path / "v.bin", *extra)
        assert LINE not in stderr, extra
    again = _w2v(REPO_ROOT, cache, "warmup").splitlines()
    assert all(line.rstrip().endswith("cached") for line in again[:-1])
