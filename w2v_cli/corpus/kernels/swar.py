"""Eight bytes at a time: unaligned 64-bit loads from a uint8 array and the
whitespace bytes of such a word (SWAR: SIMD within a register).

The reader's inner loop spends most of its time finding where each word ends,
hashing it and comparing it with a table row.  Byte loops there end at a
different length for every word, i.e. one mispredicted branch per loop per
word; a word of at most 8 bytes (most words) takes one load, a few integer
operations and no loop at all this way.  Little-endian: byte ``p`` of the
array is the low byte of ``load8(a, p)``.
"""

import numpy as np
from llvmlite import ir
from numba import njit, types
from numba.core import cgutils
from numba.cpython.unsafe.numbers import trailing_zeros
from numba.extending import intrinsic

_ONES = np.uint64(0x0101010101010101)
_LOW7 = np.uint64(0x7F7F7F7F7F7F7F7F)
_HIGH = np.uint64(0x8080808080808080)
_SPACES = np.uint64(0x2020202020202020)
_BELOW_14 = np.uint64(0x8D8D8D8D8D8D8D8D)  # 127 + 14 in every byte
_ABOVE_8 = np.uint64(0x7777777777777777)  # 127 - 8 in every byte
_ALL = np.uint64(0xFFFFFFFFFFFFFFFF)


@intrinsic
def load8(typingctx, arr, i):
    """``arr[i:i + 8]`` (a 1-D C-contiguous uint8 array) as one little-endian
    uint64, read unaligned; no bounds check: the caller makes sure
    ``i + 8 <= arr.size``.  Any other array is a typing error."""
    if not (isinstance(arr, types.Array) and arr.ndim == 1 and arr.layout == "C" and arr.dtype == types.uint8):
        return None

    def codegen(context, builder, signature, args):
        aryty = signature.args[0]
        ary = context.make_array(aryty)(context, builder, args[0])
        index = context.cast(builder, args[1], signature.args[1], types.intp)
        ptr = cgutils.get_item_pointer(context, builder, aryty, ary, [index], wraparound=False)
        ptr = builder.bitcast(ptr, ir.IntType(64).as_pointer())
        return builder.load(ptr, align=1)
    return types.uint64(arr, i), codegen


@njit(cache=True, nogil=True, inline="always")
def word_at(a, p, n):
    """The ``n`` (0..8) bytes ``a[p:p + n]`` as a uint64, zero above them."""
    if p + 8 <= a.size:
        v = load8(a, p)
        if n < 8:
            v &= ~(_ALL << np.uint64(8 * n))
        return v
    v = np.uint64(0)
    for q in range(n):
        v |= np.uint64(a[p + q]) << np.uint64(8 * q)
    return v


@njit(cache=True, nogil=True, inline="always")
def space_mask(v):
    """The high bit of every byte of ``v`` that is ASCII whitespace (9..13 or
    32), the rest zero.  Exact per byte: no carry crosses bytes."""
    low = v & _LOW7
    tab_to_cr = (_BELOW_14 - low) & ~v & (low + _ABOVE_8) & _HIGH
    t = v ^ _SPACES
    space = ~(((t & _LOW7) + _LOW7) | t) & _HIGH
    return tab_to_cr | space


@njit(cache=True, nogil=True, inline="always")
def first_byte(mask):
    """Index (0..7) of the lowest byte whose high bit is set in ``mask`` != 0."""
    return np.int64(trailing_zeros(mask)) >> 3


@njit(cache=True, nogil=True, inline="always")
def same_bytes(a, ao, b, bo, n):
    """Whether ``a[ao:ao + n] == b[bo:bo + n]``."""
    q = 0
    while n - q > 8:
        if word_at(a, ao + q, 8) != word_at(b, bo + q, 8):
            return False
        q += 8
    return word_at(a, ao + q, n - q) == word_at(b, bo + q, n - q)
