"""evaluate_analogies / evaluate_word_pairs return gensim's numbers on the bundled sets."""

from pathlib import Path

import numpy as np
import pytest

from w2v_cli.errors import W2VError
from w2v_cli.vectors.evaluate import evaluate_analogies, evaluate_word_pairs, pearson, rankdata, spearman
from w2v_cli.vectors.keyed import KeyedVectors

gensim_kv = pytest.importorskip("gensim.models.keyedvectors")
stats = pytest.importorskip("scipy.stats")

DATA = Path(__file__).resolve().parent.parent / "w2v_cli" / "data"
QUESTIONS = DATA / "questions-words.txt"
PAIRS = [DATA / "wordsim353.tsv", DATA / "simlex999.txt"]


def benchmark_vocabulary():
    """Words of the bundled sets in first-seen order, with lower-case variants first."""
    seen, words = set(), []
    for line in QUESTIONS.read_text().splitlines():
        if not line.startswith(":"):
            for w in line.split():
                for v in (w.lower(), w):
                    if v not in seen:
                        seen.add(v)
                        words.append(v)
    for path in PAIRS:
        for line in path.read_text().splitlines():
            if not line.startswith("#"):
                for w in line.split("\t")[:2]:
                    if w not in seen:
                        seen.add(w)
                        words.append(w)
    return words


@pytest.fixture(scope="module")
def models(tmp_path_factory):
    """~80% of the benchmark words (so some questions are OOV) with a few thousand planted answers,
    written to a binary file and loaded by both libraries."""
    rng = np.random.default_rng(7)
    words = [w for w in benchmark_vocabulary() if rng.random() < 0.8]
    index = {w: i for i, w in enumerate(words)}
    vectors = rng.standard_normal((len(words), 40)).astype(np.float32)
    lines = [ln.split() for ln in QUESTIONS.read_text().splitlines() if not ln.startswith(":")]
    for a, b, c, d in (lines[i] for i in rng.choice(len(lines), 3000, replace=False)):
        a, b, c, d = (w.lower() for w in (a, b, c, d))
        if all(w in index for w in (a, b, c, d)) and len({a, b, c, d}) == 4:
            vectors[index[d]] = vectors[index[b]] - vectors[index[a]] + vectors[index[c]] \
                + 0.3 * rng.standard_normal(40)
    path = tmp_path_factory.mktemp("eval") / "vectors.bin"
    KeyedVectors(words, vectors).save(path)
    return KeyedVectors.load(path), gensim_kv.KeyedVectors.load_word2vec_format(str(path), binary=True)


@pytest.fixture(scope="module")
def default_analogies(models):
    """Our result with the default settings, shared by the tests that only read it."""
    return evaluate_analogies(models[0], QUESTIONS)


@pytest.mark.parametrize("restrict_vocab,case_insensitive", [(30000, True), (2000, True), (30000, False)])
def test_analogies_equal_gensim(models, default_analogies, restrict_vocab, case_insensitive):
    ours, g = models
    if (restrict_vocab, case_insensitive) == (30000, True):
        result = default_analogies
    else:
        result = evaluate_analogies(ours, QUESTIONS, restrict_vocab=restrict_vocab,
                                    case_insensitive=case_insensitive)
    score, sections = g.evaluate_word_analogies(str(QUESTIONS), restrict_vocab=restrict_vocab,
                                                case_insensitive=case_insensitive)
    assert round(result["accuracy"], 4) == round(score, 4)
    assert len(result["total"]["correct"]) > 50  # the planted answers are found: a real comparison
    assert [s["section"] for s in result["sections"]] + ["Total accuracy"] == [s["section"] for s in sections]
    for mine, theirs in zip(result["sections"] + [result["total"]], sections):
        assert mine["correct"] == theirs["correct"], mine["section"]
        assert mine["incorrect"] == theirs["incorrect"], mine["section"]


def test_analogy_summary_numbers(default_analogies):
    result = default_analogies
    assert result["questions"] == 19544
    evaluated = len(result["total"]["correct"]) + len(result["total"]["incorrect"])
    assert result["oov"] + evaluated == result["questions"] and result["oov"] > 0
    assert result["oov_ratio"] == pytest.approx(100 * result["oov"] / 19544)
    names = [s["section"] for s in result["sections"]]
    assert names[:5] == ["capital-common-countries", "capital-world", "currency", "city-in-state", "family"]
    assert all(n.startswith("gram") for n in names[5:])
    assert result["semantic"]["total"] + result["syntactic"]["total"] == evaluated
    assert result["semantic"]["correct"] + result["syntactic"]["correct"] == len(result["total"]["correct"])


@pytest.mark.parametrize("path", PAIRS, ids=lambda p: p.name)
@pytest.mark.parametrize("restrict_vocab,case_insensitive", [(300000, True), (1500, True), (300000, False)])
def test_word_pairs_equal_gensim(models, path, restrict_vocab, case_insensitive):
    ours, g = models
    result = evaluate_word_pairs(ours, path, restrict_vocab=restrict_vocab, case_insensitive=case_insensitive)
    (gp, _), (gs, _), goov = g.evaluate_word_pairs(str(path), restrict_vocab=restrict_vocab,
                                                   case_insensitive=case_insensitive)
    assert result["pearson"] == pytest.approx(gp, abs=1e-4)
    assert result["spearman"] == pytest.approx(gs, abs=1e-4)
    assert result["oov_ratio"] == pytest.approx(goov, abs=1e-9)
    assert result["pairs"] + result["oov"] == (353 if "353" in path.name else 999)


def test_analogy_file_quirks(tmp_path, models):
    """Malformed lines are skipped like gensim does; a question before any section is an error."""
    ours, g = models
    path = tmp_path / "q.txt"
    path.write_text(": first\nathens greece baghdad iraq\nnot enough words\n\n: gram-x\n"
                    "ATHENS GREECE BERLIN GERMANY\none two three four five\nzzz yyy xxx www\n")
    result = evaluate_analogies(ours, path)
    score, sections = g.evaluate_word_analogies(str(path), restrict_vocab=30000)
    assert result["questions"] == 3 and result["oov"] >= 1
    assert [(len(s["correct"]), len(s["incorrect"])) for s in result["sections"] + [result["total"]]] == \
        [(len(s["correct"]), len(s["incorrect"])) for s in sections]
    path.write_text("athens greece baghdad iraq\n")
    with pytest.raises(W2VError, match="line 1"):
        evaluate_analogies(ours, path)
    path.write_text(": empty\n")
    with pytest.raises(W2VError, match="no analogy questions"):
        evaluate_analogies(ours, path)


def test_pairs_without_usable_lines(tmp_path, models):
    path = tmp_path / "p.tsv"
    path.write_text("# comment\nqqqq\tzzzz\t3.0\nbad line\n")
    with pytest.raises(W2VError, match="no usable word pairs"):
        evaluate_word_pairs(models[0], path)
    with pytest.raises(W2VError, match="cannot read"):
        evaluate_word_pairs(models[0], tmp_path / "missing.tsv")


def test_correlations_equal_scipy():
    rng = np.random.default_rng(3)
    for trial in range(50):
        n = int(rng.integers(3, 300))
        x = rng.standard_normal(n)
        y = x * rng.random() + rng.standard_normal(n)
        if trial % 2:  # plenty of ties, as in human ratings
            x, y = np.round(x, 1), np.round(y * 2) / 2
        assert pearson(x, y) == pytest.approx(stats.pearsonr(x, y)[0], abs=1e-9)
        assert spearman(x, y) == pytest.approx(stats.spearmanr(x, y)[0], abs=1e-9)
        np.testing.assert_array_equal(rankdata(y), stats.rankdata(y))


def test_correlation_of_constant_is_nan():
    assert np.isnan(pearson([1, 1, 1], [1, 2, 3]))
    assert np.isnan(spearman([1, 2, 3], [5, 5, 5]))


@pytest.mark.parametrize("n", [5, 8, 9, 200, 1000, 1025, 4097])
def test_batched_top_k_equals_plain_partial_sort(n):
    from w2v_cli.vectors.evaluate import top_rows
    from w2v_cli.vectors.keyed import top_indices

    rng = np.random.default_rng(n)
    dists = rng.standard_normal((40, n)).astype(np.float32)
    dists[0, :] = -1.0
    dists[0, 3] = 5.0  # one clear winner in an otherwise flat row
    expected = np.array([top_indices(row, 8) for row in dists])
    np.testing.assert_array_equal(top_rows(dists[1:], 8), expected[1:])
    assert top_rows(dists[:1], 8)[0][0] == 3
