"""Numba SGD kernels: the only code in w2v that runs per training pair.

``rng``      per-thread random numbers (xorshift64*), uniform floats, the alias table and its draws
``stream``   reading sentences (with subsampling) and dynamic windows from the id stream
``inputs``   the named bundle of one epoch's inputs (EpochInputs) and its builder
``span``     the one per-thread span loop; it calls a step once per centre word, and the entry's hooks
``ahead``    negative sampling's hooks: negatives drawn one draw ahead, shared by neighbouring centre words
``blocks``   the block code of the window steps (BLOCK output rows, LANES sigmoids), shared by NS and HS
``sgns``     skip-gram with negative sampling: the pair and window steps
``cbow``     CBOW with negative sampling
``hs``       hierarchical softmax, skip-gram (window and pair) and CBOW, and its hooks
``hot_rows`` thread-private copies of the Huffman tree's top nodes
``softmax``  the full-softmax skip-gram step
``registry`` (model, loss, batching) -> the epoch kernel of that step and hooks
``expf``     float32 exp as plain arithmetic, so the sigmoid loops vectorise

Every kernel is compiled with ``error_model="numpy"``: a division by zero gives
inf/NaN instead of raising (which fastmath code would otherwise do on a NaN
score), so a diverging run reaches the training loop's finiteness check and
gets a clear message, and the hot loops carry no zero-division branches.

Kernels compile (or load from cache) on first call; the query side of w2v never
imports this package.  The LLVM options they are compiled with are applied by
``w2v_cli.jit.configure`` (called by the training entry point before it imports
this package); importing it fixes their cache directory (see ``w2v_cli.jit``).
"""

from ... import jit as _jit

_jit.install_cache_locator()
