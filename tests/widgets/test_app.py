"""Workbench: the three views in one layout, sharing one experiment, stop event and selection."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

import numpy as np
import pytest

from widgets import EmbeddingExplorer, Workbench
from widgets.cli import DEFAULTS


def test_workbench_opens_the_picker_on_the_offline_default_without_heavy_work():
    code = textwrap.dedent("""
        import json, sys, threading
        from widgets import Workbench
        wb = Workbench()
        heavy = [m for m in ("torch", "transformers", "umap", "onnxruntime", "sentence_transformers")
                 if m in sys.modules]
        print(json.dumps({"threads": threading.active_count(), "heavy": heavy, "tab": wb.tabs.selected_index,
                          "titles": list(wb.tabs.titles), "config": wb.picker.config(),
                          "experiment": wb.picker.experiment_ is None, "explorer": wb.explorer is None}))
    """)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    state = json.loads(out.stdout.strip().splitlines()[-1])
    assert state["threads"] == 1 and state["heavy"] == []
    assert state["experiment"] and state["explorer"]
    assert state["titles"] == ["Setup", "Training", "Explore", "Dynamics", "Review"] and state["tab"] == 0
    cfg = state["config"]
    assert (cfg["dataset"], cfg["weak"], cfg["strong"]) == (DEFAULTS["dataset"], DEFAULTS["weak"], DEFAULTS["strong"])
    assert cfg["classes"] == ["negative", "positive"]


def test_run_fills_monitor_and_explorer_then_swaps_pca_for_umap(fakes):
    exp = fakes.FakeExperiment(n_epochs=4)
    wb = Workbench(exp, threaded=False, min_interval=0)
    assert wb.picker.experiment_ is exp and wb.explorer is None
    wb.picker.run_button.click()
    assert wb.picker.error_area.value == "" and exp.calls == ["run", "embed", "project:pca", "project:umap"]
    acc = wb.monitor.panel("accuracy")[0]
    assert list(acc.x) == [1, 2, 3, 4]
    assert list(acc.y) == [r.metrics["student_acc"] for r in wb.result_.history["student"]]
    assert isinstance(wb.explorer, EmbeddingExplorer) and wb.explorer.selection is wb.selection
    umap = exp.project(method="umap")
    for space in ("weak", "strong"):
        fig = wb.explorer.figures[space]
        assert fig.layout.title.text.startswith(f"{space} space (UMAP)")
        rows = np.asarray(fig.data[0].customdata)
        assert np.allclose(fig.data[0].x, umap[space][rows, 0], atol=1e-5)
    assert wb.tabs.selected_index == 2 and wb.tabs.children[2].children[0] is wb.explorer.widget


def test_monitor_stop_and_picker_cancel_share_one_event(fakes):
    exp = fakes.FakeExperiment(n_epochs=500, epoch_delay=0.01)
    wb = Workbench(exp)
    assert wb.monitor.stop_event is wb.picker.stop_event
    wb.picker.run_button.click()
    assert exp.started.wait(10)
    wb.monitor.stop_button.click()
    wb.picker.thread_.join(10)
    assert not wb.picker.running and len(wb.monitor.records) < 500
    assert "project:umap" not in exp.calls  # stopped: the PCA preview is kept
    assert wb.explorer is not None and wb.explorer.figures["weak"].layout.title.text.startswith("weak space (PCA)")


def test_workbench_shows_a_result_given_in_code(fakes):
    pts = fakes.make_points(150)
    y = pts.loc[pts["split"] == "test", "gold"].to_numpy()
    history = {"student": [fakes.make_record(e, 3, y) for e in (1, 2, 3)]}
    result = fakes.Result(points=pts, metrics={"weak_acc": 0.7, "ceiling_acc": 0.9}, history=history,
                              proba={}, label_names=fakes.LABEL_NAMES, config={"projection": "umap"})
    wb = Workbench(result, embeddings=fakes.make_embeddings(pts))
    test = np.flatnonzero(pts["split"] == "test")
    assert wb.explorer is not None and wb.explorer.split == "test"
    assert sorted(wb.explorer.figures["weak"].data[0].customdata) == test.tolist()  # the headline split
    assert list(wb.monitor.panel("accuracy")[0].x) == [1, 2, 3]
    assert sum(wb.monitor.panel("reliability")[1].customdata) == len(y)
    wb.selection.set(test[[1, 2]])
    main = wb.explorer.figures["strong"].data[0]
    assert sorted(np.asarray(main.customdata)[np.asarray(main.selectedpoints)]) == test[[1, 2]].tolist()


def test_a_new_run_replaces_the_explorer_and_clears_the_selection(fakes):
    exp = fakes.FakeExperiment(n_epochs=2)
    wb = Workbench(exp, threaded=False, projection="pca")
    wb.run()
    first = wb.explorer
    picked = sorted(first.drawn_rows()[:2])
    wb.selection.set(picked)
    wb.run()
    assert wb.explorer is not first and len(wb.selection) == 0
    wb.selection.set(first.drawn_rows()[5:6])  # the closed explorer no longer follows the selection
    old = first.figures["weak"].data[0]
    assert sorted(np.asarray(old.customdata)[np.asarray(old.selectedpoints)]) == picked
    assert first.figures["weak"].comm is None  # and its widgets are closed
    assert "project:umap" not in exp.calls


def test_a_result_without_coordinates_explains_itself_in_the_explore_tab(fakes):
    pts = fakes.make_points(40, coords=False)
    result = fakes.Result(points=pts, metrics={}, history={}, proba={}, label_names=fakes.LABEL_NAMES,
                              config={})
    wb = Workbench(result)
    assert wb.explorer is None
    assert "no 2-D coordinates" in wb.tabs.children[2].children[0].value


def test_rerunning_a_cell_closes_the_old_workbenchs_comms(fakes, monkeypatch):
    import ipywidgets as W

    import widgets.app as app

    monkeypatch.setattr(app, "_cell_id", lambda: "cell-42")
    base = len(W.Widget.widgets)
    first = Workbench(fakes.FakeExperiment(n_epochs=2), threaded=False, min_interval=0)
    first.run()
    made = len(W.Widget.widgets) - base
    assert made > 0 and first.explorer is not None
    for _ in range(3):  # the lecturer reruns the cell three times
        again = Workbench(fakes.FakeExperiment(n_epochs=2), threaded=False, min_interval=0)
        again.run()
    assert len(W.Widget.widgets) - base == made  # only the newest Workbench is alive
    assert first.monitor.figure.comm is None and first.explorer.figures["weak"].comm is None
    again.close()
    assert len(W.Widget.widgets) == base


def test_a_new_run_closes_the_replaced_explorer_widgets(fakes):
    import ipywidgets as W

    wb = Workbench(fakes.FakeExperiment(n_epochs=2), threaded=False, min_interval=0)
    wb.run()
    after_one = len(W.Widget.widgets)
    wb.run()
    assert len(W.Widget.widgets) == after_one


def test_presenter_lays_the_workbench_out_for_a_projector(fakes):
    from widgets.presenter import present

    wb = present(fakes.FakeExperiment(n_epochs=2), font_size=20, threaded=False, min_interval=0)
    assert "w2s-presenter" in wb.widget._dom_classes and "font-size:20px" in wb.widget.children[0].value
    assert wb.monitor.figure.layout.font.size == 16
    css = wb.widget.children[0].value
    # the explorer's summary line and the control labels grow too (labels are not cut: "colour …")
    assert ".w2s-presenter .w2s-summary {font-size:20px" in css and "min-width:100px; white-space:nowrap" in css
    wb.run()
    weak = wb.explorer.figures["weak"]
    assert weak.layout.title.font.size == 20 and weak.layout.font.size == 16
    with pytest.raises(ValueError, match="font_size must be an int"):
        present(wb, font_size=100)
