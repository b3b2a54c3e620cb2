"""A gold-free score of how likely each pseudolabel is wrong, and how well it finds the errors.

The score is ``1 - q`` where ``q`` is cleanlab's label-quality score
(``cleanlab.rank.get_label_quality_scores``) of the teacher's label under out-of-sample
student probabilities (:mod:`.crossfit`). Higher = the teacher's label is more likely wrong.
With ``P`` the student's probability row and ``t`` the teacher's label, cleanlab's methods are

* ``"self_confidence"``: ``q = P[t]``;
* ``"normalized_margin"``: ``q = (P[t] - max_{j != t} P[j] + 1) / 2``;
* ``"confidence_weighted_entropy"``: ``q = log(r + 1) / r`` with ``r = H(P) / log(k) / P[t]``
  (clipped), so low ``q`` = high entropy or low confidence in ``t``.

Gold labels are used only to *evaluate* a score (:func:`error_detection_metrics`): the AUROC
and average precision of the score for finding the teacher's errors, next to the baseline the
teacher has without any student, ``1 - teacher confidence``.
"""

from __future__ import annotations

import numpy as np
from sklearn.metrics import average_precision_score, roc_auc_score

from .._validation import check_choice

__all__ = ["METHODS", "teacher_error_score", "error_detection_metrics", "error_detection_by_split"]

#: cleanlab's label-quality methods (``cleanlab.rank.get_label_quality_scores(method=...)``).
METHODS = ("self_confidence", "normalized_margin", "confidence_weighted_entropy")


def teacher_error_score(teacher_labels, oof_proba, *, covered, method: str = "self_confidence",
                        adjust_pred_probs: bool = False) -> np.ndarray:
    """Per-point score that the teacher's label is wrong (higher = more likely wrong).

    Parameters
    ----------
    teacher_labels : array-like of shape (n,), int
        The teacher's labels; ignored (may be -1) where ``covered`` is False.
    oof_proba : array-like of shape (n, k)
        Out-of-sample student probabilities (rows summing to 1 where covered; other rows ignored).
    covered : array-like of shape (n,), bool
    method : {"self_confidence", "normalized_margin", "confidence_weighted_entropy"}
    adjust_pred_probs : bool, default False
        cleanlab's class-imbalance adjustment (not for ``confidence_weighted_entropy``).

    Returns
    -------
    ndarray of shape (n,), float64
        ``1 - cleanlab quality`` in [0, 1] on covered rows, NaN on uncovered rows.
    """
    from cleanlab.rank import get_label_quality_scores

    check_choice(method, name="method", choices=METHODS)
    labels, proba, covered = _check_inputs(teacher_labels, oof_proba, covered)
    score = np.full(len(labels), np.nan)
    if covered.any():
        quality = get_label_quality_scores(labels[covered], proba[covered], method=method,
                                           adjust_pred_probs=bool(adjust_pred_probs))
        score[covered] = 1.0 - np.asarray(quality, dtype=np.float64)
    return score


def error_detection_metrics(score, teacher_labels, gold, covered, *, teacher_conf=None) -> dict:
    """AUROC and average precision of ``score`` for finding the teacher's errors.

    Evaluated over covered rows with a finite score; an error is ``teacher_labels != gold``.

    Parameters
    ----------
    score : array-like of shape (n,)
        Higher = more likely a teacher error (e.g. :func:`teacher_error_score`).
    teacher_labels, gold : array-like of shape (n,), int
    covered : array-like of shape (n,), bool
    teacher_conf : array-like of shape (n,), optional
        The teacher's confidence in its label; adds the baseline ``1 - teacher_conf``.

    Returns
    -------
    dict
        ``n``, ``n_errors``, ``error_rate`` (= the AP of a random ranking), ``auroc``, ``ap`` and,
        with ``teacher_conf``, ``auroc_teacher_conf``, ``ap_teacher_conf``. AUROC and AP are NaN
        when the evaluated rows hold no error or only errors.
    """
    score = np.asarray(score, dtype=np.float64)
    teacher_labels, gold = np.asarray(teacher_labels), np.asarray(gold)
    covered = np.asarray(covered, dtype=bool)
    n = len(score)
    for name, arr in (("teacher_labels", teacher_labels), ("gold", gold), ("covered", covered)):
        if arr.shape != (n,):
            raise ValueError(f"{name} must have shape ({n},) like score; got {arr.shape}.")
    rows = covered & np.isfinite(score)
    errors = teacher_labels[rows] != gold[rows]
    out = {"n": int(rows.sum()), "n_errors": int(errors.sum()),
           "error_rate": float(errors.mean()) if rows.any() else float("nan")}
    out["auroc"], out["ap"] = _auroc_ap(errors, score[rows])
    if teacher_conf is not None:
        conf = np.asarray(teacher_conf, dtype=np.float64)
        if conf.shape != (n,):
            raise ValueError(f"teacher_conf must have shape ({n},) like score; got {conf.shape}.")
        out["auroc_teacher_conf"], out["ap_teacher_conf"] = _auroc_ap(errors, 1.0 - conf[rows])
    return out


def error_detection_by_split(score, teacher_labels, gold, covered, *, teacher_conf, split,
                             splits=("test", "student_train")) -> dict:
    """:func:`error_detection_metrics` per split, as flat ``Result.metrics`` keys.

    Parameters
    ----------
    split : array-like of shape (n,), str
        The ``split`` column of the per-point table.
    splits : sequence of str
        Splits to report.

    Returns
    -------
    dict
        For each split ``s``: ``teacher_error_auroc_<s>``, ``teacher_error_ap_<s>``,
        ``teacher_conf_error_auroc_<s>``, ``teacher_conf_error_ap_<s>`` (the baseline),
        ``teacher_error_rate_<s>`` and ``teacher_errors_<s>`` (count).
    """
    split = np.asarray(split, dtype=object)
    covered = np.asarray(covered, dtype=bool)
    out = {}
    for s in splits:
        m = error_detection_metrics(score, teacher_labels, gold, covered & (split == s), teacher_conf=teacher_conf)
        out.update({f"teacher_error_auroc_{s}": m["auroc"], f"teacher_error_ap_{s}": m["ap"],
                    f"teacher_conf_error_auroc_{s}": m["auroc_teacher_conf"],
                    f"teacher_conf_error_ap_{s}": m["ap_teacher_conf"],
                    f"teacher_error_rate_{s}": m["error_rate"], f"teacher_errors_{s}": m["n_errors"]})
    return out


def _auroc_ap(is_error, score):
    if is_error.size == 0 or is_error.all() or not is_error.any():
        return float("nan"), float("nan")
    return float(roc_auc_score(is_error, score)), float(average_precision_score(is_error, score))


def _check_inputs(teacher_labels, oof_proba, covered):
    labels = np.asarray(teacher_labels)
    proba = np.asarray(oof_proba, dtype=np.float64)
    covered = np.asarray(covered)
    if proba.ndim != 2 or proba.shape[1] < 2:
        raise ValueError(f"oof_proba must have shape (n, k) with k >= 2; got {proba.shape}.")
    n, k = proba.shape
    if labels.shape != (n,) or covered.shape != (n,):
        raise ValueError(f"teacher_labels and covered must have shape ({n},) like oof_proba's rows; got "
                         f"{labels.shape} and {covered.shape}.")
    if labels.dtype.kind not in "iu":
        raise TypeError(f"teacher_labels must be integer class indices; got dtype {labels.dtype}.")
    if covered.dtype != bool:
        raise TypeError(f"covered must be a boolean mask; got dtype {covered.dtype}.")
    lab, rows = labels[covered], proba[covered]
    if lab.size and (lab.min() < 0 or lab.max() >= k):
        raise ValueError(f"covered rows need teacher labels in [0, {k}); got values in [{lab.min()}, {lab.max()}]. "
                         "Mark abstentions (-1) as uncovered.")
    if rows.size and (not np.isfinite(rows).all() or rows.min() < -1e-6 or rows.max() > 1 + 1e-6
                      or not np.allclose(rows.sum(1), 1.0, atol=1e-4)):
        raise ValueError("oof_proba must hold finite probabilities whose rows sum to 1 on covered rows; "
                         "compute it with workbench.diagnostics.out_of_sample_proba.")
    return labels.astype(np.int64), np.clip(proba, 0.0, 1.0), covered
