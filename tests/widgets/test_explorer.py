"""EmbeddingExplorer driven headlessly: front-end events are fed through plotly's own
points-callback message (``_js2py_pointsCallback``), exactly as the browser sends them."""

from __future__ import annotations

import base64

import numpy as np
import pytest

from widgets import EmbeddingExplorer, Selection

from ._helpers import emit


def box(x0, x1, y0, y1):
    return {"type": "box", "selector_state": {"xrange": [x0, x1], "yrange": [y0, y1]}}


@pytest.fixture
def explorer(points, embeddings, fakes):
    return EmbeddingExplorer(points, embeddings=embeddings, label_names=fakes.LABEL_NAMES, split="all")


def test_both_maps_draw_every_point_at_its_coordinates(explorer, points):
    for space in ("weak", "strong"):
        main = explorer.figures[space].data[0]
        rows = np.asarray(main.customdata)
        assert main.type == "scattergl" and sorted(rows) == list(range(len(points)))
        assert np.allclose(main.x, points[f"map_{space}_x"].to_numpy()[rows], atol=1e-5)
        assert np.allclose(main.y, points[f"map_{space}_y"].to_numpy()[rows], atol=1e-5)
        assert "<script>" not in "".join(main.text) and "&lt;script&gt;" in "".join(main.text)


def _legend(explorer):
    """The shared legend as a reader sees it: [(name, shown?, text)]."""
    return [(name, box.value, row.value) for (name, box), (_, row) in
            zip(explorer.legend.items(), explorer._legend_rows)]


def test_recolour_changes_legend_names_counts_and_colours_in_one_message(explorer, points, message_log):
    logs = {s: message_log(f) for s, f in explorer.figures.items()}
    counts = points["category"].value_counts()
    legend = _legend(explorer)
    corrected = [text for name, _, text in legend if name == "corrected"][0]
    assert f"<b>corrected</b> {counts['corrected']:,}" in corrected and "teacher labelled it wrong" in corrected
    explorer.color_dropdown.value = "teacher"
    abstained = int((points["teacher_label"] == -1).sum())
    negatives = int((points["teacher_label"] == 0).sum())
    legend = _legend(explorer)
    assert [name for name, _, _ in legend] == ["negative", "positive", "abstained"]
    assert [int(t.split("</b> ")[1].split("<")[0].replace(",", "")) for _, _, t in legend] == \
        [negatives, len(points) - abstained - negatives, abstained]
    weak = explorer.figures["weak"]
    codes = np.asarray(weak.data[0].marker.color)
    rows = np.asarray(weak.data[0].customdata)
    expected = np.where(points["teacher_label"] < 0, 2, points["teacher_label"]).astype(int)[rows]
    assert np.array_equal(codes, expected)
    for space, log in logs.items():
        updates = log.updates()
        assert len(updates) == 1, space  # batch_update: one message per map
        style = updates[0]["style_data"]
        assert "text" not in style  # no hover text re-sent; coordinates only for the few lifted points
        assert all(not isinstance(v, dict) for v in style.get("x", [None])[:1])
    assert "abstained" in _legend(explorer)[2][0] and explorer.color_by == "teacher"


def test_recolour_rejects_unknown_modes(explorer):
    with pytest.raises(ValueError, match="color_by must be one of"):
        explorer.recolor("sentiment")


def test_box_selection_in_one_map_highlights_the_other_and_fills_the_table(explorer, points):
    weak, strong = explorer.figures["weak"], explorer.figures["strong"]
    inds = [0, 5, 9, 40]
    emit(weak, "plotly_selected", inds, selector=box(-100, 100, -100, 100))
    rows = np.asarray(weak.data[0].customdata)[inds]
    assert explorer.selection.get().tolist() == sorted(rows)
    assert explorer.selection.source == "weak"
    strong_rows = np.asarray(strong.data[0].customdata)[np.asarray(strong.data[0].selectedpoints)]
    assert sorted(strong_rows) == sorted(rows)
    for r in rows:
        assert f"<td>{points['id'][r]}</td>" in explorer.table_html.value
    assert "4 selected" in explorer.stats_html.value
    assert "&lt;script&gt;" in explorer.table_html.value and "<script>" not in explorer.table_html.value


def test_setting_the_selection_in_code_moves_both_maps_and_deselect_clears(explorer):
    explorer.selection.set([3, 4], source="code")
    for fig in explorer.figures.values():
        main = fig.data[0]
        assert sorted(np.asarray(main.customdata)[np.asarray(main.selectedpoints)]) == [3, 4]
    emit(explorer.figures["strong"], "plotly_deselect", [])
    assert len(explorer.selection) == 0
    assert all(f.data[0].selectedpoints is None for f in explorer.figures.values())
    assert "Select points" in explorer.table_html.value


def test_selection_is_one_message_per_map(explorer, message_log):
    logs = [message_log(f) for f in explorer.figures.values()]
    explorer.select(list(range(0, 300, 3)))
    for log in logs:
        updates = log.updates()
        assert len(updates) == 1 and list(updates[0]["style_data"]) == ["selectedpoints"]


def test_two_explorers_sharing_a_selection_follow_each_other(points, embeddings):
    sel = Selection(n_rows=len(points))
    a = EmbeddingExplorer(points, embeddings=embeddings, selection=sel)
    b = EmbeddingExplorer(points, embeddings=embeddings, selection=sel, color_by="gold")
    emit(a.figures["strong"], "plotly_selected", [1, 2])
    picked = np.asarray(a.figures["strong"].data[0].customdata)[[1, 2]]
    main = b.figures["weak"].data[0]
    assert sorted(np.asarray(main.customdata)[np.asarray(main.selectedpoints)]) == sorted(picked)
    b.close()
    sel.set([7])
    assert sorted(np.asarray(main.customdata)[np.asarray(main.selectedpoints)]) == sorted(picked)


def test_table_sorts_and_exports_csv(explorer, tmp_path):
    explorer.select([10, 20, 30, 40])
    explorer.sort_dropdown.value = "teacher_conf"
    explorer.ascending.value = True
    frame = explorer.selection_frame()
    assert list(frame["teacher_conf"]) == sorted(frame["teacher_conf"])
    assert set(frame["row"]) == {10, 20, 30, 40} and set(frame["gold"]) <= {"negative", "positive"}
    explorer.csv_path.value = str(tmp_path / "sel.csv")
    explorer.export_button.click()
    text = (tmp_path / "sel.csv").read_text()
    assert text == explorer.to_csv() and text.count("\n") == 5
    href = explorer.export_html.value.split("href='")[1].split("'")[0]
    assert base64.b64decode(href.split(",", 1)[1]).decode() == text


def test_export_to_an_unwritable_path_shows_a_message(explorer, tmp_path):
    explorer.select([1])
    assert explorer.export_csv(tmp_path / "missing" / "x.csv") is None
    assert "could not write" in explorer.export_html.value


def test_click_shows_nearest_neighbours_in_both_spaces(explorer, embeddings, points):
    weak = explorer.figures["weak"]
    emit(weak, "plotly_click", [12])
    row = int(np.asarray(weak.data[0].customdata)[12])
    html = explorer.neighbors_html.value
    assert f"<b>{points['id'][row]}</b>" in html
    for space in ("weak", "strong"):
        E = embeddings[space] / np.linalg.norm(embeddings[space], axis=1, keepdims=True)
        sims = E @ E[row]
        sims[row] = -np.inf
        expected = np.argsort(-sims)[:8]
        nb = explorer.neighbors(row, space=space)
        assert nb["row"].tolist() == expected.tolist()
        assert np.allclose(nb["cosine"], sims[expected], atol=1e-5)
        assert f"<b>{space} space</b>" in html
    agree = int((points["teacher_label"].to_numpy()[expected] == points["student_label"][row]).sum())
    assert f"{agree} of 8 neighbours have teacher label" in html.split("<b>strong space</b>")[1]


def test_neighbours_need_embeddings(points):
    ex = EmbeddingExplorer(points)
    ex.show_neighbors(0)
    assert "Pass embeddings" in ex.neighbors_html.value
    with pytest.raises(ValueError, match="no weak embeddings"):
        ex.neighbors(0, space="weak")


def test_pca_preview_then_umap_swap(fakes):
    pts = fakes.make_points(120, coords=False)
    ex = EmbeddingExplorer(pts, embeddings=fakes.make_embeddings(pts), split="all")
    assert ex.figures["weak"].layout.title.text.startswith("weak space (PCA)")
    xy = np.random.default_rng(0).normal(size=(120, 2))
    ex.set_coords("weak", xy, label="UMAP")
    main = ex.figures["weak"].data[0]
    assert np.allclose(main.x, xy[np.asarray(main.customdata), 0], atol=1e-5)
    assert ex.figures["weak"].layout.title.text.startswith("weak space (UMAP)")
    assert ex.figures["weak"].layout.xaxis.title.text == "UMAP 1"
    with pytest.raises(ValueError, match="NaN or inf"):
        ex.set_coords("strong", np.full((120, 2), np.nan))


def test_no_coordinates_and_no_embeddings_is_a_clear_error(fakes):
    with pytest.raises(ValueError, match="no 2-D coordinates for the weak space"):
        EmbeddingExplorer(fakes.make_points(20, coords=False))


def test_bad_inputs_are_rejected(points, fakes):
    with pytest.raises(TypeError, match="Result or a points DataFrame"):
        EmbeddingExplorer([1, 2, 3])
    with pytest.raises(ValueError, match="lacks columns"):
        EmbeddingExplorer(points.drop(columns=["category"]))
    with pytest.raises(ValueError, match="selection is for 5 rows"):
        EmbeddingExplorer(points, selection=Selection(n_rows=5))
    with pytest.raises(ValueError, match=r"embeddings\['weak'\] must have shape"):
        EmbeddingExplorer(points, embeddings={"weak": np.zeros((3, 2))})


def test_sampled_maps_map_selections_through_row_positions(fakes):
    pts = fakes.make_points(500)
    ex = EmbeddingExplorer(pts, max_points=100, seed=1, split="all")
    main = ex.figures["weak"].data[0]
    shown = np.asarray(main.customdata)
    assert len(shown) == 100 and "random sample of 100 of 500" in ex.figures["weak"].layout.title.text
    hidden = np.setdiff1d(np.arange(500), shown)[:3]
    ex.select([shown[5], *hidden])
    assert list(shown[np.asarray(main.selectedpoints)]) == [shown[5]]
    assert len(ex.selection) == 4  # the table still lists rows that are not drawn


def test_explorer_accepts_a_result_object(points, fakes):
    result = fakes.Result(points=points, metrics={}, history={}, proba={}, label_names=("neg", "pos"),
                              config={"projection": "pca"})
    ex = EmbeddingExplorer(result, color_by="gold")
    assert ex.label_names == ("neg", "pos")
    assert ex.figures["strong"].layout.title.text.startswith("strong space (PCA)")
    assert list(ex.legend) == ["neg", "pos"] and "colour by <b>gold</b>" in ex.counts_html.value


def test_a_bare_table_names_no_method_and_an_old_umap_table_still_draws(points):
    assert EmbeddingExplorer(points).figures["weak"].layout.title.text.startswith("weak space (2-D map)")
    old = points.rename(columns={c: "u" + c for c in ("map_weak_x", "map_weak_y", "map_strong_x", "map_strong_y")})
    ex = EmbeddingExplorer(old)
    assert ex.figures["weak"].layout.title.text.startswith("weak space (UMAP)")
    drawn = ex.figures["weak"].data[0]
    rows = np.asarray(drawn.customdata)
    assert np.allclose(drawn.x, points["map_weak_x"].to_numpy()[rows], atol=1e-5)
    assert "umap_weak_x" in old.columns  # the caller's table is not changed


def relayout(fig, selections):
    """Send plotly.js's relayout message for a drawn box/lasso (``layout.selections``)."""
    fig._js2py_relayout = {"relayout_data": {"selections": selections}, "source_view_id": "test"}


def test_a_box_in_layout_selections_selects_without_the_points_event(explorer, points):
    # a hover right after the mouse-up can overwrite plotly's points event in transit;
    # the box plotly draws into layout.selections still arrives and is enough.
    x, y = points["map_weak_x"].to_numpy(), points["map_weak_y"].to_numpy()
    x0, x1, y0, y1 = np.quantile(x, 0.2), np.quantile(x, 0.7), np.quantile(y, 0.1), np.quantile(y, 0.6)
    relayout(explorer.figures["weak"], [{"type": "rect", "xref": "x", "yref": "y",
                                         "x0": x1, "x1": x0, "y0": y0, "y1": y1}])
    expected = np.flatnonzero((x >= x0) & (x <= x1) & (y >= y0) & (y <= y1))
    assert expected.size > 5 and explorer.selection.get().tolist() == expected.tolist()
    assert explorer.selection.source == "weak"
    strong = explorer.figures["strong"].data[0]
    assert sorted(np.asarray(strong.customdata)[np.asarray(strong.selectedpoints)]) == expected.tolist()


def test_a_lasso_selects_the_points_inside_its_path(explorer, points):
    x, y = points["map_strong_x"].to_numpy(), points["map_strong_y"].to_numpy()
    cx, cy, r = np.median(x), np.median(y), 0.5 * np.std(x)
    angles = np.linspace(0, 2 * np.pi, 40, endpoint=False)
    path = "M" + "L".join(f"{cx + r * np.cos(a):.6f},{cy + r * np.sin(a):.6f}" for a in angles) + "Z"
    relayout(explorer.figures["strong"], [{"type": "path", "path": path}])
    inside = np.flatnonzero(np.hypot(x - cx, y - cy) < r * np.cos(np.pi / 40))  # surely inside the polygon
    outside = np.flatnonzero(np.hypot(x - cx, y - cy) > r)
    picked = set(explorer.selection.get().tolist())
    assert inside.size and set(inside.tolist()) <= picked and not picked & set(outside.tolist())


def test_the_points_event_and_the_layout_agree_and_removing_the_box_clears(explorer, points):
    x = points["map_weak_x"].to_numpy()
    shape = {"type": "rect", "x0": -1e9, "x1": np.median(x), "y0": -1e9, "y1": 1e9}
    inds = np.flatnonzero(np.asarray(explorer.figures["weak"].data[0].x) <= np.median(x))
    emit(explorer.figures["weak"], "plotly_selected", inds, selector=box(-1e9, np.median(x), -1e9, 1e9))
    first = explorer.selection.get().copy()
    relayout(explorer.figures["weak"], [shape])
    assert explorer.selection.get().tolist() == first.tolist() == np.flatnonzero(x <= np.median(x)).tolist()
    relayout(explorer.figures["strong"], [])  # the other map had no box: nothing changes
    assert len(explorer.selection) == len(first)
    relayout(explorer.figures["weak"], [])  # double-click removes this map's box
    assert len(explorer.selection) == 0


def test_a_selection_from_elsewhere_leaves_the_old_box_alone(explorer, points, message_log):
    # removing it would make plotly.js emit a deselect in that map, clearing the new selection
    weak = explorer.figures["weak"]
    relayout(weak, [{"type": "rect", "x0": -1e9, "x1": 1e9, "y0": -1e9, "y1": 1e9}])
    assert len(explorer.selection) == len(points)
    log = message_log(weak)
    explorer.select([1, 2])
    assert explorer.selection.get().tolist() == [1, 2]
    sent = [d["state"] for d, _ in log.messages if d.get("method") == "update"]
    assert sent and not any(state.get("_py2js_relayout") for state in sent)


def test_dragging_or_resizing_a_drawn_box_updates_the_selection(explorer, points):
    # plotly.js sends edits of a drawn box as paths ("selections[0].x1"), which plotly.py
    # alone rejects with "Invalid property path"
    x = points["map_weak_x"].to_numpy()
    med = float(np.median(x))
    relayout(explorer.figures["weak"], [{"type": "rect", "x0": -1e9, "x1": med, "y0": -1e9, "y1": 1e9}])
    assert explorer.selection.get().tolist() == np.flatnonzero(x <= med).tolist()
    q = float(np.quantile(x, 0.25))
    explorer.figures["weak"]._js2py_relayout = {"relayout_data": {"selections[0].x1": q}, "source_view_id": "t"}
    assert explorer.selection.get().tolist() == np.flatnonzero(x <= q).tolist()
    assert explorer.figures["weak"].layout.to_plotly_json()["selections"][0]["x1"] == q


def test_merge_selection_edits_leaves_other_relayouts_alone():
    from widgets.selection import merge_selection_edits

    data = {"xaxis.range[0]": 1}
    assert merge_selection_edits(data, []) is data
    merged = merge_selection_edits({"selections[1].y0": 5, "dragmode": "lasso"},
                                   [{"x0": 0}, {"x0": 1, "y0": 2}])
    assert merged == {"dragmode": "lasso", "selections": [{"x0": 0}, {"x0": 1, "y0": 5}]}


# ----------------------------------------------------------------- one split at a time
def test_the_default_split_is_test_and_maps_counts_and_summary_agree(points, embeddings, fakes):
    ex = EmbeddingExplorer(points, embeddings=embeddings, label_names=fakes.LABEL_NAMES, max_points=10_000)
    test = points[points["split"] == "test"]
    assert ex.split == "test" and ex.split_dropdown.value == "test"
    for fig in ex.figures.values():
        rows = np.asarray(fig.data[0].customdata)
        assert sorted(rows) == sorted(test.index) and f"{len(test):,} test points" in fig.layout.title.text
    counts = test["category"].value_counts()
    legend = dict((name, text) for name, _, text in _legend(ex))
    for cat in ("corrected", "corrupted", "both_right"):
        assert f"<b>{cat}</b> {counts.get(cat, 0):,}" in legend[cat]
        assert f"{cat} <b>{counts.get(cat, 0):,}</b>" in ex.summary_html.value or cat == "both_right"
    assert "test split" in ex.counts_html.value and f"test split: {len(test):,} of {len(points):,}" in \
        ex.summary_html.value
    student_acc = float((test["student_label"] == test["gold"]).mean())
    assert f"student acc <b>{student_acc:.3f}</b>" in ex.summary_html.value


def test_switching_split_redraws_recounts_and_keeps_only_drawn_selected_rows(points, fakes):
    ex = EmbeddingExplorer(points, label_names=fakes.LABEL_NAMES)
    train = np.flatnonzero(points["split"] == "student_train")
    test = np.flatnonzero(points["split"] == "test")
    ex.select([test[0], test[1]])
    ex.split_dropdown.value = "student_train"
    assert sorted(np.asarray(ex.figures["weak"].data[0].customdata)) == train.tolist()
    assert len(ex.selection) == 0  # the test rows are no longer drawn
    assert f"student_train split: {len(train):,}" in ex.summary_html.value
    ex.show_split("all")
    assert len(ex.figures["strong"].data[0].x) == len(points)
    with pytest.raises(ValueError, match="split must be one of"):
        ex.show_split("holdout")


def test_colour_by_split(points, fakes):
    ex = EmbeddingExplorer(points, label_names=fakes.LABEL_NAMES, split="all", color_by="split")
    assert list(ex.legend) == ["test", "student_train", "weak_train"]
    codes = np.asarray(ex.figures["weak"].data[0].marker.color)
    rows = np.asarray(ex.figures["weak"].data[0].customdata)
    names = np.array(["test", "student_train", "weak_train"])
    assert (names[codes] == points["split"].to_numpy()[rows]).all()


# -------------------------------------------------------------- legend, draw order, style
def test_unticking_a_legend_entry_hides_that_group_in_both_maps(explorer, points):
    explorer.legend["both_right"].value = False
    keep = points.index[points["category"] != "both_right"]
    for fig in explorer.figures.values():
        assert sorted(np.asarray(fig.data[0].customdata)) == sorted(keep)
    assert "hidden: both_right" in explorer.counts_html.value
    explorer.legend["both_right"].value = True
    assert all(len(f.data[0].x) == len(points) for f in explorer.figures.values())
    with pytest.raises(ValueError, match="unknown groups"):
        explorer.set_hidden(["positive"])


def test_rare_categories_are_drawn_on_top_and_the_order_is_shuffled(explorer, points):
    weak = explorer.figures["weak"]
    lifted = np.asarray(weak.data[1].customdata)
    cats = points["category"].to_numpy()
    share = points["category"].value_counts(normalize=True)
    assert len(lifted) and all(share[c] < 0.2 for c in set(cats[lifted]))
    assert "both_right" not in set(cats[lifted]) and weak.data[1].hoverinfo == "skip"
    rows = np.asarray(weak.data[0].customdata)
    assert not np.array_equal(rows, np.sort(rows))  # not in table order: no class always on top


def test_marker_size_and_opacity_shrink_with_n():
    from widgets.figures import marker_style

    styles = [marker_style(n) for n in (100, 1_000, 10_000, 200_000)]
    sizes, alphas = [s["size"] for s in styles], [s["opacity"] for s in styles]
    assert sizes == sorted(sizes, reverse=True) and sizes[0] > sizes[-1]
    assert alphas == sorted(alphas, reverse=True) and alphas[-1] >= 0.35


def test_the_table_puts_text_first_wraps_and_marks_the_sort(explorer, points):
    explorer.select(list(range(20)))
    html = explorer.table_html.value
    header = html.split("<tr>")[1]
    assert header.startswith("<th>text</th><th>category</th>")
    assert "table-layout:fixed" in explorer.widget.children[0].value and "overflow-x:hidden" in \
        explorer.widget.children[0].value
    assert "student · conf ▼" in html and html.count("<tr>") == 21
    # a label and its confidence share a cell; label cells never break inside a word
    first = html.split("<tr>")[2]
    assert f"<span class='w2s-conf'>{points['student_conf'].iloc[explorer.selection_frame()['row'].iloc[0]]:.2f}" \
        in first
    assert "td.w2s-label {overflow-wrap:normal; word-break:normal" in explorer.widget.children[0].value


def test_the_table_shows_the_split_column_only_for_rows_of_several_splits(fakes):
    pts = fakes.make_points(40)
    ex = EmbeddingExplorer(pts, split="all")
    one_split = np.flatnonzero(pts["split"].to_numpy() == pts["split"].iloc[0])[:5]
    ex.select(list(one_split))
    assert "<th>split</th>" not in ex.table_html.value
    ex.select(list(range(40)))
    assert pts["split"].nunique() > 1 and "<th>split</th>" in ex.table_html.value


def test_escaped_texts_are_shown_as_written_not_escaped_twice(fakes):
    pts = fakes.make_points(30)
    pts.loc[3, "text"] = "fish &amp; chips <3"
    ex = EmbeddingExplorer(pts, split="all")
    ex.select([3])
    assert "fish &amp; chips &lt;3" in ex.table_html.value and "&amp;amp;" not in ex.table_html.value
    hover = np.asarray(ex.figures["weak"].data[0].text)[list(np.asarray(ex.figures["weak"].data[0].customdata)).index(3)]
    assert "fish &amp; chips &lt;3" in hover and "&amp;amp;" not in hover


def test_the_old_call_still_works(points, fakes):
    ex = EmbeddingExplorer(points, label_names=fakes.LABEL_NAMES, max_points=50)
    assert len(ex.figures["weak"].data[0].x) <= 50 and ex.label_names == fakes.LABEL_NAMES


def test_close_closes_every_widget_of_the_view(points):
    import ipywidgets as W

    before = len(W.Widget.widgets)
    ex = EmbeddingExplorer(points)
    assert len(W.Widget.widgets) > before
    ex.close()
    assert len(W.Widget.widgets) == before


def test_the_fit_widget_is_opened_before_the_maps(points):
    """anywidget's front end gives a model 2 s from its creation to load its code; the maps' 5 MB
    of plotly.js, loaded first, used up the FitWidth's 2 s in the browser ("Failed to initialize
    model."), so its comm is opened before theirs (widgets are created in the browser in that order)."""
    import ipywidgets as W

    from widgets.resize import FitWidth

    ex = EmbeddingExplorer(points)
    order = list(W.Widget.widgets.values())
    fit = [w for w in ex.widget.children if isinstance(w, FitWidth)]
    assert len(fit) == 1
    assert all(order.index(fit[0]) < order.index(fig) for fig in ex.figures.values())
    ex.close()


def test_the_strong_title_says_when_the_maps_are_aligned(points, fakes):
    def titles(config):
        result = fakes.Result(points=points, metrics={}, history={}, proba={}, label_names=("neg", "pos"),
                              config=config)
        ex = EmbeddingExplorer(result)
        return [ex.figures[s].layout.title.text for s in ("weak", "strong")]

    weak, strong = titles({"projection": "umap", "alignment": "procrustes"})
    assert strong.startswith("strong space (UMAP) · aligned to weak · ") and "aligned" not in weak
    assert all("aligned" not in t for t in titles({"projection": "umap", "alignment": None}))


def test_a_pca_preview_of_both_maps_is_aligned(fakes):
    from workbench.projection import project
    from workbench.projection_align import procrustes_align

    pts = fakes.make_points(120, coords=False)
    emb = fakes.make_embeddings(pts)
    ex = EmbeddingExplorer(pts, embeddings=emb, split="all")
    unit = ex.embeddings  # the explorer keeps unit rows (cosine neighbours) and previews those
    expected = procrustes_align(project(unit["weak"], method="pca", seed=0), project(unit["strong"], method="pca", seed=0))
    main = ex.figures["strong"].data[0]
    drawn = np.column_stack([main.x, main.y])
    np.testing.assert_allclose(drawn, expected[np.asarray(main.customdata)], atol=1e-4)
    assert "aligned to weak" in ex.figures["strong"].layout.title.text


@pytest.mark.parametrize("key", ["student_conf", "gold", "teacher", "category", "text"])
@pytest.mark.parametrize("ascending", [False, True])
def test_the_table_takes_the_same_first_rows_without_sorting_the_whole_selection(fakes, key, ascending):
    pts = fakes.make_points(2_000, seed=3)
    ex = EmbeddingExplorer(pts, split="all")
    ex.sort_dropdown.value, ex.ascending.value = key, ascending
    ex.select(np.arange(0, 2_000, 3))
    full = ex.selection_frame()
    first = ex.selection_frame(limit=50)
    assert len(full) == 667 and len(first) == 50
    assert first["row"].tolist() == full["row"].head(50).tolist()
    assert "<b>667 selected</b> (showing 200" in ex.table_html.value
