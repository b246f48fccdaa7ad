"""Ctrl-C and SIGTERM, from the first instant of ``w2v`` to its last.

A signal is always recorded (:func:`requested`), and it becomes a
KeyboardInterrupt only where one can be handled:

* while the command starts (:func:`install` until :func:`release`, which the
  CLI calls inside its error handling) it is only recorded: a
  KeyboardInterrupt in the middle of an import leaves half-initialised
  modules (numpy's then refuses to load again, a 56-line traceback);
* inside Numba or llvmlite (compiling, loading the cache, their ctypes
  callbacks, where an exception is printed and swallowed) or inside an
  import, it is recorded and sent again a moment later, until it arrives
  where Python code of w2v or its caller runs;
* inside the tempfile module (its probe of TMPDIR, its cleanup of a
  temporary directory), likewise, so nothing is left in TMPDIR;
* while a run's outputs are renamed into place (:func:`holding`) it is only
  recorded: the set is replaced whole.

Whatever swallowed a KeyboardInterrupt, the record stays: training checks it
(:func:`check`) between progress reports and before the outputs are
committed, so a run asked to stop never completes.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
import tempfile
import threading

_requested: list = []  # signal numbers received, in order
_hold = [0]  # > 0: record only
_installed = [False]
REDELIVER_SECONDS = 0.02


def _package_dirs():
    dirs = []
    for name in ("numba", "llvmlite"):
        module = sys.modules.get(name)
        path = getattr(module, "__file__", None)
        if path:
            dirs.append(os.path.dirname(path) + os.sep)
    return tuple(dirs)


def _unsafe(frame) -> bool:
    """Whether ``frame`` or a caller of it is an import, Numba's or llvmlite's
    code, or the tempfile module (whose probe of TMPDIR and whose cleanup of
    a temporary directory would leave files behind if cut short)."""
    dirs = _package_dirs()
    while frame is not None:
        name = frame.f_code.co_filename
        if name.startswith("<frozen importlib") or name == tempfile.__file__ or (dirs and name.startswith(dirs)):
            return True
        frame = frame.f_back
    return False


def _redeliver(signum: int) -> None:
    main = threading.main_thread().ident

    def send():
        try:
            signal.pthread_kill(main, signum)
        except (OSError, ValueError):
            pass

    timer = threading.Timer(REDELIVER_SECONDS, send)
    timer.daemon = True
    timer.start()


def handler(signum, frame):
    """The SIGINT/SIGTERM handler: record, then raise KeyboardInterrupt where it
    can be handled (see the module docstring)."""
    if signum not in _requested:
        _requested.append(signum)
    if _hold[0]:
        return
    if _unsafe(frame):
        _redeliver(signum)
        return
    raise KeyboardInterrupt


def install() -> None:
    """Take SIGINT and SIGTERM (unless the process was started with them
    ignored, as a background job is) and hold them until :func:`release`."""
    if _installed[0]:
        return
    _installed[0] = True
    _hold[0] += 1
    for signum in (signal.SIGINT, signal.SIGTERM):
        if signal.getsignal(signum) is not signal.SIG_IGN:
            signal.signal(signum, handler)


def release() -> None:
    """End the start-up hold; a signal that came during it is raised now."""
    if _hold[0]:
        _hold[0] -= 1
    check()


def requested() -> bool:
    return bool(_requested)


def forget() -> None:
    """Drop the record of earlier signals, unless the CLI took them (:func:`install`)."""
    if not _installed[0]:
        _requested.clear()


def check() -> None:
    """Raise KeyboardInterrupt if a stop was requested (and not held)."""
    if _requested and not _hold[0]:
        raise KeyboardInterrupt


def settle() -> None:
    """Hold signals from now on: the command has finished (or is reporting why not)."""
    _hold[0] += 1


def commit() -> None:
    """Just before a run's outputs are renamed into place: stop if asked to,
    else hold signals from now on (the run is complete)."""
    check()
    settle()


@contextlib.contextmanager
def holding():
    """Signals are only recorded inside (a set of renames that must not be cut short)."""
    _hold[0] += 1
    try:
        yield
    finally:
        _hold[0] -= 1
