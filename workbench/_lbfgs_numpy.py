"""L-BFGS in NumPy: ``torch.optim.LBFGS`` (strong-Wolfe line search) without torch.

A line-for-line port of ``torch.optim.LBFGS.step`` and its ``_strong_wolfe`` /
``_cubic_interpolate`` (torch 2.x, themselves ports of torch7's ``lbfgs.lua`` and
``lswolfe.lua``), driven by a plain function ``fun(x) -> (f, g)`` on a float64 vector.
Same rules, same defaults and the same state kept between :meth:`LBFGS.step` calls (the
curvature memory lives on, so a run split into steps is one L-BFGS run), so the student
head's epochs follow the same descent as with torch. What differs: the point and
gradient after a step are kept, so the next step does not evaluate them again (torch
calls its closure once more at the start of every step).

Used by :mod:`workbench._linear_lbfgs` for the linear head on CPU: its objective is
two matrix-vector products in NumPy's BLAS, with no torch thread pool in the loop.
"""

from __future__ import annotations

import math

import numpy as np

__all__ = ["LBFGS"]


def _cubic_interpolate(x1, f1, g1, x2, f2, g2, bounds=None) -> float:
    """Minimiser of the cubic through (x1, f1, g1) and (x2, f2, g2), clipped to ``bounds``."""
    if bounds is not None:
        xmin_bound, xmax_bound = bounds
    else:
        xmin_bound, xmax_bound = (x1, x2) if x1 <= x2 else (x2, x1)
    d1 = g1 + g2 - 3 * (f1 - f2) / (x1 - x2)
    d2_square = d1 ** 2 - g1 * g2
    if d2_square >= 0:
        d2 = math.sqrt(d2_square)
        if x1 <= x2:
            min_pos = x2 - (x2 - x1) * ((g2 + d2 - d1) / (g2 - g1 + 2 * d2))
        else:
            min_pos = x1 - (x1 - x2) * ((g1 + d2 - d1) / (g1 - g2 + 2 * d2))
        return min(max(min_pos, xmin_bound), xmax_bound)
    return (xmin_bound + xmax_bound) / 2.0


def _strong_wolfe(obj_func, t, d, f, g, gtd, c1=1e-4, c2=0.9, tolerance_change=1e-9, max_ls=25):
    """Line search along ``d`` from step ``t`` (torch's ``_strong_wolfe``).

    ``obj_func(t)`` returns (f, g) at ``x + t·d``. Returns ``(f_new, g_new, t, evaluations)``.
    """
    d_norm = float(np.abs(d).max())
    f_new, g_new = obj_func(t)
    ls_func_evals = 1
    gtd_new = float(g_new @ d)

    # bracket an interval containing a point satisfying the Wolfe criteria
    t_prev, f_prev, g_prev, gtd_prev = 0.0, f, g, gtd
    done = False
    ls_iter = 0
    while ls_iter < max_ls:
        if f_new > (f + c1 * t * gtd) or (ls_iter > 1 and f_new >= f_prev):
            bracket, bracket_f = [t_prev, t], [f_prev, f_new]
            bracket_g, bracket_gtd = [g_prev, g_new], [gtd_prev, gtd_new]
            break
        if abs(gtd_new) <= -c2 * gtd:
            bracket, bracket_f, bracket_g = [t], [f_new], [g_new]
            done = True
            break
        if gtd_new >= 0:
            bracket, bracket_f = [t_prev, t], [f_prev, f_new]
            bracket_g, bracket_gtd = [g_prev, g_new], [gtd_prev, gtd_new]
            break
        # interpolate (extrapolate) to the next trial step
        min_step, max_step = t + 0.01 * (t - t_prev), t * 10
        tmp = t
        t = _cubic_interpolate(t_prev, f_prev, gtd_prev, t, f_new, gtd_new, bounds=(min_step, max_step))
        t_prev, f_prev, g_prev, gtd_prev = tmp, f_new, g_new, gtd_new
        f_new, g_new = obj_func(t)
        ls_func_evals += 1
        gtd_new = float(g_new @ d)
        ls_iter += 1

    if ls_iter == max_ls:  # no bracket within the budget
        bracket, bracket_f, bracket_g = [0.0, t], [f, f_new], [g, g_new]

    # zoom: refine the bracket until a point satisfies the criteria
    insuf_progress = False
    low_pos, high_pos = (0, 1) if bracket_f[0] <= bracket_f[-1] else (1, 0)
    while not done and ls_iter < max_ls:
        if abs(bracket[1] - bracket[0]) * d_norm < tolerance_change:
            break
        t = _cubic_interpolate(bracket[0], bracket_f[0], bracket_gtd[0], bracket[1], bracket_f[1], bracket_gtd[1])
        # a trial too close to the bracket's ends moves 10 % of its width inside
        eps = 0.1 * (max(bracket) - min(bracket))
        if min(max(bracket) - t, t - min(bracket)) < eps:
            if insuf_progress or t >= max(bracket) or t <= min(bracket):
                t = max(bracket) - eps if abs(t - max(bracket)) < abs(t - min(bracket)) else min(bracket) + eps
                insuf_progress = False
            else:
                insuf_progress = True
        else:
            insuf_progress = False
        f_new, g_new = obj_func(t)
        ls_func_evals += 1
        gtd_new = float(g_new @ d)
        ls_iter += 1
        if f_new > (f + c1 * t * gtd) or f_new >= bracket_f[low_pos]:
            # Armijo condition not met, or not below the lowest point: new high end
            bracket[high_pos], bracket_f[high_pos] = t, f_new
            bracket_g[high_pos], bracket_gtd[high_pos] = g_new, gtd_new
            low_pos, high_pos = (0, 1) if bracket_f[0] <= bracket_f[1] else (1, 0)
        else:
            if abs(gtd_new) <= -c2 * gtd:
                done = True  # Wolfe conditions met
            elif gtd_new * (bracket[high_pos] - bracket[low_pos]) >= 0:
                # the old high end becomes the new low end
                bracket[high_pos], bracket_f[high_pos] = bracket[low_pos], bracket_f[low_pos]
                bracket_g[high_pos], bracket_gtd[high_pos] = bracket_g[low_pos], bracket_gtd[low_pos]
            bracket[low_pos], bracket_f[low_pos] = t, f_new
            bracket_g[low_pos], bracket_gtd[low_pos] = g_new, gtd_new

    return bracket_f[low_pos], bracket_g[low_pos], bracket[low_pos], ls_func_evals


class LBFGS:
    """L-BFGS with a strong-Wolfe line search on ``fun(x) -> (f, g)``, run step by step.

    Parameters
    ----------
    fun : callable
        ``fun(x)`` with ``x`` of shape (p,) float64 returns the objective (float) and its
        gradient, shape (p,) float64 (a new array each call).
    x0 : array of shape (p,)
        Starting point (copied, as float64).
    max_iter : int
        Iterations per :meth:`step` (torch's ``max_iter``).
    max_eval : int, optional
        Evaluations per step (default ``max_iter * 5 // 4``, as torch).
    tolerance_grad : float, default 1e-7
        A step ends once the largest absolute gradient entry is at most this.
    tolerance_change : float, default 1e-9
        A step ends once an iteration changes the objective or the point by less.
    history_size : int, default 100
        Curvature pairs kept.
    lr : float, default 1.0
        Initial trial step of the line search (the first iteration scales it by
        ``min(1, 1/||g||₁)``).

    Attributes
    ----------
    x : ndarray of shape (p,)
        The current point.
    f, g : float, ndarray of shape (p,)
        Objective and gradient at ``x`` (after the first :meth:`value` or :meth:`step`).
    n_iter : int
        Iterations run over all steps.
    func_evals : int
        Evaluations of ``fun`` made.
    """

    def __init__(self, fun, x0, *, max_iter: int, max_eval: int | None = None, tolerance_grad: float = 1e-7,
                 tolerance_change: float = 1e-9, history_size: int = 100, lr: float = 1.0):
        if not callable(fun):
            raise TypeError(f"fun must be callable (x -> (f, g)); got {type(fun).__name__}.")
        x0 = np.asarray(x0, dtype=np.float64)
        if x0.ndim != 1 or x0.size == 0:
            raise ValueError(f"x0 must be a non-empty 1-D vector (p,); got shape {x0.shape}.")
        for name, value in (("max_iter", max_iter), ("history_size", history_size)):
            if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
                raise ValueError(f"{name} must be a positive integer; got {value!r}.")
        self.fun, self.x = fun, x0.copy()
        self.max_iter, self.history_size = int(max_iter), int(history_size)
        self.max_eval = int(max_eval) if max_eval is not None else self.max_iter * 5 // 4
        self.tolerance_grad, self.tolerance_change, self.lr = float(tolerance_grad), float(tolerance_change), float(lr)
        self.f, self.g = None, None
        self.n_iter = self.func_evals = 0
        self._d = self._t = self._prev_g = None
        self._old_dirs, self._old_stps, self._ro, self._h_diag = [], [], [], 1.0

    def _evaluate(self, x):
        f, g = self.fun(x)
        self.func_evals += 1
        return float(f), np.asarray(g, dtype=np.float64)

    def value(self):
        """Objective and gradient at the current point, ``(f, g)`` (evaluated once, then kept)."""
        if self.f is None:
            self.f, self.g = self._evaluate(self.x)
        return self.f, self.g

    def step(self) -> float:
        """Run up to ``max_iter`` iterations (fewer once converged); return the objective at the start."""
        loss, flat_grad = self.value()
        orig_loss, current_evals = loss, 1
        if np.abs(flat_grad).max() <= self.tolerance_grad:
            return orig_loss
        d, t, prev_g = self._d, self._t, self._prev_g
        old_dirs, old_stps, ro = self._old_dirs, self._old_stps, self._ro
        n_iter = 0
        while n_iter < self.max_iter:
            n_iter += 1
            self.n_iter += 1
            # descent direction
            if self.n_iter == 1:
                d = -flat_grad
                old_dirs, old_stps, ro, self._h_diag = [], [], [], 1.0
            else:
                y, s = flat_grad - prev_g, d * t
                ys = float(y @ s)
                if ys > 1e-10:  # update the memory
                    if len(old_dirs) == self.history_size:
                        old_dirs.pop(0), old_stps.pop(0), ro.pop(0)
                    old_dirs.append(y), old_stps.append(s), ro.append(1.0 / ys)
                    self._h_diag = ys / float(y @ y)
                al = [0.0] * len(old_dirs)
                q = -flat_grad
                for i in range(len(old_dirs) - 1, -1, -1):
                    al[i] = float(old_stps[i] @ q) * ro[i]
                    q = q - al[i] * old_dirs[i]
                d = r = q * self._h_diag
                for i in range(len(old_dirs)):
                    be_i = float(old_dirs[i] @ r) * ro[i]
                    r += (al[i] - be_i) * old_stps[i]
            prev_g, prev_loss = flat_grad.copy(), loss
            # step length
            t = min(1.0, 1.0 / float(np.abs(flat_grad).sum())) * self.lr if self.n_iter == 1 else self.lr
            gtd = float(flat_grad @ d)
            if gtd > -self.tolerance_change:  # not a descent direction any more
                break
            x_init = self.x

            def along(step, x_init=x_init, d=d):
                return self._evaluate(x_init + step * d)

            loss, flat_grad, t, ls_func_evals = _strong_wolfe(along, t, d, loss, flat_grad, gtd,
                                                              max_ls=self.max_eval - current_evals)
            self.x = x_init + t * d
            self.f, self.g = loss, flat_grad
            current_evals += ls_func_evals
            if n_iter == self.max_iter or current_evals >= self.max_eval:
                break
            if np.abs(flat_grad).max() <= self.tolerance_grad:
                break
            if np.abs(d * t).max() <= self.tolerance_change or abs(loss - prev_loss) < self.tolerance_change:
                break
        self._d, self._t, self._prev_g = d, t, prev_g
        self._old_dirs, self._old_stps, self._ro = old_dirs, old_stps, ro
        return orig_loss
