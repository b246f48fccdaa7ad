"""The query commands: ``w2v similar``, ``similarity``, ``doesnt-match``, ``analogy``, ``evaluate``,
``plot``, ``export``.

They only read a vectors file, so they import numpy but never numba: answering
a query should cost the load of the file, not a JIT start-up.
"""

import functools
import json
import os
import sys
from pathlib import Path

import click

from ..errors import W2VError

DEFAULT_MODEL = "vectors.bin"


def _fail(message):
    click.echo("error: " + " ".join(str(message).split()), err=True)
    sys.exit(1)


def _user_errors(command):
    """Turn a W2VError into one line on stderr and exit status 1, never a traceback;
    a reader that went away (`w2v similar ... | head -1`) ends the command with status 0."""
    @functools.wraps(command)
    def wrapper(*args, **kwargs):
        try:
            return command(*args, **kwargs)
        except W2VError as exc:
            _fail(exc)
        except BrokenPipeError:
            from ..atomic import _silence_stdout

            _silence_stdout()  # the interpreter's last flush would fail again
            sys.exit(0)
    return wrapper


def resolve_model(path=None):
    """-m PATH, else $W2V_MODEL, else ./vectors.bin."""
    if path:
        return path
    env = os.environ.get("W2V_MODEL")
    if env:
        return env
    if os.path.exists(DEFAULT_MODEL):
        return DEFAULT_MODEL
    raise W2VError(f"no vectors file given and no ./{DEFAULT_MODEL}: use -m PATH or set W2V_MODEL=PATH")


def _load(path, limit=None, no_header=False):
    from ..vectors.keyed import KeyedVectors  # imported here so that `--help` stays instant

    return KeyedVectors.load(resolve_model(path), limit=limit, no_header=True if no_header else None)


def _oov(kv, words):
    """{"oov": [...]}: the query words a subword model answered from their n-grams (none: {})."""
    if kv.subwords is None:
        return {}
    oov = [w for w in dict.fromkeys(words) if kv.is_oov(w)]
    return {"oov": oov} if oov else {}


def _print_results(results, query, as_json, extra=None, kv=None):
    if as_json:
        record = dict(extra or {}, query=query, results=[{"word": w, "score": s} for w, s in results])
        if kv is not None:
            record.update(_oov(kv, list(query) + list((extra or {}).get("negative", ()))))
        click.echo(json.dumps(record, ensure_ascii=False))
    else:
        for word, score in results:
            click.echo(f"{word}\t{score:.6f}")


_model_path_option = click.option(
    "-m", "--model", "model", metavar="PATH",
    help="Vectors file: a .w2v model, word2vec text or binary, GloVe, fastText .vec or .bin; plain, .gz, .bz2 or .xz; "
         "a pipe is read to its end. Default: $W2V_MODEL, else ./vectors.bin.")
limit_option = click.option("--limit", type=click.IntRange(min=1), default=None, metavar="N",
                            help="Read only the first N words of the vectors file (the N most frequent).")
no_header_option = click.option("--no-header", is_flag=True,
                                help="The text vectors file has no 'V D' first line (GloVe); detected when absent.")


def model_option(command):
    """-m, --limit and --no-header: every command that reads a vectors file has all three."""
    return _model_path_option(limit_option(no_header_option(command)))
topn_option = click.option("-n", "--topn", default=10, show_default=True, type=click.IntRange(min=1),
                           help="How many words to show.")
json_option = click.option("--json", "as_json", is_flag=True, help="Print JSON (one object per query).")


@click.command()
@click.argument("words", nargs=-1)
@topn_option
@click.option("--neg", multiple=True, metavar="WORD", help="Subtract this word (repeatable).")
@model_option
@json_option
@_user_errors
def similar(words, topn, neg, model, limit, no_header, as_json):
    """Words nearest to WORDS by cosine similarity (query words excluded).

    Several WORDS are averaged, as in word2vec's `distance`.  With no WORDS, read
    one query per line from stdin (several words per line allowed) until a blank
    line or end of input, answered in blocks (one matrix product per block); an
    unknown word reports an error for that line only (and the exit status is then 1).
    """
    kv = _load(model, limit, no_header)
    neg = list(neg)
    for word in neg:
        kv.resolve(word)  # an unknown --neg word is an error even before any query
    if words:
        results = kv.most_similar(list(words), neg, topn=topn)
        _print_results(results, list(words), as_json, {"negative": neg} if neg else None, kv)
        return
    failed = False
    # A terminal gets each answer as its line is typed; a pipe is read in blocks.
    block = 1 if sys.stdin.isatty() else 256
    done = False
    while not done:
        queries = []
        while len(queries) < block:
            line = sys.stdin.readline()
            query = line.split()
            if not query:
                done = True
                break
            queries.append(query)
        for query, results in zip(queries, kv.most_similar_many(queries, neg, topn=topn)):
            if isinstance(results, W2VError):
                click.echo("error: " + " ".join(str(results).split()), err=True)
                failed = True
                continue
            _print_results(results, query, as_json, None, kv)
            if not as_json:
                click.echo()
        sys.stdout.flush()
    if failed:
        sys.exit(1)


@click.command()
@click.argument("a")
@click.argument("b")
@model_option
@json_option
@_user_errors
def similarity(a, b, model, limit, no_header, as_json):
    """Cosine similarity of two words, e.g. `w2v similarity king queen`."""
    kv = _load(model, limit, no_header)
    score = kv.similarity(a, b)
    if as_json:
        click.echo(json.dumps({"query": [a, b], "similarity": score, **_oov(kv, [a, b])}, ensure_ascii=False))
    else:
        click.echo(f"{score:.6f}")


@click.command("doesnt-match")
@click.argument("words", nargs=-1, required=True)
@model_option
@json_option
@_user_errors
def doesnt_match(words, model, limit, no_header, as_json):
    """The word of WORDS that fits least with the others (furthest from their mean), e.g.
    `w2v doesnt-match breakfast cereal dinner lunch`."""
    kv = _load(model, limit, no_header)
    ranked = kv.rank_by_centrality(list(words))
    if as_json:
        click.echo(json.dumps({"query": list(words), "doesnt_match": ranked[-1][1],
                               "centrality": [{"word": w, "score": s} for s, w in ranked], **_oov(kv, words)},
                              ensure_ascii=False))
    else:
        click.echo(ranked[-1][1])


@click.command()
@click.argument("a")
@click.argument("b")
@click.argument("c")
@topn_option
@click.option("--method", type=click.Choice(["3cosadd", "3cosmul"], case_sensitive=False), default="3cosadd",
              show_default=True, help="3CosAdd (vector offset) or 3CosMul (Levy & Goldberg 2014).")
@model_option
@json_option
@_user_errors
def analogy(a, b, c, topn, method, model, limit, no_header, as_json):
    """Words D such that A - B + C ~ D, e.g. `w2v analogy king man woman` -> queen."""
    kv = _load(model, limit, no_header)
    results = kv.analogy(a, b, c, method=method.lower(), topn=topn)
    _print_results(results, [a, b, c], as_json, {"method": method.lower()}, kv)


@click.command()
@click.argument("model_path", required=False, metavar="[MODEL]")
@model_option
@click.option("--analogies", type=click.Path(exists=True, dir_okay=False), metavar="FILE",
              help="Analogy questions (questions-words format).")
@click.option("--pairs", type=click.Path(exists=True, dir_okay=False), metavar="FILE", multiple=True,
              help="Word pairs with human scores, tab-separated (repeatable).")
@click.option("--restrict-vocab", default=30000, show_default=True, type=click.IntRange(min=1),
              help="Analogies use only the first N words of the vectors file (gensim's restrict_vocab).")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object with all results.")
@_user_errors
def evaluate(model_path, model, limit, no_header, analogies, pairs, restrict_vocab, as_json):
    """Analogy accuracy and word-similarity correlation, computed as gensim does.

    With no --analogies and no --pairs, run the bundled sets: questions-words
    (Mikolov et al. 2013), WordSim353 and SimLex-999.
    """
    from ..vectors.evaluate import evaluate_analogies, evaluate_word_pairs

    if model_path and model and model_path != model:
        raise W2VError("give the vectors file once: either as MODEL or with -m, not both")
    kv = _load(model_path or model, limit, no_header)
    if not analogies and not pairs:
        from ..vectors.evaluate import BUNDLED_ANALOGIES, BUNDLED_PAIRS

        analogies, pairs = BUNDLED_ANALOGIES, tuple(BUNDLED_PAIRS.values())
    report = {"model": resolve_model(model_path or model), "vocabulary": len(kv), "dimension": kv.dim}
    if analogies:
        result = evaluate_analogies(kv, analogies, restrict_vocab=restrict_vocab)
        report["analogies"] = _analogy_summary(result)
    report["pairs"] = []
    for path in pairs:
        try:
            report["pairs"].append(evaluate_word_pairs(kv, path))
        except W2VError as exc:  # e.g. every pair unknown to a small model: report it, go on
            report["pairs"].append({"file": str(path), "error": str(exc)})
    if as_json:
        click.echo(json.dumps(_json_safe(report), ensure_ascii=False, default=str))
    else:
        _print_evaluation(report)


def _json_safe(value):
    """NaN (a correlation over constant scores) is not JSON: write null."""
    if isinstance(value, float) and value != value:
        return None
    if isinstance(value, dict):
        return {k: _json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_json_safe(v) for v in value]
    return value


def _analogy_summary(result):
    def counts(section):
        correct, incorrect = len(section["correct"]), len(section["incorrect"])
        total = correct + incorrect
        return {"section": section["section"], "correct": correct, "total": total,
                "accuracy": correct / total if total else 0.0}

    return {
        "file": str(result["file"]),
        "restrict_vocab": result["restrict_vocab"],
        "sections": [counts(s) for s in result["sections"]],
        "semantic": result["semantic"],
        "syntactic": result["syntactic"],
        "total": counts(result["total"]),
        "oov": result["oov"],
        "questions": result["questions"],
        "oov_ratio": result["oov_ratio"],
    }


def _print_evaluation(report):
    click.echo(f"model: {report['model']} ({report['vocabulary']} words, dimension {report['dimension']})")
    ana = report.get("analogies")
    if ana:
        click.echo(f"\nanalogies: {ana['file']} (first {ana['restrict_vocab']} words)")
        for s in ana["sections"] + [dict(ana["semantic"], section="semantic"),
                                    dict(ana["syntactic"], section="syntactic"), ana["total"]]:
            click.echo(f"  {s['section']:<30} {100 * s['accuracy']:6.2f}%  ({s['correct']}/{s['total']})")
        click.echo(f"  skipped (unknown words): {ana['oov']} of {ana['questions']} questions "
                   f"({ana['oov_ratio']:.1f}%)")
    if report["pairs"]:
        click.echo("\nword pairs:")
        for p in report["pairs"]:
            if "error" in p:
                click.echo(f"  {Path(p['file']).name:<30} not evaluated: {p['error']}")
                continue
            click.echo(f"  {Path(str(p['file'])).name:<30} spearman {p['spearman']:.4f}  pearson {p['pearson']:.4f}"
                       f"  pairs {p['pairs']}/{p['pairs'] + p['oov']} ({p['oov_ratio']:.1f}% unknown)")


@click.command()
@click.argument("words", nargs=-1, required=True)
@click.option("-o", "--output", default="map.png", show_default=True, metavar="PNG", help="The picture (PNG).")
@click.option("--neighbours", "--neighbors", "neighbours", default=5, show_default=True,
              type=click.IntRange(min=0), help="Nearest neighbours drawn around each word.")
@model_option
@_user_errors
def plot(words, output, neighbours, model, limit, no_header):
    """A labelled 2-D map (PCA) of WORDS and their nearest neighbours, as a PNG.

    Needs matplotlib: pip install 'w2v-cli[plot]'.
    """
    from ..vectors.plot import plot_words, require_matplotlib

    require_matplotlib()  # before loading a large model for nothing
    labels, _, _ = plot_words(_load(model, limit, no_header), words, output, neighbours=neighbours)
    click.echo(f"{len(labels)} words ({len(set(words))} asked, {len(labels) - len(set(words))} neighbours); "
               f"wrote {output}", err=True)


@click.command()
@click.option("--projector", "directory", required=True, metavar="DIR",
              help="Write TensorBoard Projector's tensors.tsv and metadata.tsv into DIR (created if absent).")
@model_option
@_user_errors
def export(directory, model, limit, no_header):
    """Export the vectors for viewing elsewhere (TensorBoard's Embedding Projector);
    --limit N: only the N most frequent words (the first N of the vectors file)."""
    from ..atomic import check_outputs
    from ..vectors.export import METADATA, TENSORS, export_projector

    if os.path.isdir(directory):  # a directory still to be made holds no input
        check_outputs([("-m", resolve_model(model))], [("--projector", os.path.join(directory, name))
                                                        for name in (TENSORS, METADATA)])
    kv = _load(model, limit, no_header)
    tensors, metadata = export_projector(kv, directory, limit=limit)
    rows = len(kv) if limit is None else min(limit, len(kv))
    click.echo(f"{rows:,} words x {kv.dim} dimensions; wrote {tensors} and {metadata}", err=True)
