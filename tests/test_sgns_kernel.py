"""The SGNS update, checked against the notes' worked example, the blog's
example with its signs corrected, and central finite differences."""

import numpy as np
import pytest

from w2v_cli.training.kernels.sgns import sgns_step


def _step(v, u_rows, alpha):
    """Run the kernel's own step with W = [v] and W' = u_rows; targets 0 (positive), 1.. (negatives)."""
    W = np.array([v], dtype=np.float32)
    Wp = np.array(u_rows, dtype=np.float32)
    targets = np.arange(len(u_rows), dtype=np.int64)
    loss = sgns_step(W, Wp, 0, targets, len(u_rows), alpha, np.empty(W.shape[1], np.float32))
    return W[0], Wp, loss


def test_notes_section9_single_step():
    # King / Rules (positive) / Table (negative), alpha 0.1, D = 2.
    v_king, U, _ = _step([0.10, 0.30], [[0.20, 0.90], [0.70, 0.10]], 0.1)
    # The notes round sigma(0.29) = 0.572 to 0.57 and get these to 4 decimals.
    np.testing.assert_allclose(v_king, [0.0722, 0.3335], atol=1e-3)
    np.testing.assert_allclose(U[0], [0.2043, 0.9129], atol=1e-3)
    np.testing.assert_allclose(U[1], [0.6948, 0.0844], atol=1e-3)


def test_notes_example_exact_values():
    """Same step with the unrounded sigmoid, written out by hand."""
    v, ur, ut = np.array([0.1, 0.3]), np.array([0.2, 0.9]), np.array([0.7, 0.1])
    sig = lambda x: 1 / (1 + np.exp(-x))
    e_pos, e_neg = 1 - sig(v @ ur), sig(v @ ut)  # 0.42800, 0.52498
    assert e_pos == pytest.approx(0.42800, abs=1e-5) and e_neg == pytest.approx(0.52498, abs=1e-5)
    v_king, U, loss = _step(v, [ur, ut], 0.1)
    np.testing.assert_allclose(v_king, v + 0.1 * (e_pos * ur - e_neg * ut), atol=1e-6)
    np.testing.assert_allclose(U[0], ur + 0.1 * e_pos * v, atol=1e-6)
    np.testing.assert_allclose(U[1], ut - 0.1 * e_neg * v, atol=1e-6)
    assert loss == pytest.approx(-(np.log(sig(0.29)) + np.log(sig(-0.10))), abs=1e-5)


def test_blog_example_with_correct_gradients():
    """The blog's cat/dog example.  Its first loss (4.15) is right; its gradients
    have the wrong signs.  With dL/dw_c = (sigma(o.c) - 1) o + sum_k sigma(k.c) k and
    gradient descent at eta = 0.1 the true values are below."""
    cat, dog, apple, run = [1.0, 2.0], [1.0, 0.5], [1.0, 1.0], [0.5, 0.0]
    cat1, U1, loss1 = _step(cat, [dog, apple, run], 0.1)
    assert loss1 == pytest.approx(4.1496, abs=1e-3)
    # Descent direction: -(gradient) = -[1.1446, 0.8930].
    np.testing.assert_allclose(cat1, [0.88554, 1.91070], atol=1e-4)
    np.testing.assert_allclose(U1[0], [1.01192, 0.52384], atol=1e-4)  # dog pulled towards cat
    np.testing.assert_allclose(U1[1], [0.90474, 0.80949], atol=1e-4)  # apple pushed away
    np.testing.assert_allclose(U1[2], [0.43775, -0.12451], atol=1e-4)  # run pushed away
    # Second iteration: the loss before it is that of the updated vectors (3.349,
    # not the blog's 0.74, which came from its wrong-signed update).
    W = np.array([cat1], np.float32)
    Wp = U1.copy()
    loss2 = sgns_step(W, Wp, 0, np.arange(3, dtype=np.int64), 3, 0.1, np.empty(2, np.float32))
    assert loss2 == pytest.approx(3.349, abs=2e-3)
    assert loss2 < loss1


def _objective(v, U):
    """-J of the notes: -log sigma(v.u0) - sum_k log sigma(-v.uk), in float64."""
    s = U @ v
    return np.logaddexp(0, -s[0]) + np.logaddexp(0, s[1:]).sum()


def test_gradients_match_finite_differences():
    rng = np.random.default_rng(5)
    D, K, alpha, h = 8, 4, 1e-2, 1e-5
    v = rng.normal(0, 0.5, D)
    U = rng.normal(0, 0.5, (K + 1, D))
    v1, U1, loss = _step(v, U, alpha)
    assert loss == pytest.approx(_objective(v, U), rel=1e-5)
    # The kernel ascends J = -objective: (new - old) / alpha is dJ/dparam.
    grad_v = (v1.astype(np.float64) - v.astype(np.float32)) / alpha
    grad_U = (U1.astype(np.float64) - U.astype(np.float32)) / alpha
    fd_v = np.array([-(_objective(v + h * e, U) - _objective(v - h * e, U)) / (2 * h) for e in np.eye(D)])
    np.testing.assert_allclose(grad_v, fd_v, atol=2e-4)
    for r in range(K + 1):
        for d in range(D):
            E = np.zeros_like(U)
            E[r, d] = h
            fd = -(_objective(v, U + E) - _objective(v, U - E)) / (2 * h)
            assert grad_U[r, d] == pytest.approx(fd, abs=2e-4)


def test_negative_equal_to_positive_is_skipped():
    W = np.array([[0.1, 0.2]], np.float32)
    Wp = np.array([[0.3, 0.4]], np.float32)
    targets = np.array([0, 0], np.int64)  # the only negative is the positive itself
    loss = sgns_step(W, Wp, 0, targets, 2, 0.5, np.empty(2, np.float32))
    v, U, loss_pos_only = _step([0.1, 0.2], [[0.3, 0.4]], 0.5)
    np.testing.assert_allclose(W[0], v)
    np.testing.assert_allclose(Wp[0], U[0])
    assert loss == pytest.approx(loss_pos_only)


@pytest.mark.parametrize("drawn", [[3, 4, 9, 4, 0, 11, 6, 8, 10], [3, 4, 9, 3, 0, 11, 3, 8, 10]],
                         ids=["negative-twice", "centre-as-negative"])
@pytest.mark.parametrize("contexts", [[1, 2, 2, 5, 7], [2, 2, 5, 7, 1], [2, 5], [5]],
                         ids=["duplicate-in-turn", "duplicate-in-one-pair", "one-pair", "single"])
@pytest.mark.parametrize("n_targets", [4, 6, 9])  # padded to one block, exactly one, two blocks
def test_window_step_is_the_two_products(n_targets, contexts, drawn):
    """Shared negatives: G = alpha (labels - sigma(X U^T)); X += G U, U += G^T X,
    both from the values before the step, for distinct context words.  The
    context rows are stepped in turn, two at a time (both of a pair from the
    values before it, over one block of targets or several), U staying the old U until
    the window's end; a negative drawn twice gets both updates, and a negative
    equal to the centre word (targets[0] = 3) is skipped, as in word2vec.c.

    The scratch buffers start as NaN (G's unscored columns as a finite
    non-zero value), so a buffer read before it is written, or a padding
    column that leaks into a row, shows up in the result."""
    from w2v_cli.training.kernels.blocks import padded_targets, score_columns
    from w2v_cli.training.kernels.sgns import sgns_window_step

    rng = np.random.default_rng(3)
    V, D, alpha = 12, 7, 0.05
    W = rng.normal(0, 0.3, (V, D)).astype(np.float32)
    Wp = rng.normal(0, 0.3, (V, D)).astype(np.float32)
    contexts = np.array(contexts, np.int64)
    n_pad = padded_targets(n_targets - 1)
    targets = np.zeros(n_pad, np.int64)
    targets[:n_targets] = drawn[:n_targets]
    U = Wp[targets[:n_targets]].astype(np.float64)
    labels = np.zeros(n_targets)
    labels[0] = 1.0
    used = np.array([t == 0 or targets[t] != targets[0] for t in range(n_targets)], np.float64)
    W_exp, dU, loss_exp = W.astype(np.float64), np.zeros_like(U), 0.0
    size = 2  # context rows step two at a time, each pair from its values before the pair's step
    for group in (contexts[i:i + size] for i in range(0, len(contexts), size)):
        X = W_exp[group].copy()
        S = X @ U.T
        G = alpha * used * (labels - 1 / (1 + np.exp(-S)))
        np.add.at(W_exp, group, G @ U)
        dU += G.T @ X
        loss_exp += (used * np.where(labels == 1, np.logaddexp(0, -S), np.logaddexp(0, S))).sum()
    Wp_exp = Wp.astype(np.float64)
    np.add.at(Wp_exp, targets[:n_targets], dU)
    if len(contexts) == 5:  # with distinct contexts the steps are exactly the two products
        X = W[[1, 2, 5, 7]].astype(np.float64)
        G = alpha * used * (labels - 1 / (1 + np.exp(-(X @ U.T))))
        np.testing.assert_allclose(W_exp[[1, 5, 7]], X[[0, 2, 3]] + (G @ U)[[0, 2, 3]])

    n_cols = score_columns(n_targets - 1)
    G = np.full((len(contexts), n_cols), 7.0, np.float32)
    loss = sgns_window_step(W, Wp, contexts, len(contexts), targets, n_targets, alpha, G,
                            np.full((2, n_cols), np.nan, np.float32),
                            np.full((n_pad, D), np.nan, np.float32), np.full((2, D), np.nan, np.float32))
    np.testing.assert_allclose(W, W_exp, atol=1e-6)
    np.testing.assert_allclose(Wp, Wp_exp, atol=1e-6)
    assert loss == pytest.approx(loss_exp, rel=1e-5)


def test_window_step_loss_does_not_depend_on_the_rate():
    """With alpha 0 (the end of a run with --min-alpha 0) nothing moves, but the
    loss is still the window's -J."""
    from w2v_cli.training.kernels.blocks import padded_targets, score_columns
    from w2v_cli.training.kernels.sgns import sgns_window_step

    rng = np.random.default_rng(4)
    V, D = 10, 5
    W = rng.normal(0, 0.3, (V, D)).astype(np.float32)
    Wp = rng.normal(0, 0.3, (V, D)).astype(np.float32)
    contexts = np.array([1, 2, 5], np.int64)
    targets = np.zeros(padded_targets(3), np.int64)
    targets[:4] = [3, 4, 9, 0]
    S = W[contexts].astype(np.float64) @ Wp[targets[:4]].astype(np.float64).T
    loss_exp = np.logaddexp(0, -S[:, 0]).sum() + np.logaddexp(0, S[:, 1:]).sum()
    W0, Wp0 = W.copy(), Wp.copy()
    n_cols = score_columns(3)
    loss = sgns_window_step(W, Wp, contexts, 3, targets, 4, 0.0, np.zeros((3, n_cols), np.float32),
                            np.empty((2, n_cols), np.float32), np.empty((len(targets), D), np.float32),
                            np.empty((2, D), np.float32))
    np.testing.assert_array_equal(W, W0)
    np.testing.assert_array_equal(Wp, Wp0)
    assert loss == pytest.approx(loss_exp, rel=1e-5)
