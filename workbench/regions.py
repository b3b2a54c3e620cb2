"""Regions of a map: binned counts and shares of each W2S category on one shared grid.

At a million points single dots merge; a 2-D histogram per category shows where, say,
uncovered points the student gets wrong concentrate. All categories are binned on the
same grid (edges from all finite points), so their counts add up to the total per cell
and contours of different categories are comparable. Binning follows
``numpy.histogram2d`` exactly (equal-width bins, each bin half-open except the last,
which includes its right edge); it is done in one ``bincount`` pass for speed.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from .metrics import CATEGORIES

__all__ = ["CategoryDensity", "category_density"]


@dataclass(frozen=True)
class CategoryDensity:
    """Per-category 2-D histograms on one grid.

    Attributes
    ----------
    x_edges : ndarray of shape (bx + 1,)
    y_edges : ndarray of shape (by + 1,)
    categories : tuple of str, length c
    counts : ndarray of shape (c, bx, by), int64
        ``counts[j, a, b]``: points of ``categories[j]`` with x in bin a and y in bin b
        (the layout of ``np.histogram2d``; plotly's ``z`` wants the transpose).
    total : ndarray of shape (bx, by), int64
        Points of every category (also those not shown) per cell.
    shares : ndarray of shape (c, bx, by), float64
        ``counts / total``; NaN in empty cells.
    smoothed : ndarray of shape (c, bx, by), float64
        ``counts`` after a Gaussian filter of ``smooth`` bins (equal to ``counts`` when 0).
    n_dropped : int
        Points left out for a non-finite coordinate.
    """

    x_edges: np.ndarray
    y_edges: np.ndarray
    categories: tuple
    counts: np.ndarray
    total: np.ndarray
    shares: np.ndarray
    smoothed: np.ndarray
    n_dropped: int

    @property
    def x_centres(self) -> np.ndarray:
        return (self.x_edges[:-1] + self.x_edges[1:]) / 2

    @property
    def y_centres(self) -> np.ndarray:
        return (self.y_edges[:-1] + self.y_edges[1:]) / 2


def _bins(bins) -> tuple:
    values = (bins, bins) if np.ndim(bins) == 0 else tuple(bins)
    if len(values) != 2 or any(isinstance(b, bool) or not isinstance(b, (int, np.integer)) or b < 1
                               for b in values):
        raise ValueError(f"bins must be a positive integer or a pair of them; got {bins!r}.")
    return int(values[0]), int(values[1])


def _bin_index(values, edges) -> np.ndarray:
    """Bin of each value (all inside ``edges``): arithmetic, then corrected against the edges as
    ``numpy.histogram`` does for equal-width bins (the last bin includes its right edge)."""
    n_bins = len(edges) - 1
    idx = ((values - edges[0]) * (n_bins / (edges[-1] - edges[0]))).astype(np.intp)
    np.clip(idx, 0, n_bins - 1, out=idx)
    idx[values < edges[idx]] -= 1
    idx[(values >= edges[idx + 1]) & (idx != n_bins - 1)] += 1
    return idx


def category_density(coords, categories, *, bins=64, categories_to_show=None, extent=None,
                     smooth: float = 0.0) -> CategoryDensity:
    """Binned counts and shares per W2S category on a shared 2-D grid.

    Parameters
    ----------
    coords : array-like of shape (n, 2)
        Map coordinates (e.g. ``points[["map_weak_x", "map_weak_y"]]``).
    categories : array-like of shape (n,)
        Category of each point (the ``category`` column); a ``pandas.Categorical`` is
        binned by its codes, which is several times faster than strings at a million points.
    bins : int or (int, int), default 64
        Bins along x and y.
    categories_to_show : sequence of str, optional
        Which categories get a histogram (default: ``workbench.metrics.CATEGORIES``).
        Each must be a W2S category or occur in ``categories``.
    extent : ((x0, x1), (y0, y1)), optional
        Grid range; default the range of the finite points (as ``histogram2d``).
    smooth : float, default 0
        Standard deviation in bins of the Gaussian filter of ``smoothed`` (0 = none).

    Returns
    -------
    CategoryDensity
    """
    xy = np.asarray(coords, dtype=np.float64)
    if xy.ndim != 2 or xy.shape[1] != 2:
        raise ValueError(f"coords must have shape (n, 2); got {xy.shape}.")
    codes, uniques = _factorize(categories)
    if codes.shape != (len(xy),):
        raise ValueError(f"categories must have one entry per point ({len(xy)}); got shape {codes.shape}.")
    bx, by = _bins(bins)
    if float(smooth) < 0:
        raise ValueError(f"smooth must be >= 0 (bins); got {smooth}.")
    ok = np.isfinite(xy).all(axis=1)
    xy, codes = xy[ok], codes[ok]
    shown = tuple(CATEGORIES if categories_to_show is None else (str(c) for c in categories_to_show))
    unknown = [c for c in shown if c not in CATEGORIES and c not in set(uniques)]
    if unknown:
        raise ValueError(f"categories_to_show has {unknown}, which are neither W2S categories {CATEGORIES} "
                         "nor values of categories.")
    x_edges, y_edges = _edges(xy, bx, by, extent)
    inside = ((xy[:, 0] >= x_edges[0]) & (xy[:, 0] <= x_edges[-1])
              & (xy[:, 1] >= y_edges[0]) & (xy[:, 1] <= y_edges[-1]))
    cell = _bin_index(xy[inside, 0], x_edges) * by + _bin_index(xy[inside, 1], y_edges)
    total = np.bincount(cell, minlength=bx * by).reshape(bx, by).astype(np.int64)
    lookup = {str(u): i for i, u in enumerate(uniques)}
    code_in = codes[inside]
    known = code_in >= 0  # -1: a missing category
    per_value = np.bincount(code_in[known].astype(np.int64) * (bx * by) + cell[known],
                            minlength=len(uniques) * bx * by).reshape(len(uniques), bx, by)
    counts = np.zeros((len(shown), bx, by), dtype=np.int64)
    for j, name in enumerate(shown):
        if name in lookup:
            counts[j] = per_value[lookup[name]]
    with np.errstate(invalid="ignore", divide="ignore"):
        shares = np.where(total > 0, counts / np.maximum(total, 1), np.nan)
    smoothed = counts.astype(np.float64)
    if smooth > 0:
        from scipy.ndimage import gaussian_filter

        smoothed = np.stack([gaussian_filter(c, sigma=float(smooth), mode="constant") for c in smoothed]) \
            if len(shown) else smoothed
    return CategoryDensity(x_edges=x_edges, y_edges=y_edges, categories=shown, counts=counts, total=total,
                           shares=shares, smoothed=smoothed, n_dropped=int((~ok).sum()))


def _factorize(categories) -> tuple:
    """Integer codes (n,) and the values they stand for (a missing value is code -1)."""
    if isinstance(categories, pd.Series) and isinstance(categories.dtype, pd.CategoricalDtype):
        categories = categories.array
    if isinstance(categories, pd.Categorical):
        return np.asarray(categories.codes), np.asarray(categories.categories, dtype=object)
    cats = np.asarray(categories, dtype=object)
    if cats.ndim != 1:
        return np.zeros(cats.shape, dtype=np.int64), np.array([], dtype=object)
    return pd.factorize(cats)


def _edges(xy, bx, by, extent):
    if extent is None:
        if len(xy) == 0:
            raise ValueError("no point has finite coordinates; there is nothing to bin.")
        (x0, y0), (x1, y1) = xy.min(axis=0), xy.max(axis=0)
    else:
        try:
            (x0, x1), (y0, y1) = ((float(a), float(b)) for a, b in extent)
        except (TypeError, ValueError):
            raise ValueError(f"extent must be ((x0, x1), (y0, y1)); got {extent!r}.") from None
        if not (x1 > x0 and y1 > y0):
            raise ValueError(f"extent must have x1 > x0 and y1 > y0; got {extent!r}.")
    # a zero-width range widens by 0.5 each side, as numpy.histogram does
    if x0 == x1:
        x0, x1 = x0 - 0.5, x1 + 0.5
    if y0 == y1:
        y0, y1 = y0 - 0.5, y1 + 0.5
    return np.linspace(x0, x1, bx + 1), np.linspace(y0, y1, by + 1)
