"""Damaged or hostile vector files give one clear W2VError, never a crash or a hang."""

import pickle

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hostile_util import mutated

from w2v_cli.errors import W2VError
from w2v_cli.vectors.formats import load_word2vec, save_word2vec

WORDS = ["alpha", "beta", "gamma", "delta"]
VECTORS = np.arange(12, dtype=np.float32).reshape(4, 3) / 7


def binary_bytes(words=WORDS, vectors=VECTORS, header=None, newline=True):
    n, dim = vectors.shape
    head = header if header is not None else f"{n} {dim}\n".encode()
    end = b"\n" if newline else b""
    return head + b"".join(w.encode() + b" " + v.astype("<f4").tobytes() + end for w, v in zip(words, vectors))


def text_bytes(lines, header=b"4 3\n"):
    return header + "".join(line + "\n" for line in lines).encode()


GOOD_TEXT = [f"{w} " + " ".join(str(x) for x in v) for w, v in zip(WORDS, VECTORS.tolist())]


def load_bytes(tmp_path, data, name="v.bin", binary=None):
    path = tmp_path / name
    path.write_bytes(data)
    return load_word2vec(path, binary=binary)


def error_for(tmp_path, data, name="v.bin", binary=None):
    with pytest.raises(W2VError) as info:
        load_bytes(tmp_path, data, name, binary)
    message = str(info.value)
    assert "\n" not in message and name in message
    return message


def test_valid_inputs_load(tmp_path):
    assert load_bytes(tmp_path, binary_bytes())[0] == WORDS
    assert load_bytes(tmp_path, text_bytes(GOOD_TEXT), "v.txt")[0] == WORDS


def test_empty_file(tmp_path):
    assert "empty" in error_for(tmp_path, b"")


@pytest.mark.parametrize("data", [
    b"hello world, this is prose\nand more prose\n",
    b'{"json": [1, 2, 3]}\n',
    pickle.dumps({"a": np.zeros(3)}),
    b"\x00\x01\x02\x03" * 50,
    b"4 3",  # header without a newline
    b"-4 3\nx 1 2 3\n",
])
def test_not_a_vectors_file(tmp_path, data):
    assert "line 1" in error_for(tmp_path, data)


def test_pickle_is_never_unpickled(tmp_path, monkeypatch):
    monkeypatch.setattr(pickle, "loads", lambda *a, **k: pytest.fail("unpickled"))
    monkeypatch.setattr(pickle, "load", lambda *a, **k: pytest.fail("unpickled"))
    error_for(tmp_path, pickle.dumps([1, 2, 3]))


def test_zero_dimension(tmp_path):
    assert "dimension" in error_for(tmp_path, b"3 0\n")


def test_truncated_binary(tmp_path):
    data = binary_bytes()
    message = error_for(tmp_path, data[:-7])
    assert "truncated" in message and "byte offset" in message


def test_binary_header_promises_more_rows(tmp_path):
    message = error_for(tmp_path, binary_bytes(header=b"5 3\n"))
    assert "truncated" in message and "byte offset" in message


def test_binary_header_promises_fewer_rows(tmp_path):
    message = error_for(tmp_path, binary_bytes(header=b"3 3\n"))
    assert "byte offset" in message and "header" in message


@pytest.mark.parametrize("dim", [2, 4, 5])
def test_binary_header_wrong_dimension(tmp_path, dim):
    message = error_for(tmp_path, binary_bytes(header=f"4 {dim}\n".encode()), binary=True)
    assert "byte offset" in message


def test_binary_nan_and_inf(tmp_path):
    for bad in (np.nan, np.inf, -np.inf):
        vectors = VECTORS.copy()
        vectors[2, 1] = bad
        message = error_for(tmp_path, binary_bytes(vectors=vectors))
        assert "NaN or inf" in message and "'gamma'" in message and "byte offset" in message


def test_binary_duplicate_word(tmp_path):
    message = error_for(tmp_path, binary_bytes(words=["a", "b", "a", "c"]))
    assert "'a'" in message and "twice" in message and "byte offset" in message


def test_text_header_promises_more_rows(tmp_path):
    message = error_for(tmp_path, text_bytes(GOOD_TEXT, b"5 3\n"), "v.txt")
    assert "truncated" in message


def test_text_header_promises_fewer_rows(tmp_path):
    message = error_for(tmp_path, text_bytes(GOOD_TEXT, b"3 3\n"), "v.txt")
    assert "line 5" in message


def test_text_wrong_dimension_on_a_line(tmp_path):
    lines = list(GOOD_TEXT)
    lines[2] = "gamma 1.0 2.0"
    message = error_for(tmp_path, text_bytes(lines), "v.txt")
    assert "line 4" in message and "expected 3 numbers" in message


def test_text_header_wrong_dimension(tmp_path):
    message = error_for(tmp_path, text_bytes(GOOD_TEXT, b"4 5\n"), "v.txt")
    assert "line 2" in message


def test_text_not_a_number(tmp_path):
    lines = list(GOOD_TEXT)
    lines[1] = "beta 1.0 oops 2.0"
    message = error_for(tmp_path, text_bytes(lines), "v.txt")
    assert "line 3" in message and "'oops'" in message


@pytest.mark.parametrize("bad", ["nan", "inf", "-inf", "NaN"])
def test_text_nan_and_inf(tmp_path, bad):
    lines = list(GOOD_TEXT)
    lines[3] = f"delta 1.0 {bad} 2.0"
    message = error_for(tmp_path, text_bytes(lines), "v.txt")
    assert "line 5" in message and "NaN or inf" in message


def test_text_duplicate_word(tmp_path):
    lines = list(GOOD_TEXT)
    lines[3] = lines[0]
    message = error_for(tmp_path, text_bytes(lines), "v.txt")
    assert "line 5" in message and "twice" in message and "line 2" in message


def test_text_line_without_word(tmp_path):
    lines = list(GOOD_TEXT)
    lines[1] = " 1.0 2.0 3.0"
    assert "line 3" in error_for(tmp_path, text_bytes(lines), "v.txt")


def test_missing_file_and_directory(tmp_path):
    with pytest.raises(W2VError, match="no such file"):
        load_word2vec(tmp_path / "nope.bin")
    with pytest.raises(W2VError, match="directory"):
        load_word2vec(tmp_path)


# --------------------------------------------------------------------------- fuzzing

FUZZ = settings(max_examples=150, deadline=2000, suppress_health_check=[HealthCheck.function_scoped_fixture])


def only_w2verror(path, data):
    path.write_bytes(data)
    for binary in (None, True, False):
        try:
            words, vectors = load_word2vec(path, binary=binary)
        except W2VError as exc:
            assert "\n" not in str(exc)
        else:
            assert vectors.shape[0] == len(words) == len(set(words))
            assert vectors.dtype == np.float32 and np.isfinite(vectors).all()


@FUZZ
@given(data=st.binary(max_size=400))
def test_fuzz_random_bytes(tmp_path, data):
    only_w2verror(tmp_path / "fuzz", data)


@FUZZ
@given(header=st.tuples(st.integers(0, 6), st.integers(0, 6)), body=st.binary(max_size=200))
def test_fuzz_plausible_header_random_body(tmp_path, header, body):
    only_w2verror(tmp_path / "fuzz", f"{header[0]} {header[1]}\n".encode() + body)


def _valid_files():
    return [binary_bytes(), binary_bytes(newline=False), text_bytes(GOOD_TEXT)]


@FUZZ
@given(
    which=st.integers(0, 2),
    edits=st.lists(st.tuples(st.sampled_from(["flip", "cut", "insert", "delete"]),
                             st.integers(0, 10_000), st.integers(0, 255)), min_size=1, max_size=4),
)
def test_fuzz_mutated_valid_files(tmp_path, which, edits):
    data = bytearray(mutated(_valid_files()[which], edits))
    only_w2verror(tmp_path / "fuzz", bytes(data))


def test_huge_header_numbers_fail_fast(tmp_path):
    for header in (b"99999999999999 3\n", b"4 99999999999999\n"):
        error_for(tmp_path, binary_bytes(header=header))
        error_for(tmp_path, text_bytes(GOOD_TEXT, header), "v.txt")


def test_saved_file_loads_after_fuzz_helpers(tmp_path):
    # Sanity: what we write is never rejected by the checks above.
    save_word2vec(tmp_path / "ok.bin", WORDS, VECTORS, True)
    assert load_word2vec(tmp_path / "ok.bin")[0] == WORDS
