"""Selective W2S (after Lang, Huang & Li) and pseudolabel filtering (after Shi et al.).

Both wrap a base teacher (default: the weak probe) and change its pseudolabels; the
per-point table gains a ``label_source`` column.

* :class:`SelectiveTeacher` — our operational form of selective W2S: a *P(IK)* probe
  ("does the strong model know this example?") is a logistic probe on strong features
  predicting whether a strong probe trained on half of the gold labels is right on the
  other half (cross-fitted both ways). Where P(IK) ≥ ``pik_threshold`` the strong probe's
  own label replaces the weak one (``strong_self``); the remaining weak labels are
  refined by label propagation over a kNN graph of strong features — each label becomes
  the (1 − ``smooth``)·own + ``smooth``·neighbour-average soft label, iterated — and a
  point whose argmax changes is marked ``smoothed``. The paper prompts an LLM for P(IK);
  we have frozen encoders, so the "strong model's own answer" is a few-shot strong probe.
* :class:`FilteredTeacher` — overfitting control: the ``drop_share`` least confident pseudolabels
  and *disputed* ones (the teacher disagrees with a strong probe cross-fitted on the
  teacher's own labels) are marked uncovered, so the student does not train on them.
"""

from __future__ import annotations

import warnings

import numpy as np

from .._validation import check_matrix
from ..metrics import one_hot
from ..protocol import fit_probe
from ..teachers import ProbeTeacher, Teacher, TeacherOutput, check_fit_args, labels_by_row, least_confident

__all__ = ["SelectiveTeacher", "FilteredTeacher", "smooth_labels"]


def smooth_labels(proba, graph, *, smooth: float = 0.5, n_iter: int = 10, fixed=None) -> np.ndarray:
    """Label propagation: P ← (1 − s)·P0 + s·(neighbour mean of P), ``n_iter`` times.

    Parameters
    ----------
    proba : ndarray (n, k)
    graph : sparse (n, n) adjacency (kNN)
    fixed : bool mask (n,), optional; rows kept at their initial labels
    """
    P0 = np.asarray(proba, dtype=float)
    deg = np.asarray(graph.sum(1)).ravel()
    deg[deg == 0] = 1
    P = P0.copy()
    for _ in range(n_iter):
        neigh = (graph @ P) / deg[:, None]
        P = (1 - smooth) * P0 + smooth * neigh
        if fixed is not None:
            P[fixed] = P0[fixed]
    return P / P.sum(1, keepdims=True)


def _strong_probe(X, y, k, seed):
    return fit_probe(X, y, np.arange(len(y)), n_classes=k, seed=seed)


def _legacy_strong(owner: str, strong):
    """The deprecated ``strong=`` constructor argument, validated (``None`` when not given)."""
    if strong is None:
        return None
    warnings.warn(f"{owner}(strong=...) is deprecated: fit() receives the strong view in views.strong (it is used "
                  "only when views.strong is None).", DeprecationWarning, stacklevel=3)
    return check_matrix(strong, name="strong")


def _strong_of(views, legacy, owner: str) -> np.ndarray:
    """``views.strong`` (or the deprecated constructor array); ValueError if neither or a row mismatch."""
    strong = views.strong if views.strong is not None else legacy
    if strong is None:
        strong = views.require("strong", by=owner)
    if len(strong) != views.n_rows:
        raise ValueError(f"strong has {len(strong)} rows but the dataset has {views.n_rows}.")
    return strong


class SelectiveTeacher(Teacher):
    """Weak labels replaced by the strong model's own where it "knows", the rest smoothed.

    Needs ``views.strong`` (and what ``base`` needs, by default ``views.weak``).
    Transductive: ``predict(views)`` labels the rows ``fit`` saw.

    Parameters
    ----------
    base : Teacher, optional (default ProbeTeacher)
    pik_threshold : float
    k_neighbors : int
    smooth : float in [0, 1)
    seed : int
    strong : ndarray (n, d_s), optional
        Deprecated: ``fit`` receives it in ``views.strong``.

    Attributes
    ----------
    strong_ : ndarray (n, d_s)
        The strong view of the fit.
    strong_probe_, pik_probe_ : HeadTrainer
    """

    def __init__(self, *, base=None, pik_threshold: float = 0.8, k_neighbors: int = 10, smooth: float = 0.5,
                 abstain_below=None, seed: int = 0, strong=None):
        self._legacy_strong = _legacy_strong("SelectiveTeacher", strong)
        self.base = base if base is not None else ProbeTeacher(seed=seed)
        self.pik_threshold, self.k_neighbors, self.smooth = pik_threshold, k_neighbors, smooth
        self.abstain_below, self.seed = abstain_below, seed

    def fit(self, views, y, *, gold_index, student_index=None) -> "SelectiveTeacher":
        gold, y_gold = check_fit_args(views, y, gold_index)
        strong, k = _strong_of(views, self._legacy_strong, "SelectiveTeacher"), views.n_classes
        y = labels_by_row(views.n_rows, gold, y_gold)
        self.base.fit(views, y_gold, gold_index=gold, student_index=student_index)
        rng = np.random.default_rng(self.seed)
        halves = np.array_split(rng.permutation(gold), 2)
        knows, rows = [], []
        for a, b in (halves, halves[::-1]):  # cross-fitted correctness of the strong probe
            probe = _strong_probe(strong[a], y[a], k, self.seed)
            knows.append(probe.predict(strong[b]) == y[b])
            rows.append(b)
        rows, knows = np.concatenate(rows), np.concatenate(knows).astype(int)
        self.strong_ = strong
        self.strong_probe_ = _strong_probe(strong[gold], y[gold], k, self.seed)
        if len(np.unique(knows)) < 2:  # the strong probe is always (or never) right on gold
            self.pik_probe_, self.pik_constant_ = None, float(knows.mean())
        else:
            self.pik_probe_ = _strong_probe(strong[rows], knows, 2, self.seed)
        return self

    def pik(self) -> np.ndarray:
        """P(IK) of every row of the fit, shape (n,)."""
        if not hasattr(self, "strong_"):
            raise ValueError("SelectiveTeacher is not fitted; call fit(views, y, gold_index=...) first.")
        if self.pik_probe_ is None:
            return np.full(len(self.strong_), self.pik_constant_)
        return self.pik_probe_.predict_proba(self.strong_)[:, 1]

    def predict(self, views) -> TeacherOutput:
        from ..theory.expansion import knn_graph

        knows = self.pik() >= self.pik_threshold
        strong = self.strong_
        if views.n_rows != len(strong):
            raise ValueError(f"SelectiveTeacher labels the {len(strong)} rows it was fitted on; got views of "
                             f"{views.n_rows} rows.")
        base = self.base.predict(views)
        k = views.n_classes
        self_label = self.strong_probe_.predict(strong)
        proba = base.proba.copy()
        proba[knows] = one_hot(self_label[knows], k)
        graph = knn_graph(strong, k=min(self.k_neighbors, len(strong) - 1))
        smoothed = smooth_labels(proba, graph, smooth=self.smooth, fixed=knows)
        changed = ~knows & (smoothed.argmax(1) != proba.argmax(1))
        source = np.where(knows, "strong_self", np.where(changed, "smoothed", "weak")).astype(object)
        covered = base.covered | knows
        if self.abstain_below is not None:
            covered &= smoothed.max(1) >= self.abstain_below
        return TeacherOutput(proba=smoothed, covered=covered, extra={"label_source": source})


class FilteredTeacher(Teacher):
    """Drop low-confidence and disputed pseudolabels (mark them uncovered).

    Needs ``views.strong`` (and what ``base`` needs, by default ``views.weak``).

    Parameters
    ----------
    base : Teacher, optional (default ProbeTeacher)
    drop_share : float in [0, 1)
    min_confidence : float
    drop_disputed : bool
    seed : int
    strong : ndarray (n, d_s), optional
        Deprecated: ``fit`` receives it in ``views.strong``.
    """

    def __init__(self, *, base=None, drop_share: float = 0.3, min_confidence: float | None = None,
                 drop_disputed: bool = True, seed: int = 0, strong=None):
        self._legacy_strong = _legacy_strong("FilteredTeacher", strong)
        self.base = base if base is not None else ProbeTeacher(seed=seed)
        if not 0 <= drop_share < 1:
            raise ValueError(f"drop_share must be in [0, 1); got {drop_share!r}.")
        self.drop_share, self.min_confidence = float(drop_share), min_confidence
        self.drop_disputed, self.seed = drop_disputed, seed

    def fit(self, views, y, *, gold_index, student_index=None) -> "FilteredTeacher":
        gold, y = check_fit_args(views, y, gold_index)
        self.strong_ = _strong_of(views, self._legacy_strong, "FilteredTeacher")
        self.base.fit(views, y, gold_index=gold, student_index=student_index)
        self.student_index_ = None if student_index is None else np.asarray(student_index)
        return self

    def predict(self, views) -> TeacherOutput:
        if not hasattr(self, "strong_"):
            raise ValueError("FilteredTeacher is not fitted; call fit(views, y, gold_index=...) first.")
        base = self.base.predict(views)
        labels = base.proba.argmax(1)
        conf = base.proba.max(1)
        confident = ~least_confident(conf, self.drop_share, among=base.covered)
        if self.min_confidence is not None:
            confident &= conf >= self.min_confidence
        disputed = np.zeros(len(labels), dtype=bool)
        if self.drop_disputed:
            disputed = self.cross_fit_disagreement(labels, views.n_classes)
        covered = base.covered & confident & ~disputed
        source = np.where(~confident, "low_confidence", np.where(disputed, "disputed", "kept")).astype(object)
        return TeacherOutput(proba=base.proba, covered=covered, extra={"label_source": source})

    def cross_fit_disagreement(self, labels, k) -> np.ndarray:
        """True where a strong probe trained on the *other* half of the teacher's labels disagrees."""
        rows = self.student_index_ if self.student_index_ is not None else np.arange(len(labels))
        rng = np.random.default_rng(self.seed)
        a, b = np.array_split(rng.permutation(rows), 2)
        out = np.zeros(len(labels), dtype=bool)
        for fit_rows, eval_rows in ((a, b), (b, a)):
            probe = _strong_probe(self.strong_[fit_rows], labels[fit_rows], k, self.seed)
            out[eval_rows] = probe.predict(self.strong_[eval_rows]) != labels[eval_rows]
        return out
