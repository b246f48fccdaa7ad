"""Out-of-range and non-numeric options: one line naming the option and what it
accepts, exit status 1 (range) or 2 (not a number), nothing written."""

import os

import numpy as np
import pytest

from hostile_util import assert_one_error, assert_untouched, make_workdir, run, snapshot, stderr_lines

CORPUS = "the quick brown fox jumps over the lazy dog\n" * 30

# (option, value, allowed range as printed)
OUT_OF_RANGE = [
    ("--dim", "0", "[1, 10000]"),
    ("--dim", "-5", "[1, 10000]"),
    ("--dim", "10001", "[1, 10000]"),
    ("--dim", "99999999999999999999999", "[1, 10000]"),
    ("--window", "0", "[1, 1000]"),
    ("--window", "1001", "[1, 1000]"),
    ("--negative", "0", "[1, 1000]"),
    ("--negative", "-1", "[0, 1000]"),  # 0 only with --loss hs/softmax (test_hs)
    ("--epochs", "0", "[1, 100000]"),
    ("--epochs", "100001", "[1, 100000]"),
    ("--alpha", "0", "[1e-12, 10.0]"),
    ("--alpha", "-0.1", "[1e-12, 10.0]"),
    ("--alpha", "11", "[1e-12, 10.0]"),
    ("--alpha", "nan", "[1e-12, 10.0]"),
    ("--alpha", "inf", "[1e-12, 10.0]"),
    ("--min-alpha", "-0.001", "[0.0, 10.0]"),
    ("--min-alpha", "nan", "[0.0, 10.0]"),
    ("--sample", "-1e-3", "[0.0, 1.0]"),
    ("--sample", "1.5", "[0.0, 1.0]"),
    ("--sample", "nan", "[0.0, 1.0]"),
    ("--min-count", "0", "[1, inf]"),
    ("--min-count", "-3", "[1, inf]"),
    ("--threads", "0", "[1, 4096]"),
    ("--threads", "-2", "[1, 4096]"),
    ("--threads", "5000", "[1, 4096]"),
    ("--max-vocab", "-1", "[0, inf]"),
    ("--shared-negatives", "0", "[1, 1000]"),
    ("--ns-exponent", "11", "[-10.0, 10.0]"),
    ("--seed", "-1", "[0, 9223372036854775807]"),
]

NOT_NUMBERS = [
    ("--dim", "abc"), ("--dim", "1.5"), ("--window", "5x"), ("--negative", ""), ("--epochs", "1e3"),
    ("--alpha", "fast"), ("--sample", "1e-3x"), ("--min-count", "two"), ("--threads", "many"),
    ("--max-vocab", "1.5"), ("--seed", "0x10"), ("--shared-negatives", "two"),
]


@pytest.fixture(scope="module")
def workspace(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("options")
    work = make_workdir(tmp)
    (work / "corpus.txt").write_text(CORPUS)
    return tmp, work


def _run(workspace, *extra):
    tmp, work = workspace
    before = snapshot(work)
    proc = run(tmp, "train", work / "corpus.txt", "-o", work / "vectors.bin", "-q", "--min-count", "1", *extra)
    return proc, (tmp, work, before)


@pytest.mark.parametrize("option,value,allowed", OUT_OF_RANGE, ids=[f"{o}={v}" for o, v, _ in OUT_OF_RANGE])
def test_option_out_of_range(workspace, option, value, allowed):
    proc, state = _run(workspace, option, value)
    line = assert_one_error(proc, option, allowed, code=1)
    assert ", got " in line, line  # and the value it was given
    assert_untouched(*state)


def test_min_alpha_above_alpha(workspace):
    proc, state = _run(workspace, "--min-alpha", "0.5")
    assert_one_error(proc, "--min-alpha (0.5) must not exceed --alpha (0.025)", code=1)
    assert_untouched(*state)


@pytest.mark.parametrize("extra", [("--loss", "hs"), ("--batch", "pair")])
def test_shared_negatives_only_where_negatives_are_drawn_ahead(workspace, extra):
    proc, state = _run(workspace, "--shared-negatives", "2", *extra)
    assert_one_error(proc, "--shared-negatives 2 needs --loss ns and --batch window", code=1)
    assert_untouched(*state)


@pytest.mark.parametrize("option,value", NOT_NUMBERS, ids=[f"{o}={v}" for o, v in NOT_NUMBERS])
def test_option_not_a_number(workspace, option, value):
    proc, state = _run(workspace, option, value)
    line = assert_one_error(proc, option, code=2)
    # The range is named too, not just "not a valid integer".
    assert "must be an integer in [" in line or "must be a number in [" in line, line
    assert_untouched(*state)


def test_threads_above_core_count_capped_with_note(tmp_path):
    work = make_workdir(tmp_path)
    corpus = work / "corpus.txt"
    corpus.write_text(CORPUS)
    cores = len(os.sched_getaffinity(0))
    proc = run(tmp_path, "train", corpus, "-o", work / "vectors.bin", "-q", "--min-count", "1", "--dim", "8",
               "--epochs", "1", "--threads", str(cores + 3))
    assert proc.returncode == 0 and "Traceback" not in proc.stderr, proc.stderr
    notes = [line for line in stderr_lines(proc) if line.startswith("note:")]
    assert len(notes) == 1, proc.stderr
    assert f"--threads {cores + 3}" in notes[0] and str(cores) in notes[0], notes[0]
    assert f"{cores} threads" in stderr_lines(proc)[-1]


# --- divergence ---------------------------------------------------------------------------

# A CLI run whose SGNS kernel poisons the vectors with NaN, as a diverging run does.
_NAN_KERNEL = """
import sys
import numpy as np
from w2v_cli import cli
import dataclasses
from w2v_cli import jit
jit.configure()
from w2v_cli.training.kernels import registry
def poisoned(b):
    b.W[0, 0] = np.nan
for key, entry in list(registry.STEPS.items()):
    registry.STEPS[key] = dataclasses.replace(entry, epoch=poisoned)
cli.main(sys.argv[1:])
"""


def test_divergence_check_library(monkeypatch):
    from w2v_cli.errors import TrainingDiverged
    import dataclasses

    from w2v_cli.training.kernels import registry
    from w2v_cli.training.loop import train

    poisoned = lambda b: b.W.__setitem__((1, 0), np.inf)  # noqa: E731
    for key, entry in list(registry.STEPS.items()):
        monkeypatch.setitem(registry.STEPS, key, dataclasses.replace(entry, epoch=poisoned))
    with pytest.raises(TrainingDiverged, match=r"diverged in epoch 1 .*lower --alpha"):
        train([["a", "b", "c"]] * 10, dim=4, epochs=3, min_count=1, threads=1, progress=False)


def test_divergence_cli_message_and_old_output_kept(tmp_path):
    import subprocess
    import sys

    work = make_workdir(tmp_path)
    corpus = work / "corpus.txt"
    corpus.write_text(CORPUS)
    before = snapshot(work)
    proc = subprocess.run([sys.executable, "-c", _NAN_KERNEL, "train", str(corpus), "-o", str(work / "vectors.bin"),
                           "-q", "--min-count", "1", "--dim", "8"], capture_output=True, text=True,
                          env=dict(os.environ, TMPDIR=str(tmp_path / "tmpdir")), timeout=120)
    assert_one_error(proc, "diverged", "lower --alpha", code=1)
    assert_untouched(tmp_path, work, before)


def test_largest_alpha_diverges_cleanly(tmp_path):
    """On 300 lines of 12 random words from 50, dim 100, one thread, 3 epochs
    (found by hand): --alpha 0.5 trains, 1 and above blow up.  (With dim 8,
    2 and above; the 8-word CORPUS above survives even --alpha 10.)"""
    work = make_workdir(tmp_path)
    corpus = work / "corpus.txt"
    rng = np.random.default_rng(0)
    corpus.write_text("".join(" ".join(f"w{i}" for i in rng.integers(0, 50, 12)) + "\n" for _ in range(300)))
    before = snapshot(work)
    proc = run(tmp_path, "train", corpus, "-o", work / "vectors.bin", "-q", "--min-count", "1",
               "--epochs", "3", "--threads", "1", "--alpha", "10")
    assert_one_error(proc, "diverged", "lower --alpha", code=1)
    assert_untouched(tmp_path, work, before)
