"""Trained vectors: file formats, KeyedVectors queries, evaluation, export and
plots.  Nothing here imports Numba, so queries start fast."""
