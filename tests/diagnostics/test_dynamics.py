"""Cartography columns on a hand-made 3-epoch history; regions; the per-epoch store."""

from __future__ import annotations

import math

import numpy as np
import pytest

from workbench.diagnostics import (
    EpochProbaStore,
    cartography_region,
    cartography_thresholds,
    stack_epoch_proba,
    training_dynamics,
)
from workbench.train import EpochRecord

# p(class 0) of 5 points over 3 epochs (k = 2, p(class 1) = 1 - p(class 0))
P0 = np.array([
    [0.6, 0.7, 0.2, 0.9, 0.2],
    [0.8, 0.4, 0.2, 0.1, 0.3],
    [1.0, 0.3, 0.2, 0.9, 0.1],
])
TEACHER = np.array([0, 0, 1, -1, 0])
GOLD = np.array([0, 1, 1, 0, 1])


def history(dtype=np.float64):
    return np.stack([P0, 1 - P0], axis=2).astype(dtype)          # (3, 5, 2)


def test_columns_by_hand():
    d = training_dynamics(history(), teacher_labels=TEACHER, gold=GOLD)
    # point 0: teacher right; p(0) = .6 .8 1.0
    assert d.loc[0, "conf_teacher"] == pytest.approx(0.8)
    assert d.loc[0, "var_teacher"] == pytest.approx(math.sqrt((0.04 + 0 + 0.04) / 3))
    assert d.loc[0, "agree_teacher_frac"] == 1 and d.loc[0, "correct_frac"] == 1
    assert math.isnan(d.loc[0, "epoch_memorised"]) and math.isnan(d.loc[0, "epoch_overridden"])
    # point 1: teacher says 0, gold 1; argmax 0, 1, 1 -> memorised at epoch 1, overridden at epoch 2
    mean = (0.7 + 0.4 + 0.3) / 3
    var = math.sqrt(((0.7 - mean) ** 2 + (0.4 - mean) ** 2 + (0.3 - mean) ** 2) / 3)
    assert d.loc[1, "conf_teacher"] == pytest.approx(mean) and d.loc[1, "conf_gold"] == pytest.approx(1 - mean)
    assert d.loc[1, "var_teacher"] == pytest.approx(var) and d.loc[1, "var_gold"] == pytest.approx(var)
    assert d.loc[1, "agree_teacher_frac"] == pytest.approx(1 / 3) and d.loc[1, "correct_frac"] == pytest.approx(2 / 3)
    assert d.loc[1, "epoch_memorised"] == 1 and d.loc[1, "epoch_overridden"] == 2
    # point 2: constant 0.8 toward the (right) teacher label
    assert d.loc[2, "conf_teacher"] == pytest.approx(0.8) and d.loc[2, "var_teacher"] == pytest.approx(0)
    # point 3: the teacher abstained -> teacher columns NaN, gold columns set, no events
    assert d.loc[3, ["conf_teacher", "var_teacher", "agree_teacher_frac"]].isna().all()
    assert d.loc[3, "conf_gold"] == pytest.approx(1.9 / 3) and d.loc[3, "correct_frac"] == pytest.approx(2 / 3)
    assert math.isnan(d.loc[3, "epoch_memorised"])
    # point 4: teacher wrong, never fitted; right from epoch 1
    assert math.isnan(d.loc[4, "epoch_memorised"]) and d.loc[4, "epoch_overridden"] == 1


def test_float16_history_custom_epoch_numbers_and_no_gold():
    d = training_dynamics(history(np.float16), teacher_labels=TEACHER, gold=GOLD, epochs=[2, 4, 6])
    assert d.loc[1, "epoch_memorised"] == 2 and d.loc[1, "epoch_overridden"] == 4
    assert d.loc[0, "conf_teacher"] == pytest.approx(0.8, abs=1e-3)
    g = training_dynamics(history(), teacher_labels=TEACHER)
    assert g[["conf_gold", "var_gold", "correct_frac", "epoch_memorised", "epoch_overridden"]].isna().all().all()
    assert g["conf_teacher"].equals(training_dynamics(history(), teacher_labels=TEACHER, gold=GOLD)["conf_teacher"])


def test_regions_with_given_and_default_thresholds():
    conf = np.array([0.9, 0.2, 0.5, 0.8, np.nan])
    var = np.array([0.01, 0.02, 0.3, 0.05, 0.1])
    assert cartography_region(conf, var, var_threshold=0.25).tolist() == ["easy", "hard", "ambiguous", "easy", "none"]
    var6 = np.array([0.0, 0.1, 0.2, 0.3, 0.4, 0.5])
    assert cartography_thresholds(var6) == pytest.approx(0.3 + 0.1 / 3)   # 2/3 quantile, linear interpolation
    regions = cartography_region(np.full(6, 0.9), var6)
    assert regions.tolist() == ["easy"] * 4 + ["ambiguous"] * 2           # the top third is ambiguous


def test_epoch_store_in_memory_on_disk_and_as_callback(tmp_path):
    n, k = 4, 2
    rng = np.random.default_rng(0)
    probas = [rng.dirichlet([1, 1], n) for _ in range(3)]
    mem = EpochProbaStore(n, k, max_epochs=5)
    disk = EpochProbaStore(n, k, max_epochs=3, path=tmp_path / "epochs.npy")
    for e, p in enumerate(probas, start=1):
        record = EpochRecord(epoch=e, n_epochs=3, train_loss=0.0, val_loss=None, proba=p)
        assert mem.on_epoch_end(record) is False
        disk.append(p, epoch=e)
    assert mem.array.shape == (3, n, k) and mem.array.dtype == np.float16 and mem.epochs == [1, 2, 3]
    assert np.allclose(mem.array, np.stack(probas), atol=1e-3)
    disk._data.flush()
    assert np.allclose(np.load(tmp_path / "epochs.npy"), np.stack(probas), atol=1e-3)
    with pytest.raises(ValueError, match="at most 3 epochs"):
        disk.append(probas[0])
    with pytest.raises(ValueError, match="all points"):
        mem.append(probas[0][:2])
    extra = EpochProbaStore(n, k, max_epochs=1, field="proba_all")
    extra.on_epoch_end(EpochRecord(1, 1, 0.0, None, None, extra={"proba_all": probas[0]}))
    assert np.allclose(extra.array[0], probas[0], atol=1e-3)


def test_stack_epoch_proba_from_records():
    records = [EpochRecord(e, 3, 0.0, None, history()[e - 1]) for e in (1, 2, 3)]
    stacked = stack_epoch_proba(records)
    assert stacked.shape == (3, 5, 2) and stacked.dtype == np.float16
    with pytest.raises(ValueError, match="history is empty"):
        stack_epoch_proba([])
    with pytest.raises(ValueError, match="no 'proba' probabilities"):
        stack_epoch_proba([EpochRecord(1, 1, 0.0, None, None)])


def test_bad_inputs_raise():
    with pytest.raises(ValueError, match=r"shape \(E, n, k\)"):
        training_dynamics(np.zeros((5, 2)), teacher_labels=np.zeros(5, int))
    with pytest.raises(ValueError, match="teacher_labels must have shape"):
        training_dynamics(history(), teacher_labels=np.zeros(4, int))
    with pytest.raises(ValueError, match="gold must lie"):
        training_dynamics(history(), teacher_labels=TEACHER, gold=np.full(5, -1))
    with pytest.raises(ValueError, match="epochs must have shape"):
        training_dynamics(history(), teacher_labels=TEACHER, epochs=[1, 2])
