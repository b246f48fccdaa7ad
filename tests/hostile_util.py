"""Shared helpers for the hostile-input tests (test_hostile_*.py, test_interrupt.py,
test_output_safety.py): a work directory holding a good ``vectors.bin``, snapshots
of a directory to prove nothing was created or changed, and the check that a
failure is reported as exactly one ``error:`` line."""

import hashlib
import os
import signal
import stat

import numpy as np

from conftest import run_w2v
from w2v_cli.vectors.formats import save_word2vec

GOOD_WORDS = ["good", "old", "vectors"]
GOOD_VECTORS = np.arange(6, dtype=np.float32).reshape(3, 2) / 5


def make_workdir(tmp_path, name="work"):
    """A directory with a good, pre-existing ``vectors.bin`` (and a private TMPDIR
    beside it, so leftover temporary files of a run can be seen)."""
    work = tmp_path / name
    work.mkdir()
    save_word2vec(work / "vectors.bin", GOOD_WORDS, GOOD_VECTORS, binary=True)
    (tmp_path / "tmpdir").mkdir(exist_ok=True)
    return work


def snapshot(directory):
    """Every file under ``directory`` (hidden ones too) -> (size, sha256)."""
    out = {}
    for root, dirs, files in os.walk(directory):
        for name in dirs + files:
            path = os.path.join(root, name)
            rel = os.path.relpath(path, directory)
            mode = os.lstat(path).st_mode
            if not stat.S_ISREG(mode):  # directories, pipes, links: their kind only
                out[rel] = stat.S_IFMT(mode)
                continue
            try:
                with open(path, "rb") as fh:
                    digest = hashlib.sha256(fh.read()).hexdigest()
            except PermissionError:
                digest = "unreadable"
            out[rel] = (os.path.getsize(path), digest)
    return out


def run(tmp_path, *args, **kwargs):
    """Run the CLI with TMPDIR pointing at ``tmp_path/tmpdir``."""
    env = dict(kwargs.pop("env", None) or {})
    env.setdefault("TMPDIR", str(tmp_path / "tmpdir"))
    return run_w2v(*args, env=env, **kwargs)


def stderr_lines(proc):
    """The lines of stderr, with progress-bar carriage returns treated as line ends."""
    return [line for line in proc.stderr.replace("\r", "\n").split("\n") if line.strip()]


def assert_one_error(proc, *fragments, code=None):
    """Non-zero exit, exactly one stderr line, starting with 'error:', containing
    every fragment (case-insensitive); no traceback anywhere."""
    assert "Traceback" not in proc.stderr and "Traceback" not in proc.stdout, proc.stderr
    assert proc.returncode != 0, proc.stderr
    if code is not None:
        assert proc.returncode == code, (proc.returncode, proc.stderr)
    lines = proc.stderr.strip("\n").split("\n")
    assert len(lines) == 1 and lines[0].startswith("error: "), proc.stderr
    for fragment in fragments:
        assert fragment.lower() in lines[0].lower(), (fragment, lines[0])
    return lines[0]


def assert_untouched(tmp_path, work, before):
    """Nothing at or beside the output created or changed, no temporary files left."""
    assert snapshot(work) == before
    assert os.listdir(tmp_path / "tmpdir") == []


def train_args(corpus, output, *extra):
    """Small, fast training options."""
    return ("train", corpus, "-o", output, "-q", "--dim", "8", "--epochs", "1", "--min-count", "1",
            "--threads", "1", *extra)


def default_signals():
    """``preexec_fn`` for a child that is sent SIGINT or SIGTERM: the default
    handlers, even when the test suite itself was started with them ignored (a
    background job, some CI runners), which its children would inherit."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)


def mutated(data: bytes, edits) -> bytes:
    """``data`` after hypothesis-drawn ``edits``: (op, position, byte) with op one
    of flip, cut, insert, delete (positions wrap around the length)."""
    data = bytearray(data)
    for op, pos, byte in edits:
        pos %= max(len(data), 1)
        if op == "flip" and data:
            data[pos] = byte
        elif op == "cut":
            del data[pos:]
        elif op == "insert":
            data.insert(pos, byte)
        elif op == "delete" and data:
            del data[pos]
    return bytes(data)
