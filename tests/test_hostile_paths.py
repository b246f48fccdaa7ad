"""Outputs aimed at inputs or at each other (issue 26, defects 1, 2, 8 and 11):
every output is compared, by the file it resolves to, with every file the
command reads and with every other output, before anything is read; staging
names are unique and bounded; two runs on the same outputs leave one run's
complete set."""

import os
import subprocess
import sys

import numpy as np
import pytest

from conftest import REPO_ROOT
from hostile_util import assert_one_error, assert_untouched, make_workdir, run, snapshot
from w2v_cli import atomic
from w2v_cli.errors import W2VError
from w2v_cli.vectors.formats import load_word2vec

CORPUS = "the quick brown fox jumps over the lazy dog\n" * 30
SMALL = ("-q", "--dim", "8", "--epochs", "1", "--min-count", "1", "--threads", "1")


# ----------------------------------------------------------------------------- defect 1


def test_phrases_output_inside_corpus_directory_refused(tmp_path):
    """`w2v phrases DIR -o DIR/a.txt` replaced a.txt, a file it reads, with the phrased text."""
    (tmp_path / "tmpdir").mkdir()
    corpus = tmp_path / "dir"
    corpus.mkdir()
    (corpus / "a.txt").write_text(CORPUS)
    (corpus / "b.txt").write_text(CORPUS)
    before = snapshot(tmp_path / "dir")
    proc = run(tmp_path, "phrases", corpus, "-o", corpus / "a.txt", "--threads", "1")
    assert_one_error(proc, "a.txt", "input corpus", code=1)
    assert_untouched(tmp_path, tmp_path / "dir", before)


def test_train_output_inside_corpus_directory_refused(tmp_path):
    work = make_workdir(tmp_path)
    corpus = work / "texts"
    corpus.mkdir()
    (corpus / "a.txt").write_text(CORPUS)
    before = snapshot(work)
    proc = run(tmp_path, "train", corpus, "-o", work / "vectors.bin", "--save-vocab", corpus / "a.txt", *SMALL)
    assert_one_error(proc, "a.txt", "input corpus", code=1)
    assert_untouched(tmp_path, work, before)


# ----------------------------------------------------------------------------- defect 2


@pytest.fixture(scope="module")
def model(tmp_path_factory):
    """A small trained model: vectors, context vectors, vocabulary, checkpoint, word pairs, analogies."""
    base = tmp_path_factory.mktemp("model")
    (base / "tmpdir").mkdir()
    corpus = base / "corpus.txt"
    corpus.write_text(CORPUS)
    proc = run(base, "train", corpus, "-o", base / "v.bin", "--save-context", base / "ctx.bin",
               "--save-vocab", base / "v.vocab", "--checkpoint", base / "run.ckpt", *SMALL)
    assert proc.returncode == 0, proc.stderr
    (base / "ws.tsv").write_text("fox dog 5.0\nthe lazy 2.0\nquick brown 3.0\n")
    (base / "q.txt").write_text(": family\nthe quick brown fox\n")
    return base


# (the output flag and path, the input flag and path); paths are names in the model directory
OVERLAPS = {
    "o=init": (["-o", "v.bin"], ["--init", "v.bin", "--init-context", "ctx.bin"]),
    "save-context=init-context": (["--save-context", "ctx.bin"], ["--init", "v.bin", "--init-context", "ctx.bin"]),
    "checkpoint=init": (["--checkpoint", "v.bin"], ["--init", "v.bin", "--init-context", "ctx.bin"]),
    "checkpoint=init-checkpoint": (["--checkpoint", "run.ckpt"], ["--init", "run.ckpt"]),
    "save-vocab=init-vocab": (["--save-vocab", "v.vocab"],
                              ["--init", "v.bin", "--init-context", "ctx.bin", "--init-vocab", "v.vocab"]),
    "o=eval-pairs": (["-o", "ws.tsv"], ["--eval-pairs", "ws.tsv"]),
    "save-context=eval-analogies": (["--save-context", "q.txt"], ["--eval-analogies", "q.txt"]),
    "save-vocab=read-vocab": (["--save-vocab", "v.vocab"], ["--read-vocab", "v.vocab", "--min-count", "20"]),
    "o=resume": (["-o", "run.ckpt"], ["--resume", "run.ckpt"]),
    "eval-plot=read-vocab": (["--eval-plot", "v.vocab"], ["--read-vocab", "v.vocab"]),
}


@pytest.mark.parametrize("case", list(OVERLAPS))
def test_output_equal_to_any_input_refused(tmp_path, model, case):
    outputs, inputs = OVERLAPS[case]
    work = tmp_path / "work"
    work.mkdir()
    (tmp_path / "tmpdir").mkdir()
    for name in os.listdir(model):
        if os.path.isfile(model / name):
            (work / name).write_bytes((model / name).read_bytes())
    (work / "out.bin").write_text("old\n")
    outputs = [outputs[0], str(work / outputs[1])]
    inputs = [a if a.startswith("-") or a.isdigit() else str(work / a) for a in inputs]
    if outputs[0] != "-o":
        outputs += ["-o", str(work / "out.bin")]
    before = snapshot(work)
    proc = run(tmp_path, "train", work / "corpus.txt", *outputs, *inputs, *SMALL)
    assert_one_error(proc, os.path.basename(outputs[1]), "input", code=1)
    assert_untouched(tmp_path, work, before)


def test_output_equal_to_input_through_a_link_refused(tmp_path, model):
    work = make_workdir(tmp_path)
    (work / "corpus.txt").write_text(CORPUS)
    (work / "pairs.tsv").write_text("fox dog 5.0\n")
    (work / "link.tsv").symlink_to("pairs.tsv")
    before = snapshot(work)
    proc = run(tmp_path, "train", work / "corpus.txt", "-o", work / "link.tsv", "--eval-pairs", work / "pairs.tsv",
               *SMALL)
    assert_one_error(proc, "link.tsv", "--eval-pairs", code=1)
    assert_untouched(tmp_path, work, before)


def test_checkpoint_equal_to_resume_still_allowed(tmp_path, model):
    (tmp_path / "tmpdir").mkdir()
    ckpt = tmp_path / "run.ckpt"
    ckpt.write_bytes((model / "run.ckpt").read_bytes())
    proc = run(tmp_path, "train", model / "corpus.txt", "-o", tmp_path / "v.bin", "--resume", ckpt,
               "--checkpoint", ckpt, "-q")
    assert proc.returncode == 0, proc.stderr


def test_guard_compares_files_not_spellings(tmp_path):
    """The library guard: one line per overlap, by resolved file (links, '..',
    hard links), with directories standing for the files in them."""
    (tmp_path / "d").mkdir()
    (tmp_path / "d" / "a.txt").write_text("x")
    (tmp_path / "d" / ".hidden").write_text("x")
    os.link(tmp_path / "d" / "a.txt", tmp_path / "hard.txt")
    corpus = [("corpus", str(tmp_path / "d"))]
    for out in [tmp_path / "d" / "a.txt", tmp_path / "d" / ".." / "d" / "a.txt", tmp_path / "hard.txt"]:
        with pytest.raises(W2VError, match="is the input corpus"):
            atomic.check_outputs(corpus, [("-o", str(out))])
    atomic.check_outputs(corpus, [("-o", str(tmp_path / "d" / "new.txt")), ("--save-vocab", "-")])
    with pytest.raises(W2VError, match="are the same file"):
        atomic.check_outputs([], [("-o", str(tmp_path / "x")), ("--save-vocab", str(tmp_path / "." / "x"))])
    ck = str(tmp_path / "run.ckpt")
    atomic.check_outputs([("--resume", ck)], [("--checkpoint", ck)], allowed=[(ck, ck)])


def test_library_checkpoint_equal_to_init_refused(tmp_path, model):
    from w2v_cli.training.loop import train

    init = tmp_path / "v.bin"
    init.write_bytes((model / "v.bin").read_bytes())
    before = snapshot(tmp_path)
    with pytest.raises(W2VError, match="is also the input --init"):
        train(str(model / "corpus.txt"), init=str(init), init_context=str(model / "ctx.bin"), checkpoint=str(init),
              progress=False, dim=8, epochs=1, min_count=1, threads=1)
    assert snapshot(tmp_path) == before


# ----------------------------------------------------------------------------- defect 11


def _name_max(directory):
    return os.pathconf(directory, "PC_NAME_MAX")


@pytest.mark.parametrize("flag", ["-o", "--checkpoint", "--save-context"])
def test_long_output_name_that_can_be_written_trains(tmp_path, flag):
    """A name of NAME_MAX - 11 bytes (244 on most filesystems) passed the up-front
    check, then failed on its longer staging name after training."""
    work = make_workdir(tmp_path)
    (work / "corpus.txt").write_text(CORPUS)
    long_name = "v" * (_name_max(work) - 11 - 4) + ".txt"
    outputs = ("-o", work / long_name) if flag == "-o" else ("-o", work / "vectors.bin", flag, work / long_name)
    proc = run(tmp_path, "train", work / "corpus.txt", *outputs, *SMALL)
    assert proc.returncode == 0, proc.stderr
    assert os.path.getsize(work / long_name) > 0
    assert sorted(os.listdir(work)) == sorted(["corpus.txt", "vectors.bin", long_name])
    assert os.listdir(tmp_path / "tmpdir") == []


def test_output_name_too_long_refused_before_training(tmp_path):
    work = make_workdir(tmp_path)
    (work / "corpus.txt").write_text(CORPUS)
    before = snapshot(work)
    long_name = "v" * (_name_max(work) + 1)
    proc = run(tmp_path, "train", work / "corpus.txt", "-o", work / "vectors.bin", "--checkpoint", work / long_name,
               *SMALL)
    assert_one_error(proc, "name too long", code=1)
    assert_untouched(tmp_path, work, before)


# ----------------------------------------------------------------------------- defect 8


def test_staging_never_touches_a_file_of_the_old_fixed_name(tmp_path):
    """A user's own `.NAME.w2v-staged` was overwritten and deleted."""
    target = tmp_path / "v.txt"
    mine = tmp_path / ".v.txt.w2v-staged"
    mine.write_text("mine\n")

    def write(p):
        with open(p, "w") as fh:
            fh.write("new\n")

    atomic.write_all_or_nothing([(str(target), write)])
    assert target.read_text() == "new\n" and mine.read_text() == "mine\n"

    def fail(p):
        raise W2VError("failed")

    with pytest.raises(W2VError):
        atomic.write_all_or_nothing([(str(target), write), (str(tmp_path / "w.txt"), fail)])
    assert sorted(os.listdir(tmp_path)) == [".v.txt.w2v-staged", "v.txt"]
    assert mine.read_text() == "mine\n"


def test_staging_names_are_unique_per_run(tmp_path, monkeypatch):
    seen = []

    def write(p):
        seen.append(os.path.basename(p))
        with open(p, "w") as fh:
            fh.write("x")

    atomic.write_all_or_nothing([(str(tmp_path / "v.txt"), write)])
    atomic.write_all_or_nothing([(str(tmp_path / "v.txt"), write)])
    assert len(set(seen)) == 2 and all(len(os.fsencode(s)) < 255 for s in seen)


_WRITER = """
import sys, time
from w2v_cli import atomic
tag, paths = sys.argv[1], sys.argv[2:]
for round in range(int(200)):
    def writer(i):
        def write(p):
            with open(p, "w") as fh:
                fh.write(f"{tag} {round}\\n" * 2000)
        return write
    atomic.write_all_or_nothing([(p, writer(i)) for i, p in enumerate(paths)])
"""


def test_two_writers_on_the_same_outputs_never_mix(tmp_path):
    """Two processes replacing the same pair of files, round after round: at any
    moment and at the end, both files hold the same writer's same round."""
    paths = [str(tmp_path / "same.txt"), str(tmp_path / "same_ctx.txt")]
    env = dict(os.environ, PYTHONPATH=REPO_ROOT)
    procs = [subprocess.Popen([sys.executable, "-c", _WRITER, tag, *paths], env=env, stderr=subprocess.PIPE,
                              text=True) for tag in ("A", "B")]
    mixes = 0
    while any(p.poll() is None for p in procs):
        if all(os.path.exists(p) for p in paths):
            with atomic.commit_lock(paths):  # what the writers hold while they replace their set
                first, second = (open(p).readline() for p in paths)
            mixes += first != second
    for p in procs:
        assert p.wait() == 0, p.stderr.read()
    assert mixes == 0
    assert open(paths[0]).read() == open(paths[1]).read()
    assert sorted(os.listdir(tmp_path)) == ["same.txt", "same_ctx.txt"]


def test_two_training_runs_leave_one_complete_set(tmp_path):
    """The reproduction: two seeds writing -o same.txt --save-context same_ctx.txt at once."""
    work = make_workdir(tmp_path)
    corpus = work / "corpus.txt"
    rng = np.random.default_rng(0)
    corpus.write_text("".join(" ".join(f"w{i}" for i in rng.integers(0, 300, 12)) + "\n" for _ in range(3000)))
    out, ctx = work / "same.txt", work / "same_ctx.txt"
    env = dict(os.environ, PYTHONPATH=REPO_ROOT, TMPDIR=str(tmp_path / "tmpdir"))
    procs = [subprocess.Popen([sys.executable, "-m", "w2v_cli", "train", str(corpus), "-o", str(out),
                               "--save-context", str(ctx), "--seed", str(seed), "-q", "--dim", "8", "--epochs", "1",
                               "--min-count", "1", "--threads", "1"], env=env, stderr=subprocess.PIPE, text=True)
             for seed in (1, 2)]
    for p in procs:
        assert p.wait(timeout=300) == 0, p.stderr.read()
    words, W = load_word2vec(out)
    _, Wp = load_word2vec(ctx)
    runs = {}
    for seed in (1, 2):
        single = tmp_path / f"s{seed}"
        single.mkdir()
        proc = run(tmp_path, "train", corpus, "-o", single / "v.txt", "--save-context", single / "c.txt",
                   "--seed", seed, "-q", "--dim", "8", "--epochs", "1", "--min-count", "1", "--threads", "1")
        assert proc.returncode == 0, proc.stderr
        runs[seed] = (load_word2vec(single / "v.txt")[1], load_word2vec(single / "c.txt")[1])
    matches = [seed for seed, (w, wp) in runs.items() if np.array_equal(w, W) and np.array_equal(wp, Wp)]
    assert len(matches) == 1
    assert sorted(os.listdir(work)) == ["corpus.txt", "same.txt", "same_ctx.txt", "vectors.bin"]


def test_convert_onto_its_input_refused(tmp_path):
    work = make_workdir(tmp_path)
    (work / "v.txt").write_text("2 3\na 1 2 3\nb 4 5 6\n")
    before = snapshot(work)
    proc = run(tmp_path, "convert", work / "v.txt", work / "v.txt")
    assert_one_error(proc, "is also the input", code=1)
    assert_untouched(tmp_path, work, before)


def test_export_onto_its_model_refused(tmp_path):
    work = make_workdir(tmp_path)
    (work / "tensors.tsv").write_text("2 3\na 1 2 3\nb 4 5 6\n")
    before = snapshot(work)
    proc = run(tmp_path, "export", "-m", work / "tensors.tsv", "--projector", work)
    assert_one_error(proc, "is also the input", code=1)
    assert_untouched(tmp_path, work, before)
