"""Numba text kernels: hashing and counting words, tokenising blocks of bytes,
the word table's rows, SWAR byte tests, and phrase counting.  They are cached
like the training kernels (see ``w2v_cli.jit``)."""

from ... import jit as _jit

_jit.install_cache_locator()
