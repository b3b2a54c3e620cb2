"""TrainingMonitor as a training callback: records in, FigureWidget trace data out."""

from __future__ import annotations

import math

import numpy as np
import pytest

from widgets import TrainingMonitor


def _info(y, teacher=None):
    return {"label_names": ("negative", "positive"), "n_epochs": 5, "y_eval": y,
            "teacher_eval": teacher if teacher is not None else y, "weak_acc": 0.7, "ceiling_acc": 0.9}


@pytest.fixture
def y_eval():
    return np.random.default_rng(0).integers(0, 2, 60)


def test_records_fill_every_figure(fakes, y_eval):
    teacher = np.where(np.arange(60) % 4 == 0, -1, y_eval)
    mon = TrainingMonitor(min_interval=0)
    mon.on_train_begin(_info(y_eval, teacher))
    records = [fakes.make_record(e, 5, y_eval) for e in range(1, 6)]
    stops = [mon.on_epoch_end(r) for r in records]
    assert stops == [False] * 5
    acc = mon.panel("accuracy")
    assert list(acc[0].x) == [1, 2, 3, 4, 5]
    assert list(acc[0].y) == [r.metrics["student_acc"] for r in records]
    assert list(acc[1].y) == [0.7, 0.7] and list(acc[2].y) == [0.9, 0.9]
    sq = mon.panel("misfit_sq")
    assert sq[0].name == "y = x" and list(sq[1].x) == [r.metrics["misfit_sq"] for r in records]
    assert list(sq[1].y) == [r.metrics["gain_sq"] for r in records]
    kl = mon.panel("misfit_kl")  # gain_kl is NaN (no p*): the cross-entropy proxy is drawn
    assert list(kl[1].y) == [r.metrics["gain_xent"] for r in records] and "proxy" in mon.panel_title("misfit_kl")
    rel = mon.panel("reliability")
    assert [t.name.split(" (")[0] for t in rel] == ["perfect calibration", "vs gold", "vs teacher"]
    assert sum(rel[1].customdata) == 60 and sum(rel[2].customdata) == int((teacher >= 0).sum())
    pred = records[-1].proba.argmax(1)
    assert np.isclose(np.dot(rel[1].y, rel[1].customdata), (pred == y_eval).sum())
    assert f"PGR {records[-1].metrics['pgr']:.2f}" in mon.pgr_html.value and "epoch 5 / 5" in mon.pgr_html.value


def test_kl_trajectory_is_used_when_p_star_is_known(fakes, y_eval):
    mon = TrainingMonitor(min_interval=0)
    mon.on_train_begin(_info(y_eval))
    record = fakes.make_record(1, 1, y_eval)
    record.metrics["gain_kl"] = 0.5
    mon.on_epoch_end(record)
    assert list(mon.panel("misfit_kl")[1].y) == [0.5] and mon.panel_title("misfit_kl") == "Misfit vs gain (KL)"
    xaxis, yaxis = mon.panel_axes("misfit_kl")
    assert xaxis.title.text == "misfit (misfit_kl)" and yaxis.title.text == "gain (gain_kl)"


def test_redraws_are_throttled_but_the_final_epoch_is_always_drawn(fakes, y_eval, message_log):
    mon = TrainingMonitor(min_interval=3600)
    log = message_log(mon.figure)
    mon.on_train_begin(_info(y_eval))
    for e in range(1, 6):
        mon.on_epoch_end(fakes.make_record(e, 5, y_eval))
    assert mon.n_draws == 2  # begin + the final epoch
    assert list(mon.panel("accuracy")[0].x) == [1, 2, 3, 4, 5]
    updates = log.updates()  # the empty first draw changed nothing, so only the final one was sent
    assert len(updates) == 1 and updates[0]["style_data"]["x"][0] == [1, 2, 3, 4, 5]
    assert "PGR" in updates[0]["layout_data"]["annotations.0.text"]


def test_stop_button_makes_on_epoch_end_return_true(fakes, y_eval):
    mon = TrainingMonitor()
    mon.on_train_begin(_info(y_eval))
    assert mon.stop_button.disabled is False
    mon.stop_button.click()
    assert mon.stop_event.is_set() and "stopping" in mon.status_html.value
    assert mon.on_epoch_end(fakes.make_record(1, 5, y_eval)) is True


def test_run_in_thread_stops_early_and_keeps_the_result(fakes):
    exp = fakes.FakeExperiment(n_epochs=200, epoch_delay=0.02)
    mon = TrainingMonitor(min_interval=0.05)
    thread = mon.run_in_thread(exp, projection=None)
    assert thread.daemon and exp.started.wait(10)
    mon.stop_button.click()
    thread.join(10)
    assert not thread.is_alive()
    n = len(mon.records)
    assert 1 <= n < 200 and mon.result_ is not None
    assert mon.result_.metrics["student_epochs"] == n
    assert list(mon.panel("accuracy")[0].x) == list(range(1, n + 1))  # final state drawn
    assert "stopped early" in mon.status_html.value and mon.stop_button.disabled
    assert mon.figure.comm is not None  # still a live widget


def test_a_second_run_while_one_is_in_progress_is_refused(fakes):
    mon = TrainingMonitor()
    thread = mon.run_in_thread(fakes.FakeExperiment(n_epochs=500, epoch_delay=0.01), projection=None)
    try:
        with pytest.raises(ValueError, match="already in progress"):
            mon.run_in_thread(fakes.FakeExperiment())
    finally:
        mon.stop()
        thread.join(10)
    assert not thread.is_alive() and len(mon.records) < 500


def test_run_in_thread_shows_errors_as_one_readable_line(fakes):
    exp = fakes.FakeExperiment(fail=ValueError("bad <model> id"))
    mon = TrainingMonitor()
    mon.run_in_thread(exp).join(10)
    assert isinstance(mon.error_, ValueError)
    assert "<b>ValueError</b>: bad &lt;model&gt; id" in mon.status_html.value
    assert "Traceback" not in mon.status_html.value


def test_show_history_draws_a_finished_run(fakes, y_eval):
    mon = TrainingMonitor()
    records = [fakes.make_record(e, 3, y_eval) for e in (1, 2, 3)]
    mon.show_history(records, _info(y_eval))
    assert list(mon.panel("accuracy")[0].y) == [r.metrics["student_acc"] for r in records]
    assert "3 epochs" in mon.status_html.value


def test_min_interval_must_be_non_negative():
    with pytest.raises(ValueError, match="min_interval"):
        TrainingMonitor(min_interval=-1)


def test_a_record_without_matching_eval_labels_draws_empty_reliability(fakes):
    mon = TrainingMonitor(min_interval=0)
    mon.on_train_begin({"n_epochs": 1})
    mon.on_epoch_end(fakes.make_record(1, 1, np.array([0, 1, 1])))
    assert len(mon.panel("reliability")[1].x) == 0 and "n/a" in mon.panel_title("reliability")
    assert not math.isnan(mon.panel("accuracy")[0].y[0])


def test_ensemble_weights_and_losses_get_their_own_panels(fakes, y_eval):
    mon = TrainingMonitor(min_interval=0)
    weights = [{"L3": 0.5, "L6": 0.5}, {"L3": 0.35, "L6": 0.65}]
    mon.on_train_begin({**_info(y_eval), "teacher_weights": weights})
    assert [t.name for t in mon.panel("teacher_weights")] == ["L3", "L6"]
    assert list(mon.panel("teacher_weights")[1].y) == [0.5, 0.65]
    for e, val in zip((1, 2, 3), (0.6, 0.4, 0.5)):
        record = fakes.make_record(e, 3, y_eval)
        record.val_loss = val
        mon.on_epoch_end(record)
    loss = mon.panel("loss")
    assert list(loss[0].x) == [1, 2, 3] and list(loss[1].y) == [0.6, 0.4, 0.5]
    assert list(loss[2].x) == [2, 2]  # early stop at the lowest validation loss
    assert list(mon.panel("accuracy")[3].x) == [2, 2]  # the same marker on the accuracy curve
    assert "early stop at epoch 2" in mon.panel_title("loss")
    # a plain run afterwards: no empty weights panel, the accuracy curves take the whole first row
    mon.on_train_begin(_info(y_eval))
    with pytest.raises(ValueError, match="panel must be one of"):
        mon.panel("teacher_weights")
    assert len(mon.figure.layout.annotations) == 5 and "Teacher weights" not in str(mon.figure.layout.annotations)
    assert [t.name for t in mon.panel("accuracy")][:3] == ["student", "weak (teacher)", "ceiling"]
    xaxis, _ = mon.panel_axes("accuracy")
    assert xaxis.domain[0] == 0 and xaxis.domain[1] == 1


def _json_clean(messages):
    """Every message serialises as strict JSON (what ipykernel does: NaN/inf are refused)."""
    import json

    for data, _ in messages:
        json.dumps(data, allow_nan=False)


def test_nan_metrics_never_reach_a_widget_message(fakes, y_eval, message_log):
    mon = TrainingMonitor(min_interval=0)
    log = message_log(mon.figure)
    info = {**_info(y_eval), "weak_acc": float("nan"), "ceiling_acc": float("inf")}
    records = [fakes.make_record(e, 3, y_eval) for e in (1, 2, 3)]
    for r in records:  # undefined PGR, a diverged loss, no KL gain: all NaN / inf
        r.metrics.update(pgr=float("nan"), misfit_sq=float("nan"), gain_sq=float("inf"))
        r.train_loss = float("nan")
    mon.show_history(records, info)
    assert log.messages, "the redraw sent nothing"
    _json_clean(log.messages)
    # every trace still has its real name (the issue: a dropped message left "trace 0 ... trace 14")
    assert [t.name for t in mon.panel("accuracy")][:3] == ["student", "weak (teacher)", "ceiling"]
    assert list(mon.panel("loss")[0].y) == [None, None, None]


def test_the_title_and_the_header_show_the_same_pgr_and_say_final_at_the_end(fakes):
    exp = fakes.FakeExperiment(n_epochs=4)
    mon = TrainingMonitor(min_interval=0)
    seen = []

    class Spy:
        def on_epoch_end(self, record):
            seen.append((mon.panel_title("accuracy"), mon.pgr_html.value))

    result = exp.run(callbacks=[mon, Spy()], projection=None)
    for title, header in seen:
        assert "so far" in title and "so far" in header
        assert title.split("· ", 1)[1] in header  # one label, shown twice
    result.metrics["pgr"] = 0.26  # e.g. early stopping returned another epoch than the last
    mon.on_train_end(result)
    assert "PGR 0.26" in mon.panel_title("accuracy") and "PGR 0.26" in mon.pgr_html.value
    assert "final" in mon.panel_title("accuracy") and "final" in mon.pgr_html.value
    assert "so far" not in mon.pgr_html.value + mon.panel_title("accuracy")


def test_each_panel_has_its_own_legend_above_its_plot(fakes, y_eval):
    mon = TrainingMonitor(min_interval=0)
    mon.on_train_begin({**_info(y_eval), "teacher_weights": [{"a": 0.5, "b": 0.5}]})
    mon.on_epoch_end(fakes.make_record(1, 1, y_eval))
    legends = {}
    for name in mon._slices:
        names = {t.legend or "legend" for t in mon.panel(name)}
        assert len(names) == 1, name
        legends[name] = names.pop()
    assert len(set(legends.values())) == len(legends) == 6  # one legend per panel, none shared
    for name, legend in legends.items():
        xaxis, yaxis = mon.panel_axes(name)
        box = mon.figure.layout[legend]
        assert box.orientation == "h" and box.x == xaxis.domain[0] and box.y > yaxis.domain[1]
