"""Figure builders for the theory diagnostics (``workbench.theory`` tables -> ``go.Figure``).

Pure functions like :mod:`widgets.figures`; they serve notebooks, reports and widgets.
The misfit-vs-gain scatter is :func:`widgets.figures.misfit_gain` (pass an (m, 2) array).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go

__all__ = ["pair_matrix_heatmap", "score_vs_pgr", "calibration_over_epochs_figure", "expansion_figure"]

_LAYOUT = dict(template="plotly_white", height=380, margin=dict(l=10, r=10, t=50, b=10))


def pair_matrix_heatmap(table: pd.DataFrame, *, value: str = "pgr") -> go.Figure:
    """Heatmap of ``value`` (default PGR) for every (weak row, strong column) pair.

    Parameters
    ----------
    table : DataFrame from :func:`workbench.theory.pair_matrix` (columns weak, strong, value, and
        ``pgr_ci_low``/``pgr_ci_high`` shown on hover when present).
    """
    grid = table.pivot(index="weak", columns="strong", values=value)
    hover = None
    if {"pgr_ci_low", "pgr_ci_high"} <= set(table.columns):
        lo = table.pivot(index="weak", columns="strong", values="pgr_ci_low").reindex_like(grid)
        hi = table.pivot(index="weak", columns="strong", values="pgr_ci_high").reindex_like(grid)
        ci = np.vectorize(lambda a, b: f"95% CI {a:.2f} to {b:.2f}" if np.isfinite(a) else "")
        hover = ci(lo.to_numpy(), hi.to_numpy())
    fig = go.Figure(go.Heatmap(z=grid.to_numpy(), x=list(grid.columns), y=list(grid.index), colorscale="RdBu",
                               zmid=0, text=np.round(grid.to_numpy(), 2), texttemplate="%{text}", customdata=hover,
                               hovertemplate="weak %{y} → strong %{x}<br>" + value
                               + " %{z:.3f}<br>%{customdata}<extra></extra>"))
    fig.update_layout(title=f"{value.upper() if value == 'pgr' else value} by model pair (rows: weak teacher)",
                      xaxis_title="strong student", yaxis_title="weak teacher", **_LAYOUT)
    return fig


def score_vs_pgr(table: pd.DataFrame, *, rho: float | None = None) -> go.Figure:
    """Representation score (x) against measured PGR (y), one point per pair."""
    labels = [f"{w} → {s}" for w, s in zip(table["weak"], table["strong"])]
    fig = go.Figure(go.Scatter(x=table["rep_score"], y=table["pgr"], mode="markers", text=labels,
                               error_y=dict(type="data", symmetric=False,
                                            array=(table["pgr_ci_high"] - table["pgr"]).to_numpy(),
                                            arrayminus=(table["pgr"] - table["pgr_ci_low"]).to_numpy())
                               if "pgr_ci_high" in table else None,
                               hovertemplate="%{text}<br>score %{x:.3f}<br>PGR %{y:.2f}<extra></extra>"))
    title = "Label-free score ‖P_s(I−P_w)‖ (our operational form of Xue et al.) vs PGR"
    if rho is not None and np.isfinite(rho):
        title += f" · Spearman ρ = {rho:.2f}"
    fig.update_layout(title=title, xaxis_title="representation score", yaxis_title="measured PGR", **_LAYOUT)
    return fig


def calibration_over_epochs_figure(table: pd.DataFrame) -> go.Figure:
    """ECE against gold and against teacher labels per epoch (from ``calibration_over_epochs``)."""
    fig = go.Figure([go.Scatter(x=table["epoch"], y=table[col], mode="lines+markers", name=name)
                     for col, name in (("ece_gold", "ECE vs gold"), ("ece_teacher", "ECE vs teacher labels"))])
    fig.update_layout(title="Student calibration over training", xaxis_title="epoch", yaxis_title="ECE", **_LAYOUT)
    return fig


_S_BARS = (("alpha", "α_i (teacher error on S_i)"), ("err_S", "student error on S_i (worst run)"),
           ("bound_41", "Theorem 4.1 bound"), ("bound_B1", "Theorem B.1 bound"))
_T_BARS = (("err_T", "student error on T_i (worst run)"), ("bound_B2", "Theorem B.2 bound"))


def expansion_figure(table: pd.DataFrame) -> go.Figure:
    """Lang et al. per class, from :func:`workbench.theory.expansion_table`.

    Left: pseudolabel correction on the covered S_i (α_i, the student's error, the Theorem 4.1
    and B.1 bounds). Right: coverage expansion on the uncovered T_i (the student's error and the
    Theorem B.2 bound). Hover shows the measured expansions and whether each theorem's
    hypotheses hold; a missing bar is an undefined bound (no set passed the q condition, c = 0, or
    α_i outside (0, 1/2)).
    """
    from plotly.subplots import make_subplots

    missing = [c for c, _ in _S_BARS + _T_BARS if c not in table] + [c for c in ("class", "c_hat") if c not in table]
    if missing:
        raise ValueError(f"expansion_figure needs the columns of workbench.theory.expansion_table; missing {missing}.")
    x = [str(c) for c in table["class"]]
    fig = make_subplots(rows=1, cols=2, subplot_titles=("covered S_i: pseudolabel correction",
                                                        "uncovered T_i: coverage expansion"))
    hover_s = [f"ĉ = {c:.3g}; Thm 4.1 hypotheses {'hold' if h41 else 'fail'}, B.1 {'hold' if hb1 else 'fail'}"
               for c, h41, hb1 in zip(table["c_hat"], table.get("cond_41", [False] * len(x)),
                                      table.get("cond_B1", [False] * len(x)))]
    hover_t = [f"ĉ(S_good, T) = {a:.3g}, ĉ(S_bad, T) = {b:.3g}; hypotheses {'hold' if h else 'fail'}"
               for a, b, h in zip(table.get("c_good_T", [np.nan] * len(x)), table.get("c_bad_T", [np.nan] * len(x)),
                                  table.get("cond_42", [False] * len(x)))]
    for col, name in _S_BARS:
        fig.add_trace(go.Bar(x=x, y=table[col], name=name, customdata=hover_s,
                             hovertemplate="%{x}: %{y:.3f}<br>%{customdata}<extra>" + name + "</extra>"), row=1, col=1)
    for col, name in _T_BARS:
        fig.add_trace(go.Bar(x=x, y=table[col], name=name, customdata=hover_t,
                             hovertemplate="%{x}: %{y:.3f}<br>%{customdata}<extra>" + name + "</extra>"), row=1, col=2)
    fig.update_layout(barmode="group", title="Lang et al.: measured error vs the expansion bounds", **_LAYOUT)
    fig.update_yaxes(title_text="error", row=1, col=1)
    return fig
