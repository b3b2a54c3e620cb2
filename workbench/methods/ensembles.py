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
  are kept in ``weights_history_``. The paper's exact objective and schedule differ.
* :class:`EnsemW2STeacher` (after Agrawal et al., EnsemW2S). AdaBoost (SAMME) over weak
  probes on the gold labels: each round reweights the gold examples the previous probes
  got wrong and adds a probe with vote weight log((1−err)/err) + log(k−1).
"""

from __future__ import annotations

import numpy as np

from .._validation import check_matrix
from ..metrics import one_hot
from ..protocol import fit_probe
from ..teachers import Teacher, TeacherOutput
from ..train import HeadTrainer, xent_loss

__all__ = ["RavenTeacher", "EnsemW2STeacher"]


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

    Parameters
    ----------
    members : dict of str to ndarray of shape (n, d_j)
        Weak views of every row (e.g. cached embeddings of several weak encoders).
    strong : ndarray of shape (n, d_s)
        Strong features used to learn the weights.
    epochs : int
    eta : float
        Step size of the weight update.
    abstain_below : float or None
    seed : int

    Attributes
    ----------
    weights_ : ndarray (m,)
    weights_history_ : list of dict name -> weight, one per epoch
    """

    def __init__(self, members: dict, *, strong, epochs: int = 20, eta: float = 5.0, abstain_below=None,
                 seed: int = 0):
        if len(members) < 2:
            raise ValueError("an ensemble needs at least two weak members.")
        self.members = {str(k): check_matrix(v, name=f"members[{k!r}]") for k, v in members.items()}
        self.strong = check_matrix(strong, name="strong")
        self.epochs, self.eta, self.seed = epochs, float(eta), seed
        self.abstain_below = abstain_below

    def fit(self, dataset, X_weak, gold_index, *, student_index=None) -> "RavenTeacher":
        import torch

        gold = np.asarray(gold_index)
        y, k = dataset.labels, dataset.n_classes
        self._check_rows(len(dataset))
        self.probes_ = {name: _probe(X[gold], y[gold], k, seed=self.seed) for name, X in self.members.items()}
        P = np.stack([self.probes_[name].predict_proba(X) for name, X in self.members.items()])  # (m, n, k)
        rows = np.setdiff1d(np.arange(len(dataset)), gold) if student_index is None else np.asarray(student_index)
        a = np.zeros(len(self.members))
        head = HeadTrainer(epochs=1, seed=self.seed)
        self.weights_history_ = []
        Xs = self.strong[rows]
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
            self.weights_history_.append(dict(zip(self.members, np.round(w, 6).tolist())))
        w = np.exp(a - a.max())
        self.weights_ = w / w.sum()
        self._P = P
        return self

    def _check_rows(self, n):
        for name, X in {**self.members, "strong": self.strong}.items():
            if len(X) != n:
                raise ValueError(f"{name} has {len(X)} rows but the dataset has {n}.")

    def predict(self, dataset, X_weak) -> TeacherOutput:
        if not hasattr(self, "weights_"):
            raise ValueError("RavenTeacher is not fitted; call fit(dataset, X_weak, gold_index) first.")
        out = super().predict(dataset, X_weak)
        votes = self.weights_[:, None, None] * self._P
        names = np.array(list(self.members), dtype=object)
        out.extra["labelled_by"] = names[votes.max(2).argmax(0)]
        return out

    def _predict_proba(self, dataset, X_weak):
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

    def fit(self, dataset, X_weak, gold_index, *, student_index=None) -> "EnsemW2STeacher":
        gold = np.asarray(gold_index)
        X, y, k = np.asarray(X_weak)[gold], dataset.labels[gold], dataset.n_classes
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

    def _predict_proba(self, dataset, X_weak):
        votes = sum(a * one_hot(p.predict(X_weak), self.k_) for a, p in zip(self.alphas_, self.probes_))
        proba = votes / votes.sum(1, keepdims=True)
        return proba, np.ones(len(proba), dtype=bool)
