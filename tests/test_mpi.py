"""Data-parallel training under mpiexec (w2v_cli.distributed).

Each test starts a real MPI job (MPICH's mpiexec from the [mpi] extra) on tiny
corpora; they are skipped when mpiexec or mpi4py is missing.  Every run has a
timeout, so a hang fails the test instead of stalling CI.
"""

import os
import re
import shutil
import subprocess
import sys
import time

import numpy as np
import pytest

from conftest import group_precision, planted_sentences, run_w2v

MPIEXEC = shutil.which("mpiexec")
try:
    import mpi4py  # noqa: F401  (only to know whether the extra is installed)
    HAVE_MPI4PY = True
except ImportError:
    HAVE_MPI4PY = False

needs_mpi = pytest.mark.skipif(MPIEXEC is None or not HAVE_MPI4PY, reason="mpiexec or mpi4py not installed")
LAUNCHER_VARIABLES = ("PMI_SIZE", "PMI_RANK", "OMPI_COMM_WORLD_SIZE", "OMPI_COMM_WORLD_RANK",
                      "MV2_COMM_WORLD_SIZE", "MV2_COMM_WORLD_RANK")


def _clean_env(extra=None):
    env = {k: v for k, v in os.environ.items() if k not in LAUNCHER_VARIABLES}
    env.update(extra or {})
    return env


def run_mpi(n, *args, env=None, timeout=120):
    """``mpiexec -n N w2v ...``; returns (CompletedProcess, seconds)."""
    start = time.monotonic()
    proc = subprocess.run([MPIEXEC, "-n", str(n), sys.executable, "-m", "w2v_cli", *map(str, args)],
                          capture_output=True, text=True, env=_clean_env(env), timeout=timeout)
    return proc, time.monotonic() - start


def crc_lines(stderr, what):
    """{rank: crc} from the W2V_MPI_DEBUG lines about ``what``."""
    found = re.findall(rf"w2v-mpi rank (\d+): {what} crc32 ([0-9a-f]+)", stderr)
    return {int(r): h for r, h in found}


def load_text_vectors(path):
    lines = path.read_text().splitlines()[1:]
    words = [line.split(" ", 1)[0] for line in lines]
    return words, np.array([[float(x) for x in line.split()[1:]] for line in lines])


def test_plain_run_never_imports_mpi4py(tmp_path, planted_corpus):
    out = tmp_path / "v.txt"
    code = ("import sys; from w2v_cli.cli import main; "
            f"main(['train', {str(planted_corpus)!r}, '-o', {str(out)!r}, '--dim', '8', '--epochs', '1', "
            "'--min-count', '1', '-q']); print('mpi4py loaded' if 'mpi4py' in sys.modules else 'no mpi4py')")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=_clean_env(), timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "no mpi4py"
    assert out.exists()


@needs_mpi
def test_two_ranks_recover_planted_groups_with_identical_vectors(tmp_path, planted_corpus):
    out = tmp_path / "v.txt"
    proc, _ = run_mpi(2, "train", planted_corpus, "-o", out, "--threads", 1, "--dim", 16, "--epochs", 5,
                      "--min-count", 1, "-q", env={"W2V_MPI_DEBUG": "1"})
    assert proc.returncode == 0, proc.stderr
    finals = crc_lines(proc.stderr, "final vectors")
    assert sorted(finals) == [0, 1] and finals[0] == finals[1]  # W and W' bit-identical on both ranks
    # Only rank 0 wrote, and only the output (no temporary or second file).
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([planted_corpus.name, out.name])
    assert proc.stderr.count("wrote ") == 1
    words, vectors = load_text_vectors(out)
    assert group_precision(words, vectors) >= 0.9


def _words_per_epoch(stderr):
    return re.search(r"([0-9,]+) words x [0-9]+ epochs", stderr).group(1)


@needs_mpi
@pytest.mark.parametrize("layout", ["one file", "plain files", "with a compressed file"])
def test_vocabulary_is_the_single_process_one_on_every_rank(tmp_path, layout):
    # Many ties and uneven lines, so the byte ranges cut the text at arbitrary places.
    rng = np.random.default_rng(3)
    lines = [" ".join(f"w{rng.integers(60)}" for _ in range(rng.integers(1, 40))) for _ in range(400)]
    corpus = [tmp_path / "c.txt"]
    corpus[0].write_text("\n".join(lines) + "\n")
    if layout != "one file":  # the ranks' shares cross file ends; a file without a final newline ends a sentence
        (tmp_path / "a.txt").write_text("\n".join(lines[::3]))
        (tmp_path / "b.txt").write_text("\n".join(lines[:150]) + "\n")
        corpus = [tmp_path / "a.txt", tmp_path / "b.txt", corpus[0]]
    if layout == "with a compressed file":  # read whole by every rank
        import gzip
        corpus[1] = tmp_path / "b.txt.gz"
        corpus[1].write_bytes(gzip.compress("\n".join(lines[:150]).encode()))
    single = tmp_path / "single.vocab"
    r = run_w2v("train", *corpus, "-o", tmp_path / "s.bin", "--dim", 4, "--epochs", 1, "--min-count", 2,
                "--save-vocab", single, "-q", env=_clean_env())
    assert r.returncode == 0, r.stderr
    merged = tmp_path / "mpi.vocab"
    proc, _ = run_mpi(3, "train", *corpus, "-o", tmp_path / "m.bin", "--threads", 1, "--dim", 4, "--epochs", 1,
                      "--min-count", 2, "--save-vocab", merged, "-q", env={"W2V_MPI_DEBUG": "1"})
    assert proc.returncode == 0, proc.stderr
    assert merged.read_text() == single.read_text()
    crcs = crc_lines(proc.stderr, "vocabulary")
    assert sorted(crcs) == [0, 1, 2] and len(set(crcs.values())) == 1
    # The ranks' id streams hold every word of the corpus once.
    assert _words_per_epoch(proc.stderr) == _words_per_epoch(r.stderr)


@needs_mpi
def test_bad_input_is_reported_once(tmp_path):
    proc, _ = run_mpi(2, "train", tmp_path / "missing.txt", "-o", tmp_path / "v.bin", "-q")
    assert proc.returncode == 1
    assert proc.stderr.strip().splitlines() == [f"error: corpus {tmp_path / 'missing.txt'} does not exist"]
    proc, _ = run_mpi(2, "train", tmp_path / "missing.txt", "--dim", 0, "-q")
    assert proc.returncode != 0
    assert len(proc.stderr.strip().splitlines()) == 1 and "--dim" in proc.stderr
    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"")  # fewer bytes than ranks: every share is empty
    proc, _ = run_mpi(3, "train", empty, "-o", tmp_path / "v.bin", "-q")
    assert proc.returncode == 1
    assert proc.stderr.strip().splitlines() == [f"error: corpus {empty} is empty: it has no words"]


@needs_mpi
def test_hs_over_one_word_has_no_inner_nodes_to_merge(tmp_path):
    corpus = tmp_path / "one.txt"
    corpus.write_text("x x x\nx x\n")
    out, ctx = tmp_path / "v.txt", tmp_path / "ctx.txt"
    proc, _ = run_mpi(3, "train", corpus, "-o", out, "--save-context", ctx, "--loss", "hs", "--min-count", 1,
                      "--dim", 4, "--threads", 1, "-q")
    assert proc.returncode == 0, proc.stderr
    assert out.read_text().splitlines()[0] == "1 4" and ctx.read_text() == "0 4\n"


def _killed_run(tmp_path, env=None):
    corpus = tmp_path / "c.txt"
    corpus.write_text("\n".join(" ".join(s) for s in planted_sentences(n_sentences=3000)) + "\n")
    out = tmp_path / "v.bin"
    env = {"W2V_MPI_TEST_KILL": "1:20000", **(env or {})}  # rank 1 dies in its second epoch
    proc, seconds = run_mpi(2, "train", corpus, "-o", out, "--threads", 1, "--dim", 16, "--epochs", 20,
                            "--min-count", 1, "-q", env=env)
    assert proc.returncode != 0
    assert seconds < 60  # start-up included; the job ends seconds after the kill
    assert "Traceback" not in proc.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["c.txt"]  # no output, no temporary file
    return proc


@needs_mpi
def test_killed_rank_ends_the_job(tmp_path):
    """mpiexec (hydra) itself tears the job down when a rank is killed."""
    proc = _killed_run(tmp_path)
    assert not [line for line in proc.stderr.splitlines() if line.startswith("error:")][1:]


@needs_mpi
def test_failed_rank_ends_the_job_with_one_line(tmp_path):
    """A rank that fails alone reports it, naming itself, and aborts the job."""
    proc = _killed_run(tmp_path, env={"W2V_MPI_TEST_KILL": "", "W2V_MPI_TEST_FAIL": "1:20000"})
    errors = [line for line in proc.stderr.splitlines() if line.startswith("error:")]
    assert errors == ["error: rank 1 of 2: failure injected by W2V_MPI_TEST_FAIL"], proc.stderr

class _NeverDone:
    def Test(self):
        return False


def test_a_silent_peer_times_out():
    """Every collective is polled against a deadline (no MPI needed to check)."""
    from w2v_cli.training.distributed import Cluster, PeerLost

    cluster = Cluster.__new__(Cluster)
    start = time.monotonic()
    with pytest.raises(PeerLost, match="no answer from the other ranks for 0 s while merging rows"):
        cluster.wait(_NeverDone(), "merging rows", timeout=0.3)
    assert 0.3 <= time.monotonic() - start < 5


@needs_mpi
def test_checkpoint_resumes_with_the_same_number_of_ranks(tmp_path, planted_corpus):
    ckpt = tmp_path / "run.ckpt.npz"
    out = tmp_path / "v.txt"
    args = ("--threads", 1, "--dim", 16, "--min-count", 1, "-q")
    # Rank 1 fails in the third epoch: the checkpoint rank 0 wrote after epoch 2 survives.
    proc, _ = run_mpi(2, "train", planted_corpus, "-o", out, "--epochs", 5, "--checkpoint", ckpt, *args,
                      env={"W2V_MPI_TEST_FAIL": "1:40000"})
    assert proc.returncode != 0 and ckpt.exists() and not out.exists()
    proc, _ = run_mpi(3, "train", planted_corpus, "-o", out, "--resume", ckpt, *args)
    assert proc.returncode == 1 and not out.exists()
    assert proc.stderr.strip().splitlines() == [
        f"error: checkpoint {ckpt} was written by 2 processes, this run has 3; resume it with mpiexec -n 2 w2v train"]
    r = run_w2v("train", planted_corpus, "-o", out, "--resume", ckpt, *args, env=_clean_env())
    assert r.returncode == 1 and "resume it with mpiexec -n 2 w2v train" in r.stderr
    proc, _ = run_mpi(2, "train", planted_corpus, "-o", out, "--resume", ckpt, *args, env={"W2V_MPI_DEBUG": "1"})
    assert proc.returncode == 0, proc.stderr
    assert "resuming from" in proc.stderr and "after 2 epochs" in proc.stderr
    finals = crc_lines(proc.stderr, "final vectors")
    assert sorted(finals) == [0, 1] and finals[0] == finals[1]
    words, vectors = load_text_vectors(out)
    assert group_precision(words, vectors) >= 0.9


def test_sync_schedule_is_pwords2vecs():
    from w2v_cli.training.distributed import sync_rows

    assert [sync_rows(k, 10**6) for k in range(1, 9)] == [1024, 2048, 1024, 4096, 1024, 2048, 1024, 8192]
    assert sync_rows(64, 5000) == 5000  # never more rows than words


def test_hs_merges_the_inner_nodes_nearest_the_root_first():
    """Under --loss hs a merge of the top rows takes as many inner nodes from the
    root down (the nodes updated most: their counts rise with their index), and
    the blocks of a full merge cover every node once."""
    from w2v_cli.training.distributed import output_block
    from w2v_cli.training.huffman import huffman_tables

    counts = np.sort(np.random.default_rng(0).zipf(1.5, 3000))[::-1]
    V = len(counts)
    t = huffman_tables(counts)
    node_counts = np.zeros(V - 1)
    for w in range(V):
        node_counts[t.points[w, :t.code_lengths[w]]] += counts[w]
    assert (np.diff(node_counts) >= 0).all() and node_counts[-1] == counts.sum()
    assert output_block(0, 1024, V, V - 1) == (V - 1 - 1024, V - 1)
    covered = np.concatenate([np.arange(*output_block(lo, min(lo + 700, V), V, V - 1)) for lo in range(0, V, 700)])
    assert sorted(covered.tolist()) == list(range(V - 1))
    assert output_block(5, 9, V, V) == (5, 9)  # negative sampling: W' rows are words


@needs_mpi
def test_two_ranks_train_hs_with_identical_vectors(tmp_path, planted_corpus):
    out = tmp_path / "v.txt"
    proc, _ = run_mpi(2, "train", planted_corpus, "-o", out, "--loss", "hs", "--threads", 1, "--dim", 16,
                      "--epochs", 5, "--min-count", 1, "-q", env={"W2V_MPI_DEBUG": "1"})
    assert proc.returncode == 0, proc.stderr
    finals = crc_lines(proc.stderr, "final vectors")
    assert sorted(finals) == [0, 1] and finals[0] == finals[1]
    words, vectors = load_text_vectors(out)
    assert group_precision(words, vectors) >= 0.9


@pytest.mark.parametrize("size", [1, 2, 3, 7])
def test_byte_shares_split_lines_exactly(tmp_path, size):
    from w2v_cli.corpus.sources import byte_share, newline_finder

    rng = np.random.default_rng(size)
    text = b"".join(b"x" * int(rng.integers(0, 30)) + b"\n" for _ in range(50)) + b"tail without newline"
    path = tmp_path / "c.txt"
    path.write_bytes(text)
    find = newline_finder([str(path)], [len(text)])
    shares = [byte_share(len(text), r, size, find) for r in range(size)]
    assert shares[0][0] == 0 and shares[-1][1] == len(text)
    assert all(a[1] == b[0] for a, b in zip(shares, shares[1:]))  # contiguous, no overlap
    assert all(s == 0 or text[s - 1:s] == b"\n" for s, _ in shares)  # every share starts a line
