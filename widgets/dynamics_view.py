"""The dynamics map: each point's variability x confidence over the student's epochs.

:func:`dynamics_figure` is a pure builder (a ``go.Figure`` from the per-point table with the
``workbench.diagnostics.training_dynamics`` columns); :class:`DynamicsMap` is a thin widget
over it that reads and writes the shared :class:`~widgets.selection.Selection`, so a box,
lasso or click here selects the same rows in the explorer's weak and strong maps.

Regions (Swayamdipta et al. 2020, thresholds of ``workbench.diagnostics.cartography_region``):
ambiguous = variability in the top third (or at or above a given threshold), easy = the
rest with confidence >= 0.5, hard = the rest below it. Toward the teacher's label, *hard*
is where the student never fits the teacher's label: a likely teacher error.
"""

from __future__ import annotations

import html

import ipywidgets as W
import numpy as np
import plotly.graph_objects as go

from workbench._validation import check_choice
from workbench.diagnostics.dynamics import cartography_region, cartography_thresholds

from . import figures as F
from .plotly_maps import _MapWidget
from .selection import Selection, points_in_selections

__all__ = ["dynamics_figure", "DynamicsMap", "REGION_COLORS", "TARGETS", "split_options"]

TARGETS = ("teacher", "gold")
#: Shading of the regions (light, under the points).
REGION_COLORS = {"easy": "#2ca02c", "ambiguous": "#9467bd", "hard": "#d62728"}
_MAX_VAR = 0.5  # a standard deviation of values in [0, 1] is at most 0.5


def _columns(points, target):
    check_choice(target, name="target", choices=TARGETS)
    conf, var = f"conf_{target}", f"var_{target}"
    missing = [c for c in (conf, var, "category") if c not in points.columns]
    if missing:
        raise ValueError(f"the points table lacks {missing}; add the columns of "
                         "workbench.diagnostics.training_dynamics(epoch_proba, teacher_labels=..., gold=...).")
    return points[conf].to_numpy(np.float64), points[var].to_numpy(np.float64)


def split_options(points) -> list:
    """The splits of the table in protocol order (as the explorer lists them), then ``"all"``."""
    present = set(points["split"].astype(str)) if "split" in points.columns else set()
    return [s for s in F.SPLITS if s in present] + sorted(present - set(F.SPLITS)) + ["all"]


def _shown(points, target, split):
    """Mask of the rows with finite confidence and variability in ``split`` (None or "all" = every split)."""
    conf, var = _columns(points, target)
    keep = np.isfinite(conf) & np.isfinite(var)
    if split not in (None, "all"):
        check_choice(split, name="split", choices=split_options(points))
        keep &= points["split"].astype(str).to_numpy() == split
    return keep


def drawn_rows(points, *, target="teacher", max_points=200_000, seed=0, split=None) -> np.ndarray:
    """Row positions the map draws: finite confidence and variability (in ``split``), sampled above
    ``max_points``."""
    finite = np.flatnonzero(_shown(points, target, split))
    return finite[F.sample_rows(len(finite), max_points, seed=seed)]


def dynamics_figure(points, *, target: str = "teacher", var_threshold: float | None = None,
                    conf_threshold: float = 0.5, label_names=None, selected=None, max_points: int = 200_000,
                    seed: int = 0, hover=None, split: str | None = None) -> go.Figure:
    """Variability (x) against confidence (y) toward the teacher's or the gold label.

    Parameters
    ----------
    points : DataFrame with n rows
        Needs ``conf_<target>``, ``var_<target>`` and ``category``.
    target : {"teacher", "gold"}
    var_threshold : float, optional
        Ambiguous at or above it; default: the top third of the drawn points' variability.
    conf_threshold : float, default 0.5
    selected : array of row positions, optional
    max_points : int
        Above this a seeded sample is drawn (the title says so).
    hover : list of str, optional
        Precomputed ``figures.hover_text`` for all n rows.
    split : str, optional
        Draw only this split (``"test"``, ``"student_train"`` ...); None or ``"all"`` = every row.
        The default threshold is then taken over that split's points.

    Returns
    -------
    go.Figure
        ``data[0]`` is one ``Scattergl`` with every drawn point (``customdata`` = row positions,
        ``marker.color`` = category codes), then one legend entry per W2S category; the regions
        are ``layout.shapes`` (3 rectangles) with one annotation each (name and count).
    """
    conf, var = _columns(points, target)
    rows = drawn_rows(points, target=target, max_points=max_points, seed=seed, split=split)
    codes, names, colors = F.color_groups(points, "category", label_names=label_names)
    finite = _shown(points, target, split)
    thr = cartography_thresholds(var[finite]) if var_threshold is None else float(var_threshold)
    regions = cartography_region(conf, var, var_threshold=thr, conf_threshold=conf_threshold)
    text = np.asarray(hover if hover is not None else F.hover_text(points, label_names=label_names), dtype=object)
    text = [f"{t}<br>{target}: confidence {c:.2f} · variability {v:.3f} · <b>{r}</b>"
            for t, c, v, r in zip(text[rows], conf[rows], var[rows], regions[rows])]
    sel = None if selected is None else np.flatnonzero(np.isin(rows, np.asarray(selected, dtype=np.int64)))
    fig = go.Figure(go.Scattergl(
        x=var[rows], y=conf[rows], mode="markers", name="points", showlegend=False,
        customdata=rows.astype(np.int32), text=text, hovertemplate="%{text}<extra></extra>",
        marker=dict(color=codes[rows], size=5, opacity=0.8, **F.discrete_colorscale(colors)),
        selectedpoints=None if sel is None else sel.astype(np.int32),
        selected=dict(marker=dict(opacity=1.0)), unselected=dict(marker=dict(opacity=0.12))))
    counts = np.bincount(codes[rows], minlength=len(names))
    for g, (name, color) in enumerate(zip(names, colors)):
        fig.add_trace(F.legend_entry(name, color, int(counts[g])))
    x_max = max(_MAX_VAR * 0.6, float(np.nanmax(var[rows], initial=0.0)) * 1.05)
    thr_x = thr if np.isfinite(thr) else x_max
    fig.update_layout(shapes=_region_shapes(thr_x, conf_threshold, x_max),
                      annotations=_region_labels(regions[rows], thr_x, conf_threshold, x_max))
    shown = "" if len(rows) == int(finite.sum()) else f" (random sample of {len(rows):,}, seed {seed})"
    which = "" if split in (None, "all") else f"{split} "
    fig.update_layout(
        title=dict(text=f"training dynamics toward the {target} label: {int(finite.sum()):,} {which}points{shown}",
                   font_size=14),
        dragmode="select", height=440, width=520, margin=dict(l=10, r=10, t=50, b=10), template="plotly_white",
        xaxis=dict(title=f"variability (std of p({target} label) over epochs)", range=[0, x_max], zeroline=False),
        yaxis=dict(title=f"confidence (mean p({target} label))", range=[0, 1.02], zeroline=False),
        legend=dict(title_text="category", itemclick=False, itemdoubleclick=False))
    return fig


def _region_shapes(thr, conf_thr, x_max):
    def rect(x0, x1, y0, y1, region):
        return dict(type="rect", xref="x", yref="y", x0=x0, x1=x1, y0=y0, y1=y1, layer="below", line_width=0,
                    fillcolor=REGION_COLORS[region], opacity=0.08, name=region)
    return [rect(0, thr, conf_thr, 1.02, "easy"), rect(thr, x_max, 0, 1.02, "ambiguous"),
            rect(0, thr, 0, conf_thr, "hard")]


def _region_labels(regions, thr, conf_thr, x_max):
    count = {r: int(np.sum(regions == r)) for r in REGION_COLORS}
    where = {"easy": (thr / 2, 1.0), "ambiguous": ((thr + x_max) / 2, 1.0), "hard": (thr / 2, 0.02)}
    return [dict(x=x, y=y, xref="x", yref="y", showarrow=False, name=region,
                 text=f"<b>{region}</b> ({count[region]:,})", font=dict(color=REGION_COLORS[region], size=12),
                 yanchor="top" if region != "hard" else "bottom")
            for region, (x, y) in where.items()]


class DynamicsMap:
    """The dynamics map as a widget linked to a shared :class:`Selection`.

    Parameters
    ----------
    data : Result or pandas.DataFrame
        The per-point table with the dynamics columns (n rows).
    selection : Selection, optional
        Share the explorer's (``explorer.selection``) to link the maps.
    target : {"teacher", "gold"}
    label_names : sequence of str, optional
    max_points : int, default 200_000
    seed : int
    split : str, optional
        Draw one split (``"test"``, ``"student_train"`` ...); default ``"all"``. The Workbench
        links :attr:`split_dropdown` to the explorer's, so both draw the same split.

    Attributes
    ----------
    figure : go.FigureWidget
    selection : Selection
    target_dropdown, split_dropdown : ipywidgets.Dropdown
    widget : ipywidgets.VBox
    """

    source = "dynamics"

    def __init__(self, data, *, selection=None, target: str = "teacher", label_names=None,
                 max_points: int = 200_000, seed: int = 0, split: str | None = None):
        points = getattr(data, "points", data)
        if not hasattr(points, "columns"):
            raise TypeError(f"DynamicsMap needs a Result or a points DataFrame; got {type(data).__name__}.")
        self.points = points.reset_index(drop=True)
        names = label_names if label_names is not None else getattr(data, "label_names", None)
        self.label_names = F.resolve_label_names(self.points, names)
        n = len(self.points)
        self.selection = selection if selection is not None else Selection(n_rows=n)
        if self.selection.n_rows not in (None, n):
            raise ValueError(f"the selection is for {self.selection.n_rows} rows but the table has {n}; "
                             "share one Selection only between views of the same table.")
        self.max_points, self.seed = int(max_points), int(seed)
        self._hover = F.hover_text(self.points, label_names=self.label_names)
        self.target_dropdown = W.Dropdown(options=[t for t in TARGETS if f"conf_{t}" in self.points.columns
                                                   and self.points[f"conf_{t}"].notna().any()] or [target],
                                          value=target, description="toward")
        split = "all" if split is None else split
        check_choice(split, name="split", choices=split_options(self.points))
        self.split_dropdown = W.Dropdown(options=split_options(self.points), value=split, description="split")
        self.info_html = W.HTML()
        self.figure = _MapWidget(self._build(target))
        main = self.figure.data[0]
        main.on_selection(lambda trace, points, selector: self._on_select(points.point_inds))
        main.on_deselect(lambda trace, points: self.selection.clear(source=self.source))
        main.on_click(lambda trace, points, state: self._on_click(points.point_inds))
        self.figure.layout.on_change(lambda *_: self._on_layout_selections(), "selections")
        self.target_dropdown.observe(lambda c: self.set_target(c["new"]), names="value")
        self.split_dropdown.observe(lambda c: self.show_split(c["new"]), names="value")
        self.selection.observe(self._on_selection_changed, names="indices")
        self.widget = W.VBox([W.HBox([self.target_dropdown, self.split_dropdown]), self.figure, self.info_html])
        self._render_info()

    def _build(self, target):
        split = self.split_dropdown.value
        self._rows = drawn_rows(self.points, target=target, max_points=self.max_points, seed=self.seed, split=split)
        self._pos = np.full(len(self.points), -1, dtype=np.int64)
        self._pos[self._rows] = np.arange(len(self._rows))
        return dynamics_figure(self.points, target=target, label_names=self.label_names, max_points=self.max_points,
                               seed=self.seed, hover=self._hover, selected=self.selection.indices, split=split)

    def _repr_mimebundle_(self, **kwargs):
        return self.widget._repr_mimebundle_(**kwargs)

    @property
    def target(self) -> str:
        return self.target_dropdown.value

    def set_target(self, target: str) -> None:
        """Draw confidence/variability toward ``"teacher"`` or ``"gold"`` (one batch update)."""
        check_choice(target, name="target", choices=TARGETS)
        if self.target_dropdown.value != target:
            self.target_dropdown.value = target  # its observer calls back here
            return
        self._redraw()

    @property
    def split(self) -> str:
        return self.split_dropdown.value

    def show_split(self, split: str) -> None:
        """Draw only ``split`` (``"all"`` = every row; one batch update); the selection is kept."""
        check_choice(split, name="split", choices=split_options(self.points))
        if self.split_dropdown.value != split:
            self.split_dropdown.value = split  # its observer calls back here
            return
        self._redraw()

    def _redraw(self):
        fig = self._build(self.target)
        with self.figure.batch_update():
            self.figure.data[0].update(fig.data[0].to_plotly_json())
            for stub, new in zip(self.figure.data[1:], fig.data[1:]):
                stub.name = new.name
            self.figure.layout.update(shapes=fig.layout.shapes, annotations=fig.layout.annotations,
                                      title=fig.layout.title, xaxis=fig.layout.xaxis, yaxis=fig.layout.yaxis)
        self._render_info()

    def select(self, indices) -> None:
        """Select rows by position (as ``selection.set``)."""
        self.selection.set(indices, source="code")

    def close(self) -> None:
        """Stop observing the selection and close the widgets."""
        self.selection.unobserve(self._on_selection_changed, names="indices")
        self.widget.close()
        self.figure.close()

    # -------------------------------------------------------------- event handlers
    def _on_select(self, point_inds):
        self.selection.set(self._rows[np.asarray(point_inds, dtype=np.int64)], source=self.source)

    def _on_click(self, point_inds):
        if len(point_inds):
            self.selection.set([int(self._rows[point_inds[0]])], source=self.source)

    def _on_layout_selections(self):
        shapes = self.figure.layout.to_plotly_json().get("selections") or []
        if not shapes:
            if self.selection.source == self.source:
                self.selection.clear(source=self.source)
            return
        x, y = np.asarray(self.figure.data[0].x, float), np.asarray(self.figure.data[0].y, float)
        self._on_select(np.flatnonzero(points_in_selections(x, y, shapes)))

    def _on_selection_changed(self, change):
        rows = change["new"]
        pos = self._pos[rows]
        with self.figure.batch_update():
            self.figure.data[0].selectedpoints = None if rows.size == 0 else pos[pos >= 0].astype(np.int32)
        self._render_info()

    def _render_info(self):
        rows = self.selection.indices
        if rows.size == 0:
            self.info_html.value = "<i>Box, lasso or click points to select them in every linked map.</i>"
            return
        conf, var = _columns(self.points, self.target)
        region = cartography_region(conf, var)[rows]
        parts = " · ".join(f"{r} {int(np.sum(region == r)):,}" for r in (*REGION_COLORS, "none") if np.any(region == r))
        drawn = int(np.sum(self._pos[rows] >= 0))
        self.info_html.value = (f"<b>{rows.size:,} selected</b> ({drawn:,} drawn here) · regions toward the "
                                f"{html.escape(self.target)} label: {parts}")
