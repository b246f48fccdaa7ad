"""The kernels' float32 exp (w2v_cli/kernels/expf.py) against numpy's float64 exp."""

import numpy as np
from numba import njit

from w2v_cli.training.kernels.expf import expf


@njit(fastmath=True)  # as the kernels compile it
def _expf_all(xs):
    out = np.empty_like(xs)
    for i in range(xs.shape[0]):
        out[i] = expf(xs[i])
    return out


def test_expf_relative_error_over_the_clipped_range():
    xs = np.concatenate([np.linspace(-30, 30, 200001), [0.0, -0.0, 1e-8, -1e-8, 30.0, -30.0]]).astype(np.float32)
    got = _expf_all(xs).astype(np.float64)
    want = np.exp(xs.astype(np.float64))
    rel = np.abs(got - want) / want
    assert rel.max() < 3e-7, (rel.max(), xs[rel.argmax()])


def test_expf_exact_points():
    xs = np.array([0.0, np.log(2.0), -np.log(2.0), 1.0], np.float32)
    got = _expf_all(xs)
    np.testing.assert_allclose(got, [1.0, 2.0, 0.5, np.e], rtol=3e-7)
