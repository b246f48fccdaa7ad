"""Tampered and malformed checkpoints, and thread counts Numba does not allow
(issue 26, defects 3, 4 and 5): every one is refused in one line before any
kernel sees it (or, for a thread count, handled in one line), never a
traceback, a segmentation fault or an out-of-bounds run."""

import io
import json
import os
import struct
import zipfile

import numpy as np
import pytest

from hostile_util import assert_one_error, assert_untouched, make_workdir, run, snapshot, stderr_lines
from w2v_cli.errors import W2VError
from w2v_cli.training import checkpoint
from w2v_cli.training.loop import train

PAD = 16
CORPUS = "".join(f"w{i % 37} w{i % 11} w{i % 5} the fox\n" for i in range(400))


@pytest.fixture(scope="module")
def saved(tmp_path_factory):
    """A real two-thread checkpoint written after epoch 1, and its corpus."""
    base = tmp_path_factory.mktemp("ckpt")
    corpus = base / "corpus.txt"
    corpus.write_text(CORPUS)
    path = base / "run.ckpt"

    def stop(epoch, loss):
        raise KeyboardInterrupt

    with pytest.raises(W2VError):
        train(str(corpus), checkpoint=str(path), on_epoch=stop, dim=8, epochs=3, min_count=1, threads=2,
              progress=False)
    with np.load(path, allow_pickle=False) as z:
        arrays = {k: z[k] for k in z.files}
    return corpus, arrays


def _meta(arrays):
    return json.loads(bytes(arrays["meta"]).decode())


def _with_meta(arrays, meta):
    arrays["meta"] = np.frombuffer(json.dumps(meta).encode(), np.uint8)


def _mid_epoch(arrays):
    """The same checkpoint as if written at the start of epoch 2's work: in_epoch, spans set."""
    meta = _meta(arrays)
    meta["in_epoch"] = True
    _with_meta(arrays, meta)
    n = meta["corpus"]["stream_items"]
    arrays["spans"] = np.array([[0, n // 2], [n // 2, n]], np.int64)


def _tamper(what):
    def apply(a):
        if what.startswith(("spans_", "progress_negative", "progress_beyond")):
            _mid_epoch(a)
        m = _meta(a)
        if what == "spans_beyond_stream":
            a["spans"][1, 1] = 10 ** 12
        elif what == "spans_negative":
            a["spans"][0, 0] = -7
        elif what == "spans_reversed":
            a["spans"][0] = a["spans"][0][::-1].copy()
        elif what == "spans_wrong_rows":
            a["spans"] = np.zeros((5, 2), np.int64)
        elif what == "rng_too_short":
            a["rng"] = a["rng"][:PAD]
        elif what == "progress_too_short":
            a["progress"] = a["progress"][:3]
        elif what == "progress_negative":
            a["progress"][0] = -1
        elif what == "progress_beyond_corpus":
            a["progress"][0] = 10 ** 15
        elif what == "loss_acc_text":
            a["loss_acc"] = np.array(["x"] * len(a["loss_acc"]))
        elif what == "W_complex":
            a["W"] = a["W"].astype(np.complex64)
        elif what == "W_nan":
            a["W"] = a["W"].copy()
            a["W"][0, 0] = np.nan
        elif what == "W_wrong_shape":
            a["W"] = a["W"][:, :3].copy()
        elif what == "history_longer_than_epochs":
            a["history"] = np.zeros(7)
        elif what == "epoch_beyond_epochs":
            m["epoch"] = 99
        elif what == "epoch_negative":
            m["epoch"] = -1
        elif what == "corpus_not_a_dict":
            m["corpus"] = [1, 2]
        elif what == "corpus_without_train_words":
            del m["corpus"]["train_words"]
        elif what == "corpus_negative_stream":
            m["corpus"]["stream_items"] = -3
        elif what == "meta_a_list":
            m = [1]
        elif what == "options_not_a_dict":
            m["options"] = "fast"
        elif what == "options_threads_zero":
            m["options"]["threads"] = 0
        elif what == "options_unknown_field":
            m["options"]["colour"] = "blue"
        elif what == "counts_all_zero":
            a["vocab_counts"] = np.zeros_like(a["vocab_counts"])
        elif what == "counts_negative":
            a["vocab_counts"] = -a["vocab_counts"]
        elif what == "counts_wrong_length":
            a["vocab_counts"] = a["vocab_counts"][:2]
        elif what == "words_not_utf8":
            a["vocab_words"] = np.frombuffer(b"\xff\xfe" * 10, np.uint8)
        elif what == "missing_rng":
            del a["rng"]
        if what != "meta_a_list" and not isinstance(m, list):
            _with_meta(a, m)
        elif isinstance(m, list):
            a["meta"] = np.frombuffer(json.dumps(m).encode(), np.uint8)
    return apply


TAMPERED = ["spans_beyond_stream", "spans_negative", "spans_reversed", "spans_wrong_rows", "rng_too_short",
            "progress_too_short", "progress_negative", "progress_beyond_corpus", "loss_acc_text", "W_complex",
            "W_nan", "W_wrong_shape", "history_longer_than_epochs", "epoch_beyond_epochs", "epoch_negative",
            "corpus_not_a_dict", "corpus_without_train_words", "corpus_negative_stream", "meta_a_list",
            "options_not_a_dict", "options_threads_zero", "options_unknown_field", "counts_all_zero",
            "counts_negative", "counts_wrong_length", "words_not_utf8", "missing_rng"]


def _write(path, arrays):
    with open(path, "wb") as fh:
        np.savez(fh, **arrays)


@pytest.mark.parametrize("what", TAMPERED)
def test_tampered_checkpoint_refused_in_one_line(tmp_path, saved, what):
    corpus, arrays = saved
    arrays = {k: v.copy() for k, v in arrays.items()}
    _tamper(what)(arrays)
    work = make_workdir(tmp_path)
    bad = work / "bad.ckpt"
    _write(bad, arrays)
    before = snapshot(work)
    proc = run(tmp_path, "train", corpus, "-o", work / "vectors.bin", "--resume", bad, "-q", timeout=300)
    assert_one_error(proc, "bad.ckpt", code=1)
    assert_untouched(tmp_path, work, before)


def _huge_header_npz(path, arrays, name="W", shape=(10 ** 12, 20)):
    """The checkpoint with one array's header claiming ``shape`` (its data left as it was)."""
    with zipfile.ZipFile(path, "w") as out:
        for key, value in arrays.items():
            buf = io.BytesIO()
            np.lib.format.write_array(buf, value, allow_pickle=False)
            data = buf.getvalue()
            if key == name:
                header = {"descr": np.lib.format.dtype_to_descr(value.dtype), "fortran_order": False,
                          "shape": shape}
                text = repr(header).encode("latin1")
                text += b" " * ((64 - (10 + len(text) + 1) % 64) % 64) + b"\n"
                data = b"\x93NUMPY\x01\x00" + struct.pack("<H", len(text)) + text + data[data.index(b"\n") + 1:]
            out.writestr(key + ".npy", data)


@pytest.mark.parametrize("name", ["W", "vocab_counts", "meta"])
def test_array_header_claiming_terabytes_refused_before_allocating(tmp_path, saved, name):
    corpus, arrays = saved
    bad = tmp_path / "huge.ckpt"
    _huge_header_npz(bad, arrays, name)
    with pytest.raises(W2VError, match="huge.ckpt"):
        checkpoint.load(bad)
    work = make_workdir(tmp_path)
    before = snapshot(work)
    proc = run(tmp_path, "train", corpus, "-o", work / "vectors.bin", "--resume", bad, "-q")
    assert_one_error(proc, "huge.ckpt", code=1)
    assert_untouched(tmp_path, work, before)


def test_untampered_checkpoint_still_resumes(tmp_path, saved):
    corpus, arrays = saved
    good = tmp_path / "good.ckpt"
    _write(good, arrays)
    (tmp_path / "tmpdir").mkdir()
    proc = run(tmp_path, "train", corpus, "-o", tmp_path / "v.bin", "--resume", good, "-q")
    assert proc.returncode == 0, proc.stderr
    mid = {k: v.copy() for k, v in arrays.items()}
    _mid_epoch(mid)
    _write(good, mid)
    proc = run(tmp_path, "train", corpus, "-o", tmp_path / "v.bin", "--resume", good, "-q")
    assert proc.returncode == 0, proc.stderr


# ----------------------------------------------------------------------------- defect 4


def test_more_threads_than_numba_allows_capped_with_reason(tmp_path):
    work = make_workdir(tmp_path)
    corpus = work / "small.txt"
    corpus.write_text(CORPUS)
    for asked in ([], ["--threads", "2"]):
        proc = run(tmp_path, "train", corpus, "-o", work / "v.bin", "-q", "--min-count", "1", "--dim", "8",
                   "--epochs", "1", *asked, env={"NUMBA_NUM_THREADS": "1"})
        assert proc.returncode == 0 and "Traceback" not in proc.stderr, proc.stderr
        lines = stderr_lines(proc)
        notes = [line for line in lines if line.startswith("note:")]
        assert len(notes) == 1 and "NUMBA_NUM_THREADS" in notes[0], proc.stderr
        assert "1 threads" in lines[-1]


def test_resume_between_epochs_with_fewer_numba_threads_resplits(tmp_path, saved):
    corpus, arrays = saved
    good = tmp_path / "two.ckpt"
    _write(good, arrays)
    (tmp_path / "tmpdir").mkdir()
    proc = run(tmp_path, "train", corpus, "-o", tmp_path / "v.bin", "--resume", good, "-q",
               env={"NUMBA_NUM_THREADS": "1"})
    assert proc.returncode == 0 and "Traceback" not in proc.stderr, proc.stderr
    assert any("NUMBA_NUM_THREADS" in line and "1 thread" in line for line in stderr_lines(proc)), proc.stderr
    assert "1 threads" in stderr_lines(proc)[-1]


def test_resume_mid_epoch_with_fewer_numba_threads_refused(tmp_path, saved):
    corpus, arrays = saved
    mid = {k: v.copy() for k, v in arrays.items()}
    _mid_epoch(mid)
    work = make_workdir(tmp_path)
    bad = work / "two.ckpt"
    _write(bad, mid)
    before = snapshot(work)
    proc = run(tmp_path, "train", corpus, "-o", work / "vectors.bin", "--resume", bad, "-q",
               env={"NUMBA_NUM_THREADS": "1"})
    assert_one_error(proc, "two.ckpt", "2 threads", "NUMBA_NUM_THREADS", code=1)
    assert_untouched(tmp_path, work, before)
