"""The one exception type that means "the user gave us something we cannot use".

The CLI prints its message as a single line and exits non-zero; anything else
escaping is a bug in w2v, not in the input.
"""


class W2VError(Exception):
    """A user-facing error: bad input, bad option, unreadable or unwritable file."""


class TrainingInterrupted(W2VError):
    """A stop was requested (Ctrl-C, SIGTERM) before training finished."""


class TrainingDiverged(W2VError):
    """The vectors or the loss stopped being finite."""


def interrupt_on_signal(signum, frame):
    """Signal handler: unwind like Ctrl-C (SIGTERM is installed with it), so
    every ``finally`` runs and temporary files are removed; where that cannot
    be done safely the signal is recorded and raised a moment later
    (w2v_cli.signals)."""
    from .signals import handler
    handler(signum, frame)
