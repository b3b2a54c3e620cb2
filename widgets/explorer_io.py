"""The explorer's selection table, CSV export and nearest-neighbour view (a mixin).

:class:`SelectionIO` needs ``points``, ``label_names``, ``selection``, ``embeddings``,
``k_neighbors``, the sort controls and the HTML panels of
:class:`~widgets.explorer.EmbeddingExplorer`.
"""

from __future__ import annotations

import base64
import html
from pathlib import Path

import numpy as np
import pandas as pd

from workbench._validation import check_choice

from . import explorer_panels as EP

__all__ = ["SelectionIO", "SPACES"]

SPACES = ("weak", "strong")
_SPACES = SPACES


class SelectionIO:
    """Selected rows as a frame / CSV, and the neighbours of a clicked row."""

    def selection_frame(self, *, limit: int | None = None):
        """The selected rows as a DataFrame (label names spelled out), in the table's sort order.

        ``limit``: only the first ``limit`` rows of that order (the same rows, found by sorting
        the one sort column of the selection; the table shows 200 of a lasso of 400,000).
        """
        rows = self.selection.indices
        key, ascending = self.sort_dropdown.value, self.ascending.value
        if limit is not None and len(rows) > limit:
            values = pd.Series(self._table_column(key, rows))
            rows = rows[values.sort_values(ascending=ascending, kind="stable").index.to_numpy()[:limit]]
        frame = self.points.iloc[rows]
        out = frame.assign(gold=self._label_text(frame["gold"]), teacher=self._label_text(frame["teacher_label"]),
                           student=self._label_text(frame["student_label"]))
        out = out.assign(row=frame.index.to_numpy())[["row", *EP.TABLE_COLUMNS]]
        return out.sort_values(key, ascending=ascending, kind="stable")

    def _label_text(self, codes) -> np.ndarray:
        """Class names of label codes, shape (m,); a code outside the classes (-1) is "abstained"."""
        names = np.asarray([*self.label_names, "abstained"], dtype=object)
        codes = np.asarray(codes, dtype=np.int64)
        return names[np.where((codes >= 0) & (codes < len(self.label_names)), codes, len(self.label_names))]

    def _table_column(self, key: str, rows) -> np.ndarray:
        """The values of table column ``key`` for ``rows`` (label columns as class names)."""
        source = {"gold": "gold", "teacher": "teacher_label", "student": "student_label"}
        if key in source:
            return self._label_text(self.points[source[key]].to_numpy()[rows])
        return self.points[key].to_numpy()[rows]

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
            self.export_html.value = f"<span style='color:#b00020'>could not write {html.escape(str(path))}: " \
                                     f"{html.escape(exc.strerror or str(exc))}</span>"
            return None
        data = base64.b64encode(Path(written).read_bytes()).decode("ascii")
        link = f" · <a download='{html.escape(Path(written).name)}' href='data:text/csv;base64,{data}'>download</a>"
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

    def show_neighbors(self, row: int) -> None:
        """Fill the neighbour panel for ``row`` (what a click on the point does)."""
        p = self.points.iloc[row]
        head = (f"<b>{html.escape(str(p['id']))}</b> · {EP._cell('category', p['category'])} · gold "
                f"<b>{self._name(p['gold'])}</b> · teacher <b>{self._name(p['teacher_label'])}</b> · student "
                f"<b>{self._name(p['student_label'])}</b><br><i>{EP._cell('text', p['text'])}</i>")
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
                             + EP.neighbor_table(nb, self._name))
        self.neighbors_html.value = "<br>".join(parts)

