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

from hostile_util import make_workdir, snapshot


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
                            env=dict(os.environ, TMPDIR=str(tmpdir)))
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
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=dict(os.environ, TMPDIR=str(tmpdir)))
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
