"""Numba kernels: the only code in w2v that runs per training pair.

``rng``      per-thread random numbers (xorshift64*), uniform floats, alias draws
``stream``   reading sentences (with subsampling) and dynamic windows from the id stream
``sgns``     skip-gram with negative sampling: one step, one window, one span, one epoch
``softmax``  the full-softmax skip-gram, same structure
``expf``     float32 exp as plain arithmetic, so the sigmoid loops vectorise
``prefetch`` a software prefetch of a matrix row (llvm.prefetch)

Every kernel is compiled with ``error_model="numpy"``: a division by zero gives
inf/NaN instead of raising (which fastmath code would otherwise do on a NaN
score), so a diverging run reaches the training loop's finiteness check and
gets a clear message, and the hot loops carry no zero-division branches.

Importing this package compiles (or loads from cache) the kernels, so the query
side of w2v never imports it.
"""

import llvmlite.binding as _llvm

# LLVM's loop vectorizer interleaves 4 vectors by default, so with AVX-512 one
# vector iteration covers 64 floats and at D=100 the last 36 run as a scalar
# loop (the dot product's scalar tail is a serial chain).  One vector per
# iteration leaves a tail of at most 15.  Both options here are process-wide
# (every Numba function compiled after this import gets them) and change how
# loops are split, so under fastmath a reduction may sum in another order and
# differ in its last bits; they are not part of Numba's cache key.
_llvm.set_option("w2v", "-force-vector-interleave=1")
# That tail (D % VF words: 4 at D=100 with 8-float AVX2 vectors) still runs
# scalar, a third again of the vector loop's FMAs; a 4-wide vector epilogue
# takes it in one step (kernel 1.92 -> 1.82 s/epoch, GCIDE dim 100, AVX2 host).
_llvm.set_option("w2v", "-epilogue-vectorization-force-VF=4")
