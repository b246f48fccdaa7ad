"""``w2v export --projector``: the two files TensorBoard's Embedding Projector loads.

``tensors.tsv`` holds one vector per line, its D numbers tab-separated;
``metadata.tsv`` one word per line, in the same order. A single-column metadata
file has no header line (the Projector reads a header only when there are two or
more columns), so a word must not contain a tab or a line break. Numbers are
written with 9 significant digits, enough for every float32 to read back exactly.
"""

import os

import numpy as np

from ..atomic import atomic_write, write_all_or_nothing
from ..errors import W2VError

TENSORS = "tensors.tsv"
METADATA = "metadata.tsv"


def projector_rows(kv, limit=None):
    """(words, vectors) to export: the first ``limit`` rows (vectors files are most frequent first)."""
    end = len(kv) if limit is None else min(limit, len(kv))
    words, vectors = kv.words[:end], kv.vectors[:end]
    for word in words:
        if "\t" in word or "\n" in word or "\r" in word:
            raise W2VError(f"word {word!r} contains a tab or line break, which metadata.tsv cannot hold")
    return words, vectors


def _write_tensors(vectors, path):
    with atomic_write(path, "wb") as fh:
        np.savetxt(fh, vectors, fmt="%.9g", delimiter="\t")


def _write_metadata(words, path):
    with atomic_write(path, "wb") as fh:
        fh.write("".join(word + "\n" for word in words).encode("utf-8"))


def export_projector(kv, directory, limit=None):
    """Write tensors.tsv and metadata.tsv into ``directory`` (created if absent).

    Both files are replaced together or neither is. Returns their paths.
    """
    words, vectors = projector_rows(kv, limit)
    directory = os.fspath(directory)
    if os.path.exists(directory) and not os.path.isdir(directory):
        raise W2VError(f"cannot write into {directory}: it is not a directory")
    try:
        os.makedirs(directory, exist_ok=True)
    except OSError as exc:
        raise W2VError(f"cannot create directory {directory}: {exc.strerror or exc}") from None
    tensors, metadata = os.path.join(directory, TENSORS), os.path.join(directory, METADATA)
    write_all_or_nothing([(tensors, lambda p: _write_tensors(vectors, p)),
                          (metadata, lambda p: _write_metadata(words, p))])
    return tensors, metadata
