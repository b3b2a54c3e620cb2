"""The representation map: frames from records, the pure figure, the slider widget driven headless."""

from __future__ import annotations

import numpy as np
import pytest

from widgets.representation_view import RepresentationView, representation_figure, representation_frames
from workbench.train import EpochRecord


def _history(n_eval=40, s=20, epochs=3, seed=0):
    rng = np.random.default_rng(seed)
    index = np.sort(rng.choice(n_eval, s, replace=False))
    gold = rng.integers(0, 2, n_eval)
    start = rng.normal(size=(s, 2))
    target = np.where(gold[index][:, None] == 1, 3.0, -3.0)
    records = []
    for e in range(1, epochs + 1):
        xy = start + (target - start) * e / epochs  # points move toward their gold side
        extra = {"representation": xy.astype(np.float32), "representation_index": index}
        if e == 1:
            extra["representation_initial"] = start.astype(np.float32)
        records.append(EpochRecord(e, epochs, 1.0 / e, None, None, {}, extra=extra))
    return records, gold, index


def test_frames_start_at_epoch_zero():
    records, _, index = _history()
    frames = representation_frames(records)
    assert [f["epoch"] for f in frames] == [0, 1, 2, 3]
    np.testing.assert_array_equal(frames[0]["index"], index)
    assert representation_frames([EpochRecord(1, 1, 0.5, None, None)]) == []


def test_figure_groups_by_gold_on_fixed_axes():
    records, gold, index = _history()
    fig0 = representation_figure(records, epoch=0, color=gold, label_names=("neg", "pos"))
    fig3 = representation_figure(records, color=gold, label_names=("neg", "pos"))
    assert [t.name for t in fig3.data] == ["neg", "pos"]
    assert sum(len(t.x) for t in fig3.data) == len(index)
    assert fig0.layout.xaxis.range == fig3.layout.xaxis.range  # same axes at every epoch
    assert "before training" in fig0.layout.title.text and "epoch 3" in fig3.layout.title.text
    pos = next(t for t in fig3.data if t.name == "pos")
    assert np.allclose(pos.x, 3.0) and set(pos.customdata) <= set(index[gold[index] == 1])


def test_figure_errors():
    records, gold, _ = _history()
    with pytest.raises(ValueError, match="available epochs"):
        representation_figure(records, epoch=9)
    with pytest.raises(ValueError, match="one value per evaluation"):
        representation_figure(records, color=gold[:5])
    with pytest.raises(ValueError, match="fine-tuning student"):
        representation_figure([EpochRecord(1, 1, 0.5, None, None)])


def test_widget_slider_and_colour_update_the_map():
    records, gold, index = _history()
    categories = np.where(gold == 1, "corrected", "copied").astype(object)
    view = RepresentationView(records, gold=gold, categories=categories, label_names=("neg", "pos"))
    assert view.slider.options == (0, 1, 2, 3) and view.slider.value == 3
    before = {t.name: np.array(t.x) for t in view.figure.data}
    view.slider.value = 0
    after = {t.name: np.array(t.x) for t in view.figure.data}
    assert not np.allclose(before["pos"], after["pos"]) and "before training" in view.figure.layout.title.text
    view.color.value = "category"
    assert [t.name for t in view.figure.data] == ["copied", "corrected"]
    assert view.figure.layout.legend.title.text == "category"
    with pytest.raises(ValueError, match="no representation"):
        RepresentationView([EpochRecord(1, 1, 0.5, None, None)])


def test_widget_follows_training_live_as_a_callback():
    records, gold, _ = _history()
    view = RepresentationView(records[:1], gold=gold)
    assert view.slider.options == (0, 1)
    assert view.on_epoch_end(records[1]) is False
    assert view.slider.options == (0, 1, 2) and view.slider.value == 2
    assert "epoch 2" in view.figure.layout.title.text
