"""Builders of the monitor's ensemble-weight and loss panels."""

from __future__ import annotations

import numpy as np

from widgets.training_figures import early_stop_epoch, early_stop_marker, loss_curves, teacher_weights
from workbench.train import EpochRecord


def _records(val):
    return [EpochRecord(e, len(val), 1.0 / e, v, None) for e, v in enumerate(val, start=1)]


def test_teacher_weights_draws_one_line_per_member_over_epochs():
    history = [{"L3": 0.5, "L6": 0.5}, {"L3": 0.3, "L6": 0.7}, {"L3": 0.2, "L6": 0.8}]
    fig = teacher_weights(history)
    assert [t.name for t in fig.data] == ["L3", "L6"]
    assert list(fig.data[1].x) == [1, 2, 3] and list(fig.data[1].y) == [0.5, 0.7, 0.8]
    assert "2 members" in fig.layout.title.text


def test_teacher_weights_of_a_single_teacher_is_an_empty_explained_panel():
    fig = teacher_weights([])
    assert len(fig.data) == 1 and len(fig.data[0].x) == 0
    assert "single teacher" in fig.layout.title.text


def test_early_stop_is_the_epoch_of_the_lowest_validation_loss():
    records = _records([0.9, 0.6, 0.5, 0.55, 0.7])
    assert early_stop_epoch(records) == 3
    marker = early_stop_marker(records, y_range=(0.2, 0.8))
    assert list(marker.x) == [3, 3] and list(marker.y) == [0.2, 0.8] and "epoch 3" in marker.name
    fig = loss_curves(records)
    assert [t.name for t in fig.data][:2] == ["train loss", "val loss (teacher labels)"]
    assert list(fig.data[2].x) == [3, 3] and "early stop at epoch 3" in fig.layout.title.text


def test_without_validation_there_is_no_marker():
    records = _records([None, None])
    assert early_stop_epoch(records) is None
    fig = loss_curves(records)
    assert len(fig.data[2].x) == 0 and "no validation split" in fig.layout.title.text
    # no validation loss: gaps (None), never NaN, which is not JSON and would drop the widget message
    assert list(fig.data[1].y) == [None, None] and np.allclose(fig.data[0].y, [1.0, 0.5])
