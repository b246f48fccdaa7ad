"""Outputs that cannot be written: one ``error:`` line, the old file untouched,
no temporary file left beside it."""

import errno
import os
import subprocess

import numpy as np
import pytest

from hostile_util import (GOOD_VECTORS, GOOD_WORDS, assert_one_error, assert_untouched, make_workdir, run,
                          snapshot, train_args)
from w2v_cli import atomic
from w2v_cli.atomic import atomic_write
from w2v_cli.errors import W2VError
from w2v_cli.vectors.formats import load_word2vec, save_word2vec

CORPUS = "the quick brown fox jumps over the lazy dog\n" * 30


def _corpus(work, text=CORPUS):
    path = work / "corpus.txt"
    path.write_text(text)
    return path


def _assert_good(path):
    words, vectors = load_word2vec(path)
    assert words == GOOD_WORDS
    np.testing.assert_array_equal(vectors, GOOD_VECTORS)


@pytest.mark.parametrize("flag", ["-o", "--save-context", "--save-vocab"])
@pytest.mark.parametrize("spelling", ["same", "relative", "symlink"])
def test_output_equal_to_input_refused(tmp_path, flag, spelling):
    work = make_workdir(tmp_path)
    corpus = _corpus(work)
    target = {"same": corpus, "relative": work / "." / ".." / work.name / "corpus.txt"}.get(spelling)
    if spelling == "symlink":
        target = work / "link.txt"
        target.symlink_to(corpus)
    before = snapshot(work)
    extra = () if flag == "-o" else (flag, target)
    output = target if flag == "-o" else work / "vectors.bin"
    proc = run(tmp_path, *train_args(corpus, output, *extra))
    assert_one_error(proc, "is the input corpus", code=1)
    assert_untouched(tmp_path, work, before)


def test_output_directory_missing(tmp_path):
    work = make_workdir(tmp_path)
    corpus = _corpus(work)
    before = snapshot(work)
    proc = run(tmp_path, *train_args(corpus, work / "no" / "such" / "dir" / "vectors.bin"))
    assert_one_error(proc, "does not exist", code=1)
    assert_untouched(tmp_path, work, before)


def test_output_is_a_directory(tmp_path):
    work = make_workdir(tmp_path)
    corpus = _corpus(work)
    (work / "out.bin").mkdir()
    before = snapshot(work)
    proc = run(tmp_path, *train_args(corpus, work / "out.bin"))
    assert_one_error(proc, "is a directory", code=1)
    assert_untouched(tmp_path, work, before)


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes to a chmod 555 directory; see the read-only mount test")
def test_output_directory_not_writable(tmp_path):
    work = make_workdir(tmp_path)
    corpus = _corpus(work)
    work.chmod(0o555)
    try:
        before = snapshot(work)
        proc = run(tmp_path, *train_args(corpus, work / "vectors.bin"))
        assert_one_error(proc, "not writable", code=1)
        assert_untouched(tmp_path, work, before)
    finally:
        work.chmod(0o755)


@pytest.fixture
def small_tmpfs(tmp_path):
    """A real 64 kB tmpfs (root only; skipped where mount is not allowed)."""
    mnt = tmp_path / "full"
    mnt.mkdir()
    if os.geteuid() != 0:
        pytest.skip("mounting a tmpfs needs root")
    if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(mnt)], capture_output=True).returncode:
        pytest.skip("cannot mount a tmpfs here")
    try:
        yield mnt
    finally:
        subprocess.run(["umount", "-l", str(mnt)], capture_output=True)


def _big_corpus(work):
    # 2,000 words x dim 16 is ~140 kB of vectors: more than the 64 kB tmpfs holds.
    return _corpus(work, "".join(f"w{i} w{i + 1} w{i + 2}\n" for i in range(2000)))


def test_disk_full_real_tmpfs(tmp_path, small_tmpfs):
    work = make_workdir(tmp_path)
    corpus = _big_corpus(work)
    save_word2vec(small_tmpfs / "vectors.bin", GOOD_WORDS, GOOD_VECTORS, binary=True)
    before = snapshot(small_tmpfs)
    proc = run(tmp_path, *train_args(corpus, small_tmpfs / "vectors.bin", "--dim", "16"))
    assert_one_error(proc, "no space left on device", "vectors.bin", code=1)
    assert snapshot(small_tmpfs) == before
    _assert_good(small_tmpfs / "vectors.bin")
    assert os.listdir(tmp_path / "tmpdir") == []


def test_read_only_filesystem(tmp_path, small_tmpfs):
    work = make_workdir(tmp_path)
    corpus = _corpus(work)
    save_word2vec(small_tmpfs / "vectors.bin", GOOD_WORDS, GOOD_VECTORS, binary=True)
    if subprocess.run(["mount", "-o", "remount,ro", str(small_tmpfs)], capture_output=True).returncode:
        pytest.skip("cannot remount read-only")
    before = snapshot(small_tmpfs)
    proc = run(tmp_path, *train_args(corpus, small_tmpfs / "vectors.bin"))
    assert_one_error(proc, "not writable", code=1)
    assert snapshot(small_tmpfs) == before


def test_failing_second_output_leaves_first_untouched(tmp_path, small_tmpfs):
    work = make_workdir(tmp_path)
    corpus = _big_corpus(work)
    before = snapshot(work)
    proc = run(tmp_path, *train_args(corpus, work / "vectors.bin", "--dim", "16",
                                     "--save-context", small_tmpfs / "context.bin"))
    assert_one_error(proc, "no space left on device", code=1)
    assert_untouched(tmp_path, work, before)


def test_two_outputs_on_one_path_refused(tmp_path):
    work = make_workdir(tmp_path)
    corpus = _corpus(work)
    before = snapshot(work)
    proc = run(tmp_path, *train_args(corpus, work / "vectors.bin", "--save-vocab", work / "vectors.bin"))
    assert_one_error(proc, "vectors.bin", code=1)
    assert_untouched(tmp_path, work, before)


# --- atomic_write under simulated faults ----------------------------------------------------

def _fault(code):
    def fail(*args, **kwargs):
        raise OSError(code, os.strerror(code))
    return fail


@pytest.mark.parametrize("where,code,message", [
    ("write", errno.ENOSPC, "no space left on device"),
    ("fsync", errno.ENOSPC, "no space left on device"),
    ("fsync", errno.EIO, "input/output error"),
    ("replace", errno.EACCES, "permission denied"),
    ("replace", errno.EROFS, "permission denied"),
    ("mkstemp", errno.ENOSPC, "no space left on device"),
])
def test_atomic_write_fault_keeps_old_file(tmp_path, monkeypatch, where, code, message):
    target = tmp_path / "vectors.bin"
    save_word2vec(target, GOOD_WORDS, GOOD_VECTORS, binary=True)
    before = snapshot(tmp_path)
    if where == "fsync":
        monkeypatch.setattr(atomic.os, "fsync", _fault(code))
    elif where == "replace":
        monkeypatch.setattr(atomic.os, "replace", _fault(code))
    elif where == "mkstemp":
        monkeypatch.setattr(atomic.tempfile, "mkstemp", _fault(code))
    with pytest.raises(W2VError) as info:
        if where == "write":
            with atomic_write(target) as fh:
                fh.write(b"partial")
                _fault(code)()
        else:
            save_word2vec(target, ["new"], np.ones((1, 2), np.float32), binary=True)
    assert message in str(info.value).lower() and "vectors.bin" in str(info.value)
    assert "\n" not in str(info.value)
    monkeypatch.undo()
    assert snapshot(tmp_path) == before
    _assert_good(target)


def test_atomic_write_other_exception_removes_temp(tmp_path):
    target = tmp_path / "vectors.bin"
    save_word2vec(target, GOOD_WORDS, GOOD_VECTORS, binary=True)
    before = snapshot(tmp_path)
    with pytest.raises(KeyboardInterrupt):
        with atomic_write(target) as fh:
            fh.write(b"partial")
            raise KeyboardInterrupt
    assert snapshot(tmp_path) == before


def test_atomic_write_keeps_mode(tmp_path):
    target = tmp_path / "vectors.txt"
    target.write_text("old\n")
    target.chmod(0o640)
    with atomic_write(target, "w") as fh:
        fh.write("new\n")
    assert target.read_text() == "new\n" and (target.stat().st_mode & 0o777) == 0o640
    fresh = tmp_path / "fresh.txt"
    with atomic_write(fresh, "w") as fh:
        fh.write("x")
    umask = os.umask(0o022)
    os.umask(umask)
    assert fresh.stat().st_mode & 0o777 == 0o666 & ~umask
