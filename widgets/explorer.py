"""EmbeddingExplorer: weak and strong embedding maps side by side, linked by one Selection.

Box/lasso selection in either map writes row positions to the shared
:class:`~widgets.selection.Selection`; the explorer observes it and highlights the same
rows in both maps (``selectedpoints``), fills a sortable table with CSV export, and shows
selection statistics. Clicking a point shows its nearest neighbours (cosine) in weak and
in strong space with their gold/teacher/student labels: the "why was it corrected" view.

Each map is one ``Scattergl`` holding every drawn point (``customdata`` = row positions)
plus legend-only entries ``"group (count)"`` (``figures.scatter_embedding(groups="colors")``),
so a recolour or a selection is one ``batch_update`` restyle of one array per map.
"""

from __future__ import annotations

import base64
import html
from pathlib import Path

import ipywidgets as W
import numpy as np
import plotly.graph_objects as go
import traitlets

from workbench._validation import check_choice

from . import figures as F
from .selection import Selection, merge_selection_edits, points_in_selections

__all__ = ["EmbeddingExplorer"]

_REQUIRED = ("id", "split", "text", "gold", "teacher_label", "teacher_conf", "covered",
             "student_label", "student_conf", "category")
_TABLE_COLUMNS = ("id", "split", "gold", "teacher", "teacher_conf", "student", "student_conf", "category", "text")
_SPACES = ("weak", "strong")
_MAP_WIDTH = 520  # px per map; two maps side by side fit a JupyterLab notebook at 1,100 px and wrap below that


def _unpack(data, label_names):
    points = getattr(data, "points", data)
    if not hasattr(points, "columns"):
        raise TypeError(f"EmbeddingExplorer needs a Result or a points DataFrame; got {type(data).__name__}.")
    missing = [c for c in _REQUIRED if c not in points.columns]
    if missing:
        raise ValueError(f"the points table lacks columns {missing}; build it with Experiment.run() "
                         "(see docs/ARCHITECTURE.md, 'the per-point table').")
    names = label_names if label_names is not None else getattr(data, "label_names", None)
    projection = str(getattr(data, "config", {}).get("projection") or "umap").upper()
    return points.reset_index(drop=True), F.resolve_label_names(points, names), projection


def _unit_rows(X, n, space):
    X = np.asarray(X, dtype=np.float32)
    if X.ndim != 2 or len(X) != n:
        raise ValueError(f"embeddings[{space!r}] must have shape ({n}, d), one row per point; got {X.shape}.")
    norms = np.linalg.norm(X, axis=1, keepdims=True)
    return X / np.maximum(norms, 1e-12)


class EmbeddingExplorer:
    """Weak and strong maps side by side, coloured by label or W2S category.

    Parameters
    ----------
    data : Result or pandas.DataFrame
        A ``workbench.Result`` or its per-point table (n rows).
    embeddings : dict {"weak": (n, d_w), "strong": (n, d_s)}, optional
        For the nearest-neighbour view (cosine) and for a PCA preview when the table has no
        coordinates yet.
    coords : dict {"weak": (n, 2), "strong": (n, 2)}, optional
        2-D coordinates to draw instead of the ``umap_*`` columns.
    label_names : sequence of str, optional
    selection : Selection, optional
        Share one with other views; a new one is made otherwise.
    color_by : {"gold", "teacher", "student", "category", "covered"} or "labelled_by" / "label_source"
        when the table has that column (ensemble and selective teachers add them)
    k_neighbors : int, default 8
    max_points : int, default 200_000
        Above this a seeded sample is drawn (the titles say so).
    max_table_rows : int, default 200
        Rows rendered in the selection table (the CSV export has all of them).

    Attributes
    ----------
    figures : dict {"weak": go.FigureWidget, "strong": go.FigureWidget}
    selection : Selection
    widget : ipywidgets.VBox
        The whole view; displaying the explorer displays it.
    """

    def __init__(self, data, *, embeddings=None, coords=None, label_names=None, selection=None,
                 color_by: str = "category", k_neighbors: int = 8, max_points: int = 200_000,
                 seed: int = 0, max_table_rows: int = 200):
        self.points, self.label_names, projection = _unpack(data, label_names)
        n = len(self.points)
        self.selection = selection if selection is not None else Selection(n_rows=n)
        if self.selection.n_rows not in (None, n):
            raise ValueError(f"the selection is for {self.selection.n_rows} rows but the table has {n}; "
                             "share one Selection only between views of the same table.")
        self.embeddings = {s: _unit_rows(X, n, s) for s, X in (embeddings or {}).items() if s in _SPACES}
        self.k_neighbors, self.seed, self.max_table_rows = int(k_neighbors), int(seed), int(max_table_rows)
        self.max_points = int(max_points)
        self._rows = F.sample_rows(n, max_points, seed=seed)
        self._pos = np.full(n, -1, dtype=np.int64)
        self._pos[self._rows] = np.arange(len(self._rows))
        self._coords, self._projection = self._initial_coords(coords, projection)
        self._slots = max(len(self.label_names) + 1, len(F.CATEGORY_COLORS), 2,
                          *(self.points[c].nunique(dropna=False) for c in F.SOURCE_COLUMNS
                            if c in self.points.columns))
        self._groups = F.color_groups(self.points, color_by, label_names=self.label_names)  # cached for the panels
        hover = F.hover_text(self.points, label_names=self.label_names)
        self.figures = {s: self._make_figure(s, color_by, hover) for s in _SPACES}
        self._build_controls(color_by)
        self.selection.observe(self._on_selection_changed, names="indices")
        self._render_panels()

    # ------------------------------------------------------------------ construction
    def _initial_coords(self, coords, projection):
        out, label = {}, {}
        for space in _SPACES:
            if coords is not None and space in coords:
                out[space], label[space] = F.scatter_coords(self.points, space, coords[space]), projection
            elif self.points.get(f"umap_{space}_x") is not None and self.points[f"umap_{space}_x"].notna().all():
                out[space], label[space] = F.scatter_coords(self.points, space, None), projection
            elif space in self.embeddings:
                from workbench.projection import project

                out[space], label[space] = project(self.embeddings[space], method="pca", seed=self.seed), "PCA"
            else:
                raise ValueError(f"no 2-D coordinates for the {space} space: the umap_{space}_x/y columns are "
                                 "NaN; pass coords={'weak': (n, 2), 'strong': (n, 2)} or embeddings=... "
                                 "(a PCA preview is drawn from them).")
        return out, label

    def _make_figure(self, space, color_by, hover):
        fig = F.scatter_embedding(self.points, space=space, color_by=color_by, label_names=self.label_names,
                                  coords=self._coords[space], max_points=self.max_points, seed=self.seed,
                                  groups="colors", projection=self._projection[space],
                                  legend_slots=self._slots, hover=hover)
        fig.update_layout(width=_MAP_WIDTH)  # a fixed width: plotly's default 700 px overflows a half-row box
        widget = _MapWidget(fig)
        main = widget.data[0]
        main.on_selection(lambda trace, points, selector, s=space: self._on_select(s, points.point_inds))
        main.on_deselect(lambda trace, points, s=space: self.selection.clear(source=s))
        main.on_click(lambda trace, points, state: self._on_click(points.point_inds))
        # plotly also writes every box/lasso into layout.selections (a separate message from the
        # points event, which a hover right after the mouse-up can overwrite): read it as well.
        widget.layout.on_change(lambda *_, s=space: self._on_layout_selections(s), "selections")
        return widget

    def _build_controls(self, color_by):
        self.color_dropdown = W.Dropdown(options=list(F.color_modes(self.points)), value=color_by,
                                         description="colour by")
        self.color_dropdown.observe(lambda c: self.recolor(c["new"]), names="value")
        self.sort_dropdown = W.Dropdown(options=list(_TABLE_COLUMNS[:-1]), value="student_conf",
                                        description="sort by")
        self.ascending = W.ToggleButton(value=False, description="ascending", icon="sort")
        for control in (self.sort_dropdown, self.ascending):
            control.observe(lambda c: self._render_table(), names="value")
        self.csv_path = W.Text(value="selection.csv", description="CSV file")
        self.export_button = W.Button(description="Export CSV", icon="download")
        self.export_button.on_click(lambda _: self.export_csv(self.csv_path.value))
        self.counts_html, self.stats_html, self.table_html = W.HTML(), W.HTML(), W.HTML()
        self.export_html = W.HTML()
        self.neighbors_html = W.HTML("<i>Click a point to see its nearest neighbours in weak and strong space.</i>")
        maps = [W.Box([self.figures[s]], layout=W.Layout(flex="0 0 auto")) for s in _SPACES]
        table = W.VBox([W.HBox([self.sort_dropdown, self.ascending]), W.HBox([self.csv_path, self.export_button]),
                        self.export_html, self.table_html], layout=W.Layout(flex="1 1 0", min_width="0"))
        self.widget = W.VBox([
            W.HBox([self.color_dropdown, self.stats_html]),
            W.HBox([W.HBox(maps, layout=W.Layout(flex_flow="row wrap")), self.counts_html],
                   layout=W.Layout(flex_flow="row wrap")),
            W.HBox([table, W.Box([self.neighbors_html], layout=W.Layout(flex="1 1 0", min_width="0"))]),
        ])

    def _repr_mimebundle_(self, **kwargs):
        return self.widget._repr_mimebundle_(**kwargs)

    def close(self) -> None:
        """Stop observing the selection and close the widgets (the selection itself stays)."""
        self.selection.unobserve(self._on_selection_changed, names="indices")
        self.widget.close()
        for fig in self.figures.values():
            fig.close()

    # -------------------------------------------------------------------- public API
    @property
    def color_by(self) -> str:
        """The current colour mode."""
        return self.color_dropdown.value

    def recolor(self, color_by: str) -> None:
        """Colour both maps by ``color_by`` (one restyle message per map)."""
        check_choice(color_by, name="color_by", choices=F.color_modes(self.points))
        if self.color_dropdown.value != color_by:
            self.color_dropdown.value = color_by  # its observer calls back here
            return
        codes, names, colors = F.color_groups(self.points, color_by, label_names=self.label_names)
        self._groups = (codes, names, colors)
        counts = np.bincount(codes, minlength=len(names))
        shown = codes[self._rows]
        for fig in self.figures.values():
            with fig.batch_update():
                fig.data[0].marker.update(color=shown, **F.discrete_colorscale(colors))
                for g, stub in enumerate(fig.data[1:]):
                    visible = g < len(names)
                    stub.update(name=f"{names[g]} ({counts[g]:,})" if visible else "", visible=visible,
                                marker_color=colors[g] if visible else F.MUTED)
                fig.layout.legend.title.text = color_by
        self._render_counts()

    def select(self, indices) -> None:
        """Select rows by position (same as ``explorer.selection.set(indices)``)."""
        self.selection.set(indices, source="code")

    def set_coords(self, space: str, xy, *, label: str = "UMAP") -> None:
        """Replace the 2-D coordinates of one map, e.g. swap the PCA preview for UMAP."""
        check_choice(space, name="space", choices=_SPACES)
        xy = F.scatter_coords(self.points, space, xy)
        if not np.isfinite(xy).all():
            raise ValueError(f"coordinates for the {space} space hold NaN or inf; pass finite (n, 2) values.")
        self._coords[space], self._projection[space] = xy, label
        fig = self.figures[space]
        with fig.batch_update():
            fig.data[0].x, fig.data[0].y = xy[self._rows, 0], xy[self._rows, 1]
            fig.layout.title.text = F.scatter_title(space, label, len(self._rows), len(self.points), self.seed)
            fig.layout.xaxis.title.text, fig.layout.yaxis.title.text = f"{label} 1", f"{label} 2"

    def selection_frame(self):
        """The selected rows as a DataFrame (label names spelled out), in the table's sort order."""
        frame = self.points.iloc[self.selection.indices]
        name = lambda i: self.label_names[i] if 0 <= i < len(self.label_names) else "abstained"  # noqa: E731
        out = frame.assign(gold=frame["gold"].map(name), teacher=frame["teacher_label"].map(name),
                           student=frame["student_label"].map(name))
        out = out.assign(row=frame.index.to_numpy())[["row", *_TABLE_COLUMNS]]
        return out.sort_values(self.sort_dropdown.value, ascending=self.ascending.value, kind="stable")

    def to_csv(self, path=None):
        """CSV of :meth:`selection_frame`; returns the text, or writes ``path`` and returns it."""
        frame = self.selection_frame()
        if path is None:
            return frame.to_csv(index=False)
        path = Path(path)
        frame.to_csv(path, index=False)
        return path

    def export_csv(self, path) -> Path:
        """Write the selection to ``path`` and show a download link (the Export button)."""
        try:
            written = self.to_csv(path)
        except OSError as exc:
            self.export_html.value = f"<span style='color:#d62728'>could not write {html.escape(str(path))}: " \
                                     f"{html.escape(str(exc))}</span>"
            return None
        data = written.read_bytes()
        link = ""
        if len(data) <= 2_000_000:
            href = "data:text/csv;base64," + base64.b64encode(data).decode()
            link = f" · <a download='{html.escape(written.name)}' href='{href}'>download</a>"
        self.export_html.value = f"wrote {len(self.selection):,} rows to <code>{html.escape(str(written))}</code>{link}"
        return written

    def neighbors(self, row: int, *, space: str, k: int | None = None):
        """The ``k`` nearest rows to ``row`` by cosine similarity in ``space``, as a DataFrame."""
        check_choice(space, name="space", choices=_SPACES)
        if space not in self.embeddings:
            raise ValueError(f"no {space} embeddings were given; pass embeddings={{'{space}': (n, d)}}.")
        E, k = self.embeddings[space], int(k or self.k_neighbors)
        sims = E @ E[row]
        sims[row] = -np.inf
        k = min(k, len(E) - 1)
        top = np.argpartition(-sims, k - 1)[:k] if k > 0 else np.empty(0, np.int64)
        top = top[np.argsort(-sims[top], kind="stable")]
        out = self.points.iloc[top][["id", "gold", "teacher_label", "student_label", "category", "text"]]
        return out.assign(row=top, cosine=sims[top])

    # -------------------------------------------------------------- event handlers
    def _on_select(self, space, point_inds):
        self.selection.set(self._rows[np.asarray(point_inds, dtype=np.int64)], source=space)

    def _on_layout_selections(self, space):
        shapes = self.figures[space].layout.to_plotly_json().get("selections") or []
        if not shapes:
            if self.selection.source == space:  # this map's selection was removed (double-click)
                self.selection.clear(source=space)
            return
        xy = self._coords[space][self._rows]
        self._on_select(space, np.flatnonzero(points_in_selections(xy[:, 0], xy[:, 1], shapes)))

    def _on_click(self, point_inds):
        if len(point_inds):
            self.show_neighbors(int(self._rows[point_inds[0]]))

    def _on_selection_changed(self, change):
        rows = change["new"]
        pos = self._pos[rows]
        shown = None if rows.size == 0 else pos[pos >= 0].astype(np.int32)
        for fig in self.figures.values():
            # A box left in the other map stays drawn: removing it from here makes plotly.js emit a
            # deselect there, which would clear the new selection (seen in the browser test).
            with fig.batch_update():
                fig.data[0].selectedpoints = shown
        self._render_panels()

    def show_neighbors(self, row: int) -> None:
        """Fill the neighbour panel for ``row`` (what a click on the point does)."""
        p = self.points.iloc[row]
        head = (f"<b>{html.escape(str(p['id']))}</b> · {html.escape(str(p['category']))} · gold "
                f"<b>{self._name(p['gold'])}</b> · teacher <b>{self._name(p['teacher_label'])}</b> · student "
                f"<b>{self._name(p['student_label'])}</b><br><i>{html.escape(str(p['text'])[:300])}</i>")
        if not self.embeddings:
            self.neighbors_html.value = head + "<br><i>Pass embeddings=... to see nearest neighbours.</i>"
            return
        parts = [head]
        for space in _SPACES:
            if space in self.embeddings:
                nb = self.neighbors(row, space=space)
                agree = int((nb["teacher_label"] == p["student_label"]).sum())
                parts.append(f"<b>{space} space</b>: {agree} of {len(nb)} neighbours have teacher label "
                             f"<b>{self._name(p['student_label'])}</b> (the student's label)"
                             + self._neighbor_table(nb))
        self.neighbors_html.value = "<br>".join(parts)

    # --------------------------------------------------------------------- rendering
    def _name(self, i) -> str:
        i = int(i)
        return html.escape(self.label_names[i]) if 0 <= i < len(self.label_names) else "abstained"

    def _neighbor_table(self, nb) -> str:
        rows = "".join(
            f"<tr><td>{c:.3f}</td><td>{self._name(g)}</td><td>{self._name(t)}</td><td>{self._name(s)}</td>"
            f"<td>{html.escape(str(cat))}</td><td>{html.escape(str(txt)[:80])}</td></tr>"
            for c, g, t, s, cat, txt in zip(nb["cosine"], nb["gold"], nb["teacher_label"], nb["student_label"],
                                            nb["category"], nb["text"]))
        return ("<table><tr><th>cos</th><th>gold</th><th>teacher</th><th>student</th><th>category</th>"
                f"<th>text</th></tr>{rows}</table>")

    def _render_panels(self):
        self._render_counts()
        self._render_table()

    def _render_counts(self):
        codes, names, colors = self._groups
        total = np.bincount(codes, minlength=len(names))
        picked = np.bincount(codes[self.selection.indices], minlength=len(names))
        rows = "".join(f"<tr><td><span style='color:{c}'>●</span> {html.escape(n)}</td>"
                       f"<td style='text-align:right'>{t:,}</td><td style='text-align:right'>{p:,}</td></tr>"
                       for n, c, t, p in zip(names, colors, total, picked))
        self.counts_html.value = (f"<table><tr><th>{html.escape(self.color_by)}</th><th>all</th>"
                                  f"<th>selected</th></tr>{rows}</table>")
        self.stats_html.value = _selection_stats(self.points.iloc[self.selection.indices])

    def _render_table(self):
        frame = self.selection_frame()
        if frame.empty:
            self.table_html.value = "<i>Select points with box or lasso in either map.</i>"
            return
        shown = frame.head(self.max_table_rows)
        order = "ascending" if self.ascending.value else "descending"
        head = "".join(f"<th>{c}</th>" for c in shown.columns)
        body = "".join("<tr>" + "".join(f"<td>{_cell(v)}</td>" for v in rec) + "</tr>"
                       for rec in shown.itertuples(index=False))
        self.table_html.value = (f"<b>{len(frame):,} selected</b> (showing {len(shown):,}, sorted by "
                                 f"{self.sort_dropdown.value}, {order})<div style='max-height:320px;overflow:auto'>"
                                 f"<table><tr>{head}</tr>{body}</table></div>")


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


def _cell(value) -> str:
    if isinstance(value, float):
        return f"{value:.3f}"
    return html.escape(str(value)[:120])


def _selection_stats(frame) -> str:
    """One line of metrics of the selected rows (teacher/student accuracy, agreement, coverage)."""
    if frame.empty:
        return "<i>nothing selected</i>"
    gold, teacher, student = (frame[c].to_numpy() for c in ("gold", "teacher_label", "student_label"))
    covered = frame["covered"].to_numpy(bool)
    t_acc = f"{np.mean(teacher[covered] == gold[covered]):.2f}" if covered.any() else "n/a"
    return (f"<b>{len(frame):,} selected</b> · teacher acc (covered) {t_acc} · student acc "
            f"{np.mean(student == gold):.2f} · student–teacher agreement {np.mean(student == teacher):.2f} · "
            f"coverage {covered.mean():.2f}")
