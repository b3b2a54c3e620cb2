"""HTML of the explorer's panels: split summary, legend rows, selection table, neighbours.

Pure functions from DataFrames / arrays to HTML strings (escaped once, here), so the
explorer stays a thin stateful object and tests can read what a viewer reads.
"""

from __future__ import annotations

import html

import numpy as np

from . import palette as P

__all__ = ["TABLE_COLUMNS", "split_label", "split_summary", "legend_row", "selection_stats", "table_html",
           "neighbor_table", "STYLE"]

#: Columns of the selection table, text first (what a reader looks at), ids last.
TABLE_COLUMNS = ("text", "category", "gold", "teacher", "teacher_conf", "student", "student_conf", "split", "id")
#: The shown table's columns: a label and its confidence share one cell ("negative" over "0.97"),
#: so that at 1280 px with the file browser open no label breaks inside a word; the split column
#: appears only when the rows come from more than one split (the summary line names the one split).
_SHOWN = ("text", "category", "gold", "teacher", "student", "split", "id")
_WIDTHS = {"text": "34%", "category": "19%", "gold": "11%", "teacher": "11%", "student": "11%", "split": "11%",
           "id": "14%"}  # at 1280 px with the file browser (table ~815 px) "uncovered_right" needs ~19% at 16 px
_CONF_OF = {"teacher": "teacher_conf", "student": "student_conf"}
_HEADERS = {"teacher": "teacher · conf", "student": "student · conf"}
_MAX_TEXT = 200

#: CSS of the explorer (scoped to ``.w2s-explorer``); the presenter enlarges it.
STYLE = """<style>
.w2s-explorer .w2s-table {width:100%; border-collapse:collapse; table-layout:fixed; font-size:13px;
  line-height:1.25}
.w2s-explorer .w2s-table th {position:sticky; top:0; background:#f3f3f3; text-align:left; padding:4px 6px;
  border-bottom:1px solid #ccc; white-space:normal}
.w2s-explorer .w2s-table td {padding:3px 5px; border-bottom:1px solid #eee; vertical-align:top;
  white-space:normal; overflow-wrap:anywhere; word-break:break-word}
.w2s-explorer .w2s-table td.w2s-label {overflow-wrap:normal; word-break:normal; overflow:hidden;
  text-overflow:ellipsis}
.w2s-explorer .w2s-table .w2s-conf {color:#555}
.w2s-explorer .w2s-scroll {max-height:640px; overflow-y:auto; overflow-x:hidden; width:100%}
.w2s-explorer .w2s-swatch {display:inline-block; width:12px; height:12px; border-radius:6px;
  margin-right:6px; vertical-align:middle}
.w2s-explorer .w2s-legend-row {line-height:1.3; font-size:13px}
.w2s-explorer .w2s-legend-row .w2s-def {color:#555}
.w2s-explorer .w2s-summary {font-size:14px}
.w2s-fit .w2s-map > *, .w2s-fit > .js-plotly-plot, .w2s-fit .w2s-full > * {width:100% !important; min-width:0}
</style>"""


def split_label(split: str) -> str:
    """``"test split"``, ``"student_train split"`` ... or ``"all splits"``."""
    return "all splits" if split == "all" else f"{split} split"


def split_summary(frame, *, split: str, total: int, label_names) -> str:
    """One line for the rows of one split: size, teacher / student accuracy and the category counts.

    The accuracies are the headline metrics' definitions on that split (student accuracy on
    all rows, teacher accuracy on the covered rows), so on the test split they are the
    numbers ``Result.metrics`` reports.
    """
    n = len(frame)
    if n == 0:
        return f"<span class='w2s-summary'><b>{split_label(split)}</b>: no points</span>"
    gold, teacher, student = (frame[c].to_numpy() for c in ("gold", "teacher_label", "student_label"))
    covered = frame["covered"].to_numpy(bool)
    t_acc = f"{np.mean(teacher[covered] == gold[covered]):.3f}" if covered.any() else "n/a"
    counts = frame["category"].value_counts()
    cats = " · ".join(f"{c} <b>{int(counts.get(c, 0)):,}</b>" for c in ("corrected", "corrupted", "copied")
                      if c in P.CATEGORY_COLORS)
    of = f" of {total:,}" if n != total else ""
    return (f"<span class='w2s-summary'><b>{split_label(split)}: {n:,}{of} points</b> · teacher acc (covered) "
            f"{t_acc} · student acc <b>{np.mean(student == gold):.3f}</b> · coverage {covered.mean():.2f} · "
            f"{cats}</span>")


def legend_row(name: str, color: str, count: int, selected: int, *, definition: str = "") -> str:
    """One legend entry: swatch, name, count on the split, selected count and the definition."""
    text = (f"<span class='w2s-swatch' style='background:{color}'></span><b>{html.escape(name)}</b> "
            f"{count:,}" + (f" <span class='w2s-def'>({selected:,} selected)</span>" if selected else ""))
    if definition:
        text += f"<br><span class='w2s-def'>{html.escape(definition)}</span>"
    return f"<div class='w2s-legend-row'>{text}</div>"


def selection_stats(frame) -> str:
    """One line of metrics of the selected rows (teacher/student accuracy, agreement, coverage)."""
    if frame.empty:
        return "<i>nothing selected: drag a box or a lasso in either map</i>"
    gold, teacher, student = (frame[c].to_numpy() for c in ("gold", "teacher_label", "student_label"))
    covered = frame["covered"].to_numpy(bool)
    # teacher accuracy and agreement on the covered rows only (docs/science.md §3): an abstention
    # (teacher label -1) is neither right nor a disagreement
    t_acc = f"{np.mean(teacher[covered] == gold[covered]):.2f}" if covered.any() else "n/a"
    agree = f"{np.mean(student[covered] == teacher[covered]):.2f}" if covered.any() else "n/a"
    return (f"<b>{len(frame):,} selected</b> · teacher acc (covered) {t_acc} · student acc "
            f"{np.mean(student == gold):.2f} · student–teacher agreement (covered) {agree} · "
            f"coverage {covered.mean():.2f}")


def _cell(column, value) -> str:
    if isinstance(value, (float, np.floating)):
        return f"{value:.2f}"
    text = html.unescape(str(value))  # texts that arrive escaped (tweets' "&amp;") are escaped once, here
    if column == "text" and len(text) > _MAX_TEXT:
        text = text[: _MAX_TEXT - 1] + "…"
    if column == "category":
        color = P.CATEGORY_COLORS.get(text, P.MUTED)
        return f"<span class='w2s-swatch' style='background:{color}'></span>{html.escape(text)}"
    return html.escape(text)


def _arrow(column, sort_by, ascending) -> str:
    """The sort mark of a shown column (a label column also marks a sort by its confidence)."""
    if sort_by in (column, _CONF_OF.get(column)):
        return " ▲" if ascending else " ▼"
    return ""


def _td(column, row) -> str:
    """One cell; label columns keep whole words and carry their confidence on a second line."""
    if column in _CONF_OF:
        conf = row.get(_CONF_OF[column])
        below = f"<br><span class='w2s-conf'>{conf:.2f}</span>" if conf is not None and np.isfinite(conf) else ""
        return f"<td class='w2s-label'>{_cell(column, row[column])}{below}</td>"
    klass = " class='w2s-label'" if column in ("gold", "split", "category") else ""
    return f"<td{klass}>{_cell(column, row[column])}</td>"


def table_html(frame, *, max_rows: int, sort_by: str, ascending: bool, total: int | None = None,
               several_splits: bool | None = None) -> str:
    """The selection table: text first, wrapping cells, a sticky header, vertical scroll only.

    ``frame`` holds the selected rows in order, or only the first of them: ``total`` is then the
    number selected and ``several_splits`` whether they come from more than one split (the
    split column is shown only then).
    """
    if frame.empty:
        return "<i>Select points with a box or a lasso in either map to list them here.</i>"
    shown = frame.head(max_rows)
    total = len(frame) if total is None else int(total)
    several = frame["split"].nunique() > 1 if several_splits is None else bool(several_splits)
    cols = [c for c in _SHOWN if c in shown.columns and (c != "split" or several)]
    widths = "".join(f"<col style='width:{_WIDTHS[c]}'>" for c in cols)
    head = "".join(f"<th>{html.escape(_HEADERS.get(c, c))}{_arrow(c, sort_by, ascending)}</th>" for c in cols)
    body = "".join("<tr>" + "".join(_td(c, row) for c in cols) + "</tr>"
                   for _, row in shown.iterrows())
    order = "ascending" if ascending else "descending"
    return (f"<b>{total:,} selected</b> (showing {len(shown):,}, sorted by {html.escape(sort_by)}, {order})"
            f"<div class='w2s-scroll'><table class='w2s-table'><colgroup>{widths}</colgroup><tr>{head}</tr>"
            f"{body}</table></div>")


def neighbor_table(nb, name) -> str:
    """Nearest neighbours (a DataFrame with cosine, gold, teacher_label, student_label, category, text)."""
    cols = ("cos", "gold", "teacher", "student", "category", "text")
    widths = ("7%", "10%", "10%", "10%", "13%", "50%")
    rows = "".join(
        f"<tr><td>{c:.3f}</td><td>{name(g)}</td><td>{name(t)}</td><td>{name(s)}</td>"
        f"<td>{_cell('category', cat)}</td><td>{_cell('text', txt)}</td></tr>"
        for c, g, t, s, cat, txt in zip(nb["cosine"], nb["gold"], nb["teacher_label"], nb["student_label"],
                                        nb["category"], nb["text"]))
    return ("<table class='w2s-table'><colgroup>" + "".join(f"<col style='width:{w}'>" for w in widths)
            + "</colgroup><tr>" + "".join(f"<th>{c}</th>" for c in cols) + f"</tr>{rows}</table>")
