"""The pure-Python corpus reader: the reference the tests hold the native
reader (``corpus.native``, driven by ``corpus.pipeline``) to, and the reader of
in-memory sentences (token lists).

It follows the same rules (``corpus.text``): :func:`iter_chunks` cuts a file
where :func:`~w2v_cli.corpus.sources.iter_blocks` does, :func:`count_words`
and :func:`encode_corpus` are passes 1 and 2 over a file, :func:`count_tokens`
and :func:`encode_tokens` over token lists.
"""

from __future__ import annotations

import collections
import lzma
import os
import zlib
from typing import Callable, Dict, Iterable, Iterator, List, Optional, Sequence, Tuple

import numpy as np

from . import sources
from .sources import open_corpus
from .stream import map_stream
from .text import MAX_WORD_BYTES, SENTENCE_END, text_of
from .vocab import Vocab
from ..errors import W2VError

# word2vec.c grows its hash table to 30 M slots and prunes at 70 % full.
DEFAULT_MAX_VOCAB = 21_000_000


def iter_chunks(path, start: int = 0, end: Optional[int] = None) -> Iterator[bytes]:
    """Yield pieces of the corpus that each end on a word boundary.

    A piece ends after its last newline if it has one, else after its last
    whitespace; the remainder is carried into the next piece.  A single word
    longer than a chunk is cut there (it is truncated to MAX_WORD_BYTES anyway).
    ``start`` and ``end`` (uncompressed files only) read bytes [start, end).
    """
    path = os.fspath(path)
    chunk = sources.CHUNK_BYTES  # read at call time: the tests shrink it
    try:
        with open_corpus(path) as fh:
            if start:
                fh.seek(start)
            left = end - start if end is not None else -1
            carry = b""
            while left:
                block = fh.read(chunk if left < 0 else min(chunk, left))
                left -= len(block) if left > 0 else 0
                if not block:
                    break
                data = carry + block
                cut = data.rfind(b"\n") + 1
                if cut == 0:
                    cut = max(data.rfind(b" "), data.rfind(b"\t"), data.rfind(b"\r")) + 1
                if cut == 0:
                    cut = len(data) if len(data) > chunk else 0
                carry = data[cut:]
                if cut:
                    yield data[:cut]
            if carry:
                yield carry
    except (OSError, EOFError, lzma.LZMAError, zlib.error, ValueError) as exc:
        # Truncated or corrupt compressed files land here (a damaged deflate stream
        # raises zlib.error, which is not an OSError), as do read errors.
        raise W2VError(f"cannot read corpus {path}: {getattr(exc, 'strerror', None) or exc}") from None

class CountResult:
    """What pass 1 learned: the vocabulary plus facts worth reporting."""

    def __init__(self, vocab: Vocab, tokens: int, lookup: Dict[bytes, int], truncated: int):
        self.vocab = vocab
        self.tokens = tokens  # all tokens in the corpus, in vocabulary or not
        self.lookup = lookup  # raw bytes -> id, for pass 2
        self.truncated = truncated  # distinct words cut to MAX_WORD_BYTES


def _prune(counts: Dict[bytes, int], min_reduce: int) -> None:
    """word2vec.c's ReduceVocab: forget words seen at most ``min_reduce`` times."""
    for w in [w for w, c in counts.items() if c <= min_reduce]:
        del counts[w]


def count_tokens(token_lists: Iterable[Sequence[bytes]], min_count: int = 5,
                 max_vocab: int = DEFAULT_MAX_VOCAB, source: str = "corpus") -> CountResult:
    """Pass 1 over any iterable of byte-token lists."""
    counts, tokens = tally_tokens(token_lists, max_vocab)
    return count_result(counts, tokens, min_count, max_vocab, source)


def tally_tokens(token_lists: Iterable[Sequence[bytes]], max_vocab: int = DEFAULT_MAX_VOCAB):
    """Raw counts: ({word bytes: count} in order of first appearance, tokens).
    Counts of consecutive pieces of a corpus merge by adding them in order
    (``Counter.update``), which keeps that order."""
    counts: Dict[bytes, int] = collections.Counter()
    tokens = 0
    min_reduce = 1
    for toks in token_lists:
        tokens += len(toks)
        counts.update(toks)  # Counter's C loop: several times a Python loop's speed
        if max_vocab and len(counts) > max_vocab:
            _prune(counts, min_reduce)
            min_reduce += 1
    return counts, tokens


def count_result(counts: Dict[bytes, int], tokens: int, min_count: int = 5,
                 max_vocab: int = DEFAULT_MAX_VOCAB, source: str = "corpus") -> CountResult:
    """The vocabulary (and the raw-word lookup pass 2 needs) from raw counts."""
    if tokens == 0:
        raise W2VError(f"{source} is empty: it has no words")

    # Merge over-long words into their truncation and decode each distinct word once.
    by_text: Dict[str, int] = {}
    raw_of: Dict[bytes, str] = {}
    truncated = 0
    for raw, c in counts.items():
        truncated += len(raw) > MAX_WORD_BYTES
        text = text_of(raw)
        raw_of[raw] = text
        by_text[text] = by_text.get(text, 0) + c
    vocab = Vocab.from_counts(by_text, min_count=min_count, max_vocab=max_vocab)
    if not len(vocab):
        best = max(by_text.values())
        raise W2VError(f"no word in {source} occurs at least --min-count={min_count} times (the most frequent occurs {best} times)")
    lookup = {raw: vocab.index[t] for raw, t in raw_of.items() if t in vocab.index}
    return CountResult(vocab, tokens, lookup, truncated)


def count_words(path, min_count: int = 5, max_vocab: int = DEFAULT_MAX_VOCAB) -> CountResult:
    """Pass 1 over a corpus file."""
    return count_tokens((chunk.split() for chunk in iter_chunks(path)), min_count, max_vocab, source=f"corpus {os.fspath(path)}")


def _encode_lines(lines: Iterable[bytes], lookup: Dict[bytes, int], trailing_break: bool) -> np.ndarray:
    get = lookup.get
    out: List[int] = []
    append, extend = out.append, out.extend
    for line in lines:
        extend([get(t, -2) for t in line.split()])
        append(SENTENCE_END)
    if not trailing_break and out:
        out.pop()
    arr = np.array(out, dtype=np.int32)
    return arr[arr != -2]


def encode_corpus(path, counted: CountResult, out_path) -> Tuple[np.ndarray, int]:
    """Pass 2: write the id stream of ``path`` to ``out_path``; return it memory-mapped
    and the number of word tokens in it."""
    return encode_chunks(iter_chunks(path), counted, out_path)


def encode_chunks(chunks: Iterable[bytes], counted: CountResult, out_path) -> Tuple[np.ndarray, int]:
    """:func:`encode_corpus` over pieces of text that each end on a word boundary."""
    n_words = 0
    n_items = 0
    try:
        with open(out_path, "wb") as out:
            for chunk in chunks:
                lines = chunk.split(b"\n")
                ends_line = chunk.endswith(b"\n")
                if ends_line:
                    lines.pop()  # the empty piece after the final newline
                ids = _encode_lines(lines, counted.lookup, trailing_break=ends_line)
                ids.tofile(out)
                n_items += len(ids)
                n_words += int(np.count_nonzero(ids >= 0))
    except OSError as exc:
        raise W2VError(f"cannot write the encoded corpus to {out_path}: {exc.strerror or exc}") from None
    return map_stream(out_path, n_items), n_words

def encode_tokens(token_lists: Iterable[Sequence[bytes]], counted: CountResult) -> Tuple[np.ndarray, int]:
    """Pass 2 for an in-memory corpus (each token list is one sentence)."""
    parts = []
    get = counted.lookup.get
    for toks in token_lists:
        ids = np.array([get(t, -2) for t in toks] + [SENTENCE_END], dtype=np.int32)
        parts.append(ids[ids != -2])
    stream = np.concatenate(parts) if parts else np.zeros(0, np.int32)
    return stream, int(np.count_nonzero(stream >= 0))

def as_byte_sentences(sentences: Iterable[Iterable[str]]) -> Callable[[], Iterator[List[bytes]]]:
    """Wrap an iterable of token lists (str or bytes) for the two passes.

    Returns a function producing a fresh iterator, so a re-iterable input
    (a list, or a gensim-style corpus object) can be read twice.
    """
    def gen() -> Iterator[List[bytes]]:
        for sent in sentences:
            yield [t.encode("utf-8") if isinstance(t, str) else bytes(t) for t in sent]
    return gen
