"""Write a file so that readers see either the old file or the complete new one.

Every output of w2v goes through here: data is written to a temporary file in the
destination's own directory (so the final rename stays on one filesystem and is
atomic), flushed and fsync'ed, then renamed over the target.  On any error the
temporary file is removed and the previous file, if any, is left untouched.
"""

import contextlib
import errno
import os
import tempfile

from .errors import W2VError


def _describe(exc: OSError, path: str) -> str:
    if exc.errno == errno.ENOSPC:
        return f"no space left on device while writing {path}"
    if exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return f"cannot write {path}: permission denied"
    if exc.errno == errno.ENOENT:
        return f"cannot write {path}: directory does not exist"
    return f"cannot write {path}: {exc.strerror or exc}"


@contextlib.contextmanager
def atomic_write(path, mode="wb"):
    """Yield a file object; on clean exit it atomically replaces ``path``."""
    path = os.fspath(path)
    directory = os.path.dirname(os.path.abspath(path))
    if os.path.isdir(path):
        raise W2VError(f"cannot write {path}: it is a directory")
    try:
        fd, tmp = tempfile.mkstemp(prefix="." + os.path.basename(path) + ".", suffix=".tmp", dir=directory)
    except OSError as exc:
        raise W2VError(_describe(exc, path)) from None
    try:
        with os.fdopen(fd, mode) as fh:
            # mkstemp creates the file 0600; give it the mode the old file had,
            # or the one a plain open() would give (0666 less the umask).
            os.fchmod(fh.fileno(), _target_mode(path))
            yield fh
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except OSError as exc:
        _remove_quietly(tmp)
        raise W2VError(_describe(exc, path)) from None
    except BaseException:
        _remove_quietly(tmp)
        raise


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
    at ``p``.  Each is first written beside its target under a hidden staging
    name; only when every one has succeeded are they renamed into place.
    """
    staged = []
    try:
        for path, write in writers:
            path = os.fspath(path)
            stage = os.path.join(os.path.dirname(os.path.abspath(path)),
                                 "." + os.path.basename(path) + ".w2v-staged")
            staged.append((stage, path))
            write(stage)
        for stage, path in staged:
            try:
                os.replace(stage, path)
            except OSError as exc:
                raise W2VError(_describe(exc, path)) from None
    except BaseException:
        for stage, _ in staged:
            _remove_quietly(stage)
        raise
