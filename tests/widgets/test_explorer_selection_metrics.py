"""The explorer's selection-metrics table, driven: a 10-row table whose numbers are counted by
hand below, a selection set from code, a split change, both map libraries, one Export CSV."""

from __future__ import annotations

import re

import ipywidgets as W
import numpy as np
import pandas as pd
import pytest

from widgets import EmbeddingExplorer

# row: split, gold, teacher (-1 = abstained), student, ceiling, student_conf, category
#   test rows 0-5, student_train rows 6-9; k = 2
ROWS = [
    ("test", 1, 1, 1, 1, 0.90, "both_right"),
    ("test", 0, 1, 0, 0, 0.75, "corrected"),
    ("test", 0, 1, 1, 0, 0.70, "copied"),
    ("test", 1, 1, 0, 1, 0.60, "corrupted"),
    ("test", 1, -1, 1, 1, 0.95, "uncovered_right"),
    ("test", 0, 0, 0, 1, 0.85, "both_right"),
    ("student_train", 0, 0, 0, 0, 0.80, "both_right"),
    ("student_train", 1, 0, 0, 1, 0.65, "copied"),
    ("student_train", 1, -1, 0, 1, 0.55, "uncovered_wrong"),
    ("student_train", 0, 1, 0, 0, 0.90, "corrected"),
]


def hand_points() -> pd.DataFrame:
    split, gold, teacher, student, ceiling, conf, category = (list(c) for c in zip(*ROWS))
    n = len(ROWS)
    angle = np.linspace(0, 2 * np.pi, n, endpoint=False)
    return pd.DataFrame({
        "id": [f"h{i}" for i in range(n)], "split": split, "text": [f"text {i}" for i in range(n)],
        "gold": gold, "teacher_label": teacher, "teacher_conf": [0.8] * n, "covered": [t >= 0 for t in teacher],
        "student_label": student, "student_conf": conf, "weak_label": [max(t, 0) for t in teacher],
        "ceiling_label": ceiling, "ceiling_conf": [0.9] * n, "category": category,
        "map_weak_x": np.cos(angle), "map_weak_y": np.sin(angle),
        "map_strong_x": 2 * np.cos(angle), "map_strong_y": 2 * np.sin(angle),
    })


def cells(html_text: str, label: str) -> tuple:
    """(selected, rest) text of the metrics row labelled ``label``."""
    m = re.search(rf"<td>{re.escape(label)}</td><td[^>]*>([^<]*)</td><td[^>]*>([^<]*)</td>", html_text)
    if m is None:
        raise AssertionError(f"no row {label!r} in the metrics table")
    return m.group(1), m.group(2)


def widgets_in(widget):
    yield widget
    for child in getattr(widget, "children", ()):
        yield from widgets_in(child)


@pytest.fixture(params=["plotly", "scatter"])
def explorer(request):
    if request.param == "scatter":
        pytest.importorskip("jscatter")
    ex = EmbeddingExplorer(hand_points(), label_names=("neg", "pos"), maps=request.param)
    yield ex
    ex.close()


def test_both_map_libraries_show_the_table_right_under_the_selection_statistics(explorer):
    children = list(explorer.widget.children)
    view = explorer.selection_metrics
    assert children.index(view.widget) == children.index(explorer.stats_html) + 1
    assert explorer.split == "test" and view.split == "test"
    text = view.table_html.value
    assert "Nothing selected" in text and "test split" in text
    assert cells(text, "points") == ("0", "6")  # the 6 test rows are all "rest"


def test_a_selection_set_from_code_fills_the_table_with_the_hand_counted_metrics(explorer):
    explorer.selection.set([0, 1, 2, 7])  # row 7 is a training row: the test split leaves it out
    text = explorer.selection_metrics.table_html.value
    assert "Nothing selected" not in text
    # selected = {0, 1, 2}; rest = {3, 4, 5}
    assert cells(text, "points") == ("3", "3")
    assert cells(text, "teacher coverage") == ("1.000", "0.667")            # rest: row 4 abstained
    assert cells(text, "teacher accuracy (covered)") == ("0.333", "1.000")  # sel: only row 0; rest: 3 and 5
    assert cells(text, "student accuracy") == ("0.667", "0.667")            # sel: 0, 1 right; rest: 4, 5 right
    assert cells(text, "ceiling accuracy") == ("1.000", "0.667")            # rest: row 5 wrong
    # sel: weak 1/3 (no abstention), student 2/3, ceiling 1 -> (2/3 - 1/3) / (1 - 1/3) = 0.5;
    # rest: weak (1 + 1/2 + 1) / 3 = 0.833 above the ceiling 0.667 -> no gap, PGR undefined
    assert cells(text, "PGR [95% CI]")[0].startswith("0.500 [")
    assert cells(text, "PGR [95% CI]")[1].startswith("—")
    # sel: one point per bin (0.90 right, 0.75 right, 0.70 wrong): (0.10 + 0.25 + 0.70) / 3
    assert cells(text, "student ECE")[0] == "0.350"
    assert cells(text, "student accuracy (uncovered)") == ("—", "1.000")    # nothing uncovered selected
    assert cells(text, "both right") == ("1", "1")
    assert cells(text, "corrected") == ("1", "0")
    assert cells(text, "copied") == ("1", "0")
    assert cells(text, "corrupted") == ("0", "1")
    assert cells(text, "uncovered, student right") == ("0", "1")
    assert explorer.selection_metrics.table.at["n", "selection"] == 3


def test_the_table_follows_a_split_change(explorer):
    explorer.selection.set([0, 1, 2, 7])
    explorer.split_dropdown.value = "student_train"  # as the dropdown does; the selection keeps row 7 only
    view = explorer.selection_metrics
    assert view.split == "student_train" and list(explorer.selection.indices) == [7]
    text = view.table_html.value
    assert "student_train split" in text
    # selected = {7} (copied); rest = {6, 8, 9}
    assert cells(text, "points") == ("1", "3")
    assert cells(text, "teacher accuracy (covered)") == ("0.000", "0.500")  # rest: row 6 right, row 9 wrong
    assert cells(text, "student accuracy") == ("0.000", "0.667")            # rest: rows 6, 9 right
    assert cells(text, "teacher coverage") == ("1.000", "0.667")            # rest: row 8 abstained
    assert cells(text, "student accuracy (uncovered)") == ("—", "0.000")
    assert cells(text, "copied") == ("1", "0")
    assert cells(text, "uncovered, student wrong") == ("0", "1")
    explorer.show_split("all")
    text = view.table_html.value
    assert view.split is None and "all splits" in text
    assert cells(text, "points") == ("1", "9")
    assert cells(text, "student accuracy") == ("0.000", "0.667")  # rest: rows 0 1 4 5 6 9 right of 9


def test_one_export_csv_button_and_export_csv_still_writes_the_selection(explorer, tmp_path):
    buttons = [w for w in widgets_in(explorer.widget) if isinstance(w, W.Button) and w.description == "Export CSV"]
    assert buttons == [explorer.export_button]
    assert explorer.selection_metrics.export_button is None
    explorer.selection.set([1, 3])
    written = explorer.export_csv(tmp_path / "sel.csv")
    back = pd.read_csv(written)
    assert sorted(back["id"]) == ["h1", "h3"]


def test_closing_the_explorer_stops_the_table_following_the_selection(explorer):
    view = explorer.selection_metrics
    explorer.selection.set([0])
    explorer.close()
    explorer.selection.set([0, 1, 2])
    assert view.table.at["n", "selection"] == 1


def test_a_table_without_ceiling_labels_is_refused_with_the_column_named():
    with pytest.raises(ValueError, match="ceiling_label"):
        EmbeddingExplorer(hand_points().drop(columns="ceiling_label"))
