"""Assemble per-epoch metrics, final metrics and the per-point table of a run.

Thin glue over the pure functions in :mod:`workbench.metrics`; kept apart from
:mod:`workbench.experiment` so the experiment stays about orchestration.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from . import metrics as M

__all__ = ["epoch_metrics", "final_metrics", "points_table"]


def epoch_metrics(student_proba, ctx) -> dict:
    """Metrics of one student epoch on the held-out split.

    Parameters
    ----------
    student_proba : ndarray of shape (n_test, k)
    ctx : dict
        ``y`` (n_test,) gold, ``weak`` (n_test, k) teacher probabilities, ``ceiling``
        (n_test, k), ``teacher_labels`` (n_test,) with -1 for abstentions, ``p_true``
        (n_test, k) or None.
    """
    y, weak, ceiling = ctx["y"], ctx["weak"], ctx["ceiling"]
    student_acc = M.accuracy(y, student_proba.argmax(1))
    weak_acc = M.accuracy(y, weak.argmax(1))
    ceiling_acc = M.accuracy(y, ceiling.argmax(1))
    out = {
        "student_acc": student_acc, "weak_acc": weak_acc, "ceiling_acc": ceiling_acc,
        "pgr": M.pgr(weak_acc, student_acc, ceiling_acc),
        **_misfit_gain(y, weak, student_proba, ctx.get("p_true")),
        "ece_student": M.ece(y, student_proba),
    }
    covered = ctx["teacher_labels"] >= 0
    out["ece_student_vs_teacher"] = (
        M.ece(ctx["teacher_labels"][covered], student_proba[covered]) if covered.any() else float("nan")
    )
    return out


def _misfit_gain(y, weak, student, p_true) -> dict:
    return {
        "misfit_sq": M.misfit_sq(weak, student),
        "gain_sq": M.gain_sq(weak, student, y),
        "misfit_kl": M.misfit_kl(weak, student),
        "gain_kl": M.gain_kl(weak, student, p_true) if p_true is not None else float("nan"),
        "gain_xent": M.gain_xent(weak, student, y),
    }


def final_metrics(y, proba: dict, covered, splits, *, p_true=None, seed: int = 0) -> dict:
    """The flat ``Result.metrics`` mapping, computed on the test split.

    Parameters
    ----------
    y : ndarray of shape (n,)
    proba : dict with ``teacher``, ``weak``, ``student``, ``ceiling`` arrays of shape (n, k)
    covered : ndarray of shape (n,) bool
    splits : Splits
    p_true : ndarray of shape (n, k) or None
    """
    test = splits.test
    yt = y[test]
    pred = {role: proba[role][test].argmax(1) for role in ("weak", "student", "ceiling")}
    out = {f"{role}_acc": M.accuracy(yt, p) for role, p in pred.items()}
    out["pgr"] = M.pgr(out["weak_acc"], out["student_acc"], out["ceiling_acc"])
    low, high = M.pgr_bootstrap_ci(yt, pred["weak"], pred["student"], pred["ceiling"], seed=seed)
    out.update(pgr_ci_low=low, pgr_ci_high=high)
    out.update(_misfit_gain(yt, proba["weak"][test], proba["student"][test],
                            None if p_true is None else p_true[test]))
    for role in ("weak", "student", "ceiling"):
        out[f"ece_{role}"] = M.ece(yt, proba[role][test])
    out["brier_student"] = M.brier(yt, proba["student"][test])
    cov_t = covered[test]
    t_labels = proba["teacher"][test].argmax(1)
    out["ece_student_vs_teacher"] = (
        M.ece(t_labels[cov_t], proba["student"][test][cov_t]) if cov_t.any() else float("nan"))
    out["teacher_coverage"] = float(covered[splits.student_train].mean()) if len(splits.student_train) else float("nan")
    out["teacher_acc_covered"] = M.accuracy(yt[cov_t], t_labels[cov_t]) if cov_t.any() else float("nan")
    out["student_acc_uncovered"] = (
        M.accuracy(yt[~cov_t], pred["student"][~cov_t]) if (~cov_t).any() else float("nan"))
    out["student_teacher_agreement"] = float(np.mean(pred["student"] == pred["weak"]))
    out.update({f"n_{name}": int(len(getattr(splits, name))) for name in
                ("weak_train", "student_train", "val", "test")})
    cats = M.point_categories(yt, np.where(cov_t, t_labels, -1), cov_t, pred["student"])
    for name in ("corrected", "corrupted", "copied", "both_right",
                 "uncovered_right", "uncovered_wrong"):
        out[f"n_{name}_test"] = int(np.sum(cats == name))
    return out


def points_table(dataset, splits, teacher_out, proba: dict) -> pd.DataFrame:
    """The per-point table (one row per example; columns ``results.POINT_COLUMNS``)."""
    n = len(dataset)
    y = dataset.labels
    covered = np.asarray(teacher_out.covered, dtype=bool)
    teacher_label = np.where(covered, proba["teacher"].argmax(1), -1)
    student_label = proba["student"].argmax(1)
    texts = dataset.texts if dataset.texts is not None else [""] * n
    nan = np.full(n, np.nan)
    table = pd.DataFrame({
        "id": np.asarray(dataset.ids, dtype=object).astype(str),
        "split": splits.split_column(n),
        "text": list(texts),
        "gold": y.astype(np.int64),
        "teacher_label": teacher_label.astype(np.int64),
        "teacher_conf": proba["teacher"].max(1),
        "covered": covered,
        "student_label": student_label.astype(np.int64),
        "student_conf": proba["student"].max(1),
        "weak_label": proba["weak"].argmax(1).astype(np.int64),
        "ceiling_label": proba["ceiling"].argmax(1).astype(np.int64),
        "ceiling_conf": proba["ceiling"].max(1),
        "category": M.point_categories(y, teacher_label, covered, student_label),
        "umap_weak_x": nan, "umap_weak_y": nan.copy(),
        "umap_strong_x": nan.copy(), "umap_strong_y": nan.copy(),
    })
    for name, values in getattr(teacher_out, "extra", {}).items():  # e.g. labelled_by, label_source
        table[name] = np.asarray(values)
    return table
