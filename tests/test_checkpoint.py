"""Checkpoints: an interrupted run resumed ends exactly where an uninterrupted one does."""

import signal
import subprocess
import sys
import time

import numpy as np
import pytest

from conftest import assert_resume_reproduces, planted_sentences, run_w2v
from hostile_util import default_signals
from w2v_cli.errors import W2VError
from w2v_cli.training.loop import train

OPTS = dict(dim=8, epochs=3, min_count=1, threads=1, seed=5, progress=False)


def test_resume_after_an_epoch_reproduces_the_full_run(tmp_path):
    sents = planted_sentences(n_sentences=400)
    full = train(sents, **OPTS)
    resumed = assert_resume_reproduces(sents, full, tmp_path / "run.ckpt", **OPTS)
    assert resumed.words_trained == 2 * full.train_words


def test_resume_refuses_another_corpus(tmp_path):
    ck = tmp_path / "run.ckpt"
    sents = planted_sentences(n_sentences=100)
    train(sents, checkpoint=str(ck), **OPTS)
    with pytest.raises(W2VError, match="does not match checkpoint"):
        train(sents[:50], resume=str(ck), progress=False)


@pytest.mark.parametrize("loss, floor", [("ns", 0.025 / 5), ("hs", 1e-4)])
def test_checkpoint_keeps_the_resolved_final_rate(tmp_path, loss, floor):
    """The default floor is written out resolved, so a resume keeps the run's
    schedule even if the default changes (as it did for --loss hs)."""
    from w2v_cli.training import checkpoint

    ck = tmp_path / "run.ckpt"
    train(planted_sentences(n_sentences=50), checkpoint=str(ck), loss=loss, **{**OPTS, "epochs": 1})
    opts = checkpoint.load(ck)[2]
    assert opts.min_alpha == pytest.approx(floor) and opts.min_alpha == pytest.approx(floor)


def test_checkpoint_without_shared_negatives_resumes_with_one_draw_per_centre_word(tmp_path):
    """Checkpoints written before --shared-negatives existed drew negatives for
    every centre word; a CBOW one must not resume with CBOW's new default of 2."""
    import json

    from w2v_cli.training import checkpoint

    ck = tmp_path / "run.ckpt"
    train(planted_sentences(n_sentences=50), checkpoint=str(ck), model="cbow", **{**OPTS, "epochs": 1})
    assert checkpoint.load(ck)[2].shared_negatives == 2  # saved resolved
    with np.load(ck) as z:
        data = {k: z[k] for k in z.files}
    meta = json.loads(bytes(data["meta"]).decode())
    del meta["options"]["shared_negatives"]
    data["meta"] = np.frombuffer(json.dumps(meta).encode(), np.uint8)
    old = tmp_path / "old.ckpt"
    with open(old, "wb") as f:
        np.savez(f, **data)
    assert checkpoint.load(old)[2].shared_negatives == 1


def test_garbage_checkpoint_is_a_clean_error(tmp_path):
    bad = tmp_path / "bad.ckpt"
    bad.write_bytes(b"PK\x03\x04 not really a zip")
    with pytest.raises(W2VError, match="not a readable w2v checkpoint"):
        train([["a", "b"]], resume=str(bad), progress=False)


@pytest.mark.parametrize("model", ["skipgram", "cbow"])
def test_sigint_mid_epoch_then_resume_matches_uninterrupted(tmp_path, model):
    corpus = tmp_path / "c.txt"
    corpus.write_text("\n".join(" ".join(s) for s in planted_sentences(n_sentences=60000, length=20)) + "\n")
    # CBOW trains this corpus at over 10 M words/s: it needs more epochs to still be running when the signal comes.
    epochs = 4 if model == "skipgram" else 60
    args = ["--dim", 32, "--epochs", epochs, "--min-count", 1, "--threads", 1, "--seed", 9, "-q", "--model", model]
    ref = tmp_path / "ref.bin"
    assert run_w2v("train", corpus, "-o", ref, *args).returncode == 0

    out, ck = tmp_path / "out.bin", tmp_path / "run.ckpt"
    proc = subprocess.Popen([sys.executable, "-m", "w2v_cli", "train", str(corpus), "-o", str(out),
                             "--checkpoint", str(ck), *map(str, args)],
                            stderr=subprocess.PIPE, text=True, preexec_fn=default_signals)
    deadline = time.time() + 120
    while not ck.exists() and time.time() < deadline and proc.poll() is None:
        time.sleep(0.05)  # the first checkpoint appears after epoch 1
    assert proc.poll() is None, "training finished before it could be interrupted"
    time.sleep(0.1)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=30)
    assert proc.returncode == 130, err
    assert err.strip().count("\n") == 0 and "checkpoint written" in err, err
    assert not out.exists()

    r = run_w2v("train", corpus, "-o", out, "--resume", ck, "-q")
    assert r.returncode == 0, r.stderr
    assert out.read_bytes() == ref.read_bytes()
