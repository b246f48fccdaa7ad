"""Write a file so that readers see either the old file or the complete new one.

Every output of w2v goes through here, so every output option behaves the same
for every kind of path:

* a regular file (or a name that does not exist yet): data goes to a temporary
  file in the destination's own directory (so the final rename stays on one
  filesystem and is atomic), is flushed and fsync'ed, then renamed over it;
* a symbolic link (or a chain of them, or a dangling one): the link is followed
  and the temporary file and rename happen beside its final target, so the
  link stays a link and its target gets the new content, as with a plain open();
* an existing FIFO, character device or other non-regular node: it is opened
  and written directly, because renaming over it would replace the node; such
  a write cannot be atomic (a reader may see part of the data before an error);
* ``-``: standard output, written directly, never closed.

On any error the temporary file is removed, the previous file or node is left
as it was, and a :class:`W2VError` names the path and the reason in one line.
"""

import contextlib
import errno
import io
import os
import stat
import sys
import tempfile

from .errors import W2VError

STDOUT = "-"


def _describe(exc: OSError, path: str) -> str:
    if exc.errno == errno.ENOSPC:
        return f"no space left on device while writing {path}"
    if exc.errno == errno.EPIPE:
        return f"cannot write {path}: broken pipe (its reader closed it before all data was written)"
    if exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return f"cannot write {path}: permission denied"
    if exc.errno == errno.ENOENT:
        return f"cannot write {path}: directory does not exist"
    return f"cannot write {path}: {exc.strerror or exc}"


def resolve(path):
    """Where and how ``path`` is written: ``("stdout", None)`` for ``-``,
    ``("stream", path)`` for an existing node that is not a regular file (FIFO,
    device), else ``("file", target)`` with every symbolic link followed, so
    the rename replaces the final target and never a link."""
    path = os.fspath(path)
    if path == STDOUT:
        return "stdout", None
    try:
        mode = os.stat(path).st_mode  # follows links
    except FileNotFoundError:
        mode = None  # new file, or a dangling link to one
    except OSError as exc:  # a link loop (ELOOP), a path through a non-directory...
        raise W2VError(_describe(exc, path)) from None
    if mode is not None and stat.S_ISDIR(mode):
        raise W2VError(f"output {path} is a directory")
    if mode is not None and not stat.S_ISREG(mode):
        return "stream", path
    return "file", os.path.realpath(path)


def check_writable(path) -> None:
    """Refuse, before any work is done, an output that cannot be written."""
    kind, target = resolve(path)
    if kind == "stdout":
        return
    if kind == "stream":
        if not os.access(target, os.W_OK):
            raise W2VError(f"cannot write {path}: permission denied")
        return
    directory = os.path.dirname(target)
    if not os.path.isdir(directory):
        raise W2VError(f"cannot write {path}: directory {directory} does not exist")
    if not os.access(directory, os.W_OK):
        raise W2VError(f"cannot write {path}: directory {directory} is not writable")


@contextlib.contextmanager
def atomic_write(path, mode="wb"):
    """Yield a file object; on clean exit its data has replaced ``path``
    (atomically for files and links, directly for streams and ``-``)."""
    path = os.fspath(path)
    kind, target = resolve(path)
    if kind == "stdout":
        with _write_stdout(mode) as fh:
            yield fh
    elif kind == "stream":
        with _write_stream(path, mode) as fh:
            yield fh
    else:
        with _write_replacing(path, target, mode) as fh:
            yield fh


def _open_mode(mode):
    return {} if "b" in mode else {"encoding": "utf-8"}


@contextlib.contextmanager
def _write_replacing(path, target, mode):
    try:
        fd, tmp = tempfile.mkstemp(prefix="." + os.path.basename(target) + ".", suffix=".tmp",
                                   dir=os.path.dirname(target))
    except OSError as exc:
        raise W2VError(_describe(exc, path)) from None
    try:
        with os.fdopen(fd, mode, **_open_mode(mode)) as fh:
            # mkstemp creates the file 0600; give it the mode the old file had,
            # or the one a plain open() would give (0666 less the umask).
            os.fchmod(fh.fileno(), _target_mode(target))
            yield fh
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, target)
    except OSError as exc:
        _remove_quietly(tmp)
        raise W2VError(_describe(exc, path)) from None
    except BaseException:
        _remove_quietly(tmp)
        raise


@contextlib.contextmanager
def _write_stream(path, mode):
    # No O_CREAT: the node exists; if it vanished meanwhile, say so rather
    # than create a regular file in its place.  Opening a FIFO waits for a reader.
    try:
        fd = os.open(path, os.O_WRONLY | os.O_NOCTTY | os.O_CLOEXEC)
    except OSError as exc:
        raise W2VError(_describe(exc, path)) from None
    fh = os.fdopen(fd, mode, **_open_mode(mode))
    try:
        yield fh
        fh.flush()  # no fsync: pipes and character devices do not support it
    except OSError as exc:
        raise W2VError(_describe(exc, path)) from None
    finally:
        _close_quietly(fh)  # after a failed write, close() would fail on the same data


@contextlib.contextmanager
def _write_stdout(mode):
    if sys.stdout is None:
        raise W2VError("cannot write to standard output: it is closed")
    sys.stdout.flush()
    raw = sys.stdout.buffer
    fh = raw if "b" in mode else io.TextIOWrapper(raw, encoding="utf-8", newline="\n")
    try:
        yield fh
        fh.flush()
    except OSError as exc:
        _silence_stdout()
        raise W2VError(_describe(exc, "standard output (-)")) from None
    finally:
        if fh is not raw:
            with contextlib.suppress(OSError, ValueError):
                fh.detach()  # leave sys.stdout open


def _silence_stdout():
    """After EPIPE on stdout, point fd 1 at /dev/null so that the interpreter's
    own flush of the unwritten rest at exit does not print a second error."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError, AttributeError, io.UnsupportedOperation):
        pass


def _close_quietly(fh) -> None:
    try:
        fh.close()
    except OSError:
        pass


def _target_mode(path: str) -> int:
    try:
        return os.stat(path).st_mode & 0o7777
    except OSError:
        return 0o666 & ~_umask()


def _umask() -> int:
    try:  # Linux: read it without changing it (os.umask would, for every thread)
        with open("/proc/self/status") as fh:
            for line in fh:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    umask = os.umask(0o022)
    os.umask(umask)
    return umask


def _remove_quietly(path: str) -> None:
    try:
        os.unlink(path)
    except OSError:
        pass


def write_all_or_nothing(writers) -> None:
    """Write several outputs so that either all of them are replaced or none is.

    ``writers`` is a list of ``(path, write)`` where ``write(p)`` writes the file
    at ``p``.  Each file (links followed) is first written beside its target
    under a hidden staging name; streams and ``-`` are written next, directly,
    so a reader gets data only once every file has been staged; only when all
    have succeeded are the staged files renamed into place.
    """
    staged, direct = [], []
    try:
        for path, write in writers:
            kind, target = resolve(path)
            if kind != "file":
                direct.append((path, write))
                continue
            stage = os.path.join(os.path.dirname(target), "." + os.path.basename(target) + ".w2v-staged")
            staged.append((stage, target, os.fspath(path)))
            write(stage)
            try:  # the stage was new: give it the mode the target has
                os.chmod(stage, _target_mode(target))
            except OSError as exc:
                raise W2VError(_describe(exc, path)) from None
        for path, write in direct:
            write(path)
        for stage, target, path in staged:
            try:
                os.replace(stage, target)
            except OSError as exc:
                raise W2VError(_describe(exc, path)) from None
    except BaseException:
        for stage, _, _ in staged:
            _remove_quietly(stage)
        raise
