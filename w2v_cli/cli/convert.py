"""``w2v convert IN OUT``: any readable vectors file to any writable format."""

import click

from .query import _user_errors, limit_option, no_header_option


@click.command()
@click.argument("source", metavar="IN")
@click.argument("target", metavar="OUT")
@click.option("--format", "fmt", type=click.Choice(["auto", "w2v", "bin", "txt"]), default="auto", show_default=True,
              help="OUT's format; auto: w2v for .w2v, text for .txt/.vec/.text and '-', binary otherwise.")
@limit_option
@no_header_option
@_user_errors
def convert(source, target, fmt, limit, no_header):
    """Convert the vectors file IN (any format `-m` reads) to OUT, atomically.

    A .w2v model file keeps what IN has of counts, context vectors W',
    training options and n-gram rows (a subword .w2v, or all of a fastText
    .bin's); word2vec files keep only words and (full) vectors."""
    from ..atomic import check_outputs
    from ..vectors import model_file
    from ..vectors.formats import load_word2vec, save_word2vec
    from ..vectors.keyed import format_for_path

    check_outputs([("IN", source)], [("OUT", target)])  # converting a file onto itself would lose it
    if fmt == "auto":
        fmt = "txt" if target == "-" else format_for_path(target)
    from ..vectors import fasttext

    model = model_file.load(source) if model_file.is_model_file(source) else None
    ft = fasttext.load_fasttext(source) if model is None and fasttext.is_fasttext(source) else None
    if ft is not None:
        from ..vectors.keyed import KeyedVectors

        kv = KeyedVectors.from_fasttext(ft, limit)
        words, vectors = kv.words, kv.vectors
    elif model is not None:
        n = len(model.words) if not limit else min(limit, len(model.words))
        words, vectors = model.words_list(n), model.vectors[:n]
    else:
        words, vectors = load_word2vec(source, limit=limit, no_header=True if no_header else None)
    if fmt == "w2v":
        extra = {}
        if model is not None:
            counts, context = model.counts, model.context
            kind = model.header.get("context")
            if context is not None and kind == "words":
                context = context[:n]
            elif context is not None and n < len(model.words):
                context, kind = None, None  # Huffman-tree nodes belong to the whole vocabulary
            extra = dict(counts=None if counts is None else counts[:n], context=context, context_kind=kind,
                         options=model.options, subwords=model.subwords, ngrams=model.ngrams,
                         ngram_ids=model.ngram_ids)
        elif ft is not None:  # all fastText's n-gram rows: unseen words get fastText's vectors
            sub = kv.subwords
            extra = dict(counts=kv.counts, options=kv.options, subwords=sub and sub.settings(),
                         ngrams=sub and sub.rows)
        model_file.save(target, words, vectors, **extra)
    else:
        save_word2vec(target, words, vectors, fmt == "bin")
    click.echo(f"{len(words):,} words x {vectors.shape[1]} dimensions; wrote {target}", err=True)
