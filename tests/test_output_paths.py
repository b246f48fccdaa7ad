"""Output paths that are not plain files: symbolic links, FIFOs, devices, ``-``.

Every case runs for ``-o``, ``--save-vocab`` and ``--save-context`` (the writer
is shared, so this is also the check that no option bypasses it).  Successful
writes are compared byte for byte with the same run (``--threads 1``, fixed
seed) written to plain files; FIFO and stdout output is also loaded by gensim.
"""

import contextlib
import errno
import os
import socket
import stat
import subprocess
import sys
import threading

import numpy as np
import pytest

from hostile_util import assert_one_error, assert_untouched, make_workdir, run, snapshot, stderr_lines
from w2v_cli import atomic
from w2v_cli.atomic import atomic_write
from w2v_cli.errors import W2VError

gensim_models = pytest.importorskip("gensim.models")

FLAGS = ["-o", "--save-vocab", "--save-context"]
CORPUS = "the quick brown fox jumps over the lazy dog\n" * 30
TIMEOUT = 120  # seconds; a FIFO that nobody opens must fail the test, not hang it


def _args(corpus, flag, path, work, *extra):
    """Tiny deterministic training writing ``flag`` to ``path``; when ``flag`` is
    not ``-o`` the vectors go to the work directory's pre-existing vectors.bin."""
    outputs = ("-o", path) if flag == "-o" else ("-o", work / "vectors.bin", flag, path)
    return ("train", corpus, *outputs, "-q", "--dim", "8", "--epochs", "1", "--min-count", "1",
            "--threads", "1", "--seed", "1", *extra)


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    """The three outputs of the tiny run written to plain files (text vectors)."""
    base = tmp_path_factory.mktemp("reference")
    corpus = base / "corpus.txt"
    corpus.write_text(CORPUS)
    (base / "tmpdir").mkdir()
    proc = run(base, "train", corpus, "-o", base / "ref.txt", "--save-vocab", base / "ref.vocab",
               "--save-context", base / "ref.ctx.txt", "-q", "--dim", "8", "--epochs", "1", "--min-count", "1",
               "--threads", "1", "--seed", "1", timeout=TIMEOUT)
    assert proc.returncode == 0, proc.stderr
    return {"-o": (base / "ref.txt").read_bytes(), "--save-vocab": (base / "ref.vocab").read_bytes(),
            "--save-context": (base / "ref.ctx.txt").read_bytes()}


@pytest.fixture
def work(tmp_path):
    work = make_workdir(tmp_path)
    (work / "corpus.txt").write_text(CORPUS)
    return work


def _gensim_load(path, binary=False):
    kv = gensim_models.KeyedVectors.load_word2vec_format(str(path), binary=binary)
    return list(kv.index_to_key), kv.vectors


def _same_vectors(got, ref_bytes, tmp_path):
    ref = tmp_path / "ref-for-gensim.txt"
    ref.write_bytes(ref_bytes)
    words, vectors = _gensim_load(ref)
    assert got[0] == words and len(words) == 8
    np.testing.assert_array_equal(got[1], vectors)


def _summary_only(proc):
    """Success, and stderr holds the summary line alone (nothing else went to stdout's place)."""
    assert proc.returncode == 0, proc.stderr
    lines = stderr_lines(proc)
    assert len(lines) == 1 and lines[0].startswith("vocabulary 8 words"), proc.stderr


# ----------------------------------------------------------------------------- symbolic links


@pytest.mark.parametrize("flag", FLAGS)
@pytest.mark.parametrize("links", ["one", "chain", "dangling"])
def test_symlink_written_through_and_kept(tmp_path, work, reference, flag, links):
    runs = work / "runs"
    runs.mkdir()
    target = runs / "target.txt"
    if links != "dangling":
        target.write_text("old\n")
        target.chmod(0o640)
    link = work / "latest.txt"
    chain = [link]
    if links == "chain":
        middle = work / "middle.txt"
        middle.symlink_to(os.path.join("runs", "target.txt"))
        link.symlink_to("middle.txt")
        chain.append(middle)
    else:
        link.symlink_to(os.path.join("runs", "target.txt"))
    before = {p: os.readlink(p) for p in chain}

    proc = run(tmp_path, *_args(work / "corpus.txt", flag, link, work), timeout=TIMEOUT)
    _summary_only(proc)
    assert {p: os.readlink(p) for p in chain} == before  # every link is still the same link
    assert target.read_bytes() == reference[flag]
    # A plain open() keeps the target's mode; a new file gets 0666 less the umask.
    assert target.stat().st_mode & 0o777 == (0o640 if links != "dangling" else 0o666 & ~_umask())
    assert sorted(os.listdir(runs)) == ["target.txt"]  # no temporary or staged file beside the target
    assert os.listdir(tmp_path / "tmpdir") == []


def _umask():
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


# ----------------------------------------------------------------------------- FIFOs


class _Reader(threading.Thread):
    """Opens a FIFO and either hands it to ``consume`` or reads ``limit`` bytes
    and closes it early.  Never left blocked: see ``finish``."""

    def __init__(self, path, consume=None, limit=None):
        super().__init__(daemon=True)
        self.path, self.consume, self.limit = path, consume, limit
        self.result = self.error = None
        self.start()

    def run(self):
        try:
            if self.consume is not None:
                self.result = self.consume(self.path)
            else:
                with open(self.path, "rb") as fh:
                    self.result = fh.read(self.limit)
        except BaseException as exc:  # reported by finish()
            self.error = exc

    def finish(self):
        self.join(TIMEOUT)
        if self.is_alive():  # the writer never came: open the write end so the reader sees EOF
            with contextlib.suppress(OSError):
                os.close(os.open(self.path, os.O_WRONLY | os.O_NONBLOCK))
            self.join(10)
        assert not self.is_alive(), "FIFO reader still blocked"
        if self.error is not None:
            raise self.error
        return self.result


def _read_vocab(path):
    with open(path, "rb") as fh:
        return fh.read()


@pytest.mark.parametrize("flag", FLAGS)
def test_fifo_streamed_to_reader_and_kept(tmp_path, work, reference, flag):
    fifo = work / "pipe.txt"
    os.mkfifo(fifo)
    reader = _Reader(fifo, _read_vocab if flag == "--save-vocab" else _gensim_load)
    proc = run(tmp_path, *_args(work / "corpus.txt", flag, fifo, work), timeout=TIMEOUT)
    got = reader.finish()
    _summary_only(proc)
    if flag == "--save-vocab":
        assert got == reference[flag]
    else:
        _same_vectors(got, reference[flag], tmp_path)
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)
    assert os.listdir(tmp_path / "tmpdir") == []


def _big_corpus(work):
    """8,000 distinct 15-character words: every output (the vocabulary too, ~150 kB)
    is larger than a pipe's 64 kB buffer, so a reader that stops early is noticed."""
    path = work / "big.txt"
    path.write_text("".join(f"word{i:05d}padpad word{i + 1:05d}padpad\n" for i in range(8000)))
    return path


@pytest.mark.parametrize("flag", FLAGS)
def test_fifo_reader_closing_early(tmp_path, work, flag):
    fifo = work / "pipe.txt"
    os.mkfifo(fifo)
    corpus = _big_corpus(work)
    before = snapshot(work)
    reader = _Reader(fifo, limit=10)
    proc = run(tmp_path, *_args(corpus, flag, fifo, work), timeout=TIMEOUT)
    assert len(reader.finish()) == 10
    assert_one_error(proc, "broken pipe", "pipe.txt", code=1)
    assert_untouched(tmp_path, work, before)  # the FIFO is still a FIFO, vectors.bin not replaced


# ----------------------------------------------------------------------------- standard output


@pytest.mark.parametrize("flag", FLAGS)
@pytest.mark.parametrize("fmt", ["auto", "bin"])
def test_dash_is_stdout(tmp_path, work, reference, flag, fmt):
    if flag == "--save-vocab" and fmt == "bin":
        pytest.skip("the vocabulary has one format")
    before = set(os.listdir(work))
    proc = subprocess.run([sys.executable, "-m", "w2v_cli",
                           *map(str, _args(work / "corpus.txt", flag, "-", work, "--format", fmt))],
                          capture_output=True, timeout=TIMEOUT, env={**os.environ, "TMPDIR": str(tmp_path / "tmpdir")})
    proc.stderr = proc.stderr.decode()
    _summary_only(proc)
    assert "-" not in os.listdir(work) and set(os.listdir(work)) == before
    if fmt == "auto":  # text for a pipe: the same bytes as the .txt file
        assert proc.stdout == reference[flag]
    if flag != "--save-vocab":
        out = tmp_path / "stdout.bin"
        out.write_bytes(proc.stdout)
        _same_vectors(_gensim_load(out, binary=fmt == "bin"), reference[flag], tmp_path)


@pytest.mark.parametrize("flag", FLAGS)
def test_stdout_reader_closing_early(tmp_path, work, flag):
    corpus = _big_corpus(work)
    before = snapshot(work)
    proc = subprocess.Popen([sys.executable, "-m", "w2v_cli", *map(str, _args(corpus, flag, "-", work))],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            env={**os.environ, "TMPDIR": str(tmp_path / "tmpdir")})
    try:
        head = proc.stdout.read(10)
        proc.stdout.close()  # the reader goes away, like `w2v train ... -o - | head -c 10`
        _, err = proc.communicate(timeout=TIMEOUT)
    finally:
        proc.kill()
    assert len(head) == 10
    proc.stderr, proc.stdout = err.decode(), ""
    assert_one_error(proc, "broken pipe", "standard output", code=1)
    assert_untouched(tmp_path, work, before)


# ----------------------------------------------------------------------------- devices, permissions


@pytest.mark.skipif(os.geteuid() != 0, reason="mknod needs root")
@pytest.mark.parametrize("flag", FLAGS)
def test_full_device_one_line_and_still_a_device(tmp_path, work, flag):
    full = work / "full"
    os.mknod(full, stat.S_IFCHR | 0o600, os.makedev(1, 7))
    before = snapshot(work)
    proc = run(tmp_path, *_args(work / "corpus.txt", flag, full, work), timeout=TIMEOUT)
    assert_one_error(proc, "no space left on device", "full", code=1)
    mode = os.lstat(full)
    assert stat.S_ISCHR(mode.st_mode) and mode.st_rdev == os.makedev(1, 7)
    assert_untouched(tmp_path, work, before)


@pytest.mark.skipif(os.geteuid() == 0, reason="root may write to a mode-0400 FIFO")
@pytest.mark.parametrize("flag", FLAGS)
def test_fifo_not_writable_refused(tmp_path, work, flag):
    fifo = work / "pipe.txt"
    os.mkfifo(fifo, 0o400)
    before = snapshot(work)
    proc = run(tmp_path, *_args(work / "corpus.txt", flag, fifo, work), timeout=TIMEOUT)
    assert_one_error(proc, "permission denied", "pipe.txt", code=1)
    assert_untouched(tmp_path, work, before)


def test_stream_open_refused_leaves_node(tmp_path, monkeypatch):
    """EACCES when opening the node (what a non-root user gets for a FIFO it may
    not write; root cannot be refused here, so the open is made to fail)."""
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    real_open = os.open

    def refuse(path, *args, **kwargs):
        if os.fspath(path) == str(fifo):
            raise OSError(errno.EACCES, os.strerror(errno.EACCES))
        return real_open(path, *args, **kwargs)

    monkeypatch.setattr(atomic.os, "open", refuse)
    with pytest.raises(W2VError) as info:
        with atomic_write(fifo) as fh:
            fh.write(b"never")
    monkeypatch.undo()
    assert str(info.value) == f"cannot write {fifo}: permission denied"
    assert os.listdir(tmp_path) == ["pipe"] and stat.S_ISFIFO(os.lstat(fifo).st_mode)


@pytest.mark.parametrize("flag", FLAGS)
def test_socket_one_line_and_kept(tmp_path, work, flag):
    """A Unix socket is a node open() refuses (ENXIO): one line, the socket stays."""
    path = work / "sock"
    server = socket.socket(socket.AF_UNIX)
    try:
        server.bind(str(path))
        before = snapshot(work)
        proc = run(tmp_path, *_args(work / "corpus.txt", flag, path, work), timeout=TIMEOUT)
        assert_one_error(proc, "sock", "no such device", code=1)
        assert stat.S_ISSOCK(os.lstat(path).st_mode)
        assert_untouched(tmp_path, work, before)
    finally:
        server.close()


def test_link_loop_one_line(tmp_path, work):
    (work / "a.bin").symlink_to("b.bin")
    (work / "b.bin").symlink_to("a.bin")
    before = snapshot(work)
    proc = run(tmp_path, *_args(work / "corpus.txt", "-o", work / "a.bin", work), timeout=TIMEOUT)
    assert_one_error(proc, "a.bin", "symbolic links", code=1)
    assert_untouched(tmp_path, work, before)
