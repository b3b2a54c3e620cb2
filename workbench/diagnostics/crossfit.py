"""Out-of-fold student probabilities (cross-fitting).

A label-quality score needs, for each pseudolabelled point, the student's probabilities
from a student that did **not** train on that point: a student that fitted the teacher's
label would simply agree with it. :func:`crossfit` splits the rows into ``n_folds`` folds
(stratified by the teacher's label), trains one fresh student per fold on the other folds
and scores the held-out fold with it, so every row's probabilities come from a model that
never saw the row (``CrossFit.folds`` and ``CrossFit.students`` make that checkable).

:func:`out_of_sample_proba` assembles the (n, k) matrix the per-point table needs: cross-fitted
probabilities on the student's own training rows, the ordinary student's probabilities
everywhere else (it never trained on those).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .._validation import check_int, check_matrix, check_proba

__all__ = ["CrossFit", "crossfit", "crossfit_proba", "fold_assignment", "out_of_sample_proba"]


@dataclass(frozen=True)
class CrossFit:
    """What :func:`crossfit` produced.

    Attributes
    ----------
    proba : ndarray of shape (n, k), float64
        Row ``i`` was predicted by ``students[folds[i]]``.
    folds : ndarray of shape (n,), int64 in [0, n_folds)
        The fold of every row; ``students[f]`` trained on exactly the rows with ``folds != f``.
    students : tuple of length n_folds
        The fitted students, one per fold.
    """

    proba: np.ndarray
    folds: np.ndarray
    students: tuple


def fold_assignment(labels, *, n_folds: int = 5, seed: int = 0) -> np.ndarray:
    """Stratified, seeded fold of every row.

    Within each class the rows are shuffled and dealt to the folds in turn, continuing
    where the previous class stopped, so fold sizes differ by at most one.

    Parameters
    ----------
    labels : array-like of shape (n,), int
        The class used for stratification (e.g. the teacher's label).
    n_folds : int, at least 2 and at most n
    seed : int

    Returns
    -------
    ndarray of shape (n,), int64 in [0, n_folds)
    """
    labels = np.asarray(labels)
    if labels.ndim != 1:
        raise ValueError(f"labels must be 1-D (n,); got shape {labels.shape}.")
    n_folds = check_int(n_folds, name="n_folds", minimum=2)
    if len(labels) < n_folds:
        raise ValueError(f"n_folds={n_folds} needs at least {n_folds} rows; got {len(labels)}. "
                         "Lower n_folds or pass more rows.")
    rng = np.random.default_rng(check_int(seed, name="seed", minimum=0))
    folds = np.empty(len(labels), dtype=np.int64)
    start = 0
    for c in np.unique(labels):
        rows = rng.permutation(np.flatnonzero(labels == c))
        folds[rows] = (start + np.arange(len(rows))) % n_folds
        start += len(rows)
    return folds


def crossfit(X, y_proba, *, make_student, n_folds: int = 5, seed: int = 0, fit_options=None,
             folds=None, epoch_average: bool = False) -> CrossFit:
    """Out-of-fold probabilities of fresh students trained on the other folds.

    Parameters
    ----------
    X : array of shape (n, d)
        Features the student trains on (the strong embeddings of the student's training rows).
    y_proba : array of shape (n, k)
        Training targets (the teacher's probabilities of those rows).
    make_student : callable () -> student
        Returns a new, unfitted object with ``fit(X, y_proba, **fit_options)`` and
        ``predict_proba(X) -> (m, k)`` (the student interface, e.g. ``HeadTrainer(...)``).
    n_folds : int, default 5
    seed : int, default 0
        Seeds the fold assignment (the students keep their own seeds).
    fit_options : dict, optional
        Extra keyword arguments for every ``fit`` (e.g. ``X_val``, ``y_val_proba`` of a validation
        split disjoint from ``X``).
    folds : array of shape (n,), optional
        A given fold assignment (values 0..n_folds-1) instead of :func:`fold_assignment`.
    epoch_average : bool, default False
        Average each fold student's per-epoch probabilities of its held-out fold (it is fitted
        with ``X_eval=<held-out rows>`` and the records of ``history_`` are averaged) instead of
        taking the final model's: a snapshot ensemble over epochs, the out-of-sample analogue of
        the cartography confidence.

    Returns
    -------
    CrossFit
    """
    X = check_matrix(X, name="X")
    Y = check_proba(y_proba, name="y_proba")
    if len(X) != len(Y):
        raise ValueError(f"lengths differ: X has {len(X)} rows, y_proba has {len(Y)}; pass one target row per row.")
    if not callable(make_student):
        raise TypeError(f"make_student must be a callable returning a fresh student; got {make_student!r}.")
    n_folds = check_int(n_folds, name="n_folds", minimum=2)
    folds = fold_assignment(Y.argmax(1), n_folds=n_folds, seed=seed) if folds is None else _check_folds(folds, len(X),
                                                                                                         n_folds)
    proba = np.full(Y.shape, np.nan)
    students = []
    for f in range(n_folds):
        held = folds == f
        student = make_student()
        options = dict(fit_options or {})
        if epoch_average:
            options["X_eval"] = X[held]
        student.fit(X[~held], Y[~held], **options)
        out = _epoch_mean(student) if epoch_average else student.predict_proba(X[held])
        proba[held] = _checked_output(out, int(held.sum()), Y.shape[1])
        students.append(student)
    return CrossFit(proba=proba, folds=folds, students=tuple(students))


def crossfit_proba(X, y_proba, *, make_student, n_folds: int = 5, seed: int = 0, fit_options=None,
                   epoch_average: bool = False) -> np.ndarray:
    """Only the (n, k) out-of-fold probabilities of :func:`crossfit`."""
    return crossfit(X, y_proba, make_student=make_student, n_folds=n_folds, seed=seed,
                    fit_options=fit_options, epoch_average=epoch_average).proba


def _epoch_mean(student):
    probas = [r.proba for r in getattr(student, "history_", ()) if getattr(r, "proba", None) is not None]
    if not probas:
        raise ValueError("epoch_average=True needs a student whose fit(..., X_eval=...) records per-epoch "
                         "probabilities in history_ (EpochRecord.proba); this one recorded none.")
    return np.mean(np.stack([np.asarray(p, dtype=np.float64) for p in probas]), axis=0)


def out_of_sample_proba(X, teacher_proba, covered, train_index, student_proba, *, make_student,
                        n_folds: int = 5, seed: int = 0, fit_options=None, epoch_average: bool = False) -> np.ndarray:
    """Student probabilities that are out of sample for **every** row of the table.

    Parameters
    ----------
    X : array of shape (n, d)
        Strong embeddings of all rows.
    teacher_proba : array of shape (n, k)
    covered : array of shape (n,), bool
    train_index : array of int
        Rows of the student's training split; the student trained on ``train_index[covered[train_index]]``.
    student_proba : array of shape (n, k)
        The ordinary student's probabilities for all rows.
    make_student, n_folds, seed, fit_options, epoch_average
        As in :func:`crossfit` (with ``epoch_average``, pass the main student's epoch-averaged
        probabilities as ``student_proba`` too, so every row is scored the same way).

    Returns
    -------
    ndarray of shape (n, k), float64
        Cross-fitted on the covered training rows, ``student_proba`` elsewhere.
    """
    student_proba = check_proba(student_proba, name="student_proba")
    covered = np.asarray(covered, dtype=bool)
    if covered.shape != (len(student_proba),):
        raise ValueError(f"covered must have shape ({len(student_proba)},); got {covered.shape}.")
    train = np.asarray(train_index, dtype=np.int64)
    train = train[covered[train]]
    out = student_proba.copy()
    if len(train):
        X = check_matrix(X, name="X")
        out[train] = crossfit_proba(X[train], np.asarray(teacher_proba)[train], make_student=make_student,
                                    n_folds=n_folds, seed=seed, fit_options=fit_options,
                                    epoch_average=epoch_average)
    return out


def _check_folds(folds, n, n_folds):
    folds = np.asarray(folds)
    if folds.shape != (n,) or folds.dtype.kind not in "iu":
        raise ValueError(f"folds must be an integer array of shape ({n},); "
                         f"got dtype {folds.dtype}, shape {folds.shape}.")
    missing = sorted(set(range(n_folds)) - set(np.unique(folds).tolist()))
    if missing or folds.min() < 0 or folds.max() >= n_folds:
        raise ValueError(f"folds must use every value 0..{n_folds - 1} and nothing else; missing {missing}, "
                         f"range [{folds.min()}, {folds.max()}].")
    return folds.astype(np.int64)


def _checked_output(proba, rows, k):
    proba = np.asarray(proba, dtype=np.float64)
    if proba.shape != (rows, k):
        raise ValueError(f"the student's predict_proba returned shape {proba.shape}; expected ({rows}, {k}).")
    return proba
