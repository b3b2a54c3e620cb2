"""Ensembles of weak teachers: RAVEN-style adaptive weighting and EnsemW2S-style boosting.

Both are :class:`~workbench.teachers.Teacher` implementations, so they plug into
``Experiment(ds, pair, teacher=...)`` unchanged and the per-point table gains a
``labelled_by`` column (the member with the largest weighted vote on that point).

* :class:`RavenTeacher` (after Jeon et al., RAVEN). Operational form, ours: every member
  is a probe trained on the gold labels of its own weak view; the ensemble's soft label
  is Σ_j w_j P_j with w = softmax(a). The weights are learned *jointly with a strong
  head* on the student-train rows by alternating (i) one epoch of cross-entropy of the
  head to the current mixture and (ii) a weight update w_j ∝ exp(−η · CE(head, P_j)),
  i.e. teachers the strong model can fit (agree with) gain weight. The per-epoch weights
  are kept in ``weights_history_`` (and in ``diagnostics()``). The paper's exact objective and schedule differ.
* :class:`EnsemW2STeacher` (after Agrawal et al., EnsemW2S). AdaBoost (SAMME) over weak
  probes on the gold labels: each round reweights the gold examples the previous probes
  got wrong and adds a probe with vote weight log((1−err)/err) + log(k−1).
"""

from __future__ import annotations

import warnings

import numpy as np

from .._validation import check_matrix
from ..metrics import one_hot
from ..protocol import fit_probe
from ..teachers import Teacher, TeacherOutput, check_fit_args, check_views
from ..train import HeadTrainer, xent_loss

__all__ = ["RavenTeacher", "EnsemW2STeacher"]

_DEFAULT = object()  # RavenTeacher(weak_name=...) not given


def _probe(X, y, k, *, seed, sample_weight=None):
    """The protocol's probe (:func:`workbench.protocol.fit_probe`) on ``X`` / ``y``."""
    if sample_weight is not None:  # weighted resample: boosting through the data the probe sees
        rng = np.random.default_rng(seed)
        p = sample_weight / sample_weight.sum()
        idx = rng.choice(len(X), size=len(X), replace=True, p=p)
        X, y = X[idx], y[idx]
    return fit_probe(X, y, np.arange(len(y)), n_classes=k, seed=seed)


class RavenTeacher(Teacher):
    """Several weak teachers, weighted by how well a strong head can fit each.

    The members are the weak view ``fit`` receives (``views.weak``, named ``weak_name``)
    followed by ``members``; the weights are learned on ``views.strong``.

    Parameters
    ----------
    members : dict of str to ndarray of shape (n, d_j), optional
        More weak views of every row (e.g. cached embeddings of other weak encoders).
    weak_name : str or None, default "weak"
        The name under which ``views.weak`` joins the ensemble (as its first member);
        ``None``: the members are exactly ``members``.
    strong : ndarray of shape (n, d_s), optional
        Deprecated: ``fit`` receives the strong view in ``views.strong``. With it, the
        default ``weak_name`` is ``None`` (the earlier meaning of ``members``: all of them),
        and it is used only when ``views.strong`` is None.
    epochs : int
    eta : float
        Step size of the weight update.
    abstain_below : float or None
    seed : int

    Attributes
    ----------
    member_names_ : list of str
    weights_ : ndarray (m,)
    weights_history_ : list of dict name -> weight, one per epoch

    Notes
    -----
    Transductive: ``predict(views)`` labels the rows ``fit`` saw.
    """

    def __init__(self, members: dict | None = None, *, weak_name=_DEFAULT, strong=None, epochs: int = 20,
                 eta: float = 5.0, abstain_below=None, seed: int = 0):
        self._legacy_strong = None
        if strong is not None:
            warnings.warn("RavenTeacher(strong=...) is deprecated: fit() receives the strong view in views.strong. "
                          "Pass only the extra weak views (the weak view joins as 'weak'), or weak_name=None to keep "
                          "exactly the given members.", DeprecationWarning, stacklevel=2)
            self._legacy_strong = check_matrix(strong, name="strong")
        if weak_name is _DEFAULT:
            weak_name = None if strong is not None else "weak"
        if weak_name is not None and (not isinstance(weak_name, str) or not weak_name):
            raise TypeError(f"weak_name must be a non-empty string or None; got {weak_name!r}.")
        if members is not None and not isinstance(members, dict):
            raise TypeError(f"members must be a dict name -> array (n, d); got {type(members).__name__}.")
        members = dict(members or {})
        if weak_name is not None and weak_name in members:
            raise ValueError(f"members already has {weak_name!r}, the name of the weak view; rename that member or "
                             "pass weak_name=None.")
        if len(members) + (weak_name is not None) < 2:
            raise ValueError("an ensemble needs at least two weak members: pass members={'name': X (n, d)} besides "
                             "the weak view.")
        self.members = {str(k): check_matrix(v, name=f"members[{k!r}]") for k, v in members.items()}
        self.weak_name = weak_name
        self.epochs, self.eta, self.seed = epochs, float(eta), seed
        self.abstain_below = abstain_below

    def _views_of(self, views) -> tuple[dict, np.ndarray]:
        """(members name -> (n, d_j), strong (n, d_s)) for ``views``; ValueError on a row mismatch."""
        weak = {} if self.weak_name is None else {self.weak_name: views.require("weak", by="RavenTeacher")}
        members = {**weak, **self.members}
        strong = views.strong if views.strong is not None else self._legacy_strong
        if strong is None:
            strong = views.require("strong", by="RavenTeacher")
        for name, X in {**members, "strong": strong}.items():
            if len(X) != views.n_rows:
                raise ValueError(f"{name} has {len(X)} rows but the dataset has {views.n_rows}.")
        return members, strong

    def fit(self, views, y, *, gold_index, student_index=None) -> "RavenTeacher":
        import torch

        gold, y = check_fit_args(views, y, gold_index)
        members, strong = self._views_of(views)
        k = views.n_classes
        self.probes_ = {name: _probe(X[gold], y, k, seed=self.seed) for name, X in members.items()}
        P = np.stack([self.probes_[name].predict_proba(X) for name, X in members.items()])  # (m, n, k)
        rows = np.setdiff1d(np.arange(views.n_rows), gold) if student_index is None else np.asarray(student_index)
        a = np.zeros(len(members))
        head = HeadTrainer(epochs=1, seed=self.seed)
        self.weights_history_ = []
        Xs = strong[rows]
        for epoch in range(self.epochs):
            w = np.exp(a - a.max())
            w /= w.sum()
            mixture = np.tensordot(w, P[:, rows], axes=1)
            head.seed = self.seed + epoch
            head.fit(Xs, mixture)
            with torch.no_grad():
                logits = torch.log(torch.as_tensor(head.predict_proba(Xs)).clamp_min(1e-12))
                ce = np.array([float(xent_loss(logits, torch.as_tensor(P[j, rows]))) for j in range(len(w))])
            a = a - self.eta * (ce - ce.mean())
            self.weights_history_.append(dict(zip(members, np.round(w, 6).tolist())))
        w = np.exp(a - a.max())
        self.weights_ = w / w.sum()
        self.member_names_ = list(members)
        self._P = P
        return self

    def diagnostics(self) -> dict:
        """``{"weights": {member: final weight}, "weights_history": [{member: weight}, ...]}``; empty before fit."""
        if not hasattr(self, "weights_"):
            return {}
        return {"weights": {name: float(w) for name, w in zip(self.member_names_, self.weights_)},
                "weights_history": [dict(h) for h in self.weights_history_]}

    def predict(self, views) -> TeacherOutput:
        if not hasattr(self, "weights_"):
            raise ValueError("RavenTeacher is not fitted; call fit(views, y, gold_index=...) first.")
        if check_views(views).n_rows != self._P.shape[1]:
            raise ValueError(f"RavenTeacher labels the {self._P.shape[1]} rows it was fitted on; got views of "
                             f"{views.n_rows} rows.")
        out = super().predict(views)
        votes = self.weights_[:, None, None] * self._P
        names = np.array(self.member_names_, dtype=object)
        out.extra["labelled_by"] = names[votes.max(2).argmax(0)]
        return out

    def _predict_proba(self, views):
        proba = np.tensordot(self.weights_, self._P, axes=1)
        return proba, np.ones(len(proba), dtype=bool)


class EnsemW2STeacher(Teacher):
    """AdaBoost (SAMME) over weak probes trained on the gold labels of one weak view.

    Parameters
    ----------
    n_rounds : int
    abstain_below : float or None
    seed : int

    Attributes
    ----------
    alphas_ : list of float (vote weight per round)
    round_errors_ : list of float (weighted gold error per round)
    """

    def __init__(self, *, n_rounds: int = 5, abstain_below=None, seed: int = 0):
        self.n_rounds, self.abstain_below, self.seed = n_rounds, abstain_below, seed

    def fit(self, views, y, *, gold_index, student_index=None) -> "EnsemW2STeacher":
        gold, y = check_fit_args(views, y, gold_index)
        X, k = views.require("weak", by="EnsemW2STeacher")[gold], views.n_classes
        w = np.full(len(gold), 1.0 / len(gold))
        self.probes_, self.alphas_, self.round_errors_ = [], [], []
        for r in range(self.n_rounds):
            probe = _probe(X, y, k, seed=self.seed + r, sample_weight=None if r == 0 else w)
            wrong = probe.predict(X) != y
            err = float(np.clip(np.sum(w[wrong]), 1e-6, 1 - 1e-6))
            if err >= 1 - 1.0 / k:  # no better than chance on the weighted data: stop
                break
            alpha = np.log((1 - err) / err) + np.log(k - 1)
            self.probes_.append(probe)
            self.alphas_.append(float(alpha))
            self.round_errors_.append(err)
            w = w * np.exp(alpha * wrong)
            w /= w.sum()
        if not self.probes_:
            raise ValueError("EnsemW2S: the first weak probe is no better than chance on the gold labels.")
        self.k_ = k
        return self

    def diagnostics(self) -> dict:
        """``{"alphas": [...], "round_errors": [...]}`` (vote weight and weighted gold error per round)."""
        return {"alphas": list(self.alphas_), "round_errors": list(self.round_errors_)} if hasattr(self, "k_") else {}

    def _predict_proba(self, views):
        if not hasattr(self, "k_"):
            raise ValueError("EnsemW2STeacher is not fitted; call fit(views, y, gold_index=...) first.")
        X_weak = views.require("weak", by="EnsemW2STeacher")
        votes = sum(a * one_hot(p.predict(X_weak), self.k_) for a, p in zip(self.alphas_, self.probes_))
        proba = votes / votes.sum(1, keepdims=True)
        return proba, np.ones(len(proba), dtype=bool)
