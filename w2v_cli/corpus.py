"""Reading a corpus: open (plain, .gz, .bz2, .xz), tokenise, count, encode.

A corpus is bytes, in one file or several (directories stand for their files in
sorted order).  Words are runs of non-whitespace (ASCII whitespace, as
word2vec.c); a newline ends a sentence, and so does the end of a file when more
files follow.  Files are read in fixed-size chunks, so a corpus that is one
100 MB line costs no more memory than one with short lines.

:func:`prepare_stream` reads the text once: Numba kernels (corpus_native.py)
count each chunk on all threads and write every token's provisional id to disk;
once the vocabulary is known one vectorised pass over that file turns it in place
into the flat int32 id stream, with ``SENTENCE_END`` between sentences and
out-of-vocabulary words dropped.  Every epoch replays that stream through a
memory map.

Words are counted as bytes and decoded once per distinct word (UTF-8, undecodable
bytes replaced by U+FFFD), which is both fast and safe on garbage input.

The pure-Python reader (:func:`count_words`, :func:`encode_corpus`) is the
reference the tests hold the native one to, and reads in-memory sentences.
"""

from __future__ import annotations

import bz2
import codecs
import collections
import gzip
import lzma
import mmap
import os
import stat
import zlib
from typing import BinaryIO, Callable, Dict, Iterable, Iterator, List, Optional, Sequence, Tuple

import numpy as np

from .errors import W2VError
from .vocab import Vocab

SENTENCE_END = -1
# word2vec.c's MAX_STRING is 100 bytes including the terminator; longer words are cut.
MAX_WORD_BYTES = 99
CHUNK_BYTES = 1 << 22
# word2vec.c grows its hash table to 30 M slots and prunes at 70 % full.
DEFAULT_MAX_VOCAB = 21_000_000

_OPENERS = {".gz": gzip.open, ".bz2": bz2.open, ".xz": lzma.open, ".lzma": lzma.open}


def open_corpus(path) -> BinaryIO:
    """Open a corpus file for binary reading, decompressing by extension."""
    path = os.fspath(path)
    if os.path.isdir(path):
        raise W2VError(f"corpus {path} is a directory, not a file")
    if not os.path.exists(path):
        raise W2VError(f"corpus {path} does not exist")
    try:
        regular = stat.S_ISREG(os.stat(path).st_mode)
    except OSError as exc:
        raise W2VError(f"cannot read corpus {path}: {exc.strerror or exc}") from None
    if not regular:
        # A pipe would be empty on the second pass, /dev/zero never ends.
        raise W2VError(f"corpus {path} is not a regular file (a pipe or a device?); "
                       "w2v reads the corpus twice, so save it to a file first")
    opener = _OPENERS.get(os.path.splitext(path)[1].lower(), open)
    try:
        return opener(path, "rb")
    except OSError as exc:
        raise W2VError(f"cannot read corpus {path}: {exc.strerror or exc}") from None


def corpus_files(corpus) -> Optional[List[str]]:
    """The paths named by ``corpus`` (a path, or a list or tuple of paths), or
    None when it is something else (an iterable of sentences)."""
    if isinstance(corpus, (str, bytes, os.PathLike)):
        return [os.fsdecode(corpus)]
    if isinstance(corpus, (list, tuple)) and corpus and all(isinstance(p, (str, bytes, os.PathLike)) for p in corpus):
        return [os.fsdecode(p) for p in corpus]
    return None


def resolve_files(paths: Sequence[str]) -> List[str]:
    """Expand directories to their files (sorted by name; hidden files and
    subdirectories skipped) and check that every file can be read, so that a
    bad file among many is reported before any work is done."""
    files: List[str] = []
    for path in paths:
        path = os.fspath(path)
        if not os.path.isdir(path):
            files.append(path)
            continue
        try:
            names = sorted(os.listdir(path))
        except OSError as exc:
            raise W2VError(f"cannot read corpus directory {path}: {exc.strerror or exc}") from None
        inside = [os.path.join(path, n) for n in names
                  if not n.startswith(".") and not os.path.isdir(os.path.join(path, n))]
        if not inside:
            raise W2VError(f"corpus directory {path} has no files")
        files.extend(inside)
    for path in files:
        open_corpus(path).close()
    return files


def _source(files: Sequence[str]) -> str:
    return f"corpus {files[0]}" if len(files) == 1 else f"corpus ({len(files)} files: {files[0]} ...)"


def iter_chunks(path, start: int = 0, end: Optional[int] = None) -> Iterator[bytes]:
    """Yield pieces of the corpus that each end on a word boundary.

    A piece ends after its last newline if it has one, else after its last
    whitespace; the remainder is carried into the next piece.  A single word
    longer than a chunk is cut there (it is truncated to MAX_WORD_BYTES anyway).
    ``start`` and ``end`` (uncompressed files only) read bytes [start, end).
    """
    path = os.fspath(path)
    try:
        with open_corpus(path) as fh:
            if start:
                fh.seek(start)
            left = end - start if end is not None else -1
            carry = b""
            while left:
                block = fh.read(CHUNK_BYTES if left < 0 else min(CHUNK_BYTES, left))
                left -= len(block) if left > 0 else 0
                if not block:
                    break
                data = carry + block
                cut = data.rfind(b"\n") + 1
                if cut == 0:
                    cut = max(data.rfind(b" "), data.rfind(b"\t"), data.rfind(b"\r")) + 1
                if cut == 0:
                    cut = len(data) if len(data) > CHUNK_BYTES else 0
                carry = data[cut:]
                if cut:
                    yield data[:cut]
            if carry:
                yield carry
    except (OSError, EOFError, lzma.LZMAError, zlib.error, ValueError) as exc:
        # Truncated or corrupt compressed files land here (a damaged deflate stream
        # raises zlib.error, which is not an OSError), as do read errors.
        raise W2VError(f"cannot read corpus {path}: {getattr(exc, 'strerror', None) or exc}") from None


def iter_blocks(path) -> Iterator[np.ndarray]:
    """The pieces of :func:`iter_chunks`, cut at the same places, as uint8 views
    of two buffers used in turn: each piece stays valid while the next one is
    read (the native reader counts it meanwhile) and no longer; no bytes
    object is made per chunk."""
    from .kernels.tokenize import chunk_cut

    path = os.fspath(path)
    chunk = CHUNK_BYTES
    bufs = [np.empty(2 * chunk + 1, np.uint8), np.empty(2 * chunk + 1, np.uint8)]
    which = 0
    buf = bufs[which]
    n = 0  # buf[:n]: bytes read but not yet handed out
    try:
        with open_corpus(path) as fh:
            while True:
                if len(buf) < n + chunk:
                    grown = np.empty(2 * (n + chunk), np.uint8)
                    grown[:n] = buf[:n]
                    buf = bufs[which] = grown
                got = _read_full(fh, buf[n:n + chunk])
                if not got:
                    break
                n += got
                cut = int(chunk_cut(buf, n, chunk))
                if cut:
                    yield buf[:cut]
                    # The other buffer's piece was handed out two pieces ago: it is free.
                    which ^= 1
                    carry = n - cut
                    if len(bufs[which]) < carry + chunk:
                        bufs[which] = np.empty(2 * (carry + chunk), np.uint8)
                    bufs[which][:carry] = buf[cut:n]
                    buf, n = bufs[which], carry
            if n:
                yield buf[:n]
    except (OSError, EOFError, lzma.LZMAError, zlib.error, ValueError) as exc:
        raise W2VError(f"cannot read corpus {path}: {getattr(exc, 'strerror', None) or exc}") from None


def _read_full(fh, view: np.ndarray) -> int:
    """Fill ``view`` from ``fh`` (as ``fh.read(len(view))`` would: short only at
    the end of the file); returns the number of bytes read."""
    mv = memoryview(view)
    got = 0
    while got < len(view):
        n = fh.readinto(mv[got:])
        if not n:
            break
        got += n
    return got


def text_of(raw: bytes) -> str:
    """The vocabulary string of a counted word: cut to MAX_WORD_BYTES (without
    splitting a UTF-8 sequence), then decoded."""
    if len(raw) > MAX_WORD_BYTES:
        # Drop a UTF-8 sequence the cut split in two rather than leave a U+FFFD.
        raw = _utf8_prefix(raw[:MAX_WORD_BYTES])
    return _decode(raw)


def truncation_note(n: int) -> str:
    return (f"{n} distinct word{'s' if n > 1 else ''} longer than {MAX_WORD_BYTES} bytes "
            f"{'were' if n > 1 else 'was'} truncated to {MAX_WORD_BYTES} bytes, as word2vec.c does")


def _decode(word: bytes) -> str:
    text = word.decode("utf-8", errors="replace")
    # Unicode knows more whitespace than ASCII (NEL, U+2028, ...); a word must stay
    # one token for every reader of the text vector format.
    if len(text.split()) != 1 or text.split()[0] != text:
        text = "".join("\ufffd" if c.isspace() else c for c in text)
    return text


def _utf8_prefix(word: bytes) -> bytes:
    """``word`` without an incomplete UTF-8 sequence at its end (if that leaves
    anything; other invalid bytes stay and decode to U+FFFD)."""
    decoder = codecs.getincrementaldecoder("utf-8")("replace")
    decoder.decode(word, final=False)
    pending = len(decoder.getstate()[0])
    return word[:len(word) - pending] if 0 < pending < len(word) else word


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
    return _map(out_path, n_items), n_words


def prepare_stream(paths: Sequence[str], out_path, min_count: int = 5, max_vocab: int = DEFAULT_MAX_VOCAB,
                   vocab: Optional[Vocab] = None, threads: int = 1):
    """Read the corpus files once and write their id stream to ``out_path``.

    Counts with the native reader on ``threads`` threads (the result does not
    depend on it), builds the vocabulary (or uses ``vocab``: its words get its
    ids, other words are dropped; or a function choosing it: :func:`table_vocab`), and returns ``(vocab, stream, train_words,
    tokens, notes)``: the stream memory-mapped, the number of word tokens in
    it, the number of tokens in the corpus, and notes for the user.
    """
    from . import corpus_native as native

    files = resolve_files(paths)
    source = _source(files)
    with native.StreamCounter(threads, max_vocab) as counter:
        try:
            with open(out_path, "wb") as out:
                for i, path in enumerate(files):
                    ends_line = True
                    for block in iter_blocks(path):
                        for ids in counter.feed(block):
                            out.write(memoryview(ids))
                        ends_line = block[-1] == 10
                    for ids in counter.finish():
                        out.write(memoryview(ids))
                    if not ends_line and i + 1 < len(files):  # sentences never cross files
                        out.write(np.array([SENTENCE_END], np.int32).tobytes())
        except OSError as exc:
            raise W2VError(f"cannot write the encoded corpus to {out_path}: {exc.strerror or exc}") from None
    if counter.tokens == 0:
        raise W2VError(f"{source} is empty: it has no words")
    vocab, row_ids, truncated = table_vocab(counter.table, min_count, max_vocab, vocab, source)
    try:
        n_items, train_words = _remap_file(out_path, counter.entry_ids(row_ids))
    except OSError as exc:
        raise W2VError(f"cannot write the encoded corpus to {out_path}: {exc.strerror or exc}") from None
    if train_words == 0:
        raise W2VError("no word of the vocabulary occurs in the corpus")
    notes = [truncation_note(truncated)] if truncated else []
    return vocab, _map(out_path, n_items), train_words, counter.tokens, notes


def table_vocab(table, min_count: int, max_vocab: int, vocab, source: str):
    """The vocabulary of a counted word table (or ``vocab``, fixed: its words get
    its ids) as (vocab, the table rows' ids in it, words cut at MAX_WORD_BYTES).
    ``vocab`` may also be a function of the table's own vocabulary (every word,
    uncut by ``min_count``) that returns the one to use: continued training's union."""
    from . import corpus_native as native

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


def _remap_file(path, remap: np.ndarray, block: int = 1 << 18) -> Tuple[int, int]:
    """Turn the provisional ids in ``path`` into final ones in place (dropped
    words left out); returns the number of items and of words left."""
    from .kernels.tokenize import remap_compact

    n_in = os.path.getsize(path) // 4
    ids = np.empty(block, np.int32)
    out = np.empty(block, np.int32)
    read = written = words = 0
    with open(path, "r+b") as fh:
        while read < n_in:
            n = min(block, n_in - read)
            fh.seek(4 * read)
            fh.readinto(memoryview(ids[:n]))
            m, k = remap_compact(ids[:n], remap, out)
            fh.seek(4 * written)  # never past the read position: in place is safe
            fh.write(memoryview(out[:m]))
            read += n
            written += m
            words += k
        fh.truncate(4 * written)
    return written, words


def encode_tokens(token_lists: Iterable[Sequence[bytes]], counted: CountResult) -> Tuple[np.ndarray, int]:
    """Pass 2 for an in-memory corpus (each token list is one sentence)."""
    parts = []
    get = counted.lookup.get
    for toks in token_lists:
        ids = np.array([get(t, -2) for t in toks] + [SENTENCE_END], dtype=np.int32)
        parts.append(ids[ids != -2])
    stream = np.concatenate(parts) if parts else np.zeros(0, np.int32)
    return stream, int(np.count_nonzero(stream >= 0))


def _map(path, n_items: int) -> np.ndarray:
    """The id stream as a read-only int32 array over a memory map (its ``base``)."""
    if n_items == 0:
        return np.zeros(0, dtype=np.int32)
    with open(path, "rb") as fh:
        mapping = mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ)
    return np.frombuffer(mapping, dtype=np.int32, count=n_items)


def release_pages(stream: np.ndarray) -> None:
    """Drop the id stream's pages from this process's resident set.

    They are clean pages of a file: the next read faults them back in from the
    page cache.  Called while training, it keeps resident memory bounded by the
    vocabulary instead of growing by 4 bytes per token of the corpus.
    """
    mapping = stream.base
    while mapping is not None and not isinstance(mapping, mmap.mmap):
        mapping = getattr(mapping, "obj", None) if isinstance(mapping, memoryview) else getattr(mapping, "base", None)
    if mapping is not None and hasattr(mmap, "MADV_DONTNEED"):
        mapping.madvise(mmap.MADV_DONTNEED)


def as_byte_sentences(sentences: Iterable[Iterable[str]]) -> Callable[[], Iterator[List[bytes]]]:
    """Wrap an iterable of token lists (str or bytes) for the two passes.

    Returns a function producing a fresh iterator, so a re-iterable input
    (a list, or a gensim-style corpus object) can be read twice.
    """
    def gen() -> Iterator[List[bytes]]:
        for sent in sentences:
            yield [t.encode("utf-8") if isinstance(t, str) else bytes(t) for t in sent]
    return gen
