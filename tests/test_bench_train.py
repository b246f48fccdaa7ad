"""benchmarks/bench_train.py: a benchmark in which a system fails exits non-zero with its error.

The systems here are stand-in word2vec.c binaries (small shell scripts), so the
real run path (subprocess, exit status, output file) is exercised in well under
a second, with no training.
"""

import json
import os
import stat
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "benchmarks"))
import bench_train as bt  # noqa: E402

SUCCEEDS = """#!/bin/sh
while [ $# -gt 0 ]; do [ "$1" = "-output" ] && out="$2"; shift; done
echo "Progress: 50.00%"
echo "Progress: 100.00%"
echo "2 3" > "$out"
"""
FAILS = """#!/bin/sh
echo "Vocab size: 3"
echo "ERROR: cannot allocate memory for the unigram table" >&2
exit 3
"""


@pytest.fixture
def bench(tmp_path, monkeypatch):
    """Run bench_train.main on a tiny corpus with a stand-in word2vec.c; return (status, json, stderr)."""
    corpus = tmp_path / "corpus.txt"
    corpus.write_text("a b c a b\nb c a\n")
    monkeypatch.setattr(bt, "WORK", str(tmp_path / "work"))
    monkeypatch.setattr(bt, "RESULTS", str(tmp_path / "results"))

    def run(script, capsys, *extra):
        binary = tmp_path / "word2vec"
        if script is not None:
            binary.write_text(script)
            binary.chmod(binary.stat().st_mode | stat.S_IXUSR)
        monkeypatch.setattr(bt, "W2V_C", str(binary))
        out = tmp_path / "result.json"
        status = bt.main(["--corpus", str(corpus), "--systems", "word2vec.c", "--json", str(out), *extra])
        return status, json.loads(out.read_text()), capsys.readouterr().err
    return run


def test_a_system_that_trains_gives_status_0(bench, capsys):
    status, result, err = bench(SUCCEEDS, capsys, "--no-eval")
    assert status == 0, err
    assert result["summary"]["word2vec.c"]["ok"] and "error:" not in err


def test_a_failing_system_gives_status_1_and_its_error(bench, capsys):
    status, result, err = bench(FAILS, capsys, "--no-eval")
    assert status == 1
    assert not result["summary"]["word2vec.c"]["ok"]
    last = err.strip().splitlines()[-1]
    assert last.startswith("error: bench_train: word2vec.c (round 1) failed: exit 3:")
    assert "cannot allocate memory for the unigram table" in last


def test_a_missing_system_is_a_failure_not_a_note(bench, capsys):
    status, _, err = bench(None, capsys, "--no-eval")
    assert status == 1
    assert "error: bench_train: word2vec.c failed: absent" in err and "make peers" in err


def test_an_evaluation_that_cannot_run_is_a_failure(bench, capsys, monkeypatch):
    def no_gensim(path, key=None):
        raise ModuleNotFoundError("No module named 'gensim'")
    monkeypatch.setattr(bt, "evaluate", no_gensim)
    status, result, err = bench(SUCCEEDS, capsys)
    assert status == 1 and not result["summary"]["word2vec.c"]["ok"]
    assert "evaluation failed: ModuleNotFoundError: No module named 'gensim'" in err.strip().splitlines()[-1]
