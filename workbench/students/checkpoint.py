"""Epoch checkpoints and saved students: safetensors + JSON, never pickle.

Layout of one checkpoint (written into a temp folder and renamed into place, so an
interrupted save never leaves a half checkpoint)::

    <checkpoint_dir>/epoch-0002/
        weights.safetensors     trainable parameters (LoRA adapters + head, or the whole net)
        optimizer.safetensors   AdamW moments, the torch RNG state
        state.json              options, data digest, epoch, step, scheduler, optimizer
                                structure, history (records as JSON), PCA basis, sample

A saved student (:meth:`FineTuneStudent.save`) is ``weights.safetensors`` + ``student.json``.
Only the trainable parameters are stored: the frozen ones are rebuilt from the pretrained
model, which the options name.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import shutil
import tempfile
from pathlib import Path

import numpy as np
import torch

from ..train import EpochRecord

__all__ = ["data_digest", "trainable_state", "load_trainable", "save_checkpoint", "latest_checkpoint",
           "load_checkpoint", "record_to_json", "record_from_json", "write_json", "read_json", "read_json_roundtrip"]


def data_digest(texts, Y) -> str:
    """sha256 of the training texts and targets (a resume must continue on the same data)."""
    h = hashlib.sha256()
    for t in texts:
        h.update(t.encode("utf-8", "surrogatepass"))
        h.update(b"\0")
    h.update(np.ascontiguousarray(np.asarray(Y, dtype=np.float32)).tobytes())
    return h.hexdigest()


def trainable_state(net) -> dict:
    """``{name: tensor}`` of the parameters that require grad (CPU, contiguous)."""
    return {name: p.detach().cpu().contiguous().clone() for name, p in net.named_parameters() if p.requires_grad}


def load_trainable(net, state: dict) -> None:
    """Load :func:`trainable_state` output into ``net``; every trainable parameter must be present."""
    params = dict(net.named_parameters())
    wanted = {name for name, p in params.items() if p.requires_grad}
    missing, unknown = sorted(wanted - set(state)), sorted(set(state) - set(params))
    if missing or unknown:
        raise ValueError(f"the saved weights do not fit this network (missing {missing[:5]}, unknown "
                         f"{unknown[:5]}); were they saved with other options (mode, model, LoRA settings)?")
    with torch.no_grad():
        for name, tensor in state.items():
            params[name].copy_(tensor.to(params[name].device, params[name].dtype))


def write_json(path: Path, payload) -> None:
    tmp = Path(path).with_suffix(f".{os.getpid()}.tmp")
    tmp.write_text(json.dumps(payload, default=_jsonable))
    os.replace(tmp, path)


def read_json(path: Path):
    return json.loads(Path(path).read_text())


def read_json_roundtrip(payload):
    """``payload`` as it reads back from JSON (tuples -> lists, numpy -> Python), for comparisons."""
    return json.loads(json.dumps(payload, default=_jsonable))


def _jsonable(value):
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, (np.floating, np.integer, np.bool_)):
        return value.item()
    if isinstance(value, Path):
        return str(value)
    raise TypeError(f"cannot save {type(value).__name__} in a checkpoint")


def record_to_json(record: EpochRecord) -> dict:
    """An EpochRecord as plain JSON (arrays -> lists; non-JSON extras left out)."""
    extra = {}
    for key, value in (record.extra or {}).items():
        try:
            json.dumps(value, default=_jsonable)
        except TypeError:
            continue
        extra[key] = value
    metrics = {k: (None if isinstance(v, float) and not math.isfinite(v) else v) for k, v in record.metrics.items()
               if v is None or isinstance(v, (int, float, np.floating, np.integer))}
    return {"epoch": record.epoch, "n_epochs": record.n_epochs, "train_loss": record.train_loss,
            "val_loss": record.val_loss, "proba": None if record.proba is None else np.asarray(record.proba),
            "metrics": metrics, "role": record.role, "extra": extra}


def record_from_json(data: dict) -> EpochRecord:
    extra = dict(data.get("extra") or {})
    for key in ("representation", "representation_initial"):
        if key in extra:
            extra[key] = np.asarray(extra[key], dtype=np.float32)
    if "representation_index" in extra:
        extra["representation_index"] = np.asarray(extra["representation_index"], dtype=np.int64)
    proba = None if data["proba"] is None else np.asarray(data["proba"], dtype=np.float64)
    metrics = {k: (math.nan if v is None else v) for k, v in data["metrics"].items()}
    return EpochRecord(epoch=int(data["epoch"]), n_epochs=int(data["n_epochs"]), train_loss=float(data["train_loss"]),
                       val_loss=data["val_loss"], proba=proba, metrics=metrics, role=data.get("role", "student"),
                       extra=extra)


# ------------------------------------------------------------- optimizer
def _optimizer_split(state: dict):
    tensors, structure = {}, {"param_groups": state["param_groups"], "state": {}}
    for idx, slots in state["state"].items():
        structure["state"][str(idx)] = {}
        for key, value in slots.items():
            if torch.is_tensor(value):
                tensors[f"opt.{idx}.{key}"] = value.detach().cpu().contiguous()
                structure["state"][str(idx)][key] = "__tensor__"
            else:
                structure["state"][str(idx)][key] = value
    return tensors, structure


def _optimizer_join(structure: dict, tensors: dict) -> dict:
    state = {}
    for idx, slots in structure["state"].items():
        state[int(idx)] = {key: (tensors[f"opt.{idx}.{key}"] if value == "__tensor__" else value)
                           for key, value in slots.items()}
    return {"state": state, "param_groups": structure["param_groups"]}


# ------------------------------------------------------------ checkpoints
def save_checkpoint(folder, *, epoch: int, net, optimizer, scheduler, state: dict, keep: int = 1) -> Path:
    """Write ``<folder>/epoch-NNNN`` atomically and delete older ones beyond ``keep``."""
    from safetensors.torch import save_file

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / f"epoch-{epoch:04d}"
    tmp = Path(tempfile.mkdtemp(dir=folder, prefix=f".epoch-{epoch:04d}."))
    try:
        save_file(trainable_state(net), str(tmp / "weights.safetensors"))
        opt_tensors, opt_structure = _optimizer_split(optimizer.state_dict())
        opt_tensors["rng.torch"] = torch.get_rng_state()
        if torch.cuda.is_available() and torch.cuda.is_initialized():
            opt_tensors["rng.cuda"] = torch.cuda.get_rng_state()
        save_file(opt_tensors, str(tmp / "optimizer.safetensors"))
        write_json(tmp / "state.json", {**state, "epoch": epoch, "optimizer": opt_structure,
                                        "scheduler": scheduler.state_dict()})
        if target.exists():
            shutil.rmtree(target)
        os.replace(tmp, target)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
    for old in sorted(folder.glob("epoch-*"))[:-max(int(keep), 1)]:
        shutil.rmtree(old, ignore_errors=True)
    return target


def latest_checkpoint(folder) -> Path | None:
    """The newest complete ``epoch-NNNN`` folder, or None."""
    folder = Path(folder)
    done = [p for p in sorted(folder.glob("epoch-*")) if (p / "state.json").exists()] if folder.is_dir() else []
    return done[-1] if done else None


def load_checkpoint(path, *, net, optimizer, scheduler) -> dict:
    """Restore ``net``, ``optimizer``, ``scheduler`` and the torch RNG; returns state.json's dict."""
    from safetensors.torch import load_file

    path = Path(path)
    state = read_json(path / "state.json")
    load_trainable(net, load_file(str(path / "weights.safetensors")))
    tensors = load_file(str(path / "optimizer.safetensors"))
    optimizer.load_state_dict(_optimizer_join(state["optimizer"], tensors))
    scheduler.load_state_dict(state["scheduler"])
    torch.set_rng_state(tensors["rng.torch"])
    if "rng.cuda" in tensors and torch.cuda.is_available():
        torch.cuda.set_rng_state(tensors["rng.cuda"])
    return state
