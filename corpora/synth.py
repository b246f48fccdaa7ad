#!/usr/bin/env python3
"""Deterministic synthetic corpora with Zipfian frequencies and planted structure.

The stream is background words drawn from a Zipf law (p(r) ~ 1/(r + 2.7)^s over a
vocabulary of --vocab words "w0", "w1", ...), with short planted phrases written
over a fraction --planted of it. Planted structure:

  * --relations R relations; relation p has two groups of --group-size K words,
    side a and side b: "p0a_3" and "p0b_3" are "entity 3" of relation 0 on each side.
  * every planted phrase is (phrase length 5, all inside one skip-gram window)
        e<p>_<i>   r<p><s>   <p><s>_<i>   e<p>_<i>   r<p><s>
    i.e. the word "p<p><s>_<i>" next to its entity marker "e<p>_<i>" (shared by both
    sides) and its side marker "r<p><s>" (shared by the whole group).
  * so all words of a group share contexts (the side marker), and p0a_i - p0b_i is
    about r0a - r0b for every i: the analogy p0a_i : p0b_i :: p0a_j : p0b_j holds.

Answer key written beside the corpus (for OUT = dir/name.txt):
  dir/name.key.json            parameters, groups, counts
  dir/name.questions-words.txt analogy questions (questions-words format, one
                               ": relation-p" section per relation)
  dir/name.pairs.tsv           word pairs (w1<TAB>w2<TAB>score): same group 9, other
                               relation 1 (for a Spearman check)

Output is streamed block by block (memory does not grow with --tokens), lines of
--line-words words, and is byte-identical for the same arguments and seed.

Usage: python corpora/synth.py --tokens 2000000 --seed 1 --out corpora/data/synth2m.txt
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import time

import numpy as np

PHRASE = 5  # tokens per planted phrase


def _alias_table(p: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Vose's alias table for the distribution p."""
    n = len(p)
    q = p * n
    prob = np.ones(n)
    alias = np.arange(n, dtype=np.int64)
    small = np.flatnonzero(q < 1.0).tolist()
    large = np.flatnonzero(q >= 1.0).tolist()
    while small and large:
        s, l = small.pop(), large.pop()
        prob[s], alias[s] = q[s], l
        q[l] -= 1.0 - q[s]
        (small if q[l] < 1.0 else large).append(l)
    return prob, alias


class Synth:
    def __init__(self, vocab=50000, relations=4, group_size=20, zipf_s=1.0, planted=0.1,
                 seed=1, line_words=1000):
        if vocab < 10 or relations < 1 or group_size < 2:
            raise ValueError("need vocab >= 10, relations >= 1, group-size >= 2")
        if not 0 <= planted < 1:
            raise ValueError("--planted must be in [0, 1)")
        self.vocab, self.relations, self.group_size = vocab, relations, group_size
        self.zipf_s, self.planted, self.seed, self.line_words = zipf_s, planted, seed, line_words
        ranks = np.arange(vocab, dtype=np.float64)
        w = 1.0 / (ranks + 2.7) ** zipf_s
        self.probs = w / w.sum()
        self.alias_prob, self.alias = _alias_table(self.probs)
        R, K = relations, group_size
        bg = [f"w{r}" for r in range(vocab)]
        # planted ids follow the background ids
        self.word_ids = {}  # (p, side, i) -> id
        names = list(bg)
        for p in range(R):
            for s in "ab":
                for i in range(K):
                    self.word_ids[(p, s, i)] = len(names)
                    names.append(f"p{p}{s}_{i}")
        self.entity_ids = {}
        for p in range(R):
            for i in range(K):
                self.entity_ids[(p, i)] = len(names)
                names.append(f"e{p}_{i}")
        self.side_ids = {}
        for p in range(R):
            for s in "ab":
                self.side_ids[(p, s)] = len(names)
                names.append(f"r{p}{s}")
        self.names = names
        # lookup tables for vectorised phrase building, indexed [p, side(0/1), i]
        self.t_word = np.array([[[self.word_ids[(p, s, i)] for i in range(K)] for s in "ab"]
                                for p in range(R)], dtype=np.int64)
        self.t_ent = np.array([[self.entity_ids[(p, i)] for i in range(K)] for p in range(R)],
                              dtype=np.int64)
        self.t_side = np.array([[self.side_ids[(p, s)] for s in "ab"] for p in range(R)],
                               dtype=np.int64)
        # fixed-width byte tables (NUL padded): rows gathered per token, NULs dropped;
        # built with numpy (no Python loop per word: vocabularies run to millions)
        fixed = np.array(names, dtype="S")
        lengths = np.char.str_len(fixed)
        width = fixed.itemsize + 1
        self._sp = np.zeros((len(names), width), dtype=np.uint8)
        self._sp[:, :width - 1] = fixed.view(np.uint8).reshape(len(names), width - 1)
        self._nl = self._sp.copy()
        rows = np.arange(len(names))
        self._sp[rows, lengths] = ord(" ")
        self._nl[rows, lengths] = ord("\n")

    # ------------------------------------------------------------------ tokens
    def block(self, rng: np.random.Generator, n: int) -> np.ndarray:
        """n token ids: Zipf background with planted phrases in aligned 5-token slots."""
        j = rng.integers(0, self.vocab, n)  # alias method: exact and O(1) per draw
        ids = np.where(rng.random(n) < self.alias_prob[j], j, self.alias[j])
        slots = n // PHRASE
        if self.planted > 0 and slots:
            chosen = np.flatnonzero(rng.random(slots) < self.planted)
            m = len(chosen)
            p = rng.integers(0, self.relations, m)
            s = rng.integers(0, 2, m)
            i = rng.integers(0, self.group_size, m)
            ent, side, word = self.t_ent[p, i], self.t_side[p, s], self.t_word[p, s, i]
            base = chosen * PHRASE
            for k, col in enumerate((ent, side, word, ent, side)):
                ids[base + k] = col
        return ids

    def generate(self, tokens: int, out: str, block_tokens: int = 1_000_000,
                 counts: bool = True) -> np.ndarray | None:
        """Stream `tokens` tokens to `out`; return per-id counts (if counts)."""
        rng = np.random.default_rng(self.seed)
        lw = self.line_words
        block_tokens = max(lw, block_tokens // lw * lw)  # blocks hold whole lines
        cnt = np.zeros(len(self.names), dtype=np.int64) if counts else None
        tmp = out + ".tmp"
        done = 0
        with open(tmp, "wb") as f:
            while done < tokens:
                n = min(block_tokens, tokens - done)
                ids = self.block(rng, n)
                if cnt is not None:
                    cnt += np.bincount(ids, minlength=len(self.names))
                toks = self._sp[ids]
                toks[lw - 1::lw] = self._nl[ids[lw - 1::lw]]
                if n % lw:  # the last, short line
                    toks[-1] = self._nl[ids[-1]]
                flat = toks.ravel()
                f.write(flat[flat != 0].tobytes())
                done += n
        os.replace(tmp, out)
        return cnt

    # ------------------------------------------------------------------ answer key
    def groups(self) -> dict[str, list[str]]:
        return {f"p{p}{s}": [self.names[self.word_ids[(p, s, i)]] for i in range(self.group_size)]
                for p in range(self.relations) for s in "ab"}

    def questions(self, max_per_relation: int = 400) -> list[str]:
        lines = []
        K = self.group_size
        for p in range(self.relations):
            lines.append(f": relation-{p}")
            k = 0
            for i in range(K):
                for j in range(K):
                    if i == j:
                        continue
                    if k >= max_per_relation:
                        break
                    n = self.names
                    lines.append(f"{n[self.word_ids[(p, 'a', i)]]} {n[self.word_ids[(p, 'b', i)]]} "
                                 f"{n[self.word_ids[(p, 'a', j)]]} {n[self.word_ids[(p, 'b', j)]]}")
                    k += 1
        return lines

    def pairs(self) -> list[str]:
        g = self.groups()
        names = sorted(g)
        out = ["# synthetic word pairs: same planted group 9, different relation 1"]
        for gi, gname in enumerate(names):
            words = g[gname]
            for i in range(0, len(words) - 1, 2):
                out.append(f"{words[i]}\t{words[i + 1]}\t9")
            other = g[names[(gi + 2) % len(names)]]  # +2: another relation when R > 1
            for i in range(0, len(words), 2):
                out.append(f"{words[i]}\t{other[(i + 1) % len(other)]}\t1")
        return out

    def write_key(self, out: str, tokens: int, cnt: np.ndarray | None) -> dict[str, str]:
        stem = os.path.splitext(out)[0]
        paths = {"key": stem + ".key.json", "questions": stem + ".questions-words.txt",
                 "pairs": stem + ".pairs.tsv"}
        key = {
            "corpus": os.path.basename(out), "tokens": tokens, "seed": self.seed,
            "vocab_background": self.vocab, "relations": self.relations,
            "group_size": self.group_size, "zipf_s": self.zipf_s, "planted": self.planted,
            "line_words": self.line_words, "phrase": "e<p>_<i> r<p><s> p<p><s>_<i> e<p>_<i> r<p><s>",
            "groups": self.groups(),
            "entity_markers": {f"{p}_{i}": self.names[self.entity_ids[(p, i)]]
                               for p in range(self.relations) for i in range(self.group_size)},
            "side_markers": {f"p{p}{s}": self.names[self.side_ids[(p, s)]]
                             for p in range(self.relations) for s in "ab"},
        }
        if cnt is not None:
            key["distinct_words"] = int((cnt > 0).sum())
            key["top_counts"] = {self.names[i]: int(cnt[i]) for i in np.argsort(-cnt)[:20]}
            planted_ids = list(self.word_ids.values())
            key["planted_word_count_min"] = int(cnt[planted_ids].min())
        with open(paths["key"], "w") as f:
            json.dump(key, f, indent=1)
        with open(paths["questions"], "w") as f:
            f.write("\n".join(self.questions()) + "\n")
        with open(paths["pairs"], "w") as f:
            f.write("\n".join(self.pairs()) + "\n")
        return paths


def parse_tokens(s: str) -> int:
    s = s.strip().lower().replace("_", "")
    mult = {"k": 10**3, "m": 10**6, "g": 10**9, "b": 10**9}
    if s and s[-1] in mult:
        return int(float(s[:-1]) * mult[s[-1]])
    return int(float(s))


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description="synthetic Zipfian corpus with planted groups and analogies")
    ap.add_argument("--tokens", type=parse_tokens, required=True, help="e.g. 2000000, 16M, 1B")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--out", required=True)
    ap.add_argument("--vocab", type=int, default=50000, help="background vocabulary size")
    ap.add_argument("--relations", type=int, default=4)
    ap.add_argument("--group-size", type=int, default=20)
    ap.add_argument("--zipf", type=float, default=1.0, help="Zipf exponent s")
    ap.add_argument("--planted", type=float, default=0.1,
                    help="fraction of 5-token slots overwritten by planted phrases")
    ap.add_argument("--line-words", type=int, default=1000)
    ap.add_argument("--no-key", action="store_true")
    ap.add_argument("--quiet", action="store_true")
    a = ap.parse_args(argv)
    os.makedirs(os.path.dirname(os.path.abspath(a.out)) or ".", exist_ok=True)
    s = Synth(a.vocab, a.relations, a.group_size, a.zipf, a.planted, a.seed, a.line_words)
    t = time.perf_counter()
    cnt = s.generate(a.tokens, a.out, counts=not a.no_key)
    dt = time.perf_counter() - t
    paths = {} if a.no_key else s.write_key(a.out, a.tokens, cnt)
    if not a.quiet:
        print(f"wrote {a.out}: {a.tokens:,} tokens in {dt:.1f} s ({a.tokens / dt / 1e6:.1f} M tokens/s)"
              + (f"; key: {', '.join(os.path.basename(p) for p in paths.values())}" if paths else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main())
