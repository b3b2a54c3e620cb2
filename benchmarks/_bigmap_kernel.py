"""Kernel side of ``bench_maps_browser``: one map of n synthetic points, in either library,
or the whole ``EmbeddingExplorer`` on an n-row synthetic points table (``"explorer"``).

Imported in the JupyterLab kernel by the benchmark's notebook cell. :func:`build` makes
the widget and records the kernel's build time; the selection observers record the
kernel's wall-clock time (``time.time()``, the same clock as the driving process) when a
lasso's selection arrives, so the driver can compute the mouse-up -> kernel round trip.

Glossary
--------
n : number of points; xy : (n, 2) float32 synthetic coordinates (6 Gaussian blobs);
codes : (n,) uint8 category code of every point, 0..5.
"""

from __future__ import annotations

import json
import time

import numpy as np

from widgets.palette import CATEGORY_COLORS

STATE: dict = {}
PALETTE = list(CATEGORY_COLORS.values())


def data(n: int, *, seed: int = 0):
    """``(xy, codes)``: 6 Gaussian blobs, category = blob."""
    rng = np.random.default_rng(seed)
    codes = rng.integers(0, 6, n).astype(np.uint8)
    centres = np.array([[0, 0], [4, 1], [-3, 3], [1, -4], [-4, -3], [5, 5]], dtype=np.float32)
    xy = centres[codes] + rng.normal(0, 1.2, (n, 2)).astype(np.float32)
    return xy.astype(np.float32), codes


def _selected(n_selected: int) -> None:
    STATE["sel_t"], STATE["sel_n"] = time.time(), int(n_selected)


def _plotly(xy, codes):
    import plotly.graph_objects as go

    k = len(PALETTE)
    scale = [[v, c] for i, c in enumerate(PALETTE) for v in (i / k, (i + 1) / k)]
    fig = go.FigureWidget(go.Scattergl(
        x=xy[:, 0], y=xy[:, 1], mode="markers", hoverinfo="none",
        marker=dict(color=codes, colorscale=scale, cmin=-0.5, cmax=k - 0.5, size=3, opacity=0.8)))
    fig.update_layout(width=760, height=560, dragmode="lasso", margin=dict(l=20, r=20, t=20, b=20),
                      xaxis=dict(showgrid=False), yaxis=dict(showgrid=False), showlegend=False)
    fig.data[0].on_selection(lambda trace, points, selector: _selected(len(points.point_inds)))
    STATE["fig"] = fig
    return fig


def _jscatter(xy, codes):
    import jscatter
    import pandas as pd

    sc = jscatter.Scatter(x=xy[:, 0].astype(np.float64), y=xy[:, 1].astype(np.float64))
    sc.color(by=pd.Categorical(codes.astype(np.int64), categories=np.arange(6)), map=PALETTE)
    sc.size(default=3)
    sc.opacity(default=0.8)
    sc.axes(False)
    sc.legend(False)
    sc.tooltip(False)
    sc.height(560)
    sc.width(760)
    w = sc.widget
    w.observe(lambda c: _selected(0 if c["new"] is None else len(c["new"])), names="selection")
    STATE["sc"] = sc
    return w


def _explorer_points(n: int):
    from tests.widgets.conftest import make_points

    return make_points(n, seed=7)


def _explorer(points):
    """The whole EmbeddingExplorer (two linked maps, legend, panels, table) on every row."""
    from widgets import EmbeddingExplorer

    ex = EmbeddingExplorer(points, label_names=("negative", "positive"), split="all", maps="auto")
    ex.selection.observe(lambda c: _selected(len(c["new"])), names="indices")
    STATE["explorer"], STATE["sc"] = ex, ex.scatter_maps.scatters["weak"]
    return ex.widget


def build(library: str, n: int):
    """The widget of one map, or for ``"explorer"`` the whole explorer (display it as the cell's
    value); records ``STATE['build_s']`` (the widget's construction, not the synthetic data's)."""
    old = STATE.get("explorer") or STATE.get("widget")
    if old is not None:
        old.close()
    STATE.clear()
    STATE["library"], STATE["n"] = library, n
    if library == "explorer":
        points = _explorer_points(n)
        t0 = time.perf_counter()
        widget = _explorer(points)
    else:
        xy, codes = data(n)
        STATE["xy"] = xy
        t0 = time.perf_counter()
        widget = {"plotly": _plotly, "jscatter": _jscatter}[library](xy, codes)
    STATE["build_s"] = time.perf_counter() - t0
    STATE["widget"] = widget
    return widget


def set_mode(mode: str) -> None:
    """``"pan"`` or ``"lasso"`` (the mouse's drag action)."""
    if STATE["library"] == "plotly":
        STATE["fig"].layout.dragmode = mode
    else:
        STATE["sc"].mouse("panZoom" if mode == "pan" else "lasso")


def recolor() -> float:
    """Swap to a rotated colour map (same codes); returns the kernel's wall time at the send."""
    k = len(PALETTE)
    rotated = PALETTE[1:] + PALETTE[:1]
    STATE["recolor_t"] = time.time()
    if STATE["library"] == "explorer":  # category -> gold and back: the user's colour dropdown
        ex = STATE["explorer"]
        ex.recolor("gold" if ex.color_by != "gold" else "category")
    elif STATE["library"] == "plotly":
        STATE["fig"].data[0].marker.colorscale = [[v, c] for i, c in enumerate(rotated) for v in (i / k, (i + 1) / k)]
    else:
        STATE["sc"].color(map=rotated)
    return STATE["recolor_t"]


def report() -> str:
    """JSON of the scalar results so far."""
    return json.dumps({k: v for k, v in STATE.items() if isinstance(v, (int, float, str))})


def selection_polygon() -> str:
    """jupyter-scatter only: the lasso polygon in data coordinates, as JSON."""
    poly = STATE["sc"].widget.lasso_selection_polygon
    return json.dumps([] if poly is None else np.asarray(poly, dtype=float).tolist())
