"""The ``w2v`` command line: a thin layer of argument parsing and messages over
the library (``w2v_cli.training``, ``w2v_cli.vectors``, ``w2v_cli.corpus``).

Importing this package imports nothing else: :func:`main` takes Ctrl-C and
SIGTERM (w2v_cli.signals) before click, numpy or Numba start loading."""

__all__ = ["cli", "main"]


def main(argv=None) -> None:
    from .. import signals

    signals.install()  # first: a signal during the imports below is held, not raised inside one
    from .app import main as run

    run(argv)


def __getattr__(name):
    if name == "cli":
        from .app import cli
        return cli
    raise AttributeError(f"module 'w2v_cli.cli' has no attribute {name!r}")
