"""ScatterMaps driven headlessly: selections arrive as the browser sends them (binary comm
state of one map), recolours, the hover panel, sampling, bad input, and the bytes of the
first display (the widget states serialised as the kernel sends them)."""

from __future__ import annotations

import numpy as np
import pytest
import traitlets

pytest.importorskip("jscatter")

from widgets import Selection  # noqa: E402
from widgets import palette as P  # noqa: E402
from widgets.scatter_cells import cell_palette, joint_cells, state_bytes  # noqa: E402
from widgets.scatter_maps import ScatterMaps  # noqa: E402

from ._helpers import scatter_select as _browser_select  # noqa: E402

LABELS = ("negative", "positive")


def _cell_colours(widget):
    return [tuple(np.round(np.asarray(c, dtype=float)[:3], 4)) for c in widget.color]


def _rgb(hex_color):
    return tuple(np.round(P.hex_to_rgb(hex_color), 4))


def test_lasso_in_one_map_selects_in_the_other_and_in_the_shared_selection(fakes):
    pts = fakes.make_points(400)
    shared = Selection(n_rows=len(pts))
    maps = ScatterMaps(pts, label_names=LABELS, selection=shared)
    drawn = maps.drawn_rows()
    assert sorted(drawn.tolist()) == list(range(400))  # every point drawn
    positions = [5, 17, 200, 399]
    _browser_select(maps.maps["weak"], positions)
    assert shared.indices.tolist() == sorted(drawn[positions].tolist())
    assert shared.source == "weak"
    assert sorted(np.asarray(maps.maps["strong"].selection).tolist()) == positions
    assert "4 selected" in maps.summary_html.value
    # and back from the strong map; an empty lasso clears both
    _browser_select(maps.maps["strong"], [3])
    assert shared.indices.tolist() == [int(drawn[3])] and shared.source == "strong"
    assert np.asarray(maps.maps["weak"].selection).tolist() == [3]
    assert f"row {int(drawn[3])}, clicked" in maps.point_html.value
    _browser_select(maps.maps["weak"], [])
    assert len(shared) == 0 and len(maps.maps["strong"].selection) == 0


def test_selection_set_in_code_shows_in_both_maps(fakes):
    pts = fakes.make_points(300)
    maps = ScatterMaps(pts, label_names=LABELS)
    rows = [0, 10, 250]
    maps.select(rows)
    pos = maps._pos[rows]
    for w in maps.maps.values():
        assert sorted(np.asarray(w.selection).tolist()) == sorted(pos.tolist())
    assert maps.selection.source == "code"


def test_recolour_sends_only_colour_traits_and_colours_every_point_by_its_group(fakes):
    pts = fakes.make_points(500)
    maps = ScatterMaps(pts, label_names=LABELS, color_by="category")
    weak = maps.maps["weak"]
    cells, first = maps._cells, maps._first
    drawn = maps.drawn_rows()
    colours = _cell_colours(weak)
    categories = pts["category"].to_numpy()[drawn]
    for i in range(0, len(drawn), 37):
        assert colours[cells[i]] == _rgb(P.CATEGORY_COLORS[categories[i]])
    points_before = np.asarray(weak.points).copy()
    changed = []
    weak.observe(lambda c: changed.append(c["name"]), names=traitlets.All)
    maps.recolor("gold")
    assert changed and "points" not in changed, changed
    assert set(changed) <= {"color", "color_scale", "color_domain", "color_histogram", "color_by",
                            "color_title", "legend_encoding"}, changed
    assert np.array_equal(np.asarray(weak.points), points_before)
    colours = _cell_colours(weak)
    gold = pts["gold"].to_numpy()[drawn]
    for i in range(0, len(drawn), 37):
        assert colours[cells[i]] == _rgb(P.LABEL_COLORS[gold[i]])
    assert _cell_colours(maps.maps["strong"]) == colours
    assert maps.color_dropdown.value == "gold" and "negative" in maps.legend_html.value
    assert len(first) == len(weak.color)


def test_too_many_cells_fall_back_to_the_modes_own_codes(fakes, monkeypatch):
    import widgets.scatter_cells as C

    monkeypatch.setattr(C, "MAX_CELLS", 1)
    pts = fakes.make_points(300)
    maps = ScatterMaps(pts, label_names=LABELS)
    weak, drawn = maps.maps["weak"], maps.drawn_rows()
    maps.recolor("gold")
    gold = pts["gold"].to_numpy()[drawn]
    values = np.asarray(weak.points)[:, 2].astype(int)  # the colour channel now holds the gold codes
    colours = _cell_colours(weak)
    for i in range(0, len(drawn), 17):
        assert colours[values[i]] == _rgb(P.LABEL_COLORS[gold[i]])


def test_hover_fetches_one_escaped_text_from_the_kernel(fakes):
    pts = fakes.make_points(200)
    maps = ScatterMaps(pts, label_names=LABELS)
    pos = int(maps._pos[0])  # row 0 holds a <script> text
    maps.maps["strong"].hovering = pos
    assert "under the cursor" in maps.point_html.value
    assert "&lt;script&gt;" in maps.point_html.value and "<script>" not in maps.point_html.value


def test_sampling_above_max_points_is_said_in_the_title(fakes):
    pts = fakes.make_points(500)
    maps = ScatterMaps(pts, label_names=LABELS, max_points=200)
    assert len(maps.drawn_rows()) == 200 and len(maps.maps["weak"].points) == 200
    assert "random sample of 200 of 500" in maps.titles["weak"].value
    maps.select([int(r) for r in range(500) if maps._pos[r] < 0][:3])  # undrawn rows stay selected in code
    assert len(maps.selection) == 3 and len(maps.maps["weak"].selection) == 0


def test_bad_input_names_the_problem(fakes):
    pts = fakes.make_points(50)
    with pytest.raises(TypeError, match="DataFrame"):
        ScatterMaps(pts.to_dict())
    with pytest.raises(ValueError, match="lacks columns"):
        ScatterMaps(pts.drop(columns=["category"]))
    with pytest.raises(ValueError, match="color_by"):
        ScatterMaps(pts, color_by="nope")
    with pytest.raises(ValueError, match="selection is for 10 rows"):
        ScatterMaps(pts, selection=Selection(n_rows=10))
    with pytest.raises(ValueError, match="NaN"):
        ScatterMaps(fakes.make_points(50, coords=False))
    with pytest.raises(ValueError, match="max_points"):
        ScatterMaps(pts, max_points=0)


def test_show_rows_filters_by_positions_without_resending_points(fakes):
    pts = fakes.make_points(400)
    maps = ScatterMaps(pts, label_names=LABELS)
    weak, drawn = maps.maps["weak"], maps.drawn_rows()
    points_before = np.asarray(weak.points).copy()
    changed = []
    weak.observe(lambda c: changed.append(c["name"]), names=traitlets.All)
    test = pts["split"].to_numpy() == "test"
    maps.show_rows(test)
    assert "points" not in changed and "filter" in changed
    assert np.array_equal(np.asarray(weak.points), points_before)
    expected = np.flatnonzero(test[drawn])
    for w in maps.maps.values():
        assert np.asarray(w.filter).tolist() == expected.tolist()
    assert sorted(maps.shown_rows().tolist()) == np.flatnonzero(test).tolist()
    assert f"{int(test.sum())} points" in maps.titles["strong"].value
    category = pts["category"].to_numpy()
    shown_counts = {c: int((category[test] == c).sum()) for c in set(category[test])}
    for name, k in shown_counts.items():
        assert f"<b>{name}</b> {k:,}" in maps.legend_html.value
    maps.show_rows(None)  # every row again: no filter
    assert all(w.filter is None for w in maps.maps.values()) and len(maps.shown_rows()) == 400


def test_a_lasso_keeps_only_shown_rows_and_hidden_selected_rows_are_not_sent(fakes):
    pts = fakes.make_points(300)
    maps = ScatterMaps(pts, label_names=LABELS)
    drawn = maps.drawn_rows()
    train = pts["split"].to_numpy() == "student_train"
    maps.show_rows(np.flatnonzero(train))
    shown_pos = [int(p) for p in np.flatnonzero(train[drawn])[:3]]
    hidden_pos = [int(p) for p in np.flatnonzero(~train[drawn])[:2]]
    _browser_select(maps.maps["weak"], sorted(shown_pos + hidden_pos))
    assert maps.selection.indices.tolist() == sorted(drawn[shown_pos].tolist())
    hidden_rows = drawn[hidden_pos].tolist()
    maps.select(hidden_rows + [int(drawn[shown_pos[0]])])  # code may select hidden rows: the maps show the rest
    assert len(maps.selection) == 3
    for w in maps.maps.values():
        assert np.asarray(w.selection).tolist() == [shown_pos[0]]
    with pytest.raises(ValueError, match="one entry per row"):
        maps.show_rows(np.ones(5, dtype=bool))
    with pytest.raises(ValueError, match="positions"):
        maps.show_rows([0, 300])
    with pytest.raises(TypeError, match="integer row positions"):
        maps.show_rows([0.5])


def test_a_one_point_selection_from_a_map_calls_on_click(fakes):
    pts = fakes.make_points(200)
    maps = ScatterMaps(pts, label_names=LABELS)
    clicked = []
    maps.on_click(clicked.append)
    _browser_select(maps.maps["strong"], [7])
    _browser_select(maps.maps["strong"], [7, 8])  # a lasso is no click
    maps.select([int(maps.drawn_rows()[9])])  # nor is a selection made in code
    assert clicked == [int(maps.drawn_rows()[7])]
    with pytest.raises(TypeError, match="callable"):
        maps.on_click(3)


def test_set_coords_moves_one_map_and_keeps_colours_and_filter(fakes):
    pts = fakes.make_points(300)
    maps = ScatterMaps(pts, label_names=LABELS, projection="PCA")
    weak, strong, drawn = maps.maps["weak"], maps.maps["strong"], maps.drawn_rows()
    maps.show_rows(pts["split"].to_numpy() == "test")
    before_w, before_s = np.asarray(weak.points).copy(), np.asarray(strong.points).copy()
    filt = np.asarray(weak.filter).copy()
    xy = np.random.default_rng(5).normal(size=(300, 2))
    maps.set_coords("weak", xy, projection="UMAP")
    now = np.asarray(weak.points)
    assert np.corrcoef(now[:, 0], xy[drawn, 0])[0, 1] > 0.999 and np.corrcoef(now[:, 1], xy[drawn, 1])[0, 1] > 0.999
    assert not np.allclose(now[:, :2], before_w[:, :2])
    assert np.array_equal(now[:, 2], before_w[:, 2])  # the colour cells stay
    assert np.array_equal(np.asarray(strong.points), before_s)
    assert np.asarray(weak.filter).tolist() == filt.tolist()
    assert "weak space (UMAP)" in maps.titles["weak"].value and "strong space (PCA)" in maps.titles["strong"].value
    assert np.allclose(maps.coords("weak"), xy.astype(np.float32))
    with pytest.raises(ValueError, match="NaN"):
        maps.set_coords("strong", np.full((300, 2), np.nan))
    with pytest.raises(ValueError, match="space"):
        maps.set_coords("middle", xy)
    with pytest.raises(TypeError, match="None"):
        maps.set_coords("weak", None)


def test_points_are_drawn_at_the_set_opacity_not_the_density_ramp(fakes):
    """jupyter-scatter 1.0.1 built its widget with the 256-step density ramp (from 1/256) as
    ``opacity``, so the browser drew every point almost transparent; the widget must carry the
    one opacity of :func:`widgets.figures.marker_style` (+ 0.2) and no opacity encoding."""
    from widgets import figures as F

    pts = fakes.make_points(2_000)
    maps = ScatterMaps(pts, label_names=LABELS)
    expected = min(1.0, F.marker_style(2_000)["opacity"] + 0.2)
    for w in maps.maps.values():
        assert isinstance(w.opacity, float) and w.opacity == pytest.approx(expected)
        assert w.opacity_by is None


def test_joint_cells_number_every_combination_once():
    a, b = np.array([0, 1, 0, 1, 0]), np.array([2, 2, 2, 0, 0])
    cells, first = joint_cells({"a": a, "b": b})
    pairs = {(int(a[i]), int(b[i])) for i in range(5)}
    assert len(first) == len(pairs) == 4
    for i in range(5):
        j = first[cells[i]]
        assert (a[j], b[j]) == (a[i], b[i])
    assert cell_palette(a, first, ["#000000", "#FFFFFF"]) == [["#000000", "#FFFFFF"][a[j]] for j in first]
    with pytest.raises(ValueError, match="as long"):
        joint_cells({"a": a, "b": b[:3]})


def test_first_display_data_is_at_most_40_bytes_per_point_at_100k(fakes):
    n = 100_000
    pts = fakes.make_points(n, seed=3)
    maps = ScatterMaps(pts, label_names=LABELS)
    widgets = _tree(maps.widget)
    sizes = [state_bytes(w) for w in widgets]
    total = sum(s["total"] for s in sizes)
    per_point = total / n
    print(f"first display of ScatterMaps at {n:,} points: {total:,} bytes = {per_point:.1f} bytes/point "
          f"({len(widgets)} widgets; binary {sum(s['buffers'] for s in sizes):,}; "
          f"front-end modules {sum(s['esm'] for s in sizes):,})")
    assert sum(s["buffers"] for s in sizes) >= 2 * 16 * n  # the point arrays travel as binary
    # the data (JSON state + binary buffers) is at most 40 bytes per point; the front-end module
    # (jupyter-scatter's 2.1 MB bundle, sent once per map) comes on top and does not grow with n
    data = total - sum(s["esm"] for s in sizes)
    assert data / n <= 40, f"{data / n:.1f} bytes/point of data"
    assert sum(s["esm"] for s in sizes) < 2.5e6 * 2


def _tree(widget, seen=None):
    import ipywidgets as W

    seen = {} if seen is None else seen
    if widget.model_id in seen:
        return list(seen.values())
    seen[widget.model_id] = widget
    for name in widget.keys:
        value = getattr(widget, name, None)
        for item in value if isinstance(value, (list, tuple)) else (value,):
            if isinstance(item, W.Widget):
                _tree(item, seen)
    return list(seen.values())
