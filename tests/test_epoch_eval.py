"""train --eval: a line of scores per epoch, the same history in the library, a plot."""
import os
import re
import sys

import pytest

from conftest import run_w2v
from w2v_cli.training.epoch_eval import EpochEvaluator
from w2v_cli.vectors.evaluate import evaluate_analogies, evaluate_word_pairs
from w2v_cli.vectors.keyed import KeyedVectors
from w2v_cli.training.loop import train

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "corpora"))
import synth  # noqa: E402

LINE = re.compile(r"^epoch (\d+)/(\d+): loss ([0-9.]+) pairs (\S+) analogy (\S+) \(eval [0-9.]+ s\)$")


@pytest.fixture(scope="module")
def planted(tmp_path_factory):
    """A small Zipfian corpus with planted groups and analogies, and its answer key."""
    out = str(tmp_path_factory.mktemp("synth") / "planted.txt")
    s = synth.Synth(vocab=1000, relations=2, group_size=6, planted=0.3, seed=3, line_words=200)
    s.generate(150_000, out, block_tokens=50_000)
    key = s.write_key(out, 150_000, None)
    pairs = os.path.join(os.path.dirname(out), "pairs.tsv")  # the stem names the score: "pairs"
    os.replace(key["pairs"], pairs)
    return out, pairs, key["questions"]


def test_cli_prints_every_epoch_and_the_last_line_scores_the_written_file(tmp_path, planted):
    corpus, pairs, questions = planted
    out = tmp_path / "v.bin"
    r = run_w2v("train", corpus, "-o", out, "--dim", 16, "--epochs", 4, "--min-count", 1, "--threads", 2,
                "--eval-pairs", pairs, "--eval-analogies", questions, "-q")
    assert r.returncode == 0, r.stderr
    lines = [m for m in map(LINE.match, r.stderr.splitlines()) if m]
    assert [(int(m[1]), int(m[2])) for m in lines] == [(k, 4) for k in range(1, 5)]
    assert "evaluation" in r.stderr.splitlines()[-1] and "not in words/s" in r.stderr.splitlines()[-1]
    kv = KeyedVectors.load(out)
    spearman = evaluate_word_pairs(kv, pairs)["spearman"]
    accuracy = evaluate_analogies(kv, questions, restrict_vocab=30000)["accuracy"]
    last = lines[-1]
    assert float(last[4]) == pytest.approx(spearman, abs=1e-4)  # printed to 4 decimals
    assert float(last[5]) == pytest.approx(accuracy, abs=1e-4)
    # The planted groups are found: same-group pairs score above cross-relation ones.
    assert spearman > 0.5


def test_library_history_matches_the_vectors(planted):
    corpus, pairs, questions = planted
    seen = []
    ev = EpochEvaluator([pairs], questions, report=seen.append)
    result = train(corpus, dim=16, epochs=3, min_count=1, threads=1, progress=False, evaluator=ev)
    assert [h["epoch"] for h in result.eval_history] == [1, 2, 3]
    assert [h["loss"] for h in result.eval_history] == result.loss_history
    assert len(seen) == 3 and seen[-1].startswith("epoch 3/3: loss ")
    last = result.eval_history[-1]
    assert last == {**ev.scores(result.words, result.W), "epoch": 3, "loss": result.loss_history[-1],
                    "seconds": last["seconds"]}
    # The time train() keeps out of its own seconds covers every evaluation.
    assert result.eval_seconds >= sum(h["seconds"] for h in result.eval_history) > 0


def test_missing_eval_file_fails_before_training(tmp_path, planted):
    corpus = planted[0]
    out = tmp_path / "v.bin"
    r = run_w2v("train", corpus, "-o", out, "--eval-analogies", tmp_path / "absent.txt", "--min-count", 1)
    assert r.returncode != 0
    assert r.stderr.strip().splitlines() == [f"error: evaluation file {tmp_path / 'absent.txt'} does not exist"]
    assert not out.exists()


def test_eval_plot_is_a_png(tmp_path, planted):
    pytest.importorskip("matplotlib")
    import matplotlib.image

    corpus, pairs, questions = planted
    png = tmp_path / "curves.png"
    r = run_w2v("train", corpus, "-o", tmp_path / "v.bin", "--dim", 8, "--epochs", 2, "--min-count", 1,
                "--eval-pairs", pairs, "--eval-plot", png, "-q")
    assert r.returncode == 0, r.stderr
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    image = matplotlib.image.imread(str(png))
    assert image.ndim == 3 and image.shape[0] > 100 and image.shape[1] > 100


def test_eval_plot_without_matplotlib_fails_before_training(tmp_path, planted):
    fake = tmp_path / "fake"
    (fake / "matplotlib").mkdir(parents=True)
    (fake / "matplotlib" / "__init__.py").write_text("raise ImportError('no matplotlib here')\n")
    out = tmp_path / "v.bin"
    env = {"PYTHONPATH": os.pathsep.join([str(fake), os.environ.get("PYTHONPATH", "")])}
    r = run_w2v("train", planted[0], "-o", out, "--eval-plot", tmp_path / "c.png", "--min-count", 1, env=env)
    assert r.returncode != 0
    assert r.stderr.strip().splitlines() == ["error: --eval-plot needs matplotlib: pip install 'w2v-cli[plot]'"]
    assert not out.exists()
