"""corpora/make_gcide.py text cleaning, on a small inline sample (no dict-gcide needed)."""
import gzip
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "corpora"))
import make_gcide  # noqa: E402

SAMPLE = """\
00-database-info
   This file was converted from the original database on:
   GCIDE is free software; the GNU General Public License applies.

Affear \\Af*fear"\\, v. t. [OE. aferen, AS. [=a]f[=e]ran. See
   {Afeard}.]
   To frighten. [Obs.] --Spenser.
   [1913 Webster]

Caf['e] \\Caf`['e]"\\, n. <i>A coffee house</i>; a restaurant.
   [WordNet 1.5 +PJC]
   [Webster 1913 Suppl.]
   It's 42 years old & costs $3.
"""


def test_clean_text_strips_markup_and_keeps_a_z_words():
    words = make_gcide.clean_text(SAMPLE.split("Affear", 1)[1])
    text = " ".join(words)
    assert "webster" not in words and "wordnet" not in words and "pjc" not in words
    assert "i" not in words  # the <i> tag is gone, not turned into a word
    assert "aferan" in words and "cafe" in words  # accent codes [=a] ['e] fold into their word
    assert words.count("affear") == 0 and "caf" not in words  # pronunciations \...\ dropped
    assert "to frighten obs spenser" in text
    assert "a coffee house a restaurant" in text
    assert "it s years old costs" in text  # digits and symbols are separators
    assert all(w.isalpha() and w.islower() and w.isascii() for w in words)


def test_build_skips_header_and_writes_fixed_lines(tmp_path):
    src = tmp_path / "mini.dict.dz"
    with gzip.open(src, "wt") as f:
        f.write(SAMPLE * 30)
    out = tmp_path / "out.txt"
    n, counts = make_gcide.build(str(src), str(out), line_words=10)
    lines = out.read_text().split("\n")
    assert lines[-1] == ""
    assert all(len(l.split(" ")) == 10 for l in lines[:-2])
    assert sum(len(l.split()) for l in lines) == n == sum(counts.values())
    assert "gnu" not in counts and "converted" not in counts  # 00-database header dropped
    assert counts["frighten"] == 30
