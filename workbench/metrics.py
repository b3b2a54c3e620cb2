"""Pure numpy metrics of weak-to-strong runs.

Notation (docs/science.md)
--------------------------
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

from typing import NamedTuple

import numpy as np

from ._validation import check_labels, check_proba, check_same_length
from .calibration import brier, ece, mce, reliability_curve

__all__ = [
    "accuracy", "pgr", "inverted_pair", "PGRInterval", "pgr_interval", "pgr_bootstrap_ci",
    "correct_with_abstention", "withheld_guess_accuracy", "sq_distance", "misfit_sq", "gain_sq", "kl_rows",
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

    NaN when ``ceiling − weak < eps`` (default one accuracy point): a tiny gap is within
    the noise of a test set of a few hundred examples, and a ceiling *below* the weak
    model is an inverted pair (:func:`inverted_pair`), where the ratio has no meaning —
    (0.70 − 0.75) / (0.72 − 0.75) = 1.67 would report a student that got worse as
    "167% of the gap recovered". So |PGR| ≤ 1/eps whenever it is defined.
    """
    gap = float(ceiling) - float(weak)
    if not np.isfinite(gap) or gap < eps:
        return float("nan")
    return (float(student) - float(weak)) / gap


def inverted_pair(weak: float, ceiling: float) -> bool:
    """True when the strong ceiling is not above the weak model (PGR is then NaN)."""
    return bool(np.isfinite(weak) and np.isfinite(ceiling) and float(ceiling) <= float(weak))


class PGRInterval(NamedTuple):
    """A bootstrap interval of PGR.

    ``low``/``high`` are ``-inf``/``+inf`` when more than α/2 of the resamples have an
    undefined PGR whose numerator points that way; ``undefined_share`` is the share of
    resamples where PGR was undefined (gap below ``eps``, inverted included).
    """

    low: float
    high: float
    undefined_share: float


def pgr_interval(weak_correct, student_correct, ceiling_correct, *, n_boot: int = 1000, level: float = 0.95,
                 seed: int = 0, eps: float = 0.01) -> PGRInterval:
    """Percentile bootstrap interval of PGR from per-example scores, resampled jointly.

    Parameters
    ----------
    weak_correct, student_correct, ceiling_correct : ndarray of shape (n,)
        Per-example correctness in [0, 1] (1 right, 0 wrong; an abstention scored at
        chance is 1/k).
    n_boot : int
    level : float in (0, 1)
    seed : int
    eps : float
        A resample whose gap (ceiling − weak) is below ``eps`` has an undefined PGR. It
        is counted at +∞ if its numerator (student − weak) is ≥ 0, else at −∞, so when
        more than α/2 of the resamples are undefined on one side, that end of the
        interval is unbounded (instead of being dropped, which narrows the interval).

    Returns
    -------
    PGRInterval(low, high, undefined_share)
    """
    scores = [np.asarray(a, dtype=np.float64) for a in (weak_correct, student_correct, ceiling_correct)]
    n = check_same_length(weak=scores[0], student=scores[1], ceiling=scores[2])
    if not 0 < level < 1:
        raise ValueError(f"level must be in (0, 1); got {level}.")
    if n == 0:
        return PGRInterval(float("nan"), float("nan"), float("nan"))
    rng = np.random.default_rng(seed)
    idx = rng.integers(0, n, size=(n_boot, n))
    w, s, c = (a[idx].mean(axis=1) for a in scores)
    gap, num = c - w, s - w
    defined = gap >= eps
    values = np.where(defined, num / np.where(defined, gap, 1.0), np.where(num >= 0, np.inf, -np.inf))
    alpha = (1 - level) / 2
    low, high = np.quantile(values, [alpha, 1 - alpha], method="inverted_cdf")
    return PGRInterval(float(low), float(high), float(1 - defined.mean()))


def pgr_bootstrap_ci(y, pred_weak, pred_student, pred_ceiling, *, n_boot: int = 1000, level: float = 0.95,
                     seed: int = 0, eps: float = 0.01) -> PGRInterval:
    """:func:`pgr_interval` from predicted labels, shapes (n,) each (every prediction counts)."""
    y = np.asarray(y)
    check_same_length(y=y, w=pred_weak, s=pred_student, c=pred_ceiling)
    return pgr_interval(*(np.asarray(p) == y for p in (pred_weak, pred_student, pred_ceiling)),
                        n_boot=n_boot, level=level, seed=seed, eps=eps)


def correct_with_abstention(y, pred, covered, *, n_classes: int) -> np.ndarray:
    """Per-example score of a teacher that may abstain: 1 right, 0 wrong, 1/k abstained.

    Shapes (n,), (n,), (n,) -> (n,) float64. Its mean is the whole-set weak baseline that
    scores an abstention at chance (Lang et al. compare coverage expansion to a random
    guess on the uncovered set).
    """
    y, pred = np.asarray(y), np.asarray(pred)
    covered = np.asarray(covered, dtype=bool)
    check_same_length(y=y, pred=pred, covered=covered)
    return np.where(covered, (pred == y).astype(np.float64), 1.0 / n_classes)


def withheld_guess_accuracy(y, proba, covered) -> float:
    """Accuracy of the teacher's own top class on the points it abstained on.

    The teacher never gave these labels; this is what it *would* have scored on the uncovered
    set, the baseline that says whether the student's ``student_acc_uncovered`` beats the
    teacher's hidden guess and not only chance. Rows without a guess (a flat row, e.g. a rule
    teacher whose rules do not fire) are left out; NaN when no uncovered row has a guess.

    Shapes: y (n,), proba (n, k), covered (n,) -> float.
    """
    y, proba = np.asarray(y), np.asarray(proba, dtype=np.float64)
    covered = np.asarray(covered, dtype=bool)
    check_same_length(y=y, proba=proba, covered=covered)
    has_guess = ~covered & (proba.max(1) - proba.min(1) > 1e-9)
    if not has_guess.any():
        return float("nan")
    return float(np.mean(proba[has_guess].argmax(1) == y[has_guess]))


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
        def acc(m, i=i):
            return float(np.mean(student[m] == i)) if m.any() else float("nan")

        rows.append({
            "class": label_names[i] if label_names is not None else i, "n_S": int(s_i.sum()), "n_T": int(t_i.sum()),
            "alpha": alpha[i], "student_err_S": 1 - acc(s_i) if s_i.any() else float("nan"),
            "acc_S_good": acc(good), "acc_S_bad": acc(bad), "acc_T": acc(t_i),
        })
    return pd.DataFrame(rows)
