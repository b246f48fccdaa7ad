"""Numba kernels: the only code in w2v that runs per training pair.

``rng``      per-thread random numbers (xorshift64*), uniform floats, alias draws
``sgns``     skip-gram with negative sampling: one step, one span, one epoch
Importing this package compiles (or loads from cache) the kernels, so the query
side of w2v never imports it.
"""
