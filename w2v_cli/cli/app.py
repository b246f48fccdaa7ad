"""The ``w2v`` command line: argument parsing and messages only.

Every command calls the library (train, query, evaluate); errors the user can
fix arrive as :class:`W2VError` and are printed as one line with exit status 1.
Heavy modules are imported inside the commands, so ``w2v similar`` never loads
Numba.
"""

from __future__ import annotations

import atexit
import gc
import sys

import click

from .declared import range_hint
from .convert import convert
from .query import analogy, doesnt_match, evaluate, export, plot, similar, similarity
from .. import signals
from ..errors import TrainingInterrupted, W2VError

EXIT_INTERRUPTED = 130


class _Group(click.Group):
    """`train`, `phrases` and `warmup` (and the training modules behind them) are imported
    only when run or listed, so that a query starts without them."""

    _LAZY = {"train": "train", "phrases": "train", "warmup": "warmup"}  # command: module of w2v_cli.cli

    def list_commands(self, ctx):
        return sorted(set(super().list_commands(ctx)) | set(self._LAZY))

    def get_command(self, ctx, name):
        if name in self._LAZY and name not in self.commands:
            import importlib

            module = importlib.import_module(f"{__package__}.{self._LAZY[name]}")
            self.add_command(getattr(module, name))
        return super().get_command(ctx, name)


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(package_name="w2v-cli")
def cli():
    """w2v: fast word2vec on Numba: skip-gram and CBOW word vectors (negative sampling or
    hierarchical softmax), phrases, and queries of the vectors."""


for _command in (similar, similarity, doesnt_match, analogy, evaluate, plot, export, convert):
    cli.add_command(_command)


def _exit(message: str, code: int, exc: BaseException = None) -> None:
    """Print ``message`` as one 'error:' line and exit with ``code``; in an MPI
    job, print it once and end every rank (w2v_cli.distributed.end_job)."""
    signals.settle()  # a signal now cannot cut the message short
    from ..training.distributed import launched_size  # no mpi4py import: reads the environment

    if launched_size() > 1:
        from ..training.distributed import end_job
        end_job(message, code, exc)
    click.echo(f"error: {message}", err=True)
    sys.exit(code)


def main(argv=None) -> None:
    """Console entry point: run the CLI and turn every expected failure into one line."""
    # SIGTERM unwinds like Ctrl-C, so temporary files are removed on the way out;
    # both are held until the try below (w2v_cli.signals).
    signals.install()
    # Numba leaves about a million objects behind, and the interpreter's last
    # garbage collection walks them all (0.15 s of every `w2v train`); frozen
    # objects are skipped (atexit runs before that collection).
    atexit.register(gc.freeze)
    try:
        signals.release()
        cli.main(args=argv, prog_name="w2v", standalone_mode=False)
        signals.settle()
    except click.exceptions.Abort:
        # Click turns Ctrl-C outside training (e.g. while reading the corpus) into Abort.
        _exit("interrupted; nothing was written", EXIT_INTERRUPTED, KeyboardInterrupt())
    except click.ClickException as exc:
        if isinstance(exc, click.BadParameter):
            from ..corpus.phrases import PhrasesOptions
            from ..training.options import TrainOptions
            message = range_hint(exc, TrainOptions, PhrasesOptions)
        else:
            message = exc.format_message()
        _exit(message, exc.exit_code)
    except TrainingInterrupted as exc:
        _exit(str(exc), EXIT_INTERRUPTED, exc)
    except W2VError as exc:
        _exit(str(exc), 1, exc)
    except KeyboardInterrupt as exc:
        _exit("interrupted; nothing was written", EXIT_INTERRUPTED, exc)
    except MemoryError as exc:  # past the up-front estimate (w2v_cli.training.memory)
        _exit("out of memory; nothing was written (lower --dim or --max-vocab, or raise --min-count)", 1, exc)
    except BrokenPipeError:
        # `w2v similar ... | head`: the reader went away; that is not an error.
        sys.stderr.close()
        sys.exit(0)
    except Exception as exc:
        from ..training.distributed import end_job, mpi_error_message, mpi_started
        if not mpi_started():
            raise
        # An MPI error, or a bug, on one rank must not leave the others waiting in a collective.
        message = mpi_error_message(exc)
        if message is None:
            import traceback
            traceback.print_exc()
        end_job(message, 1, exc)


if __name__ == "__main__":
    main()
