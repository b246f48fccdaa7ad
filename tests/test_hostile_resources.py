"""Resources a run cannot have (issue 26, defects 6 and 10): memory for W and
W' that does not fit, and counts beyond int64: one line, nothing written."""

import os
import resource
import subprocess
import sys

import pytest

from conftest import REPO_ROOT
from hostile_util import assert_one_error, assert_untouched, make_workdir, run, snapshot
from w2v_cli.errors import W2VError
from w2v_cli.training import memory

CORPUS = "the quick brown fox jumps over the lazy dog\n" * 30
ADDRESS_SPACE = 2_500_000 * 1024  # ulimit -v 2500000, the reproduction


def _limited():
    resource.setrlimit(resource.RLIMIT_AS, (ADDRESS_SPACE, ADDRESS_SPACE))


def test_vectors_that_cannot_fit_refused_in_one_line(tmp_path):
    """Under ulimit -v 2500000, --dim 10000 on 30,000 words (2.4 GB of W and W')
    printed a 31-line _ArrayMemoryError."""
    work = make_workdir(tmp_path)
    corpus = work / "corpus.txt"
    corpus.write_text("".join(f"w{i} w{i + 1} w{i + 2}\n" for i in range(30_000)))
    before = snapshot(work)
    env = dict(os.environ, PYTHONPATH=REPO_ROOT, TMPDIR=str(tmp_path / "tmpdir"))
    proc = subprocess.run([sys.executable, "-m", "w2v_cli", "train", str(corpus), "-o", str(work / "vectors.bin"),
                           "-q", "--min-count", "1", "--dim", "10000", "--epochs", "1", "--threads", "1"],
                          capture_output=True, text=True, env=env, preexec_fn=_limited, timeout=300)
    assert_one_error(proc, "not enough memory", "--dim", code=1)
    assert_untouched(tmp_path, work, before)


def test_memory_estimate_counts_the_address_space_limit(monkeypatch):
    monkeypatch.setattr(memory.resource, "getrlimit",
                        lambda which: (4 << 30, 4 << 30) if which == resource.RLIMIT_AS else (-1, -1))
    monkeypatch.setattr(memory, "_status", lambda field: 3 << 30 if field == "VmSize" else None)
    assert memory.available() <= 1 << 30
    with pytest.raises(W2VError, match=r"needs 2\.0 GB, 1\.0 GB is available"):
        memory.check_fits(2 << 30, "the vectors")
    memory.check_fits(1 << 29, "the vectors")


# A CLI run in which allocating the starting vectors fails past the estimate.
_NO_MEMORY = """
import sys
from w2v_cli.training import loop
def no_memory(*args, **kwargs):
    raise MemoryError("Unable to allocate 1.0 TiB for an array")
loop.init_vectors = no_memory
from w2v_cli.cli import main
main(sys.argv[1:])
"""


def test_memory_error_past_the_estimate_is_one_line(tmp_path):
    work = make_workdir(tmp_path)
    (work / "corpus.txt").write_text(CORPUS)
    before = snapshot(work)
    proc = subprocess.run([sys.executable, "-c", _NO_MEMORY, "train", str(work / "corpus.txt"), "-o",
                           str(work / "vectors.bin"), "-q", "--min-count", "1", "--dim", "8"],
                          capture_output=True, text=True, timeout=300,
                          env=dict(os.environ, PYTHONPATH=REPO_ROOT, TMPDIR=str(tmp_path / "tmpdir")))
    assert_one_error(proc, "out of memory", code=1)
    assert_untouched(tmp_path, work, before)


# ----------------------------------------------------------------------------- defect 10

HUGE = "99999999999999999999"  # > 2^63 - 1


@pytest.mark.parametrize("lines, fragment", [
    ([f"the {HUGE}", "fox 3"], "line 1"),
    (["the 9223372036854775807", "fox 9223372036854775807"], "add up"),
])
def test_read_vocab_count_beyond_int64_refused(tmp_path, lines, fragment):
    work = make_workdir(tmp_path)
    (work / "corpus.txt").write_text(CORPUS)
    (work / "big.vocab").write_text("\n".join(lines) + "\n")
    before = snapshot(work)
    proc = run(tmp_path, "train", work / "corpus.txt", "-o", work / "vectors.bin", "--read-vocab",
               work / "big.vocab", "-q", "--min-count", "1", "--dim", "8")
    assert_one_error(proc, "big.vocab", fragment, code=1)
    assert_untouched(tmp_path, work, before)


def test_init_vocab_count_beyond_int64_refused(tmp_path):
    work = make_workdir(tmp_path)
    (work / "corpus.txt").write_text(CORPUS)
    first = run(tmp_path, "train", work / "corpus.txt", "-o", work / "v.bin", "--save-context", work / "c.bin",
                "--save-vocab", work / "v.vocab", "-q", "--min-count", "1", "--dim", "8", "--epochs", "1")
    assert first.returncode == 0, first.stderr
    words = [line.split()[0] for line in (work / "v.vocab").read_text().splitlines()]
    (work / "v.vocab").write_text("".join(f"{w} {HUGE if i == 0 else 5}\n" for i, w in enumerate(words)))
    before = snapshot(work)
    proc = run(tmp_path, "train", work / "corpus.txt", "-o", work / "vectors.bin", "--init", work / "v.bin",
               "--init-context", work / "c.bin", "--init-vocab", work / "v.vocab", "-q", "--min-count", "1")
    assert_one_error(proc, "v.vocab", "line 1", code=1)
    assert_untouched(tmp_path, work, before)


def test_union_counts_beyond_int64_refused():
    """An --init-vocab count within int64 that the new corpus's counts push past it."""
    from w2v_cli.corpus.vocab import Vocab
    from w2v_cli.training.continued import FirstModel, union
    import numpy as np

    first = FirstModel(["the", "fox"], np.zeros((2, 2), np.float32), np.zeros((2, 2), np.float32),
                       np.array([2 ** 63 - 1, 1], np.int64), "m.bin")
    with pytest.raises(W2VError, match="2\\^63"):
        union(first, Vocab(["the"], [5]), 1)
