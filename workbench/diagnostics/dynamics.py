"""Per-point training dynamics of the student (dataset cartography with two targets).

After Swayamdipta et al. (2020), "Dataset Cartography": with ``p_e(y | x_i)`` the student's
probability of label ``y`` for point ``i`` after epoch ``e`` (of E recorded epochs),

* confidence ``mu_i = (1/E) sum_e p_e(y_i | x_i)``,
* variability ``sigma_i = sqrt((1/E) sum_e (p_e(y_i | x_i) - mu_i)^2)`` (population standard
  deviation, as ``np.std`` in the authors' code),
* correctness = the fraction of epochs in which ``argmax_y p_e(y | x_i) = y_i``.

The paper's ``y_i`` is the training label. In W2S the training label is the *teacher's*
label ``t_i`` and the truth is the gold label ``g_i``, so both are computed:
``conf_teacher / var_teacher / agree_teacher_frac`` toward ``t_i`` (gold-free) and
``conf_gold / var_gold / correct_frac`` toward ``g_i`` (evaluation only).

Where the teacher is wrong (covered and ``t_i != g_i``) two events are dated:

* ``epoch_memorised`` = the first epoch whose argmax is the wrong teacher label ``t_i``;
* ``epoch_overridden`` = the first epoch whose argmax is the gold label ``g_i`` (so the
  student disagrees with the teacher *and* is right).

Both are NaN where the teacher is right, abstained, gold is unknown, or the event never
happens. Both can be set for one point (e.g. right early, then memorised).

Regions of the map (:func:`cartography_region`): the paper describes *ambiguous* points as
those of high variability, *easy-to-learn* as high confidence and low variability and
*hard-to-learn* as low confidence and low variability, and selects the top 33% by
variability as the ambiguous subset. We use that: ambiguous = variability at or above the
``1 - ambiguous_frac`` quantile (default: top third); among the rest, easy = confidence at
least ``conf_threshold`` (default 0.5: on average the label gets most of the probability),
hard = below it.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .._validation import check_fraction, check_int

__all__ = ["training_dynamics", "cartography_region", "cartography_thresholds", "stack_epoch_proba",
           "EpochProbaStore", "REGIONS", "DYNAMICS_COLUMNS"]

#: Region names of :func:`cartography_region` ("none" = no confidence, e.g. the teacher abstained).
REGIONS = ("easy", "ambiguous", "hard", "none")
#: Columns of :func:`training_dynamics`.
DYNAMICS_COLUMNS = ("conf_teacher", "var_teacher", "agree_teacher_frac", "conf_gold", "var_gold",
                    "correct_frac", "epoch_memorised", "epoch_overridden")


def training_dynamics(epoch_proba, *, teacher_labels, gold=None, epochs=None) -> pd.DataFrame:
    """Cartography columns toward the teacher's and the gold label, one row per point.

    Parameters
    ----------
    epoch_proba : array of shape (E, n, k)
        The student's probabilities after each recorded epoch (float16 is fine).
    teacher_labels : array of shape (n,), int
        -1 = the teacher abstained (teacher columns NaN there).
    gold : array of shape (n,), int, optional
        Without it the gold columns and the epoch columns are NaN.
    epochs : array of shape (E,), optional
        Epoch numbers of the E slices (default 1..E).

    Returns
    -------
    pandas.DataFrame with n rows and columns :data:`DYNAMICS_COLUMNS` (float64)
    """
    P = _check_epoch_proba(epoch_proba)
    E, n, k = P.shape
    teacher = _check_target(teacher_labels, n, k, "teacher_labels", allow_missing=True)
    epochs = np.arange(1, E + 1, dtype=np.float64) if epochs is None else np.asarray(epochs, dtype=np.float64)
    if epochs.shape != (E,):
        raise ValueError(f"epochs must have shape ({E},), one number per slice of epoch_proba; got {epochs.shape}.")
    pred = P.argmax(axis=2)                                   # (E, n)
    out = {}
    out["conf_teacher"], out["var_teacher"], out["agree_teacher_frac"] = _toward(P, pred, teacher)
    nan = np.full(n, np.nan)
    if gold is None:
        out.update(conf_gold=nan, var_gold=nan.copy(), correct_frac=nan.copy(),
                   epoch_memorised=nan.copy(), epoch_overridden=nan.copy())
        return pd.DataFrame(out, columns=list(DYNAMICS_COLUMNS))
    gold = _check_target(gold, n, k, "gold", allow_missing=False)
    out["conf_gold"], out["var_gold"], out["correct_frac"] = _toward(P, pred, gold)
    wrong = (teacher >= 0) & (teacher != gold)
    out["epoch_memorised"] = _first_epoch(pred == teacher[None, :], wrong, epochs)
    out["epoch_overridden"] = _first_epoch(pred == gold[None, :], wrong, epochs)
    return pd.DataFrame(out, columns=list(DYNAMICS_COLUMNS))


def _toward(P, pred, target):
    """Confidence, variability and agreement fraction toward ``target`` (NaN where target < 0)."""
    ok = target >= 0
    idx = np.where(ok, target, 0)
    p = np.take_along_axis(P, idx[None, :, None], axis=2)[:, :, 0].astype(np.float64)   # (E, n)
    conf, var = p.mean(0), p.std(0)
    agree = (pred == idx[None, :]).mean(0)
    return (np.where(ok, conf, np.nan), np.where(ok, var, np.nan), np.where(ok, agree, np.nan))


def _first_epoch(hits, applies, epochs):
    ever = hits.any(0)
    first = epochs[hits.argmax(0)]
    return np.where(applies & ever, first, np.nan)


def cartography_thresholds(var, *, ambiguous_frac: float = 1 / 3) -> float:
    """Variability threshold of the ambiguous region: the ``1 - ambiguous_frac`` quantile.

    Parameters
    ----------
    var : array-like of shape (n,)
        Variabilities; NaN entries are ignored.
    ambiguous_frac : float in (0, 1)

    Returns
    -------
    float (NaN when no entry is finite)
    """
    ambiguous_frac = check_fraction(ambiguous_frac, name="ambiguous_frac")
    var = np.asarray(var, dtype=np.float64)
    finite = var[np.isfinite(var)]
    return float(np.quantile(finite, 1.0 - ambiguous_frac)) if finite.size else float("nan")


def cartography_region(conf, var, *, var_threshold: float | None = None, conf_threshold: float = 0.5,
                       ambiguous_frac: float = 1 / 3) -> np.ndarray:
    """Region of each point in the (variability, confidence) map.

    Parameters
    ----------
    conf, var : array-like of shape (n,)
        Confidence and variability (e.g. ``conf_teacher``, ``var_teacher``); NaN -> ``"none"``.
    var_threshold : float, optional
        Variability at or above which a point is ambiguous; default :func:`cartography_thresholds`.
    conf_threshold : float, default 0.5
        Below it a low-variability point is hard, at or above it easy.
    ambiguous_frac : float, default 1/3
        Used only when ``var_threshold`` is None.

    Returns
    -------
    ndarray of shape (n,), object, values in :data:`REGIONS`
    """
    conf, var = np.asarray(conf, dtype=np.float64), np.asarray(var, dtype=np.float64)
    if conf.shape != var.shape or conf.ndim != 1:
        raise ValueError(f"conf and var must be 1-D arrays of the same shape; got {conf.shape} and {var.shape}.")
    if var_threshold is None:
        var_threshold = cartography_thresholds(var, ambiguous_frac=ambiguous_frac)
    conf_threshold = check_fraction(conf_threshold, name="conf_threshold", inclusive=True)
    region = np.where(var >= var_threshold, "ambiguous", np.where(conf >= conf_threshold, "easy", "hard"))
    return np.where(np.isfinite(conf) & np.isfinite(var), region, "none").astype(object)


def stack_epoch_proba(history, *, field: str = "proba", dtype=np.float16) -> np.ndarray:
    """Stack the per-epoch probabilities of a list of ``EpochRecord`` into (E, n, k).

    ``field`` names a key of ``record.extra`` or an attribute of the record (default ``proba``).
    """
    rows = [_record_field(r, field) for r in history]
    if not rows:
        raise ValueError("history is empty; train the student first (it records one EpochRecord per epoch).")
    return np.stack([np.asarray(r, dtype=dtype) for r in rows])


def _record_field(record, field):
    value = record.extra.get(field) if field in getattr(record, "extra", {}) else getattr(record, field, None)
    if value is None:
        raise ValueError(f"epoch {getattr(record, 'epoch', '?')} has no {field!r} probabilities; record them with "
                         "X_eval=<all rows> or put them in record.extra.")
    return value


class EpochProbaStore:
    """Bounded-memory store of per-epoch probabilities of all points; also a training callback.

    Parameters
    ----------
    n, k : int
    max_epochs : int
        Slices reserved (``E`` at most).
    path : str or Path, optional
        Write to a ``.npy`` memory map there (for large n) instead of RAM.
    dtype : numpy dtype, default float16 (2 bytes per value: 30 epochs x 100k points x 2 classes = 12 MB)
    field : str, default "proba"
        What :meth:`on_epoch_end` reads from a record (a key of ``record.extra`` or an attribute).

    Attributes
    ----------
    array : ndarray of shape (E, n, k)
        The slices recorded so far (a view).
    epochs : list of int
    """

    def __init__(self, n: int, k: int, *, max_epochs: int, path=None, dtype=np.float16, field: str = "proba"):
        n, k = check_int(n, name="n", minimum=1), check_int(k, name="k", minimum=2)
        max_epochs = check_int(max_epochs, name="max_epochs", minimum=1)
        shape = (max_epochs, n, k)
        if path is None:
            self._data = np.zeros(shape, dtype=dtype)
        else:
            self._data = np.lib.format.open_memmap(str(path), mode="w+", dtype=dtype, shape=shape)
        self.field, self.epochs = field, []

    @property
    def array(self) -> np.ndarray:
        return self._data[: len(self.epochs)]

    def append(self, proba, *, epoch: int | None = None) -> None:
        """Store one epoch's (n, k) probabilities."""
        proba = np.asarray(proba)
        if proba.shape != self._data.shape[1:]:
            raise ValueError(f"proba must have shape {self._data.shape[1:]} (all points); got {proba.shape}.")
        if len(self.epochs) >= len(self._data):
            raise ValueError(f"the store holds at most {len(self._data)} epochs; make it with a larger max_epochs.")
        self._data[len(self.epochs)] = proba
        self.epochs.append(len(self.epochs) + 1 if epoch is None else int(epoch))

    def on_epoch_end(self, record) -> bool:
        """Training callback: store the record's probabilities; never stops training."""
        self.append(_record_field(record, self.field), epoch=record.epoch)
        return False


def _check_epoch_proba(epoch_proba):
    P = np.asarray(epoch_proba)
    if P.ndim != 3 or P.shape[0] < 1 or P.shape[2] < 2:
        raise ValueError(f"epoch_proba must have shape (E, n, k) with E >= 1 and k >= 2; got {P.shape}. "
                         "Stack per-epoch (n, k) arrays with stack_epoch_proba.")
    if P.dtype.kind != "f":
        raise TypeError(f"epoch_proba must hold floats (probabilities); got dtype {P.dtype}.")
    if not np.isfinite(P).all():
        raise ValueError("epoch_proba holds NaN or inf; record probabilities for every point in every epoch.")
    return P


def _check_target(y, n, k, name, *, allow_missing):
    y = np.asarray(y)
    if y.shape != (n,):
        raise ValueError(f"{name} must have shape ({n},), one label per point of epoch_proba; got {y.shape}.")
    if y.dtype.kind not in "iu":
        raise TypeError(f"{name} must be integer class indices; got dtype {y.dtype}.")
    low = -1 if allow_missing else 0
    if y.size and (y.min() < low or y.max() >= k):
        raise ValueError(f"{name} must lie in [{low}, {k}); got values in [{y.min()}, {y.max()}].")
    return y.astype(np.int64)
