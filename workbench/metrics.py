"""Pure numpy metrics of weak-to-strong runs.

Notation (DESIGN.md §2)
-----------------------
n          number of examples; k number of classes
y          (n,) gold class indices
p_w        (n, k) weak teacher probabilities            f_w
p_sw       (n, k) student (strong on weak labels)       f_sw
p_c        (n, k) ceiling (strong on gold labels)       f_s*
p_true     (n, k) the true conditional p*(y|x) (synthetic data only)
covered    (n,) bool: the teacher gave a label (set S); uncovered = T
teacher    (n,) teacher labels, -1 where it abstained

Conventions: accuracies in [0, 1]; every function validates its inputs and raises
``ValueError``/``TypeError`` naming the problem. Squared misfit/gain use probability
vectors and one-hot gold labels with d(f, g) = E_x ||f(x) − g(x)||² (sum over classes,
mean over examples); for scalar regression outputs use :func:`sq_distance` directly.
Calibration helpers (ECE, MCE, Brier, reliability curve) live in
:mod:`workbench.calibration` and are re-exported here.
"""

from __future__ import annotations

import numpy as np

from ._validation import check_labels, check_proba, check_same_length
from .calibration import brier, ece, mce, reliability_curve

__all__ = [
    "accuracy", "pgr", "pgr_bootstrap_ci", "sq_distance", "misfit_sq", "gain_sq", "kl_rows",
    "misfit_kl", "gain_kl", "gain_xent", "point_categories", "category_counts", "CATEGORIES",
    "lang_alpha", "lang_set_accuracies", "ece", "mce", "brier", "reliability_curve", "one_hot",
]

CATEGORIES = ("both_right", "copied", "corrected", "corrupted", "uncovered_right", "uncovered_wrong")
_EPS = 1e-12


def accuracy(y_true, y_pred) -> float:
    """Fraction of equal entries; NaN for empty input. Shapes (n,), (n,)."""
    y_true, y_pred = np.asarray(y_true), np.asarray(y_pred)
    check_same_length(y_true=y_true, y_pred=y_pred)
    return float(np.mean(y_true == y_pred)) if len(y_true) else float("nan")


def pgr(weak: float, student: float, ceiling: float, *, eps: float = 0.01) -> float:
    """Performance gap recovered: (student − weak) / (ceiling − weak).

    Returns NaN when |ceiling − weak| < ``eps`` (default: one accuracy point — a smaller
    gap is within the noise of a test set of a few hundred examples, and dividing by it
    gives huge meaningless ratios such as −18), so |PGR| ≤ 1/eps.
    """
    gap = float(ceiling) - float(weak)
    if not np.isfinite(gap) or abs(gap) < eps:
        return float("nan")
    return (float(student) - float(weak)) / gap


def pgr_bootstrap_ci(y, pred_weak, pred_student, pred_ceiling, *, n_boot: int = 1000, level: float = 0.95,
                     seed: int = 0, eps: float = 0.01) -> tuple[float, float]:
    """Percentile bootstrap CI of PGR, resampling test examples jointly.

    Parameters
    ----------
    y, pred_weak, pred_student, pred_ceiling : ndarray of shape (n,)
    n_boot : int
    level : float in (0, 1)
    seed : int

    Returns
    -------
    (low, high) : floats; NaN if more than half of the replicates have an undefined PGR.
    """
    y = np.asarray(y)
    n = check_same_length(y=y, w=pred_weak, s=pred_student, c=pred_ceiling)
    if n == 0:
        return float("nan"), float("nan")
    if not 0 < level < 1:
        raise ValueError(f"level must be in (0, 1); got {level}.")
    rng = np.random.default_rng(seed)
    idx = rng.integers(0, n, size=(n_boot, n))
    hits = [(np.asarray(p)[idx] == y[idx]).mean(axis=1) for p in (pred_weak, pred_student, pred_ceiling)]
    gap = hits[2] - hits[0]
    ok = np.abs(gap) >= eps
    if ok.sum() < n_boot / 2:
        return float("nan"), float("nan")
    values = (hits[1][ok] - hits[0][ok]) / gap[ok]
    alpha = (1 - level) / 2
    return float(np.quantile(values, alpha)), float(np.quantile(values, 1 - alpha))


def one_hot(y, k: int) -> np.ndarray:
    """(n,) class indices -> (n, k) float64 one-hot rows."""
    y = check_labels(y, n_classes=k)
    out = np.zeros((len(y), k))
    out[np.arange(len(y)), y] = 1.0
    return out


def sq_distance(f, g) -> float:
    """d(f, g) = E_x ||f(x) − g(x)||²; f, g of shape (n,) or (n, k)."""
    f, g = np.asarray(f, dtype=np.float64), np.asarray(g, dtype=np.float64)
    if f.shape != g.shape:
        raise ValueError(f"shapes differ: {f.shape} vs {g.shape}.")
    diff = (f - g).reshape(len(f), -1)
    return float(np.mean(np.sum(diff ** 2, axis=1))) if len(f) else float("nan")


def misfit_sq(p_w, p_sw) -> float:
    """Charikar et al. misfit d(f_sw, f_w) on probability vectors, shapes (n, k)."""
    return sq_distance(check_proba(p_sw, name="p_sw"), check_proba(p_w, name="p_w"))


def gain_sq(p_w, p_sw, y) -> float:
    """Charikar et al. gain d(f_w, y) − d(f_sw, y), y one-hot; shapes (n, k), (n, k), (n,)."""
    p_w, p_sw = check_proba(p_w, name="p_w"), check_proba(p_sw, name="p_sw")
    Y = one_hot(y, p_w.shape[1])
    return sq_distance(p_w, Y) - sq_distance(p_sw, Y)


def kl_rows(p, q, *, eps: float = _EPS) -> np.ndarray:
    """Row-wise KL(p ‖ q), shape (n,); 0·log 0 = 0, q clipped at ``eps``."""
    p, q = check_proba(p, name="p"), check_proba(q, name="q")
    if p.shape != q.shape:
        raise ValueError(f"shapes differ: {p.shape} vs {q.shape}.")
    with np.errstate(divide="ignore", invalid="ignore"):
        terms = np.where(p > 0, p * (np.log(np.maximum(p, eps)) - np.log(np.maximum(q, eps))), 0.0)
    return np.maximum(terms.sum(axis=1), 0.0)


def misfit_kl(p_w, p_sw) -> float:
    """misfit_KL = E KL(p_w ‖ p_sw) (Yao et al.'s extension of Charikar et al.)."""
    return float(np.mean(kl_rows(p_w, p_sw)))


def gain_kl(p_w, p_sw, p_true) -> float:
    """gain_KL = E KL(p_w ‖ p*) − E KL(p_sw ‖ p*); needs the true conditional p*."""
    return float(np.mean(kl_rows(p_w, p_true)) - np.mean(kl_rows(p_sw, p_true)))


def gain_xent(p_w, p_sw, y, *, eps: float = _EPS) -> float:
    """Measurable proxy on real data: E[−log p_w(y)] − E[−log p_sw(y)] (cross-entropy vs gold)."""
    p_w, p_sw = check_proba(p_w, name="p_w"), check_proba(p_sw, name="p_sw")
    y = check_labels(y, n_classes=p_w.shape[1])
    rows = np.arange(len(y))
    return float(np.mean(-np.log(np.maximum(p_w[rows, y], eps))) - np.mean(-np.log(np.maximum(p_sw[rows, y], eps))))


def point_categories(gold, teacher, covered, student) -> np.ndarray:
    """Per-point W2S category, shape (n,), dtype object (values in ``CATEGORIES``).

    covered & teacher right & student right -> both_right;
    covered & teacher right & student wrong -> corrupted;
    covered & teacher wrong & student right -> corrected;
    covered & teacher wrong & student wrong -> copied;
    uncovered -> uncovered_right / uncovered_wrong by the student.
    """
    gold, teacher, student = (np.asarray(a) for a in (gold, teacher, student))
    covered = np.asarray(covered, dtype=bool)
    check_same_length(gold=gold, teacher=teacher, covered=covered, student=student)
    t_ok, s_ok = teacher == gold, student == gold
    out = np.where(s_ok, "uncovered_right", "uncovered_wrong").astype(object)
    out[covered & t_ok & s_ok] = "both_right"
    out[covered & t_ok & ~s_ok] = "corrupted"
    out[covered & ~t_ok & s_ok] = "corrected"
    out[covered & ~t_ok & ~s_ok] = "copied"
    return out


def category_counts(categories) -> dict:
    """``{category: count}`` over ``CATEGORIES`` (zeros included)."""
    cats = np.asarray(categories, dtype=object)
    return {c: int(np.sum(cats == c)) for c in CATEGORIES}


def lang_alpha(gold, teacher, covered, *, n_classes: int) -> np.ndarray:
    """Per-class α_i = P(teacher wrong | covered, gold = i), shape (k,); NaN for empty S_i."""
    gold = check_labels(gold, n_classes=n_classes, name="gold")
    teacher, covered = np.asarray(teacher), np.asarray(covered, dtype=bool)
    check_same_length(gold=gold, teacher=teacher, covered=covered)
    out = np.full(n_classes, np.nan)
    for i in range(n_classes):
        s_i = covered & (gold == i)
        if s_i.any():
            out[i] = float(np.mean(teacher[s_i] != i))
    return out


def lang_set_accuracies(gold, teacher, covered, student, *, n_classes: int, label_names=None):
    """Lang et al. per-class table: α_i, student error on S_i, accuracy on S_i^good, S_i^bad, T_i.

    Pseudolabel correction holds for class i when ``student_err_S`` < ``alpha``; coverage
    expansion shows as ``acc_T`` well above chance.

    Returns
    -------
    pandas.DataFrame, one row per class, columns ``class, n_S, n_T, alpha, student_err_S,
    acc_S_good, acc_S_bad, acc_T``.
    """
    import pandas as pd

    gold = check_labels(gold, n_classes=n_classes, name="gold")
    teacher, student = np.asarray(teacher), np.asarray(student)
    covered = np.asarray(covered, dtype=bool)
    check_same_length(gold=gold, teacher=teacher, covered=covered, student=student)
    alpha = lang_alpha(gold, teacher, covered, n_classes=n_classes)
    rows = []
    for i in range(n_classes):
        s_i, t_i = covered & (gold == i), ~covered & (gold == i)
        good, bad = s_i & (teacher == i), s_i & (teacher != i)
        acc = lambda m: float(np.mean(student[m] == i)) if m.any() else float("nan")  # noqa: E731
        rows.append({
            "class": label_names[i] if label_names is not None else i, "n_S": int(s_i.sum()), "n_T": int(t_i.sum()),
            "alpha": alpha[i], "student_err_S": 1 - acc(s_i) if s_i.any() else float("nan"),
            "acc_S_good": acc(good), "acc_S_bad": acc(bad), "acc_T": acc(t_i),
        })
    return pd.DataFrame(rows)
