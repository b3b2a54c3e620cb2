"""Weak teachers: who produces the pseudolabels.

Every teacher has one interface (:class:`Teacher`):

* ``fit(views, y, *, gold_index, student_index=None) -> self`` — ``views`` is a
  :class:`TeacherViews` (the weak and strong features and the texts of every row, each
  possibly ``None``); ``y`` holds the gold labels of the rows ``gold_index`` (the only
  labels a teacher ever sees);
* ``predict(views) -> TeacherOutput`` — pseudolabels of every row;
* ``diagnostics() -> dict`` — what the teacher learned that a run keeps (default
  empty; see :meth:`Teacher.diagnostics` for the keys ``Experiment`` reads).

A teacher may abstain: the covered set S = {teacher gives a label}, the uncovered set
T = the rest (Lang et al.).

* :class:`ProbeTeacher` — a linear probe on weak embeddings trained on ``n_gold`` gold
  labels (the Burns et al. weak model); soft predictions; may abstain below a
  confidence threshold.
* :class:`RuleTeacher` — keyword/regex rules with abstention (Lang et al.'s rule
  teachers, e.g. 'incredible' → positive, 'horrible' → negative on IMDb).
* :class:`FixedTeacher` — pseudolabels supplied by the user.
"""

from __future__ import annotations

import re

import numpy as np

from ._validation import check_fraction, check_labels, check_proba
from .protocol import fit_probe
from .teachers_base import (
    Teacher,
    TeacherOutput,
    TeacherViews,
    check_fit_args,
    check_views,
    is_teacher,
    labels_by_row,
    least_confident,
)
from .train import EpochRecord

__all__ = ["TeacherViews", "TeacherOutput", "Teacher", "ProbeTeacher", "RuleTeacher", "FixedTeacher", "make_teacher",
           "TEACHER_KINDS", "is_teacher", "check_views", "check_fit_args", "labels_by_row", "least_confident",
           "LANG_IMDB_RULES"]

#: The rule teacher of Lang et al.'s IMDb headline experiment.
LANG_IMDB_RULES = (("incredible", "positive"), ("horrible", "negative"))


def _abstain_share(value):
    if value is None or value == 0:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value < 1:
        raise ValueError(f"abstain_share must be a fraction in [0, 1) (0.3 = abstain on the 30% least confident "
                         f"rows); got {value!r}.")
    return float(value)


def _abstain(value):
    return None if value is None else check_fraction(value, name="abstain_below", low=0.0, high=1.0, inclusive=True)


class ProbeTeacher(Teacher):
    """Linear probe on weak embeddings trained on gold labels (Burns et al.'s weak model).

    The head is :data:`workbench.protocol.PROBE_PARAMS` (L-BFGS, L2 strength ``C``), the
    same probe every caller of the protocol uses.

    Parameters
    ----------
    abstain_below : float or None
        Abstain where the top probability is below this threshold.
    abstain_share : float in [0, 1) or None
        Abstain on this share of the rows it is least confident about.
    epochs : int, optional
        Records of the probe's training (default: the protocol's).
    C : float, optional
        Inverse L2 strength (default: the protocol's).
    seed : int

    Attributes
    ----------
    trainer_ : HeadTrainer
    history_ : list of EpochRecord (role "weak")
    """

    def __init__(self, *, abstain_below=None, abstain_share=None, epochs: int | None = None, C: float | None = None,
                 seed: int = 0):
        self.abstain_below = _abstain(abstain_below)
        self.abstain_share = _abstain_share(abstain_share)
        self.epochs, self.C, self.seed = epochs, C, seed

    def fit(self, views, y, *, gold_index, student_index=None) -> "ProbeTeacher":
        gold, y = check_fit_args(views, y, gold_index)
        X = views.require("weak", by="ProbeTeacher")
        overrides = {k: v for k, v in (("epochs", self.epochs), ("C", self.C)) if v is not None}
        self.trainer_ = fit_probe(X, labels_by_row(views.n_rows, gold, y), gold, n_classes=views.n_classes,
                                  seed=self.seed, **overrides)
        self.history_ = [EpochRecord(**{**r.__dict__, "role": "weak"}) for r in self.trainer_.history_]
        return self

    def diagnostics(self) -> dict:
        """``{"history": [EpochRecord, ...]}`` of the probe's training (role "weak"); empty before fit."""
        return {"history": list(self.history_)} if hasattr(self, "history_") else {}

    def _predict_proba(self, views):
        if not hasattr(self, "trainer_"):
            raise ValueError("ProbeTeacher is not fitted; call fit(views, y, gold_index=...) first.")
        proba = self.trainer_.predict_proba(views.require("weak", by="ProbeTeacher"))
        return proba, np.ones(len(proba), dtype=bool)


class RuleTeacher(Teacher):
    """Keyword / regex labeling rules with abstention.

    Parameters
    ----------
    rules : sequence of (pattern or callable, label name)
        A string pattern is a case-insensitive regex matched with word boundaries
        (``"great"`` matches "Great!" but not "greatest"); a callable takes the text and
        returns bool.
    label_names : sequence of str
    abstain_below : float or None
        Extra abstention on the vote share (e.g. 0.75 abstains on split votes).

    Notes
    -----
    A text matched by rules of several labels gets the vote shares as its soft label; an
    exact tie abstains (the teacher has no opinion). Unmatched texts abstain with a
    uniform soft label.
    """

    def __init__(self, rules, *, label_names, abstain_below=None):
        self.label_names = tuple(label_names)
        self.abstain_below = _abstain(abstain_below)
        if not rules:
            raise ValueError("RuleTeacher needs at least one rule (pattern, label name).")
        self.rules = []
        for i, rule in enumerate(rules):
            if not isinstance(rule, (tuple, list)) or len(rule) != 2:
                raise TypeError(f"rules[{i}] must be a (pattern, label) pair; got {rule!r}.")
            pattern, label = rule
            if label not in self.label_names:
                raise ValueError(f"rules[{i}]: label {label!r} is not one of {list(self.label_names)}.")
            self.rules.append((self._matcher(pattern, i), self.label_names.index(label)))

    @staticmethod
    def _matcher(pattern, i):
        if callable(pattern):
            return pattern
        if not isinstance(pattern, str) or not pattern:
            raise TypeError(f"rules[{i}]: pattern must be a non-empty regex string or a callable.")
        try:
            rx = re.compile(rf"\b(?:{pattern})\b", re.IGNORECASE)
        except re.error as exc:
            raise ValueError(f"rules[{i}]: invalid regex {pattern!r}: {exc}.") from None
        return lambda text: rx.search(text) is not None

    def votes(self, texts) -> np.ndarray:
        """Rule votes per text and class, shape (n, k)."""
        k = len(self.label_names)
        out = np.zeros((len(texts), k))
        for j, text in enumerate(texts):
            for match, label in self.rules:
                if match(text):
                    out[j, label] += 1
        return out

    def _predict_proba(self, views):
        v = self.votes(views.require("texts", by="RuleTeacher"))
        total = v.sum(1, keepdims=True)
        k = v.shape[1]
        proba = np.where(total > 0, v / np.maximum(total, 1), 1.0 / k)
        top = np.sort(v, axis=1)
        tie = (top[:, -1] == top[:, -2]) if k > 1 else np.zeros(len(v), bool)
        covered = (total[:, 0] > 0) & ~tie
        proba[~covered] = 1.0 / k
        return proba, covered


class FixedTeacher(Teacher):
    """User-supplied pseudolabels: class indices (n,) or probabilities (n, k).

    Parameters
    ----------
    labels_or_proba : array of shape (n,) or (n, k)
        Class indices use -1 for "no label" (abstain).
    covered : array of shape (n,) bool, optional
    abstain_below : float or None
    """

    def __init__(self, labels_or_proba, *, covered=None, abstain_below=None):
        self.values = np.asarray(labels_or_proba)
        self.covered = None if covered is None else np.asarray(covered, dtype=bool)
        self.abstain_below = _abstain(abstain_below)

    def _predict_proba(self, views):
        n, k = views.n_rows, views.n_classes
        if len(self.values) != n:
            raise ValueError(f"FixedTeacher has {len(self.values)} pseudolabels but the dataset has {n} examples.")
        if self.values.ndim == 2:
            proba = check_proba(self.values, name="pseudolabel probabilities", n_classes=k)
            covered = np.ones(n, dtype=bool)
        else:
            raw = np.asarray(self.values)
            abstained = raw == -1
            labels = check_labels(np.where(abstained, 0, raw), n_classes=k, name="pseudolabels")
            proba = np.eye(k)[labels]
            proba[abstained] = 1.0 / k
            covered = ~abstained
        if self.covered is not None:
            if len(self.covered) != n:
                raise ValueError(f"covered has {len(self.covered)} entries for {n} examples.")
            covered = covered & self.covered
        return proba, covered


_KINDS = {"probe": ProbeTeacher, "rules": RuleTeacher, "fixed": FixedTeacher}
#: Teacher names ``make_teacher`` (and ``Experiment(teacher=...)``) accept.
TEACHER_KINDS = tuple(_KINDS)


def make_teacher(kind="probe", **options) -> Teacher:
    """Build a teacher: ``"probe"``, ``"rules"`` (``rules=``, ``label_names=``) or ``"fixed"``."""
    if is_teacher(kind):
        return kind
    if kind not in _KINDS:
        raise ValueError(f"unknown teacher {kind!r}; choose one of {sorted(_KINDS)} or pass a Teacher instance.")
    if kind == "rules":
        if "rules" not in options:
            raise ValueError("teacher='rules' needs teacher_options={'rules': [(pattern, label), ...]}.")
        return RuleTeacher(options.pop("rules"), **options)
    if kind == "fixed":
        if "labels" not in options:
            raise ValueError("teacher='fixed' needs teacher_options={'labels': pseudolabels}.")
        return FixedTeacher(options.pop("labels"), **options)
    options.pop("label_names", None)
    return ProbeTeacher(**options)
