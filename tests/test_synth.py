"""corpora/synth.py: deterministic, Zipf-ish, answer key matches the planted groups."""
import hashlib
import json
import os
import sys

import numpy as np
import pytest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "corpora"))
import synth  # noqa: E402


def _make(tmp_path, name, seed, tokens=200_000, **kw):
    out = str(tmp_path / name)
    s = synth.Synth(seed=seed, **kw)
    cnt = s.generate(tokens, out, block_tokens=50_000)
    paths = s.write_key(out, tokens, cnt)
    return out, s, cnt, paths


def _md5(p):
    return hashlib.md5(open(p, "rb").read()).hexdigest()


def test_deterministic_for_a_seed(tmp_path):
    a, *_ = _make(tmp_path, "a.txt", seed=7)
    b, *_ = _make(tmp_path, "b.txt", seed=7)
    c, *_ = _make(tmp_path, "c.txt", seed=8)
    assert _md5(a) == _md5(b)
    assert _md5(a) != _md5(c)


def test_shape_lines_and_token_count(tmp_path):
    out, s, cnt, _ = _make(tmp_path, "s.txt", seed=1, tokens=123_456)
    lines = open(out).read().split("\n")
    assert lines[-1] == ""
    lens = [len(l.split(" ")) for l in lines[:-1]]
    assert all(n == 1000 for n in lens[:-1]) and lens[-1] == 456
    assert sum(lens) == 123_456 == cnt.sum()
    text = open(out).read()
    assert "  " not in text and "\x00" not in text


def test_zipf_ish_counts(tmp_path):
    _, s, cnt, _ = _make(tmp_path, "z.txt", seed=3, tokens=400_000, planted=0.0, vocab=20000)
    bg = cnt[: s.vocab].astype(float)
    # frequency falls with rank: log-log slope near -1 over ranks 10..1000
    r = np.arange(10, 1000)
    slope = np.polyfit(np.log(r + 2.7), np.log(bg[r] + 1e-9), 1)[0]
    assert -1.2 < slope < -0.8, slope
    # the empirical distribution matches the model
    assert abs(bg[0] / bg.sum() - s.probs[0]) < 0.01


def test_answer_key_matches_planted_groups(tmp_path):
    out, s, cnt, paths = _make(tmp_path, "k.txt", seed=2, tokens=300_000, relations=3, group_size=6)
    key = json.load(open(paths["key"]))
    assert key["tokens"] == 300_000 and key["seed"] == 2
    groups = key["groups"]
    assert sorted(groups) == [f"p{p}{side}" for p in range(3) for side in "ab"]
    assert all(len(g) == 6 for g in groups.values())
    words = open(out).read().split()
    # every planted word appears, always inside its phrase: entity and side markers around it
    for p in range(3):
        for side in "ab":
            for i, w in enumerate(groups[f"p{p}{side}"]):
                assert w == f"p{p}{side}_{i}"
    pos = [k for k, w in enumerate(words) if w.startswith("p")]
    assert len(pos) > 100
    for k in pos[:200]:
        w = words[k]
        p, side, i = w[1], w[2], w.split("_")[1]
        assert words[k - 2] == words[k + 1] == f"e{p}_{i}"
        assert words[k - 1] == words[k + 2] == f"r{p}{side}"
    # questions: a:b::c:d with a,c from side a and b,d the same entities on side b
    q = [l.split() for l in open(paths["questions"]) if not l.startswith(":")]
    assert len(q) == 3 * 6 * 5
    for a, b, c, d in q:
        assert a.replace("a_", "b_") == b and c.replace("a_", "b_") == d
        assert a.split("_")[0] == c.split("_")[0] and a != c
    # pairs file: gensim's 'w1<TAB>w2<TAB>score'
    for line in open(paths["pairs"]):
        if line.startswith("#"):
            continue
        w1, w2, sc = line.rstrip("\n").split("\t")
        same = w1.split("_")[0] == w2.split("_")[0]
        assert float(sc) == (9 if same else 1)


def test_rejects_bad_parameters():
    with pytest.raises(ValueError):
        synth.Synth(planted=1.5)
    assert synth.parse_tokens("16M") == 16_000_000 and synth.parse_tokens("1B") == 10**9
