"""The teacher's side of a run: checking the teacher option, reading its diagnostics, reviews.

Glue kept apart from :mod:`workbench.experiment`, which calls a teacher only through
its interface (``fit(views, y, *, gold_index, student_index)``, ``predict(views)``,
``diagnostics()``; :mod:`workbench.teachers_base`).
"""

from __future__ import annotations

from .records import EpochRecord
from .teachers import TEACHER_KINDS, TeacherOutput, is_teacher

__all__ = ["check_teacher", "read_diagnostics", "weight_records", "reviewed"]


def weight_records(weights_history) -> list:
    """An ensemble teacher's per-epoch member weights as EpochRecords.

    Parameters
    ----------
    weights_history : list of dict member -> weight, or None
        The ``"weights_history"`` of the teacher's ``diagnostics()``.

    Returns
    -------
    list of EpochRecord with role ``"teacher_weights"``; ``metrics`` holds
    ``teacher_weight_<member>`` per epoch. Empty for ``None`` or an empty list.
    """
    history = list(weights_history or [])
    return [EpochRecord(epoch=i + 1, n_epochs=len(history), train_loss=float("nan"), val_loss=None, proba=None,
                        metrics={f"teacher_weight_{name}": float(w) for name, w in weights.items()},
                        role="teacher_weights")
            for i, weights in enumerate(history)]


def reviewed(t_out, label_overrides):
    """The teacher's output with reviewed labels in place (or ``t_out`` itself without reviews)."""
    if not label_overrides:
        return t_out
    from .diagnostics.review import apply_reviews

    proba, covered, source = apply_reviews(t_out.proba, t_out.covered, dict(label_overrides),
                                           label_source=t_out.extra.get("label_source"))
    return TeacherOutput(proba=proba, covered=covered, extra={**t_out.extra, "label_source": source})


def read_diagnostics(teacher) -> dict:
    """``teacher.diagnostics()``, checked to be a dict."""
    diag = teacher.diagnostics()
    if not isinstance(diag, dict):
        raise TypeError(f"{type(teacher).__name__}.diagnostics() must return a dict (empty if it has nothing to "
                        f"report); got {type(diag).__name__}.")
    return diag


def check_teacher(teacher, options):
    if is_teacher(teacher):
        return
    if not isinstance(teacher, str) or teacher not in TEACHER_KINDS:
        raise ValueError(f"unknown teacher {teacher!r}; choose one of {sorted(TEACHER_KINDS)} or pass a teacher "
                         "object with fit(views, y, *, gold_index, student_index), predict(views) and "
                         "diagnostics() (e.g. a workbench.teachers.Teacher subclass, or one from workbench.methods).")
    if teacher == "rules" and "rules" not in options:
        raise ValueError("teacher='rules' needs teacher_options={'rules': [(pattern, label), ...]}.")
    if teacher == "fixed" and "labels" not in options:
        raise ValueError("teacher='fixed' needs teacher_options={'labels': pseudolabels}.")
