"""Software prefetches (LLVM's llvm.prefetch): one row of a 2-D float32 array, or
one item of a 1-D array.

The window kernel knows the output rows of the next centre word (its negatives
are drawn one draw ahead) while it works on the current one, so it asks for
them early; rows of rare words otherwise arrive from L3 or memory while the
core waits.  A row is fetched with intent to write (PREFETCHW on x86): every
row the kernels prefetch is then written, and a line another thread wrote
last then arrives owned, not shared first and upgraded on the store.  When the
host places the two vCPUs far apart, every such line costs a slow transfer:
a CBOW epoch took 0.84 of the time in those periods, 0.965-1.00 otherwise
(benchmarks/bench_ab.py; docs/benchmarks.md).
"""

from llvmlite import ir
from numba import njit, types
from numba.core import cgutils
from numba.extending import intrinsic

from . import jit as _jit

_jit.install_cache_locator()  # before the functions below are defined (w2v_cli.jit)

# Floats per 64-byte cache line.
LINE = 16


def _codegen(context, builder, signature, args, rw=0):
    """Emit llvm.prefetch of the address of ``args[0][args[1:]]`` (``rw`` 1: to be written)."""
    aryty = signature.args[0]
    ary = context.make_array(aryty)(context, builder, args[0])
    index = [context.cast(builder, v, t, types.intp) for v, t in zip(args[1:], signature.args[1:])]
    ptr = cgutils.get_item_pointer(context, builder, aryty, ary, index, wraparound=False)
    # One declaration per module for every element type: pass the address as i8*.
    ptr = builder.bitcast(ptr, ir.IntType(8).as_pointer())
    i32 = ir.IntType(32)
    fnty = ir.FunctionType(ir.VoidType(), [ptr.type, i32, i32, i32])
    fn = cgutils.get_or_insert_function(builder.module, fnty, "llvm.prefetch.p0")
    # (address, rw, locality = 3 (keep in all levels), cache = data)
    builder.call(fn, [ptr, i32(rw), i32(3), i32(1)])
    return context.get_dummy_value()


def _codegen_write(context, builder, signature, args):
    return _codegen(context, builder, signature, args, rw=1)


@intrinsic
def _prefetch_item_for_write(typingctx, arr, i, j):
    """Hint that arr[i, j] will be written soon."""
    return types.void(arr, i, j), _codegen_write


@intrinsic
def prefetch(typingctx, arr, i):
    """Hint that arr[i] (a 1-D array) will be read soon; no bounds check, and an
    address out of range is harmless (a prefetch never faults)."""
    return types.void(arr, i), _codegen


@njit(cache=True, inline="always")
def prefetch_row(arr, row):
    """Prefetch every cache line of arr[row], to be written."""
    for k in range(0, arr.shape[1], LINE):
        _prefetch_item_for_write(arr, row, k)
