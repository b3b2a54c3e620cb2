"""The Workbench's Dynamics and Review tabs, driven on a real Experiment (small synthetic data)."""

from __future__ import annotations

import numpy as np
import pytest

from widgets import Workbench

from ._helpers import emit
from ._helpers import synthetic_experiment as _experiment


def selected_rows(fig):
    main = fig.data[0]
    if main.selectedpoints is None:
        return []
    return sorted(np.asarray(main.customdata)[np.asarray(main.selectedpoints, dtype=int)].tolist())


@pytest.fixture
def ran(synth, tmp_path):
    """A Workbench after Run on a real experiment (inline, PCA maps)."""
    exp = _experiment(synth, tmp_path)
    wb = Workbench(exp, threaded=False, projection="pca", min_interval=0)
    wb.picker.run_button.click()
    assert wb.picker.error_area.value == "", wb.picker.error_area.value
    return wb, exp


def test_tabs_are_named_shortly_and_say_why_they_are_empty_before_a_run():
    wb = Workbench()
    assert list(wb.tabs.titles) == ["Setup", "Training", "Explore", "Dynamics", "Review"]
    assert "Run an experiment" in wb.dynamics.widget.children[0].value
    assert "Run an experiment" in wb.review.widget.children[0].value
    assert wb.dynamics.map is None and wb.review.queue_widget is None


def test_a_click_in_the_dynamics_map_selects_in_both_explorer_maps_and_back(ran):
    wb, _ = ran
    dmap, explorer = wb.dynamics.map, wb.explorer
    assert dmap is not None and dmap.selection is wb.selection is explorer.selection
    assert wb.tabs.children[3] is wb.dynamics.widget and dmap.widget in wb.dynamics.widget.children
    # one split in every map: the explorer's (test by default)
    test = np.flatnonzero(wb.result_.points["split"] == "test")
    drawn = np.asarray(dmap.figure.data[0].customdata)
    assert dmap.split == explorer.split == "test" and set(drawn) <= set(test)
    emit(dmap.figure, "plotly_click", [4])
    row = int(drawn[4])
    assert wb.selection.get().tolist() == [row] and wb.selection.source == "dynamics"
    for space in ("weak", "strong"):
        assert selected_rows(explorer.figures[space]) == [row]
    assert "1 selected" in dmap.info_html.value
    # a box in the explorer's weak map is highlighted in the dynamics map
    emit(explorer.figures["weak"], "plotly_selected", [0, 1, 2, 3, 5],
         selector={"type": "box", "selector_state": {"xrange": [0, 1], "yrange": [0, 1]}})
    picked = sorted(np.asarray(explorer.figures["weak"].data[0].customdata)[[0, 1, 2, 3, 5]].tolist())
    assert wb.selection.get().tolist() == picked
    assert selected_rows(dmap.figure) == sorted(set(picked) & set(drawn.tolist()))
    # changing the split in either tab changes it in the other
    explorer.split_dropdown.value = "student_train"
    assert dmap.split == "student_train"
    split = wb.result_.points["split"].to_numpy()
    assert set(split[np.asarray(dmap.figure.data[0].customdata)]) == {"student_train"}
    dmap.split_dropdown.value = "all"
    assert explorer.split == "all"


def test_retrain_uses_the_changed_label_and_the_monitor_shows_the_new_run(ran):
    wb, exp = ran
    base, queue = wb.result_, wb.review.queue_widget
    assert queue is not None and not queue.retrain_button.disabled and wb.review.note.value == ""
    scores = queue.queue.items["score"].to_numpy()
    assert len(queue.rows) == min(50, int((base.points["split"] == "student_train").sum()))
    assert np.all(np.diff(scores) <= 0)                         # highest teacher-error score first
    row = queue.rows[0]["row"]
    teacher = int(base.points.loc[row, "teacher_label"])
    queue.relabel(row, 1 - teacher)
    queue.accept(queue.rows[1]["row"])
    old_records, old_explorer = wb.monitor.records, wb.explorer
    queue.retrain_button.click()
    after = wb.result_
    assert after is not base and exp.result_ is after
    source = after.points["label_source"]
    assert source.loc[row] == "reviewed" and int((source == "reviewed").sum()) == 2
    assert after.metrics["n_reviewed"] == 2 and after.metrics["n_relabelled"] == 1
    assert after.points.loc[row, "teacher_label"] == teacher    # the teacher's own column stays the teacher's
    # the monitor drew the retrain: a new list of records, the retrained run's own
    assert wb.monitor.records is not old_records
    assert len(wb.monitor.records) == len(after.history["student"]) == 6
    assert all(a is b for a, b in zip(wb.monitor.records, after.history["student"]))
    assert list(wb.monitor.panel("accuracy")[0].y) == [r.metrics["student_acc"] for r in after.history["student"]]
    # before/after metrics in the Review tab; the queue (and its reviews) is kept, the maps are rebuilt
    summary = queue.last_result
    assert summary["student acc before"] == base.metrics["student_acc"]
    assert summary["student acc after"] == after.metrics["student_acc"] and summary["labels changed"] == 1
    status = queue.status_html.value
    assert "retrained with 2 reviewed labels" in status and f"{after.metrics['student_acc']:.3f}" in status
    assert "PGR after" in status and wb.review.queue_widget is queue and queue.queue.n_reviewed == 2
    assert wb.explorer is not old_explorer and wb.tabs.selected_index == 4
    assert np.allclose(after.points["map_weak_x"], base.points["map_weak_x"])  # same map coordinates
    assert "label_source" in wb.explorer.color_dropdown.options


def test_threaded_retrain_returns_a_future_and_shows_its_result_when_done(synth, tmp_path):
    import threading

    exp = _experiment(synth, tmp_path, epochs=4)
    wb = Workbench(exp, projection="pca", min_interval=0)
    wb.run()
    wb.picker.thread_.join(120)
    gate, real_run = threading.Event(), exp.run

    def gated_run(**kwargs):  # the retrain waits until the test has looked at the busy state
        assert gate.wait(60)
        return real_run(**kwargs)

    exp.run = gated_run
    queue = wb.review.queue_widget
    row = queue.rows[0]["row"]
    queue.relabel(row, 1 - int(wb.result_.points.loc[row, "teacher_label"]))
    future = queue.retrain()
    assert not future.done() and wb.retraining
    assert queue.retrain_button.disabled and "retraining" in queue.status_html.value
    assert wb.picker.run_button.disabled                        # no new Run while it retrains
    with pytest.raises(ValueError, match="a run is in progress"):
        wb._on_retrain({row: 0})                                # one retrain at a time
    gate.set()
    summary = future.result(timeout=120)
    wb.retrain_thread_.join(10)
    assert summary["reviewed labels"] == 1 and wb.result_.points.loc[row, "label_source"] == "reviewed"
    assert queue.last_result is summary and "student acc after" in queue.status_html.value
    assert not queue.retrain_button.disabled and not wb.picker.run_button.disabled


def test_show_in_the_review_tab_draws_the_rows_split_and_selects_it(ran):
    wb, _ = ran
    queue = wb.review.queue_widget
    row = queue.rows[0]["row"]
    assert wb.result_.points.loc[row, "split"] == "student_train" and wb.explorer.split == "test"
    queue.rows[0]["show"].click()
    assert wb.explorer.split == "student_train" and wb.dynamics.map.split == "student_train"
    assert wb.selection.get().tolist() == [row]
    for space in ("weak", "strong"):
        assert selected_rows(wb.explorer.figures[space]) == [row]
    queue.relabel(row, 1 - int(wb.result_.points.loc[row, "teacher_label"]))
    queue.retrain_button.click()                                # the retrained maps keep the split drawn
    assert wb.explorer.split == wb.dynamics.map.split == "student_train"


def test_a_result_without_its_experiment_shows_the_queue_but_cannot_retrain(ran):
    wb0, exp = ran
    wb = Workbench(wb0.result_, embeddings=Workbench._embeddings(exp))
    queue = wb.review.queue_widget
    assert queue is not None and queue.retrain_button.disabled
    assert "given a Result only" in wb.review.note.value
    assert "nbr_agree" in queue.queue.items.columns              # embeddings given: neighbour agreement shown
    assert wb.dynamics.map is not None


def test_tabs_say_why_a_result_has_no_diagnostics(fakes):
    wb = Workbench(fakes.FakeExperiment(n_epochs=2), threaded=False, min_interval=0)
    wb.run()
    assert wb.explorer is not None and wb.dynamics.map is None and wb.review.queue_widget is None
    assert "no diagnostics columns" in wb.dynamics.widget.children[0].value
    assert "no teacher_error_score" in wb.review.widget.children[0].value
    pts = fakes.make_points(60)
    tuned = fakes.Result(points=pts, metrics={}, history={}, proba={}, label_names=fakes.LABEL_NAMES,
                         config={"student": {"mode": "lora", "model": "m"}, "projection": "umap"})
    wb = Workbench(tuned)
    for panel in (wb.dynamics, wb.review):
        assert "fine-tuned students skip the gold-free diagnostics" in panel.widget.children[0].value


def test_a_new_run_closes_the_old_dynamics_and_review_widgets(synth, tmp_path):
    import ipywidgets as W

    wb = Workbench(_experiment(synth, tmp_path, epochs=3), threaded=False, projection="pca", min_interval=0)
    wb.run()
    first_map, first_queue = wb.dynamics.map, wb.review.queue_widget
    after_one = len(W.Widget.widgets)
    wb.run()
    assert len(W.Widget.widgets) == after_one
    assert first_map.figure.comm is None and first_queue.retrain_button.comm is None
    row = int(first_map.figure.data[0].customdata[0])
    wb.selection.set([row])                                     # the closed map no longer follows it
    stale = first_map.figure.data[0].selectedpoints
    assert stale is None or len(stale) == 0
    assert selected_rows(wb.dynamics.map.figure) == [row]
    wb.close()


def test_the_dynamics_tab_lists_the_points_whose_neighbourhood_changed_most(ran):
    import re

    wb, _ = ran
    points = wb.result_.points

    def expected(split):
        rows = points[points["split"] == split]
        return rows["id"].to_numpy()[np.argsort(rows["knn_jaccard"].to_numpy(), kind="stable")[:15]].tolist()

    def listed():
        return re.findall(r"<tr><td>([^<]*)</td>", wb.dynamics.changed_html.value)

    assert listed() == expected("test") and "the test split" in wb.dynamics.changed_html.value
    wb.explorer.split_dropdown.value = "student_train"  # the list follows the maps' split
    assert listed() == expected("student_train")


def test_the_explorer_colours_by_the_teacher_error_score_and_the_neighbourhood_change(ran):
    wb, _ = ran
    explorer = wb.explorer
    for mode in ("teacher_error_score", "knn_jaccard"):
        assert mode in explorer.color_dropdown.options
        explorer.color_dropdown.value = mode
        legend = [html.value for _, html in explorer._legend_rows if html.value]
        assert any("top 10%" in text for text in legend), legend
        codes = set(np.asarray(explorer.figures["strong"].data[0].marker.color).tolist())
        assert 0 in codes and 3 in codes  # the lowest-half and the top-10% groups are both drawn
