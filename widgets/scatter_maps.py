"""ScatterMaps: weak and strong maps of up to a million points each, linked by one Selection.

Each map is a ``jupyter-scatter`` widget (regl-scatterplot on anywidget, WebGL), chosen by
measurement over plotly ``Scattergl`` (``benchmarks/RESULTS.md``, "maps of a million
points"; ``docs/ARCHITECTURE.md``, "maps: library choice"). What travels to the browser:

* one float32 array ``(m, 4)`` per map as a binary buffer: x, y, the point's *joint colour
  cell* (:mod:`widgets.scatter_cells`) and an unused channel, 16 bytes per point;
* a recolour is a colour list with one entry per cell (the point array is not re-sent);
* a selection is a uint32 array of drawn positions, both ways;
* no text per point: the hover / click panel asks the kernel for the one point under the
  cursor (jupyter-scatter's ``hovering`` trait) or the one clicked (a selection of one).

Box or lasso selection in either map writes row positions to the shared
:class:`~widgets.selection.Selection`; both maps observe it and show the same rows. Every
row is drawn up to ``max_points`` per map; above that a seeded sample is drawn and the
titles say so. :meth:`ScatterMaps.show_rows` shows only some of the drawn rows (a split,
the groups a legend leaves ticked) through jupyter-scatter's ``filter`` (a uint32 array of
positions; the points are not re-sent); a selection made in a map then holds only shown
rows. :meth:`ScatterMaps.set_coords` replaces one map's coordinates (e.g. PCA preview,
then UMAP), which re-sends that map's point array.
"""

from __future__ import annotations

import html

import ipywidgets as W
import numpy as np

from workbench._validation import check_choice
from workbench.results import with_map_columns

from . import figures as F
from . import maps as M
from . import palette as P
from . import scatter_cells as C
from ._lifecycle import close_tree
from .scatter_cells import cell_palette, joint_cells
from .selection import Selection

__all__ = ["ScatterMaps", "REQUIRED_COLUMNS"]

SPACES = ("weak", "strong")
#: Columns of the per-point table the maps and their hover panel read.
REQUIRED_COLUMNS = ("id", "split", "text", "gold", "teacher_label", "teacher_conf", "covered",
                    "student_label", "student_conf", "category")


def _check_points(points):
    if not hasattr(points, "columns") or not hasattr(points, "iloc"):
        raise TypeError(f"ScatterMaps needs the per-point pandas DataFrame; got {type(points).__name__}.")
    missing = [c for c in REQUIRED_COLUMNS if c not in points.columns]
    if missing:
        raise ValueError(f"the points table lacks columns {missing}; build it with Experiment.run() "
                         "(see docs/ARCHITECTURE.md, 'the per-point table').")
    return with_map_columns(points).reset_index(drop=True)


class ScatterMaps:
    """Two linked WebGL maps (weak, strong space) of the per-point table.

    Parameters
    ----------
    points : pandas.DataFrame with n rows
        The per-point table (columns :data:`REQUIRED_COLUMNS` and the 2-D coordinates
        ``map_weak_x/y``, ``map_strong_x/y`` unless ``coords`` is given).
    label_names : sequence of str, optional
    selection : Selection, optional
        Share one with other views of the same table; a new one is made otherwise.
    color_by : str, default "category"
        One of :func:`widgets.figures.color_modes` of the table.
    max_points : int, default 1_000_000
        Rows drawn per map; above this a seeded random sample is drawn (the titles say so).
    coords : dict {"weak": (n, 2), "strong": (n, 2)}, optional
        Coordinates to draw instead of the table's.
    projection : str, default "UMAP"
        Name of the projection, for the titles.
    seed : int, default 0
        Seed of the drawing order and of the sample.
    height : int, default 460
        Height of each map in px.

    Attributes
    ----------
    scatters : dict {"weak": jscatter.Scatter, "strong": jscatter.Scatter}
    maps : dict {"weak": JupyterScatter, "strong": JupyterScatter}
        The two widgets (``.selection`` holds drawn positions, ``.color`` the cell colours).
    selection : Selection
    titles : dict {"weak": ipywidgets.HTML, "strong": ipywidgets.HTML}
        The title above each map (:meth:`set_title` replaces one).
    point_html : ipywidgets.HTML
        The panel of the point under the cursor or clicked.
    widget : ipywidgets.VBox
        The whole view; displaying the object displays it.
    """

    def __init__(self, points, *, label_names=None, selection=None, color_by: str = "category",
                 max_points: int = 1_000_000, coords=None, projection: str = "UMAP", seed: int = 0,
                 height: int = 460):
        self.points = _check_points(points)
        n = len(self.points)
        self.label_names = F.resolve_label_names(self.points, label_names)
        self.selection = selection if selection is not None else Selection(n_rows=n)
        if not isinstance(self.selection, Selection):
            raise TypeError(f"selection must be a widgets.selection.Selection; got {type(self.selection).__name__}.")
        if self.selection.n_rows not in (None, n):
            raise ValueError(f"the selection is for {self.selection.n_rows} rows but the table has {n}; "
                             "share one Selection only between views of the same table.")
        self.modes = F.color_modes(self.points)
        check_choice(color_by, name="color_by", choices=self.modes)
        if isinstance(max_points, bool) or not isinstance(max_points, (int, np.integer)):
            raise TypeError(f"max_points must be an int; got {max_points!r}.")
        self.seed, self.max_points = int(seed), int(max_points)
        self._projection = {s: str(projection) for s in SPACES}
        self._xy = {s: self._coords(s, (coords or {}).get(s)) for s in SPACES}
        self._drawn = M.draw_order(F.sample_rows(n, self.max_points, seed=self.seed), seed=self.seed)
        self._keep = np.ones(len(self._drawn), dtype=bool)  # which drawn positions are shown
        self._click_callbacks = []
        self._pos = np.full(n, -1, dtype=np.int64)
        self._pos[self._drawn] = np.arange(len(self._drawn))
        self._groups = {m: F.color_groups(self.points, m, label_names=self.label_names) for m in self.modes}
        codes = {m: g[0][self._drawn] for m, g in self._groups.items()}
        self._cells, self._first = joint_cells(codes)
        self._per_mode = len(self._first) > C.MAX_CELLS  # too many cells: colour by the mode's own codes
        self._color_by, self._syncing = color_by, False
        self.scatters = {s: self._scatter(s, int(height)) for s in SPACES}
        self.maps = {s: sc.widget for s, sc in self.scatters.items()}
        for space, w in self.maps.items():
            w.observe(lambda c, s=space: self._on_browser_selection(s, c["new"]), names="selection")
            w.observe(lambda c, s=space: self._on_hover(c["new"]), names="hovering")
        self.selection.observe(self._on_selection, names="indices")
        self._build_view()

    # ------------------------------------------------------------------ construction
    def _coords(self, space, xy):
        xy = F.scatter_coords(self.points, space, xy)
        if not np.isfinite(xy).all():
            raise ValueError(f"coordinates of the {space} space hold NaN or inf; pass finite (n, 2) values "
                             "(coords={'weak': ..., 'strong': ...}) or fill the map_* columns.")
        return xy

    def _color_values(self):
        """The categorical value drawn per point, and the colour of each value."""
        import pandas as pd

        codes, _, colors = self._groups[self._color_by]
        if self._per_mode:
            values = codes[self._drawn].astype(np.int64)
            return pd.Categorical(values, categories=np.unique(values)), [colors[g] for g in np.unique(values)]
        k = len(self._first)
        return (pd.Categorical(self._cells, categories=np.arange(k)),
                cell_palette(codes[self._drawn], self._first, colors))

    def _scatter(self, space, height):
        import jscatter

        xy = self._xy[space][self._drawn]
        style = F.marker_style(len(self._drawn))
        sc = jscatter.Scatter(x=xy[:, 0].astype(np.float64), y=xy[:, 1].astype(np.float64))
        values, palette = self._color_values()
        sc.color(by=values, map=palette)
        sc.size(default=style["size"])
        sc.axes(False)
        sc.legend(False)
        sc.tooltip(False)
        sc.height(height)
        sc.lasso(type="freeform")
        # jupyter-scatter 1.0.1 builds its widget (on first access) with the density-opacity ramp left
        # over from its constructor (256 values from 1/256) even after opacity(default=...), and the
        # browser then drew every point at 1/256 opacity: build the widget, then set the opacity.
        sc.widget  # noqa: B018 (builds it)
        sc.opacity(default=min(1.0, style["opacity"] + 0.2))
        return sc

    def _title(self, space) -> str:
        return M.map_title(space, self._projection[space], int(self._keep.sum()), len(self.points),
                           sampled=len(self._drawn) < len(self.points), seed=self.seed)

    def _build_view(self):
        self.color_dropdown = W.Dropdown(options=list(self.modes), value=self._color_by, description="colour by")
        self.color_dropdown.observe(lambda c: self.recolor(c["new"]), names="value")
        self.titles = {s: W.HTML(f"<b>{html.escape(self._title(s))}</b>") for s in SPACES}
        self.legend_html, self.summary_html = W.HTML(), W.HTML()
        self.point_html = W.HTML("<i>Hover over or click a point to see its text.</i>",
                                 layout=W.Layout(width="100%"))
        columns = [W.VBox([self.titles[s], self.maps[s]], layout=W.Layout(flex="1 1 0", min_width="0", width="50%"))
                   for s in SPACES]
        self.widget = W.VBox([self.color_dropdown, self.summary_html, W.HBox(columns, layout=W.Layout(width="100%")),
                              self.legend_html, self.point_html], layout=W.Layout(width="100%"))
        self.widget.add_class("w2s-scatter-maps")
        self._render_legend()
        self._render_summary()

    def _repr_mimebundle_(self, **kwargs):
        return self.widget._repr_mimebundle_(**kwargs)

    def close(self) -> None:
        """Stop observing the selection and close every widget of the view (the selection stays)."""
        try:
            self.selection.unobserve(self._on_selection, names="indices")
        except ValueError:
            pass
        close_tree(self.widget)

    # -------------------------------------------------------------------- public API
    @property
    def color_by(self) -> str:
        """The current colour mode."""
        return self._color_by

    def drawn_rows(self) -> np.ndarray:
        """Row positions sent to both maps, in drawing order, shape (m,) (shown or filtered out)."""
        return self._drawn.copy()

    def shown_rows(self) -> np.ndarray:
        """Row positions shown now (:meth:`show_rows`), in drawing order, shape (s,), s <= m."""
        return self._drawn[self._keep]

    def show_rows(self, rows=None) -> None:
        """Show only these rows in both maps (``None``: every drawn row).

        Parameters
        ----------
        rows : array of shape (k,) of int row positions, or bool mask of shape (n,), or None
            Rows outside the drawn sample are ignored. Sent as jupyter-scatter's ``filter``
            (uint32 positions into the point array, or ``None`` when every point is shown);
            the point array itself is not re-sent. The shared selection keeps its rows; the
            maps show (and a lasso selects) only the shown ones.
        """
        n = len(self.points)
        if rows is None:
            mask = np.ones(n, dtype=bool)
        else:
            arr = np.asarray(rows)
            if arr.dtype == bool:
                if arr.shape != (n,):
                    raise ValueError(f"a boolean mask must have one entry per row ({n}); got shape {arr.shape}.")
                mask = arr
            elif arr.size == 0 or (arr.ndim == 1 and arr.dtype.kind in "iu"):
                arr = arr.astype(np.int64)
                if arr.size and (arr.min() < 0 or arr.max() >= n):
                    raise ValueError(f"rows must be positions in [0, {n}); got {int(arr.min())}..{int(arr.max())}.")
                mask = np.zeros(n, dtype=bool)
                mask[arr] = True
            else:
                raise TypeError(f"rows must be integer row positions or a boolean mask; got dtype {arr.dtype}.")
        self._keep = mask[self._drawn]
        shown = None if self._keep.all() else np.flatnonzero(self._keep).astype(np.uint32)
        self._syncing = True
        try:
            for sc in self.scatters.values():
                sc.filter(shown)
        finally:
            self._syncing = False
        self._on_selection({"new": self.selection.indices}, quiet=True)
        for space in SPACES:
            self.set_title(space, self._title(space))
        self._render_legend()
        self._render_summary()

    def set_title(self, space: str, text: str) -> None:
        """Replace the title above one map (plain text; it is escaped)."""
        check_choice(space, name="space", choices=SPACES)
        self.titles[space].value = f"<b>{html.escape(str(text))}</b>"

    def set_coords(self, space: str, xy, *, projection: str | None = None) -> None:
        """Draw one map at new coordinates (re-sends that map's point array, 16 bytes per point).

        Parameters
        ----------
        space : {"weak", "strong"}
        xy : array of shape (n, 2)
            Finite coordinates of every row of the table.
        projection : str, optional
            Name of the projection for the title (e.g. ``"UMAP"`` after a PCA preview).
        """
        check_choice(space, name="space", choices=SPACES)
        if xy is None:
            raise TypeError(f"set_coords needs an (n, 2) array for the {space} space; got None.")
        self._xy[space] = self._coords(space, xy)
        if projection is not None:
            self._projection[space] = str(projection)
        drawn = self._xy[space][self._drawn]
        self.scatters[space].xy(x=drawn[:, 0].astype(np.float64), y=drawn[:, 1].astype(np.float64), animate=False)
        self.set_title(space, self._title(space))

    def on_click(self, callback) -> None:
        """Call ``callback(row)`` when a map sends a selection of one shown point (a click)."""
        if not callable(callback):
            raise TypeError(f"on_click needs a callable; got {type(callback).__name__}.")
        self._click_callbacks.append(callback)

    def coords(self, space: str) -> np.ndarray:
        """The (n, 2) float32 coordinates of one map's space."""
        check_choice(space, name="space", choices=SPACES)
        return self._xy[space].copy()

    def recolor(self, color_by: str) -> None:
        """Colour both maps by ``color_by``: a colour list per map (one colour per joint cell)."""
        check_choice(color_by, name="color_by", choices=self.modes)
        if self.color_dropdown.value != color_by:
            self.color_dropdown.value = color_by  # its observer calls back here
            return
        if color_by == self._color_by:
            return
        self._color_by = color_by
        values, palette = self._color_values()
        for sc in self.scatters.values():
            if self._per_mode:  # jupyter-scatter does not re-send custom colour data by itself: send it
                sc.color(by=values, map=palette)
                sc.widget.points = sc.get_point_list()
            else:
                sc.color(map=palette)
        self._render_legend()

    def select(self, indices) -> None:
        """Select rows by position (same as ``maps.selection.set(indices)``)."""
        self.selection.set(indices, source="code")

    def point_text(self, row: int) -> str:
        """The escaped hover text of one row (what the point panel shows)."""
        row = int(row)
        if not 0 <= row < len(self.points):
            raise ValueError(f"row {row} is out of range for a table of {len(self.points)} rows.")
        return F.hover_text(self.points.iloc[[row]], label_names=self.label_names)[0]

    # -------------------------------------------------------------- event handlers
    def _on_browser_selection(self, space, positions):
        if self._syncing:
            return
        pos = np.asarray([] if positions is None else positions, dtype=np.int64)
        if pos.size and (pos.min() < 0 or pos.max() >= len(self._drawn)):
            return  # a stale selection of an earlier point set
        pos = pos[self._keep[pos]]  # only shown points are selected
        self.selection.set(self._drawn[pos], source=space)
        if len(pos) == 1:
            for callback in self._click_callbacks:
                callback(int(self._drawn[pos[0]]))

    def _on_selection(self, change, *, quiet=False):
        pos = self._pos[np.asarray(change["new"], dtype=np.int64)]
        pos = pos[pos >= 0]
        pos = np.sort(pos[self._keep[pos]]).astype(np.uint32)
        self._syncing = True
        try:
            for sc in self.scatters.values():
                now = sc.widget.selection
                if now is None or not np.array_equal(np.asarray(now, dtype=np.int64), pos):
                    sc.selection(pos)
        finally:
            self._syncing = False
        if len(change["new"]) == 1 and not quiet:  # a click selects one point: show it
            self.point_html.value = self._point_html(int(change["new"][0]), "clicked")
        self._render_summary()

    def _on_hover(self, position):
        if position is None or not 0 <= int(position) < len(self._drawn):
            return
        self.point_html.value = self._point_html(int(self._drawn[int(position)]), "under the cursor")

    def _point_html(self, row, how) -> str:
        return (f"<div class='w2s-point'><small>row {row}, {how}</small><br>{self.point_text(row)}</div>")

    # --------------------------------------------------------------------- panels
    def _render_legend(self):
        codes, names, colors = self._groups[self._color_by]
        counts = np.bincount(codes[self.shown_rows()].astype(np.int64), minlength=len(names))
        notes = P.CATEGORY_DEFINITIONS if self._color_by == "category" else {}
        rows = [f"<span style='display:inline-block;margin-right:14px'>"
                f"<span style='display:inline-block;width:11px;height:11px;background:{c};margin-right:4px'></span>"
                f"<b>{html.escape(str(name))}</b> {int(k):,}"
                + (f" <small>{html.escape(notes[name])}</small>" if name in notes else "") + "</span>"
                for name, c, k in zip(names, colors, counts)]
        self.legend_html.value = f"<div class='w2s-legend'>{''.join(rows)}</div>"

    def _render_summary(self):
        shown = int(self._keep.sum())
        m, n = len(self._drawn), len(self.points)
        sampled = f" (sample of {m:,} of {n:,})" if m < n else ""
        self.summary_html.value = (f"{len(self.selection):,} selected · {shown:,} points per map{sampled} · "
                                   "box/lasso in either map selects in both")
