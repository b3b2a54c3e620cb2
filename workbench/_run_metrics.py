"""Assemble per-epoch metrics, final metrics and the per-point table of a run.

Thin glue over the pure functions in :mod:`workbench.metrics`; kept apart from
:mod:`workbench.experiment` so the experiment stays about orchestration. The
definitions (docs/science.md, "Abstaining teachers"):

* ``weak_acc`` — the teacher's accuracy on the test points it covers;
* ``weak_acc_all`` — the whole-test-set weak baseline with each abstention scored at
  chance (1/k); PGR and its interval use it, so student, ceiling and weak are all
  measured on the same points (equal to ``weak_acc`` at full coverage);
* ``teacher_coverage`` — the share of test points the teacher labels (the same split
  as ``weak_acc``);
* agreement, misfit, gain and the weak model's ECE are taken over covered test points
  (an abstention's uniform row is not a prediction);
* ``pgr_covered`` — PGR restricted to covered test points.

The per-epoch metrics (the monitor's) use the same definitions.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from . import metrics as M

__all__ = ["EvalContext", "weak_accuracy", "epoch_metrics", "final_metrics", "points_table"]


@dataclass(frozen=True)
class EvalContext:
    """What the metrics of one evaluation split need besides the student's probabilities.

    Attributes
    ----------
    y : ndarray of shape (m,)
        Gold labels.
    weak : ndarray of shape (m, k)
        Teacher probabilities (rows of abstentions are uniform and never scored as labels).
    ceiling : ndarray of shape (m, k)
    covered : ndarray of shape (m,) bool
    p_true : ndarray of shape (m, k) or None
        The true conditional (synthetic data only).
    """

    y: np.ndarray
    weak: np.ndarray
    ceiling: np.ndarray
    covered: np.ndarray
    p_true: np.ndarray | None = None

    @property
    def n_classes(self) -> int:
        return int(self.weak.shape[1])

    @property
    def teacher_labels(self) -> np.ndarray:
        """Teacher labels, -1 where it abstained; shape (m,)."""
        return np.where(self.covered, self.weak.argmax(1), -1)


def _acc(y, pred, mask=None) -> float:
    if mask is not None:
        y, pred = y[mask], pred[mask]
    return M.accuracy(y, pred) if len(y) else float("nan")


def _weak_scores(ctx: EvalContext) -> np.ndarray:
    return M.correct_with_abstention(ctx.y, ctx.weak.argmax(1), ctx.covered, n_classes=ctx.n_classes)


def weak_accuracy(ctx: EvalContext, *, abstain: str = "exclude") -> float:
    """The teacher's accuracy: on covered points (``"exclude"``), or on every point with
    abstentions scored at chance 1/k (``"chance"``); NaN when there is nothing to score."""
    if abstain == "chance":
        return float(np.mean(_weak_scores(ctx))) if len(ctx.y) else float("nan")
    if abstain != "exclude":
        raise ValueError(f"abstain must be 'exclude' or 'chance'; got {abstain!r}.")
    return _acc(ctx.y, ctx.weak.argmax(1), np.asarray(ctx.covered, dtype=bool))


def _misfit_gain(ctx: EvalContext, student, mask) -> dict:
    if not mask.any():
        return dict.fromkeys(("misfit_sq", "gain_sq", "misfit_kl", "gain_kl", "gain_xent"), float("nan"))
    y, weak, student = ctx.y[mask], ctx.weak[mask], student[mask]
    return {
        "misfit_sq": M.misfit_sq(weak, student),
        "gain_sq": M.gain_sq(weak, student, y),
        "misfit_kl": M.misfit_kl(weak, student),
        "gain_kl": M.gain_kl(weak, student, ctx.p_true[mask]) if ctx.p_true is not None else float("nan"),
        "gain_xent": M.gain_xent(weak, student, y),
    }


def epoch_metrics(student_proba, ctx: EvalContext) -> dict:
    """Metrics of one student epoch on the evaluation split.

    Parameters
    ----------
    student_proba : ndarray of shape (m, k)
    ctx : EvalContext

    Returns
    -------
    dict with student_acc, weak_acc (covered), weak_acc_all (abstain = chance),
    ceiling_acc, pgr, misfit/gain (covered), ece_student, ece_student_vs_teacher.
    """
    y, cov = ctx.y, np.asarray(ctx.covered, dtype=bool)
    pred = student_proba.argmax(1)
    out = {
        "student_acc": _acc(y, pred),
        "weak_acc": weak_accuracy(ctx),
        "weak_acc_all": weak_accuracy(ctx, abstain="chance"),
        "ceiling_acc": _acc(y, ctx.ceiling.argmax(1)),
    }
    out["pgr"] = M.pgr(out["weak_acc_all"], out["student_acc"], out["ceiling_acc"])
    out.update(_misfit_gain(ctx, student_proba, cov))
    out["ece_student"] = M.ece(y, student_proba)
    out["ece_student_vs_teacher"] = (
        M.ece(ctx.teacher_labels[cov], student_proba[cov]) if cov.any() else float("nan"))
    return out


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
    covered = np.asarray(covered, dtype=bool)
    ctx = EvalContext(y=y[test], weak=proba["weak"][test], ceiling=proba["ceiling"][test],
                      covered=covered[test], p_true=None if p_true is None else p_true[test])
    student = proba["student"][test]
    out = epoch_metrics(student, ctx)
    yt, cov = ctx.y, ctx.covered
    pred = {"student": student.argmax(1), "ceiling": ctx.ceiling.argmax(1), "weak": ctx.weak.argmax(1)}
    interval = M.pgr_interval(_weak_scores(ctx), pred["student"] == yt, pred["ceiling"] == yt, seed=seed)
    out.update(pgr_ci_low=interval.low, pgr_ci_high=interval.high, pgr_undefined_share=interval.undefined_share,
               pgr_inverted_pair=M.inverted_pair(out["weak_acc_all"], out["ceiling_acc"]))
    out["teacher_coverage"] = float(cov.mean()) if len(cov) else float("nan")
    out["teacher_coverage_student_train"] = (
        float(covered[splits.student_train].mean()) if len(splits.student_train) else float("nan"))
    out["chance_acc"] = 1.0 / ctx.n_classes
    for role in ("student", "ceiling"):
        out[f"{role}_acc_covered"] = _acc(yt, pred[role], cov)
        out[f"{role}_acc_uncovered"] = _acc(yt, pred[role], ~cov)
    out["weak_acc_uncovered"] = M.withheld_guess_accuracy(yt, ctx.weak, cov)
    out["pgr_covered"] = M.pgr(out["weak_acc"], out["student_acc_covered"], out["ceiling_acc_covered"])
    out["ece_weak"] = M.ece(yt[cov], ctx.weak[cov]) if cov.any() else float("nan")
    out["ece_ceiling"] = M.ece(yt, ctx.ceiling)
    out["brier_student"] = M.brier(yt, student)
    out["student_teacher_agreement"] = _acc(pred["weak"], pred["student"], cov)
    out.update({f"n_{name}": int(len(getattr(splits, name))) for name in
                ("weak_train", "student_train", "val", "test")})
    cats = M.point_categories(yt, ctx.teacher_labels, cov, pred["student"])
    for name in M.CATEGORIES:
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
        "weak_label": teacher_label.astype(np.int64),
        "ceiling_label": proba["ceiling"].argmax(1).astype(np.int64),
        "ceiling_conf": proba["ceiling"].max(1),
        "category": M.point_categories(y, teacher_label, covered, student_label),
        "map_weak_x": nan, "map_weak_y": nan.copy(),
        "map_strong_x": nan.copy(), "map_strong_y": nan.copy(),
    })
    for name, values in getattr(teacher_out, "extra", {}).items():  # e.g. labelled_by, label_source
        table[name] = np.asarray(values)
    return table
