"""Misfit vs gain (Charikar et al.; KL form after Yao et al.).

Squared loss: gain = d(f_w, y) − d(f_sw, y), misfit = d(f_sw, f_w). If the strong head
class is convex and contains the target, the student (the projection of the teacher
onto the class) satisfies gain ≥ misfit; for least squares onto a linear span on the
fitting sample it is Pythagoras: gain = misfit exactly. KL: with a linear-softmax
student trained by cross-entropy on the teacher's soft labels and p* in the class,
E KL(p_w‖p*) ≥ E KL(p_sw‖p*) + E KL(p_w‖p_sw).

* :func:`synthetic_regression_check` / :func:`synthetic_kl_check` — the settings where the
  theorems hold, used as tests of the code;
* :func:`misfit_gain_sweep` — one strong student per weak teacher on real features,
  measured on held-out data; :func:`fit_line` summarises the (misfit, gain) points.
"""

from __future__ import annotations

import time

import numpy as np
import pandas as pd

from .. import metrics as M
from .._run_metrics import final_metrics
from ..protocol import fit_probe, probe_protocol

__all__ = ["fit_line", "synthetic_regression_check", "synthetic_kl_check", "misfit_gain_sweep",
           "fit_softmax_student"]


def fit_line(misfit, gain) -> dict:
    """Least-squares line gain ≈ slope · misfit + intercept, and its R²."""
    x, y = np.asarray(misfit, float), np.asarray(gain, float)
    ok = np.isfinite(x) & np.isfinite(y)
    x, y = x[ok], y[ok]
    if len(x) < 2 or np.ptp(x) == 0:
        return {"slope": float("nan"), "intercept": float("nan"), "r2": float("nan"), "n": int(len(x))}
    slope, intercept = np.polyfit(x, y, 1)
    resid = y - (slope * x + intercept)
    ss_tot = np.sum((y - y.mean()) ** 2)
    r2 = 1 - np.sum(resid**2) / ss_tot if ss_tot > 0 else float("nan")
    return {"slope": float(slope), "intercept": float(intercept), "r2": float(r2), "n": int(len(x))}


def _lstsq_predict(X_fit, y_fit, X_all):
    coef, *_ = np.linalg.lstsq(np.c_[X_fit, np.ones(len(X_fit))], y_fit, rcond=None)
    return np.c_[X_all, np.ones(len(X_all))] @ coef


def synthetic_regression_check(*, n: int = 2000, d_strong: int = 20, d_weak: int = 8, n_teachers: int = 6,
                               n_gold: int = 100, seed: int = 0) -> pd.DataFrame:
    """Charikar et al.'s realisable regression setting, one row per weak teacher.

    Target y = ⟨w*, x_s⟩ (in the strong span). Teacher j = least squares on a lossy, noisy
    weak view (its own random projection of x_s, noise level growing with j) fitted on
    ``n_gold`` gold points. Student = least-squares projection of the teacher's
    predictions onto span(x_s, 1), fitted on all n points.

    Returns
    -------
    DataFrame with columns teacher, misfit, gain, teacher_err, student_err (on the sample).
    """
    rng = np.random.default_rng(seed)
    Xs = rng.normal(size=(n, d_strong))
    y = Xs @ rng.normal(size=d_strong)
    gold = rng.choice(n, size=n_gold, replace=False)
    rows = []
    for j in range(n_teachers):
        B = rng.normal(size=(d_strong, d_weak))
        Xw = Xs @ B + (0.5 + j) * rng.normal(size=(n, d_weak))
        f_w = _lstsq_predict(Xw[gold], y[gold], Xw)
        f_sw = _lstsq_predict(Xs, f_w, Xs)
        rows.append({"teacher": f"teacher {j}", "misfit": M.sq_distance(f_sw, f_w),
                     "gain": M.sq_distance(f_w, y) - M.sq_distance(f_sw, y),
                     "teacher_err": M.sq_distance(f_w, y), "student_err": M.sq_distance(f_sw, y)})
    return pd.DataFrame(rows)


def fit_softmax_student(X, targets, *, max_iter: int = 500, seed: int = 0) -> np.ndarray:
    """Unregularised linear-softmax head fitted by cross-entropy to soft ``targets`` (LBFGS).

    Returns the fitted probabilities on ``X``, shape (n, k). This is the exact Bregman
    projection the KL inequality is about (no weight decay, trained to convergence).
    """
    import torch

    Xt = torch.as_tensor(np.c_[X, np.ones(len(X))], dtype=torch.float64)
    T = torch.as_tensor(targets, dtype=torch.float64)
    W = torch.zeros(Xt.shape[1], T.shape[1], dtype=torch.float64, requires_grad=True)
    opt = torch.optim.LBFGS([W], max_iter=max_iter, tolerance_grad=1e-10, tolerance_change=1e-14,
                            line_search_fn="strong_wolfe")

    def closure():
        opt.zero_grad()
        loss = -(T * torch.log_softmax(Xt @ W, dim=1)).sum(1).mean()
        loss.backward()
        return loss

    opt.step(closure)
    with torch.no_grad():
        return torch.softmax(Xt @ W, dim=1).numpy()


def synthetic_kl_check(dataset, *, n_gold: int = 200, seed: int = 0) -> dict:
    """The KL inequality on a synthetic dataset whose p* is linear-softmax in the strong view.

    Teacher: a probe on the weak view trained on ``n_gold`` gold labels. Student:
    :func:`fit_softmax_student` on the strong view to the teacher's soft labels, on all
    rows. Returns the three expectations and the slack
    ``E KL(p_w‖p*) − E KL(p_sw‖p*) − E KL(p_w‖p_sw)`` (≥ 0 up to optimisation error).
    """
    if dataset.p_true is None or "strong" not in dataset.features:
        raise ValueError("synthetic_kl_check needs a dataset with p_true and a 'strong' feature view.")
    rng = np.random.default_rng(seed)
    gold = rng.choice(len(dataset), size=n_gold, replace=False)
    Xw, Xs = dataset.features["weak"], dataset.features["strong"]
    p_w = fit_probe(Xw, dataset.labels, gold, n_classes=dataset.n_classes, seed=seed).predict_proba(Xw)
    p_sw = fit_softmax_student(Xs, p_w, seed=seed)
    p_true = dataset.p_true
    kl_w = float(np.mean(M.kl_rows(p_w, p_true)))
    kl_sw = float(np.mean(M.kl_rows(p_sw, p_true)))
    misfit = M.misfit_kl(p_w, p_sw)
    return {"kl_teacher": kl_w, "kl_student": kl_sw, "misfit_kl": misfit, "gain_kl": kl_w - kl_sw,
            "slack": kl_w - kl_sw - misfit}


def misfit_gain_sweep(X_strong, y, splits, teachers: dict, *, n_classes: int, p_true=None, seed: int = 0,
                      student=None) -> tuple[pd.DataFrame, dict]:
    """One strong student per weak teacher (:func:`workbench.protocol.probe_protocol`); misfit and
    gain measured on the test split.

    Parameters
    ----------
    X_strong : ndarray (n, d_s)
    y : ndarray (n,)
    splits : Splits
    teachers : dict name -> ndarray (n, d_w)
        Weak views; each gets the protocol's probe trained on ``splits.weak_train`` gold labels.
    n_classes : int
    p_true : ndarray (n, k), optional
        Enables the exact ``gain_kl``; otherwise it is NaN and ``gain_xent`` is the proxy.
    student : None, dict or HeadTrainer
        The student head (the protocol's default when None).

    Returns
    -------
    (table, fits) : DataFrame (teacher, weak_acc, student_acc, misfit_sq, gain_sq, misfit_kl,
        gain_kl, gain_xent, seconds) and ``{"sq": fit_line(...), "kl": ..., "xent": ...}``.
    """
    y = np.asarray(y)
    rows = []
    for name, Xw in teachers.items():
        t0 = time.perf_counter()
        run = probe_protocol(Xw, X_strong, y, splits, n_classes=n_classes, student=student, seed=seed)
        m = final_metrics(y, run.proba, run.covered, splits, p_true=p_true, seed=seed)
        rows.append({"teacher": name, **{k: m[k] for k in ("weak_acc", "student_acc", "misfit_sq", "gain_sq",
                                                           "misfit_kl", "gain_kl", "gain_xent")},
                     "seconds": time.perf_counter() - t0})
    table = pd.DataFrame(rows)
    fits = {"sq": fit_line(table["misfit_sq"], table["gain_sq"]),
            "kl": fit_line(table["misfit_kl"], table["gain_kl"]),
            "xent": fit_line(table["misfit_kl"], table["gain_xent"])}
    return table, fits
