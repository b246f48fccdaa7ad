"""The id stream on disk: a flat int32 file of word ids with SENTENCE_END
between sentences, written by the corpus pass, turned in place from
provisional to final ids, and replayed every epoch through a read-only memory
map whose pages are dropped as training moves on."""

from __future__ import annotations

import mmap
import os
from typing import Tuple

import numpy as np


def remap_file(path, remap: np.ndarray, block: int = 1 << 18) -> Tuple[int, int]:
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

def map_stream(path, n_items: int) -> np.ndarray:
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
