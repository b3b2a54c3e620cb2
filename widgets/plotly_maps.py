"""The explorer's two plotly maps (weak, strong space): figures, browser events, restyles.

:class:`PlotlyMapPair` is the map pair :class:`~widgets.explorer.EmbeddingExplorer` draws
with for ``maps="plotly"`` (and ``"auto"`` on small tables);
:class:`~widgets.scatter_pair.ScatterMapPair` takes the same calls. They are:

* ``draw(drawn, groups, titles, color_by=...)``: the drawn rows changed (split, legend);
* ``recolour(groups, color_by=...)``: same rows, other colours;
* ``set_coords(space, xy, label=..., title=...)``: new 2-D coordinates for one map;
* ``show_regions(categories)``: density contours of these W2S categories over both maps,
  for the drawn rows (:mod:`widgets.map_regions`); they follow ``draw`` and ``set_coords``;
* ``close()``: stop following the selection.

Each pair writes box / lasso selections (row positions) to the shared
:class:`~widgets.selection.Selection`, shows the selection it holds, and calls ``on_click(row)``
for a clicked point. Each map is built by :func:`widgets.maps.map_figure` (all drawn points
in one ``Scattergl`` plus the rare groups repeated on top), so a recolour or a selection is
one ``batch_update`` per map; only :meth:`PlotlyMapPair.draw` re-sends coordinates and hover
text.
"""

from __future__ import annotations

import ipywidgets as W
import numpy as np
import plotly.graph_objects as go
import traitlets

from . import figures as F
from . import maps as M
from .map_regions import RegionGrid
from .region_figures import density_traces, sync_regions
from .resize import responsive
from .selection import merge_selection_edits, points_in_selections

__all__ = ["PlotlyMapPair", "SPACES"]

SPACES = ("weak", "strong")


class PlotlyMapPair:
    """Weak and strong plotly ``FigureWidget`` maps over one Selection.

    Parameters
    ----------
    points : pandas.DataFrame with n rows
        The per-point table (for the hover text).
    coords : dict {"weak": (n, 2), "strong": (n, 2)}
        Finite 2-D coordinates of every row.
    projection : dict {"weak": str, "strong": str}
        Projection names, for the axis titles.
    label_names : sequence of str
    selection : Selection
        Box / lasso selections are written to it; the maps show what it holds.
    drawn : array of shape (m,), int
        Row positions drawn, in drawing order.
    groups : tuple (codes (n,), names (G,), colors (G,))
        The colour groups (:func:`widgets.figures.color_groups`).
    titles : dict {"weak": str, "strong": str}
    on_click : callable, optional
        ``on_click(row)`` when a point is clicked.

    Attributes
    ----------
    kind : str
        ``"plotly"``.
    figures : dict {"weak": go.FigureWidget, "strong": go.FigureWidget}
    regions : RegionGrid
        The categories drawn as regions (``regions.shown``).
    widget : ipywidgets.HBox
        The two maps side by side.
    """

    kind = "plotly"

    def __init__(self, points, *, coords, projection, label_names, selection, drawn, groups, titles,
                 on_click=None):
        self.selection, self._on_click_cb = selection, on_click
        self._coords, self._projection = dict(coords), dict(projection)
        self._n = len(points)
        self._hover = np.asarray(F.hover_text(points, label_names=label_names), dtype=object)
        self._drawn, self._groups = np.asarray(drawn, dtype=np.int64), groups
        self.regions = RegionGrid(points["category"])
        self.figures = {s: responsive(_MapWidget(self._figure(s, titles[s]))) for s in SPACES}
        for space, fig in self.figures.items():
            self._wire(space, fig)
        self.selection.observe(self._on_selection, names="indices")
        boxes = [W.Box([self.figures[s]], layout=W.Layout(flex="1 1 0", min_width="0", width="50%")) for s in SPACES]
        for b in boxes:
            b.add_class("w2s-map")
        self.widget = W.HBox(boxes, layout=W.Layout(width="100%"))

    # ------------------------------------------------------------------ construction
    def _figure(self, space, title) -> go.Figure:
        codes, names, colors = self._groups
        rows = self._drawn
        rare = M.rare_groups(codes[rows], len(names))
        return M.map_figure(self._coords[space], rows, codes[rows], colors, self._hover[rows],
                            title=title, projection=self._projection[space], overlay=rare[codes[rows]])

    def _wire(self, space, widget):
        main = widget.data[0]
        main.on_selection(lambda trace, points, selector, s=space: self._on_select(s, points.point_inds))
        main.on_deselect(lambda trace, points, s=space: self.selection.clear(source=s))
        main.on_click(lambda trace, points, state: self._on_click(points.point_inds))
        # plotly also writes every box/lasso into layout.selections (a separate message from the
        # points event, which a hover right after the mouse-up can overwrite): read it as well.
        widget.layout.on_change(lambda *_, s=space: self._on_layout_selections(s), "selections")

    # -------------------------------------------------------------------- the pair's calls
    def draw(self, drawn, groups, titles, *, color_by=None) -> None:
        """The drawn rows (split, legend) or the groups changed: send coordinates, colours and hover text again.

        Parameters
        ----------
        drawn : array of shape (m,), int
            Row positions to draw, in drawing order.
        groups : tuple (codes (n,), names (G,), colors (G,))
        titles : dict {"weak": str, "strong": str}
        color_by : str, optional
            The colour mode of ``groups`` (unused here: the groups carry the colours).
        """
        self._drawn, self._groups = np.asarray(drawn, dtype=np.int64), groups
        rows = self.selection.indices
        for space, fig in self.figures.items():
            new = self._figure(space, titles[space])
            with fig.batch_update():
                for old, trace in zip(fig.data, new.data):
                    old.update(x=trace.x, y=trace.y, customdata=trace.customdata, text=trace.text,
                               marker=trace.marker)
                fig.data[0].selectedpoints = self._selected_points(rows, self._drawn)
                fig.data[1].selectedpoints = self._selected_points(rows, np.asarray(new.data[1].customdata))
                fig.layout.title.text = new.layout.title.text
        self._draw_regions(SPACES)

    def recolour(self, groups, *, color_by=None) -> None:
        """Colour the same drawn rows by ``groups`` (one restyle message per map)."""
        self._groups = groups
        codes, names, colors = groups
        shown = codes[self._drawn]
        lift = M.rare_groups(shown, len(names))[shown]
        top = self._drawn[lift]
        scale = F.discrete_colorscale(colors)
        rows = self.selection.indices
        for space, fig in self.figures.items():
            xy = self._coords[space]
            with fig.batch_update():
                fig.data[0].marker.update(color=shown, **scale)
                fig.data[1].update(x=xy[top, 0], y=xy[top, 1], customdata=top.astype(np.int32),
                                   selectedpoints=self._selected_points(rows, top))
                fig.data[1].marker.update(color=shown[lift], **scale)

    def set_coords(self, space: str, xy, *, label: str, title: str) -> None:
        """Draw one map at new coordinates ``xy`` (n, 2), already checked finite."""
        self._coords[space], self._projection[space] = xy, label
        fig, top = self.figures[space], np.asarray(self.figures[space].data[1].customdata, dtype=np.int64)
        with fig.batch_update():
            fig.data[0].x, fig.data[0].y = xy[self._drawn, 0], xy[self._drawn, 1]
            fig.data[1].x, fig.data[1].y = xy[top, 0], xy[top, 1]
            fig.layout.title.text = title
            fig.layout.xaxis.title.text, fig.layout.yaxis.title.text = f"{label} 1", f"{label} 2"
        self._draw_regions((space,))

    def show_regions(self, categories) -> None:
        """Draw density contours of ``categories`` (W2S category names; empty: none) over both maps.

        One contour trace per category with drawn points (:func:`widgets.region_figures.density_traces`
        of the drawn rows, ``bins`` x ``bins`` values each), on top of the points; replacing traces
        of the same count is one ``batch_update`` per figure.
        """
        self.regions.show(categories)
        self._draw_regions(SPACES)

    def _draw_regions(self, spaces) -> None:
        for space in spaces:
            if self.regions.needs_drawing(space):
                density = self.regions.density(space, self._coords[space], self._drawn)
                sync_regions(self.figures[space], [] if density is None else density_traces(density))

    def close(self) -> None:
        """Stop following the selection (the figures are closed with the explorer's widget tree)."""
        try:
            self.selection.unobserve(self._on_selection, names="indices")
        except ValueError:  # already closed
            pass

    # -------------------------------------------------------------- event handlers
    def _on_select(self, space, point_inds):
        self.selection.set(self._drawn[np.asarray(point_inds, dtype=np.int64)], source=space)

    def _on_layout_selections(self, space):
        shapes = self.figures[space].layout.to_plotly_json().get("selections") or []
        if not shapes:
            if self.selection.source == space:  # this map's selection was removed (double-click)
                self.selection.clear(source=space)
            return
        xy = self._coords[space][self._drawn]
        self._on_select(space, np.flatnonzero(points_in_selections(xy[:, 0], xy[:, 1], shapes)))

    def _on_click(self, point_inds):
        if len(point_inds) and self._on_click_cb is not None:
            self._on_click_cb(int(self._drawn[point_inds[0]]))

    def _on_selection(self, change):
        rows = change["new"]
        for fig in self.figures.values():
            # A box left in the other map stays drawn: removing it from here makes plotly.js emit a
            # deselect there, which would clear the new selection (seen in the browser test).
            top = np.asarray(fig.data[1].customdata, dtype=np.int64)
            with fig.batch_update():
                fig.data[0].selectedpoints = self._selected_points(rows, self._drawn)
                fig.data[1].selectedpoints = self._selected_points(rows, top)

    def _selected_points(self, rows, trace_rows):
        if len(rows) == 0:
            return None
        pos = np.full(self._n, -1, dtype=np.int64)
        pos[trace_rows] = np.arange(len(trace_rows))
        p = pos[rows]
        return p[p >= 0].astype(np.int32)


class _MapWidget(go.FigureWidget):
    """A FigureWidget that accepts plotly.js's edits of a drawn box or lasso.

    Dragging or resizing a selection sends ``{"selections[0].x1": ...}``, which plotly.py
    rejects; :func:`merge_selection_edits` turns it into a whole ``selections`` list first.
    """

    @traitlets.observe("_js2py_relayout")
    def _handler_js2py_relayout(self, change):
        msg = change["new"]
        if msg and msg.get("relayout_data"):
            shapes = self.layout.to_plotly_json().get("selections")
            merged = merge_selection_edits(msg["relayout_data"], shapes)
            if merged is not msg["relayout_data"]:
                change = {**change, "new": {**msg, "relayout_data": merged}}
        super()._handler_js2py_relayout(change)
