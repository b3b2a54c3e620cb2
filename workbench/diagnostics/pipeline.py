"""All per-point diagnostics of one run in one call (what ``Experiment.run`` wires in).

:func:`teacher_diagnostics` takes the arrays a run already has and returns the new columns
of the per-point table, the new ``Result.metrics`` keys and the out-of-sample probabilities.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from .crossfit import out_of_sample_proba
from .dynamics import DYNAMICS_COLUMNS, cartography_region, training_dynamics
from .neighbourhood import knn_jaccard
from .teacher_error import METHODS, error_detection_by_split, teacher_error_score

__all__ = ["Diagnostics", "teacher_diagnostics", "DIAGNOSTIC_COLUMNS"]

#: Columns :func:`teacher_diagnostics` adds to the per-point table (dynamics ones only with epoch_proba).
DIAGNOSTIC_COLUMNS = ("teacher_error_score", *DYNAMICS_COLUMNS, "region", "knn_jaccard")


@dataclass(frozen=True)
class Diagnostics:
    """Output of :func:`teacher_diagnostics`.

    Attributes
    ----------
    columns : pandas.DataFrame with n rows
        ``teacher_error_score``; with ``epoch_proba`` also the :data:`~.dynamics.DYNAMICS_COLUMNS` and
        ``region`` (cartography region toward the teacher's label); with both embeddings ``knn_jaccard``.
    metrics : dict
        :func:`~.teacher_error.error_detection_by_split` keys (when gold is given) plus
        ``teacher_error_method`` and ``crossfit_folds``.
    oof_proba : ndarray of shape (n, k)
        The out-of-sample student probabilities the score was computed from.
    """

    columns: pd.DataFrame
    metrics: dict
    oof_proba: np.ndarray


def teacher_diagnostics(*, X_strong, teacher_proba, covered, split, student_proba, make_student,
                        gold=None, X_weak=None, epoch_proba=None, n_folds: int = 5,
                        method: str = "self_confidence", epoch_average: bool = False, k_neighbors: int = 10,
                        fit_options=None, seed: int = 0) -> Diagnostics:
    """Teacher-error score, training dynamics and neighbourhood change of one run.

    Parameters
    ----------
    X_strong : array of shape (n, d_s)
        Strong embeddings of all rows (what the student trains on).
    teacher_proba : array of shape (n, k)
        The teacher's probabilities (the student's targets).
    covered : array of shape (n,), bool
    split : array of shape (n,), str
        The ``split`` column; the student trained on the covered ``"student_train"`` rows.
    student_proba : array of shape (n, k)
        The trained student's probabilities of all rows (used where it never trained).
    make_student : callable () -> student
        A fresh student like the one of the run (same parameters).
    gold : array of shape (n,), int, optional
        Only for the evaluation metrics and the gold dynamics columns.
    X_weak : array of shape (n, d_w), optional
        With it, ``knn_jaccard`` (k = ``k_neighbors``) is added.
    epoch_proba : array of shape (E, n, k), optional
        The student's per-epoch probabilities of all rows (``EpochProbaStore.array``); with it the
        dynamics columns are added.
    n_folds, epoch_average, fit_options, seed
        Cross-fitting options (:func:`~.crossfit.crossfit`).
    method : one of :data:`~.teacher_error.METHODS`

    Returns
    -------
    Diagnostics
    """
    covered = np.asarray(covered, dtype=bool)
    split = np.asarray(split, dtype=object)
    teacher_proba = np.asarray(teacher_proba, dtype=np.float64)
    teacher_labels = np.where(covered, teacher_proba.argmax(1), -1)
    if method not in METHODS:
        raise ValueError(f"method must be one of {', '.join(map(repr, METHODS))}; got {method!r}.")
    oof = out_of_sample_proba(X_strong, teacher_proba, covered, np.flatnonzero(split == "student_train"),
                              student_proba, make_student=make_student, n_folds=n_folds, seed=seed,
                              fit_options=fit_options, epoch_average=epoch_average)
    score = teacher_error_score(teacher_labels, oof, covered=covered, method=method)
    columns = pd.DataFrame({"teacher_error_score": score})
    metrics = {"teacher_error_method": method, "crossfit_folds": int(n_folds)}
    if gold is not None:
        conf = teacher_proba.max(1)
        metrics.update(error_detection_by_split(score, teacher_labels, gold, covered, teacher_conf=conf, split=split))
    if epoch_proba is not None:
        dyn = training_dynamics(epoch_proba, teacher_labels=teacher_labels, gold=gold)
        dyn["region"] = cartography_region(dyn["conf_teacher"].to_numpy(), dyn["var_teacher"].to_numpy())
        columns = columns.join(dyn)
    if X_weak is not None:
        columns["knn_jaccard"] = knn_jaccard(X_weak, X_strong, k=k_neighbors)
    return Diagnostics(columns=columns, metrics=metrics, oof_proba=oof)
