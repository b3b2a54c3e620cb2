"""The selection-metrics view, driven: set the shared selection, read the table, export."""

from __future__ import annotations

import re

import pandas as pd
import pytest

from tests.test_selection_metrics import hand_table
from widgets.selection import Selection
from widgets.selection_metrics_view import SelectionMetricsView, metrics_html


def cells(html_text: str, label: str) -> tuple:
    """(selected, rest) text of the table row labelled ``label``."""
    m = re.search(rf"<td>{re.escape(label)}</td><td[^>]*>([^<]*)</td><td[^>]*>([^<]*)</td>", html_text)
    assert m, f"no row {label!r} in the table"
    return m.group(1), m.group(2)


def test_the_table_follows_the_shared_selection():
    sel = Selection(n_rows=8)
    view = SelectionMetricsView(hand_table(), sel, label_names=("neg", "pos"))
    assert "Nothing selected" in view.table_html.value
    assert cells(view.table_html.value, "points") == ("0", "7")
    sel.set([0, 1, 4, 7], source="weak")
    text = view.table_html.value
    assert "Nothing selected" not in text
    assert cells(text, "points") == ("3", "4")
    assert cells(text, "student accuracy") == ("1.000", "0.250")
    assert cells(text, "teacher accuracy (covered)") == ("0.500", "0.667")
    assert cells(text, "PGR [95% CI]")[1].startswith("-3.000 [")
    assert cells(text, "uncovered, student wrong") == ("0", "1")
    assert view.table.at["n", "selection"] == 3
    sel.set([2, 3])
    assert cells(view.table_html.value, "points") == ("2", "5")


def test_export_button_writes_the_selected_rows(tmp_path, fakes):
    pts = fakes.make_points(120, seed=3)
    sel = Selection(n_rows=len(pts))
    view = SelectionMetricsView(pts, sel, n_boot=200)
    sel.set([5, 17, 80])
    view.path_text.value = str(tmp_path / "picked.csv")
    view.export_button.click()
    back = pd.read_csv(tmp_path / "picked.csv")
    assert list(back["row"]) == [5, 17, 80]
    assert list(back["id"]) == list(pts["id"].iloc[[5, 17, 80]])
    assert "Wrote 3 rows" in view.status_html.value


def test_an_export_to_a_missing_folder_says_so_in_the_view(tmp_path):
    view = SelectionMetricsView(hand_table(), Selection(n_rows=8))
    assert view.export(str(tmp_path / "nope" / "x.csv")) is None
    assert "Export failed" in view.status_html.value and "does not exist" in view.status_html.value


def test_split_none_and_undefined_values_render_as_dashes():
    table_html = metrics_html(pd.DataFrame({"selection": float("nan"), "rest": float("nan")},
                                           index=hand_view_rows()), split=None)
    assert "all splits" in table_html and cells(table_html, "student ECE") == ("—", "—")


def hand_view_rows():
    from workbench.selection_metrics import METRIC_ROWS

    return list(METRIC_ROWS)


def test_bad_arguments_are_clear_errors():
    with pytest.raises(TypeError, match="Selection"):
        SelectionMetricsView(hand_table(), [0, 1])
    with pytest.raises(ValueError, match="over 5 rows"):
        SelectionMetricsView(hand_table(), Selection(n_rows=5))
    with pytest.raises(TypeError, match="DataFrame"):
        SelectionMetricsView({"a": 1}, Selection())


def test_the_split_setter_recounts_and_all_means_every_row():
    sel = Selection(n_rows=8)
    view = SelectionMetricsView(hand_table(), sel, label_names=("neg", "pos"))
    sel.set([0, 7])  # row 7 is the one student_train row
    assert cells(view.table_html.value, "points") == ("1", "6")
    view.split = "all"
    assert view.split is None and "all splits" in view.table_html.value
    assert cells(view.table_html.value, "points") == ("2", "6")
    view.split = "student_train"
    assert cells(view.table_html.value, "points") == ("1", "0")
    with pytest.raises(TypeError, match="split"):
        view.split = 3


def test_without_export_controls_export_needs_a_path(tmp_path):
    view = SelectionMetricsView(hand_table(), Selection(n_rows=8), export=False)
    assert view.export_button is None and view.path_text is None
    assert list(view.widget.children) == [view.table_html]
    with pytest.raises(ValueError, match="export=False"):
        view.export()
    assert view.export(str(tmp_path / "x.csv")).exists()
