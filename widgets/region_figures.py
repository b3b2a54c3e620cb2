"""Density contours per W2S category over a map (plotly), for maps where dots merge.

Each shown category gets one ``go.Contour`` trace of its binned counts (or shares) from
:func:`workbench.regions.category_density`, drawn as lines in the category's colour at
10, 30, 50, 70 and 90 % of its peak; the grid is precomputed, so a trace carries
bins × bins numbers whatever the number of points. The traces are tagged
(``meta=REGION_META``) so :func:`remove_regions` can take them off again when the colour
controls toggle them.
"""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from workbench.regions import CategoryDensity, category_density

from .palette import CATEGORY_COLORS, MUTED

__all__ = ["REGION_META", "region_traces", "density_traces", "add_regions", "remove_regions", "sync_regions",
           "LEVELS"]

REGION_META = "w2s-regions"
#: Contour levels as fractions of each category's peak.
LEVELS = (0.1, 0.3, 0.5, 0.7, 0.9)
_MODES = ("counts", "shares")


def _contour(density: CategoryDensity, j: int, mode: str) -> go.Contour | None:
    name = density.categories[j]
    z = density.smoothed[j] if mode == "counts" else density.shares[j]
    peak = float(np.nanmax(z)) if np.isfinite(z).any() else 0.0
    if peak <= 0:
        return None
    color = CATEGORY_COLORS.get(name, MUTED)
    step = (LEVELS[1] - LEVELS[0]) * peak
    z = np.where(np.isfinite(z), z, 0.0).T  # plotly: z[row = y][column = x]
    return go.Contour(
        x=density.x_centres, y=density.y_centres, z=z, name=f"{name} ({mode})", meta=REGION_META,
        legendgroup=f"regions-{name}", showlegend=True, showscale=False, hoverinfo="skip",
        contours=dict(coloring="lines", start=LEVELS[0] * peak, end=LEVELS[-1] * peak, size=step,
                      showlabels=False),
        colorscale=[[0.0, color], [1.0, color]], line=dict(width=2))


def region_traces(coords, categories, *, categories_to_show=("uncovered_right", "uncovered_wrong"),
                  bins: int = 64, mode: str = "counts", smooth: float = 1.0, extent=None) -> list:
    """One contour trace per shown category that has points, in ``categories_to_show`` order.

    Parameters
    ----------
    coords : array-like of shape (n, 2)
    categories : array-like of shape (n,)
    categories_to_show : sequence of str
        Default: where uncovered points the student gets right vs wrong concentrate.
    bins : int, default 64
    mode : {"counts", "shares"}
        Contours of the (smoothed) counts, or of the category's share of each cell's points.
    smooth : float, default 1.0
        Gaussian filter in bins of the counts (``mode="counts"`` only).
    extent : ((x0, x1), (y0, y1)), optional

    Returns
    -------
    list of go.Contour (empty categories are left out)
    """
    if mode not in _MODES:
        raise ValueError(f"mode must be one of {_MODES}; got {mode!r}.")
    density = category_density(coords, categories, bins=bins, categories_to_show=categories_to_show,
                               extent=extent, smooth=smooth if mode == "counts" else 0.0)
    return density_traces(density, mode=mode)


def density_traces(density: CategoryDensity, *, mode: str = "counts") -> list:
    """One contour trace per category of ``density`` that has points (``mode`` as in :func:`region_traces`)."""
    if mode not in _MODES:
        raise ValueError(f"mode must be one of {_MODES}; got {mode!r}.")
    traces = (_contour(density, j, mode) for j in range(len(density.categories)))
    return [t for t in traces if t is not None]


def add_regions(fig, coords, categories, **options):
    """Add :func:`region_traces` on top of a map figure (``go.Figure`` or ``FigureWidget``).

    Earlier region traces are replaced. ``options`` go to :func:`region_traces`. Returns ``fig``.
    """
    remove_regions(fig)
    fig.add_traces(region_traces(coords, categories, **options))
    return fig


def sync_regions(fig, traces) -> None:
    """Make ``traces`` the region traces of ``fig`` in as few messages as possible.

    With as many region traces on ``fig`` as in ``traces`` (a split or a coordinates change),
    the old ones are restyled in one ``batch_update`` (one message for a ``FigureWidget``);
    otherwise they are removed and ``traces`` added (one message each). ``traces`` empty:
    the region traces are removed.

    Parameters
    ----------
    fig : go.Figure or go.FigureWidget
    traces : list of go.Contour
        From :func:`region_traces` or :func:`density_traces`.
    """
    old = [t for t in fig.data if getattr(t, "meta", None) == REGION_META]
    if old and len(old) == len(traces):
        with fig.batch_update():
            for t, new in zip(old, traces):
                t.update(x=new.x, y=new.y, z=new.z, name=new.name, legendgroup=new.legendgroup,
                         contours=new.contours, colorscale=new.colorscale)
        return
    remove_regions(fig)
    if traces:
        fig.add_traces(traces)


def remove_regions(fig):
    """Take the region traces (``meta == REGION_META``) off ``fig``; returns ``fig``."""
    keep = tuple(t for t in fig.data if getattr(t, "meta", None) != REGION_META)
    if len(keep) != len(fig.data):
        fig.data = keep
    return fig
