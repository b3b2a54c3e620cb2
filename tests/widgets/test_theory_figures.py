"""Theory figure builders draw the tables of workbench.theory."""

import numpy as np
import pandas as pd
import pytest

from widgets import theory_figures as TF


def _pairs():
    return pd.DataFrame({"weak": ["a", "a", "b", "b", "c", "c"], "strong": ["b", "c", "a", "c", "a", "b"],
                         "pgr": [0.5, 0.2, -0.1, 0.4, np.nan, 0.3], "pgr_ci_low": [0.1, -0.2, -0.5, 0.0, np.nan, 0.0],
                         "pgr_ci_high": [0.9, 0.6, 0.3, 0.8, np.nan, 0.6], "rep_score": [0.9, 0.8, 0.7, 0.95, 0.6, 0.85]})


def test_pair_heatmap_puts_each_pair_in_its_cell():
    fig = TF.pair_matrix_heatmap(_pairs())
    hm = fig.data[0]
    z = np.asarray(hm.z, dtype=float)
    assert list(hm.y) == ["a", "b", "c"] and list(hm.x) == ["a", "b", "c"]
    assert z[0, 1] == 0.5 and z[2, 1] == 0.3 and np.isnan(z[0, 0])


def test_score_vs_pgr_has_one_point_per_pair_and_names_rho():
    fig = TF.score_vs_pgr(_pairs(), rho=0.42)
    assert len(fig.data[0].x) == 6 and "0.42" in fig.layout.title.text and "our operational form" in fig.layout.title.text


def test_calibration_and_expansion_figures():
    cal = TF.calibration_over_epochs_figure(pd.DataFrame({"epoch": [1, 2], "ece_gold": [0.1, 0.05],
                                                          "ece_teacher": [0.08, 0.02]}))
    assert [t.name for t in cal.data] == ["ECE vs gold", "ECE vs teacher labels"]



def test_expansion_figure_draws_S_and_T_panels_from_the_table_columns():
    table = pd.DataFrame({"class": ["neg", "pos"], "alpha": [0.2, 0.1], "err_S": [0.1, 0.05], "bound_41": [0.3, 0.2],
                          "bound_B1": [0.25, np.nan], "c_hat": [0.5, 0.4], "cond_41": [True, False],
                          "cond_B1": [True, True], "err_T": [0.3, 0.2], "bound_B2": [0.4, 0.35],
                          "c_good_T": [0.6, 0.7], "c_bad_T": [0.5, 0.2], "cond_42": [False, True]})
    fig = TF.expansion_figure(table)
    left = [t for t in fig.data if t.xaxis == "x"]
    right = [t for t in fig.data if t.xaxis == "x2"]
    assert [list(t.y) for t in left][:3] == [[0.2, 0.1], [0.1, 0.05], [0.3, 0.2]]
    assert np.isnan(left[3].y[1]) and [list(t.y) for t in right] == [[0.3, 0.2], [0.4, 0.35]]
    assert "ĉ = 0.5" in left[0].customdata[0] and "fail" in left[0].customdata[1]
    assert "ĉ(S_bad, T) = 0.2" in right[0].customdata[1]
    with pytest.raises(ValueError, match="missing"):
        TF.expansion_figure(table.drop(columns=["bound_B2"]))
