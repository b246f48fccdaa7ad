"""Running an epoch kernel in a worker thread while the caller polls, and
turning Ctrl-C / SIGTERM into the kernel's stop flag."""

from __future__ import annotations

import contextlib
import signal
import threading
from typing import List

from ..errors import interrupt_on_signal
from ..signals import check, forget


@contextlib.contextmanager
def sigterm_as_interrupt():
    """Let SIGTERM stop training the way Ctrl-C does (main thread only)."""
    if threading.current_thread() is not threading.main_thread() \
            or signal.getsignal(signal.SIGTERM) is signal.SIG_IGN:  # started ignoring it: keep to that
        yield
        return

    previous = signal.signal(signal.SIGTERM, interrupt_on_signal)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)
        forget()  # in a library caller's process the next run starts afresh (the CLI runs once)


def run_in_worker(kernel, bundle, poll, interval: float = 0.2) -> None:
    """Run ``kernel(bundle)`` in a thread; call ``poll`` while it runs.  On Ctrl-C
    (or SIGTERM, turned into KeyboardInterrupt) set the bundle's stop flag, wait
    for the kernel to notice, and re-raise.

    Completion is signalled by an Event, not Thread.join: a join interrupted by
    KeyboardInterrupt can leave CPython believing the thread has ended while it
    still runs, and the arrays must not be read (or saved) before it has.
    """
    error: List[BaseException] = []
    done = threading.Event()

    def work():
        try:
            kernel(bundle)
        except BaseException as exc:  # surfaced in the calling thread below
            error.append(exc)
        finally:
            done.set()

    check()
    threading.Thread(target=work, name="w2v-kernel", daemon=True).start()
    try:
        while not done.wait(interval):
            check()  # a stop that something swallowed (w2v_cli.signals) still stops the run
            poll()
        check()
        poll()
    except KeyboardInterrupt:
        bundle.stop[0] = 1
        # A second Ctrl-C does not cut this short (the kernel stops within ~10k words).
        while not done.is_set():
            try:
                done.wait(0.05)
            except KeyboardInterrupt:
                pass
        raise
    if error:
        raise error[0]
