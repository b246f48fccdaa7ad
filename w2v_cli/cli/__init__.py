"""The ``w2v`` command line: a thin layer of argument parsing and messages over
the library (``w2v_cli.training``, ``w2v_cli.vectors``, ``w2v_cli.corpus``)."""

from .app import cli, main

__all__ = ["cli", "main"]
