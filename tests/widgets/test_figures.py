"""The pure figure builders of widgets.figures: data in, go.Figure out."""

from __future__ import annotations

import math

import numpy as np
import plotly.graph_objects as go
import pytest

from widgets import figures as F


def _all_points(fig):
    """Row positions and (x, y) of every drawn point, over all point traces."""
    rows, xs, ys = [], [], []
    for t in fig.data:
        if t.customdata is not None:
            rows.append(np.asarray(t.customdata))
            xs.append(np.asarray(t.x))
            ys.append(np.asarray(t.y))
    return np.concatenate(rows), np.concatenate(xs), np.concatenate(ys)


def test_color_groups_by_category_follows_the_table(points):
    codes, names, colors = F.color_groups(points, "category")
    assert names == tuple(F.CATEGORY_COLORS)
    assert len(colors) == len(names)
    assert [names[c] for c in codes] == points["category"].tolist()


def test_color_groups_by_teacher_puts_abstentions_in_their_own_group(points, fakes):
    codes, names, _ = F.color_groups(points, "teacher", label_names=fakes.LABEL_NAMES)
    assert names == (*fakes.LABEL_NAMES, "abstained")
    abstained = points["teacher_label"].to_numpy() == -1
    assert (codes[abstained] == 2).all()
    assert (codes[~abstained] == points["teacher_label"].to_numpy()[~abstained]).all()


def test_color_groups_rejects_an_unknown_mode(points):
    with pytest.raises(ValueError, match="color_by must be one of 'gold'"):
        F.color_groups(points, "rainbow")


def test_hover_text_escapes_html_and_truncates(points, fakes):
    long = points.copy()
    long.loc[1, "text"] = "word " * 200
    text = F.hover_text(long, label_names=fakes.LABEL_NAMES, max_chars=100)
    assert "<script>" not in text[0] and "&lt;script&gt;" in text[0]
    assert "&lt;b&gt;bold&lt;/b&gt;" in text[0]
    body = text[1].split("<br>")[1:-2]  # the wrapped text lines
    assert sum(len(line) for line in body) <= 100 and body[-1].endswith("…")
    assert "gold: " in text[2] and "teacher: " in text[2] and "student: " in text[2]


def test_scatter_has_one_trace_per_group_with_counts_in_the_legend(points, fakes):
    fig = F.scatter_embedding(points, space="strong", color_by="category", label_names=fakes.LABEL_NAMES)
    assert isinstance(fig, go.Figure) and all(t.type == "scattergl" for t in fig.data)
    counts = points["category"].value_counts()
    for trace, name in zip(fig.data, F.CATEGORY_COLORS):
        assert trace.name == f"{name} ({counts.get(name, 0):,})"
        rows = np.asarray(trace.customdata)
        assert (points["category"].to_numpy()[rows] == name).all()
    rows, x, y = _all_points(fig)
    assert sorted(rows) == list(range(len(points)))
    assert np.allclose(x, points["map_strong_x"].to_numpy()[rows], atol=1e-5)
    assert np.allclose(y, points["map_strong_y"].to_numpy()[rows], atol=1e-5)
    assert fig.layout.title.text == f"strong space (UMAP): {len(points):,} points"


def test_scatter_samples_above_max_points_and_says_so(fakes):
    pts = fakes.make_points(1000)
    fig = F.scatter_embedding(pts, max_points=300, seed=3)
    rows, _, _ = _all_points(fig)
    assert len(rows) == 300 and len(set(rows)) == 300
    assert "random sample of 300 of 1,000 points (seed 3)" in fig.layout.title.text
    again, _, _ = _all_points(F.scatter_embedding(pts, max_points=300, seed=3))
    assert sorted(again) == sorted(rows)


def test_scatter_colors_mode_is_one_point_trace_plus_legend_entries(points, fakes):
    fig = F.scatter_embedding(points, color_by="gold", label_names=fakes.LABEL_NAMES, groups="colors",
                              legend_slots=5)
    main, stubs = fig.data[0], fig.data[1:]
    assert len(main.x) == len(points) and main.showlegend is False
    assert np.array_equal(np.asarray(main.marker.color), points["gold"].to_numpy())
    counts = np.bincount(points["gold"], minlength=2)
    assert [s.name for s in stubs[:2]] == [f"negative ({counts[0]})", f"positive ({counts[1]})"]
    assert [s.visible for s in stubs] == [True, True, False, False, False]
    assert fig.layout.legend.itemclick is False


def test_scatter_marks_selected_rows(points):
    fig = F.scatter_embedding(points, groups="colors", selected=[4, 10, 11])
    main = fig.data[0]
    assert sorted(np.asarray(main.customdata)[np.asarray(main.selectedpoints)]) == [4, 10, 11]


def test_scatter_needs_coordinates(fakes):
    pts = fakes.make_points(50, coords=False)
    with pytest.raises(ValueError, match="no 2-D coordinates for the weak space"):
        F.scatter_embedding(pts)
    with pytest.raises(ValueError, match=r"coords must have shape \(50, 2\)"):
        F.scatter_embedding(pts, coords=np.zeros((49, 2)))
    fig = F.scatter_embedding(pts, coords=np.ones((50, 2)), projection="PCA")
    assert fig.layout.xaxis.title.text == "PCA 1"


def _records(fakes, n=4):
    y = np.array([0, 1] * 20)
    return [fakes.make_record(e, n, y) for e in range(1, n + 1)]


def test_accuracy_curves_plot_the_records(fakes):
    records = _records(fakes)
    fig = F.accuracy_curves({"student": records})
    student, weak, ceiling = fig.data
    assert (student.name, weak.name, ceiling.name) == ("student", "weak (teacher)", "ceiling")
    assert list(student.x) == [1, 2, 3, 4]
    assert list(student.y) == [r.metrics["student_acc"] for r in records]
    assert list(weak.y) == [0.7, 0.7] and list(ceiling.x) == [1, 4]
    assert f"PGR {records[-1].metrics['pgr']:.2f}" in fig.layout.title.text


def test_accuracy_curves_use_fallback_baselines_and_handle_no_records():
    fig = F.accuracy_curves([], weak_acc=0.6, ceiling_acc=0.8)
    assert len(fig.data) == 3 and len(fig.data[0].x) == 0
    assert "PGR n/a" in fig.layout.title.text


def test_misfit_gain_trajectory_and_identity_line(fakes):
    records = _records(fakes)
    fig = F.misfit_gain(records, kind="sq")
    line, path, last = fig.data
    assert list(path.x) == [r.metrics["misfit_sq"] for r in records]
    assert list(path.y) == [r.metrics["gain_sq"] for r in records]
    assert line.x == line.y and max(line.x) >= max(path.y)
    assert (last.x[0], last.y[0]) == (path.x[-1], path.y[-1])
    xent = F.misfit_gain(records, kind="xent")
    assert list(xent.data[1].y) == [r.metrics["gain_xent"] for r in records]
    assert "proxy" in xent.layout.title.text
    pairs = F.misfit_gain(np.array([[0.1, 0.2], [0.3, 0.25]]))
    assert list(pairs.data[1].x) == [0.1, 0.3]
    with pytest.raises(ValueError, match="kind must be one of"):
        F.misfit_gain(records, kind="l1")


def _brute_reliability(y, proba, n_bins):
    conf, pred = proba.max(1), proba.argmax(1)
    out = []
    for b in range(n_bins):
        lo, hi = b / n_bins, (b + 1) / n_bins
        inside = (conf > lo) & (conf <= hi) if b else (conf >= lo) & (conf <= hi)
        if inside.any():
            out.append((conf[inside].mean(), (pred[inside] == y[inside]).mean(), inside.sum()))
    return out


def test_reliability_diagram_bins_and_ece_match_independent_computations():
    import torch
    from torchmetrics.functional.classification import multiclass_calibration_error

    rng = np.random.default_rng(0)
    proba = rng.dirichlet([1, 1, 1], 400)
    y = rng.integers(0, 3, 400)
    teacher = np.where(rng.random(400) < 0.3, -1, rng.integers(0, 3, 400))
    fig = F.reliability_diagram(y, proba, n_bins=10, teacher_labels=teacher)
    diag, gold, vs_teacher = fig.data
    expected = _brute_reliability(y, proba, 10)
    assert np.allclose(gold.x, [e[0] for e in expected]) and np.allclose(gold.y, [e[1] for e in expected])
    assert list(gold.customdata) == [e[2] for e in expected]
    ece = float(multiclass_calibration_error(torch.tensor(proba), torch.tensor(y), num_classes=3, n_bins=10))
    assert f"ECE vs gold {ece:.3f}" in fig.layout.title.text
    assert gold.name == "vs gold"
    keep = teacher >= 0
    assert sum(vs_teacher.customdata) == keep.sum()
    assert np.allclose(vs_teacher.y, [e[1] for e in _brute_reliability(teacher[keep], proba[keep], 10)])


def test_reliability_diagram_with_no_data_has_empty_curves():
    fig = F.reliability_diagram(np.zeros(0, int), np.zeros((0, 2)), teacher_labels=np.zeros(0, int))
    assert len(fig.data) == 3 and len(fig.data[1].x) == 0
    assert "ECE vs gold n/a" in fig.layout.title.text


def test_pgr_text_and_gauge():
    assert F.pgr_text(0.4712, ci=(0.31, 0.6)) == "PGR 0.47 (95% CI 0.31 to 0.60)"
    assert F.pgr_text(math.nan).startswith("PGR n/a")
    gauge = F.pgr_gauge(0.5)
    assert gauge.data[0].value == 0.5
    assert F.pgr_gauge(math.nan).data[0].value is None


def test_category_bar_counts_one_split(points):
    fig = F.category_bar(points, split="test")
    test = points[points["split"] == "test"]["category"].value_counts()
    assert list(fig.data[0].x) == list(F.CATEGORY_COLORS)
    assert list(fig.data[0].y) == [int(test.get(c, 0)) for c in F.CATEGORY_COLORS]
    assert f"n = {int(test.sum()):,}" in fig.layout.title.text


def test_score_groups_split_by_rank_with_the_range_in_each_name():
    values = np.array([0.9, 0.1, 0.5, np.nan, 0.3, 0.7, 0.2, 1.0, 0.4, 0.6, 0.8])  # 10 finite + one NaN
    codes, names, colors = F.score_groups(values)
    # ranks: lowest 50% = 0.1..0.5, 50-80% = 0.6..0.8, 80-90% = 0.9, top 10% = 1.0, NaN last
    assert codes.tolist() == [2, 0, 0, 4, 0, 1, 0, 3, 0, 1, 1]
    assert names == ("lowest 50% (0.10–0.50)", "50%–80% (0.60–0.80)", "80%–90% (0.90–0.90)",
                     "top 10% (1.00–1.00)", "no score")
    assert len(colors) == 5 and colors[-1] == F.MUTED
