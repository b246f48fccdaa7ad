"""The one corpus pipeline: sources in, a :class:`PreparedCorpus` out.

Files (plain or compressed, directories, an MPI rank's byte range) go through
one block reader (``sources.iter_blocks``) and one encode loop
(:func:`encode_pass`): the native reader (``corpus.native``) counts each block
on all threads while the previous block's provisional ids are written to the
id stream file; once the vocabulary is known (:func:`table_vocab`) one pass
turns that file in place into final ids (``stream.remap_file``), which every
epoch replays through a memory map.  In-memory sentences (token lists) go
through the reference reader (``corpus.reference``).

Under MPI the cluster only agrees (every rank learns of an error on any rank),
merges the word tables and settles the shares; each rank reads its share of
the files, or, when a file is compressed and cannot be entered in the middle,
the whole corpus, keeping its slice of the stream.
"""

from __future__ import annotations

import dataclasses
import os
from typing import List, Optional, Sequence

import numpy as np

from . import native, reference, sources
from .stream import map_stream, remap_file
from .text import MAX_WORD_BYTES, SENTENCE_END, truncation_note
from .vocab import Vocab
from ..errors import W2VError


@dataclasses.dataclass
class PreparedCorpus:
    """A corpus ready for the epochs."""
    vocab: Vocab
    stream: np.ndarray  # this process's int32 id stream (memory-mapped when read from files)
    train_words: int  # in-vocabulary tokens per epoch (of every rank under MPI)
    tokens: int  # tokens in the corpus, in the vocabulary or not
    notes: List[str]  # what the user should be told (words cut, ...)


def prepare(corpus, workdir: str, *, min_count: int, max_vocab: int = reference.DEFAULT_MAX_VOCAB,
            vocab=None, threads: int = 1, cluster=None) -> PreparedCorpus:
    """Read ``corpus`` (a path, a list of paths, or an iterable of token lists,
    read twice) into a :class:`PreparedCorpus`; the id stream file goes in ``workdir``.

    ``vocab``: None (built from the counts by ``min_count`` and ``max_vocab``),
    a Vocab (fixed, ``--read-vocab``: its words get its ids, others are dropped)
    or a function of the corpus's whole vocabulary returning the one to use
    (continued training's union).  ``threads`` count the blocks (the result
    does not depend on it); ``cluster``: the MPI job, or None."""
    paths = sources.corpus_files(corpus)
    if paths is None:
        return _prepare_sentences(corpus, min_count, max_vocab, vocab, cluster)
    agree = cluster.agree if cluster is not None else (lambda step, *a: step(*a))
    files = agree(sources.resolve_files, paths)
    source = sources.source_name(files)
    out_path = os.path.join(workdir, "ids.int32")
    # Compressed files cannot be entered in the middle: every rank then reads them all.
    shared = cluster is not None and not any(sources.is_compressed(f) for f in files)
    pieces = (sources.rank_pieces(files, cluster.rank, cluster.size) if shared
              else [(f, 0, None, True) for f in files])
    counter = agree(encode_pass, pieces, out_path, threads, max_vocab)
    table, tokens = cluster.merge_tables(counter.table, counter.tokens) if shared \
        else (counter.table, counter.tokens)

    def vocabulary():
        if tokens == 0:
            raise W2VError(f"{source} is empty: it has no words")
        return table_vocab(table, min_count, max_vocab, vocab, source)

    vocab, row_ids, truncated = agree(vocabulary)
    if cluster is not None:
        cluster.debug("vocabulary", "\n".join(vocab.words).encode("utf-8"), vocab.counts)
    if shared:
        row_ids = row_ids[table.merge(counter.table)]  # this rank's rows in the merged table

    def encode():
        try:
            n_items, words = remap_file(out_path, counter.entry_ids(row_ids))
        except OSError as exc:
            raise W2VError(f"cannot write the encoded corpus to {out_path}: {exc.strerror or exc}") from None
        return map_stream(out_path, n_items), words

    stream, train_words = agree(encode)
    if shared:
        train_words = cluster.settle_stream(stream, train_words)
    elif cluster is not None:
        stream, train_words = cluster.slice_stream(stream)
    return _checked(PreparedCorpus(vocab, stream, train_words, tokens,
                                   [truncation_note(truncated)] if truncated else []))


def encode_pass(pieces: Sequence[tuple], out_path, threads: int, max_vocab: int) -> "native.StreamCounter":
    """The one encode loop: count ``pieces`` ((path, start, end, whether end is
    the file's end) ranges, in order) with a StreamCounter and write each
    token's provisional id to ``out_path``; returns the counter."""
    with native.StreamCounter(threads, max_vocab) as counter:
        try:
            with open(out_path, "wb") as out:
                for i, (path, start, end, ends_file) in enumerate(pieces):
                    last = 10  # a newline: an empty piece needs no sentence end
                    for block in sources.iter_blocks(path, start, end):
                        for ids in counter.feed(block):
                            out.write(memoryview(ids))
                        last = block[-1]
                    for ids in counter.finish():
                        out.write(memoryview(ids))
                    if ends_file and i + 1 < len(pieces) and last != 10:  # sentences never cross files
                        out.write(np.array([SENTENCE_END], np.int32).tobytes())
        except OSError as exc:
            raise W2VError(f"cannot read the corpus or write its id stream to {out_path}: "
                           f"{exc.strerror or exc}") from None
    return counter


def table_vocab(table, min_count: int, max_vocab: int, vocab, source: str):
    """The vocabulary of a counted word table (or ``vocab``, fixed: its words get
    its ids) as (vocab, the table rows' ids in it, words cut at MAX_WORD_BYTES).
    ``vocab`` may also be a function of the table's own vocabulary (every word,
    uncut by ``min_count``) that returns the one to use: continued training's union."""
    if callable(vocab):
        vocab = vocab(native.build_vocab(table, 1, max_vocab, MAX_WORD_BYTES)[0])
    if vocab is not None:
        row_ids = native.vocab_row_ids(table, vocab, MAX_WORD_BYTES)
        return vocab, row_ids, int(np.count_nonzero(np.diff(table.arrays()[1]) > MAX_WORD_BYTES))
    built, row_ids, truncated, best = native.build_vocab(table, min_count, max_vocab, MAX_WORD_BYTES)
    if not len(built):
        raise W2VError(f"no word in {source} occurs at least --min-count={min_count} times "
                       f"(the most frequent occurs {best} times)")
    return built, row_ids, truncated


def _prepare_sentences(corpus, min_count: int, max_vocab: int, vocab, cluster) -> PreparedCorpus:
    """Passes 1 and 2 over in-memory token lists (the reference reader); under
    MPI every rank reads them all and keeps its slice of the stream."""
    sentences = reference.as_byte_sentences(corpus)
    counted = count_sentences(sentences, min_count, max_vocab, vocab)
    stream, train_words = reference.encode_tokens(sentences(), counted)
    if cluster is not None:
        stream, train_words = cluster.slice_stream(stream)
    notes = [truncation_note(counted.truncated)] if counted.truncated else []
    return _checked(PreparedCorpus(counted.vocab, np.asarray(stream), train_words, counted.tokens, notes))


def _checked(prepared: PreparedCorpus) -> PreparedCorpus:
    if prepared.train_words == 0:
        raise W2VError("no word of the vocabulary occurs in the corpus")
    return prepared


def count_sentences(sentences, min_count: int, max_vocab: int, vocab: Optional[object] = None):
    """Pass 1 over token lists (``sentences()`` gives a fresh iterator), with
    ``vocab`` as :func:`table_vocab` takes it (None, a Vocab, or a function of
    the corpus's whole vocabulary)."""
    choose = callable(vocab)
    counted = reference.count_tokens(sentences(), 1 if choose else min_count, max_vocab, source="corpus")
    if choose:
        vocab = vocab(counted.vocab)
    return counted if vocab is None else with_vocab(counted, vocab)


def with_vocab(counted, vocab: Vocab):
    """Train with a vocabulary read from a file (``--read-vocab``): its words and
    counts decide ids, noise and subsampling; corpus words outside it are dropped."""
    lookup = {}
    for raw, i in counted.lookup.items():
        j = vocab.index.get(counted.vocab.words[i])
        if j is not None:
            lookup[raw] = j
    return reference.CountResult(vocab, counted.tokens, lookup, counted.truncated)
