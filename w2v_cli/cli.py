"""The ``w2v`` command line: argument parsing and messages only.

Every command calls the library (train, query, evaluate); errors the user can
fix arrive as :class:`W2VError` and are printed as one line with exit status 1.
Heavy modules are imported inside the commands, so ``w2v similar`` never loads
Numba.
"""

from __future__ import annotations

import atexit
import gc
import os
import signal
import sys

import click

from .atomic import STDOUT, check_writable, write_all_or_nothing
from .cli_query import analogy, evaluate, export, plot, similar
from .errors import TrainingInterrupted, W2VError, interrupt_on_signal

EXIT_INTERRUPTED = 130


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(package_name="w2v-cli")
def cli():
    """w2v: fast skip-gram word vectors (word2vec SGNS) on Numba."""


def _start_numba() -> None:
    """Import Numba and set up its compiler (what the first kernel call would do)
    with the garbage collector off, then freeze what that made: about a million
    long-lived objects and no garbage, which the collector would otherwise walk
    again and again during start-up (0.1 s of every `w2v train`)."""
    from . import jit

    jit.configure()  # before Numba compiles or loads anything (see w2v_cli.jit)
    gc.disable()
    try:
        _import_numba_without_blas()
        from numba.core.registry import cpu_target

        cpu_target.target_context.refresh()
    finally:
        gc.enable()
    gc.freeze()


def _import_numba_without_blas() -> None:
    """Import numba.np.arraymath, the module that looks for BLAS (for np.dot and
    np.linalg in jitted code) by importing scipy.linalg when SciPy is installed
    (0.15-0.2 s of start-up), while SciPy's BLAS reads as missing (an import of
    None raises ImportError).  The kernels use no BLAS, and this process runs
    no other jitted code; Numba keeps the answer for the rest of the process."""
    blas = "scipy.linalg.cython_blas"
    if blas in sys.modules:
        return  # already imported: nothing to save
    sys.modules[blas] = None
    try:
        import numba.np.arraymath  # noqa: F401
    finally:
        if sys.modules.get(blas, 0) is None:
            del sys.modules[blas]


def _check_paths(corpus, output: str, extra_outputs) -> None:
    """Refuse outputs that would clobber an input or cannot be written,
    before spending any time on training."""
    sources = {os.path.realpath(p) for p in ([corpus] if isinstance(corpus, str) else corpus)}
    seen = {}
    for path in [output, *[p for p in extra_outputs if p]]:
        real = os.path.realpath(path)
        if real in sources:
            raise W2VError(f"output {path} is the input corpus; choose another output path")
        if real in seen:
            raise W2VError(f"outputs {seen[real]} and {path} are the same file; give each its own path")
        seen[real] = path
        check_writable(path)  # links followed; FIFOs, devices and '-' written directly


def _is_binary(path: str, fmt: str) -> bool:
    if fmt != "auto":
        return fmt == "bin"
    if path == STDOUT:
        return False  # text for a pipe unless --format bin
    return os.path.splitext(path)[1].lower() not in (".txt", ".vec", ".text")


@cli.command()
@click.argument("corpus", nargs=-1, required=True, type=click.Path(dir_okay=True))
@click.option("-o", "--output", default="vectors.bin", show_default=True,
              help="Vectors file ('-': stdout); text for .txt/.vec/.text and '-', binary otherwise (see --format).")
@click.option("--format", "fmt", type=click.Choice(["auto", "bin", "txt"]), default="auto", show_default=True)
@click.option("--dim", "--size", type=int, default=100, show_default=True, help="Vector dimension.")
@click.option("--window", type=int, default=5, show_default=True, help="Largest context radius (dynamic window).")
@click.option("--negative", type=int, default=5, show_default=True, help="Negatives per positive pair.")
@click.option("--epochs", "--iter", type=int, default=5, show_default=True)
@click.option("--alpha", type=float, default=None,
              help="Starting learning rate [default: 0.025; 0.05 with --model cbow].")
@click.option("--min-alpha", type=float, default=None,
              help="Final learning rate; the rate falls linearly to it [default: alpha / 5; 0.0001 with --loss hs].")
@click.option("--min-count", type=int, default=5, show_default=True)
@click.option("--max-vocab", type=int, default=21_000_000, show_default=True,
              help="Prune the rarest words while counting when the table grows past this (0: no limit).")
@click.option("--sample", type=float, default=1e-3, show_default=True, help="Subsampling threshold (0: off).")
@click.option("--ns-exponent", type=float, default=0.75, show_default=True, help="Noise distribution exponent.")
@click.option("--threads", type=int, default=None, help="Worker threads [default: all cores].")
@click.option("--seed", type=int, default=1, show_default=True)
@click.option("--model", type=click.Choice(["skipgram", "cbow"]), default="skipgram", show_default=True,
              help="skipgram: each context word predicts the centre; cbow: the mean of the context predicts it.")
@click.option("--cbow-sum", is_flag=True, help="CBOW: the sum of the context vectors instead of their mean.")
@click.option("--loss", type=click.Choice(["ns", "hs", "softmax"]), default="ns", show_default=True,
              help="ns: negative sampling; hs: hierarchical softmax; softmax: the exact full-softmax skip-gram.")
@click.option("--batch", type=click.Choice(["pair", "window"]), default="window", show_default=True,
              help="pair: word2vec.c's per-pair updates; window: one set of negatives per window.")
@click.option("--shared-negatives", type=int, default=None,
              help="Neighbouring centre words that share one draw of negatives (--loss ns) "
                   "[default: 2 with --model cbow --loss ns, else 1; more than 1 needs --batch window].")
@click.option("--force", is_flag=True, help="Allow --loss softmax with a vocabulary over 50,000 words.")
@click.option("--save-context", type=click.Path(dir_okay=False), default=None,
              help="Also write the output (context) vectors W' here (--loss hs: the tree's inner nodes).")
@click.option("--save-vocab", type=click.Path(dir_okay=False), default=None,
              help="Write the vocabulary as 'word count' lines (word2vec.c format).")
@click.option("--read-vocab", type=click.Path(dir_okay=False), default=None,
              help="Use this vocabulary ('word count' lines) instead of counting the corpus.")
@click.option("--checkpoint", type=click.Path(dir_okay=False), default=None,
              help="Write a checkpoint here after every epoch and when interrupted.")
@click.option("--resume", type=click.Path(dir_okay=False), default=None,
              help="Continue the run saved in this checkpoint (its options and vocabulary apply).")
@click.option("--init", type=click.Path(dir_okay=False), default=None,
              help="Continue training this model on CORPUS: its vectors (text or binary; with --init-context) or a "
                   "checkpoint. The vocabulary becomes the union (counts added, old words always kept, new ones "
                   "by --min-count on the sum); noise and subsampling use the summed counts; the learning rate "
                   "restarts at --alpha and falls to --min-alpha over this run. --dim defaults to the model's.")
@click.option("--init-context", type=click.Path(dir_okay=False), default=None,
              help="The --init model's context vectors W' (its --save-context file).")
@click.option("--init-vocab", type=click.Path(dir_okay=False), default=None,
              help="The --init model's counts (its --save-vocab file); without it, the old word of rank r counts "
                   "as the r-th most frequent word of CORPUS.")
@click.option("--eval", "eval_", is_flag=True,
              help="After every epoch, print loss and scores (bundled WordSim353, SimLex-999, analogies).")
@click.option("--eval-pairs", type=click.Path(dir_okay=False), multiple=True, metavar="FILE",
              help="Word pairs to score after every epoch instead of the bundled sets (repeatable; implies --eval).")
@click.option("--eval-analogies", type=click.Path(dir_okay=False), default=None, metavar="FILE",
              help="Analogy questions to score after every epoch instead of the bundled ones (implies --eval).")
@click.option("--eval-plot", type=click.Path(dir_okay=False), default=None, metavar="PNG",
              help="Plot loss and scores against epochs here (needs matplotlib; implies --eval).")
@click.option("--sync-period", type=float, default=0.05, show_default=True,
              help="Under mpiexec: seconds between merges of the frequent words' rows across ranks.")
@click.option("-q", "--quiet", is_flag=True, help="No progress bar.")
def train(corpus, output, fmt, dim, window, negative, epochs, alpha, min_alpha, min_count, max_vocab,
          sample, ns_exponent, threads, seed, model, cbow_sum, loss, batch, shared_negatives, force, save_context,
          save_vocab, read_vocab,
          checkpoint, resume, init, init_context, init_vocab, eval_, eval_pairs, eval_analogies, eval_plot,
          sync_period, quiet):
    """Train word vectors (skip-gram or CBOW) on CORPUS (text, .gz, .bz2 or .xz; one sentence per line).

    Several files or directories (their files in name order) train as their
    concatenation, each file ending a sentence."""
    from .options import TrainOptions

    opts = TrainOptions(dim=dim, window=window, negative=negative, epochs=epochs, alpha=alpha,
                        min_alpha=min_alpha, min_count=min_count, max_vocab=max_vocab, sample=sample,
                        ns_exponent=ns_exponent, threads=threads, seed=seed, loss=loss,
                        batch=batch, force=force, model=model, cbow_sum=cbow_sum,
                        shared_negatives=shared_negatives, sync_period=sync_period).validate()
    from .corpus import resolve_files

    _check_paths(resolve_files(corpus), output, [save_context, save_vocab, checkpoint, eval_plot])
    evaluator = None
    if eval_ or eval_pairs or eval_analogies or eval_plot:
        from .epoch_eval import EpochEvaluator, plot_history, require_matplotlib
        from tqdm import tqdm

        if eval_plot:
            require_matplotlib()
        evaluator = EpochEvaluator(eval_pairs, eval_analogies, report=lambda line: tqdm.write(line, file=sys.stderr))

    _start_numba()
    from .train import train as run_training
    from .vocab import Vocab

    vocab = Vocab.load(read_vocab, min_count=min_count) if read_vocab else None
    first = None
    if init or init_context or init_vocab:  # continued training (w2v_cli.continued)
        from .continued import load

        first = load(init, init_context, init_vocab, resume=resume)
        if click.get_current_context().get_parameter_source("dim") == click.core.ParameterSource.DEFAULT:
            opts.dim = first.dim
    result = run_training(list(corpus), opts, vocab=vocab, progress=not quiet, checkpoint=checkpoint,
                          resume=resume, evaluator=evaluator, init=first)
    if result.rank != 0:
        return  # under MPI, rank 0 writes the output and reports
    for note in result.notes:
        click.echo(f"note: {note}", err=True)
    writers = [(output, lambda p: result.save(p, binary=_is_binary(output, fmt)))]
    if save_context:
        writers.append((save_context, lambda p: result.save(p, binary=_is_binary(save_context, fmt), context=True)))
    if save_vocab:
        writers.append((save_vocab, result.vocab.save))
    if eval_plot:
        writers.append((eval_plot, lambda p: plot_history(result.eval_history, p)))
    write_all_or_nothing(writers)
    history = result.loss_history
    shown = history if len(history) <= 10 else [history[0], history[-1]]
    loss_text = (" ".join if len(history) <= 10 else " -> ".join)(
        "n/a (no pairs)" if x != x else f"{x:.4f}" for x in shown)
    click.echo(
        f"vocabulary {len(result.vocab):,} words; {result.train_words:,} words x {len(history)} epochs "
        f"in {result.seconds:.1f} s: {result.words_per_second:,.0f} words/s "
        f"({result.words_per_second / (result.threads * result.ranks):,.0f}/thread, {result.threads} threads"
        f"{f' x {result.ranks} ranks' if result.ranks > 1 else ''}); "
        f"mean loss per epoch {loss_text}"
        + (f"; evaluation {result.eval_seconds:.1f} s (not in words/s)" if evaluator else "")
        + f"; wrote {output}", err=True)


@cli.command()
@click.argument("corpus", type=click.Path(dir_okay=True))
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False), help="Text with phrases joined.")
@click.option("--threshold", type=float, default=None,
              help="Join a pair scoring above this in the last pass [default: 100; 0.5 with --scoring npmi].")
@click.option("--min-count", type=int, default=5, show_default=True,
              help="Never join a pair whose words or whose pair occur fewer times.")
@click.option("--passes", type=int, default=1, show_default=True,
              help="Each pass can join longer phrases; earlier passes use twice the next one's threshold.")
@click.option("--scoring", type=click.Choice(["default", "npmi"]), default="default", show_default=True,
              help="default: word2phrase's score; npmi: normalised PMI in [-1, 1] (gensim).")
@click.option("--threads", type=int, default=None, help="Reader threads [default: all cores].")
def phrases(corpus, output, threshold, min_count, passes, scoring, threads):
    """Join frequent word pairs of CORPUS into phrases ("new york" -> new_york), as word2phrase."""
    from .phrases import phrases as run_phrases

    _check_paths(corpus, output, [])
    if threshold is None:
        threshold = 0.5 if scoring == "npmi" else 100.0
    result = run_phrases(corpus, output, threshold, min_count, passes, scoring,
                         (os.cpu_count() or 1) if threads is None else threads)
    for p, stats in enumerate(result.passes, 1):
        click.echo(f"pass {p}: threshold {stats.threshold:g}, {stats.words:,} words, {stats.joins:,} pairs joined",
                   err=True)
    click.echo(f"wrote {output}", err=True)


for _command in (similar, analogy, evaluate, plot, export):
    cli.add_command(_command)


def _with_range(exc: click.ClickException) -> str:
    """Click's message, plus the allowed range when a numeric training option
    could not be parsed ('--dim abc')."""
    message = exc.format_message()
    param = getattr(exc, "param", None)
    if isinstance(exc, click.BadParameter) and param is not None and param.name:
        from .options import allowed

        accepted = allowed(param.name)
        if accepted:
            message = f"{message.rstrip('.')}; --{param.name.replace('_', '-')} must be {accepted}"
    return message


def _exit(message: str, code: int, exc: BaseException = None) -> None:
    """Print ``message`` as one 'error:' line and exit with ``code``; in an MPI
    job, print it once and end every rank (w2v_cli.distributed.end_job)."""
    from .distributed import launched_size  # no mpi4py import: reads the environment

    if launched_size() > 1:
        from .distributed import end_job
        end_job(message, code, exc)
    click.echo(f"error: {message}", err=True)
    sys.exit(code)


def main(argv=None) -> None:
    """Console entry point: run the CLI and turn every expected failure into one line."""
    # SIGTERM unwinds like Ctrl-C, so temporary files are removed on the way out.
    signal.signal(signal.SIGTERM, interrupt_on_signal)
    # Numba leaves about a million objects behind, and the interpreter's last
    # garbage collection walks them all (0.15 s of every `w2v train`); frozen
    # objects are skipped (atexit runs before that collection).
    atexit.register(gc.freeze)
    try:
        cli.main(args=argv, prog_name="w2v", standalone_mode=False)
    except click.exceptions.Abort:
        # Click turns Ctrl-C outside training (e.g. while reading the corpus) into Abort.
        _exit("interrupted; nothing was written", EXIT_INTERRUPTED, KeyboardInterrupt())
    except click.ClickException as exc:
        _exit(_with_range(exc), exc.exit_code)
    except TrainingInterrupted as exc:
        _exit(str(exc), EXIT_INTERRUPTED, exc)
    except W2VError as exc:
        _exit(str(exc), 1, exc)
    except KeyboardInterrupt as exc:
        _exit("interrupted; nothing was written", EXIT_INTERRUPTED, exc)
    except BrokenPipeError:
        # `w2v similar ... | head`: the reader went away; that is not an error.
        sys.stderr.close()
        sys.exit(0)
    except Exception as exc:
        from .distributed import end_job, mpi_error_message, mpi_started
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
