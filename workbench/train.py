"""Heads on frozen embeddings: the weak probe, the student and the ceiling.

:class:`HeadTrainer` is scikit-learn style (params in ``__init__``, ``fit`` returns
self, learned attributes end in ``_``, per-epoch ``history_``) and takes callbacks:
objects with ``on_epoch_end(record) -> bool`` (or plain callables); ``True`` stops
training after that epoch. It is one implementation of the student interface
(``fit`` with callbacks, ``predict_proba``, ``history_``); other students (fine-tuning,
remote engines) can implement the same three members.

Losses share one signature ``loss(logits, targets, step_frac)`` (openai/weak-to-strong):
``xent`` is cross-entropy against the target distribution; ``logconf`` is Burns et
al.'s auxiliary confidence loss, whose weight ramps linearly
``min(1, step_frac / warmup_frac) * aux_weight`` (DESIGN.md §2).
"""

from __future__ import annotations

import contextlib
import math
from dataclasses import dataclass, field

import numpy as np
import torch
import torch.nn.functional as F

from ._validation import check_choice, check_int, check_matrix, check_proba

__all__ = ["EpochRecord", "HeadTrainer", "xent_loss", "logconf_loss", "logconf_weight", "LOSSES"]


@dataclass
class EpochRecord:
    """What one epoch of training produced.

    Attributes
    ----------
    epoch : int (1-based)
    n_epochs : int
    train_loss : float
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


def logconf_weight(step_frac: float, *, aux_weight: float = 0.5, warmup_frac: float = 0.1) -> float:
    """Weight of the auxiliary confidence term: ``min(1, step_frac / warmup_frac) * aux_weight``."""
    if warmup_frac <= 0:
        return float(aux_weight)
    return float(min(1.0, step_frac / warmup_frac) * aux_weight)


def xent_loss(logits, targets, step_frac: float = 0.0, **_):
    """Cross-entropy of ``logits`` (b, k) against target distributions ``targets`` (b, k)."""
    return -(targets * F.log_softmax(logits, dim=-1)).sum(-1).mean()


def _hardened(preds, targets):
    """The student's own predictions made hard (Burns et al.).

    Binary: threshold p(class 0) at the batch quantile given by the teacher's mean
    probability of class 1, so the hardened labels keep the teacher's class balance (as
    the reference code does). More classes: one-hot argmax (our generalisation).
    """
    k = preds.shape[1]
    if k == 2:
        threshold = torch.quantile(preds[:, 0], targets.mean(0)[1].clamp(0, 1))
        hard0 = (preds[:, 0] >= threshold).float()
        return torch.stack([hard0, 1 - hard0], dim=1)
    return F.one_hot(preds.argmax(1), k).float()


def logconf_loss(logits, targets, step_frac: float, *, aux_weight: float = 0.5, warmup_frac: float = 0.1):
    """Auxiliary confidence loss: CE(logits, (1 − α)·targets + α·hardened own predictions)."""
    alpha = logconf_weight(step_frac, aux_weight=aux_weight, warmup_frac=warmup_frac)
    preds = torch.softmax(logits.detach(), dim=-1)
    mixed = targets * (1 - alpha) + _hardened(preds, targets) * alpha
    return xent_loss(logits, mixed)


LOSSES = {"xent": xent_loss, "logconf": logconf_loss}


def _build_head(kind: str, d: int, k: int, hidden: int) -> torch.nn.Module:
    if kind == "linear":
        return torch.nn.Linear(d, k)
    return torch.nn.Sequential(torch.nn.Linear(d, hidden), torch.nn.ReLU(), torch.nn.Linear(hidden, k))


@contextlib.contextmanager
def _threads_for(n_values: int):
    """One torch thread for small heads (thread start-up dominates their tiny matmuls, and a
    busy machine makes multi-threaded small fits much slower); restored afterwards."""
    before = torch.get_num_threads()
    small = n_values < 2_000_000
    if small and before > 1:
        torch.set_num_threads(1)
    try:
        yield
    finally:
        if small and before > 1:
            torch.set_num_threads(before)


def _call_callback(cb, record) -> bool:
    fn = getattr(cb, "on_epoch_end", None)
    fn = fn if fn is not None else cb
    if not callable(fn):
        raise TypeError(f"callback {cb!r} has no on_epoch_end(record) and is not callable.")
    return bool(fn(record))


class HeadTrainer:
    """Train a linear or small-MLP head on frozen features.

    Parameters
    ----------
    head : {"linear", "mlp"}
    hidden : int
        Hidden units of the MLP head.
    loss : {"xent", "logconf"}
    targets : {"soft", "hard"}
        Train on the given probability rows, or on their one-hot argmax.
    epochs : int
    lr, weight_decay : float
        AdamW settings.
    batch_size : int
    aux_weight, warmup_frac : float
        ``logconf`` settings (Burns et al.: 0.5 and 0.1).
    patience : int or None
        Early stopping on the validation loss (against teacher labels); restores the best epoch.
    standardize : bool
        Standardise features with the training mean/std.
    seed : int
    device : str

    Attributes
    ----------
    model_ : torch.nn.Module
    history_ : list of EpochRecord
    best_epoch_ : int
    stopped_early_ : bool
        Stopped before ``epochs`` (early stopping, a callback or the stop event).
    """

    def __init__(self, *, head: str = "linear", hidden: int = 256, loss: str = "xent", targets: str = "soft",
                 epochs: int = 30, lr: float = 5e-3, weight_decay: float = 1e-2, batch_size: int = 256,
                 aux_weight: float = 0.5, warmup_frac: float = 0.1, patience: int | None = None,
                 standardize: bool = True, seed: int = 0, device: str = "cpu"):
        self.head = check_choice(head, name="head", choices=("linear", "mlp"))
        self.hidden = check_int(hidden, name="hidden", minimum=1)
        self.loss = check_choice(loss, name="loss", choices=tuple(LOSSES))
        self.targets = check_choice(targets, name="targets", choices=("soft", "hard"))
        self.epochs = check_int(epochs, name="epochs", minimum=1)
        self.lr, self.weight_decay = float(lr), float(weight_decay)
        self.batch_size = check_int(batch_size, name="batch_size", minimum=1)
        self.aux_weight, self.warmup_frac = float(aux_weight), float(warmup_frac)
        self.patience = None if patience is None else check_int(patience, name="patience", minimum=1)
        self.standardize = bool(standardize)
        self.seed = check_int(seed, name="seed", minimum=0)
        self.device = device

    def __repr__(self) -> str:
        return (f"HeadTrainer(head={self.head!r}, loss={self.loss!r}, targets={self.targets!r}, "
                f"epochs={self.epochs}, lr={self.lr}, weight_decay={self.weight_decay})")

    # ------------------------------------------------------------------ fit
    def fit(self, X, y_proba, *, X_val=None, y_val_proba=None, X_eval=None, callbacks=(), on_record=None,
            stop_event=None) -> "HeadTrainer":
        """Train on ``X`` (n, d) with target rows ``y_proba`` (n, k).

        Parameters
        ----------
        X_val, y_val_proba : arrays (m, d), (m, k), optional
            Validation data for ``val_loss`` and early stopping (teacher-labelled).
        X_eval : array (n_eval, d), optional
            Held-out points whose probabilities go into each ``EpochRecord.proba``.
        callbacks : sequence
            ``on_epoch_end(record) -> bool`` objects or callables; True stops training.
        on_record : callable, optional
            Called with each record before the callbacks (used to fill ``record.metrics``).
        stop_event : threading.Event, optional
            Checked after each epoch; set = stop.
        """
        X = check_matrix(X, name="X")
        Y = check_proba(y_proba, name="y_proba")
        if len(X) != len(Y):
            raise ValueError(f"lengths differ: X has {len(X)} rows, y_proba has {len(Y)}.")
        self.n_features_in_, self.n_classes_ = X.shape[1], Y.shape[1]
        if self.targets == "hard":
            Y = np.eye(self.n_classes_)[Y.argmax(1)]
        val = self._check_pair(X_val, y_val_proba, "X_val", "y_val_proba")
        X_eval = None if X_eval is None else self._check_features(X_eval, "X_eval")
        self.mean_ = X.mean(0) if self.standardize else np.zeros(X.shape[1], np.float32)
        self.std_ = (X.std(0) + 1e-6) if self.standardize else np.ones(X.shape[1], np.float32)
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(self.seed)
            self.model_ = _build_head(self.head, X.shape[1], self.n_classes_, self.hidden).to(self.device)
        with _threads_for(X.size):
            self._train_loop(self._tensor(X), torch.as_tensor(Y, dtype=torch.float32, device=self.device),
                             val, X_eval, list(callbacks), on_record, stop_event)
        return self

    def _train_loop(self, Xt, Yt, val, X_eval, callbacks, on_record, stop_event):
        opt = torch.optim.AdamW(self.model_.parameters(), lr=self.lr, weight_decay=self.weight_decay)
        gen = torch.Generator().manual_seed(self.seed)
        n = len(Xt)
        steps_per_epoch = math.ceil(n / self.batch_size)
        total = steps_per_epoch * self.epochs
        self.history_, self.stopped_early_, self.best_epoch_ = [], False, self.epochs
        best = (math.inf, None)
        bad_epochs, step = 0, 0
        for epoch in range(1, self.epochs + 1):
            self.model_.train()
            order = torch.randperm(n, generator=gen)
            losses = []
            for start in range(0, n, self.batch_size):
                idx = order[start:start + self.batch_size]
                loss = self._loss(self.model_(Xt[idx]), Yt[idx], step / total)
                opt.zero_grad()
                loss.backward()
                opt.step()
                losses.append(float(loss.detach()) * len(idx))
                step += 1
            record = self._record(epoch, sum(losses) / n, val, X_eval)
            if self.patience is not None and val is not None:
                if record.val_loss < best[0] - 1e-6:
                    best, bad_epochs = (record.val_loss, self._state()), 0
                    self.best_epoch_ = epoch
                else:
                    bad_epochs += 1
            stop = self._notify(record, callbacks, on_record, stop_event)
            if self.patience is not None and val is not None and bad_epochs >= self.patience:
                stop = True
            if stop:
                self.stopped_early_ = epoch < self.epochs
                break
        if best[1] is not None:
            self.model_.load_state_dict(best[1])

    def _loss(self, logits, targets, step_frac):
        if self.loss == "logconf":
            return logconf_loss(logits, targets, step_frac, aux_weight=self.aux_weight, warmup_frac=self.warmup_frac)
        return xent_loss(logits, targets, step_frac)

    def _record(self, epoch, train_loss, val, X_eval) -> EpochRecord:
        val_loss = None
        if val is not None:
            with torch.inference_mode():
                self.model_.eval()
                val_loss = float(xent_loss(self.model_(self._tensor(val[0])),
                                           torch.as_tensor(val[1], dtype=torch.float32, device=self.device)))
        proba = None if X_eval is None else self.predict_proba(X_eval)
        metrics = {"train_loss": float(train_loss)}
        if val_loss is not None:
            metrics["val_loss"] = val_loss
        return EpochRecord(epoch=epoch, n_epochs=self.epochs, train_loss=float(train_loss), val_loss=val_loss,
                           proba=proba, metrics=metrics)

    def _notify(self, record, callbacks, on_record, stop_event) -> bool:
        if on_record is not None:
            on_record(record)
        self.history_.append(record)
        stop = False
        for cb in callbacks:
            stop = _call_callback(cb, record) or stop
        return stop or (stop_event is not None and stop_event.is_set())

    def _state(self):
        return {k: v.detach().clone() for k, v in self.model_.state_dict().items()}

    # -------------------------------------------------------------- predict
    def predict_proba(self, X) -> np.ndarray:
        """Class probabilities, shape (n, k) float64."""
        if not hasattr(self, "model_"):
            raise ValueError("this HeadTrainer is not fitted yet; call fit(X, y_proba) first.")
        X = self._check_features(X, "X")
        self.model_.eval()
        with torch.inference_mode():
            logits = self.model_(self._tensor(X))
        return torch.softmax(logits.double(), dim=-1).cpu().numpy()

    def predict(self, X) -> np.ndarray:
        """Most probable class, shape (n,)."""
        return self.predict_proba(X).argmax(1)

    # -------------------------------------------------------------- helpers
    def _tensor(self, X):
        return torch.as_tensor((X - self.mean_) / self.std_, dtype=torch.float32, device=self.device)

    def _check_features(self, X, name):
        X = check_matrix(X, name=name)
        if hasattr(self, "n_features_in_") and X.shape[1] != self.n_features_in_:
            raise ValueError(f"{name} has {X.shape[1]} features but the head was fitted on {self.n_features_in_}.")
        return X

    def _check_pair(self, X, Y, xname, yname):
        if X is None and Y is None:
            return None
        if X is None or Y is None:
            raise ValueError(f"pass both {xname} and {yname}, or neither.")
        X = self._check_features(X, xname)
        Y = check_proba(Y, name=yname, n_classes=self.n_classes_)
        if len(X) != len(Y):
            raise ValueError(f"lengths differ: {xname} has {len(X)} rows, {yname} has {len(Y)}.")
        if len(X) == 0:
            return None
        return X, (np.eye(self.n_classes_)[Y.argmax(1)] if self.targets == "hard" else Y)
