"""One shared selection of rows of the per-point table.

Every linked view observes the same :class:`Selection` and writes to it; no view knows
about another (no pairwise wiring). Rows are *positions* (``points.iloc``), not ids.

>>> sel = Selection(n_rows=10)
>>> seen = []
>>> sel.on_change(lambda rows, source: seen.append((rows.tolist(), source)))
>>> sel.set([3, 1, 3], source="weak")
>>> sel.get().tolist(), seen
([1, 3], [([1, 3], 'weak')])
"""

from __future__ import annotations

import re

import numpy as np
import traitlets

__all__ = ["Selection", "points_in_selections", "merge_selection_edits"]


def _as_rows(indices, n_rows):
    arr = np.asarray([] if indices is None else indices)
    if arr.dtype == bool:
        if n_rows is not None and arr.shape != (n_rows,):
            raise ValueError(f"a boolean mask must have one entry per row ({n_rows}); got shape {arr.shape}.")
        arr = np.flatnonzero(arr)
    if arr.size == 0:
        arr = np.empty(0, dtype=np.int64)
    if arr.ndim != 1 or arr.dtype.kind not in "iu":
        raise TypeError(f"selection indices must be a 1-D sequence of integer row positions or a boolean "
                        f"mask; got dtype {arr.dtype} and shape {arr.shape}.")
    rows = np.unique(arr.astype(np.int64))
    if rows.size and rows[0] < 0:
        raise ValueError(f"selection indices are row positions and must be >= 0; got {int(rows[0])}.")
    if rows.size and n_rows is not None and rows[-1] >= n_rows:
        raise ValueError(f"selection index {int(rows[-1])} is out of range for a table of {n_rows} rows.")
    rows.flags.writeable = False
    return rows


class Selection(traitlets.HasTraits):
    """The selected rows, shared by all linked views.

    Parameters
    ----------
    n_rows : int, optional
        Number of rows of the table; when given, out-of-range indices raise ``ValueError``.

    Attributes
    ----------
    indices : ndarray of shape (m,), int64
        Sorted, unique, read-only row positions (empty = nothing selected). Observe it with
        ``selection.observe(fn, names="indices")`` or :meth:`on_change`.
    source : str
        Name of the view that made the last change (``"weak"``, ``"strong"``, ``"code"`` ...),
        so a view can tell its own change from another's.
    """

    indices = traitlets.Any(read_only=True)
    source = traitlets.Unicode("", read_only=True)

    def __init__(self, n_rows: int | None = None):
        super().__init__()
        if n_rows is not None and (isinstance(n_rows, bool) or not isinstance(n_rows, (int, np.integer))
                                   or n_rows < 0):
            raise ValueError(f"n_rows must be a non-negative integer or None; got {n_rows!r}.")
        self.n_rows = None if n_rows is None else int(n_rows)
        self.set_trait("indices", _as_rows([], self.n_rows))

    def set(self, indices, *, source: str = "code") -> None:
        """Select these rows (positions or a boolean mask); notifies observers if it changed."""
        rows = _as_rows(indices, self.n_rows)
        if np.array_equal(rows, self.indices):
            return
        with self.hold_trait_notifications():
            self.set_trait("source", str(source))
            self.set_trait("indices", rows)

    def get(self) -> np.ndarray:
        """The selected row positions, shape (m,), sorted."""
        return self.indices

    def clear(self, *, source: str = "code") -> None:
        """Select nothing."""
        self.set([], source=source)

    def on_change(self, callback) -> None:
        """Call ``callback(rows, source)`` after every change of the selection."""
        self.observe(lambda change: callback(change["new"], self.source), names="indices")

    def __len__(self) -> int:
        return int(self.indices.size)

    def __repr__(self) -> str:
        return f"Selection({len(self)} rows selected, source={self.source!r})"


def points_in_selections(x, y, selections) -> np.ndarray:
    """Which points lie inside plotly box/lasso selections, as a boolean mask.

    Plotly draws every box or lasso selection into ``layout.selections``; this reads that
    geometry, so a selection is recovered from the layout even when plotly's points event
    was overwritten in transit (hover and selection events share one widget field).

    Parameters
    ----------
    x, y : array-like of shape (n,)
        Data coordinates of the points.
    selections : sequence of dict
        ``layout.selections`` entries: ``{"type": "rect", "x0", "x1", "y0", "y1"}`` or
        ``{"type": "path", "path": "M x,y L x,y ... Z"}``. Several selections (shift-drag)
        select their union.

    Returns
    -------
    ndarray of shape (n,), bool
    """
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    inside = np.zeros(x.shape, dtype=bool)
    for shape in selections or ():
        kind = shape.get("type", "rect")
        if kind == "rect" and all(shape.get(k) is not None for k in ("x0", "x1", "y0", "y1")):
            (x0, x1), (y0, y1) = sorted((shape["x0"], shape["x1"])), sorted((shape["y0"], shape["y1"]))
            inside |= (x >= x0) & (x <= x1) & (y >= y0) & (y <= y1)
        elif kind == "path" and shape.get("path"):
            inside |= _in_polygon(x, y, _path_vertices(shape["path"]))
    return inside


def _path_vertices(path: str) -> np.ndarray:
    """Vertices of an SVG path made of M/L commands (plotly's lasso), shape (m, 2)."""
    numbers = [float(v) for v in re.findall(r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?", path)]
    return np.asarray(numbers[: len(numbers) // 2 * 2], dtype=float).reshape(-1, 2)


def _in_polygon(x, y, vertices) -> np.ndarray:
    """Even-odd rule point-in-polygon test, vectorised over the points."""
    inside = np.zeros(x.shape, dtype=bool)
    if len(vertices) < 3:
        return inside
    for (xa, ya), (xb, yb) in zip(vertices, np.roll(vertices, -1, axis=0)):
        crosses = (ya > y) != (yb > y)
        with np.errstate(divide="ignore", invalid="ignore"):
            x_at = xa + (y - ya) * (xb - xa) / (yb - ya)
        inside ^= crosses & (x < x_at)
    return inside


_EDIT = re.compile(r"^selections\[(\d+)\]\.(\w+)$")


def merge_selection_edits(relayout_data: dict, selections) -> dict:
    """Turn plotly.js's edits of a drawn box (``{"selections[0].x1": v}``) into a whole list.

    plotly.js sends such paths when a box or lasso is dragged or resized; plotly.py's
    ``FigureWidget`` rejects them ("Invalid property path"), so they are merged into the
    current ``selections`` (the layout's list of dicts) and sent on as ``{"selections": [...]}``.
    Other keys are returned unchanged; data without such paths is returned as is.
    """
    edits = {k: v for k, v in relayout_data.items() if _EDIT.match(k)}
    if not edits:
        return relayout_data
    shapes = [dict(s) for s in selections or ()]
    for key, value in edits.items():
        i, attr = _EDIT.match(key).groups()
        if int(i) < len(shapes):
            shapes[int(i)][attr] = value
    return {**{k: v for k, v in relayout_data.items() if k not in edits}, "selections": shapes}
