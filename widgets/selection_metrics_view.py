"""Metrics of the selected points beside the rest, updated on every selection change.

A thin view over :func:`workbench.selection_metrics.selection_metrics`: it observes the
shared :class:`widgets.selection.Selection` (any map's lasso, the review queue, code) and
renders the table as HTML; "Export CSV" writes the selected rows with
:func:`workbench.selection_metrics.export_selection`.
"""

from __future__ import annotations

import html
import math

import ipywidgets as W
import pandas as pd

from workbench.selection_metrics import export_selection, selection_metrics

from ._lifecycle import close_tree
from .selection import Selection

__all__ = ["SelectionMetricsView", "metrics_html", "ROW_LABELS"]

#: The table's rows: (metric row, label shown, kind) with kind "count", "share" or "pgr".
ROW_LABELS = (
    ("n", "points", "count"),
    ("teacher_coverage", "teacher coverage", "share"),
    ("teacher_acc_covered", "teacher accuracy (covered)", "share"),
    ("student_acc", "student accuracy", "share"),
    ("ceiling_acc", "ceiling accuracy", "share"),
    ("pgr", "PGR [95% CI]", "pgr"),
    ("ece_student", "student ECE", "share"),
    ("student_acc_uncovered", "student accuracy (uncovered)", "share"),
    ("n_both_right", "both right", "count"),
    ("n_copied", "copied", "count"),
    ("n_corrected", "corrected", "count"),
    ("n_corrupted", "corrupted", "count"),
    ("n_uncovered_right", "uncovered, student right", "count"),
    ("n_uncovered_wrong", "uncovered, student wrong", "count"),
)


def _num(x, kind) -> str:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "—"
    if kind == "count":
        return f"{int(x):,}"
    if math.isinf(x):
        return "∞" if x > 0 else "−∞"
    return f"{x:.3f}"


def _cell(table: pd.DataFrame, column: str, metric: str, kind: str) -> str:
    value = table.at[metric, column]
    if kind != "pgr":
        return _num(value, kind)
    low, high = table.at["pgr_ci_low", column], table.at["pgr_ci_high", column]
    text = _num(value, "share")
    if not (math.isnan(low) and math.isnan(high)):
        text += f" [{_num(low, 'share')}, {_num(high, 'share')}]"
    return text


def metrics_html(table: pd.DataFrame, *, split: str | None = "test") -> str:
    """The :func:`selection_metrics` table as an HTML ``<table>`` (selected | rest)."""
    where = f"{split} split" if split else "all splits"
    head = (f"<tr><th style='text-align:left'>{html.escape(where)}</th>"
            "<th style='text-align:right'>selected</th><th style='text-align:right'>rest</th></tr>")
    body = "".join(
        f"<tr><td>{html.escape(label)}</td><td style='text-align:right'>{_cell(table, 'selection', m, kind)}</td>"
        f"<td style='text-align:right'>{_cell(table, 'rest', m, kind)}</td></tr>"
        for m, label, kind in ROW_LABELS)
    return f"<table class='w2s-selection-metrics' style='border-collapse:collapse'>{head}{body}</table>"


def _check_split(split):
    """``split`` as the table counts it: a split name, or None for every row (``"all"`` too)."""
    if split is None or split == "all":
        return None
    if not isinstance(split, str):
        raise TypeError(f"split must be a split name (str), 'all' or None; got {type(split).__name__}.")
    return split


class SelectionMetricsView:
    """The selection's metrics beside the rest's, with an Export CSV button.

    Parameters
    ----------
    points : DataFrame
        ``Result.points``.
    selection : widgets.selection.Selection
        The shared selection; the table follows it.
    label_names : sequence of str, optional
        Class names (their number is k, for an abstention scored at chance).
    split : str or None, default "test"
        Rows counted on both sides (the headline's split); ``None`` or ``"all"`` = all.
        Settable later (:attr:`split`; the table is recomputed).
    n_boot, seed : int
        Bootstrap of the PGR interval.
    path : str, default "selection.csv"
        Initial value of the export path box.
    export : bool, default True
        Show the path box and the Export CSV button; ``False`` for a host view that has its
        own export of the selection (the explorer).

    Attributes
    ----------
    table : DataFrame
        The latest :func:`selection_metrics` result.
    table_html, status_html : ipywidgets.HTML
    path_text : ipywidgets.Text or None
        None when ``export=False``.
    export_button : ipywidgets.Button or None
        None when ``export=False``.
    widget : ipywidgets.VBox
    """

    def __init__(self, points, selection, *, label_names=None, split: str | None = "test", n_boot: int = 1000,
                 seed: int = 0, path: str = "selection.csv", export: bool = True):
        if not isinstance(selection, Selection):
            raise TypeError(f"selection must be a widgets.selection.Selection; got {type(selection).__name__}.")
        if not isinstance(points, pd.DataFrame):
            raise TypeError(f"points must be a pandas DataFrame (Result.points); got {type(points).__name__}.")
        if selection.n_rows is not None and selection.n_rows != len(points):
            raise ValueError(f"the selection is over {selection.n_rows} rows but points has {len(points)}; "
                             "use the Selection of this table.")
        self.points, self.selection, self._split = points, selection, _check_split(split)
        self.n_classes = None if label_names is None else max(2, len(tuple(label_names)))
        self.n_boot, self.seed = n_boot, seed
        self.table_html, self.status_html = W.HTML(), W.HTML()
        self.path_text = self.export_button = None
        children = [self.table_html]
        if export:
            self.path_text = W.Text(value=str(path), description="CSV file")
            self.export_button = W.Button(description="Export CSV", icon="download")
            self.export_button.on_click(lambda _: self.export())
            children += [W.HBox([self.path_text, self.export_button]), self.status_html]
        self.widget = W.VBox(children)
        selection.observe(self._on_selection, names="indices")
        self.refresh()

    def _repr_mimebundle_(self, **kwargs):
        return self.widget._repr_mimebundle_(**kwargs)

    def _on_selection(self, _change):
        self.refresh()

    @property
    def split(self) -> str | None:
        """The split counted on both sides (``None``: every row); setting it recomputes the table."""
        return self._split

    @split.setter
    def split(self, split: str | None) -> None:
        self._split = _check_split(split)
        self.refresh()

    def close(self) -> None:
        """Stop following the selection and close the view's widgets (the selection stays)."""
        try:
            self.selection.unobserve(self._on_selection, names="indices")
        except ValueError:  # already closed
            pass
        close_tree(self.widget)
        close_tree(self.status_html)  # not in the widget when export=False

    def refresh(self) -> pd.DataFrame:
        """Recompute the table for the current selection and redraw it."""
        self.table = selection_metrics(self.points, self.selection.indices, split=self.split,
                                       n_classes=self.n_classes, n_boot=self.n_boot, seed=self.seed)
        note = "" if len(self.selection) else "<p><i>Nothing selected: select points in a map.</i></p>"
        self.table_html.value = note + metrics_html(self.table, split=self.split)
        return self.table

    def export(self, path: str | None = None):
        """Write the selected rows (all splits, all columns) to ``path`` (default: the path box)."""
        if path is None and self.path_text is None:
            raise ValueError("this view has no path box (export=False); pass export(path=...).")
        target = self.path_text.value if path is None else path
        try:
            written = export_selection(self.points, self.selection.indices, target)
        except (ValueError, OSError) as err:
            self.status_html.value = f"<span style='color:#CC3311'>Export failed: {html.escape(str(err))}</span>"
            return None
        self.status_html.value = (f"Wrote {len(self.selection):,} rows to <code>{html.escape(str(written))}</code>.")
        return written
