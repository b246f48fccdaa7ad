"""w2v phrases: word2phrase's rule on planted collocations, scores by hand, greedy
joins, passes, lines kept, compressed input, and bad input as one line."""

import collections
import gzip
import math

import numpy as np
import pytest

from conftest import run_w2v
from hostile_util import assert_one_error, snapshot
from w2v_cli.corpus import sources
from w2v_cli.corpus import native
from w2v_cli.corpus.phrases import pass_thresholds, phrases


def reference(lines, threshold, min_count):
    """word2phrase's rule in plain Python (pairs counted within lines), the oracle."""
    uni = collections.Counter(w for line in lines for w in line)
    pairs = collections.Counter(p for line in lines for p in zip(line, line[1:]))
    total = sum(uni.values())
    out = []
    for line in lines:
        text, fresh = line[:1], True
        for a, b in zip(line, line[1:]):
            pab, pa, pb = pairs[(a, b)], uni[a], uni[b]
            ok = fresh and min(pab, pa, pb) >= min_count
            score = np.float32(pab - min_count) / np.float32(pa) / np.float32(pb) * np.float32(total)
            if ok and score > threshold:
                text[-1] += "_" + b
                fresh = False
            else:
                text.append(b)
                fresh = True
        out.append(" ".join(text))
    return out


def planted(seed=0, n_lines=400):
    """Lines of filler words with planted collocations ("new york", "hot dog",
    "new york city") and frequent words ("the", "of") that meet only by chance."""
    rng = np.random.default_rng(seed)
    filler = [f"w{i}" for i in range(60)]
    lines = []
    for _ in range(n_lines):
        line = []
        for _ in range(rng.integers(5, 20)):
            r = rng.random()
            if r < 0.015:
                line += ["new", "york"]
            elif r < 0.025:
                line += ["new", "york", "city"]
            elif r < 0.035:
                line += ["hot", "dog"]
            elif r < 0.3:
                line.append(["the", "of"][rng.integers(2)])
            else:
                line.append(filler[rng.integers(len(filler))])
        lines.append(line)
    return lines


def write(path, lines, end="\n"):
    path.write_text("\n".join(" ".join(line) for line in lines) + end)
    return path


def run(tmp_path, lines, name="in.txt", **kw):
    src = write(tmp_path / name, lines)
    out = tmp_path / "out.txt"
    phrases(str(src), str(out), **kw)
    return out.read_text().split("\n")[:-1]


def test_scores_by_hand_decide_joins(tmp_path):
    # x1 a3 b2 y1 c1: 8 words; score(a b) = (2 - 1) / (3 * 2) * 8 = 1.333...,
    # score(x a) = (1 - 1) / (1 * 3) * 8 = 0.
    lines = [["x", "a", "b", "y"], ["a", "b"], ["a", "c"]]
    assert run(tmp_path, lines, threshold=1.333, min_count=1) == ["x a_b y", "a_b", "a c"]
    assert run(tmp_path, lines, threshold=1.334, min_count=1) == ["x a b y", "a b", "a c"]
    # Below 0 every pair with counts >= min_count scores above: greedy left to right,
    # a word glued to its left neighbour is not glued to its right one, never across lines.
    assert run(tmp_path, lines, threshold=-0.5, min_count=1) == ["x_a b_y", "a_b", "a_c"]
    # min_count 2: x, y, c and the pairs (x a), (b y), (a c) are too rare;
    # score(a b) = (2 - 2) / 6 * 8 = 0.
    assert run(tmp_path, lines, threshold=-0.5, min_count=2) == ["x a_b y", "a_b", "a c"]
    assert run(tmp_path, lines, threshold=0.0, min_count=2) == ["x a b y", "a b", "a c"]


def test_npmi_score_by_hand(tmp_path):
    lines = [["x", "a", "b", "y"], ["a", "b"], ["a", "c"]]
    # p(ab) = 2/8, p(a) = 3/8, p(b) = 2/8: ln(p(ab) / (p(a) p(b))) / -ln(p(ab)) = ln(8/3) / ln 4
    npmi = math.log(8 / 3) / math.log(4)
    assert run(tmp_path, lines, threshold=npmi - 1e-6, min_count=2, scoring="npmi")[1] == "a_b"
    assert run(tmp_path, lines, threshold=npmi + 1e-6, min_count=2, scoring="npmi")[1] == "a b"


def test_planted_collocations_joined_chance_pairs_not(tmp_path):
    lines = planted()
    out = run(tmp_path, lines, threshold=10, min_count=5)
    tokens = collections.Counter(t for line in out for t in line.split())
    assert tokens["new_york"] == sum(" ".join(line).count("new york") for line in lines)
    assert tokens["hot_dog"] == sum(line.count("hot") for line in lines)
    # "the" and "of" are the most frequent words and meet often, but only by chance.
    assert not [t for t in tokens if "_" in t and t not in ("new_york", "hot_dog")]
    assert out == reference(lines, 10, 5)


def test_two_passes_join_a_trigram(tmp_path):
    assert pass_thresholds(100, 2) == [200, 100] and pass_thresholds(0.5, 3, "npmi") == [0.5] * 3
    lines = planted()
    one = run(tmp_path, lines, threshold=10, min_count=5, passes=1)
    two = run(tmp_path, lines, threshold=10, min_count=5, passes=2)
    trigrams = sum(" ".join(line).count("new york city") for line in lines)
    assert not any("new_york_city" in line for line in one)
    assert sum(line.split().count("new_york_city") for line in two) == trigrams > 0
    # Two passes at 10 are a pass at 20 followed by a pass at 10 over its output.
    first = reference(lines, 20, 5)
    assert two == reference([line.split() for line in first], 10, 5)


@pytest.mark.parametrize("threads", [1, 2])
def test_matches_reference_at_every_block_and_thread_boundary(tmp_path, monkeypatch, threads):
    monkeypatch.setattr(native, "MIN_PIECE_BYTES", 1)
    monkeypatch.setattr(sources, "CHUNK_BYTES", 257)
    lines = planted(seed=1, n_lines=150)
    assert run(tmp_path, lines, threshold=20, min_count=3, threads=threads) == reference(lines, 20, 3)


def test_lines_kept_and_compressed_input(tmp_path):
    lines = planted(seed=2, n_lines=50)
    lines[3] = []  # an empty line stays
    src = tmp_path / "in.txt"
    src.write_text("\n".join("  ".join(line) for line in lines))  # double spaces, no final newline
    out = tmp_path / "out.txt"
    phrases(str(src), str(out), threshold=50, min_count=3)
    got = out.read_text()
    assert got.endswith("\n") and got.count("\n") == len(lines)
    assert [line.replace("_", " ").split() for line in got.split("\n")[:-1]] == lines
    packed = tmp_path / "in.txt.gz"
    packed.write_bytes(gzip.compress(src.read_bytes()))
    phrases(str(packed), str(tmp_path / "out2.txt"), threshold=50, min_count=3)
    assert (tmp_path / "out2.txt").read_text() == got


def test_cli_writes_and_reports(tmp_path):
    src = write(tmp_path / "in.txt", planted())
    proc = run_w2v("phrases", src, "-o", tmp_path / "out.txt", "--passes", "2", "--threads", "1",
                   "--threshold", "10")
    assert proc.returncode == 0, proc.stderr
    assert "pass 1: threshold 20" in proc.stderr and "pass 2: threshold 10," in proc.stderr
    assert "new_york_city" in (tmp_path / "out.txt").read_text()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.txt", "out.txt"]  # no scratch file left


@pytest.mark.parametrize("args, fragment", [
    (["missing.txt"], "does not exist"),
    (["empty.txt"], "empty"),
    (["in.txt", "--passes", "0"], "--passes"),
    (["in.txt", "--min-count", "0"], "--min-count"),
    (["in.txt", "--scoring", "npmi", "--threshold", "2"], "[-1, 1]"),
    (["in.txt", "--threshold", "nan"], "finite"),
    (["in.txt", "--threads", "0"], "--threads"),
    (["bad.gz"], "cannot read"),
])
def test_bad_input_is_one_line_and_writes_nothing(tmp_path, args, fragment):
    write(tmp_path / "in.txt", [["a", "b"]])
    (tmp_path / "empty.txt").write_text(" \n\n")
    (tmp_path / "bad.gz").write_bytes(gzip.compress(b"a b c\n" * 100)[:-20])
    (tmp_path / "out.txt").write_text("old\n")
    before = snapshot(tmp_path)
    proc = run_w2v("phrases", *[str(tmp_path / a) if a.endswith((".txt", ".gz")) else a for a in args],
                   "-o", tmp_path / "out.txt")
    assert_one_error(proc, fragment)
    assert snapshot(tmp_path) == before


def test_output_may_not_be_the_corpus(tmp_path):
    src = write(tmp_path / "in.txt", [["a", "b"]])
    assert_one_error(run_w2v("phrases", src, "-o", src), "input corpus")
