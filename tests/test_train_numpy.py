"""The NumPy L-BFGS path of the linear head (workbench._lbfgs_numpy, workbench._linear_lbfgs),
checked against independent computations: scikit-learn's LogisticRegression optimum,
torch autograd for the objective and its gradient, torch.optim.LBFGS for the solver, and
the trainer's own torch path."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from workbench import _linear_lbfgs
from workbench._lbfgs_numpy import LBFGS
from workbench._linear_lbfgs import SoftmaxObjective
from workbench.train import HeadTrainer

pytestmark = pytest.mark.usefixtures("single_thread_torch")


def onehot(y, k=2):
    return np.eye(k)[y]


def mixture(n=400, d=8, k=2, seed=0, shift=1.0):
    rng = np.random.default_rng(seed)
    y = np.arange(n) % k
    centres = rng.normal(size=(k, d)) * shift
    X = (rng.normal(size=(n, d)) + centres[y]).astype(np.float32)
    return X, y


def torch_path(**kw):
    t = HeadTrainer(**kw)
    t._numpy_lbfgs = False
    return t


# ------------------------------------------------------ against scikit-learn
@pytest.mark.parametrize("C", [0.1, 1.0])
def test_binary_head_reaches_sklearn_coefficients(C):
    from sklearn.linear_model import LogisticRegression

    X, y = mixture(seed=1, shift=0.5)
    ours = HeadTrainer(C=C, epochs=60).fit(X, onehot(y))
    assert _linear_lbfgs.supports(ours)
    ref = LogisticRegression(C=C, tol=1e-12, max_iter=10_000).fit(X.astype(np.float64), y)
    W, b = ours.model_.weight.detach().double().numpy(), ours.model_.bias.detach().double().numpy()
    np.testing.assert_allclose(W[1] - W[0], ref.coef_[0], atol=2e-5)
    assert b[1] - b[0] == pytest.approx(ref.intercept_[0], abs=2e-5)
    np.testing.assert_allclose(ours.predict_proba(X), ref.predict_proba(X), atol=5e-5)


def test_soft_targets_match_sklearn_with_duplicated_weighted_rows():
    """Soft binary targets t = CE on each point twice, labels 0 and 1 weighted t₀ and t₁:
    scikit-learn's weighted objective Σ sw·loss / Σ sw + ||w||²/(2 C Σ sw) is then ours."""
    from sklearn.linear_model import LogisticRegression

    X, y = mixture(seed=2, shift=0.6)
    p1 = np.clip(np.where(y == 1, 0.8, 0.25) + np.random.default_rng(3).uniform(-0.2, 0.2, len(y)), 0, 1)
    T = np.stack([1 - p1, p1], axis=1)
    ours = HeadTrainer(epochs=60).fit(X, T)
    Xd = np.concatenate([X, X]).astype(np.float64)
    yd = np.r_[np.zeros(len(X), int), np.ones(len(X), int)]
    ref = LogisticRegression(C=1.0, tol=1e-12, max_iter=10_000).fit(Xd, yd, sample_weight=np.r_[T[:, 0], T[:, 1]])
    np.testing.assert_allclose(ours.predict_proba(X)[:, 1], ref.predict_proba(X)[:, 1], atol=5e-5)


def test_multiclass_head_reaches_sklearn_multinomial():
    from sklearn.linear_model import LogisticRegression

    X, y = mixture(n=450, k=3, seed=4, shift=0.7)
    ours = HeadTrainer(epochs=80).fit(X, onehot(y, 3))
    ref = LogisticRegression(C=1.0, tol=1e-12, max_iter=10_000).fit(X.astype(np.float64), y)
    W = ours.model_.weight.detach().double().numpy()
    np.testing.assert_allclose(W, ref.coef_, atol=5e-5)  # both penalised: the class weights sum to 0
    np.testing.assert_allclose(ours.predict_proba(X), ref.predict_proba(X), atol=5e-5)


# ------------------------------------------------ objective against autograd
@pytest.mark.parametrize("k", [2, 3])
def test_objective_and_gradient_match_torch_autograd(k):
    rng = np.random.default_rng(k)
    X = rng.normal(size=(50, 5)).astype(np.float32)
    T = rng.dirichlet(np.ones(k), size=50)
    fun = SoftmaxObjective(X, T, C=0.3)
    theta = rng.normal(size=k * 6)
    f, g = fun(theta)
    th = torch.tensor(theta, requires_grad=True)
    W, b = th[:k * 5].reshape(k, 5), th[k * 5:]
    logits = torch.as_tensor(X, dtype=torch.float64) @ W.T + b
    scale = 2.0 if k == 2 else 1.0
    want = -(torch.as_tensor(T) * torch.log_softmax(logits, -1)).sum(-1).mean() + scale * (W ** 2).sum() / (2 * 0.3 * 50)
    want.backward()
    assert f == pytest.approx(want.item(), rel=1e-6)
    np.testing.assert_allclose(g, th.grad.numpy(), atol=1e-6)
    assert fun.penalty(theta) == pytest.approx(scale * float((W.detach() ** 2).sum()) / (2 * 0.3 * 50))


# --------------------------------------------------- solver against torch
def rosenbrock_np(x):
    f = float(((1 - x[:-1]) ** 2 + 100 * (x[1:] - x[:-1] ** 2) ** 2).sum())
    g = np.zeros_like(x)
    g[:-1] = -2 * (1 - x[:-1]) - 400 * x[:-1] * (x[1:] - x[:-1] ** 2)
    g[1:] += 200 * (x[1:] - x[:-1] ** 2)
    return f, g


def test_lbfgs_steps_follow_torch_lbfgs():
    """Step by step, the port's iterates are torch.optim.LBFGS's (float64, same settings)."""
    x0 = np.array([-1.2, 1.0, -0.5, 0.8])
    ours = LBFGS(rosenbrock_np, x0, max_iter=3, max_eval=30, history_size=5, tolerance_grad=1e-9,
                 tolerance_change=1e-12)
    p = torch.nn.Parameter(torch.tensor(x0))
    opt = torch.optim.LBFGS([p], lr=1.0, max_iter=3, max_eval=30, history_size=5, tolerance_grad=1e-9,
                            tolerance_change=1e-12, line_search_fn="strong_wolfe")

    def closure():
        opt.zero_grad()
        x = p
        f = ((1 - x[:-1]) ** 2 + 100 * (x[1:] - x[:-1] ** 2) ** 2).sum()
        f.backward()
        return f

    for _ in range(10):
        ours.step()
        opt.step(closure)
        np.testing.assert_allclose(ours.x, p.detach().numpy(), rtol=1e-9, atol=1e-10)
    assert ours.n_iter == opt.state[p]["n_iter"] == 30
    # torch evaluates each step's start point again (counted there); the port keeps it
    assert ours.func_evals == opt.state[p]["func_evals"] - 9
    for _ in range(30):
        ours.step()
    np.testing.assert_allclose(ours.x, np.ones(4), atol=1e-6)


def test_lbfgs_solves_a_quadratic_and_keeps_the_last_evaluation():
    rng = np.random.default_rng(0)
    A = rng.normal(size=(6, 6))
    H, c = A @ A.T + np.eye(6), rng.normal(size=6)
    calls = []

    def quad(x):
        calls.append(1)
        return 0.5 * x @ H @ x - c @ x, H @ x - c

    opt = LBFGS(quad, np.zeros(6), max_iter=50, tolerance_grad=1e-10, tolerance_change=1e-15)
    opt.step()
    np.testing.assert_allclose(opt.x, np.linalg.solve(H, c), atol=1e-9)
    n = len(calls)
    f, g = opt.value()
    assert len(calls) == n == opt.func_evals  # the end point's value was kept, not evaluated again
    np.testing.assert_allclose(g, H @ opt.x - c, atol=1e-12)


# ---------------------------------------------- against the torch path
@pytest.mark.parametrize("opts,atol", [
    ({}, 1e-4), ({"targets": "hard", "C": 0.1}, 1e-4), ({"standardize": True}, 1e-4),
    # logconf re-derives its targets from each epoch's predictions (hardened at a quantile), so
    # rounding-level differences between the paths can move a point across the threshold
    ({"loss": "logconf"}, 1e-3), ({"loss": "logconf", "warmup": "reference", "iters_per_epoch": 2}, 1e-3),
])
def test_numpy_path_matches_torch_path(opts, atol):
    X, y = mixture(n=500, d=10, seed=5, shift=0.4)
    noisy = onehot(np.where(np.random.default_rng(1).random(len(y)) < 0.15, 1 - y, y))
    a = HeadTrainer(epochs=40, **opts).fit(X, noisy, X_eval=X[:20])
    b = torch_path(epochs=40, **opts).fit(X, noisy, X_eval=X[:20])
    np.testing.assert_allclose(a.predict_proba(X), b.predict_proba(X), atol=atol)
    # the early epochs follow the same descent (same start, same algorithm)
    np.testing.assert_allclose([r.train_loss for r in a.history_[:3]], [r.train_loss for r in b.history_[:3]],
                               rtol=1e-4)


def test_numpy_path_matches_torch_path_multiclass_with_early_stopping():
    X, y = mixture(n=600, d=6, k=3, seed=6, shift=0.5)
    teacher = onehot((y + (np.random.default_rng(2).random(len(y)) < 0.3)) % 3, 3)
    kw = dict(epochs=30, patience=2, iters_per_epoch=1)
    a = HeadTrainer(**kw).fit(X[:400], onehot(y[:400], 3), X_val=X[400:], y_val_proba=teacher[400:])
    b = torch_path(**kw).fit(X[:400], onehot(y[:400], 3), X_val=X[400:], y_val_proba=teacher[400:])
    assert a.best_epoch_ == b.best_epoch_ and len(a.history_) == len(b.history_)
    np.testing.assert_allclose(a.predict_proba(X), b.predict_proba(X), atol=1e-4)


def test_one_class_and_non_contiguous_float64_input_as_on_the_torch_path():
    rng = np.random.default_rng(0)
    X = np.asfortranarray(rng.normal(size=(40, 3)))
    np.testing.assert_array_equal(HeadTrainer(epochs=2).fit(X, np.ones((40, 1))).predict_proba(X), np.ones((40, 1)))
    Y = onehot(np.arange(40) % 2)
    a, b = HeadTrainer(epochs=5, standardize=True).fit(X, Y), torch_path(epochs=5, standardize=True).fit(X, Y)
    np.testing.assert_allclose(a.predict_proba(X), b.predict_proba(X), atol=1e-4)


def test_paths_the_numpy_solver_does_not_cover_stay_on_torch():
    assert not _linear_lbfgs.supports(HeadTrainer(head="mlp"))
    assert not _linear_lbfgs.supports(HeadTrainer(optimizer="adamw"))
    assert not _linear_lbfgs.supports(HeadTrainer(device="cuda"))
    assert not _linear_lbfgs.supports(torch_path())
    assert _linear_lbfgs.supports(HeadTrainer())


# ------------------------------------------------------------------ errors
def test_bad_solver_and_objective_inputs():
    with pytest.raises(TypeError, match="callable"):
        LBFGS(42, np.zeros(2), max_iter=1)
    with pytest.raises(ValueError, match="1-D"):
        LBFGS(rosenbrock_np, np.zeros((2, 2)), max_iter=1)
    with pytest.raises(ValueError, match="max_iter"):
        LBFGS(rosenbrock_np, np.zeros(2), max_iter=0)
    X = np.zeros((4, 3), np.float32)
    with pytest.raises(ValueError, match="same n"):
        SoftmaxObjective(X, np.full((3, 2), 0.5), 1.0)
    with pytest.raises(ValueError, match="at least one class"):
        SoftmaxObjective(X, np.ones((4, 0)), 1.0)
    with pytest.raises(ValueError, match="C must be"):
        SoftmaxObjective(X, np.full((4, 2), 0.5), 0.0)
    with pytest.raises(ValueError, match="theta must have shape"):
        SoftmaxObjective(X, np.full((4, 2), 0.5), 1.0)(np.zeros(3))


def test_small_problems_run_blas_on_one_thread_and_restore_it():
    from threadpoolctl import threadpool_info

    def blas_threads():
        return [i["num_threads"] for i in threadpool_info() if i["user_api"] == "blas"]

    before = blas_threads()
    with _linear_lbfgs._blas_threads(1000):
        assert set(blas_threads()) == {1}
    assert blas_threads() == before
    with _linear_lbfgs._blas_threads(_linear_lbfgs.ONE_BLAS_THREAD_BELOW):
        assert blas_threads() == before
