"""Data-parallel training over MPI: ``mpiexec -n N w2v train ...``.

Every rank runs the whole ``w2v train`` command.  What differs from one process:

* **Detection** (:func:`launched_size`): from the launcher's environment
  (PMI_SIZE from MPICH's hydra, OMPI_COMM_WORLD_SIZE from Open MPI), so a plain
  run never imports mpi4py.
* **Vocabulary** (``corpus.pipeline.prepare``, :meth:`Cluster.merge_tables`): each rank counts and
  encodes its own newline-aligned byte range of the corpus files with the
  native reader; rank 0 adds the word tables up in rank order (so ties keep the
  order of first appearance) and broadcasts the sum, and every rank builds the
  same vocabulary, identical to one process's.  Compressed files cannot be
  split by bytes: with one among the files, every rank reads them all.
* **Training** (:class:`EpochSync`): each rank trains its own id stream with
  its Hogwild threads; a communication thread merges rows of W and W' every
  ``--sync-period`` seconds while the kernel runs (the k-th sync merges the
  top min(1024 * 2^ctz(k), V) rows, pWord2Vec's schedule: frequent words every
  time, rare words exponentially less often; under --loss hs the W' rows
  are the inner nodes nearest the root: :func:`output_block`), all rows at
  each epoch's end.
  A merge adds up every rank's change since the last merge (see
  :meth:`EpochSync._merge` for why a sum, not pWord2Vec's average).
  The same thread sums the words read by all ranks and writes the other ranks'
  share into the extra progress slot the kernels add to their own words
  (training/kernels/stream.py, ``words_done``), so the learning rate falls with the
  words of the whole job.
* **Faults**: the collectives of training (and the barrier before each
  set-up collective) are non-blocking and polled against a deadline; a rank
  that fails alone says so in one line, naming itself, and ends the job with
  ``MPI_Abort`` (:func:`end_job`); errors every rank hits alike are printed by
  rank 0 only.  A rank killed outright is mpiexec's to report: hydra ends
  the job at once (or, with ``-disable-auto-cleanup``, signals the survivors).

MPI is called from the main thread during set-up and from the communication
thread during training, never from both at once (MPI_THREAD_SERIALIZED).
"""

from __future__ import annotations

import contextlib
import os
import sys
import threading
import time
import zlib
from typing import List, Optional

import numpy as np

from ..errors import W2VError

SIZE_VARIABLES = ("PMI_SIZE", "OMPI_COMM_WORLD_SIZE", "MV2_COMM_WORLD_SIZE")
RANK_VARIABLES = ("PMI_RANK", "OMPI_COMM_WORLD_RANK", "MV2_COMM_WORLD_RANK")
LOCAL_SIZE_VARIABLES = ("MPI_LOCALNRANKS", "OMPI_COMM_WORLD_LOCAL_SIZE", "MV2_COMM_WORLD_LOCAL_SIZE")
# pWord2Vec's schedule: sync k merges the top min(FIRST_ROWS * 2^ctz(k), V) rows.
FIRST_ROWS = 1024
# Rows are merged in blocks of at most this many floats per matrix, so a sync
# of a large vocabulary needs a bounded buffer.
BLOCK_FLOATS = 1 << 22
# The epoch-end merge works in place, in blocks that keep MPI's int counts small.
FULL_BLOCK_FLOATS = 1 << 28
# Longest sleep between polls of a row merge (seconds).
ROWS_POLL = float(os.environ.get("W2V_MPI_ROWS_POLL", "1e-4"))
# Seconds without an answer from the other ranks before a rank gives up on them:
# during training (a sync is due every --sync-period) and elsewhere (a rank may be
# compiling kernels or writing a checkpoint while the others wait).
SYNC_TIMEOUT = float(os.environ.get("W2V_MPI_TIMEOUT", "20"))
START_TIMEOUT = float(os.environ.get("W2V_MPI_START_TIMEOUT", "600"))


def _first_int(names) -> Optional[int]:
    for name in names:
        value = os.environ.get(name)
        if value is not None and value.strip().isdigit():
            return int(value)
    return None


def launched_size() -> int:
    """Processes in this MPI job according to the launcher (1 without one)."""
    return _first_int(SIZE_VARIABLES) or 1


def launched_rank() -> int:
    """This process's rank according to the launcher (0 without one)."""
    return _first_int(RANK_VARIABLES) or 0


def from_environment() -> Optional["Cluster"]:
    """The job's :class:`Cluster` when started by mpiexec with more than one
    process, else None (and mpi4py is not imported)."""
    if launched_size() <= 1:
        return None
    return Cluster.connect()


class RankFailed(W2VError):
    """An error of this rank alone: it reports it, naming itself, and ends the job."""


class PeerLost(RankFailed):
    """Another rank died, or gave no answer before the deadline."""


class Everywhere(W2VError):
    """An error every rank raised alike: rank 0 reports it, the others stay quiet."""


@contextlib.contextmanager
def everywhere():
    """Mark the W2VErrors raised inside as raised by every rank alike (bad
    options, a corpus or checkpoint every rank reads, divergence of the merged
    vectors), except those only this rank can have: a lost peer, an interrupt."""
    from ..errors import TrainingInterrupted
    try:
        yield
    except W2VError as exc:
        if not isinstance(exc, (RankFailed, TrainingInterrupted)):
            exc.everywhere = True
        raise


def is_everywhere(exc: BaseException) -> bool:
    return isinstance(exc, Everywhere) or getattr(exc, "everywhere", False)


def _peer_failed(signum, frame):
    raise PeerLost("another rank of the job died (mpiexec reported a failed process); nothing was written")


def _report_failed_peers() -> None:
    """MPICH's mpiexec, when not told to kill the job on a failure
    (``-disable-auto-cleanup``), tells the survivors with SIGUSR1, whose default
    action ends a process without a word; turn it into a one-line error."""
    import signal
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGUSR1, _peer_failed)


def check_resume(saved_corpus: dict, path, size: int) -> None:
    """A checkpoint continues only with the number of processes that wrote it
    (each rank's share of the corpus depends on it)."""
    ranks = saved_corpus.get("ranks", 1)
    if ranks != size:
        how = f"mpiexec -n {ranks} w2v train" if ranks > 1 else "w2v train without mpiexec"
        raise W2VError(f"checkpoint {path} was written by {ranks} process{'es' if ranks > 1 else ''}, "
                       f"this run has {size}; resume it with {how}")


def _ctz(k: int) -> int:
    return (k & -k).bit_length() - 1


def sync_rows(k: int, n_words: int) -> int:
    """Rows merged by the k-th sync (k >= 1) of a vocabulary of ``n_words``."""
    return min(FIRST_ROWS << min(_ctz(k), 40), n_words)


def output_block(lo: int, hi: int, n_words: int, n_outputs: int) -> tuple:
    """The rows of W' merged with rows [lo, hi) of W.  Rows of W are words by
    falling frequency, and so are W''s under negative sampling: the same rows.
    Under --loss hs W' holds the V - 1 inner nodes of the Huffman tree, made in
    order of rising count (a node is updated whenever a word below it is), so
    the most updated come last, the root (on every path) at V - 2: the same
    number of rows counted down from the end."""
    if n_outputs == n_words:
        return lo, hi
    return max(n_outputs - hi, 0), max(n_outputs - lo, 0)


class Cluster:
    """This process's place in the MPI job, and the collectives w2v needs."""

    def __init__(self, MPI, comm):
        self.MPI = MPI
        self.comm = comm
        self.rank = comm.Get_rank()
        self.size = comm.Get_size()
        self.local_stream_items = 0
        self.local_train_words = 0
        # True when rank 0 writes a checkpoint between epochs: the others then
        # wait for it at the next epoch's first sync, with the start-up deadline.
        self.slow_epoch_starts = False
        self.first_sync_done = False
        self._buffers = None  # EpochSync's merge buffers

    @classmethod
    def connect(cls) -> "Cluster":
        try:
            import mpi4py
        except ImportError:
            raise W2VError("started by mpiexec, but mpi4py is not installed; "
                           "install it with: pip install 'w2v-cli[mpi]'") from None
        # Errors come back as exceptions (not an abort inside the library), so
        # they can be reported in one line.
        mpi4py.rc.thread_level = "multiple"
        mpi4py.rc.errors = "exception"
        from mpi4py import MPI
        # The main thread calls MPI while setting up, the communication thread
        # while training: never both at once, but from two threads.
        if MPI.Query_thread() < MPI.THREAD_SERIALIZED:
            raise W2VError("this MPI library gives no thread support (MPI_THREAD_SERIALIZED or better is needed)")
        comm = MPI.COMM_WORLD.Dup()
        _report_failed_peers()
        return cls(MPI, comm)

    # -- polling collectives ------------------------------------------------------

    def wait(self, request, what: str, timeout: float, longest_pause: float = 2e-3) -> None:
        """Poll ``request`` until done, sleeping between polls (up to
        ``longest_pause``) to leave the cores to the kernels; MPI moves data
        only while polled.  Raises PeerLost after ``timeout``."""
        start = time.monotonic()
        pause = 1e-5
        while not request.Test():
            waited = time.monotonic() - start
            if waited > timeout:
                raise PeerLost(f"no answer from the other ranks for {waited:.0f} s while {what}: "
                               f"a rank died or hangs; nothing was written")
            time.sleep(pause)
            pause = min(pause * 2, longest_pause)

    def allreduce(self, array: np.ndarray, what: str, timeout: float = START_TIMEOUT,
                  longest_pause: float = 2e-3, out: Optional[np.ndarray] = None) -> np.ndarray:
        """Sum ``array`` over ranks, in place (or into ``out``)."""
        send = self.MPI.IN_PLACE if out is None else array
        out = array if out is None else out
        self.wait(self.comm.Iallreduce(send, out, op=self.MPI.SUM), what, timeout, longest_pause)
        return out

    def merge_buffers(self, floats: int):
        """Two float32 buffers of at least ``floats``, kept for the next sync."""
        if self._buffers is None or len(self._buffers[0]) < floats:
            self._buffers = (np.empty(floats, np.float32), np.empty(floats, np.float32))
        return self._buffers

    def barrier(self, what: str, timeout: float = START_TIMEOUT) -> None:
        self.wait(self.comm.Ibarrier(), what, timeout)

    def agree(self, step, *args, **kwargs):
        """Run ``step`` here, then learn whether it failed on any rank.  If it
        did, every rank raises the first failing rank's error (:class:`Everywhere`:
        the message is printed once, by rank 0)."""
        try:
            value, message = step(*args, **kwargs), None
        except W2VError as exc:
            value, message = None, str(exc)
        self.barrier("waiting for the other ranks to read the corpus")
        messages = self.comm.allgather(message)
        first = next((m for m in messages if m is not None), None)
        if first is not None:
            raise Everywhere(first)
        return value

    # -- corpus ---------------------------------------------------------------------

    def merge_tables(self, table, tokens: int):
        """(the word table of all ranks' counts, all tokens), on every rank, from
        this rank's ``table`` and ``tokens``: rank 0 merges the tables in rank
        order (so ties keep the order of first appearance, and the vocabulary is
        the one a single process builds, unless --max-vocab prunes: each rank
        then prunes its own counts) and broadcasts the sum."""
        from ..corpus import native

        self.barrier("merging the vocabulary")
        parts = self.comm.gather((table.arrays(), tokens), root=0)
        summed = None
        if self.rank == 0:
            table = native.WordTable()
            for arrays, _ in parts:
                table.merge(native.WordTable.from_arrays(*arrays))
            summed = (table.arrays(), sum(n for _, n in parts))
        arrays, tokens = self.comm.bcast(summed, root=0)
        return native.WordTable.from_arrays(*arrays), tokens

    def debug(self, what: str, *parts) -> None:
        """With W2V_MPI_DEBUG set, print a crc32 of ``parts`` (bytes or arrays)
        on every rank, so a test can see they agree."""
        if not os.environ.get("W2V_MPI_DEBUG"):
            return
        h = 0
        for p in parts:
            h = zlib.crc32(p if isinstance(p, bytes) else memoryview(np.ascontiguousarray(p)).cast("B"), h)
        print(f"w2v-mpi rank {self.rank}: {what} crc32 {h:08x}", file=sys.stderr, flush=True)

    def slice_stream(self, stream):
        """This rank's part of an id stream every rank built alike (an in-memory corpus)."""
        lo, hi = self.rank * len(stream) // self.size, (self.rank + 1) * len(stream) // self.size
        part = stream[lo:hi]
        return part, self.settle_stream(part, int(np.count_nonzero(part >= 0)))

    def settle_stream(self, stream, words: int) -> int:
        """Record this rank's share; return the words of all ranks."""
        self.local_stream_items = len(stream)
        self.local_train_words = words
        totals = self.allreduce(np.array([len(stream), words], np.int64), "counting the corpus")
        self.stream_items = int(totals[0])
        return int(totals[1])

    def corpus_info(self, train_words: int) -> dict:
        """What a checkpoint records about the corpus, for the whole job."""
        return {"stream_items": self.stream_items, "train_words": int(train_words), "ranks": self.size}


    # -- training -------------------------------------------------------------------

    def default_threads(self, cores: int) -> int:
        """Threads per rank when --threads is not given: this host's cores
        shared among the ranks on this host."""
        local = _first_int(LOCAL_SIZE_VARIABLES) or 1
        return max(1, cores // local)

    def first_thread(self, threads: int) -> int:
        """Global index of this rank's first thread (so every thread of the job
        draws its own random numbers)."""
        return self.rank * threads

    def prepare_state(self, state) -> None:
        """Give ``progress`` the slot for the other ranks' words (kernels.stream)."""
        from .kernels.stream import PAD
        need = (state.threads + 1) * PAD
        if state.progress.shape[0] < need:
            grown = np.zeros(need, np.int64)
            grown[:state.progress.shape[0]] = state.progress
            state.progress = grown

    def epoch_sync(self, state, sync_period: float) -> "EpochSync":
        if getattr(self, "reference", None) is None:
            # The rows as last agreed by all ranks (identical everywhere: the same
            # seed or checkpoint, then the same sums).
            self.reference = (state.W.copy(), state.Wp.copy())
        return EpochSync(self, state, sync_period)

    def same_everywhere(self, *arrays) -> bool:
        """True when these arrays hash alike on every rank."""
        h = 0
        for a in arrays:
            if a.size:  # an empty W' (--loss hs, one word) has no bytes, and memoryview refuses to cast it
                h = zlib.crc32(memoryview(np.ascontiguousarray(a)).cast("B"), h)
        self.barrier("comparing the final vectors")
        return len(set(self.comm.allgather(h))) == 1

    def make_identical(self, *arrays) -> None:
        """Guarantee bit-identical arrays on every rank (an allreduce may round
        differently on different ranks with more than two): rank 0's win."""
        if not self.same_everywhere(*arrays):
            for a in arrays:
                if a.size:
                    self.wait(self.comm.Ibcast(a, root=0), "sharing the final vectors", START_TIMEOUT)
        self.debug("final vectors", *arrays)


class SyncStats:
    """What the communication thread did, for the closing note and the benchmark."""

    def __init__(self):
        self.syncs = 0
        self.rows = 0  # rows of each matrix merged by the periodic syncs
        self.bytes = 0  # payload this rank put into allreduces (rows, not protocol)
        self.full_bytes = 0
        self.busy = 0.0  # seconds merging rows while the kernel runs (copy, allreduce, write-back)
        self.full_busy = 0.0  # seconds in the epoch-end merges (the kernels are done)
        self.waiting = 0.0  # seconds in the small allreduce that starts a sync (ranks meet)
        self.idle = 0.0  # seconds of that with this rank's kernel done (the others' still running)
        self.cpu = 0.0  # CPU seconds of the communication thread (what it takes from the kernels)
        self.wall = 0.0  # seconds of the epochs
        self.epochs = 0  # epochs trained (and fully merged)


class EpochSync:
    """The communication thread of one epoch.

    ``with sync: kernel()`` starts the thread before the kernel runs and, when
    the kernel is done, waits until every rank's kernel is done and the rows
    are all merged; afterwards :meth:`totals` gives the loss and pair
    counts of all ranks.
    """

    stats = SyncStats()
    syncs_done = 0  # k of pWord2Vec's schedule, counted over the whole run

    def __init__(self, cluster: Cluster, state, period: float):
        from .kernels.stream import PAD
        self.cluster = cluster
        self.state = state
        self.period = period
        self.others_slot = state.threads * PAD
        self.local_done = threading.Event()
        self.abandon = threading.Event()
        self.finished = threading.Event()
        self.error: List[BaseException] = []
        self.sums = np.zeros(4)
        self.test_hook = _test_hook(cluster.rank)

    def __enter__(self):
        self.started = time.perf_counter()
        self.thread = threading.Thread(target=self._run, name="w2v-mpi", daemon=True)
        self.thread.start()
        return self

    def __exit__(self, kind, exc, tb):
        if kind is not None:
            self.abandon.set()  # the job ends: fail() aborts it
            return False
        self.local_done.set()
        while not self.finished.wait(0.05):
            pass
        EpochSync.stats.wall += time.perf_counter() - self.started
        if self.error:
            raise self.error[0]
        return False

    def watch(self, stop: np.ndarray) -> None:
        """Called by the training loop's poll: a failed sync stops the kernel."""
        if self.error:
            stop[0] = 1

    def totals(self):
        """(loss sum, pairs) of all ranks this epoch."""
        return float(self.sums[2]), int(self.sums[3])

    def _run(self):
        cpu = time.thread_time()
        try:
            self._loop()
        except BaseException as exc:  # surfaced by __exit__ or watch()
            self.error.append(exc)
        finally:
            EpochSync.stats.cpu += time.thread_time() - cpu
            self.finished.set()

    def _loop(self):
        c = self.cluster
        state = self.state
        # The first sync waits for ranks still starting (or for rank 0's checkpoint).
        timeout = START_TIMEOUT if c.slow_epoch_starts or not c.first_sync_done else SYNC_TIMEOUT
        next_at = time.perf_counter()
        while True:
            next_at += self.period
            # Sleep till the next sync, waking at once when the kernel is done.
            while not self.local_done.is_set() and not self.abandon.is_set():
                left = next_at - time.perf_counter()
                if left <= 0:
                    break
                self.local_done.wait(min(left, 0.05))
            if self.abandon.is_set():
                return
            done = self.local_done.is_set()
            mine = int(state.progress[:self.others_slot].sum())
            small = np.array([mine, 0.0 if done else 1.0, state.loss_acc.sum(), state.pair_acc.sum()])
            waited = time.perf_counter()
            c.allreduce(small, "summing word counts", timeout)
            # The ranks leave this allreduce together: count the next period from here,
            # so they stay in step.
            next_at = time.perf_counter()
            EpochSync.stats.waiting += next_at - waited
            if done:  # this rank's kernel sat idle, waiting for the others' to finish
                EpochSync.stats.idle += next_at - waited
            timeout = SYNC_TIMEOUT
            c.first_sync_done = True
            if self.test_hook and state.epoch * c.local_train_words + mine >= self.test_hook[1]:
                if self.test_hook[0] == "KILL":
                    os.kill(os.getpid(), 9)  # die the hardest way, mid-run
                raise RankFailed("failure injected by W2V_MPI_TEST_FAIL")
            state.progress[self.others_slot] = int(small[0]) - mine
            if small[1] == 0:  # every rank's kernel is done
                self.sums = small
                self._merge_all()
                return
            EpochSync.syncs_done += 1
            self._merge_top(sync_rows(EpochSync.syncs_done, state.W.shape[0]))

    def _blocks(self, n_rows: int, floats: int = BLOCK_FLOATS):
        dim = self.state.W.shape[1]
        step = max(1, floats // max(dim, 1))
        for lo in range(0, n_rows, step):
            yield lo, min(n_rows, lo + step)

    def _merge(self, n_rows: int, what: str) -> int:
        """Merge rows [0, n_rows) of W and W' across ranks while the kernel runs:
        every rank's change since the last merge (its row minus the reference)
        is summed, and the reference moves to reference + sum.  Summing, not
        averaging: a rare word trained on one rank keeps its whole update, as it
        would under Hogwild threads (averaging would halve it, and cost about
        0.1 WS353 on GCIDE with 2 ranks).  The kernel may write the rows
        meanwhile: each rank adds (sum - its own change), so those writes are
        kept.  The buffers are allocated once (a fresh array per sync costs a page
        fault per 4 kB).  Returns the payload bytes."""
        c = self.cluster
        pairs = ((self.state.W, c.reference[0]), (self.state.Wp, c.reference[1]))
        n_words = self.state.W.shape[0]
        sent = 0
        for lo, hi in self._blocks(n_rows):
            # W' rows: the same, or under --loss hs the inner nodes from the root down.
            spans = [(M, R, *((lo, hi) if M is self.state.W else output_block(lo, hi, n_words, M.shape[0])))
                     for M, R in pairs]
            sizes = [max(b - a, 0) * M.shape[1] for M, _, a, b in spans]
            mine, total = c.merge_buffers(sum(sizes))
            parts, at = [], 0
            for (M, R, a, b), n in zip(spans, sizes):
                d, t = mine[at:at + n].reshape(-1, M.shape[1]), total[at:at + n].reshape(-1, M.shape[1])
                np.subtract(M[a:b], R[a:b], out=d)
                parts.append((M[a:b], R[a:b], d, t))
                at += n
            # Every rank has just left the same small allreduce, so this one needs
            # no waiting for late ranks: poll it closely.
            c.allreduce(mine[:at], what, SYNC_TIMEOUT, ROWS_POLL, out=total[:at])
            for M, R, d, t in parts:
                R += t
                t -= d
                M += t
            sent += 4 * at
        return sent

    def _merge_top(self, n_rows: int) -> None:
        start = time.perf_counter()
        EpochSync.stats.bytes += self._merge(n_rows, "merging rows")
        EpochSync.stats.syncs += 1
        EpochSync.stats.rows += n_rows
        EpochSync.stats.busy += time.perf_counter() - start

    def _merge_all(self) -> None:
        """The epoch-end merge of every row, once every rank's kernel is done:
        in place (a matrix becomes its change, the sum of the changes, then the
        new reference), so every rank ends with exactly the new reference."""
        start = time.perf_counter()
        c = self.cluster
        sent = 0
        for M, R in ((self.state.W, c.reference[0]), (self.state.Wp, c.reference[1])):
            for lo, hi in self._blocks(M.shape[0], FULL_BLOCK_FLOATS):
                m, r = M[lo:hi], R[lo:hi]
                m -= r
                c.allreduce(m, "merging the vectors at the end of the epoch", SYNC_TIMEOUT, ROWS_POLL)
                m += r
                r[:] = m
                sent += m.nbytes
        EpochSync.stats.full_bytes += sent
        EpochSync.stats.full_busy += time.perf_counter() - start
        EpochSync.stats.epochs += 1


def _test_hook(rank: int):
    """Test hooks: W2V_MPI_TEST_KILL="RANK:WORDS" makes that rank SIGKILL itself
    once its threads have read WORDS words (over all epochs); W2V_MPI_TEST_FAIL
    makes it fail with an error instead.  Returns (action, words) or None."""
    for action in ("KILL", "FAIL"):
        spec = os.environ.get(f"W2V_MPI_TEST_{action}")
        if spec:
            who, _, words = spec.partition(":")
            if int(who) == rank:
                return action, int(words or 0)
    return None


def summary(cluster: Cluster, threads: int) -> str:
    """The closing note on communication (rank 0 prints it).  With
    W2V_MPI_STATS=path, rank 0 also writes the figures as JSON there (for
    benchmarks/bench_mpi.py)."""
    s = EpochSync.stats
    epochs = max(s.epochs, 1)
    per_sync = s.bytes / s.syncs if s.syncs else 0
    figures = {"ranks": cluster.size, "threads": threads, "syncs": s.syncs,
               "rows_per_sync": s.rows / max(s.syncs, 1), "bytes_per_sync": per_sync,
               "sync_bytes_per_epoch": s.bytes / epochs, "full_bytes_per_epoch": s.full_bytes / epochs,
               "merge_seconds": s.busy, "full_merge_seconds": s.full_busy, "wait_seconds": s.waiting,
               "epoch_seconds": s.wall, "comm_cpu_seconds": s.cpu,
               "idle_seconds": s.idle}
    path = os.environ.get("W2V_MPI_STATS")
    if path and cluster.rank == 0:
        import json
        from ..atomic import atomic_write
        with atomic_write(path, "w") as fh:
            json.dump(figures, fh)
    wall = max(s.wall, 1e-9)
    return (f"mpi: {cluster.size} ranks x {threads} threads; {s.syncs} syncs merging {figures['rows_per_sync']:,.0f} "
            f"rows on average ({per_sync / 1e6:.2f} MB per sync, {s.bytes / epochs / 1e6:.1f} MB per epoch) "
            f"+ {s.full_bytes / epochs / 1e6:.1f} MB at each epoch end, payload per rank; of the epochs' wall time "
            f"{100 * s.busy / wall:.1f} % merging rows beside the kernel, {100 * s.full_busy / wall:.1f} % in "
            f"the epoch-end merges, {100 * s.waiting / wall:.1f} % meeting the other ranks ({100 * s.idle / wall:.1f} % "
            f"with the kernel done, waiting for theirs); the communication "
            f"thread used {100 * s.cpu / wall:.1f} % of a core")


def mpi_started() -> bool:
    return "mpi4py.MPI" in sys.modules


def mpi_error_message(exc: BaseException) -> Optional[str]:
    """One line for an error the MPI library returned (mpi4py raises them as
    MPI.Exception), or None for any other exception."""
    MPI = sys.modules.get("mpi4py.MPI")
    if MPI is None or not isinstance(exc, MPI.Exception):
        return None
    try:
        text = exc.Get_error_string().strip().splitlines()[0]
    except Exception:
        text = str(exc)
    return f"MPI error ({text}); the job is ended, nothing was written"


def end_job(message: Optional[str], code: int, exc: Optional[BaseException] = None) -> None:
    """How a rank of an MPI job leaves after an error (never returns).

    Errors every rank raised alike are printed by rank 0 only; others by the
    rank that had them, naming it.  Then MPI_Abort ends the whole job at once
    (no rank is left waiting in a collective), with the library's own abort
    banner sent to /dev/null.  Before MPI is started (bad options) every rank
    simply exits.
    """
    from ..errors import TrainingInterrupted

    rank, size = launched_rank(), launched_size()
    # Before MPI starts, every rank has only parsed the same command line.
    alike = exc is None or is_everywhere(exc) or not mpi_started()
    if rank != 0 and isinstance(exc, (KeyboardInterrupt, TrainingInterrupted)) and mpi_started():
        # Ctrl-C on mpiexec reaches every rank: let rank 0 say it and end the job;
        # this line appears only if this rank alone was stopped.
        time.sleep(1.0)
    if message and (rank == 0 or not alike):
        prefix = f"error: rank {rank} of {size}: " if rank != 0 and not alike else "error: "
        print(prefix + message, file=sys.stderr, flush=True)
    if not mpi_started():
        sys.exit(code)
    # Give the launcher a moment to forward rank 0's line before anyone tears the job down.
    time.sleep(0.3 if rank == 0 or not alike else 1.0)
    with contextlib.suppress(OSError):
        os.dup2(os.open(os.devnull, os.O_WRONLY), 2)
    from mpi4py import MPI
    MPI.COMM_WORLD.Abort(code)
    os._exit(code)
