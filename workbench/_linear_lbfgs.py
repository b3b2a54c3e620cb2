"""The linear student head's L-BFGS epochs in NumPy (CPU), no torch in the loop.

:class:`SoftmaxObjective` is the head's objective, the one documented in
:mod:`workbench.train` (scikit-learn's ``LogisticRegression(C)`` objective)::

    mean_i CE(softmax(W x_i + b), t_i) + s · ||W||² / (2·C·n)      (s = 2 for two classes, else 1)

on the parameters of a ``torch.nn.Linear(d, k)`` flattened as ``[W.ravel(), b]``. The data
term costs two BLAS products in float32 (``X W`` and ``Gᵀ X``), the rest is float64. Two
classes need one matrix-vector product each way: the loss depends on ``z = x·(W₁ − W₀) +
b₁ − b₀`` only, and the gradient for class 0 is minus that for class 1 (plus the penalty).

:class:`LinearLbfgsLoop` runs :class:`workbench.train.HeadTrainer`'s L-BFGS epochs with
:class:`workbench._lbfgs_numpy.LBFGS` (the same algorithm and settings as its torch path)
and writes the weights into ``trainer.model_`` after each epoch, so records, early
stopping and ``predict_proba`` are unchanged.
"""

from __future__ import annotations

import contextlib

import numpy as np
import torch

from ._lbfgs_numpy import LBFGS

__all__ = ["SoftmaxObjective", "LinearLbfgsLoop", "supports", "ONE_BLAS_THREAD_BELOW"]

#: Below this many feature values (n·d) the loop runs NumPy's BLAS on one thread. Measured
#: (2 cores, load 3.7–4.6, benchmarks/RESULTS.md "## train"): whole fits on one thread took
#: 0.02–0.5 s against 0.19–0.88 s on two at n = 2k–20k (d = 384), where BLAS threads start
#: and spin for products that take a millisecond; at 200k a product pair took 97 ms on two
#: threads and 129 ms on one.
ONE_BLAS_THREAD_BELOW = 20_000_000
_CONTROLLER = None


def _blas_threads(n_values: int):
    """One BLAS thread for small problems (a context manager), else NumPy's own setting."""
    global _CONTROLLER
    if n_values >= ONE_BLAS_THREAD_BELOW:
        return contextlib.nullcontext()
    if _CONTROLLER is None:
        from threadpoolctl import ThreadpoolController

        _CONTROLLER = ThreadpoolController()
    return _CONTROLLER.limit(limits=1, user_api="blas")


def supports(trainer) -> bool:
    """Whether ``trainer`` can train on this path: L-BFGS, linear head, CPU."""
    return (trainer.optimizer == "lbfgs" and trainer.head == "linear" and str(trainer.device) == "cpu"
            and getattr(trainer, "_numpy_lbfgs", True))


class SoftmaxObjective:
    """L2-regularised mean cross-entropy of a linear softmax head, with its gradient.

    Parameters
    ----------
    X : array of shape (n, d)
        Features (used as C-contiguous float32; not copied when already so).
    T : array of shape (n, k)
        Target distributions (rows sum to 1), k ≥ 1 (one class is the degenerate head the
        torch path also fits).
    C : float
        Inverse L2 strength (scikit-learn's ``C``).
    """

    def __init__(self, X, T, C: float):
        X = np.ascontiguousarray(X, dtype=np.float32)
        T = np.asarray(T, dtype=np.float64)
        if X.ndim != 2 or T.ndim != 2 or len(X) != len(T) or len(X) == 0:
            raise ValueError(f"X (n, d) and T (n, k) need the same n ≥ 1; got shapes {X.shape} and {T.shape}.")
        if T.shape[1] < 1:
            raise ValueError(f"T needs at least one class (column); got shape {T.shape}.")
        if not (isinstance(C, (int, float)) and np.isfinite(C) and C > 0) or isinstance(C, bool):
            raise ValueError(f"C must be a positive finite number; got {C!r}.")
        self.X, self.T, self.C = X, T, float(C)
        (self.n, self.d), self.k = X.shape, T.shape[1]
        self.n_params = self.k * (self.d + 1)
        self._scale = 2.0 if self.k == 2 else 1.0
        if self.k == 2:
            self._tsum, self._t1 = T.sum(1), np.ascontiguousarray(T[:, 1])

    def split(self, theta):
        """``theta`` (k·(d+1),) → weights (k, d) and biases (k,) (views)."""
        theta = np.asarray(theta, dtype=np.float64)
        if theta.shape != (self.n_params,):
            raise ValueError(f"theta must have shape ({self.n_params},); got {theta.shape}.")
        return theta[:self.k * self.d].reshape(self.k, self.d), theta[self.k * self.d:]

    def penalty(self, theta) -> float:
        """The L2 term ``s · ||W||² / (2·C·n)``."""
        W, _ = self.split(theta)
        return self._scale * float((W * W).sum()) / (2.0 * self.C * self.n)

    def logits(self, theta, X=None):
        """Logits ``X Wᵀ + b``, shape (m, k) float64 (``X`` defaults to the training features)."""
        W, b = self.split(theta)
        X = self.X if X is None else np.ascontiguousarray(X, dtype=np.float32)
        return (X @ W.T.astype(np.float32)).astype(np.float64) + b

    def __call__(self, theta):
        """Objective and gradient at ``theta``: ``(float, array of shape (k·(d+1),))``."""
        W, b = self.split(theta)
        if self.k == 2:
            z = (self.X @ (W[1] - W[0]).astype(np.float32)).astype(np.float64) + (b[1] - b[0])
            # CE = t0·softplus(z) + t1·softplus(−z) = (t0 + t1)·softplus(z) − t1·z, d/dz = (t0 + t1)·p1 − t1
            e = np.exp(-np.abs(z))
            data = float((self._tsum * (np.maximum(z, 0.0) + np.log1p(e)) - self._t1 * z).mean())
            p1 = np.where(z >= 0, 1.0, e) / (1.0 + e)  # sigmoid(z), stable both ways
            gz = (self._tsum * p1 - self._t1) / self.n
            v = (self.X.T @ gz.astype(np.float32)).astype(np.float64)
            grad_W = np.stack([-v, v])
            grad_b = np.array([-gz.sum(), gz.sum()])
        else:
            Z = self.logits(theta)
            Z -= Z.max(1, keepdims=True)
            logp = Z - np.log(np.exp(Z).sum(1, keepdims=True))
            data = float(-(self.T * logp).sum(1).mean())
            G = (np.exp(logp) * self.T.sum(1, keepdims=True) - self.T) / self.n
            grad_W = (G.T.astype(np.float32) @ self.X).astype(np.float64)
            grad_b = G.sum(0)
        grad_W += self._scale * W / (self.C * self.n)
        return data + self.penalty(theta), np.concatenate([grad_W.ravel(), grad_b])


class LinearLbfgsLoop:
    """Full-batch L-BFGS epochs of a linear ``HeadTrainer`` in NumPy.

    The same rules as the trainer's torch loop: ``iters_per_epoch`` iterations per epoch,
    curvature memory kept across epochs, ``logconf`` targets frozen per epoch (from the
    predictions at its start) with the memory restarted when they change, converged once
    the largest gradient entry is at most ``tol`` or an epoch moves the objective J by at
    most ``1e-7 · max(1, J)``.

    Parameters
    ----------
    trainer : HeadTrainer
        Its ``model_`` (a ``torch.nn.Linear``) gives the starting weights and receives the
        weights after every epoch.
    logconf_targets : callable
        ``(logits, targets, alpha) -> mixed targets`` on torch tensors (the trainer's own).
    """

    def __init__(self, trainer, logconf_targets):
        self.t, self._logconf_targets = trainer, logconf_targets
        self.opt, self.fun, self.converged, self.last_loss = None, None, False, float("nan")
        self.objective = None  # penalised objective after the last epoch
        self._theta = np.concatenate([p.detach().cpu().double().numpy().ravel()
                                      for p in trainer.model_.parameters()])

    def run_epoch(self, X, Y, epoch) -> float:
        """One epoch on ``X`` (n, d) float32 and targets ``Y`` (n, k); returns the data loss."""
        with _blas_threads(X.size):
            return self._run_epoch(X, Y, epoch)

    def _run_epoch(self, X, Y, epoch) -> float:
        t = self.t
        alpha = t._alpha((epoch - 1) / t.epochs) if t.loss == "logconf" else 0.0
        if alpha > 0 or self.opt is None:
            fun = SoftmaxObjective(X, Y, t.C)
            if alpha > 0:
                logits = torch.from_numpy(fun.logits(self._theta))
                targets = self._logconf_targets(logits, torch.from_numpy(fun.T), alpha).numpy()
                fun = SoftmaxObjective(fun.X, targets, t.C)
                self.objective = None  # a new objective: restart the curvature memory
            self.opt = LBFGS(fun, self._theta, max_iter=t.iters_per_epoch, max_eval=10 * t.iters_per_epoch,
                             history_size=20, tolerance_grad=t.tol, tolerance_change=1e-10)
            self.fun, self.converged = fun, False
        if self.converged:  # the optimum is reached: later epochs only record it
            return self.last_loss
        before = self.opt.n_iter
        self.opt.step()
        t.n_iter_ += self.opt.n_iter - before
        self._theta = self.opt.x
        objective, grad = self.opt.value()
        data_loss = objective - self.fun.penalty(self._theta)
        self.converged = float(np.abs(grad).max()) <= t.tol or (
            self.objective is not None and abs(self.objective - objective) <= 1e-7 * max(1.0, objective))
        self.objective, self.last_loss = objective, data_loss
        self._write_model()
        return data_loss

    def _write_model(self):
        W, b = self.fun.split(self._theta)
        with torch.no_grad():
            self.t.model_.weight.copy_(torch.from_numpy(W))
            self.t.model_.bias.copy_(torch.from_numpy(b))
