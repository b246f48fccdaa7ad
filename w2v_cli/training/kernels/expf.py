"""float32 exp(x) as plain arithmetic, for the sigmoid of the SGNS kernels.

np.exp on a float32 compiles to a call into libm's expf, which LLVM cannot
vectorise: the window kernel's sigmoids cost about a tenth of its time that way.
This is Cephes' expf (Cody-Waite range reduction x = n ln2 + r, |r| <= ln2/2,
a degree-7 polynomial for e^r, 2^n written into the exponent bits): no calls and
no branches, so a loop over a block of scores becomes vector code.  Relative
error below 3e-7 for |x| <= 30 (tests/test_expf.py); callers clip to that range.
"""

import numpy as np
from llvmlite import ir
from numba import njit, types
from numba.extending import intrinsic

# Callers clip scores here before exp() so it stays finite; sigma(30) is 1 in float32.
MAX_SCORE = np.float32(30.0)

_LOG2E = np.float32(1.44269504088896341)
_LN2_HI = np.float32(0.693359375)
_LN2_LO = np.float32(-2.12194440e-4)
_P0 = np.float32(1.9875691500e-4)
_P1 = np.float32(1.3981999507e-3)
_P2 = np.float32(8.3334519073e-3)
_P3 = np.float32(4.1665795894e-2)
_P4 = np.float32(1.6666665459e-1)
_P5 = np.float32(5.0000001201e-1)
_ONE = np.float32(1.0)
_HALF = np.float32(0.5)


@intrinsic
def _float32_from_bits(typingctx, bits):
    """Reinterpret an int32's bits as a float32."""
    sig = types.float32(types.int32)

    def codegen(context, builder, signature, args):
        return builder.bitcast(args[0], ir.FloatType())

    return sig, codegen


@njit(cache=True, error_model="numpy", inline="always")
def expf(x):
    """e**x for a float32 x with |x| <= 87 (not checked)."""
    n = np.floor(x * _LOG2E + _HALF)
    r = x - n * _LN2_HI
    r = r - n * _LN2_LO
    p = ((((_P0 * r + _P1) * r + _P2) * r + _P3) * r + _P4) * r + _P5
    e_r = p * (r * r) + r + _ONE
    return e_r * _float32_from_bits((np.int32(n) + np.int32(127)) << np.int32(23))
