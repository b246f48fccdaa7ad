"""The corpus reader's library: count words of byte blocks in parallel, merge
the counts, build the vocabulary, turn provisional ids into final ones.

- :class:`WordTable` holds counted words as bytes (an arena) with their counts, in
  order of first appearance; tables merge (:meth:`WordTable.merge`), and a table
  travels as three flat arrays (:meth:`WordTable.arrays`, :meth:`WordTable.from_arrays`),
  so ranks or shards that counted parts of a corpus can combine their counts.
- :func:`count_bytes` counts one byte range on several threads (each thread a
  piece cut at whitespace, its own table; the tables merged in corpus order).
- :class:`StreamCounter` counts a corpus block by block and writes the id of
  each token's table entry; :func:`build_vocab` turns a table into the
  vocabulary and tells each row its final id (or that it is dropped).

The tokenisation rules are the reference reader's (corpus/reference.py), which
the tests use as the oracle.  Numba kernels are in corpus/kernels/ (hashtable,
tokenize, words); this module only orchestrates them, and corpus/pipeline.py
drives it.
"""

from __future__ import annotations

from concurrent.futures import Future, ThreadPoolExecutor
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np

from .kernels import hashtable as ht
from .kernels.tokenize import count_range, next_space, relabel
from .kernels.words import join_rows, plain_rows
from .vocab import Vocab

# A block is split between threads only if each piece gets at least this much
# (the tests lower it to put thread boundaries everywhere).
MIN_PIECE_BYTES = 1 << 20
DROPPED = -2


class WordTable:
    """Words (bytes) and their counts, in order of first appearance."""

    def __init__(self, rows: int = 1024, arena_bytes: int = 1 << 16):
        self.slots, self.hashes, self.offsets, self.counts, self.arena = ht.new_table(rows, arena_bytes)
        self.n = 0

    @classmethod
    def from_parts(cls, n, hashes, offsets, counts, arena) -> "WordTable":
        """A table from the arrays a kernel returned (slots rebuilt)."""
        t = cls.__new__(cls)
        t.n, t.hashes, t.offsets, t.counts, t.arena = n, hashes, offsets, counts, arena
        cap = 32
        while cap < 2 * n:
            cap *= 2
        t.slots = ht.rehash(hashes, n, cap)
        return t

    @classmethod
    def from_arrays(cls, arena: np.ndarray, offsets: np.ndarray, counts: np.ndarray) -> "WordTable":
        """A table from :meth:`arrays` output (e.g. received from another rank);
        the words must be distinct."""
        n = len(counts)
        offsets = np.ascontiguousarray(offsets, np.int64)
        arena = np.ascontiguousarray(arena, np.uint8)
        hashes = ht.hash_rows(arena, offsets, n)
        return cls.from_parts(n, hashes, offsets.copy(), np.array(counts, np.int64), arena.copy())

    @classmethod
    def from_words(cls, words: Sequence[bytes], counts: Optional[Sequence[int]] = None) -> "WordTable":
        """A table of distinct byte strings (counts default to 1)."""
        arena, offsets = _pack(words)
        counts = np.ones(len(words), np.int64) if counts is None else np.asarray(counts, np.int64)
        return cls.from_arrays(arena, offsets, counts)

    def arrays(self) -> Tuple[np.ndarray, np.ndarray, np.ndarray]:
        """``(arena, offsets, counts)``: word ``r`` is ``arena[offsets[r]:offsets[r + 1]]``."""
        n = self.n
        return self.arena[:self.offsets[n]], self.offsets[:n + 1], self.counts[:n]

    def __len__(self) -> int:
        return self.n

    def word(self, r: int) -> bytes:
        return self.arena[self.offsets[r]:self.offsets[r + 1]].tobytes()

    def words(self) -> List[bytes]:
        return [self.word(r) for r in range(self.n)]

    def merge(self, other: "WordTable") -> np.ndarray:
        """Add ``other``'s words and counts (new words go at the end, in
        ``other``'s order); returns each of ``other``'s rows' row here."""
        (self.slots, self.hashes, self.offsets, self.counts, self.arena, self.n, where) = ht.merge_into(
            self.slots, self.hashes, self.offsets, self.counts, self.arena, self.n,
            other.arena, other.offsets, other.hashes, other.counts, other.n)
        return where

    def keep(self, mask: np.ndarray) -> None:
        """Keep only the rows where ``mask`` is true (order kept)."""
        self.n, self.slots = ht.compact(self.hashes, self.offsets, self.counts, self.arena, self.n,
                                        np.ascontiguousarray(mask, np.bool_))

    def lookup(self, words: Sequence[bytes]) -> np.ndarray:
        """Row of each word, -1 where absent."""
        arena, offsets = _pack(words)
        return ht.lookup_many(self.slots, self.hashes, self.offsets, self.arena, arena, offsets)


def _pack(words: Sequence[bytes]) -> Tuple[np.ndarray, np.ndarray]:
    """Byte strings as (arena, offsets)."""
    lengths = np.fromiter((len(w) for w in words), np.int64, len(words))
    offsets = np.zeros(len(words) + 1, np.int64)
    np.cumsum(lengths, out=offsets[1:])
    return np.frombuffer(b"".join(words), np.uint8) if len(words) else np.zeros(0, np.uint8), offsets


def split_points(buf: np.ndarray, pieces: int) -> List[int]:
    """Cut ``buf`` into up to ``pieces`` ranges of similar size, each cut at
    whitespace (so no word is split); returns the boundaries, 0 .. len(buf)."""
    size = len(buf)
    pieces = max(1, min(pieces, size // max(MIN_PIECE_BYTES, 1)))
    bounds = [0]
    for t in range(1, pieces):
        p = int(next_space(buf, max(size * t // pieces, bounds[-1]), size))
        bounds.append(p)
    bounds.append(size)
    return bounds


def _count_piece(buf, lo, hi, out=None):
    if out is None or len(out) < hi - lo:
        out = np.empty(max(hi - lo, 1), np.int32)
    rows_hint = min(max((hi - lo) // 64, 256), 1 << 18)
    k, tokens, n, hashes, offsets, counts, arena = count_range(buf, lo, hi, out, rows_hint)
    return out[:k], tokens, WordTable.from_parts(n, hashes, offsets, counts, arena)


def count_pieces(buf: np.ndarray, threads: int = 1, pool: Optional[ThreadPoolExecutor] = None,
                 outs: Optional[List[np.ndarray]] = None):
    """Count ``buf`` (uint8) in pieces, one per thread.  Returns a list, in
    corpus order, of ``(ids, tokens, table)`` per piece: the piece's provisional
    ids (rows of its table, -1 at newlines), its word count and its table.
    ``outs`` (one per thread) are buffers for the ids, grown here as needed and
    kept by the caller for the next block: freeing and reallocating tens of MB
    per block would let glibc's heap keep them resident (its mmap threshold adapts)."""
    bounds = split_points(buf, threads)
    jobs = []
    for t, (lo, hi) in enumerate(zip(bounds[:-1], bounds[1:])):
        if outs is not None and len(outs[t]) < hi - lo:
            outs[t] = np.empty(max(hi - lo, len(outs[t]) * 5 // 4), np.int32)
        jobs.append((lo, hi, outs[t] if outs is not None else None))
    if len(jobs) == 1 or pool is None:
        return [_count_piece(buf, *job) for job in jobs]
    return list(pool.map(lambda job: _count_piece(buf, *job), jobs))


def count_bytes(buf: np.ndarray, threads: int = 1) -> Tuple[WordTable, int]:
    """Count the words of a byte range (uint8 array) on ``threads`` threads.
    Returns the merged table (words in order of first appearance) and the
    number of tokens."""
    buf = np.ascontiguousarray(buf, np.uint8)
    with ThreadPoolExecutor(max(threads, 1)) as pool:
        parts = count_pieces(buf, threads, pool)
    table = WordTable()
    tokens = 0
    for _, n_tokens, part in parts:
        table.merge(part)
        tokens += n_tokens
    return table, tokens


class StreamCounter:
    """Counts a corpus fed block by block, and gives each token the id of its
    word's *entry*: entry ids are never reused, so ids written before a prune
    stay valid (the pruned entries simply map to nothing).

    Pruning (``max_vocab``) follows word2vec.c's ReduceVocab at block
    granularity: after each block, if the table holds more than ``max_vocab``
    words, those counted at most ``min_reduce`` times are forgotten and
    ``min_reduce`` grows by one.  A forgotten word that comes back is counted
    afresh under a new entry, so the occurrences counted before it was
    forgotten are not in the id stream: a word's count is always the number of
    its occurrences in the stream.
    """

    def __init__(self, threads: int = 1, max_vocab: int = 0):
        self.threads = max(1, threads)
        self.max_vocab = max_vocab
        self.table = WordTable()
        self.entry = np.zeros(1024, np.int32)  # entry id of each table row
        self.entries = 0  # entry ids handed out so far
        self.tokens = 0
        self.min_reduce = 1
        # One thread drives a block (it waits for the piece counters, so it needs a
        # pool of its own to avoid starving them).
        self._pool = ThreadPoolExecutor(1) if self.threads > 1 else None
        self._pool_inner = ThreadPoolExecutor(self.threads) if self.threads > 1 else None
        self._outs = [[np.zeros(0, np.int32) for _ in range(self.threads)] for _ in range(2)]
        self._pending = None
        self._blocks = 0

    def close(self) -> None:
        for pool in (self._pool, self._pool_inner):
            if pool is not None:
                pool.shutdown(wait=True)
        self._pool = self._pool_inner = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def feed(self, buf: np.ndarray) -> List[np.ndarray]:
        """Count one block (uint8), which must stay unchanged until the next
        :meth:`feed` or :meth:`finish` returns: the threads count it meanwhile.
        Returns the entry ids (int32, -1 at newlines) of the *previous* block,
        in corpus order, as a list of arrays; :meth:`finish` returns the last
        block's.  While the threads count a block, the caller's thread merges
        the previous block's tables into the corpus table, writes its ids and
        reads the next block (two sets of id buffers alternate)."""
        self._blocks += 1
        outs = self._outs[self._blocks % 2]
        if self._pool is None:
            counted = count_pieces(buf, 1, None, outs)
            done = self._merge(self._pending)
            self._pending = counted
            return done
        previous = self._pending.result() if self._pending is not None else None
        self._pending = self._pool.submit(count_pieces, buf, self.threads, self._pool_inner, outs)
        return self._merge(previous)

    def finish(self) -> List[np.ndarray]:
        """The entry ids of the last block fed (see :meth:`feed`)."""
        pending, self._pending = self._pending, None
        return self._merge(pending.result() if isinstance(pending, Future) else pending)

    def _merge(self, counted) -> List[np.ndarray]:
        out = []
        for ids, tokens, part in counted or ():
            before = self.table.n
            where = self.table.merge(part)
            added = self.table.n - before
            if self.table.n > len(self.entry):
                self.entry = np.concatenate([self.entry, np.zeros(max(self.table.n, len(self.entry)), np.int32)])
            self.entry[before:self.table.n] = np.arange(self.entries, self.entries + added, dtype=np.int32)
            self.entries += added
            relabel(ids, len(ids), where, self.entry)
            self.tokens += tokens
            out.append(ids)
        if counted and self.max_vocab and self.table.n > self.max_vocab:
            keep = self.table.counts[:self.table.n] > self.min_reduce
            self.entry = np.ascontiguousarray(self.entry[:self.table.n][keep])
            self.table.keep(keep)
            self.min_reduce += 1
        return out

    def entry_ids(self, row_ids: np.ndarray) -> np.ndarray:
        """Final id of every entry, from the final id of every table row."""
        remap = np.full(max(self.entries, 1), DROPPED, np.int32)
        remap[self.entry[:self.table.n]] = row_ids
        return remap


def _texts_of_odd_rows(table: WordTable, rows: np.ndarray) -> List[str]:
    from .text import text_of
    return [text_of(table.word(int(r))) for r in rows]


def build_vocab(table: WordTable, min_count: int, max_vocab: int, max_bytes: int
                ) -> Tuple[Vocab, np.ndarray, int, int]:
    """The vocabulary of a counted table, by the Python reader's rules.

    Returns ``(vocab, row_ids, truncated, best)``: ``row_ids[r]`` is row ``r``'s
    id in the vocabulary or -2; ``truncated`` is how many rows are longer than
    ``max_bytes``; ``best`` the highest count of any word (for messages).
    """
    n = table.n
    arena, offsets, counts = table.arrays()
    rows = np.arange(n)
    plain = plain_rows(table.arena, table.offsets, n, max_bytes)
    truncated = int(np.count_nonzero(np.diff(offsets) > max_bytes))
    # Each row's words count towards a key: its own row when plain, else the plain
    # row its string equals, else a group of rows sharing one string (key n + g).
    key = rows.copy()
    odd = np.flatnonzero(~plain)
    group_texts: List[str] = []
    if len(odd):
        texts = _texts_of_odd_rows(table, odd)
        hits = table.lookup([t.encode("utf-8", "surrogatepass") for t in texts])
        groups: Dict[str, int] = {}
        for r, t, h in zip(odd.tolist(), texts, hits.tolist()):
            if h >= 0 and plain[h]:
                key[r] = h
            else:
                g = groups.setdefault(t, len(groups))
                key[r] = n + g
        group_texts = list(groups)
    n_keys = n + len(group_texts)
    # Totals and first appearances per key; only odd rows move (np.add.at is exact but slow).
    total = np.zeros(n_keys, np.int64)
    total[:n] = counts
    order = np.full(n_keys, n, np.int64)
    order[:n] = rows
    if len(odd):
        total[odd] = 0
        order[odd] = n
        np.add.at(total, key[odd], counts[odd])
        np.minimum.at(order, key[odd], odd)
    best = int(total.max()) if n_keys else 0
    cand = np.flatnonzero(total >= min_count)
    cand = cand[np.lexsort((order[cand], -total[cand]))]
    if max_vocab and len(cand) > max_vocab:
        cand = cand[:max_vocab]
    words: List[str] = [""] * len(cand)
    is_row = cand < n
    plain_pos = np.flatnonzero(is_row)
    if len(plain_pos):
        joined = join_rows(table.arena, table.offsets, cand[plain_pos]).tobytes().decode("utf-8")
        for p, w in zip(plain_pos.tolist(), joined.split("\n")):
            words[p] = w
    for p in np.flatnonzero(~is_row).tolist():
        words[p] = group_texts[int(cand[p]) - n]
    final = np.full(n_keys, DROPPED, np.int32)
    final[cand] = np.arange(len(cand), dtype=np.int32)
    return Vocab(words, total[cand]), final[key] if n else np.zeros(0, np.int32), truncated, best


def vocab_row_ids(table: WordTable, vocab: Vocab, max_bytes: int) -> np.ndarray:
    """Each row's id in a given vocabulary (``--read-vocab``), -2 where its
    string is not in it."""
    n = table.n
    plain = plain_rows(table.arena, table.offsets, n, max_bytes)
    row_ids = np.full(n, DROPPED, np.int32)
    hits = table.lookup([w.encode("utf-8", "surrogatepass") for w in vocab.words])
    found = hits >= 0
    rows = hits[found]
    ok = plain[rows]
    row_ids[rows[ok]] = np.flatnonzero(found)[ok]
    odd = np.flatnonzero(~plain)
    for r, t in zip(odd.tolist(), _texts_of_odd_rows(table, odd)):
        row_ids[r] = vocab.index.get(t, DROPPED)
    return row_ids
