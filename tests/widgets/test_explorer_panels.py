"""The explorer's one-line selection summary, on a hand-built table."""

from __future__ import annotations

import pandas as pd

from widgets.explorer_panels import selection_stats


def test_selection_summary_scores_teacher_and_agreement_on_covered_rows_only():
    # 6 rows: 4 covered (teacher right on 3, student agrees with it on 2), 2 abstentions (-1)
    frame = pd.DataFrame({
        "gold":          [0, 1, 1, 0, 1, 0],
        "teacher_label": [0, 1, 1, 1, -1, -1],
        "student_label": [0, 1, 0, 0, 1, 1],
        "covered":       [True, True, True, True, False, False],
    })
    line = selection_stats(frame)
    assert "<b>6 selected</b>" in line
    assert "teacher acc (covered) 0.75" in line          # 3 of 4 covered rows
    assert "student–teacher agreement (covered) 0.50" in line  # rows 0, 1 agree; 2, 3 do not; abstentions left out
    assert "student acc 0.67" in line                    # 4 of 6 (rows 0, 1, 3, 4)
    assert "coverage 0.67" in line


def test_selection_summary_of_abstentions_only_says_not_available():
    frame = pd.DataFrame({"gold": [0, 1], "teacher_label": [-1, -1], "student_label": [0, 0],
                          "covered": [False, False]})
    line = selection_stats(frame)
    assert "teacher acc (covered) n/a" in line and "agreement (covered) n/a" in line
