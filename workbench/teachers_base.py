"""The teacher interface: the views a teacher receives, its output, and the base class.

A teacher is fitted with ``fit(views, y, *, gold_index, student_index=None)`` on a
:class:`TeacherViews` (weak and strong features and texts of every row, each possibly
``None``), labels every row with ``predict(views) -> TeacherOutput`` and reports what it
learned with ``diagnostics() -> dict``. :class:`Teacher` gives the defaults (shared
abstention, empty diagnostics); any object with these three methods works
(:func:`is_teacher`). The concrete teachers are in :mod:`workbench.teachers` and
:mod:`workbench.methods`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Sequence

import numpy as np

from ._validation import check_labels, check_matrix

__all__ = ["TeacherViews", "TeacherOutput", "Teacher", "is_teacher", "check_views", "check_fit_args",
           "labels_by_row", "least_confident"]

_VIEWS = ("weak", "strong", "texts")


@dataclass(frozen=True)
class TeacherViews:
    """What a teacher may look at: the views of every row of one dataset.

    Attributes
    ----------
    label_names : tuple of str
        The classes (``n_classes = len(label_names)``).
    weak : ndarray of shape (n, d_w) or None
        Weak-model features (float32 after validation).
    strong : ndarray of shape (n, d_s) or None
        Strong-model features; teachers that use the strong model (selective, filtered,
        RAVEN) need them.
    texts : sequence of str of length n, or None
    n_rows : int
        Rows of the dataset; inferred from the views when not given.

    Raises
    ------
    ValueError
        If the views disagree on the number of rows, or no view and no ``n_rows`` is given.
    """

    label_names: tuple
    weak: np.ndarray | None = None
    strong: np.ndarray | None = None
    texts: Sequence[str] | None = None
    n_rows: int | None = None

    def __post_init__(self):
        names = tuple(self.label_names) if isinstance(self.label_names, (list, tuple)) else None
        if not names or len(names) < 2 or not all(isinstance(n, str) for n in names):
            raise ValueError(f"label_names must be a sequence of at least two class names; got {self.label_names!r}.")
        object.__setattr__(self, "label_names", names)
        for role in ("weak", "strong"):
            if getattr(self, role) is not None:
                object.__setattr__(self, role, check_matrix(getattr(self, role), name=f"views.{role}"))
        rows = {role: len(getattr(self, role)) for role in _VIEWS if getattr(self, role) is not None}
        if self.n_rows is not None:
            rows["n_rows"] = int(self.n_rows)
        if not rows:
            raise ValueError("TeacherViews needs at least one view (weak=, strong=, texts=) or n_rows=.")
        if len(set(rows.values())) > 1:
            raise ValueError(f"the views disagree on the number of rows: {rows}; every view has one row per example.")
        object.__setattr__(self, "n_rows", next(iter(rows.values())))

    @property
    def n_classes(self) -> int:
        return len(self.label_names)

    def require(self, name: str, *, by: str):
        """The view ``name`` ("weak", "strong" or "texts"); ValueError naming ``by`` if it is missing."""
        if name not in _VIEWS:
            raise ValueError(f"unknown view {name!r}; choose one of {list(_VIEWS)}.")
        value = getattr(self, name)
        if value is None:
            hint = ("this dataset has only features" if name == "texts"
                    else f"pass TeacherViews(..., {name}=X) with one row per example")
            raise ValueError(f"{by} needs {name if name == 'texts' else f'the {name} view'}; {hint}.")
        return value

    @classmethod
    def from_dataset(cls, dataset, *, weak=None, strong=None) -> "TeacherViews":
        """Views of a :class:`~workbench.data.TextDataset`: its texts and label names plus the given features."""
        return cls(label_names=tuple(dataset.label_names), weak=weak, strong=strong, texts=dataset.texts,
                   n_rows=len(dataset))


def check_views(views) -> TeacherViews:
    """``views`` itself; TypeError saying how to build one if it is not a :class:`TeacherViews`."""
    if not isinstance(views, TeacherViews):
        raise TypeError(f"a teacher's fit/predict take a TeacherViews, not {type(views).__name__}; build one with "
                        "TeacherViews.from_dataset(dataset, weak=X_weak, strong=X_strong).")
    return views


def check_fit_args(views, y, gold_index) -> tuple[np.ndarray, np.ndarray]:
    """Validated ``(gold_index, y)`` of a ``fit`` call: int64 arrays of the same length.

    Raises
    ------
    TypeError
        If ``views`` is not a :class:`TeacherViews` (e.g. the old ``fit(dataset, X_weak, gold)``).
    ValueError
        If ``y`` and ``gold_index`` differ in length, or an index or a label is out of range.
    """
    check_views(views)
    gold = np.asarray(gold_index, dtype=np.int64).reshape(-1)
    labels = check_labels(y, n_classes=views.n_classes, name="y (gold labels)")
    if len(labels) != len(gold):
        raise ValueError(f"y has {len(labels)} labels for {len(gold)} gold rows; y[i] is the label of row "
                         "gold_index[i].")
    if len(gold) == 0:
        raise ValueError("gold_index is empty; a teacher needs at least one gold label.")
    if gold.min() < 0 or gold.max() >= views.n_rows:
        raise ValueError(f"gold_index holds rows outside [0, {views.n_rows}).")
    return gold, labels


def labels_by_row(n_rows: int, gold, y) -> np.ndarray:
    """Gold labels placed at their rows, -1 elsewhere; shape (n_rows,)."""
    out = np.full(n_rows, -1, dtype=np.int64)
    out[gold] = y
    return out


@dataclass
class TeacherOutput:
    """Pseudolabels of every row.

    Attributes
    ----------
    proba : ndarray of shape (n, k)
        Soft labels (uniform where the teacher has no opinion).
    covered : ndarray of shape (n,) bool
        False where the teacher abstained.
    extra : dict of str to ndarray of shape (n,)
        Optional per-point columns (e.g. which teacher labelled a point); copied into
        the results table.
    """

    proba: np.ndarray
    covered: np.ndarray
    extra: dict = field(default_factory=dict)

    @property
    def labels(self) -> np.ndarray:
        """Argmax label, -1 where the teacher abstained; shape (n,)."""
        return np.where(self.covered, self.proba.argmax(1), -1)

    @property
    def coverage(self) -> float:
        return float(np.mean(self.covered))


class Teacher:
    """The teacher interface; subclasses implement ``fit`` and ``_predict_proba``, abstention is shared.

    Any object with these three methods works as a teacher (:func:`is_teacher`); this
    base class gives the defaults.

    Attributes
    ----------
    abstain_below : float or None
        The teacher abstains where its top probability is below this threshold.
    abstain_share : float or None
        The teacher abstains on this share of its least confident rows.
    """

    abstain_below = None
    abstain_share = None

    def fit(self, views: TeacherViews, y, *, gold_index, student_index=None) -> "Teacher":
        """Learn from the gold labels.

        Parameters
        ----------
        views : TeacherViews
            Every row's weak/strong features and texts (``None`` where not available).
        y : ndarray of shape (n_gold,)
            Gold labels: ``y[i]`` is the class of row ``gold_index[i]``.
        gold_index : ndarray of shape (n_gold,)
        student_index : ndarray of shape (m,), optional
            Rows the student will train on (no gold labels), for teachers that learn
            from unlabelled data.
        """
        check_fit_args(views, y, gold_index)
        return self

    def predict(self, views: TeacherViews) -> TeacherOutput:
        """Pseudolabels of every row of ``views`` (the rows ``fit`` saw)."""
        proba, covered = self._predict_proba(check_views(views))
        if self.abstain_below is not None:
            covered = covered & (proba.max(1) >= self.abstain_below)
        if self.abstain_share:
            covered = covered & ~least_confident(proba.max(1), self.abstain_share, among=covered)
        return TeacherOutput(proba=proba, covered=covered)

    def diagnostics(self) -> dict:
        """What the fitted teacher learned that a run keeps; empty by default.

        Keys :class:`~workbench.experiment.Experiment` reads (all optional; any other key
        is for the user and ignored):

        * ``"history"`` — list of :class:`~workbench.train.EpochRecord` of the teacher's
          own training (``Result.history["weak"]``);
        * ``"weights"`` — dict member name -> final weight of an ensemble
          (``metrics["teacher_weight_<name>"]``);
        * ``"weights_history"`` — list of dict member name -> weight, one per epoch
          (the monitor's weights panel and ``Result.history["teacher_weights"]``).
        """
        return {}

    def _predict_proba(self, views):  # pragma: no cover - abstract
        raise TypeError(f"{type(self).__name__} must implement _predict_proba(views) or predict(views).")


def is_teacher(obj) -> bool:
    """True for a :class:`Teacher` or any object whose type has ``fit``, ``predict`` and ``diagnostics``."""
    return isinstance(obj, Teacher) or all(callable(getattr(type(obj), m, None))
                                           for m in ("fit", "predict", "diagnostics"))


def least_confident(confidence, share: float, *, among=None) -> np.ndarray:
    """Mask of the ``share`` of rows (of ``among``) with the lowest ``confidence``, shape (n,).

    Ties at the cut are broken by row order (stable sort), so exactly
    ``round(share · n_among)`` rows are marked.
    """
    confidence = np.asarray(confidence, dtype=np.float64)
    among = np.ones(len(confidence), bool) if among is None else np.asarray(among, dtype=bool)
    rows = np.flatnonzero(among)
    n_abstain = int(round(share * len(rows)))
    out = np.zeros(len(confidence), dtype=bool)
    out[rows[np.argsort(confidence[rows], kind="stable")[:n_abstain]]] = True
    return out
