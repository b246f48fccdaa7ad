#!/usr/bin/env python3
"""Build a text8-style training corpus from Debian's dict-gcide package, offline.

Source: /usr/share/dictd/gcide.dict.dz (dictzip == gzip-compatible), the GNU
Collaborative International Dictionary of English (GPL v2 or later).

Cleaning (see clean_text):
  * drop the 00-database-* header entries (URL, licence text, ...);
  * drop markup tags ``<...>``, provenance notes such as ``[1913 Webster]``,
    ``[WordNet 1.5]``, ``[PJC]`` and pronunciations ``\\Af*fect"\\``;
  * turn accent codes (``[=a]``, ``['e]``, ``[ae]``, ``[imac]`` ...) into
    plain letters so ``f[=a]ran`` stays one word;
  * lowercase, keep only runs of a-z as words (everything else is a separator),
    exactly like text8.

Output: words joined by single spaces, 1,000 words per line (gensim's
corpus_file mode only trains the first 10,000 words of each line, so all
systems are given the same 1,000-word-line file).

Usage: python corpora/make_gcide.py [--src PATH] [--out corpora/data/gcide.txt]
       [--max-words N] [--line-words 1000]
"""
from __future__ import annotations

import argparse
import collections
import gzip
import os
import re
import sys

DEFAULT_SRC = "/usr/share/dictd/gcide.dict.dz"
HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_OUT = os.path.join(HERE, "data", "gcide.txt")

# <tag ...>, </tag>, <e-mail@host>
_TAG = re.compile(r"<[^<>\n]*>")
# provenance / source notes: [1913 Webster], [WordNet 1.5 +PJC], [PJC],
# [Webster 1913 Suppl.], [Century Dict.], [Chambers 1881] ...
_PROVENANCE = re.compile(
    r"\[(?:[^\[\]\n]*(?:Webster|WordNet|PJC|Century Dict|Chambers|Source:|Note:)[^\[\]\n]*)\]"
)
# pronunciation between backslashes on one line: \Af*fect"\
_PRON = re.compile(r"\\[^\\\n]{0,80}\\")
# accent / special character codes, e.g. [=a] ['e] [a^] [.a] [~e] ["o] [-o] [ae] [imac]
_ENTITY = re.compile(r"\[([^\[\]\s]{1,5})\]")
_ENTITY_WORDS = {
    "ae": "ae", "AE": "ae", "oe": "oe", "OE": "oe",
    "imac": "i", "aum": "a", "eth": "th", "thorn": "th", "ETH": "th",
    "THORN": "th", "yogh": "y", "ng": "ng", "sec": "", "root": "",
    "add": "", "asl": "", "deg": "", "min": "", "cre": "",
}
_SINGLE = re.compile(r"^[^A-Za-z]{0,2}([A-Za-z])[^A-Za-z]{0,2}$")
_WORD = re.compile(r"[a-z]+")
_HEADWORD = re.compile(r"^\S[^\\\n]*\\[^\\\n]+\\")


def _entity(m: re.Match) -> str:
    code = m.group(1)
    if code in _ENTITY_WORDS:
        return _ENTITY_WORDS[code]
    s = _SINGLE.match(code)
    if s:
        return s.group(1)
    # an ordinary bracketed word such as [Obs.] or [R.]: keep its text
    return " " + code + " "


def clean_text(text: str) -> list[str]:
    """Return the list of a-z words of a chunk of GCIDE text (markup stripped)."""
    text = _TAG.sub(" ", text)
    text = _PROVENANCE.sub(" ", text)
    text = _PRON.sub(" ", text)
    text = _ENTITY.sub(_entity, text)
    return _WORD.findall(text.lower())


def iter_entries_text(src: str, chunk_lines: int = 20000):
    """Yield chunks of dictionary text, with the 00-database-* header entries skipped."""
    opener = gzip.open if src.endswith((".gz", ".dz")) else open
    with opener(src, "rt", encoding="utf-8", errors="replace") as f:
        # The file opens with 00-database-* entries (URL, licence text); the
        # dictionary proper starts at the first headword line with a
        # pronunciation, e.g. "0 \0\ adj." or "A \A\ ...".
        in_header = True
        buf: list[str] = []
        for line in f:
            if line and not line[0].isspace():  # a headword line starts a new entry
                if line.startswith("00-database") or line.startswith("00database"):
                    in_header = True
                elif in_header and _HEADWORD.match(line):
                    in_header = False
            if in_header:
                continue
            buf.append(line)
            if len(buf) >= chunk_lines:
                # cut at a line boundary: the patterns above never span lines
                yield "".join(buf)
                buf = []
        if buf:
            yield "".join(buf)


def build(src: str, out: str, line_words: int = 1000, max_words: int | None = None,
          quiet: bool = False) -> tuple[int, collections.Counter]:
    os.makedirs(os.path.dirname(os.path.abspath(out)) or ".", exist_ok=True)
    tmp = out + ".tmp"
    counts: collections.Counter = collections.Counter()
    n = 0
    pending: list[str] = []
    with open(tmp, "w", encoding="ascii") as fo:
        for chunk in iter_entries_text(src):
            words = clean_text(chunk)
            if max_words is not None and n + len(words) > max_words:
                words = words[: max_words - n]
            counts.update(words)
            n += len(words)
            pending.extend(words)
            while len(pending) >= line_words:
                fo.write(" ".join(pending[:line_words]) + "\n")
                del pending[:line_words]
            if max_words is not None and n >= max_words:
                break
        if pending:
            fo.write(" ".join(pending) + "\n")
    os.replace(tmp, out)
    return n, counts


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--src", default=DEFAULT_SRC)
    ap.add_argument("--out", default=DEFAULT_OUT)
    ap.add_argument("--line-words", type=int, default=1000)
    ap.add_argument("--max-words", type=int, default=None)
    ap.add_argument("--quiet", action="store_true")
    a = ap.parse_args(argv)
    if not os.path.exists(a.src):
        print(f"make_gcide: {a.src} not found; install it with `apt-get install dict-gcide`",
              file=sys.stderr)
        return 2
    n, counts = build(a.src, a.out, a.line_words, a.max_words)
    if not a.quiet:
        print(f"wrote {a.out}: {n:,} words, {len(counts):,} distinct, "
              f"{sum(1 for c in counts.values() if c >= 5):,} with count >= 5")
        print("top 20:", " ".join(f"{w}:{c}" for w, c in counts.most_common(20)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
