"""The result of one weak-to-strong run: the per-point table, metrics and histories.

The per-point table (``Result.points``) is the contract between the engine and the
views; its columns are listed in ``POINT_COLUMNS`` and in ``docs/ARCHITECTURE.md``.
Saving writes parquet + JSON + ``.npz`` (``allow_pickle=False`` on load): no result
file is ever unpickled.
"""

from __future__ import annotations

import json
import math
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from .metrics import CATEGORIES
from .records import EpochRecord  # not .train: reading a result must not import torch

__all__ = ["Result", "POINT_COLUMNS", "MAP_COLUMNS", "CATEGORIES", "with_map_columns"]

#: Columns of the per-point table, in order.
POINT_COLUMNS = (
    "id", "split", "text", "gold", "teacher_label", "teacher_conf", "covered",
    "student_label", "student_conf", "weak_label", "ceiling_label", "ceiling_conf",
    "category", "map_weak_x", "map_weak_y", "map_strong_x", "map_strong_y",
)
#: The 2-D map coordinates (NaN until projected); ``Result.config["projection"]`` says which
#: method made them ("umap", "pca", ...).
MAP_COLUMNS = ("map_weak_x", "map_weak_y", "map_strong_x", "map_strong_y")


def with_map_columns(points):
    """``points`` with its map coordinates under :data:`MAP_COLUMNS`.

    Tables written before 2026-12-07 called them ``umap_weak_x`` ... whatever the projection
    (PCA coordinates too); those columns are renamed (in a copy; the input is not changed).
    """
    legacy = {f"u{c}": c for c in MAP_COLUMNS if f"u{c}" in points.columns and c not in points.columns}
    return points.rename(columns=legacy) if legacy else points



@dataclass
class Result:
    """Everything one run produced.

    Attributes
    ----------
    points : pandas.DataFrame
        One row per example of every split, columns ``POINT_COLUMNS``.
    metrics : dict of str to float/int/str
        Flat mapping (``weak_acc``, ``student_acc``, ``ceiling_acc``, ``pgr``, ...).
    history : dict of str to list of EpochRecord
        Per-epoch records for ``"weak"``, ``"ceiling"`` and ``"student"``.
    proba : dict of str to ndarray of shape (n, k)
        Probabilities of ``"teacher"``, ``"weak"``, ``"student"``, ``"ceiling"`` for all rows.
    label_names : tuple of str
    config : dict
        JSON-able configuration of the run.
    epoch_proba : ndarray of shape (n_epochs, n, k) float16 or None
        The student's probabilities of every row after each epoch (training dynamics).
    """

    points: pd.DataFrame
    metrics: dict
    history: dict = field(default_factory=dict)
    proba: dict = field(default_factory=dict)
    label_names: tuple = ()
    config: dict = field(default_factory=dict)
    epoch_proba: np.ndarray | None = None

    # ------------------------------------------------------------------ views
    def split(self, name: str) -> pd.DataFrame:
        """Rows of one split (``"weak_train"``, ``"student_train"``, ``"val"``, ``"test"``)."""
        return self.points[self.points["split"] == name]

    def category_counts(self, *, split: str | None = "test") -> dict[str, int]:
        """Number of points per W2S category (on ``split``; ``None`` = all rows)."""
        frame = self.points if split is None else self.split(split)
        counts = frame["category"].value_counts()
        return {c: int(counts.get(c, 0)) for c in CATEGORIES}

    def summary(self) -> str:
        """One readable paragraph of the headline numbers."""
        m = self.metrics
        nan = float("nan")
        coverage = m.get("teacher_coverage", nan)
        weak = f"weak {_fmt(m['weak_acc'], 3)}"
        if np.isfinite(coverage) and coverage < 1:
            baseline = _fmt(m.get("weak_acc_all", nan), 3)
            weak += f" on the {coverage:.0%} it covers (baseline {baseline}, abstain = chance)"
        return (
            f"{weak} | student {_fmt(m['student_acc'], 3)} | ceiling {_fmt(m['ceiling_acc'], 3)} | "
            f"PGR {_fmt(m['pgr'])} (95% CI {_fmt(m['pgr_ci_low'])} to {_fmt(m['pgr_ci_high'])}) | "
            f"teacher coverage {coverage:.2f}"
        )

    def __repr__(self) -> str:
        return f"Result({len(self.points)} points, {self.summary()})"

    # ------------------------------------------------------------- save/load
    def save(self, out_dir) -> Path:
        """Write ``points.parquet``, ``metrics.json``, ``history.json``, ``proba.npz``, ``config.json``.

        ``proba.npz`` holds ``proba_<name>`` (n, k), ``epoch_proba`` (E, n, k) float16,
        ``history_<role>_<epoch>`` (each record's held-out probabilities) and
        ``extra_<role>_<epoch>_<key>`` (each array in ``EpochRecord.extra``, e.g. a fine-tuned
        student's per-epoch ``representation`` maps, dtype kept). Each record in
        ``history.json`` has ``extra`` (its JSON-able extras: numbers, strings, lists) and
        ``extra_arrays`` (``{key: npz name}`` of its array extras). Extras that are neither
        are left out with a warning naming them.

        Files are written to temporary names and moved into place, so an interrupted save
        never leaves a half-written file under the final name.
        """
        out = Path(out_dir)
        out.mkdir(parents=True, exist_ok=True)
        _atomic_write(out / "points.parquet", lambda p: self.points.to_parquet(p, index=False))
        _atomic_write(out / "metrics.json", lambda p: Path(p).write_text(_dumps(self.metrics)))
        _atomic_write(out / "config.json", lambda p: Path(p).write_text(
            _dumps({**self.config, "label_names": list(self.label_names)})))
        _atomic_write(out / "history.json", lambda p: Path(p).write_text(_dumps(self._history_json())))
        _atomic_write(out / "proba.npz", lambda p: _save_npz(p, self.proba, self.history, self.epoch_proba))
        return out

    @classmethod
    def load(cls, out_dir) -> "Result":
        """Load a result written by :meth:`save` (no pickle anywhere)."""
        out = Path(out_dir)
        missing = [f for f in ("points.parquet", "metrics.json", "config.json") if not (out / f).exists()]
        if missing:
            raise ValueError(f"{out} is not a saved result: missing {', '.join(missing)}. "
                             "Pass the folder given to `w2s run --out` or Result.save().")
        config = json.loads((out / "config.json").read_text())
        label_names = tuple(config.pop("label_names", ()))
        arrays = {}
        if (out / "proba.npz").exists():
            with np.load(out / "proba.npz", allow_pickle=False) as npz:
                arrays = {k: npz[k] for k in npz.files}
        proba = {k[len("proba_"):]: v for k, v in arrays.items() if k.startswith("proba_")}
        history = {}
        if (out / "history.json").exists():
            history = _history_from_json(json.loads((out / "history.json").read_text()), arrays)
        return cls(
            points=with_map_columns(pd.read_parquet(out / "points.parquet")),
            metrics={k: float("nan") if v is None else v  # JSON null = NaN
                     for k, v in json.loads((out / "metrics.json").read_text()).items()},
            history=history, proba=proba, label_names=label_names, config=config,
            epoch_proba=arrays.get("epoch_proba"),
        )

    def _history_json(self) -> dict:
        out = {}
        for role, records in self.history.items():
            out[role] = []
            for r in records:
                plain, arrays = _split_extra(role, r)
                out[role].append({"epoch": r.epoch, "n_epochs": r.n_epochs, "train_loss": r.train_loss,
                                  "val_loss": r.val_loss, "metrics": r.metrics, "role": r.role, "extra": plain,
                                  "extra_arrays": {name: key for name, (key, _) in arrays.items()}})
        return out


def _split_extra(role: str, record, *, warn: bool = True) -> tuple:
    """``record.extra`` as ``(json_extras, {name: (npz key, array)})``; other values are left out (warned)."""
    plain, arrays, dropped = {}, {}, []
    for name, value in (getattr(record, "extra", None) or {}).items():
        if isinstance(value, np.ndarray) and value.dtype != object:
            arrays[str(name)] = (f"extra_{role}_{record.epoch}_{name}", value)
            continue
        try:
            _dumps(value)
        except (TypeError, ValueError):
            dropped.append(str(name))
            continue
        plain[str(name)] = value
    if dropped and warn:
        import warnings

        warnings.warn(f"Result.save leaves out EpochRecord.extra {dropped} of the {role} record of epoch "
                      f"{record.epoch}: store numeric arrays or JSON-able values there to keep them.", stacklevel=3)
    return plain, arrays


def _history_from_json(data: dict, arrays: dict) -> dict:
    history = {}
    for role, records in data.items():
        history[role] = [
            EpochRecord(
                epoch=r["epoch"], n_epochs=r["n_epochs"],
                train_loss=float("nan") if r["train_loss"] is None else r["train_loss"],
                val_loss=r["val_loss"], proba=arrays.get(f"history_{role}_{r['epoch']}"),
                metrics={k: float("nan") if v is None else v for k, v in r["metrics"].items()},  # JSON null = NaN
                role=r.get("role", role),
                extra={**(r.get("extra") or {}),
                       **{name: arrays[key] for name, key in (r.get("extra_arrays") or {}).items() if key in arrays}},
            )
            for r in records
        ]
    return history


def _save_npz(path, proba: dict, history: dict, epoch_proba=None) -> None:
    arrays = {f"proba_{k}": np.asarray(v) for k, v in proba.items()}
    if epoch_proba is not None:
        arrays["epoch_proba"] = np.asarray(epoch_proba, dtype=np.float16)
    for role, records in history.items():
        for r in records:
            if r.proba is not None:
                arrays[f"history_{role}_{r.epoch}"] = np.asarray(r.proba, dtype=np.float32)
            arrays.update(dict(_split_extra(role, r, warn=False)[1].values()))  # warned by _history_json
    with open(path, "wb") as fh:
        np.savez_compressed(fh, **arrays)


def _atomic_write(target: Path, write) -> None:
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    os.close(fd)
    try:
        write(tmp)
        os.replace(tmp, target)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def _json_default(value):
    if isinstance(value, (np.integer,)):
        return int(value)
    if isinstance(value, (np.floating,)):
        return float(value)
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, (tuple, set)):
        return list(value)
    if isinstance(value, Path):
        return str(value)
    raise TypeError(f"not JSON-serialisable: {type(value).__name__}")


def _dumps(obj) -> str:
    # NaN is written as null (strict JSON); readers treat null as "undefined".
    return json.dumps(_nan_to_none(obj), indent=2, default=_json_default, allow_nan=False)


def _nan_to_none(obj):
    if isinstance(obj, float) and not math.isfinite(obj):
        return None
    if isinstance(obj, np.floating) and not np.isfinite(obj):
        return None
    if isinstance(obj, dict):
        return {k: _nan_to_none(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_nan_to_none(v) for v in obj]
    return obj


def _fmt(x, digits: int = 2) -> str:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "n/a"
    if isinstance(x, float) and math.isinf(x):
        return "+inf" if x > 0 else "-inf"  # an unbounded end of a bootstrap interval
    return f"{x:.{digits}f}"
