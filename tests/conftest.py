import os
import subprocess
import sys

import numpy as np
import pytest

from w2v_cli import jit

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# The kernels compile with the LLVM options training uses, and share its cache.
jit.configure()


def planted_sentences(n_groups=8, group_size=6, n_sentences=2500, length=12, noise=0.1, seed=0):
    """Sentences whose words come from one group each (plus a little noise from
    a shared pool): words of a group share contexts, so they should end up
    nearest neighbours of each other."""
    rng = np.random.default_rng(seed)
    sentences = []
    for _ in range(n_sentences):
        g = rng.integers(n_groups)
        sent = []
        for _ in range(length):
            if rng.random() < noise:
                sent.append(f"noise{rng.integers(20)}")
            else:
                sent.append(f"g{g}_{rng.integers(group_size)}")
        sentences.append(sent)
    return sentences


def stem_sentences(seed=0, n_stems=30, n_sentences=3000, stem_len=6, n_own=5, length=6,
                   letters="abcdefghijklmnopqrstuvwxyz", tag="x"):
    """(stems, sentences): each stem has two forms, stem+'ing' and stem+'ed',
    that never share a sentence, and each form has ``n_own`` context words of its
    own: only their letters relate the two forms of a stem (the subword tests)."""
    rng = np.random.default_rng(seed)
    letters = list(letters)
    stems = ["".join(rng.choice(letters, stem_len)) for _ in range(n_stems)]
    sentences = []
    for _ in range(n_sentences):
        s = int(rng.integers(n_stems))
        form = "ing" if rng.random() < 0.5 else "ed"
        own = [f"{form}{s}{tag}{i}" for i in range(n_own)]  # this form's own context words
        sentences.append([stems[s] + form] + list(rng.choice(own, length)))
    return stems, sentences


def group_precision(words, vectors, k=3):
    """Share of (word, neighbour) among the k nearest neighbours of every group
    word that belong to the word's own group."""
    V = vectors / np.linalg.norm(vectors, axis=1, keepdims=True)
    index = {w: i for i, w in enumerate(words)}
    group_words = [w for w in words if w.startswith("g")]
    rows = np.array([index[w] for w in group_words])
    sims = V[rows] @ V[rows].T
    np.fill_diagonal(sims, -np.inf)
    hits = 0
    for i, w in enumerate(group_words):
        nn = np.argsort(-sims[i])[:k]
        hits += sum(group_words[j].split("_")[0] == w.split("_")[0] for j in nn)
    return hits / (k * len(group_words))


def assert_resume_reproduces(corpus, full, ckpt_path, **opts):
    """Train ``corpus`` with ``opts`` and a checkpoint at ``ckpt_path``, stopped by
    Ctrl-C after the first epoch; resuming it must give ``full`` (the same run
    straight through) exactly: W, W' and the loss history.  Returns the resumed run."""
    from w2v_cli.errors import TrainingInterrupted
    from w2v_cli.training.loop import train

    def interrupt(epoch, loss):
        if epoch == 0:
            raise KeyboardInterrupt

    with pytest.raises(TrainingInterrupted, match="checkpoint written"):
        train(corpus, checkpoint=str(ckpt_path), on_epoch=interrupt, **opts)
    resumed = train(corpus, resume=str(ckpt_path), progress=False)
    np.testing.assert_array_equal(resumed.W, full.W)
    np.testing.assert_array_equal(resumed.Wp, full.Wp)
    assert resumed.loss_history == full.loss_history
    return resumed


def run_w2v(*args, input=None, env=None, timeout=300):
    """Run the CLI in a subprocess, the way a user does."""
    full_env = dict(os.environ)
    if env:
        full_env.update(env)
    # this checkout's package, even when a test changes directory and w2v_cli is not installed
    full_env["PYTHONPATH"] = os.pathsep.join(p for p in (REPO_ROOT, full_env.get("PYTHONPATH", "")) if p)
    return subprocess.run([sys.executable, "-m", "w2v_cli", *map(str, args)], capture_output=True,
                          text=True, input=input, env=full_env, timeout=timeout)


@pytest.fixture
def planted_corpus(tmp_path):
    path = tmp_path / "planted.txt"
    path.write_text("\n".join(" ".join(s) for s in planted_sentences()) + "\n")
    return path
