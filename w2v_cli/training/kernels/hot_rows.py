"""Thread-private copies of the Huffman tree's top inner nodes (``--loss hs``, several threads).

Every hierarchical-softmax step writes the rows of the nodes on its path, and
every path starts at the root: with Hogwild threads sharing W', the top nodes'
rows are written by every thread on every centre word, so their cache lines
move between the cores all the time (on GCIDE two threads took 5.52 s per
epoch, slower than one thread's 4.25 s; with private copies, 2.53 s).  Here
each thread trains private copies of the ``T`` most visited inner nodes (the
last T made by the Huffman merge: rows V-1-T .. V-2 of W', the root last) and
adds what it learnt to the shared rows as the MPI ranks do with their rows:
shared += private - base, then private = base = shared.  The sixteenth of
the rows nearest the root is merged every ``hot_every`` centre words, deeper
ones less often (:func:`synced_rows`).  Between two syncs a thread does not
see the other threads' steps on those nodes, the delay of HogBatch's shared
rows.  A merge is a read-add-store of each row, like a Hogwild step: two
threads (or a thread and the MPI merge) on the same row at the same moment
can still lose one of the two.

A step works on the thread's matrix ``hot`` = [the T private rows; a staging
block of L rows; a copy of it] (L the longest path): the path's nodes map to
their private row, or are copied from W' into the staging block (row T + j
for the path's j-th node, its copy at T + L + j), and after the step W' takes
the staged row's change (staged - copy), so steps others made to that row
meanwhile are kept.  The step itself is the unchanged kernel on that matrix.
"""

from numba import njit


@njit(cache=True, error_model="numpy", fastmath=True, nogil=True)
def hot_begin(Wp, hot, base):
    """Start a span: the private rows and their base take the shared rows' values."""
    first = Wp.shape[0] - base.shape[0]
    for r in range(base.shape[0]):
        for k in range(Wp.shape[1]):
            x = Wp[first + r, k]
            hot[r, k] = x
            base[r, k] = x


@njit(cache=True, error_model="numpy", nogil=True)
def synced_rows(n_hot, count):
    """How many private rows, counted from the root, the ``count``-th sync
    (from 1) merges: a sixteenth of them at every sync, a quarter at every
    fourth, all at every sixteenth.  Nearly every step writes the rows nearest
    the root, and a node's visits halve a level down, so the deep rows have
    few unshared steps between merges even when merged less often."""
    n = max(1, n_hot // 16)
    while count % 4 == 0 and n < n_hot:
        n *= 4
        count //= 4
    return min(n, n_hot)


@njit(cache=True, error_model="numpy", fastmath=True, nogil=True)
def hot_sync(Wp, hot, base, n_rows):
    """Add the last ``n_rows`` private rows' (the nearest the root) steps since
    their last sync to the shared rows, and take the shared rows (with the
    other threads' steps) as their new start."""
    n_hot = base.shape[0]
    first = Wp.shape[0] - n_hot
    for r in range(n_hot - n_rows, n_hot):
        for k in range(Wp.shape[1]):
            x = Wp[first + r, k] + (hot[r, k] - base[r, k])
            Wp[first + r, k] = x
            hot[r, k] = x
            base[r, k] = x


@njit(cache=True, error_model="numpy", nogil=True, inline="always")
def stage_path(Wp, hot, n_hot, points, n, path):
    """path[:n] = the rows of ``hot`` that stand for W' rows points[:n]: a private
    row for the top ``n_hot`` nodes, else a staging row filled from W' (and its copy)."""
    first = Wp.shape[0] - n_hot
    copy = n_hot + (hot.shape[0] - n_hot) // 2
    for j in range(n):
        p = points[j]
        if p >= first:
            path[j] = p - first
        else:
            path[j] = n_hot + j
            for k in range(Wp.shape[1]):
                x = Wp[p, k]
                hot[n_hot + j, k] = x
                hot[copy + j, k] = x


@njit(cache=True, error_model="numpy", fastmath=True, nogil=True, inline="always")
def unstage_path(Wp, hot, n_hot, points, n):
    """After the step: W' rows points[:n] that were staged take the staged
    row's change, added to their value now (not overwritten, so a step another
    thread made to the row meanwhile stays)."""
    first = Wp.shape[0] - n_hot
    copy = n_hot + (hot.shape[0] - n_hot) // 2
    for j in range(n):
        p = points[j]
        if p < first:
            for k in range(Wp.shape[1]):
                Wp[p, k] += hot[n_hot + j, k] - hot[copy + j, k]
