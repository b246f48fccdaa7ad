"""w2v similar / analogy / evaluate through Click, as a user sees them."""

import json
import subprocess
import sys

import numpy as np
import pytest
from click.testing import CliRunner

from w2v_cli.cli.query import analogy, evaluate, similar
from w2v_cli.vectors.keyed import KeyedVectors


@pytest.fixture(scope="module")
def model(tmp_path_factory):
    rng = np.random.default_rng(5)
    words = ["king", "man", "woman", "queen", "paris", "france", "berlin", "germany", "athens", "greece"]
    words += [f"w{i}" for i in range(300)]
    vectors = rng.standard_normal((len(words), 20)).astype(np.float32)
    vectors[3] = vectors[0] - vectors[1] + vectors[2]
    path = tmp_path_factory.mktemp("cli") / "model.bin"
    KeyedVectors(words, vectors).save(path)
    return path


@pytest.fixture
def run(monkeypatch):
    monkeypatch.delenv("W2V_MODEL", raising=False)

    def invoke(command, args, **kwargs):
        return CliRunner().invoke(command, [str(a) for a in args], catch_exceptions=False, **kwargs)
    return invoke


def rows(output):
    return [line.split("\t") for line in output.splitlines() if line]


def test_similar_prints_topn_with_scores(run, model):
    result = run(similar, ["king", "-n", "5", "-m", model])
    assert result.exit_code == 0
    got = rows(result.stdout)
    expected = KeyedVectors.load(model).most_similar(["king"], topn=5)
    assert [w for w, _ in got] == [w for w, _ in expected]
    assert [float(s) for _, s in got] == pytest.approx([s for _, s in expected], abs=1e-6)
    assert "king" not in [w for w, _ in got]


def test_similar_with_negative_words(run, model):
    result = run(similar, ["king", "woman", "--neg", "man", "-n", "3", "-m", model])
    assert result.exit_code == 0 and rows(result.stdout)[0][0] == "queen"


def test_unknown_word_one_line_with_suggestion(run, model):
    result = run(similar, ["kinng", "-m", model])
    assert result.exit_code != 0
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "'kinng'" in lines[0] and "'king'" in lines[0]
    assert "Traceback" not in result.stderr


def test_analogy_command(run, model):
    result = run(analogy, ["king", "man", "woman", "-m", model, "-n", "3"])
    assert result.exit_code == 0 and rows(result.stdout)[0][0] == "queen"
    result = run(analogy, ["king", "man", "woman", "-m", model, "--method", "3cosmul", "--json"])
    data = json.loads(result.stdout)
    assert data["method"] == "3cosmul" and data["results"][0]["word"] == "queen"
    assert len(data["results"]) == 10
    result = run(analogy, ["king", "mna", "woman", "-m", model])
    assert result.exit_code == 1 and "'mna'" in result.stderr and "'man'" in result.stderr


def test_json_output(run, model):
    result = run(similar, ["paris", "-m", model, "-n", "4", "--json"])
    data = json.loads(result.stdout)
    assert data["query"] == ["paris"] and len(data["results"]) == 4
    assert all(isinstance(r["word"], str) and -1 <= r["score"] <= 1 for r in data["results"])


def test_stdin_queries(run, model):
    result = run(similar, ["-m", model, "-n", "2"], input="king\nnot_a_word\nparis france\n\nberlin\n")
    assert result.exit_code == 1  # one line failed
    blocks = [b for b in result.stdout.split("\n\n") if b.strip()]
    assert len(blocks) == 2  # king, "paris france"; the blank line ends before berlin
    assert all(len(rows(b)) == 2 for b in blocks)
    assert result.stderr.count("\n") == 1 and "'not_a_word'" in result.stderr


def test_stdin_queries_json_lines(run, model):
    result = run(similar, ["-m", model, "--json"], input="king\nparis greece\n")
    assert result.exit_code == 0
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r["query"] for r in records] == [["king"], ["paris", "greece"]]


def test_model_resolution_order(run, model, tmp_path, monkeypatch):
    other = tmp_path / "other.bin"
    KeyedVectors(["solo", "duo"], np.eye(2, dtype=np.float32)).save(other)
    monkeypatch.chdir(tmp_path)

    result = run(similar, ["king"])  # nothing anywhere
    assert result.exit_code == 1
    assert "-m PATH" in result.stderr and "W2V_MODEL" in result.stderr and len(result.stderr.splitlines()) == 1

    KeyedVectors(["local", "vec"], np.eye(2, dtype=np.float32)).save(tmp_path / "vectors.bin")
    assert run(similar, ["local"]).stdout.startswith("vec\t")  # ./vectors.bin

    monkeypatch.setenv("W2V_MODEL", str(other))
    assert run(similar, ["solo"]).stdout.startswith("duo\t")  # $W2V_MODEL beats ./vectors.bin

    assert run(similar, ["king", "-m", model]).exit_code == 0  # -m beats both


def test_bad_model_file_is_one_line(run, tmp_path):
    bad = tmp_path / "bad.bin"
    bad.write_bytes(b"not vectors at all\n")
    result = run(similar, ["king", "-m", bad])
    assert result.exit_code == 1 and len(result.stderr.splitlines()) == 1 and "bad.bin" in result.stderr
    result = run(similar, ["king", "-m", tmp_path / "missing.bin"])
    assert result.exit_code == 1 and "no such file" in result.stderr


def test_evaluate_bundled_sets(run, model):
    result = run(evaluate, [model, "--json"])
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    assert data["analogies"]["questions"] == 19544
    assert data["analogies"]["total"]["section"] == "Total accuracy"
    assert [p["file"].rsplit("/", 1)[-1] for p in data["pairs"]] == ["wordsim353.tsv", "simlex999.txt"]
    text = run(evaluate, ["-m", model]).stdout
    for needle in ("capital-common-countries", "semantic", "syntactic", "Total accuracy", "skipped",
                   "wordsim353.tsv", "simlex999.txt", "spearman"):
        assert needle in text


def test_evaluate_selected_files(run, model, tmp_path):
    questions = tmp_path / "q.txt"
    questions.write_text(": royal\nman king woman queen\nparis france berlin germany\n")
    pairs = tmp_path / "p.tsv"
    pairs.write_text("king\tqueen\t9\nman\twoman\t8\nparis\tgreece\t2\nnope\tnada\t1\n")
    data = json.loads(run(evaluate, [model, "--analogies", questions, "--pairs", pairs, "--json"]).stdout)
    assert data["analogies"]["questions"] == 2 and data["analogies"]["total"]["correct"] >= 1
    assert len(data["pairs"]) == 1 and data["pairs"][0]["pairs"] == 3 and data["pairs"][0]["oov"] == 1
    data = json.loads(run(evaluate, [model, "--pairs", pairs, "--json"]).stdout)
    assert "analogies" not in data


def test_evaluate_model_given_twice(run, model, tmp_path):
    result = run(evaluate, [model, "-m", tmp_path / "x.bin"])
    assert result.exit_code == 1 and "either" in result.stderr


def test_query_commands_do_not_import_numba(model):
    code = (
        "import sys, click\n"
        "from w2v_cli.cli.query import similar, analogy, evaluate, plot, export\n"
        "for cmd, args in [(similar, ['king']), (analogy, ['king', 'man', 'woman']),\n"
        "                  (evaluate, ['--pairs', sys.argv[2]]),\n"
        "                  (plot, ['king', 'paris', '-o', sys.argv[3]]), (export, ['--projector', sys.argv[4]])]:\n"
        "    try:\n"
        "        cmd(args + ['-m', sys.argv[1]])\n"
        "    except SystemExit as e:\n"
        "        assert not e.code, e.code\n"
        "assert 'numba' not in sys.modules, 'numba was imported'\n"
    )
    pairs = model.parent / "pairs.tsv"
    pairs.write_text("king\tqueen\t9\nman\twoman\t8\nparis\tgreece\t2\n")
    picture, projector = model.parent / "map.png", model.parent / "projector"
    subprocess.run([sys.executable, "-c", code, str(model), str(pairs), str(picture), str(projector)],
                   check=True, capture_output=True)
    assert picture.stat().st_size > 0 and (projector / "tensors.tsv").stat().st_size > 0


def test_w2v_similar_through_the_main_cli(model):
    """The whole `w2v similar` path (the lead's cli.py included) stays free of numba
    and keeps errors to one line."""
    pytest.importorskip("w2v_cli.cli.app")
    code = (
        "import sys\n"
        "from w2v_cli.cli import main\n"
        "code = 0\n"
        "try:\n"
        "    main(sys.argv[1:])\n"
        "except SystemExit as e:\n"
        "    code = e.code\n"
        "assert 'numba' not in sys.modules, 'numba was imported'\n"
        "sys.exit(code)\n"
    )
    ok = subprocess.run([sys.executable, "-c", code, "similar", "queen", "-m", str(model)],
                        capture_output=True, text=True)
    assert ok.returncode == 0, ok.stderr
    assert len(ok.stdout.splitlines()) == 10
    bad = subprocess.run([sys.executable, "-c", code, "similar", "kinng", "-m", str(model)],
                         capture_output=True, text=True)
    assert bad.returncode != 0 and len(bad.stderr.splitlines()) == 1 and "'king'" in bad.stderr


def test_evaluate_pair_file_without_known_words_is_reported_not_fatal(run, model, tmp_path):
    unknown = tmp_path / "unknown.tsv"
    unknown.write_text("qqq\tzzz\t3\n")
    single = tmp_path / "single.tsv"
    single.write_text("king\tqueen\t9\n")  # one pair: correlation undefined
    result = run(evaluate, [model, "--pairs", unknown, "--pairs", single, "--json"])
    assert result.exit_code == 0
    data = json.loads(result.stdout, parse_constant=pytest.fail)  # strict JSON: NaN became null
    assert "no usable word pairs" in data["pairs"][0]["error"]
    assert data["pairs"][1]["spearman"] is None and data["pairs"][1]["pairs"] == 1
    assert "not evaluated" in run(evaluate, [model, "--pairs", unknown]).stdout
    missing = run(evaluate, [model, "--pairs", tmp_path / "missing.tsv"])
    assert missing.exit_code != 0 and "missing.tsv" in missing.stderr
