"""Pure builders of the explorer's two maps: draw order, rare groups on top, the figure, and
which library draws them (:func:`resolve_maps`).

A map is two ``Scattergl`` traces over the same drawn rows:

* ``data[0]`` ("points") holds every drawn row in a seeded random order (so no class is
  systematically drawn over another), coloured per point by integer group codes; it
  carries the hover text, the clicks and the selections (``customdata`` = row positions);
* ``data[1]`` ("on top") repeats only the rows of *rare* groups (:func:`rare_groups`, e.g.
  ``corrected`` among many ``both_right``) so they are drawn last; it takes no hover
  (``hoverinfo="skip"``: the hover falls through to the identical point below).

Recolouring therefore sends a code array for ``data[0]`` and the (small) rare subset for
``data[1]``; only filtering (split, legend) re-sends coordinates and hover text.
"""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from workbench._validation import check_choice

from .figures import discrete_colorscale, marker_style

__all__ = ["draw_order", "rare_groups", "map_figure", "map_title", "resolve_maps", "RARE_SHARE",
           "AUTO_SCATTER_ROWS", "MAP_KINDS"]

_MODEBAR_REMOVE = ("zoomin", "zoomout", "autoscale", "toimage", "togglespikelines", "hovercompare",
                   "hoverclosest")
#: A group is drawn on top when it holds less than this share of the drawn points.
RARE_SHARE = 0.2

#: ``maps="auto"`` draws with jupyter-scatter above this many drawn rows, with plotly up to it.
AUTO_SCATTER_ROWS = 50_000
#: The values of the explorer's ``maps`` option.
MAP_KINDS = ("auto", "plotly", "scatter")


def resolve_maps(maps, n_drawn: int) -> str:
    """``"plotly"`` or ``"scatter"`` for the ``maps`` option and ``n_drawn`` rows to draw."""
    if not isinstance(maps, str):
        raise TypeError(f"maps must be one of {', '.join(map(repr, MAP_KINDS))} (a str); got {type(maps).__name__}.")
    check_choice(maps, name="maps", choices=MAP_KINDS)
    if maps == "auto":
        return "scatter" if int(n_drawn) > AUTO_SCATTER_ROWS else "plotly"
    return maps


def draw_order(rows, *, seed: int = 0) -> np.ndarray:
    """``rows`` (m,) int64 in a seeded random order (what is drawn later lies on top)."""
    rows = np.asarray(rows, dtype=np.int64)
    return rows[np.random.default_rng(seed).permutation(len(rows))]


def rare_groups(codes, n_groups: int, *, share: float = RARE_SHARE) -> np.ndarray:
    """Which groups to draw on top: those under ``share`` of the points, unless together they
    are the majority (then nothing is rare and nothing is lifted).

    Parameters
    ----------
    codes : array of shape (m,), int
        Group of every drawn point.
    n_groups : int

    Returns
    -------
    ndarray of shape (n_groups,), bool
    """
    counts = np.bincount(np.asarray(codes, dtype=np.int64), minlength=n_groups)[:n_groups]
    total = max(int(counts.sum()), 1)
    rare = (counts > 0) & (counts < share * total)
    if counts[rare].sum() > 0.5 * total:
        return np.zeros(n_groups, dtype=bool)
    return rare


def map_title(space: str, projection: str, shown: int, total: int, *, split_text: str = "",
              sampled: bool = False, seed: int = 0, aligned: bool = False) -> str:
    """Short map title (the title sits on the left, the toolbar on the right): space, method, count.

    ``aligned``: the map was rotated onto the weak map (Procrustes, ``Experiment.run(align=True)``).
    """
    where = f" {split_text}" if split_text else ""
    method = f"{space} space ({projection})" + (" · aligned to weak" if aligned else "")
    if sampled:
        return f"{method} · random sample of {shown:,} of {total:,}{where} points (seed {seed})"
    return f"{method} · {shown:,}{where} points"


def map_figure(xy, rows, codes, colors, text, *, title: str, projection: str, overlay=None,
               height: int = 460) -> go.Figure:
    """One explorer map.

    Parameters
    ----------
    xy : array of shape (n, 2)
        Coordinates of every row of the table.
    rows : array of shape (m,), int
        The drawn rows, in drawing order.
    codes : array of shape (m,), int
        Colour group of every drawn row.
    colors : sequence of str, length G
    text : sequence of str, length m
        Hover text of every drawn row.
    overlay : array of shape (m,), bool, optional
        Drawn rows repeated on top (rare groups).

    Returns
    -------
    go.Figure with traces ``points`` and ``on top``; both carry ``customdata`` = row positions.
    """
    rows = np.asarray(rows, dtype=np.int64)
    overlay = np.zeros(len(rows), bool) if overlay is None else np.asarray(overlay, bool)
    style = marker_style(len(rows))
    scale = discrete_colorscale(colors)
    main = go.Scattergl(
        x=xy[rows, 0], y=xy[rows, 1], mode="markers", name="points", showlegend=False,
        customdata=rows.astype(np.int32), text=list(text), hovertemplate="%{text}<extra></extra>",
        marker=dict(color=np.asarray(codes, np.uint8), size=style["size"], opacity=style["opacity"], **scale),
        selected=dict(marker=dict(opacity=1.0)), unselected=dict(marker=dict(opacity=0.15)))
    top = rows[overlay]
    lifted = go.Scattergl(
        x=xy[top, 0], y=xy[top, 1], mode="markers", name="on top", showlegend=False, hoverinfo="skip",
        customdata=top.astype(np.int32),
        marker=dict(color=np.asarray(codes, np.uint8)[overlay], size=style["size"],
                    opacity=min(1.0, style["opacity"] + 0.1), line=dict(width=0), **scale),
        selected=dict(marker=dict(opacity=1.0)), unselected=dict(marker=dict(opacity=0.15)))
    fig = go.Figure([main, lifted])
    fig.update_layout(
        title=dict(text=title, x=0.01, xanchor="left", y=0.985, yanchor="top", font_size=15),
        dragmode="select", height=height, autosize=True, showlegend=False, template="plotly_white",
        margin=dict(l=10, r=36, t=40, b=30), hovermode="closest", uirevision="keep",
        hoverlabel=dict(font_size=13, align="left"),
        modebar=dict(orientation="v", bgcolor="rgba(255,255,255,0.6)", remove=list(_MODEBAR_REMOVE)),
        xaxis=dict(title=dict(text=f"{projection} 1", standoff=4), showticklabels=False, zeroline=False),
        yaxis=dict(title=dict(text=f"{projection} 2", standoff=4), showticklabels=False, zeroline=False))
    return fig
