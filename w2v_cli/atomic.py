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
import fcntl
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


# Temporary and staging files are named ".<first bytes of the name>.<random>.w2v-tmp"
# beside their target: hidden, recognisable, unique per run (created with
# O_EXCL, so never a file of someone else's), and never longer than this many
# bytes, whatever the target's name: a name that can be written can be staged.
_STAGE_NAME_BYTES = 64
_STAGE_SUFFIX = ".w2v-tmp"
# mkstemp's random part is 8 characters: "." + prefix + "." + 8 + suffix
STAGE_NAME_MAX = 1 + _STAGE_NAME_BYTES + 1 + 8 + len(_STAGE_SUFFIX)


def _stage_prefix(target: str) -> str:
    name = os.fsencode(os.path.basename(target))[:_STAGE_NAME_BYTES]
    return "." + os.fsdecode(name) + "."


def _new_stage(path, target: str):
    """Create a new, empty, uniquely named file beside ``target``: (fd, name)."""
    try:
        return tempfile.mkstemp(prefix=_stage_prefix(target), suffix=_STAGE_SUFFIX, dir=os.path.dirname(target))
    except OSError as exc:
        raise W2VError(_describe(exc, path)) from None


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
    try:  # the name itself and its staging name must fit, or training would fail at its end
        name_max = os.pathconf(directory, "PC_NAME_MAX")
        path_max = os.pathconf(directory, "PC_PATH_MAX")
    except (OSError, ValueError):
        return
    longest = max(len(os.fsencode(os.path.basename(target))), STAGE_NAME_MAX)
    if longest > name_max:
        raise W2VError(f"cannot write {path}: file name too long ({longest} bytes, at most {name_max} here)")
    if len(os.fsencode(directory)) + 1 + longest >= path_max:
        raise W2VError(f"cannot write {path}: path too long (at most {path_max - 1} bytes)")


def _identity(path: str):
    """(realpath, (device, inode) or None) of the file ``path`` stands for."""
    real = os.path.realpath(path)
    try:
        st = os.stat(real)
    except OSError:
        return real, None
    return real, (st.st_dev, st.st_ino) if stat.S_ISREG(st.st_mode) else None


def _files_in(path: str):
    """``path``, or for a directory the files in it that a corpus reader takes
    (w2v_cli.corpus.sources.resolve_files: not hidden, not subdirectories)."""
    if not os.path.isdir(path):
        return [path]
    try:
        names = sorted(os.listdir(path))
    except OSError:
        return []  # the reader says why it cannot read it
    return [os.path.join(path, n) for n in names if not n.startswith(".") and not os.path.isdir(os.path.join(path, n))]


def check_outputs(inputs, outputs, allowed=()) -> None:
    """The one guard of every command's paths, run before anything is read:
    every output must differ from every input and from every other output,
    compared by the file each resolves to (links and '..' followed, hard links
    and bind mounts by device and inode), directories among the inputs
    standing for the files in them; each output must be writable.

    ``inputs`` and ``outputs`` are ``(what, path)`` pairs (``what`` names the
    option in the message, ``"corpus"`` for the corpus; ``None`` paths are
    skipped, ``-`` is never a file);
    ``allowed`` lists ``(input path, output path)`` pairs that may be the same
    file (``--resume`` and ``--checkpoint``: the run goes on in its own file)."""
    def same(a, b):
        return a[0] == b[0] or (a[1] is not None and a[1] == b[1])

    ok = [(_identity(os.fspath(i))[0], _identity(os.fspath(o))[0]) for i, o in allowed]
    read = []
    for what, path in inputs:
        if path is None or os.fspath(path) == STDOUT:
            continue
        read.extend((what, f, _identity(f)) for f in _files_in(os.fspath(path)))
    written = []
    for what, path in outputs:
        if path is None or os.fspath(path) == STDOUT:
            continue
        path = os.fspath(path)
        ident = _identity(path)
        for in_what, in_path, in_ident in read:
            if same(ident, in_ident) and (in_ident[0], ident[0]) not in ok:
                if in_what == "corpus":
                    named = "" if in_path == path else f" file {in_path}"
                    raise W2VError(f"{what} {path} is the input corpus{named}; choose another output path")
                raise W2VError(f"{what} {path} is also the input {in_what} {in_path}; choose another output path")
        for _, other_path, other_ident in written:
            if same(ident, other_ident):
                raise W2VError(f"outputs {other_path} and {path} are the same file; give each its own path")
        written.append((what, path, ident))
        check_writable(path)  # links followed; FIFOs, devices and '-' written directly


@contextlib.contextmanager
def commit_lock(paths):
    """Hold an exclusive lock on the directories of ``paths`` (sorted, so two
    holders never wait for each other): what :func:`write_all_or_nothing`
    holds while it renames one run's set of files into place, so that two
    runs replacing the same files leave one run's complete set."""
    fds = []
    try:
        for directory in sorted({os.path.dirname(os.path.realpath(os.fspath(p))) for p in paths}):
            try:
                fd = os.open(directory, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
            except OSError:
                continue  # the rename will say what is wrong
            fds.append(fd)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX)
            except OSError:
                pass  # a filesystem without locks: renames are still atomic one by one
        yield
    finally:
        for fd in fds:
            os.close(fd)  # releases its lock


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
    fd, tmp = _new_stage(path, target)
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


def write_all_or_nothing(writers, before_commit=None) -> None:
    """Write several outputs so that either all of them are replaced or none is.

    ``writers`` is a list of ``(path, write)`` where ``write(p)`` writes the file
    at ``p``.  Each file (links followed) is first written beside its target
    under a new staging name of its own (see :func:`_new_stage`); streams and
    ``-`` are written next, directly, so a reader gets data only once every
    file has been staged; only when all have succeeded (and
    ``before_commit()``, if given, has not raised) are the staged files
    renamed into place, together, under :func:`commit_lock`.  On failure only
    the staging files this call created are removed.
    """
    staged, direct = [], []
    try:
        for path, write in writers:
            kind, target = resolve(path)
            if kind != "file":
                direct.append((path, write))
                continue
            fd, stage = _new_stage(path, target)
            os.close(fd)
            staged.append((stage, target, os.fspath(path)))
            write(stage)
            try:  # the stage was new: give it the mode the target has
                os.chmod(stage, _target_mode(target))
            except OSError as exc:
                raise W2VError(_describe(exc, path)) from None
        for path, write in direct:
            write(path)
        if before_commit is not None:
            before_commit()
        with commit_lock([target for _, target, _ in staged]):
            while staged:
                stage, target, path = staged[0]
                try:
                    os.replace(stage, target)
                except OSError as exc:
                    raise W2VError(_describe(exc, path)) from None
                del staged[0]  # its name is the target's now, not ours to remove
    except BaseException:
        for stage, _, _ in staged:
            _remove_quietly(stage)
        raise
