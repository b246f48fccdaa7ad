"""The learning-rate schedule, in plain Python (the kernels compile this same
function; the progress bar calls it as it is, without importing Numba)."""


def learning_rate(alpha0, min_alpha, done, total):
    """Linear decay from alpha0 to min_alpha over all words of all epochs
    (``total``), never below min_alpha (threads may overshoot ``total``).  With
    min_alpha = alpha0 * 1e-4 this is word2vec.c's alpha0 * (1 - done / total)
    floored there, to within alpha0 * 1e-4.

    ``done`` counts every word read so far by every worker: in the kernels it is
    the words of earlier epochs, plus an external offset (other processes' words,
    e.g. MPI ranks), plus what this epoch's threads have published."""
    a = alpha0 - (alpha0 - min_alpha) * (done / (total + 1.0))
    return a if a > min_alpha else min_alpha
