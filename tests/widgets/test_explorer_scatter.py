"""EmbeddingExplorer with jupyter-scatter maps (``maps="scatter"``, or ``"auto"`` on a large
table), driven headlessly: selections arrive as the browser sends them (the binary
``selection`` trait of one map), the split and the legend become the ``filter`` trait, a
recolour changes colour traits only, and the Workbench passes the choice through."""

from __future__ import annotations

import numpy as np
import pytest
import traitlets

pytest.importorskip("jscatter")

from widgets import EmbeddingExplorer, Workbench  # noqa: E402
from widgets import maps as X  # noqa: E402

from ._helpers import scatter_select  # noqa: E402


@pytest.fixture
def scatter_explorer(points, embeddings, fakes):
    return EmbeddingExplorer(points, embeddings=embeddings, label_names=fakes.LABEL_NAMES, split="all",
                             maps="scatter")


def _filter(widget):
    return None if widget.filter is None else np.asarray(widget.filter).tolist()


def test_a_lasso_in_a_scatter_map_reaches_the_selection_the_other_map_and_the_table(scatter_explorer, points):
    ex = scatter_explorer
    assert ex.maps_kind == "scatter" and ex.figures == {} and ex.scatter_maps is not None
    weak, strong = ex.scatter_maps.maps["weak"], ex.scatter_maps.maps["strong"]
    order = ex.scatter_maps.drawn_rows()
    assert sorted(order.tolist()) == list(range(len(points)))
    positions = [4, 40, 120, 299]
    scatter_select(weak, positions)
    rows = sorted(order[positions].tolist())
    assert ex.selection.indices.tolist() == rows and ex.selection.source == "weak"
    assert sorted(np.asarray(strong.selection).tolist()) == positions
    table = ex.selection_frame()
    assert sorted(table["row"].tolist()) == rows
    for row in rows:
        assert f"<td>{points['id'][row]}</td>" in ex.table_html.value
    assert f"<b>{len(rows)} selected</b>" in ex.stats_html.value


def test_a_one_point_selection_is_a_click_that_shows_the_neighbours(scatter_explorer, points):
    ex = scatter_explorer
    order = ex.scatter_maps.drawn_rows()
    scatter_select(ex.scatter_maps.maps["strong"], [17])
    row = int(order[17])
    assert ex.selection.indices.tolist() == [row]
    assert points["id"][row] in ex.neighbors_html.value
    assert "weak space" in ex.neighbors_html.value and "strong space" in ex.neighbors_html.value
    assert f"row {row}, clicked" in ex.scatter_maps.point_html.value


def test_the_split_is_a_filter_and_keeps_only_drawn_selected_rows(points, fakes):
    ex = EmbeddingExplorer(points, label_names=fakes.LABEL_NAMES, maps="scatter")
    weak = ex.scatter_maps.maps["weak"]
    order, split = ex.scatter_maps.drawn_rows(), points["split"].to_numpy()
    assert ex.split == "test"
    assert _filter(weak) == np.flatnonzero(split[order] == "test").tolist()
    test_rows = np.flatnonzero(split == "test")
    assert f"{len(test_rows)} test points" in ex.scatter_maps.titles["weak"].value
    points_before = np.asarray(weak.points).copy()
    changed = []
    weak.observe(lambda c: changed.append(c["name"]), names=traitlets.All)
    train_rows = np.flatnonzero(split == "student_train")
    ex.select(np.concatenate([test_rows[:2], train_rows[:3]]))
    ex.show_split("student_train")
    assert "points" not in changed and np.array_equal(np.asarray(weak.points), points_before)
    assert _filter(weak) == np.flatnonzero(split[order] == "student_train").tolist()
    assert ex.selection.indices.tolist() == sorted(train_rows[:3].tolist())
    assert sorted(order[np.asarray(weak.selection)].tolist()) == sorted(train_rows[:3].tolist())
    assert sorted(ex.drawn_rows().tolist()) == train_rows.tolist()
    # a lasso over shown and filtered-out points selects the shown ones only
    hidden = int(np.flatnonzero(split[order] == "test")[0])
    shown = int(np.flatnonzero(split[order] == "student_train")[0])
    scatter_select(weak, sorted([hidden, shown]))
    assert ex.selection.indices.tolist() == [int(order[shown])]
    ex.show_split("all")
    assert _filter(weak) is None


def test_unticking_a_legend_entry_filters_that_group_out_of_both_maps(scatter_explorer, points):
    ex = scatter_explorer
    order, category = ex.scatter_maps.drawn_rows(), points["category"].to_numpy()
    name = next(iter(ex.legend))
    ex.legend[name].value = False
    keep = np.flatnonzero(category[order] != name).tolist()
    for w in ex.scatter_maps.maps.values():
        assert _filter(w) == keep
    assert f"hidden: {name}" in ex.counts_html.value
    ex.legend[name].value = True
    assert all(_filter(w) is None for w in ex.scatter_maps.maps.values())


def test_recolour_changes_colour_traits_only_and_a_hidden_group_comes_back(scatter_explorer, points):
    ex = scatter_explorer
    weak = ex.scatter_maps.maps["weak"]
    before_points, before_colours = np.asarray(weak.points).copy(), [list(c) for c in weak.color]
    changed = []
    weak.observe(lambda c: changed.append(c["name"]), names=traitlets.All)
    ex.recolor("gold")
    assert changed and "points" not in changed and "filter" not in changed, changed
    assert np.array_equal(np.asarray(weak.points), before_points)
    assert [list(c) for c in weak.color] != before_colours
    assert ex.scatter_maps.color_by == "gold" and set(ex.legend) == {"negative", "positive"}
    ex.set_hidden(["negative"])
    assert _filter(weak) == np.flatnonzero(points["gold"].to_numpy()[ex.scatter_maps.drawn_rows()] != 0).tolist()
    ex.recolor("category")  # a new colour mode shows every group again
    assert _filter(weak) is None and ex.scatter_maps.color_by == "category"


def test_set_coords_swaps_the_preview_in_one_scatter_map(fakes):
    pts = fakes.make_points(200, coords=False)
    ex = EmbeddingExplorer(pts, embeddings=fakes.make_embeddings(pts), split="all", maps="scatter")
    assert "weak space (PCA)" in ex.scatter_maps.titles["weak"].value
    order, weak = ex.scatter_maps.drawn_rows(), ex.scatter_maps.maps["weak"]
    umap = np.random.default_rng(2).normal(size=(200, 2))
    ex.set_coords("weak", umap, label="UMAP")
    now = np.asarray(weak.points)
    assert np.corrcoef(now[:, 0], umap[order, 0])[0, 1] > 0.999
    assert "weak space (UMAP)" in ex.scatter_maps.titles["weak"].value
    assert "strong space (PCA)" in ex.scatter_maps.titles["strong"].value
    with pytest.raises(ValueError, match="NaN"):
        ex.set_coords("strong", np.full((200, 2), np.inf))


def test_auto_picks_the_library_by_the_number_of_drawn_rows(points, fakes, monkeypatch):
    assert X.resolve_maps("auto", X.AUTO_SCATTER_ROWS) == "plotly"
    assert X.resolve_maps("auto", X.AUTO_SCATTER_ROWS + 1) == "scatter"
    assert X.resolve_maps("plotly", 10**7) == "plotly" and X.resolve_maps("scatter", 1) == "scatter"
    small = EmbeddingExplorer(points, label_names=fakes.LABEL_NAMES)
    assert small.maps_kind == "plotly" and set(small.figures) == {"weak", "strong"} and small.scatter_maps is None
    monkeypatch.setattr(X, "AUTO_SCATTER_ROWS", 100)  # a 300-row table is "large" now
    big = EmbeddingExplorer(points, label_names=fakes.LABEL_NAMES)
    assert big.maps_kind == "scatter" and big.figures == {}
    sampled = EmbeddingExplorer(points, label_names=fakes.LABEL_NAMES, max_points=100)  # 100 rows drawn
    assert sampled.maps_kind == "plotly"


def test_bad_maps_values_name_the_valid_ones(points):
    with pytest.raises(ValueError, match="'auto', 'plotly', 'scatter'"):
        EmbeddingExplorer(points, maps="webgl")
    with pytest.raises(TypeError, match="maps must be one of"):
        EmbeddingExplorer(points, maps=None)
    with pytest.raises(ValueError, match="'auto', 'plotly', 'scatter'"):
        Workbench(maps="bokeh")
    with pytest.raises(TypeError, match="positional"):  # maps is keyword-only
        EmbeddingExplorer(points, "scatter")


def test_the_workbench_passes_maps_through_and_presenter_styling_enlarges_scatter_points(fakes):
    from widgets.presenter import present

    pts = fakes.make_points(150)
    result = fakes.Result(points=pts, metrics={"weak_acc": 0.7, "ceiling_acc": 0.9}, history={}, proba={},
                          label_names=fakes.LABEL_NAMES, config={"projection": "umap"})
    wb = Workbench(result, embeddings=fakes.make_embeddings(pts), maps="scatter")
    assert wb.explorer.maps_kind == "scatter" and wb.explorer.figures == {}
    assert wb.tabs.children[2].children[0] is wb.explorer.widget
    test = np.flatnonzero(pts["split"] == "test")
    wb.selection.set(test[[1, 2]])
    order = wb.explorer.scatter_maps.drawn_rows()
    assert sorted(order[np.asarray(wb.explorer.scatter_maps.maps["weak"].selection)].tolist()) == test[[1, 2]].tolist()
    # 150 points: marker_style size 10 - 1.6 log10(1.5) = 9.7 px, whole px in jscatter: 9; presenter +2
    assert [m.size for m in wb.explorer.scatter_maps.maps.values()] == [9, 9]
    present(wb, font_size=20)
    assert "w2s-presenter" in wb.widget._dom_classes
    assert [m.size for m in wb.explorer.scatter_maps.maps.values()] == [11, 11]
    present(wb, font_size=20)  # a second call does not grow them again
    assert [m.size for m in wb.explorer.scatter_maps.maps.values()] == [11, 11]
    wb.show_result(result, embeddings=fakes.make_embeddings(pts))  # a new explorer under presenter mode
    assert [m.size for m in wb.explorer.scatter_maps.maps.values()] == [11, 11]
    assert Workbench(result).explorer.maps_kind == "plotly"


def test_the_workbench_passes_max_points_through_and_checks_it(fakes):
    pts = fakes.make_points(150)
    result = fakes.Result(points=pts, metrics={"weak_acc": 0.7, "ceiling_acc": 0.9}, history={}, proba={},
                          label_names=fakes.LABEL_NAMES, config={"projection": "umap"})
    wb = Workbench(result, embeddings=fakes.make_embeddings(pts), maps="scatter", max_points=40)
    assert wb.explorer.max_points == 40 and len(wb.explorer.scatter_maps.drawn_rows()) == 40
    with pytest.raises(ValueError, match="max_points"):
        Workbench(result, max_points=0)
    with pytest.raises(TypeError, match="max_points"):
        Workbench(result, max_points="many")


def test_a_workbench_run_with_scatter_maps_swaps_the_pca_preview_for_umap(fakes):
    exp = fakes.FakeExperiment(n_epochs=2)
    wb = Workbench(exp, threaded=False, min_interval=0, maps="scatter")
    wb.run()
    assert exp.calls[-2:] == ["project:pca", "project:umap"] and wb.explorer.maps_kind == "scatter"
    umap, maps = exp.project(method="umap"), wb.explorer.scatter_maps
    for space in ("weak", "strong"):
        assert "(UMAP)" in maps.titles[space].value
        assert np.allclose(maps.coords(space), umap[space])
        now = np.asarray(maps.maps[space].points)
        assert np.corrcoef(now[:, 0], umap[space][maps.drawn_rows(), 0])[0, 1] > 0.999


def test_close_closes_every_widget_of_the_scatter_view(points):
    import ipywidgets as W

    before = len(W.Widget.widgets)
    ex = EmbeddingExplorer(points, maps="scatter")
    assert len(W.Widget.widgets) > before
    ex.close()
    assert len(W.Widget.widgets) == before
