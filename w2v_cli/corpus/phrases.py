"""Phrases: join frequent collocations ("new york" -> ``new_york``) before training,
by word2phrase.c's rule.

A pass reads the corpus once with the native reader (corpus.pipeline.encode_pass:
word counts and the id stream, kept in memory at 4 bytes a token), counts the
pairs of adjacent words of each line (corpus/kernels/phrases.py), then writes the text
back from the ids, each pair ``a b`` scoring above the threshold glued into
``a_b``.  The score is word2phrase's

    (count(a b) - min_count) / (count(a) * count(b)) * total words

(or gensim's NPMI with ``scoring="npmi"``), and a pair is never joined when
``a``, ``b`` or ``a b`` occurs fewer than ``min_count`` times.  As in
word2phrase a word glued to the word before it is not glued to the next one, so
one pass joins pairs; a second pass, which sees ``new_york`` as a word, can make
``new_york_city``.

Where this differs from word2phrase.c, on purpose:

- pairs are counted within lines only (word2phrase also counts the pair across a
  line end, though it never joins one); word2phrase's pairs are strings, so a
  literal token ``a_b`` adds to the count of the pair ``a b`` (here it does not);
- whitespace is the corpus reader's (CR is a separator, word2phrase drops it);
  a line starts with its first word (word2phrase writes a space before every word,
  so its lines start with one) and the last line always ends with a newline;
- words are never truncated (word2phrase cuts words and pairs at 99 bytes) and
  the vocabulary is never pruned (word2phrase prunes only past 350 M entries).

With ``passes > 1`` the given threshold is the last pass's, and each earlier pass
uses twice the threshold of the pass after it (word2vec.c's demo-phrases.sh runs
200 then 100: ``passes=2, threshold=100``).  NPMI thresholds lie in [-1, 1], so
every NPMI pass uses the same threshold.
"""

from __future__ import annotations

import dataclasses
import os
import tempfile
from dataclasses import dataclass, field
from typing import BinaryIO, List, Optional, Sequence

import numpy as np

from ..atomic import atomic_write, check_outputs
from ..signals import check as check_stop
from ..declare import check, option
from ..errors import W2VError

SCORINGS = ("default", "npmi")
OUT_BYTES = 1 << 22


@dataclass
class PassStats:
    threshold: float
    words: int  # tokens read
    joins: int  # pairs glued


@dataclass
class PhrasesResult:
    passes: List[PassStats] = field(default_factory=list)


def pass_thresholds(threshold: float, passes: int, scoring: str = "default") -> List[float]:
    """The threshold of each pass (see the module docstring)."""
    if scoring == "npmi":
        return [float(threshold)] * passes
    return [float(threshold) * 2.0 ** (passes - 1 - p) for p in range(passes)]


@dataclass(frozen=True)
class PhrasesOptions:
    """``w2v phrases``'s options, each declared once (see w2v_cli.declare)."""
    threshold: Optional[float] = option(None, "Join a pair scoring above this in the last pass.",
                                        rule="100; 0.5 with --scoring npmi", kind=float)
    min_count: int = option(5, "Never join a pair whose words or whose pair occur fewer times.", low=1,
                            integer=True)
    passes: int = option(1, "Each pass can join longer phrases; earlier passes use twice the next one's "
                         "threshold.", low=1, high=100, integer=True)
    scoring: str = option("default", "default: word2phrase's score; npmi: normalised PMI in [-1, 1] (gensim).",
                          choices=SCORINGS)
    threads: Optional[int] = option(None, "Reader threads.", low=1, high=4096, integer=True, rule="all cores")

    def resolve(self) -> "PhrasesOptions":
        """Check the values and settle the derived defaults."""
        from ..training.options import available_cores

        check(self)
        threshold = self.threshold if self.threshold is not None else (0.5 if self.scoring == "npmi" else 100.0)
        if not np.isfinite(threshold):
            raise W2VError(f"--threshold must be a finite number, not {threshold}")
        if self.scoring == "npmi" and not -1.0 <= threshold <= 1.0:
            raise W2VError(f"--threshold must be in [-1, 1] with --scoring npmi, not {threshold}")
        return dataclasses.replace(self, threshold=float(threshold), threads=self.threads or available_cores())


def _read(files: Sequence[str], threads: int, scratch: str):
    """Count ``files`` and write their id stream (int32, -1 at line ends; every
    file ends a line) to the file ``scratch``.  Returns the stream memory-mapped,
    the word table (its rows are the ids: nothing is pruned) and the number of tokens."""
    from .pipeline import encode_pass

    counter = encode_pass([(f, 0, None, True) for f in files], scratch, threads, 0)
    items = os.path.getsize(scratch) // 4
    if items and np.fromfile(scratch, np.int32, count=1, offset=4 * (items - 1))[0] != -1:
        with open(scratch, "ab") as out:  # the last file ends a line too
            out.write(np.array([-1], np.int32).tobytes())
        items += 1
    ids = np.memmap(scratch, np.int32, "r", shape=(items,)) if items else np.zeros(0, np.int32)
    return ids, counter.table, counter.tokens


def _count_pairs(ids: np.ndarray, n_words: int, ucount: np.ndarray, min_count: int):
    from .kernels import phrases as kp

    keys, counts = kp.new_pairs(1 << 16)
    i, prev, n = 0, -1, 0
    while True:
        i, prev, n = kp.count_pairs(ids, i, prev, n_words, ucount, min_count, keys, counts, n)
        if i >= ids.size:
            return keys, counts
        keys, counts = kp.grown_pairs(keys, counts)


def phrase_pass(files: Sequence[str], out: BinaryIO, threshold: float, min_count: int = 5,
                scoring: str = "default", threads: int = 1, scratch: str = "") -> PassStats:
    """One pass of phrase joining over ``files``, written to ``out``; the id
    stream goes to the file ``scratch`` (removed by the caller)."""
    from .kernels import phrases as kp

    ids, table, tokens = _read(files, threads, scratch)
    n = table.n
    ucount = np.ascontiguousarray(table.counts[:n])
    keys, counts = _count_pairs(ids, n, ucount, min_count)
    offsets = table.offsets
    longest = int(np.diff(offsets[:n + 1]).max()) if n else 0
    buf = np.empty(max(OUT_BYTES, 2 * longest + 2), np.uint8)
    code = kp.SCORE_NPMI if scoring == "npmi" else kp.SCORE_DEFAULT
    i, prev, fresh, joins = 0, -1, True, 0
    while i < ids.size:
        i, o, prev, fresh, j = kp.emit(ids, i, prev, fresh, n, ucount, keys, counts, min_count, tokens, code,
                                       float(threshold), table.arena, offsets, buf)
        out.write(memoryview(buf[:o]))
        joins += j
    return PassStats(float(threshold), int(tokens), int(joins))


def phrases(corpus, output, options: Optional[PhrasesOptions] = None, **kwargs) -> PhrasesResult:
    """Join phrases in ``corpus`` (a path or a list of paths: text, .gz, .bz2,
    .xz; directories stand for their files) and write the text to ``output``
    atomically.  Options come as a :class:`PhrasesOptions` or as keyword
    arguments of the same names (see the module docstring for thresholds)."""
    from .sources import corpus_files, resolve_files

    opts = dataclasses.replace(options or PhrasesOptions(), **kwargs).resolve()
    threshold, min_count, passes, scoring, threads = opts.threshold, opts.min_count, opts.passes, opts.scoring, \
        opts.threads
    files = resolve_files(corpus_files(corpus) or [])
    if not files:
        raise W2VError("no corpus given")
    check_outputs([("corpus", f) for f in files], [("output", output)])
    result = PhrasesResult()
    directory = os.path.dirname(os.path.abspath(os.fspath(output)))
    source = files
    scratch: List[str] = []

    def scratch_file() -> str:
        fd, path = tempfile.mkstemp(prefix=".w2v-phrases.", suffix=".tmp", dir=directory)
        os.close(fd)
        scratch.append(path)
        return path

    try:
        ids_path = scratch_file()
        with atomic_write(output) as out:
            for p, t in enumerate(pass_thresholds(threshold, passes, scoring)):
                target = out if p == passes - 1 else open(scratch_file(), "wb")
                try:
                    stats = phrase_pass(source, target, t, min_count, scoring, threads, ids_path)
                finally:
                    if target is not out:
                        target.close()
                if p == 0 and stats.words == 0:
                    where = files[0] if len(files) == 1 else f"{len(files)} files"
                    raise W2VError(f"corpus {where} is empty: it has no words")
                result.passes.append(stats)
                if target is not out:
                    source = [target.name]  # the next pass reads this one's text
            check_stop()  # a stop that something swallowed (w2v_cli.signals): the old output stays
    except OSError as exc:
        raise W2VError(f"cannot write a pass of phrases in {directory}: {exc.strerror or exc}") from None
    finally:
        for path in scratch:
            try:
                os.remove(path)
            except OSError:
                pass
    return result
