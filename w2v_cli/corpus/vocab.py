"""The vocabulary: words, their counts, and the word -> id index.

Ids are assigned in descending count order (ties broken by first appearance), as
word2vec.c does, so id 0 is the most frequent word and output files list words
from most to least frequent.  Vocab files use word2vec.c's ``-save-vocab``
format: one ``word count`` pair per line.
"""

from __future__ import annotations

import os
from typing import Dict, Iterable, List, Tuple

import numpy as np

from ..atomic import atomic_write
from ..errors import W2VError

INT64_MAX = 2 ** 63 - 1  # counts, and their sum (Vocab.total), are int64


class Vocab:
    """An immutable vocabulary sorted by descending count."""

    def __init__(self, words: List[str], counts: Iterable[int]):
        self.words = list(words)
        try:
            self.counts = np.asarray(list(counts) if not isinstance(counts, np.ndarray) else counts, dtype=np.int64)
        except OverflowError:
            raise W2VError(f"a vocabulary count is beyond 2^63 - 1 ({INT64_MAX:,})") from None
        if len(self.words) != len(self.counts):
            raise ValueError("words and counts differ in length")
        self.index: Dict[str, int] = {w: i for i, w in enumerate(self.words)}
        if len(self.index) != len(self.words):
            raise W2VError("vocabulary has duplicate words")

    def __len__(self) -> int:
        return len(self.words)

    def __contains__(self, word: str) -> bool:
        return word in self.index

    @property
    def total(self) -> int:
        """Number of corpus tokens covered by the vocabulary."""
        return int(self.counts.sum())

    @classmethod
    def from_counts(cls, counts: Dict[str, int], min_count: int = 5, max_vocab: int = 0) -> "Vocab":
        """Keep words seen at least ``min_count`` times; then, if ``max_vocab`` > 0,
        only the ``max_vocab`` most frequent of them."""
        kept: List[Tuple[str, int]] = [(w, c) for w, c in counts.items() if c >= min_count]
        # Python's sort is stable and dicts keep insertion order, so equal counts
        # stay in order of first appearance: the result is deterministic.
        kept.sort(key=lambda wc: -wc[1])
        if max_vocab and len(kept) > max_vocab:
            kept = kept[:max_vocab]
        return cls([w for w, _ in kept], [c for _, c in kept])

    def save(self, path) -> None:
        with atomic_write(path, "w") as fh:
            for w, c in zip(self.words, self.counts.tolist()):
                fh.write(f"{w} {c}\n")

    @classmethod
    def load(cls, path, min_count: int = 1, max_vocab: int = 0) -> "Vocab":
        """Read a word2vec.c vocab file (``word count`` per line)."""
        path = os.fspath(path)
        counts: Dict[str, int] = {}
        total = 0
        try:
            with open(path, "r", encoding="utf-8", errors="replace") as fh:
                for lineno, line in enumerate(fh, 1):
                    parts = line.split()
                    if not parts:
                        continue
                    if len(parts) != 2:
                        raise W2VError(f"{path}, line {lineno}: expected 'word count', got {line.strip()[:60]!r}")
                    try:
                        c = int(parts[1])
                    except ValueError:
                        raise W2VError(f"{path}, line {lineno}: count {parts[1][:30]!r} is not an integer") from None
                    if c < 0:
                        raise W2VError(f"{path}, line {lineno}: negative count {c}")
                    if c > INT64_MAX:
                        raise W2VError(f"{path}, line {lineno}: count {parts[1][:30]} is beyond 2^63 - 1")
                    total += c
                    if parts[0] in counts:
                        raise W2VError(f"{path}, line {lineno}: duplicate word {parts[0][:60]!r}")
                    counts[parts[0]] = c
        except OSError as exc:
            raise W2VError(f"cannot read vocabulary {path}: {exc.strerror}") from None
        if total > INT64_MAX:
            raise W2VError(f"{path}: the counts add up to {total:,}, beyond 2^63 - 1")
        # word2vec.c's own files start with "</s>", its sentence-end token; it
        # carries no meaning for us, since we mark sentence ends out of band.
        counts.pop("</s>", None)
        vocab = cls.from_counts(counts, min_count=min_count, max_vocab=max_vocab)
        if not len(vocab):
            raise W2VError(f"vocabulary {path} has no word with count >= {min_count}")
        return vocab
