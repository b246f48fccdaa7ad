"""Where a corpus comes from: files (plain, .gz, .bz2, .xz), directories (their
files in name order), or a byte range of the files laid end to end (an MPI
rank's share); and the one block reader that hands their bytes to the counters.

Files are read in fixed-size blocks cut at word boundaries, so a corpus that is
one 100 MB line costs no more memory than one with short lines.
"""

from __future__ import annotations

import bz2
import gzip
import lzma
import os
import stat
import zlib
from typing import BinaryIO, Iterator, List, Optional, Sequence

import numpy as np

from ..errors import W2VError

CHUNK_BYTES = 1 << 22

OPENERS = {".gz": gzip.open, ".bz2": bz2.open, ".xz": lzma.open, ".lzma": lzma.open}


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
    opener = OPENERS.get(os.path.splitext(path)[1].lower(), open)
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


def source_name(files: Sequence[str]) -> str:
    return f"corpus {files[0]}" if len(files) == 1 else f"corpus ({len(files)} files: {files[0]} ...)"


def is_compressed(path) -> bool:
    """Whether ``path`` is read through a decompressor (so it cannot be entered
    in the middle)."""
    return os.path.splitext(os.fspath(path))[1].lower() in OPENERS


def iter_blocks(path, start: int = 0, end: Optional[int] = None) -> Iterator[np.ndarray]:
    """The corpus file's bytes [start, end) (a range: uncompressed files only)
    in pieces that each end on a word boundary: after the piece's last newline
    if it has one, else after its last whitespace; a single word longer than a
    block is cut there (it is truncated to MAX_WORD_BYTES anyway).

    The pieces are uint8 views of two buffers used in turn: each piece stays
    valid while the next one is read (the native reader counts it meanwhile)
    and no longer; no bytes object is made per block.  The reference reader's
    :func:`~w2v_cli.corpus.reference.iter_chunks` cuts at the same places."""
    from .kernels.tokenize import chunk_cut

    path = os.fspath(path)
    chunk = CHUNK_BYTES
    bufs = [np.empty(2 * chunk + 1, np.uint8), np.empty(2 * chunk + 1, np.uint8)]
    which = 0
    buf = bufs[which]
    n = 0  # buf[:n]: bytes read but not yet handed out
    try:
        with open_corpus(path) as fh:
            if start:
                fh.seek(start)
            left = -1 if end is None else end - start  # bytes still to read (-1: to the end)
            while left:
                if len(buf) < n + chunk:
                    grown = np.empty(2 * (n + chunk), np.uint8)
                    grown[:n] = buf[:n]
                    buf = bufs[which] = grown
                got = _read_full(fh, buf[n:n + (chunk if left < 0 else min(chunk, left))])
                left -= got if left > 0 else 0
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


# -- an MPI rank's share of the files ------------------------------------------------

def byte_share(size_bytes: int, rank: int, size: int, newline_after) -> tuple:
    """[start, end) of ``rank``'s share of ``size_bytes`` bytes of text: equal byte
    ranges moved forward to line starts, so every line belongs to one rank.
    ``newline_after(pos)`` gives the position after the first line end at or
    after ``pos`` (or ``size_bytes``)."""
    def boundary(r):
        if r == 0:
            return 0
        if r == size:
            return size_bytes
        return newline_after(r * size_bytes // size - 1)
    return boundary(rank), boundary(rank + 1)


def newline_finder(files, sizes):
    """``newline_after`` of :func:`byte_share` over ``files`` laid end to end
    (a file's end also ends a line: sentences never cross files)."""
    def newline_after(pos: int) -> int:
        pos, base = max(pos, 0), 0
        for path, n in zip(files, sizes):
            if pos < base + n:
                break
            base += n
        else:
            return base
        with open(path, "rb") as fh:
            at = pos - base
            fh.seek(at)
            while True:
                block = fh.read(1 << 16)
                if not block:
                    return base + n
                i = block.find(b"\n")
                if i >= 0:
                    return base + at + i + 1
                at += len(block)
    return newline_after


def file_pieces(files, sizes, start: int, end: int) -> list:
    """The bytes [start, end) of ``files`` laid end to end, as (path, lo, hi,
    whether hi is the file's end) ranges of the files (in order; empty ranges
    left out)."""
    out, base = [], 0
    for path, n in zip(files, sizes):
        lo, hi = max(start - base, 0), min(end - base, n)
        if lo < hi:
            out.append((path, lo, hi, hi == n))
        base += n
    return out


def last_byte(path, size: int) -> bytes:
    with open(path, "rb") as fh:
        fh.seek(size - 1)
        return fh.read(1)


def rank_pieces(files: Sequence[str], rank: int, size: int) -> list:
    """``rank``'s share (of ``size``) of ``files`` laid end to end, as
    :func:`file_pieces`: equal byte ranges moved forward to line starts."""
    sizes = [os.path.getsize(f) for f in files]
    lo, hi = byte_share(sum(sizes), rank, size, newline_finder(files, sizes))
    return file_pieces(files, sizes, lo, hi)
