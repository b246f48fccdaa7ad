"""Analogy accuracy and word-pair correlation, returning what gensim 4.4 returns.

``evaluate_analogies`` mirrors ``KeyedVectors.evaluate_word_analogies`` and
``evaluate_word_pairs`` mirrors ``KeyedVectors.evaluate_word_pairs``: the same file
parsing (": section" lines, '#' comments, skipped malformed lines), the same
vocabulary restriction (the first N words of the vectors file, upper-cased when
case-insensitive, first occurrence wins), the same OOV skipping and the same
3CosAdd answer (best of the top 5 that is not a question word).  The one change
is speed: analogy questions are scored in batches with one matrix product
instead of one matrix-vector product each.  Spearman and Pearson are computed
here in numpy (scipy is not a runtime dependency).
"""

import os
from pathlib import Path

import numpy as np

from ..errors import W2VError

# The evaluation sets bundled with the package (their sources: w2v_cli/data/README.md),
# by the short names the per-epoch line uses.
DATA_DIR = Path(__file__).resolve().parent.parent / "data"
BUNDLED_PAIRS = {"ws353": DATA_DIR / "wordsim353.tsv", "simlex": DATA_DIR / "simlex999.txt"}
BUNDLED_ANALOGIES = DATA_DIR / "questions-words.txt"

_BATCH = 256


def _ok_vocab(kv, restrict_vocab, case_insensitive):
    """word (upper-cased if case-insensitive) -> row, over the first restrict_vocab words.

    Built from the end so that the first (most frequent) case variant wins, as gensim does.
    """
    keys = kv.words[:restrict_vocab]
    fold = str.upper if case_insensitive else (lambda w: w)
    return {fold(w): kv.index[w] for w in reversed(keys)}


def _read_lines(path, universal_newlines):
    # As gensim: analogy files are read as bytes (lines end at b"\n" only), pair files
    # in text mode (\r and \r\n end lines too).
    try:
        if not universal_newlines:
            with open(path, "rb") as fh:
                return [line.decode("utf-8", "replace") for line in fh]
        with open(path, encoding="utf-8", errors="replace") as fh:
            return list(fh)
    except OSError as exc:
        raise W2VError(f"cannot read {path}: {exc.strerror or exc}") from None


def evaluate_analogies(kv, path, restrict_vocab=30000, case_insensitive=True):
    """Accuracy on a questions-words style file ("a b c d": b - a + c should be d).

    Returns a dict: ``sections`` (list of {section, correct, incorrect} with the
    question 4-tuples, as gensim's), ``total`` (the 'Total accuracy' section),
    ``accuracy``, ``semantic``/``syntactic`` ({correct, total, accuracy}; sections
    named ``gram*`` are syntactic), ``oov`` (questions skipped), ``questions``
    (all well-formed questions), ``oov_ratio`` (percent).
    """
    path = os.fspath(path)
    ok_vocab = _ok_vocab(kv, restrict_vocab, case_insensitive)
    sections, section = [], None
    pending = []  # (section, (a, b, c, expected)) waiting for a batch
    oov = questions = 0
    for line_no, line in enumerate(_read_lines(path, universal_newlines=False)):
        if line.startswith(": "):
            section = {"section": line.lstrip(": ").strip(), "correct": [], "incorrect": []}
            sections.append(section)
            continue
        if section is None:
            raise W2VError(f"{path}: line {line_no + 1}: a question before the first ': section' line")
        words = line.split()
        if len(words) != 4:
            continue  # gensim skips malformed lines (blank ones included)
        if case_insensitive:
            words = [w.upper() for w in words]
        questions += 1
        if not all(w in ok_vocab for w in words):
            oov += 1
            continue
        pending.append((section, tuple(words)))
    if questions == 0:
        raise W2VError(f"{path}: no analogy questions found (expected lines 'a b c d' under ': section' lines)")

    for start in range(0, len(pending), _BATCH):
        batch = pending[start:start + _BATCH]
        for (sec, quad), ok in zip(batch, _answer(kv, ok_vocab, [q for _, q in batch], restrict_vocab,
                                                  case_insensitive)):
            sec["correct" if ok else "incorrect"].append(quad)

    total = {
        "section": "Total accuracy",
        "correct": [q for s in sections for q in s["correct"]],
        "incorrect": [q for s in sections for q in s["incorrect"]],
    }
    semantic = [s for s in sections if not s["section"].startswith("gram")]
    syntactic = [s for s in sections if s["section"].startswith("gram")]
    return {
        "file": path,
        "sections": sections,
        "total": total,
        "accuracy": _score(total),
        "semantic": _summary(semantic),
        "syntactic": _summary(syntactic),
        "oov": oov,
        "questions": questions,
        "oov_ratio": 100.0 * oov / questions,
        "restrict_vocab": restrict_vocab,
    }


def _answer(kv, ok_vocab, quads, restrict_vocab, case_insensitive):
    """For each (a, b, c, expected): is gensim's 3CosAdd prediction equal to expected?"""
    end = min(len(kv), restrict_vocab) if restrict_vocab else len(kv)
    rows = np.array([[ok_vocab[w] for w in quad[:3]] for quad in quads])
    # gensim: most_similar(positive=[b, c], negative=[a]) with unit vectors, float32 accumulation.
    a, b, c = (kv.vectors[rows[:, k]] / kv.norms[rows[:, k], None] for k in range(3))
    mean = np.zeros_like(a)
    mean += 1.0 * b
    mean += 1.0 * c
    mean += -1.0 * a
    mean = mean.astype(np.float64) / 3.0  # gensim divides by a float64 total weight
    lengths = np.linalg.norm(mean, axis=1, keepdims=True)
    mean = (mean * (1.0 / np.where(lengths > 0, lengths, 1))).astype(np.float32)  # as blas scal
    dists = (mean @ kv.vectors[:end].T) / kv.norms[:end]  # (batch, end)
    best = top_rows(dists, 5 + 3)
    fold = str.upper if case_insensitive else (lambda w: w)

    results = []
    for j, quad in enumerate(quads):
        exclude = set(rows[j].tolist())
        sims = [i for i in best[j].tolist() if i not in exclude][:5]
        ignore = set(quad[:3])
        predicted = None
        for i in sims:
            predicted = fold(kv.words[i])
            if predicted in ok_vocab and predicted not in ignore:
                break
        results.append(predicted == quad[3])
    return results


def top_rows(dists, k, block=128):
    """Per row, the indices of the k largest values, largest first (top_indices, batched).

    A full partition of every row is the slowest step of an evaluation, so first
    find the k blocks (of ``block`` columns) with the largest maxima: the k largest
    values must lie in them (a value outside them is beaten by k block maxima).
    Only exact ties could make the order differ from a plain partial sort.
    """
    rows, n = dists.shape
    if k >= n:
        return np.argsort(-dists, axis=1)[:, :k]
    nblocks = -(-n // block)
    if nblocks <= 2 * k:
        candidates, columns = dists, np.broadcast_to(np.arange(n), dists.shape)
    else:
        padded = np.full((rows, nblocks * block), -np.inf, dtype=dists.dtype)
        padded[:, :n] = dists
        blocks = padded.reshape(rows, nblocks, block)
        best_blocks = np.argpartition(blocks.max(axis=2), -k, axis=1)[:, -k:]
        candidates = blocks[np.arange(rows)[:, None], best_blocks].reshape(rows, k * block)
        columns = (best_blocks[:, :, None] * block + np.arange(block)).reshape(rows, k * block)
    part = np.argpartition(candidates, -k, axis=1)[:, -k:]
    order = np.argsort(-np.take_along_axis(candidates, part, axis=1), axis=1)
    return np.take_along_axis(columns, np.take_along_axis(part, order, axis=1), axis=1)


def _score(section):
    n = len(section["correct"]) + len(section["incorrect"])
    return len(section["correct"]) / n if n else 0.0


def _summary(sections):
    correct = sum(len(s["correct"]) for s in sections)
    total = correct + sum(len(s["incorrect"]) for s in sections)
    return {"correct": correct, "total": total, "accuracy": correct / total if total else 0.0}


def evaluate_word_pairs(kv, path, delimiter="\t", restrict_vocab=300000, case_insensitive=True):
    """Correlation of cosine similarities with human judgements ("w1<TAB>w2<TAB>score" lines).

    Returns a dict with ``pearson``, ``spearman``, ``oov_ratio`` (percent of pairs
    with an unknown word, as gensim's third return value), ``pairs`` (pairs used),
    ``oov`` (pairs skipped).
    """
    path = os.fspath(path)
    ok_vocab = _ok_vocab(kv, restrict_vocab, case_insensitive)
    gold, model = [], []
    oov = 0
    for line in _read_lines(path, universal_newlines=True):
        if not line or line.startswith("#"):
            continue
        fields = line.split(delimiter)
        if len(fields) != 3:
            continue
        a, b, score = (f.upper() for f in fields) if case_insensitive else fields
        try:
            score = float(score)
        except ValueError:
            continue  # gensim skips unparsable lines, e.g. a header
        if a not in ok_vocab or b not in ok_vocab:
            oov += 1
            continue
        gold.append(score)
        model.append(_cosine(kv, ok_vocab[a], ok_vocab[b]))
    if not gold:
        raise W2VError(f"{path}: no usable word pairs (wrong format, or every pair has an unknown word)")
    return {
        "file": path,
        "pearson": pearson(gold, model),
        "spearman": spearman(gold, model),
        "oov_ratio": 100.0 * oov / (len(gold) + oov),
        "pairs": len(gold),
        "oov": oov,
    }


def _cosine(kv, i, j):
    u = kv.vectors[i].astype(np.float64)
    v = kv.vectors[j].astype(np.float64)
    nu, nv = np.linalg.norm(u), np.linalg.norm(v)
    if nu == 0 or nv == 0:
        return 0.0
    return float(np.dot(u, v) / (nu * nv))


def pearson(x, y):
    """Pearson's r in float64; NaN if either side is constant (as scipy)."""
    x = np.asarray(x, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    if len(x) < 2:
        return float("nan")
    dx, dy = x - x.mean(), y - y.mean()
    denom = np.sqrt(np.dot(dx, dx) * np.dot(dy, dy))
    if denom == 0:
        return float("nan")
    return float(np.clip(np.dot(dx, dy) / denom, -1.0, 1.0))


def rankdata(values):
    """Ranks 1..n with ties given their average rank (scipy's default 'average')."""
    values = np.asarray(values, dtype=np.float64)
    order = np.argsort(values, kind="mergesort")
    sorted_values = values[order]
    # Start of each run of equal values, and the average of the 1-based ranks in it.
    starts = np.flatnonzero(np.r_[True, sorted_values[1:] != sorted_values[:-1]])
    ends = np.r_[starts[1:], len(values)]
    averages = (starts + 1 + ends) / 2.0
    ranks = np.empty(len(values))
    ranks[order] = np.repeat(averages, ends - starts)
    return ranks


def spearman(x, y):
    """Spearman's rho: Pearson's r of the average ranks."""
    return pearson(rankdata(x), rankdata(y))
