"""Density contours per category on a map figure: traces, levels, colours, add/replace/remove."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
import pytest

from widgets.palette import CATEGORY_COLORS
from widgets.region_figures import LEVELS, REGION_META, add_regions, region_traces, remove_regions


def two_blobs(n=2000, seed=0):
    rng = np.random.default_rng(seed)
    xy = np.vstack([rng.normal([-3, 0], 0.5, (n, 2)), rng.normal([3, 0], 0.5, (n, 2))])
    cats = np.array(["uncovered_right"] * n + ["uncovered_wrong"] * n, dtype=object)
    return xy, cats


def test_one_contour_per_category_peaking_where_its_points_are():
    xy, cats = two_blobs()
    traces = region_traces(xy, cats, bins=40)
    assert [t.name for t in traces] == ["uncovered_right (counts)", "uncovered_wrong (counts)"]
    for t, centre in zip(traces, (-3, 3)):
        z = np.asarray(t.z)
        assert z.shape == (40, 40)  # rows = y bins, columns = x bins
        row, col = np.unravel_index(np.argmax(z), z.shape)
        assert abs(np.asarray(t.x)[col] - centre) < 0.5 and abs(np.asarray(t.y)[row]) < 0.5
        peak = z.max()
        assert t.contours.start == pytest.approx(LEVELS[0] * peak) and t.contours.end == pytest.approx(0.9 * peak)
        assert t.contours.coloring == "lines" and t.meta == REGION_META and t.hoverinfo == "skip"
        name = t.name.split(" ")[0]
        assert t.colorscale[0][1] == CATEGORY_COLORS[name]


def test_shares_mode_and_empty_categories_are_left_out():
    xy, cats = two_blobs(300)
    traces = region_traces(xy, cats, categories_to_show=("copied", "uncovered_wrong"), mode="shares", bins=10)
    assert [t.name for t in traces] == ["uncovered_wrong (shares)"]
    assert np.nanmax(np.asarray(traces[0].z)) == pytest.approx(1.0)


def test_add_regions_replaces_earlier_ones_and_remove_keeps_the_points():
    xy, cats = two_blobs(500)
    fig = go.Figure(go.Scattergl(x=xy[:, 0], y=xy[:, 1], mode="markers", name="points"))
    add_regions(fig, xy, cats, bins=20)
    assert len(fig.data) == 3
    add_regions(fig, xy, cats, bins=20, categories_to_show=("uncovered_wrong",))
    assert [t.name for t in fig.data] == ["points", "uncovered_wrong (counts)"]
    remove_regions(fig)
    assert [t.name for t in fig.data] == ["points"]


def test_a_figure_widget_takes_them_too():
    xy, cats = two_blobs(200)
    fig = go.FigureWidget(go.Scattergl(x=xy[:, 0], y=xy[:, 1], mode="markers"))
    add_regions(fig, xy, cats, bins=16)
    assert sum(t.meta == REGION_META for t in fig.data) == 2
    remove_regions(fig)
    assert len(fig.data) == 1


def test_bad_mode_is_a_clear_error():
    xy, cats = two_blobs(50)
    with pytest.raises(ValueError, match="mode"):
        region_traces(xy, cats, mode="dots")
