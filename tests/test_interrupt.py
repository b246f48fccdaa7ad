"""Ctrl-C and SIGTERM during training: a prompt exit with status 130, one line
saying how far training got, the old output byte-identical, no temporary files."""

import os
import re
import signal
import subprocess
import sys
import threading
import time

import numpy as np
import pytest

from hostile_util import assert_one_error, default_signals, make_workdir, snapshot


def _synthetic_corpus(path, n_words=400_000, vocab=2000, seed=0):
    rng = np.random.default_rng(seed)
    ids = rng.zipf(1.3, n_words) % vocab
    words = np.array([f"w{i}" for i in range(vocab)])
    lines = [" ".join(words[ids[i:i + 20]]) for i in range(0, n_words, 20)]
    path.write_text("\n".join(lines) + "\n")


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    path = tmp_path_factory.mktemp("interrupt") / "corpus.txt"
    _synthetic_corpus(path)
    return path


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_signal_stops_training_cleanly(tmp_path, corpus, signum):
    work = make_workdir(tmp_path)
    before = snapshot(work)
    tmpdir = tmp_path / "tmpdir"
    # 400k words x 1000 epochs would take many minutes: it is interrupted long before.
    cmd = [sys.executable, "-m", "w2v_cli", "train", str(corpus), "-o", str(work / "vectors.bin"),
           "--dim", "16", "--epochs", "1000", "--min-count", "1", "--threads", "2"]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            env=dict(os.environ, TMPDIR=str(tmpdir)), preexec_fn=default_signals)
    chunks = []
    reader = threading.Thread(target=lambda: chunks.extend(iter(lambda: proc.stderr.read1(4096), b"")), daemon=True)
    reader.start()
    try:
        # Wait until the progress bar shows words trained (not just the 0 % bar).
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and proc.poll() is None:
            text = b"".join(chunks).decode(errors="replace")
            if re.search(r"\|\s*[1-9][\d.]*[kM]?/", text):
                break
            time.sleep(0.1)
        else:
            pytest.fail("training never showed progress: " + b"".join(chunks).decode(errors="replace")[-2000:])
        assert proc.poll() is None, "training finished before it could be interrupted"
        sent = time.monotonic()
        proc.send_signal(signum)
        code = proc.wait(timeout=30)
        took = time.monotonic() - sent
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    reader.join(5)
    stderr = b"".join(chunks).decode(errors="replace")
    assert "Traceback" not in stderr, stderr
    assert code == 130, stderr[-2000:]
    assert took < 3.0, f"took {took:.1f} s to stop"
    lines = [line for line in stderr.replace("\r", "\n").split("\n") if line.strip()]
    errors = [line for line in lines if line.startswith("error:")]
    assert len(errors) == 1 and lines[-1] == errors[0], stderr[-2000:]
    match = re.search(r"interrupted after ([\d,]+) of ([\d,]+) words \(([\d.]+) %\); nothing was written", errors[0])
    assert match, errors[0]
    done, total = (int(g.replace(",", "")) for g in match.groups()[:2])
    assert 0 < done < total
    assert snapshot(work) == before
    assert os.listdir(tmpdir) == []


# A CLI run whose corpus reader stalls after its first chunk (and says so on
# stdout), so a signal arrives while the corpus is being read, before training.
_SLOW_READER = """
import sys, time
from w2v_cli import cli
from w2v_cli.corpus import sources as corpus
original = corpus.iter_blocks
def stalling(path, *args):
    for chunk in original(path, *args):
        yield chunk
        print("reading", flush=True)
        time.sleep(60)
corpus.iter_blocks = stalling
cli.main(sys.argv[1:])
"""


@pytest.mark.parametrize("signum", [
    signal.SIGINT, signal.SIGTERM,
], ids=["SIGINT", "SIGTERM"])
def test_signal_while_reading_corpus(tmp_path, signum):
    work = make_workdir(tmp_path)
    (work / "corpus.txt").write_text("a b c d e\n" * 1000)
    before = snapshot(work)
    tmpdir = tmp_path / "tmpdir"
    proc = subprocess.Popen([sys.executable, "-c", _SLOW_READER, "train", str(work / "corpus.txt"), "-o",
                             str(work / "vectors.bin"), "-q", "--min-count", "1"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=dict(os.environ, TMPDIR=str(tmpdir)),
                            preexec_fn=default_signals)
    try:
        assert proc.stdout.readline() == b"reading\n"
        proc.send_signal(signum)
        _, stderr = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    stderr = stderr.decode(errors="replace")
    assert os.listdir(tmpdir) == []
    assert "Traceback" not in stderr, stderr
    assert proc.returncode == 130, (proc.returncode, stderr)
    assert re.fullmatch(r"error: [^\n]*interrupted[^\n]*nothing was written\n", stderr), repr(stderr)
    assert snapshot(work) == before


# --- signals from the first instant (issue 26, defect 7) --------------------------------------

# A CLI run that sends itself SIGNUM (argv[1]) the moment a module whose name
# starts with PREFIX (argv[2]) is first imported: inside the import, as a
# Ctrl-C 0.05 s after start-up does.
_SIGNAL_IN_IMPORT = """
import os, signal, sys
signum, prefix = int(sys.argv[1]), sys.argv[2]
class Trigger:
    fired = False
    def find_spec(self, name, path=None, target=None):
        if not Trigger.fired and name.startswith(prefix):
            Trigger.fired = True
            os.kill(os.getpid(), signum)
        return None
sys.meta_path.insert(0, Trigger())
from w2v_cli.cli import main
main(sys.argv[3:])
"""

# A CLI run that sends itself SIGNUM from inside a ctypes callback run by
# llvmlite's code, as LLVM calls back while Numba loads its cache (there a
# KeyboardInterrupt is printed and swallowed, and training went on to the end).
# With argv[2] == "ours" the callback's code is the script's own: the
# interrupt is swallowed before w2v can see where it is, and only the record
# of the signal can stop the run.
_SIGNAL_IN_CALLBACK = """
import ctypes, os, signal, sys
import llvmlite.binding.executionengine as ee
signum, whose = int(sys.argv[1]), sys.argv[2]
def callback():
    os.kill(os.getpid(), signum)
    for _ in range(10000):  # the Python handler runs here, inside the callback
        pass
if whose == "llvmlite":
    callback.__code__ = callback.__code__.replace(co_filename=ee.__file__)
CALLBACK = ctypes.CFUNCTYPE(None)(callback)
from w2v_cli import jit
real_start = jit.start
def start():
    real_start()
    CALLBACK()
jit.start = start
from w2v_cli.cli import main
main(sys.argv[3:])
"""

SIGNALS = [signal.SIGINT, signal.SIGTERM]


def _early_run(tmp_path, script, *script_args):
    work = make_workdir(tmp_path)
    (work / "corpus.txt").write_text("a b c d e f g\n" * 2000)
    before = snapshot(work)
    proc = subprocess.run([sys.executable, "-c", script, *map(str, script_args), "train", str(work / "corpus.txt"),
                           "-o", str(work / "vectors.bin"), "--save-vocab", str(work / "vocab.txt"), "-q",
                           "--min-count", "1", "--dim", "8", "--epochs", "2", "--threads", "1"],
                          capture_output=True, text=True, timeout=300, preexec_fn=default_signals,
                          env=dict(os.environ, TMPDIR=str(tmp_path / "tmpdir")))
    return proc, work, before


@pytest.mark.parametrize("signum", SIGNALS, ids=["SIGINT", "SIGTERM"])
@pytest.mark.parametrize("prefix", ["click", "numpy.linalg", "numba.core.typing"])
def test_signal_during_start_up_imports(tmp_path, signum, prefix):
    proc, work, before = _early_run(tmp_path, _SIGNAL_IN_IMPORT, int(signum), prefix)
    assert_one_error(proc, "interrupted", "nothing was written", code=130)
    assert snapshot(work) == before
    assert os.listdir(tmp_path / "tmpdir") == []


@pytest.mark.parametrize("signum", SIGNALS, ids=["SIGINT", "SIGTERM"])
def test_signal_in_numba_callback_stops_the_run(tmp_path, signum):
    proc, work, before = _early_run(tmp_path, _SIGNAL_IN_CALLBACK, int(signum), "llvmlite")
    assert_one_error(proc, "interrupted", "nothing was written", code=130)
    assert snapshot(work) == before
    assert os.listdir(tmp_path / "tmpdir") == []


@pytest.mark.parametrize("signum", SIGNALS, ids=["SIGINT", "SIGTERM"])
def test_swallowed_interrupt_never_completes_the_run(tmp_path, signum):
    """Something (here a ctypes callback of the script's own) swallows the
    KeyboardInterrupt: the run still stops before replacing any output."""
    proc, work, before = _early_run(tmp_path, _SIGNAL_IN_CALLBACK, int(signum), "ours")
    assert proc.returncode == 130, proc.stderr
    last = proc.stderr.strip().split("\n")[-1]
    assert last.startswith("error: ") and "interrupted" in last and "nothing was written" in last, proc.stderr
    assert snapshot(work) == before
    assert os.listdir(tmp_path / "tmpdir") == []


# The real CLI, told when it is up: it takes the signals first (as main() does),
# then says so on stdout, then runs the command.
_UP = """
import sys
from w2v_cli import signals
signals.install()
print("up", flush=True)
from w2v_cli.cli import main
main(sys.argv[1:])
"""


@pytest.mark.parametrize("signum", SIGNALS, ids=["SIGINT", "SIGTERM"])
def test_signal_at_any_moment_of_start_up(tmp_path, corpus, signum):
    """Signals 0 to 0.8 s into a run that lasts several seconds: every one ends
    with 130, one line, nothing replaced, nothing left in TMPDIR."""
    work = make_workdir(tmp_path)
    before = snapshot(work)
    tmpdir = tmp_path / "tmpdir"
    for delay in [0, 0.01, 0.02, 0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.4, 0.6, 0.8]:
        proc = subprocess.Popen([sys.executable, "-c", _UP, "train", str(corpus), "-o", str(work / "vectors.bin"),
                                 "--save-context", str(work / "ctx.bin"), "-q", "--dim", "16", "--epochs", "50",
                                 "--min-count", "1", "--threads", "1"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                text=True, preexec_fn=default_signals, env=dict(os.environ, TMPDIR=str(tmpdir)))
        try:
            assert proc.stdout.readline() == "up\n"
            time.sleep(delay)
            proc.send_signal(signum)
            _, err = proc.communicate(timeout=120)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
        proc.stderr = err
        proc.stdout = ""
        assert_one_error(proc, "interrupted", "nothing was written", code=130)
        assert snapshot(work) == before, delay
        assert os.listdir(tmpdir) == [], delay
