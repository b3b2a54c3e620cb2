"""Result.save/Result.load keep EpochRecord.extra: arrays (e.g. a fine-tuned student's per-epoch
representation maps) in proba.npz, JSON-able values in history.json."""

from __future__ import annotations

import json
import warnings

import numpy as np
import pandas as pd
import pytest

from workbench.results import Result
from workbench.train import EpochRecord


def _result(extra_of):
    points = pd.DataFrame({"id": ["a", "b", "c"], "split": ["test"] * 3, "category": ["copied"] * 3})
    history = {"student": [EpochRecord(e, 2, 1.0 / e, None, np.full((3, 2), 0.5), {"student_acc": 0.5},
                                       extra=extra_of(e)) for e in (1, 2)],
               "ceiling": [EpochRecord(1, 1, 0.3, None, None, {})]}
    return Result(points=points, metrics={"student_acc": 0.5}, history=history, label_names=("x", "y"))


def test_array_and_json_extras_round_trip(tmp_path):
    rng = np.random.default_rng(0)
    maps = {e: rng.normal(size=(3, 2)).astype(np.float32) for e in (1, 2)}
    index = np.array([2, 0, 1], dtype=np.int64)

    def extra_of(e):
        out = {"representation": maps[e], "representation_index": index, "note": f"epoch {e}", "lr": 0.1 * e,
               "sizes": [1, 2, 3]}
        if e == 1:
            out["representation_initial"] = np.zeros((3, 2), np.float32)
        return out

    result = _result(extra_of)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # nothing is left out
        out = result.save(tmp_path / "run")
    loaded = Result.load(out)
    for saved, again in zip(result.history["student"], loaded.history["student"]):
        assert set(again.extra) == set(saved.extra)
        for key, value in saved.extra.items():
            if isinstance(value, np.ndarray):
                assert again.extra[key].dtype == value.dtype
                np.testing.assert_array_equal(again.extra[key], value)
            else:
                assert again.extra[key] == value
    assert loaded.history["ceiling"][0].extra == {}
    record = json.loads((out / "history.json").read_text())["student"][0]
    assert record["extra"] == {"note": "epoch 1", "lr": 0.1, "sizes": [1, 2, 3]}
    assert record["extra_arrays"]["representation"] == "extra_student_1_representation"
    with np.load(out / "proba.npz", allow_pickle=False) as npz:
        assert "extra_student_2_representation_index" in npz.files


def test_an_extra_that_cannot_be_saved_is_named_in_a_warning(tmp_path):
    result = _result(lambda e: {"kept": np.arange(3), "model": object()})
    with pytest.warns(UserWarning, match=r"leaves out EpochRecord.extra \['model'\]"):
        out = result.save(tmp_path / "run")
    loaded = Result.load(out)
    assert set(loaded.history["student"][0].extra) == {"kept"}


def test_results_saved_before_extras_existed_still_load(tmp_path):
    out = _result(lambda e: {}).save(tmp_path / "run")
    data = json.loads((out / "history.json").read_text())
    for records in data.values():
        for r in records:
            r.pop("extra"), r.pop("extra_arrays")
    (out / "history.json").write_text(json.dumps(data))
    loaded = Result.load(out)
    assert [r.extra for r in loaded.history["student"]] == [{}, {}]


def test_a_table_saved_with_the_old_umap_column_names_loads_with_map_columns(tmp_path):
    """Tables written before 2026-12-07 named the coordinates umap_* whatever the projection."""
    result = _result(lambda e: {})
    result.points = result.points.assign(map_weak_x=[0.1, 0.2, 0.3], map_weak_y=[1.0, 2.0, 3.0],
                                         map_strong_x=[4.0, 5.0, 6.0], map_strong_y=[7.0, 8.0, 9.0])
    out = result.save(tmp_path / "run")
    old = pd.read_parquet(out / "points.parquet")
    old.columns = [c.replace("map_", "umap_") for c in old.columns]
    old.to_parquet(out / "points.parquet")
    loaded = Result.load(out)
    assert [c for c in loaded.points.columns if "map_" in c] == ["map_weak_x", "map_weak_y", "map_strong_x",
                                                                  "map_strong_y"]
    np.testing.assert_allclose(loaded.points["map_strong_y"], [7.0, 8.0, 9.0])
