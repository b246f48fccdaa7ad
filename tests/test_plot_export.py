"""w2v plot (PCA map as a PNG) and w2v export --projector (TensorBoard TSV files)."""

import sys

import numpy as np
import pytest
from click.testing import CliRunner

from w2v_cli.cli.query import export, plot
from w2v_cli.errors import W2VError
from w2v_cli.vectors.export import export_projector
from w2v_cli.vectors.plot import PLOT_EXTRA_MESSAGE, draw_map, pca_2d, word_map
from w2v_cli.vectors.keyed import KeyedVectors

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def clusters():
    """Two planted clusters far apart along one direction, plus scattered filler words."""
    rng = np.random.default_rng(3)
    dim = 12
    axis = np.zeros(dim)
    axis[0] = 1.0
    words, rows = [], []
    for name, sign in (("a", 1), ("b", -1)):
        for i in range(6):
            words.append(f"{name}{i}")
            rows.append(8 * sign * axis + 0.3 * rng.standard_normal(dim))
    for i in range(40):
        words.append(f"w{i}")
        rows.append(rng.standard_normal(dim) * np.r_[0.0, np.ones(dim - 1)] + 3 * np.eye(dim)[1 + i % (dim - 1)])
    return KeyedVectors(words, np.array(rows, dtype=np.float32))


@pytest.fixture(scope="module")
def model_path(clusters, tmp_path_factory):
    path = tmp_path_factory.mktemp("plot") / "model.bin"
    clusters.save(path)
    return path


def invoke(command, args):
    return CliRunner().invoke(command, [str(a) for a in args], catch_exceptions=False)


def independent_pca(x):
    """First two principal-axis coordinates from the covariance's eigenvectors (not an SVD)."""
    centred = x - x.mean(axis=0)
    values, vectors = np.linalg.eigh(centred.T @ centred)
    return centred @ vectors[:, np.argsort(values)[::-1][:2]]


def test_pca_matches_the_covariance_eigenvectors_up_to_sign():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((30, 7)) * np.array([5, 3, 1, 0.5, 0.2, 0.1, 0.05])
    got, expected = pca_2d(x), independent_pca(x)
    for k in range(2):
        sign = np.sign(got[:, k] @ expected[:, k])
        np.testing.assert_allclose(got[:, k], sign * expected[:, k], rtol=1e-9, atol=1e-9)
    # centred projections: each axis sums to 0, the first has the larger variance
    np.testing.assert_allclose(got.sum(axis=0), 0, atol=1e-9)
    assert got[:, 0].var() > got[:, 1].var()


def test_pca_signs_are_fixed_and_degenerate_inputs_pad_with_zeros():
    rng = np.random.default_rng(1)
    x = rng.standard_normal((10, 4))
    np.testing.assert_array_equal(pca_2d(x), pca_2d(x.copy()))
    np.testing.assert_array_equal(pca_2d(x[:1]), [[0.0, 0.0]])
    line = pca_2d(np.arange(5.0)[:, None])  # dimension 1: one component, the second is 0
    np.testing.assert_allclose(np.abs(line[:, 0]), np.abs(np.arange(5.0) - 2))
    np.testing.assert_array_equal(line[:, 1], 0)


def test_word_map_labels_neighbours_and_projection(clusters):
    labels, coords, is_query = word_map(clusters, ["a0", "b0"], neighbours=3)
    # query words first, then each one's neighbours: the planted cluster mates
    assert labels[:2] == ["a0", "b0"] and is_query == [True, True] + [False] * 6
    near_a = [w for w, _ in clusters.most_similar(["a0"], topn=3)]
    near_b = [w for w, _ in clusters.most_similar(["b0"], topn=3)]
    assert labels[2:] == near_a + near_b
    assert all(w.startswith("a") for w in near_a) and all(w.startswith("b") for w in near_b)
    selected = clusters.vectors[[clusters.row(w) for w in labels]].astype(np.float64)
    expected = independent_pca(selected)
    for k in range(2):
        sign = np.sign(coords[:, k] @ expected[:, k])
        np.testing.assert_allclose(coords[:, k], sign * expected[:, k], rtol=1e-7, atol=1e-7)
    # the first component separates the two clusters
    side = np.sign(coords[:, 0])
    assert len(set(side[[0, 2, 3, 4]])) == 1 and len(set(side[[1, 5, 6, 7]])) == 1 and side[0] != side[1]


def test_word_map_without_repeats(clusters):
    labels, _, is_query = word_map(clusters, ["a0", "a1", "a0"], neighbours=5)
    assert len(labels) == len(set(labels)) and labels[:2] == ["a0", "a1"]
    assert is_query.count(True) == 2 and set(labels) == {f"a{i}" for i in range(6)}
    assert word_map(clusters, ["b2"], neighbours=0)[0] == ["b2"]


def test_draw_map_writes_a_png_with_every_label(clusters, tmp_path):
    labels, coords, is_query = word_map(clusters, ["a0", "b0"], neighbours=2)
    labels[-1] = "$5"  # matplotlib would read "$...$" as mathtext: must come out literally
    path = tmp_path / "map.png"
    fig = draw_map(labels, coords, is_query, path)
    drawn = [t.get_text().replace(r"\$", "$") for t in fig.axes[0].texts]
    assert drawn == labels
    assert path.read_bytes()[:8] == PNG_SIGNATURE


def test_plot_command_writes_a_valid_png(model_path, tmp_path):
    image = pytest.importorskip("matplotlib.image")
    out = tmp_path / "map.png"
    result = invoke(plot, ["a0", "b1", "-m", model_path, "-o", out, "--neighbours", "4"])
    assert result.exit_code == 0, result.stderr
    assert "10 words" in result.stderr
    assert out.read_bytes()[:8] == PNG_SIGNATURE
    pixels = image.imread(str(out))
    assert pixels.shape[:2] == (600, 800)
    assert pixels.std() > 0  # something was drawn
    assert [p.name for p in tmp_path.iterdir()] == ["map.png"]  # no temporary file left


def test_plot_unknown_word_one_line_and_no_file(model_path, tmp_path):
    out = tmp_path / "map.png"
    result = invoke(plot, ["a0", "bb0", "-m", model_path, "-o", out])
    assert result.exit_code == 1 and result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "'bb0'" in lines[0] and "did you mean" in lines[0]
    assert not out.exists()


def test_plot_without_matplotlib_says_how_to_install_it(model_path, tmp_path, monkeypatch):
    # None in sys.modules makes `import matplotlib...` raise ImportError, as when it is absent
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    monkeypatch.setitem(sys.modules, "matplotlib.figure", None)
    out = tmp_path / "map.png"
    result = invoke(plot, ["a0", "-m", model_path, "-o", out])
    assert result.exit_code == 1
    assert result.stderr == f"error: {PLOT_EXTRA_MESSAGE}\n"
    assert "pip install 'w2v-cli[plot]'" in PLOT_EXTRA_MESSAGE
    assert not out.exists()


def read_projector(directory):
    tensors = (directory / "tensors.tsv").read_text()
    metadata = (directory / "metadata.tsv").read_text(encoding="utf-8")
    return tensors.splitlines(), metadata.split("\n")


def test_export_projector_round_trips_float32_exactly(tmp_path):
    rng = np.random.default_rng(7)
    vectors = (rng.standard_normal((25, 9)) * 10.0 ** rng.integers(-30, 30, (25, 9))).astype(np.float32)
    vectors[0, :3] = [np.float32(1 / 3), -0.0, np.finfo(np.float32).max]
    words = ["the", "café", "naïve", "<s>", "a,b"] + [f"w{i}" for i in range(20)]
    out = tmp_path / "new" / "proj"  # created, parents too
    export_projector(KeyedVectors(words, vectors), out)
    rows, metadata = read_projector(out)
    assert len(rows) == 25 and all(len(r.split("\t")) == 9 for r in rows)
    back = np.array([[float(v) for v in r.split("\t")] for r in rows]).astype(np.float32)
    np.testing.assert_array_equal(back, vectors)
    assert metadata == words + [""]  # one word a line, no header, newline-terminated


def test_export_command_limit_and_errors(model_path, clusters, tmp_path):
    out = tmp_path / "proj"
    result = invoke(export, ["--projector", out, "-m", model_path, "--limit", 7])
    assert result.exit_code == 0, result.stderr
    rows, metadata = read_projector(out)
    assert metadata[:-1] == clusters.words[:7] and len(rows) == 7
    np.testing.assert_array_equal(np.array([r.split("\t") for r in rows], dtype=np.float32),
                                  clusters.vectors[:7])
    assert sorted(p.name for p in out.iterdir()) == ["metadata.tsv", "tensors.tsv"]

    result = invoke(export, ["--projector", model_path, "-m", model_path])
    assert result.exit_code == 1 and len(result.stderr.splitlines()) == 1
    assert "not a directory" in result.stderr

    missing = tmp_path / "never"
    result = invoke(export, ["--projector", missing, "-m", tmp_path / "absent.bin"])
    assert result.exit_code == 1 and len(result.stderr.splitlines()) == 1
    assert not missing.exists()  # the model is read before the directory is made


def test_export_refuses_a_word_the_metadata_cannot_hold(tmp_path):
    kv = KeyedVectors(["ok", "tab\there"], np.ones((2, 3), np.float32))
    with pytest.raises(W2VError, match="tab"):
        export_projector(kv, tmp_path / "proj")
    assert not (tmp_path / "proj").exists()


def test_commands_are_registered_on_w2v(model_path, tmp_path):
    from w2v_cli.cli.app import cli

    result = CliRunner().invoke(cli, ["export", "--projector", str(tmp_path / "p"), "-m", str(model_path)])
    assert result.exit_code == 0 and (tmp_path / "p" / "metadata.tsv").exists()
    result = CliRunner().invoke(cli, ["plot", "a0", "-m", str(model_path), "-o", str(tmp_path / "m.png")])
    assert result.exit_code == 0 and (tmp_path / "m.png").read_bytes()[:8] == PNG_SIGNATURE
