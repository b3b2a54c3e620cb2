"""Heads on frozen embeddings: the weak probe, the student and the ceiling.

:class:`HeadTrainer` is scikit-learn style (params in ``__init__``, ``fit`` returns
self, learned attributes end in ``_``, per-epoch ``history_``) and takes callbacks:
objects with ``on_epoch_end(record) -> bool`` (or plain callables); ``True`` stops
training after that epoch. It is one implementation of the student interface
(``fit`` with callbacks, ``predict_proba``, ``history_``); other students (fine-tuning,
remote engines) implement the same members.

The default optimiser is full-batch L-BFGS on an L2-regularised objective, the same
objective as scikit-learn's ``LogisticRegression(C=...)``:

    mean_i CE(f(x_i), t_i) + ||W||² / (2·C·n)        (biases are not penalised)

so the head converges to the same optimum, and each "epoch" is ``iters_per_epoch``
L-BFGS iterations: the per-epoch curves follow one convex descent instead of the
minibatch noise of SGD (docs/science.md, "The student trainer"). ``optimizer="adamw"``
keeps the minibatch AdamW path (for MLP heads on very large data). A linear head on CPU
runs its L-BFGS epochs in NumPy (:mod:`workbench._linear_lbfgs`: the same algorithm, with
the objective as two BLAS products and no torch thread pool in the loop); MLP heads, AdamW
and other devices use torch.

Losses share one signature ``loss(logits, targets, step_frac)`` (openai/weak-to-strong):
``xent`` is cross-entropy against the target distribution; ``logconf`` is Burns et
al.'s auxiliary confidence loss. Its weight follows ``warmup="linear"`` (ours:
``min(1, step_frac / warmup_frac) · aux_weight``) or ``warmup="reference"``
(openai/weak-to-strong exactly: ``step_frac · aux_weight`` up to ``warmup_frac``, then a
jump to ``aux_weight``).
"""

from __future__ import annotations

import contextlib
import math

import numpy as np
import torch
import torch.nn.functional as F

from . import _linear_lbfgs
from ._lbfgs_closure import CachedClosure
from ._validation import check_choice, check_int, check_matrix, check_proba
from .records import EpochRecord, TrainingStart  # defined without torch; re-exported here

__all__ = ["EpochRecord", "TrainingStart", "HeadTrainer", "notify", "xent_loss", "logconf_loss", "logconf_weight",
           "LOSSES"]


def logconf_weight(step_frac: float, *, aux_weight: float = 0.5, warmup_frac: float = 0.1,
                   warmup: str = "linear") -> float:
    """Weight α of the auxiliary confidence term at ``step_frac`` ∈ [0, 1].

    ``warmup="linear"`` (ours): ``min(1, step_frac / warmup_frac) · aux_weight``.
    ``warmup="reference"`` (openai/weak-to-strong ``logconf_loss_fn``):
    ``(1 if step_frac > warmup_frac else step_frac) · aux_weight`` — it rises to
    ``warmup_frac · aux_weight`` and then jumps to ``aux_weight``.
    """
    if warmup == "reference":
        return float((1.0 if step_frac > warmup_frac else step_frac) * aux_weight)
    if warmup != "linear":
        raise ValueError(f"warmup must be 'linear' or 'reference'; got {warmup!r}.")
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


def _logconf_targets(logits, targets, alpha):
    preds = torch.softmax(logits.detach(), dim=-1)
    return targets * (1 - alpha) + _hardened(preds, targets) * alpha


def logconf_loss(logits, targets, step_frac: float, *, aux_weight: float = 0.5, warmup_frac: float = 0.1,
                 warmup: str = "linear"):
    """Auxiliary confidence loss: CE(logits, (1 − α)·targets + α·hardened own predictions)."""
    alpha = logconf_weight(step_frac, aux_weight=aux_weight, warmup_frac=warmup_frac, warmup=warmup)
    return xent_loss(logits, _logconf_targets(logits, targets, alpha))


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


def notify(history: list, record, callbacks, on_record, stop_event) -> bool:
    """One epoch's bookkeeping, shared by every student: ``on_record`` fills the record, it joins
    ``history``, every callback sees it; True when one of them (or ``stop_event``) asks to stop."""
    if on_record is not None:
        on_record(record)
    history.append(record)
    stop = False
    for cb in callbacks:
        stop = _call_callback(cb, record) or stop
    return stop or (stop_event is not None and stop_event.is_set())


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
    optimizer : {"lbfgs", "adamw"}, default "lbfgs"
        Full-batch L-BFGS on the L2-regularised objective (converges to scikit-learn's
        ``LogisticRegression`` optimum for a linear head), or minibatch AdamW.
    epochs : int, default 30
        Number of records (and callback calls). With L-BFGS one epoch is
        ``iters_per_epoch`` iterations over the whole training set.
    C : float, default 1.0
        Inverse L2 strength, as in scikit-learn: penalty ``||W||² / (2·C·n)`` (L-BFGS).
    iters_per_epoch : int, default 4
        L-BFGS iterations per epoch.
    tol : float, default 1e-7
        L-BFGS stops (and later epochs only record) once the largest absolute gradient of
        the penalised objective is at most ``tol``, or an epoch changes the objective by
        less than float32 resolves. scikit-learn's ``LogisticRegression`` uses the same
        gradient criterion with ``tol=1e-4``: that reaches its accuracy in its number of
        iterations (``benchmarks/bench_train.py``); the tighter default runs to the optimum.
    lr, weight_decay, batch_size : AdamW settings (``optimizer="adamw"`` only).
    aux_weight, warmup_frac : float
        ``logconf`` settings (Burns et al.: 0.5 and 0.1).
    warmup : {"linear", "reference"}
        ``logconf`` warm-up shape (:func:`logconf_weight`).
    patience : int or None
        Early stopping on the validation loss (against teacher labels); restores the
        best epoch. Needs validation data in ``fit``.
    standardize : bool, default False
        Standardise features with the training mean/std (off by default: at small n and
        large d it overfits, and it rescales the L2 penalty).
    seed : int
    device : str

    Attributes
    ----------
    model_ : torch.nn.Module
    history_ : list of EpochRecord
    best_epoch_ : int
        The epoch whose weights the head keeps (the last trained one unless early
        stopping restored an earlier one).
    stopped_early_ : bool
        Stopped before ``epochs`` (early stopping, a callback or the stop event).
    n_iter_ : int
        Optimiser iterations run (L-BFGS iterations or AdamW steps).
    """

    #: Linear L-BFGS heads on CPU train in NumPy; False forces the torch path (tests compare them).
    _numpy_lbfgs = True

    def __init__(self, *, head: str = "linear", hidden: int = 256, loss: str = "xent", targets: str = "soft",
                 optimizer: str = "lbfgs", epochs: int = 30, C: float = 1.0, iters_per_epoch: int = 4,
                 tol: float = 1e-7,
                 lr: float = 5e-3, weight_decay: float = 1e-2, batch_size: int = 256, aux_weight: float = 0.5,
                 warmup_frac: float = 0.1, warmup: str = "linear", patience: int | None = None,
                 standardize: bool = False, seed: int = 0, device: str = "cpu"):
        self.head = check_choice(head, name="head", choices=("linear", "mlp"))
        self.hidden = check_int(hidden, name="hidden", minimum=1)
        self.loss = check_choice(loss, name="loss", choices=tuple(LOSSES))
        self.targets = check_choice(targets, name="targets", choices=("soft", "hard"))
        self.optimizer = check_choice(optimizer, name="optimizer", choices=("lbfgs", "adamw"))
        self.epochs = check_int(epochs, name="epochs", minimum=1)
        self.C = _check_positive(C, "C")
        self.iters_per_epoch = check_int(iters_per_epoch, name="iters_per_epoch", minimum=1)
        self.tol = _check_positive(tol, "tol")
        self.lr, self.weight_decay = _check_positive(lr, "lr"), float(weight_decay)
        self.batch_size = check_int(batch_size, name="batch_size", minimum=1)
        self.aux_weight, self.warmup_frac = float(aux_weight), float(warmup_frac)
        self.warmup = check_choice(warmup, name="warmup", choices=("linear", "reference"))
        self.patience = None if patience is None else check_int(patience, name="patience", minimum=1)
        self.standardize = bool(standardize)
        self.seed = check_int(seed, name="seed", minimum=0)
        self.device = device

    def get_params(self) -> dict:
        """The constructor arguments (scikit-learn style), e.g. to build an equal head."""
        return {name: getattr(self, name) for name in _PARAMS}

    def __repr__(self) -> str:
        defaults = HeadTrainer.__new__(HeadTrainer)
        HeadTrainer.__init__(defaults)
        changed = {k: v for k, v in self.get_params().items() if v != getattr(defaults, k)}
        return "HeadTrainer(" + ", ".join(f"{k}={v!r}" for k, v in changed.items()) + ")"

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
        if len(X) == 0:
            raise ValueError("X has no rows: there is nothing to train on.")
        self.n_features_in_, self.n_classes_ = X.shape[1], Y.shape[1]
        if self.targets == "hard":
            Y = np.eye(self.n_classes_)[Y.argmax(1)]
        val = self._check_pair(X_val, y_val_proba, "X_val", "y_val_proba")
        if self.patience is not None and val is None:
            raise ValueError("patience (early stopping) needs teacher-labelled validation data: pass X_val and "
                             "y_val_proba (Experiment: val_size > 0), or set patience=None.")
        X_eval = None if X_eval is None else self._check_features(X_eval, "X_eval")
        self.mean_ = X.mean(0) if self.standardize else np.zeros(X.shape[1], np.float32)
        self.std_ = (X.std(0) + 1e-6) if self.standardize else np.ones(X.shape[1], np.float32)
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(self.seed)
            self.model_ = _build_head(self.head, X.shape[1], self.n_classes_, self.hidden).to(self.device)
        if _linear_lbfgs.supports(self):  # NumPy epochs; torch only computes the records
            loop = _linear_lbfgs.LinearLbfgsLoop(self, _logconf_targets)
            data = (np.ascontiguousarray((X - self.mean_) / self.std_ if self.standardize else X, np.float32), Y)
        else:
            loop = _LbfgsLoop(self) if self.optimizer == "lbfgs" else _AdamwLoop(self)
            data = (self._tensor(X), torch.as_tensor(Y, dtype=torch.float32, device=self.device))
        with _threads_for(X.size):
            self._train(loop, *data, val, X_eval, list(callbacks), on_record, stop_event)
        return self

    def _train(self, loop, Xt, Yt, val, X_eval, callbacks, on_record, stop_event):
        self.history_, self.stopped_early_, self.n_iter_ = [], False, 0
        best_loss, best_state, bad_epochs = math.inf, None, 0
        for epoch in range(1, self.epochs + 1):
            train_loss = loop.run_epoch(Xt, Yt, epoch)
            self.best_epoch_ = epoch
            record = self._record(epoch, train_loss, val, X_eval)
            if getattr(loop, "objective", None) is not None:
                record.metrics["objective"] = loop.objective
            if self.patience is not None:
                if record.val_loss < best_loss - 1e-6:
                    best_loss, best_state, bad_epochs, best_epoch = record.val_loss, self._state(), 0, epoch
                else:
                    bad_epochs += 1
            stop = self._notify(record, callbacks, on_record, stop_event)
            if self.patience is not None and bad_epochs >= self.patience:
                stop = True
            if stop:
                self.stopped_early_ = epoch < self.epochs
                break
        if best_state is not None:
            self.model_.load_state_dict(best_state)
            self.best_epoch_ = best_epoch

    def _alpha(self, step_frac: float) -> float:
        return logconf_weight(step_frac, aux_weight=self.aux_weight, warmup_frac=self.warmup_frac,
                              warmup=self.warmup)

    def _penalty(self, n: int):
        """||W||² / (2·C·n), doubled for two classes: scikit-learn fits a binary problem with one
        weight vector w = W₁ − W₀, and at the optimum of the symmetric softmax pair
        ||W₀||² + ||W₁||² = ||w||²/2, so doubling gives the same optimum for the same ``C``."""
        weights = [p for name, p in self.model_.named_parameters() if name.endswith("weight")]
        scale = 2.0 if self.n_classes_ == 2 else 1.0
        return scale * sum((w ** 2).sum() for w in weights) / (2.0 * self.C * n)

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
        return notify(self.history_, record, callbacks, on_record, stop_event)

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


_PARAMS = ("head", "hidden", "loss", "targets", "optimizer", "epochs", "C", "iters_per_epoch", "tol", "lr",
           "weight_decay", "batch_size", "aux_weight", "warmup_frac", "warmup", "patience", "standardize",
           "seed", "device")


def _check_positive(value, name):
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) or value <= 0:
        raise ValueError(f"{name} must be a positive finite number; got {value!r}.")
    return float(value)


class _LbfgsLoop:
    """Full-batch L-BFGS epochs. ``logconf`` freezes its mixed targets for each epoch
    (computed from the predictions at the epoch's start, with α at that step fraction) and
    restarts L-BFGS's curvature memory when they change, since L-BFGS needs one fixed
    objective per step."""

    def __init__(self, trainer: HeadTrainer):
        self.t = trainer
        self.opt, self.converged, self.last_loss = None, False, float("nan")
        self.objective = None  # penalised objective after the last epoch
        self._key = self._cached = None

    def _new_optimizer(self):
        return torch.optim.LBFGS(self.t.model_.parameters(), lr=1.0, max_iter=self.t.iters_per_epoch,
                                 max_eval=10 * self.t.iters_per_epoch, history_size=20, tolerance_grad=self.t.tol,
                                 tolerance_change=1e-10, line_search_fn="strong_wolfe")

    def _closure(self, Xt, targets, n):
        """The objective at the current weights, with gradients; cached while they do not move."""
        t = self.t
        params = list(t.model_.parameters())
        if self._key != (id(Xt), id(targets)):  # new data or logconf targets: a new closure
            def evaluate():
                for p in params:
                    p.grad = None
                loss = xent_loss(t.model_(Xt), targets) + t._penalty(n)
                loss.backward()
                return loss.detach()

            self._cached, self._key = CachedClosure(evaluate, params), (id(Xt), id(targets))
        return self._cached

    def run_epoch(self, Xt, Yt, epoch) -> float:
        t, n = self.t, len(Xt)
        targets = Yt
        alpha = t._alpha((epoch - 1) / t.epochs) if t.loss == "logconf" else 0.0
        if alpha > 0:
            with torch.no_grad():
                targets = _logconf_targets(t.model_(Xt), Yt, alpha)
            self.opt, self.objective = None, None  # a new objective: restart the curvature memory
        if self.opt is None:
            self.opt, self.converged = self._new_optimizer(), False
        if self.converged:  # the optimum is reached: later epochs only record it
            return self.last_loss
        t.model_.train()
        closure = self._closure(Xt, targets, n)
        before = self.opt.state[self.opt._params[0]].get("n_iter", 0)
        self.opt.step(closure)
        done = self.opt.state[self.opt._params[0]].get("n_iter", 0)
        t.n_iter_ += done - before
        objective = float(closure())  # the epoch's end point (cached: L-BFGS has just evaluated it)
        with torch.no_grad():
            data_loss = objective - float(t._penalty(n))
        grad_max = max(float(p.grad.abs().max()) for p in t.model_.parameters())
        # converged: scikit-learn's gradient criterion, or an epoch that moved the objective by
        # less than float32 can resolve
        self.converged = grad_max <= t.tol or (
            self.objective is not None and abs(self.objective - objective) <= 1e-7 * max(1.0, objective))
        self.objective = objective
        self.last_loss = data_loss
        return data_loss


class _AdamwLoop:
    """Minibatch AdamW epochs (shuffled with the trainer's seed); ``logconf`` per batch."""

    def __init__(self, trainer: HeadTrainer):
        self.t = trainer
        self.opt = torch.optim.AdamW(trainer.model_.parameters(), lr=trainer.lr, weight_decay=trainer.weight_decay)
        self.gen = torch.Generator().manual_seed(trainer.seed)
        self.step = 0

    def run_epoch(self, Xt, Yt, epoch) -> float:
        t, n = self.t, len(Xt)
        total = math.ceil(n / t.batch_size) * t.epochs
        t.model_.train()
        order = torch.randperm(n, generator=self.gen)
        losses = []
        for start in range(0, n, t.batch_size):
            idx = order[start:start + t.batch_size]
            logits = t.model_(Xt[idx])
            if t.loss == "logconf":
                loss = xent_loss(logits, _logconf_targets(logits, Yt[idx], t._alpha(self.step / total)))
            else:
                loss = xent_loss(logits, Yt[idx])
            self.opt.zero_grad()
            loss.backward()
            self.opt.step()
            losses.append(float(loss.detach()) * len(idx))
            self.step += 1
        t.n_iter_ = self.step
        return sum(losses) / n
