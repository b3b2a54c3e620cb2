"""EmbeddingExplorer: weak and strong embedding maps side by side, linked by one Selection.

One split at a time (default ``test``, where the headline metrics live): the maps, the
shared legend's counts and the summary line all count that split, and say so. The legend
beside the maps is also the "what do the colours mean" panel (one line per W2S
category) and its checkboxes hide or show a group in both maps.

Box/lasso selection in either map writes row positions to the shared
:class:`~widgets.selection.Selection`; the explorer observes it and highlights the same
rows in both maps (``selectedpoints``), fills a sortable table (text first) with CSV export,
a line of statistics and the selection's metrics beside the rest's. Clicking a point shows its
nearest neighbours (cosine) in weak and in strong space: the "why was it corrected" view.

The two maps are a map pair: plotly ``FigureWidget`` maps
(:class:`widgets.plotly_maps.PlotlyMapPair`) or, for large tables, jupyter-scatter WebGL
maps (:class:`widgets.scatter_pair.ScatterMapPair`: binary point arrays, a split or a
legend tick is a filter, a recolour a colour list). ``maps="auto"`` (the default) draws
with jupyter-scatter when more than :data:`widgets.maps.AUTO_SCATTER_ROWS` rows are drawn (the table,
or its ``max_points`` sample) and with plotly otherwise. The explorer decides which rows are
drawn and in which colours, and keeps the legend, the panels and the table.
"""

from __future__ import annotations

import html

import ipywidgets as W
import numpy as np

from workbench._validation import check_choice
from workbench.results import with_map_columns

from . import explorer_panels as EP
from . import figures as F
from . import maps as M
from . import palette as P
from ._lifecycle import close_tree
from .explorer_io import SPACES as _SPACES
from .explorer_io import SelectionIO
from .explorer_regions import RegionsControl
from .maps import resolve_maps
from .plotly_maps import PlotlyMapPair
from .resize import FitWidth
from .selection import Selection
from .selection_metrics_view import SelectionMetricsView

__all__ = ["EmbeddingExplorer"]

_REQUIRED = ("id", "split", "text", "gold", "teacher_label", "teacher_conf", "covered",
             "student_label", "student_conf", "ceiling_label", "category")


def _unpack(data, label_names):
    points = getattr(data, "points", data)
    if not hasattr(points, "columns"):
        raise TypeError(f"EmbeddingExplorer needs a Result or a points DataFrame; got {type(data).__name__}.")
    legacy = any(c.startswith("umap_") for c in points.columns)
    points = with_map_columns(points)
    missing = [c for c in _REQUIRED if c not in points.columns]
    if missing:
        raise ValueError(f"the points table lacks columns {missing}; build it with Experiment.run() "
                         "(see docs/ARCHITECTURE.md, 'the per-point table').")
    names = label_names if label_names is not None else getattr(data, "label_names", None)
    # the method that made the coordinates: the result says so; an old table's umap_* columns
    # were UMAP's (or its PCA fallback, which that table cannot tell); a bare table says "2-D map"
    projection = getattr(data, "config", {}).get("projection") or ("umap" if legacy else "2-D map")
    projection = projection.upper() if projection in ("umap", "pca") else str(projection)
    aligned = getattr(data, "config", {}).get("alignment") == "procrustes"
    return points.reset_index(drop=True), F.resolve_label_names(points, names), projection, aligned


def _unit_rows(X, n, space):
    X = np.asarray(X, dtype=np.float32)
    if X.ndim != 2 or len(X) != n:
        raise ValueError(f"embeddings[{space!r}] must have shape ({n}, d), one row per point; got {X.shape}.")
    norms = np.linalg.norm(X, axis=1, keepdims=True)
    return X / np.maximum(norms, 1e-12)


class EmbeddingExplorer(SelectionIO, RegionsControl):
    """Weak and strong maps side by side, coloured by label, W2S category or split.

    Parameters
    ----------
    data : Result or pandas.DataFrame
        A ``workbench.Result`` or its per-point table (n rows).
    embeddings : dict {"weak": (n, d_w), "strong": (n, d_s)}, optional
        For the nearest-neighbour view (cosine) and for a PCA preview when the table has no
        coordinates yet.
    coords : dict {"weak": (n, 2), "strong": (n, 2)}, optional
        2-D coordinates to draw instead of the table's (:func:`widgets.figures.coord_columns`).
    label_names : sequence of str, optional
    selection : Selection, optional
        Share one with other views; a new one is made otherwise.
    color_by : {"gold", "teacher", "student", "category", "covered", "split"} or "labelled_by" /
        "label_source" when the table has that column (ensemble and selective teachers add them)
    split : {"test", "student_train", "weak_train", "val", "all"}, default "test"
        The split drawn and counted ("all" when the table has no test rows).
    k_neighbors : int, default 8
    max_points : int, default 1_000_000
        Above this a seeded sample is drawn (the titles say so). With ``maps="auto"`` more
        than 50,000 drawn rows are drawn with jupyter-scatter (binary arrays, WebGL).
    max_table_rows : int, default 200
        Rows rendered in the selection table (the CSV export has all of them).
    maps : {"auto", "plotly", "scatter"}, default "auto"
        Which library draws the two maps. ``"plotly"``: ``FigureWidget`` maps (hover text in
        the map, ``figures`` holds them). ``"scatter"``: jupyter-scatter WebGL maps for large
        tables (``figures`` is empty; hover text in a panel under the maps). ``"auto"``:
        ``"scatter"`` when more than :data:`widgets.maps.AUTO_SCATTER_ROWS` (50,000) rows are drawn
        (``min(n, max_points)``), else ``"plotly"``.

    Attributes
    ----------
    figures : dict {"weak": go.FigureWidget, "strong": go.FigureWidget}
        The plotly maps; an empty dict when ``maps_kind == "scatter"``.
    maps_kind : {"plotly", "scatter"}
        The library drawing the maps (``maps`` resolved).
    map_pair : PlotlyMapPair or ScatterMapPair
        The two maps (widgets, browser events, restyles).
    scatter_maps : ScatterMaps or None
        The jupyter-scatter maps (``scatter_maps.maps`` are the two widgets) when
        ``maps_kind == "scatter"``; None with plotly.
    selection : Selection
        Shared, and settable from code: ``explorer.selection.set([3, 7])``; ``.indices`` (s,) are the rows.
    selection_metrics : SelectionMetricsView
        Selected vs rest (accuracies, PGR + CI, ECE, counts) on :attr:`split`; Export CSV is the explorer's.
    legend : dict {group name: ipywidgets.Checkbox}
        The shared legend of the current colour mode; unticking hides the group in both maps.
    regions_dropdown : ipywidgets.Dropdown
        "regions" beside "colour by": ``"off"`` or a :data:`widgets.explorer_regions.REGION_PRESETS` name
        (``show_regions(preset or categories)`` sets it): density contours of those W2S categories over
        both maps for the drawn rows, following split, legend and ``set_coords``; ``regions`` is the tuple.
    widget : ipywidgets.VBox
        The whole view; displaying the explorer displays it.
    """

    def __init__(self, data, *, embeddings=None, coords=None, label_names=None, selection=None,
                 color_by: str = "category", split: str | None = None, k_neighbors: int = 8,
                 max_points: int = 1_000_000, seed: int = 0, max_table_rows: int = 200, maps: str = "auto"):
        self.points, self.label_names, projection, self._aligned = _unpack(data, label_names)
        n = len(self.points)
        self.selection = selection if selection is not None else Selection(n_rows=n)
        if self.selection.n_rows not in (None, n):
            raise ValueError(f"the selection is for {self.selection.n_rows} rows but the table has {n}; "
                             "share one Selection only between views of the same table.")
        check_choice(color_by, name="color_by", choices=F.color_modes(self.points))
        self.embeddings = {s: _unit_rows(X, n, s) for s, X in (embeddings or {}).items() if s in _SPACES}
        self.k_neighbors, self.seed, self.max_table_rows = int(k_neighbors), int(seed), int(max_table_rows)
        self.max_points = int(max_points)
        self._split_values = self.points["split"].astype(str).to_numpy()
        splits = self.split_options()
        split = split if split is not None else ("test" if "test" in splits else "all")
        check_choice(split, name="split", choices=splits)
        self._order = M.draw_order(F.sample_rows(n, max_points, seed=seed), seed=seed)
        self.maps_kind = resolve_maps(maps, len(self._order))
        xy, self._projection = self._initial_coords(coords, projection)
        self._hidden: set = set()
        self._groups = F.color_groups(self.points, color_by, label_names=self.label_names)
        self._split = split
        self._drawn = self._drawn_rows()
        # Made before the maps: anywidget's front end gives each model 2 s from its creation to
        # load its code, then reports "[anywidget] Failed to initialize model."; created after the
        # maps, this tiny widget's 2 s passed while the browser was busy with their 5 MB of plotly.js.
        self._fit = FitWidth()
        common = dict(coords=xy, projection=self._projection, label_names=self.label_names,
                      selection=self.selection, drawn=self._drawn, groups=self._groups, titles=self._titles(),
                      on_click=self.show_neighbors)
        if self.maps_kind == "scatter":
            from .scatter_pair import ScatterMapPair

            self.map_pair = ScatterMapPair(self.points, order=self._order, color_by=color_by,
                                           max_points=self.max_points, seed=self.seed, **common)
        else:
            self.map_pair = PlotlyMapPair(self.points, **common)
        self.figures = self.map_pair.figures
        self.scatter_maps = getattr(self.map_pair, "scatter_maps", None)
        self._build_controls(color_by, split)
        self.selection.observe(self._on_selection_changed, names="indices")
        self._render_panels()

    # ------------------------------------------------------------------ construction
    def _initial_coords(self, coords, projection):
        out, label = {}, {}
        for space in _SPACES:
            if coords is not None and space in coords:
                out[space], label[space] = F.scatter_coords(self.points, space, coords[space]), projection
            elif F.has_coords(self.points, space):
                out[space], label[space] = F.scatter_coords(self.points, space, None), projection
            elif space in self.embeddings:
                from workbench.projection import project

                out[space], label[space] = project(self.embeddings[space], method="pca", seed=self.seed), "PCA"
            else:
                x, y = F.coord_columns(space)
                raise ValueError(f"no 2-D coordinates for the {space} space: the {x}/{y} columns are "
                                 "NaN; pass coords={'weak': (n, 2), 'strong': (n, 2)} or embeddings=... "
                                 "(a PCA preview is drawn from them).")
        if coords is None and not any(F.has_coords(self.points, s) for s in _SPACES):
            from workbench.projection_align import align_coords  # both maps are previews: align them

            out, self._aligned = align_coords(out, reference="weak"), True
        return out, label

    def _drawn_rows(self) -> np.ndarray:
        rows = self._order
        if self._split != "all":
            rows = rows[self._split_values[rows] == self._split]
        codes, names, _ = self._groups
        if self._hidden:
            hidden = np.isin(np.asarray(names, dtype=object), list(self._hidden))
            rows = rows[~hidden[codes[rows]]]
        return rows

    def _title(self, space):
        total = len(self.points) if self._split == "all" else int((self._split_values == self._split).sum())
        return M.map_title(space, self._projection[space], len(self._drawn), total,
                           split_text="" if self._split == "all" else self._split,
                           sampled=len(self._order) < len(self.points), seed=self.seed,
                           aligned=self._aligned and space == "strong")

    def _titles(self) -> dict:
        return {s: self._title(s) for s in _SPACES}

    def _build_controls(self, color_by, split):
        self.color_dropdown = W.Dropdown(options=list(F.color_modes(self.points)), value=color_by,
                                         description="colour by")
        self.color_dropdown.observe(lambda c: self.recolor(c["new"]), names="value")
        self.split_dropdown = W.Dropdown(options=self.split_options(), value=split, description="split")
        self.split_dropdown.observe(lambda c: self.show_split(c["new"]), names="value")
        self.sort_dropdown = W.Dropdown(options=[c for c in EP.TABLE_COLUMNS], value="student_conf",
                                        description="sort by")
        self.ascending = W.ToggleButton(value=False, description="ascending", icon="sort")
        for control in (self.sort_dropdown, self.ascending):
            control.observe(lambda c: self._render_table(), names="value")
        self.csv_path = W.Text(value="selection.csv", description="CSV file")
        self.export_button = W.Button(description="Export CSV", icon="download")
        self.export_button.on_click(lambda _: self.export_csv(self.csv_path.value))
        self.summary_html, self.counts_html, self.stats_html = W.HTML(), W.HTML(), W.HTML()
        self.selection_metrics = SelectionMetricsView(self.points, self.selection, label_names=self.label_names,
                                                      split=split, export=False)
        self.table_html, self.export_html = W.HTML(layout=W.Layout(width="100%")), W.HTML()
        self.neighbors_html = W.HTML("<i>Click a point to see its nearest neighbours in weak and strong space.</i>",
                                     layout=W.Layout(width="100%"))
        slots = max(len(self.label_names) + 1, len(P.CATEGORY_COLORS), len(F.SPLITS),
                    *(self.points[c].nunique(dropna=False) for c in F.SOURCE_COLUMNS if c in self.points.columns))
        self._legend_rows = [(W.Checkbox(value=True, indent=False, layout=W.Layout(width="22px", margin="2px 0")),
                              W.HTML(layout=W.Layout(flex="1 1 auto", margin="0"))) for _ in range(int(slots))]
        for g, (box, _) in enumerate(self._legend_rows):
            box.observe(lambda c, g=g: self._on_legend(g, c["new"]), names="value")
        self._legend_items = [W.HBox([b, h], layout=W.Layout(width="32%", min_width="260px", align_items="flex-start"))
                              for b, h in self._legend_rows]
        legend = W.VBox([self.counts_html, W.HBox(self._legend_items, layout=W.Layout(flex_flow="row wrap"))],
                        layout=W.Layout(width="100%", border="1px solid #ddd", padding="4px 8px"))
        maps = self.map_pair.widget
        table = W.VBox([W.HBox([self.sort_dropdown, self.ascending, self.csv_path, self.export_button],
                               layout=W.Layout(flex_flow="row wrap")), self.export_html, self.table_html],
                       layout=W.Layout(width="100%"))
        self.widget = W.VBox([W.HTML(EP.STYLE), self._fit, W.HBox([self.color_dropdown, self.split_dropdown,
                                                               self._regions_control()],
                                                       layout=W.Layout(flex_flow="row wrap")),
                              self.summary_html, maps, legend, self.stats_html, self.selection_metrics.widget, table,
                              W.HTML("<b>Nearest neighbours</b> (click a point in either map)"), self.neighbors_html],
                             layout=W.Layout(width="100%"))
        self.widget.add_class("w2s-explorer")
        self.widget.add_class("w2s-fit")

    def _repr_mimebundle_(self, **kwargs):
        return self.widget._repr_mimebundle_(**kwargs)

    def close(self) -> None:
        """Stop observing the selection and close every widget of the view (the selection stays)."""
        try:
            self.selection.unobserve(self._on_selection_changed, names="indices")
        except ValueError:  # already closed
            pass
        self.selection_metrics.close()
        self.map_pair.close()
        close_tree(self.widget)

    # -------------------------------------------------------------------- public API
    @property
    def color_by(self) -> str:
        """The current colour mode."""
        return self.color_dropdown.value

    @property
    def split(self) -> str:
        """The split drawn and counted now."""
        return self._split

    @property
    def legend(self) -> dict:
        """``{group name: Checkbox}`` of the current colour mode."""
        return {self._groups[1][g]: box for g, (box, _) in enumerate(self._legend_rows) if g < len(self._groups[1])}

    def split_options(self) -> list:
        """The splits the table has, in protocol order, then ``"all"``."""
        present = set(self._split_values)
        return [s for s in F.SPLITS if s in present] + sorted(present - set(F.SPLITS)) + ["all"]

    def drawn_rows(self) -> np.ndarray:
        """Row positions drawn in the maps now (current split, hidden groups left out)."""
        return self._drawn.copy()

    def recolor(self, color_by: str) -> None:
        """Colour both maps by ``color_by`` (one restyle message per map; hidden groups are shown again)."""
        check_choice(color_by, name="color_by", choices=F.color_modes(self.points))
        if self.color_dropdown.value != color_by:
            self.color_dropdown.value = color_by  # its observer calls back here
            return
        self._groups = F.color_groups(self.points, color_by, label_names=self.label_names)
        if self._hidden:
            self._hidden = set()
            self._redraw_points()
        else:
            self.map_pair.recolour(self._groups, color_by=color_by)
        self._render_counts()

    def show_split(self, split: str) -> None:
        """Draw and count one split (``"all"`` for every row); the selection keeps only drawn rows."""
        check_choice(split, name="split", choices=self.split_options())
        if self.split_dropdown.value != split:
            self.split_dropdown.value = split
            return
        self._split = self.selection_metrics.split = split
        self._redraw_points()
        kept = self.selection.indices[self._pos_of(self.selection.indices) >= 0]
        if len(kept) != len(self.selection):
            self.selection.set(kept, source="split")
        self._render_panels()

    def set_hidden(self, names) -> None:
        """Hide these groups of the current colour mode in both maps (what unticking the legend does)."""
        names = set(names)
        unknown = names - set(self._groups[1])
        if unknown:
            raise ValueError(f"unknown groups {sorted(unknown)} for color_by={self.color_by!r}; "
                             f"known: {list(self._groups[1])}.")
        self._hidden = names
        self._redraw_points()
        self._render_counts()

    def select(self, indices) -> None:
        """Select rows by position (same as ``explorer.selection.set(indices)``)."""
        self.selection.set(indices, source="code")

    def set_coords(self, space: str, xy, *, label: str = "UMAP", aligned: bool | None = None) -> None:
        """Replace the 2-D coordinates of one map, e.g. swap the PCA preview for UMAP.

        ``aligned``: whether the strong map is now rotated onto the weak one (the title says
        so); ``None`` keeps what the title said.
        """
        check_choice(space, name="space", choices=_SPACES)
        xy = F.scatter_coords(self.points, space, xy)
        if not np.isfinite(xy).all():
            raise ValueError(f"coordinates for the {space} space hold NaN or inf; pass finite (n, 2) values.")
        self._projection[space] = label
        if aligned is not None:
            self._aligned = bool(aligned)
        self.map_pair.set_coords(space, xy, label=label, title=self._title(space))

    # -------------------------------------------------------------- event handlers
    def _pos_of(self, rows) -> np.ndarray:
        pos = np.full(len(self.points), -1, dtype=np.int64)
        pos[self._drawn] = np.arange(len(self._drawn))
        return pos[np.asarray(rows, dtype=np.int64)]

    def _on_legend(self, g, shown):
        if getattr(self, "_quiet", False) or g >= len(self._groups[1]):
            return
        name = self._groups[1][g]
        self._hidden = (self._hidden - {name}) if shown else (self._hidden | {name})
        self._redraw_points()
        self._render_counts()

    def _on_selection_changed(self, change):
        self._render_panels()

    def _redraw_points(self):
        """The drawn rows changed (split, legend): the map pair draws them again."""
        self._drawn = self._drawn_rows()
        self.map_pair.draw(self._drawn, self._groups, self._titles(), color_by=self.color_by)

    # --------------------------------------------------------------------- rendering
    def _name(self, i) -> str:
        i = int(i)
        return html.escape(self.label_names[i]) if 0 <= i < len(self.label_names) else "abstained"

    def _render_panels(self):
        self._render_counts()
        self._render_table()

    def _split_frame(self):
        return self.points if self._split == "all" else self.points[self._split_values == self._split]

    def _render_counts(self):
        codes, names, colors = self._groups
        in_split = np.ones(len(self.points), bool) if self._split == "all" else self._split_values == self._split
        total = np.bincount(codes[in_split], minlength=len(names))
        picked = np.bincount(codes[self.selection.indices], minlength=len(names))
        definitions = P.CATEGORY_DEFINITIONS if self.color_by == "category" else {}
        self._quiet = True
        try:
            for g, ((box, label), item) in enumerate(zip(self._legend_rows, self._legend_items)):
                used = g < len(names)
                item.layout.display = None if used else "none"
                if used:
                    box.value = names[g] not in self._hidden
                    label.value = EP.legend_row(names[g], colors[g], int(total[g]), int(picked[g]),
                                                definition=definitions.get(names[g], ""))
        finally:
            self._quiet = False
        hidden = f" · hidden: {', '.join(sorted(self._hidden))}" if self._hidden else ""
        self.counts_html.value = (f"<b>What the colours mean</b> · colour by <b>{html.escape(self.color_by)}</b> · "
                                  f"counts on the <b>{EP.split_label(self._split)}</b> (untick to hide){hidden}")
        self.summary_html.value = EP.split_summary(self._split_frame(), split=self._split, total=len(self.points),
                                                   label_names=self.label_names)
        self.stats_html.value = EP.selection_stats(self.points.iloc[self.selection.indices])

    def _render_table(self):
        rows, splits = self.selection.indices, self._split_values
        several = bool(len(rows)) and bool((splits[rows] != splits[rows[0]]).any())
        self.table_html.value = EP.table_html(self.selection_frame(limit=self.max_table_rows),
                                              max_rows=self.max_table_rows, total=len(rows), several_splits=several,
                                              sort_by=self.sort_dropdown.value, ascending=self.ascending.value)
