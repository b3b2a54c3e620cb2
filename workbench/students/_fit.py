"""The training loop of :class:`~.finetune.FineTuneStudent` (epochs, records, checkpoints, resume)."""

from __future__ import annotations

import math

import numpy as np
import torch

from ..train import LOSSES, EpochRecord, notify
from . import checkpoint as ckpt
from ._runtime import shard_order
from .representation import Pca2, fit_pca2, sample_index

__all__ = ["run_fit"]


def run_fit(student, texts, Y, val, X_eval, callbacks, on_record, stop_event) -> None:
    """Train ``student.net_`` (already built) and fill ``history_``, ``best_epoch_``, ``stopped_early_``.

    Dropout draws from torch's global generators, seeded with ``student.seed`` inside
    ``fork_rng`` (the caller's random state is left as it was); checkpoints store them.
    """
    devices = [student._runtime.device] if student._runtime.device.type == "cuda" else []
    with torch.random.fork_rng(devices=devices):
        torch.manual_seed(student.seed)
        _run(student, texts, Y, val, X_eval, callbacks, on_record, stop_event)


def _run(student, texts, Y, val, X_eval, callbacks, on_record, stop_event) -> None:
    rt = student._runtime
    n, bs = len(texts), student.batch_size
    per_rank = len(shard_order(np.arange(n), rt.process_index, rt.num_processes))
    steps_per_epoch = math.ceil(per_rank / bs)
    total = steps_per_epoch * student.epochs
    student.net_.to(rt.device)
    opt, sched = student._optimizer(total)
    train_net = rt.prepare(student.net_)
    rep = _Representation(student, X_eval)
    state = _resume(student, texts, Y, opt, sched, rep)
    student.history_ = state["history"]
    student.stopped_early_, student.n_steps_, student.rows_trained_ = False, state["step"], 0
    student.best_epoch_ = state["epoch"]
    loss_fn = LOSSES[student.loss]
    for epoch in range(state["epoch"] + 1, student.epochs + 1):
        order = torch.randperm(n, generator=torch.Generator().manual_seed(student.seed * 100_003 + epoch)).numpy()
        mine = shard_order(order, rt.process_index, rt.num_processes)
        train_net.train()
        sums, interrupted = np.zeros(2), False
        for start in range(0, len(mine), bs):
            rows = mine[start:start + bs]
            ids, mask = student._batch([texts[i] for i in rows])
            with student._autocast():
                logits = train_net(ids, mask)
            target = torch.as_tensor(Y[rows], device=rt.device)
            loss = loss_fn(logits.float(), target, student.n_steps_ / total, aux_weight=student.aux_weight,
                           warmup_frac=student.warmup_frac, warmup=student.warmup)
            opt.zero_grad(set_to_none=True)
            rt.backward(loss)
            opt.step()
            sched.step()
            student.n_steps_ += 1
            student.rows_trained_ += len(rows)
            sums += (float(loss.detach()) * len(rows), len(rows))
            if _check_now(student, stop_event) and rt.any(stop_event.is_set()):
                interrupted = True
                break
        total_loss, count = rt.sum(sums)
        student.best_epoch_ = epoch
        record = _record(student, epoch, total_loss / max(count, 1), val, X_eval, rep)
        stop = _notify(student, record, callbacks, on_record, stop_event) if rt.is_main else False
        if not rt.is_main:
            student.history_.append(record)
        stop = rt.any(stop or interrupted)
        if student.checkpoint_dir is not None and not interrupted:
            if rt.is_main:
                ckpt.save_checkpoint(student.checkpoint_dir, epoch=epoch, net=student.net_, optimizer=opt,
                                     scheduler=sched, state=_state(student, texts, Y, rep),
                                     keep=student.keep_checkpoints)
            rt.wait()
        if stop:
            student.stopped_early_ = epoch < student.epochs
            break
    student.net_.eval()


def _check_now(student, stop_event) -> bool:
    every = student.stop_check_steps
    return stop_event is not None and every is not None and student.n_steps_ % every == 0


class _Representation:
    """The seeded sample of ``X_eval`` and the PCA basis of its pre-training embeddings."""

    def __init__(self, student, X_eval):
        self.student, self.texts = student, X_eval
        size = 0 if X_eval is None else student.representation_sample
        self.index = sample_index(0 if X_eval is None else len(X_eval), size, seed=student.seed)
        self.pca, self.initial = None, None

    def start(self) -> None:
        if len(self.index):
            self.initial_embeddings = self.student.embed([self.texts[i] for i in self.index])
            self.pca = fit_pca2(self.initial_embeddings)
            self.initial = self.pca.transform(self.initial_embeddings)

    def now(self) -> np.ndarray | None:
        if self.pca is None:
            return None
        return self.pca.transform(self.student.embed([self.texts[i] for i in self.index]))


def _record(student, epoch, train_loss, val, X_eval, rep) -> EpochRecord:
    val_loss = None
    if val is not None:
        logp = np.log(np.clip(student.predict_proba(val[0]), 1e-12, None))
        val_loss = float(-(val[1] * logp).sum(1).mean())
    proba = None if X_eval is None else student.predict_proba(X_eval)
    metrics = {"train_loss": float(train_loss)}
    if val_loss is not None:
        metrics["val_loss"] = val_loss
    extra = {}
    coords = rep.now()
    if coords is not None:
        extra = {"representation": coords, "representation_index": rep.index.copy()}
        if not student.history_ and rep.initial is not None:
            extra["representation_initial"] = rep.initial
    return EpochRecord(epoch=epoch, n_epochs=student.epochs, train_loss=float(train_loss), val_loss=val_loss,
                       proba=proba, metrics=metrics, extra=extra)


def _notify(student, record, callbacks, on_record, stop_event) -> bool:
    return notify(student.history_, record, callbacks, on_record, stop_event)


# ---------------------------------------------------------------- resume
def _params_for_resume(student) -> dict:
    from .finetune import TRAINING_PARAMS

    return {name: getattr(student, name) for name in TRAINING_PARAMS}


def _state(student, texts, Y, rep) -> dict:
    return {"params": _params_for_resume(student), "data": ckpt.data_digest(texts, Y), "step": student.n_steps_,
            "history": [ckpt.record_to_json(r) for r in student.history_],
            "pca": None if rep.pca is None else rep.pca.to_json(),
            "representation_index": rep.index, "representation_initial": rep.initial}


def _resume(student, texts, Y, opt, sched, rep) -> dict:
    """Load the newest checkpoint when ``resume`` (checking options and data); else start fresh."""
    path = ckpt.latest_checkpoint(student.checkpoint_dir) if student.resume else None
    student.resumed_from_ = 0
    if path is None:
        rep.start()
        return {"epoch": 0, "step": 0, "history": []}
    peek = ckpt.read_json(path / "state.json")
    saved, now = peek["params"], ckpt.read_json_roundtrip(_params_for_resume(student))
    changed = sorted(k for k in set(saved) | set(now) if saved.get(k) != now.get(k))
    if changed:
        raise ValueError(f"cannot resume from {path}: options {changed} differ from the interrupted run "
                         f"({ {k: saved.get(k) for k in changed} }); use the same options or a new checkpoint_dir.")
    if peek["data"] != ckpt.data_digest(texts, Y):
        raise ValueError(f"cannot resume from {path}: the training texts or targets differ from the interrupted "
                         "run's; use the same data or a new checkpoint_dir.")
    state = ckpt.load_checkpoint(path, net=student.net_, optimizer=opt, scheduler=sched)
    if state["pca"] is not None and len(rep.index):
        rep.pca = Pca2.from_json(state["pca"])
        rep.index = np.asarray(state["representation_index"], dtype=np.int64)
        rep.initial = np.asarray(state["representation_initial"], dtype=np.float32)
    elif len(rep.index):
        rep.start()
    student.resumed_from_ = int(state["epoch"])
    return {"epoch": int(state["epoch"]), "step": int(state["step"]),
            "history": [ckpt.record_from_json(r) for r in state["history"]]}
