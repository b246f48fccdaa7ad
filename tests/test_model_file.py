"""The .w2v model file: round trips, mapped without a copy, refusals in one line,
--init from it equal to --init from the vectors, context and vocabulary files."""

import json
import mmap
import os
import struct
import subprocess
import sys

import numpy as np
import pytest

from hostile_util import mutated
from conftest import planted_sentences, run_w2v
from w2v_cli.errors import W2VError
from w2v_cli.vectors import model_file
from w2v_cli.vectors.formats import load_word2vec, save_word2vec
from w2v_cli.vectors.keyed import KeyedVectors

WORDS = ["the", "king", "queen", "été", "x_y"] + [f"w{i}" for i in range(200)]


@pytest.fixture
def arrays():
    rng = np.random.default_rng(1)
    vectors = rng.standard_normal((len(WORDS), 12)).astype(np.float32)
    context = rng.standard_normal((len(WORDS), 12)).astype(np.float32)
    counts = np.arange(len(WORDS), 0, -1) * 7
    return vectors, context, counts


def test_round_trip(tmp_path, arrays):
    vectors, context, counts = arrays
    path = tmp_path / "m.w2v"
    model_file.save(path, WORDS, vectors, counts=counts, context=context, options={"dim": 12, "loss": "ns"})
    model = model_file.load(path)
    assert model.words_list() == WORDS and [model.words[i] for i in range(len(WORDS))] == WORDS
    np.testing.assert_array_equal(model.vectors, vectors)
    np.testing.assert_array_equal(model.context, context)
    np.testing.assert_array_equal(model.counts, counts)
    np.testing.assert_array_equal(model.norms, np.linalg.norm(vectors, axis=1))
    assert model.options == {"dim": 12, "loss": "ns"} and model.header["context"] == "words"
    for i, w in enumerate(WORDS):
        assert model.words.find(w) == i
    assert model.words.find("absent") == -1 and model.words.find("w1 w2") == -1 and model.words.find("") == -1
    assert load_word2vec(path)[0] == WORDS


def test_mapped_read_only_without_copy(tmp_path, arrays):
    vectors, _, _ = arrays
    path = tmp_path / "m.w2v"
    model_file.save(path, WORDS, vectors)
    kv = KeyedVectors.load(path)
    base = kv.vectors
    while isinstance(base, np.ndarray) and base.base is not None:
        base = base.base
    if isinstance(base, memoryview):
        base = base.obj
    assert isinstance(base, mmap.mmap)
    assert not kv.vectors.flags.writeable
    assert np.shares_memory(kv.vectors, kv.model.arrays["norms"]) is False
    assert kv._words is None  # answering a query decodes only the words it prints
    assert kv.most_similar("king", topn=3) == KeyedVectors(WORDS, vectors).most_similar("king", topn=3)
    assert kv._words is None
    assert "été" in kv and "nope" not in kv


def test_numpy_and_json_alone_read_it(tmp_path, arrays):
    """docs/model-file.md's recipe, step by step."""
    vectors, context, counts = arrays
    path = tmp_path / "m.w2v"
    model_file.save(path, WORDS, vectors, counts=counts, context=context)
    raw = path.read_bytes()
    assert raw[:8] == b"\x89W2V\r\n\x1a\n"
    version, _, hlen = struct.unpack_from("<IIQ", raw, 8)
    header = json.loads(raw[24:24 + hlen])
    assert version == 1 and header["vocab_size"] == len(WORDS) and header["dim"] == 12
    table = {a["name"]: a for a in header["arrays"]}
    assert all(a["offset"] % 64 == 0 for a in table.values())
    vec = table["vectors"]
    mapped = np.memmap(path, dtype=vec["dtype"], mode="r", offset=vec["offset"], shape=tuple(vec["shape"]))
    np.testing.assert_array_equal(mapped, vectors)
    w = table["words"]
    assert raw[w["offset"]:w["offset"] + w["shape"][0]].decode().split("\n")[:-1] == WORDS


def test_convert_round_trips(tmp_path, arrays):
    vectors, _, _ = arrays
    save_word2vec(tmp_path / "v.bin", WORDS, vectors, binary=True)
    r = run_w2v("convert", tmp_path / "v.bin", tmp_path / "v.w2v")
    assert r.returncode == 0, r.stderr
    r = run_w2v("convert", tmp_path / "v.w2v", tmp_path / "back.txt", "--limit", 50)
    assert r.returncode == 0, r.stderr
    r = run_w2v("convert", tmp_path / "back.txt", tmp_path / "back.bin", "--format", "bin")
    assert r.returncode == 0, r.stderr
    words, got = load_word2vec(tmp_path / "back.bin")
    assert words == WORDS[:50]
    np.testing.assert_array_equal(got, vectors[:50])
    a = run_w2v("similar", "-m", tmp_path / "v.bin", "king", "queen", "--neg", "the")
    b = run_w2v("similar", "-m", tmp_path / "v.w2v", "king", "queen", "--neg", "the")
    assert a.returncode == 0 and a.stdout == b.stdout


def _refused(path):
    with pytest.raises(W2VError) as info:
        KeyedVectors.load(path)
    message = str(info.value)
    assert "\n" not in message and str(path) in message
    r = run_w2v("similar", "-m", path, "king")
    assert r.returncode == 1 and r.stderr.startswith("error:") and r.stderr.count("\n") == 1
    return message


def test_truncated_misaligned_and_foreign_files_are_refused(tmp_path, arrays):
    vectors, context, counts = arrays
    good = tmp_path / "m.w2v"
    model_file.save(good, WORDS, vectors, counts=counts, context=context)
    raw = good.read_bytes()
    for cut in (10, 30, len(raw) // 2, len(raw) - 1):
        (tmp_path / "cut.w2v").write_bytes(raw[:cut])
        assert "truncated" in _refused(tmp_path / "cut.w2v")
    hlen = struct.unpack_from("<Q", raw, 16)[0]
    header = json.loads(raw[24:24 + hlen])
    for entry in header["arrays"]:
        if entry["name"] == "vectors":
            entry["offset"] += 4
    text = json.dumps(header).encode()
    (tmp_path / "mis.w2v").write_bytes(raw[:16] + struct.pack("<Q", len(text)) + text
                                       + raw[24 + len(text):])
    assert "misaligned" in _refused(tmp_path / "mis.w2v")
    (tmp_path / "v2.w2v").write_bytes(raw[:8] + struct.pack("<I", 2) + raw[12:])
    assert "version 2" in _refused(tmp_path / "v2.w2v")
    (tmp_path / "json.w2v").write_bytes(raw[:24] + b"{nope" + raw[29:])
    assert "header is damaged" in _refused(tmp_path / "json.w2v")
    (tmp_path / "npz.w2v").write_bytes(b"PK\x03\x04" + raw[4:])
    _refused(tmp_path / "npz.w2v")


def test_trained_model_file_and_init_equal_the_three_files(tmp_path):
    corpus = tmp_path / "a.txt"
    corpus.write_text("\n".join(" ".join(s) for s in planted_sentences(n_groups=3, n_sentences=300, seed=1)))
    more = tmp_path / "b.txt"
    more.write_text("\n".join(" ".join(s) for s in planted_sentences(n_groups=4, n_sentences=300, seed=2)))
    common = ["--dim", 8, "--epochs", 2, "--threads", 1, "--min-count", 1, "-q"]
    r = run_w2v("train", corpus, "-o", tmp_path / "a.w2v", *common)
    assert r.returncode == 0, r.stderr
    r = run_w2v("train", corpus, "-o", tmp_path / "a.bin", "--save-context", tmp_path / "a.ctx",
                "--save-vocab", tmp_path / "a.vocab", *common)
    assert r.returncode == 0, r.stderr
    model = model_file.load(tmp_path / "a.w2v")
    words, W = load_word2vec(tmp_path / "a.bin")
    assert model.words_list() == words
    np.testing.assert_array_equal(model.vectors, W)
    np.testing.assert_array_equal(model.context, load_word2vec(tmp_path / "a.ctx")[1])
    assert model.options["dim"] == 8 and model.options["epochs"] == 2 and model.options["loss"] == "ns"
    vocab_lines = (tmp_path / "a.vocab").read_text().split()
    assert model.counts.tolist() == [int(c) for c in vocab_lines[1::2]]

    r = run_w2v("train", more, "-o", tmp_path / "f.bin", "--init", tmp_path / "a.bin", "--init-context",
                tmp_path / "a.ctx", "--init-vocab", tmp_path / "a.vocab", *common)
    assert r.returncode == 0, r.stderr
    r = run_w2v("train", more, "-o", tmp_path / "m.bin", "--init", tmp_path / "a.w2v", *common)
    assert r.returncode == 0, r.stderr
    assert (tmp_path / "f.bin").read_bytes() == (tmp_path / "m.bin").read_bytes()

    r = run_w2v("train", more, "-o", tmp_path / "x.bin", "--init", tmp_path / "a.w2v", "--init-context",
                tmp_path / "a.ctx", *common)
    assert r.returncode == 1 and "drop --init-context" in r.stderr and r.stderr.count("\n") == 1
    # vectors only (a converted file): needs --init-context, as a vectors file does
    run_w2v("convert", tmp_path / "a.bin", tmp_path / "only.w2v")
    r = run_w2v("train", more, "-o", tmp_path / "x.bin", "--init", tmp_path / "only.w2v", *common)
    assert r.returncode == 1 and "--init-context" in r.stderr and r.stderr.count("\n") == 1


def test_train_result_wv_and_save(tmp_path):
    from w2v_cli.training.loop import train

    result = train(planted_sentences(n_groups=2, n_sentences=100), dim=6, epochs=1, min_count=1, threads=1,
                   progress=False)
    assert result.wv.words == result.words
    np.testing.assert_array_equal(result.wv.vectors, result.W)
    result.save(tmp_path / "r.w2v")
    kv = KeyedVectors.load(tmp_path / "r.w2v")
    np.testing.assert_array_equal(kv.vectors, result.W)
    assert kv.counts.tolist() == result.vocab.counts.tolist() and kv.options["dim"] == 6


def test_new_commands_and_model_files_do_not_import_numba(tmp_path, arrays):
    vectors, _, _ = arrays
    save_word2vec(tmp_path / "v.bin", WORDS, vectors, binary=True)
    code = (
        "import sys\n"
        "from w2v_cli.cli import main\n"
        "d = sys.argv[1]\n"
        "for args in (['convert', d + '/v.bin', d + '/v.w2v'], ['similar', 'king', '-m', d + '/v.w2v'],\n"
        "             ['similarity', 'king', 'queen', '-m', d + '/v.w2v'],\n"
        "             ['doesnt-match', 'king', 'queen', 'w1', '-m', d + '/v.w2v']):\n"
        "    try:\n"
        "        main(args)\n"
        "    except SystemExit as e:\n"
        "        assert not e.code, (args, e.code)\n"
        "assert 'numba' not in sys.modules, 'numba was imported'\n"
    )
    done = subprocess.run([sys.executable, "-c", code, str(tmp_path)], capture_output=True, text=True,
                          env=dict(os.environ, PYTHONPATH=os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "v.w2v").exists()


def test_blocked_norms_are_numpys_bit_for_bit():
    vectors = np.random.default_rng(2).standard_normal((model_file._BLOCK_ROWS + 999, 7)).astype(np.float32)
    np.testing.assert_array_equal(model_file.row_norms(vectors), np.linalg.norm(vectors, axis=1))
    assert model_file.all_finite(vectors)
    vectors[-1, 3] = np.nan
    assert not model_file.all_finite(vectors)


def _model_bytes():
    rng = np.random.default_rng(4)
    path = "/tmp/.w2v-fuzz-src-%d.w2v" % os.getpid()
    model_file.save(path, WORDS[:20], rng.standard_normal((20, 4)).astype(np.float32), counts=np.arange(20, 0, -1))
    data = open(path, "rb").read()
    os.unlink(path)
    return data


_FUZZ_SOURCE = _model_bytes()

from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402


@settings(max_examples=150, deadline=2000, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(edits=st.lists(st.tuples(st.sampled_from(["flip", "cut", "insert", "delete"]), st.integers(0, 1 << 16),
                                st.integers(0, 255)), min_size=1, max_size=4))
def test_fuzz_mutated_model_files(tmp_path, edits):
    data = bytearray(mutated(_FUZZ_SOURCE, edits))
    path = tmp_path / "fuzz.w2v"
    path.write_bytes(bytes(data))
    try:
        kv = KeyedVectors.load(path)
    except W2VError as exc:
        assert "\n" not in str(exc)
        return
    assert kv.vectors.shape == (len(kv), kv.dim)
    [kv.word(i) for i in range(len(kv))]
    "w1" in kv  # noqa: B015 (a lookup must not crash)


def test_a_huge_shape_in_the_table_is_refused(tmp_path, arrays):
    vectors, context, _ = arrays
    model_file.save(tmp_path / "m.w2v", WORDS, vectors, context=context)
    raw = (tmp_path / "m.w2v").read_bytes()
    hlen = struct.unpack_from("<Q", raw, 16)[0]
    header = json.loads(raw[24:24 + hlen])
    for entry in header["arrays"]:
        if entry["name"] == "context":
            entry["shape"] = [2 ** 62, 12]  # 2**62 * 12 * 4 bytes wraps to 0 in int64
    text = json.dumps(header).encode()
    assert len(text) <= hlen + (header["arrays"][0]["offset"] - 24 - hlen)
    (tmp_path / "huge.w2v").write_bytes(raw[:16] + struct.pack("<Q", len(text)) + text + raw[24 + len(text):])
    assert "outside the file" in _refused(tmp_path / "huge.w2v")
