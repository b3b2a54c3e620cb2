"""What training reports: one epoch's record and the start of a student's training.

Plain dataclasses over numpy (no torch), so that reading a saved
:class:`~workbench.results.Result` does not import the trainer.
:mod:`workbench.train` re-exports both names.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields

import numpy as np

__all__ = ["EpochRecord", "TrainingStart"]


@dataclass
class EpochRecord:
    """What one epoch of training produced.

    Attributes
    ----------
    epoch : int (1-based)
    n_epochs : int
    train_loss : float
        Mean training loss (without the L2 penalty).
    val_loss : float or None
        Cross-entropy against the (teacher-labelled) validation targets.
    proba : ndarray of shape (n_eval, k) or None
        Held-out probabilities after this epoch.
    metrics : dict of str to float
        Filled by the trainer (losses) and the Experiment (accuracy, misfit, gain, ECE, PGR ...).
    role : {"weak", "student", "ceiling"}
    extra : dict
        Anything else a student reports per epoch (e.g. a fine-tuned student's
        re-embedded sample); not JSON-saved unless it is a plain number or list.
    """

    epoch: int
    n_epochs: int
    train_loss: float
    val_loss: float | None
    proba: np.ndarray | None
    metrics: dict = field(default_factory=dict)
    role: str = "student"
    extra: dict = field(default_factory=dict)


@dataclass
class TrainingStart:
    """What a student's callbacks get in ``on_train_begin(start)`` (all on the evaluation split).

    Attributes
    ----------
    label_names : tuple of str
    n_epochs : int
    y_eval : ndarray of shape (m,)
        Gold labels of the evaluation (test) split.
    teacher_eval : ndarray of shape (m,)
        Teacher labels, -1 where it abstained.
    covered_eval : ndarray of shape (m,) bool
    weak_proba_eval, ceiling_proba_eval : ndarray of shape (m, k)
    weak_acc : float
        Teacher accuracy on covered evaluation points.
    weak_acc_all : float
        Whole-split weak baseline, abstentions scored at chance (PGR's baseline).
    ceiling_acc : float
    teacher_weights : list of dict
        Per-epoch member weights of an ensemble teacher (empty otherwise).

    ``start["name"]`` also works, for callbacks written against the earlier info dict.
    """

    label_names: tuple
    n_epochs: int
    y_eval: np.ndarray
    teacher_eval: np.ndarray
    covered_eval: np.ndarray
    weak_proba_eval: np.ndarray
    ceiling_proba_eval: np.ndarray
    weak_acc: float
    weak_acc_all: float
    ceiling_acc: float
    teacher_weights: list = field(default_factory=list)

    def __getitem__(self, name):
        if not isinstance(name, str) or name not in self.keys():
            raise KeyError(name)
        return getattr(self, name)

    def get(self, name, default=None):
        return getattr(self, name, default) if isinstance(name, str) else default

    def keys(self):
        """Field names (so ``dict(start)`` works like the earlier info dict)."""
        return [f.name for f in fields(self)]
