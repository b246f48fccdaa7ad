"""``w2v train`` and ``w2v phrases``: their options come from the library's
declarations (TrainOptions, PhrasesOptions); what is declared here are the
run's files (outputs, vocabularies, checkpoints, continued training,
evaluation), which only the command line has."""

from __future__ import annotations

import os
import sys

import click

from ..atomic import STDOUT, check_outputs, write_all_or_nothing
from .declared import click_options
from ..corpus.phrases import PhrasesOptions
from ..training.options import TrainOptions

# The order of w2v train --help: what to train, how long and how fast, the rest.
TRAIN_OPTION_ORDER = ["model", "loss", "batch", "dim", "window", "negative", "epochs", "alpha", "min_alpha",
                      "min_count", "max_vocab", "sample", "ns_exponent", "shared_negatives", "cbow_sum", "threads",
                      "seed", "force", "subwords", "minn", "maxn", "bucket", "sync_period"]
FILE = click.Path(dir_okay=False)


def check_paths(corpus, outputs, inputs=(), allowed=()) -> None:
    """Refuse outputs that would clobber an input (``corpus``: its paths, directories
    standing for their files; ``inputs``: (option, path) pairs) or each other, or
    cannot be written, before spending any time on training (atomic.check_outputs)."""
    corpus = [corpus] if isinstance(corpus, (str, os.PathLike)) else list(corpus)
    check_outputs([("corpus", p) for p in corpus] + list(inputs), outputs, allowed)


def is_binary(path: str, fmt: str) -> bool:
    if fmt not in ("auto", "w2v"):  # --format w2v is the -o file's; the other files go by their names
        return fmt == "bin"
    if path == STDOUT:
        return False  # text for a pipe unless --format bin
    return os.path.splitext(path)[1].lower() not in (".txt", ".vec", ".text")


@click.command()
@click.argument("corpus", nargs=-1, required=True, type=click.Path(dir_okay=True))
@click.option("-o", "--output", default="vectors.bin", show_default=True,
              help="Vectors file ('-': stdout); text for .txt/.vec/.text and '-', the model file (W, W', counts, "
                   "options; docs/model-file.md) for .w2v, binary otherwise (see --format).")
@click.option("--format", "fmt", type=click.Choice(["auto", "bin", "txt", "w2v"]), default="auto", show_default=True)
@click_options(TrainOptions, TRAIN_OPTION_ORDER)
@click.option("--save-context", type=FILE, help="Also write the output (context) vectors W' here "
              "(--loss hs: the tree's inner nodes).")
@click.option("--save-vocab", type=FILE, help="Write the vocabulary as 'word count' lines (word2vec.c format).")
@click.option("--read-vocab", type=FILE, help="Use this vocabulary ('word count' lines) instead of counting the "
              "corpus.")
@click.option("--checkpoint", type=FILE, help="Write a checkpoint here after every epoch and when interrupted.")
@click.option("--resume", type=FILE, help="Continue the run saved in this checkpoint (its options and vocabulary "
              "apply).")
@click.option("--init", type=FILE,
              help="Continue training this model on CORPUS: its vectors (text or binary; with --init-context) or a "
                   "checkpoint. The vocabulary becomes the union (counts added, old words always kept, new ones "
                   "by --min-count on the sum); noise and subsampling use the summed counts; the learning rate "
                   "restarts at --alpha and falls to --min-alpha over this run. --dim defaults to the model's.")
@click.option("--init-context", type=FILE, help="The --init model's context vectors W' (its --save-context file).")
@click.option("--init-vocab", type=FILE,
              help="The --init model's counts (its --save-vocab file); without it, the old word of rank r counts "
                   "as the r-th most frequent word of CORPUS.")
@click.option("--eval", "eval_", is_flag=True,
              help="After every epoch, print loss and scores (bundled WordSim353, SimLex-999, analogies).")
@click.option("--eval-pairs", type=FILE, multiple=True, metavar="FILE",
              help="Word pairs to score after every epoch instead of the bundled sets (repeatable; implies --eval).")
@click.option("--eval-analogies", type=FILE, metavar="FILE",
              help="Analogy questions to score after every epoch instead of the bundled ones (implies --eval).")
@click.option("--eval-plot", type=FILE, metavar="PNG",
              help="Plot loss and scores against epochs here (needs matplotlib; implies --eval).")
@click.option("-q", "--quiet", is_flag=True, help="No progress bar.")
def train(corpus, output, fmt, save_context, save_vocab, read_vocab, checkpoint, resume, init, init_context,
          init_vocab, eval_, eval_pairs, eval_analogies, eval_plot, quiet, **options):
    """Train word vectors (skip-gram or CBOW) on CORPUS (text, .gz, .bz2 or .xz; one sentence per line).

    Several files or directories (their files in name order) train as their
    concatenation, each file ending a sentence."""
    from ..corpus.sources import resolve_files

    opts = TrainOptions(**options)
    opts.resolve()  # a bad value is refused before the corpus is looked at
    check_paths(resolve_files(corpus),
                [("-o", output), ("--save-context", save_context), ("--save-vocab", save_vocab),
                 ("--checkpoint", checkpoint), ("--eval-plot", eval_plot)],
                [("--init", init), ("--init-context", init_context), ("--init-vocab", init_vocab),
                 ("--read-vocab", read_vocab), ("--resume", resume), ("--eval-analogies", eval_analogies),
                 *(("--eval-pairs", p) for p in eval_pairs)],
                allowed=[(resume, checkpoint)] if resume and checkpoint else ())
    evaluator = None
    if eval_ or eval_pairs or eval_analogies or eval_plot:
        from tqdm import tqdm

        from ..training.epoch_eval import EpochEvaluator, plot_history, require_matplotlib

        if eval_plot:
            require_matplotlib()
        evaluator = EpochEvaluator(eval_pairs, eval_analogies, report=lambda line: tqdm.write(line, file=sys.stderr))

    from .. import jit

    jit.start()
    from .warmup import announce_for_train

    announce_for_train(opts)  # one line before the first kernel compiles, none if all are cached
    from ..corpus.vocab import Vocab
    from ..training.loop import train as run_training

    vocab = Vocab.load(read_vocab, min_count=opts.min_count) if read_vocab else None
    result = run_training(list(corpus), opts, vocab=vocab, progress=not quiet, checkpoint=checkpoint,
                          resume=resume, evaluator=evaluator, init=init, init_context=init_context,
                          init_vocab=init_vocab)
    if result.rank != 0:
        return  # under MPI, rank 0 writes the output and reports
    for note in result.notes:
        click.echo(f"note: {note}", err=True)
    if fmt == "w2v" or (fmt == "auto" and output.lower().endswith(".w2v")):
        writers = [(output, result.save_model)]
    else:
        writers = [(output, lambda p: result.save(p, binary=is_binary(output, fmt)))]
    if save_context:
        writers.append((save_context, lambda p: result.save(p, binary=is_binary(save_context, fmt), context=True)))
    if save_vocab:
        writers.append((save_vocab, result.vocab.save))
    if eval_plot:
        writers.append((eval_plot, lambda p: plot_history(result.eval_history, p)))
    from .. import signals

    write_all_or_nothing(writers, before_commit=signals.commit)  # a stop asked for at any time: nothing replaced
    click.echo(summary(result, output, evaluator is not None), err=True)


def summary(result, output: str, evaluated: bool) -> str:
    """The last line of ``w2v train``."""
    history = result.loss_history
    shown = history if len(history) <= 10 else [history[0], history[-1]]
    loss_text = (" ".join if len(history) <= 10 else " -> ".join)(
        "n/a (no pairs)" if x != x else f"{x:.4f}" for x in shown)
    return (f"vocabulary {len(result.vocab):,} words; {result.train_words:,} words x {len(history)} epochs "
            f"in {result.seconds:.1f} s: {result.words_per_second:,.0f} words/s "
            f"({result.words_per_second / (result.threads * result.ranks):,.0f}/thread, {result.threads} threads"
            f"{f' x {result.ranks} ranks' if result.ranks > 1 else ''}); "
            f"mean loss per epoch {loss_text}"
            + (f"; evaluation {result.eval_seconds:.1f} s (not in words/s)" if evaluated else "")
            + f"; wrote {output}")


@click.command()
@click.argument("corpus", type=click.Path(dir_okay=True))
@click.option("-o", "--output", required=True, type=FILE, help="Text with phrases joined.")
@click_options(PhrasesOptions)
def phrases(corpus, output, **options):
    """Join frequent word pairs of CORPUS into phrases ("new york" -> new_york), as word2phrase."""
    from .. import jit
    from ..corpus.phrases import phrases as run_phrases
    from .warmup import announce_for_phrases

    opts = PhrasesOptions(**options).resolve()
    check_paths(corpus, [("-o", output)])
    jit.start()  # the kernels' LLVM options, hence the cache `w2v train` and `w2v warmup` fill
    announce_for_phrases()
    result = run_phrases(corpus, output, opts)
    for p, stats in enumerate(result.passes, 1):
        click.echo(f"pass {p}: threshold {stats.threshold:g}, {stats.words:,} words, {stats.joins:,} pairs joined",
                   err=True)
    click.echo(f"wrote {output}", err=True)
