"""The dynamics map: figure contents, and its link to the explorer through one Selection."""

from __future__ import annotations

import numpy as np
import pytest

from widgets import EmbeddingExplorer, Selection
from widgets.dynamics_view import REGION_COLORS, DynamicsMap, dynamics_figure
from workbench.diagnostics import cartography_region, cartography_thresholds, training_dynamics

from ._helpers import emit


@pytest.fixture
def dyn_points(fakes):
    points = fakes.make_points(200)
    rng = np.random.default_rng(0)
    n = len(points)
    p0 = np.clip(rng.uniform(0, 1, n)[None, :] + rng.normal(0, 0.15, (6, n)), 0, 1)   # 6 epochs
    epoch_proba = np.stack([p0, 1 - p0], axis=2).astype(np.float16)
    dyn = training_dynamics(epoch_proba, teacher_labels=points["teacher_label"].to_numpy(),
                            gold=points["gold"].to_numpy())
    return points.join(dyn)


def test_figure_draws_covered_points_at_variability_and_confidence(dyn_points):
    fig = dynamics_figure(dyn_points)
    main = fig.data[0]
    rows = np.asarray(main.customdata)
    covered = np.flatnonzero(dyn_points["covered"].to_numpy())
    assert rows.tolist() == covered.tolist()                    # teacher target: abstained points have no value
    assert np.allclose(main.x, dyn_points["var_teacher"].to_numpy()[rows])
    assert np.allclose(main.y, dyn_points["conf_teacher"].to_numpy()[rows])
    names = [t.name.split(" (")[0] for t in fig.data[1:]]
    assert names == ["both_right", "copied", "corrected", "corrupted", "uncovered_right", "uncovered_wrong"]


def test_regions_are_shaded_at_the_thresholds_and_counted(dyn_points):
    fig = dynamics_figure(dyn_points)
    conf, var = dyn_points["conf_teacher"].to_numpy(), dyn_points["var_teacher"].to_numpy()
    thr = cartography_thresholds(var)
    shapes = {s.name: s for s in fig.layout.shapes}
    assert set(shapes) == set(REGION_COLORS)
    assert shapes["ambiguous"].x0 == pytest.approx(thr) and shapes["easy"].x1 == pytest.approx(thr)
    assert shapes["easy"].y0 == 0.5 and shapes["hard"].y1 == 0.5
    regions = cartography_region(conf, var)
    for a in fig.layout.annotations:
        assert f"({int(np.sum(regions == a.name)):,})" in a.text
    fixed = dynamics_figure(dyn_points, var_threshold=0.05, conf_threshold=0.3)
    assert {s.name: s.x0 for s in fixed.layout.shapes}["ambiguous"] == 0.05


def test_click_in_the_dynamics_map_selects_the_point_in_both_explorer_maps(dyn_points, fakes):
    sel = Selection(n_rows=len(dyn_points))
    explorer = EmbeddingExplorer(dyn_points, label_names=fakes.LABEL_NAMES, selection=sel)
    dmap = DynamicsMap(dyn_points, selection=sel, label_names=fakes.LABEL_NAMES)
    emit(dmap.figure, "plotly_click", [7])
    row = int(np.asarray(dmap.figure.data[0].customdata)[7])
    assert sel.get().tolist() == [row] and sel.source == "dynamics"
    for fig in explorer.figures.values():
        main = fig.data[0]
        assert np.asarray(main.customdata)[np.asarray(main.selectedpoints)].tolist() == [row]
    assert list(dmap.figure.data[0].selectedpoints) == [7]
    assert "1 selected" in dmap.info_html.value


def test_box_here_selects_and_a_selection_elsewhere_is_highlighted_here(dyn_points):
    dmap = DynamicsMap(dyn_points)
    emit(dmap.figure, "plotly_selected", [1, 2, 3], selector={"type": "box",
                                                              "selector_state": {"xrange": [0, 1], "yrange": [0, 1]}})
    drawn = np.asarray(dmap.figure.data[0].customdata)
    assert dmap.selection.get().tolist() == sorted(drawn[[1, 2, 3]])
    uncovered = int(np.flatnonzero(~dyn_points["covered"].to_numpy())[0])
    dmap.selection.set([int(drawn[10]), uncovered], source="weak")
    assert list(dmap.figure.data[0].selectedpoints) == [10]      # the uncovered row is not drawn here
    assert "2 selected</b> (1 drawn here)" in dmap.info_html.value
    emit(dmap.figure, "plotly_deselect", [])
    assert len(dmap.selection) == 0


def test_a_box_in_layout_selections_selects_points_inside(dyn_points):
    dmap = DynamicsMap(dyn_points)
    x, y = np.asarray(dmap.figure.data[0].x), np.asarray(dmap.figure.data[0].y)
    rows = np.asarray(dmap.figure.data[0].customdata)
    dmap.figure._js2py_relayout = {"relayout_data": {"selections": [
        {"type": "rect", "xref": "x", "yref": "y", "x0": 0, "x1": np.median(x), "y0": 0.5, "y1": 1}]},
        "source_view_id": "t"}
    inside = (x <= np.median(x)) & (y >= 0.5)
    assert inside.sum() > 3 and dmap.selection.get().tolist() == sorted(rows[inside])


def test_switching_to_the_gold_target_redraws_every_point(dyn_points):
    dmap = DynamicsMap(dyn_points)
    dmap.selection.set([0, 1])
    dmap.target_dropdown.value = "gold"
    main = dmap.figure.data[0]
    assert len(main.x) == len(dyn_points) and np.allclose(main.y, dyn_points["conf_gold"].to_numpy())
    assert "gold label" in dmap.figure.layout.title.text and list(main.selectedpoints) == [0, 1]
    assert {s.name: s.x0 for s in dmap.figure.layout.shapes}["ambiguous"] == pytest.approx(
        cartography_thresholds(dyn_points["var_gold"].to_numpy()))


def test_missing_dynamics_columns_raise(fakes):
    with pytest.raises(ValueError, match="training_dynamics"):
        dynamics_figure(fakes.make_points(20))
    with pytest.raises(ValueError, match="target must be one of"):
        dynamics_figure(fakes.make_points(20), target="student")


def test_one_split_at_a_time_keeps_the_selection(dyn_points):
    dmap = DynamicsMap(dyn_points, split="test")
    split = dyn_points["split"].to_numpy()
    covered = dyn_points["covered"].to_numpy()
    rows = np.asarray(dmap.figure.data[0].customdata)
    assert rows.tolist() == np.flatnonzero((split == "test") & covered).tolist()
    assert f"{len(rows):,} test points" in dmap.figure.layout.title.text
    train_row = int(np.flatnonzero((split == "student_train") & covered)[0])
    dmap.selection.set([int(rows[0]), train_row])
    assert list(dmap.figure.data[0].selectedpoints) == [0]       # the training row is not drawn here
    dmap.split_dropdown.value = "student_train"
    rows = np.asarray(dmap.figure.data[0].customdata)
    assert set(split[rows]) == {"student_train"} and len(dmap.selection) == 2
    assert list(rows[np.asarray(dmap.figure.data[0].selectedpoints)]) == [train_row]
    with pytest.raises(ValueError, match="split must be one of"):
        DynamicsMap(dyn_points, split="nope")
