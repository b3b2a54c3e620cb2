"""Which W2S categories a map pair draws as regions, and their densities over the drawn rows.

Both map pairs (:class:`~widgets.plotly_maps.PlotlyMapPair`,
:class:`~widgets.scatter_pair.ScatterMapPair`) hold one :class:`RegionGrid`: the categories
shown as density contours (empty: none), and the ``category`` column as a
``pandas.Categorical`` (binned by its codes, several times faster than strings at a million
rows). :meth:`RegionGrid.density` bins one map's m drawn rows on a ``bins`` x ``bins`` grid
(:func:`workbench.regions.category_density`; by default ``sqrt(m) / 3`` bins, clipped to
16..:data:`REGION_BINS`, so a few hundred points give a few smooth blobs, not one ring per
point); what a map then sends (contour traces or polylines) scales with the grid and the
contour vertices, not with the number of points.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from workbench.metrics import CATEGORIES
from workbench.regions import CategoryDensity, category_density

__all__ = ["RegionGrid", "check_region_categories", "grid_bins", "REGION_BINS", "MIN_BINS", "REGION_SMOOTH"]

#: Most bins along each axis of a map's region grid (reached from about 37,000 drawn rows).
REGION_BINS = 64
#: Fewest bins along each axis.
MIN_BINS = 16
#: Gaussian smoothing of the binned counts, in bins.
REGION_SMOOTH = 1.0


def check_region_categories(categories) -> tuple:
    """``categories`` as a tuple of W2S category names (duplicates dropped, order kept).

    Raises
    ------
    TypeError
        Not a sequence of str (a bare str is a preset name, resolved by the explorer).
    ValueError
        A name that is not one of ``workbench.metrics.CATEGORIES``.
    """
    if isinstance(categories, str) or not hasattr(categories, "__iter__"):
        raise TypeError(f"region categories must be a sequence of W2S category names; got {categories!r}.")
    names = tuple(dict.fromkeys(categories))
    bad = [c for c in names if not isinstance(c, str) or c not in CATEGORIES]
    if bad:
        raise ValueError(f"unknown region categories {bad}; choose from {list(CATEGORIES)}.")
    return names


def grid_bins(n_rows: int) -> int:
    """Bins per axis for ``n_rows`` drawn rows: ``sqrt(n_rows) / 3`` within ``MIN_BINS..REGION_BINS``."""
    return int(np.clip(np.sqrt(max(int(n_rows), 0)) / 3, MIN_BINS, REGION_BINS))


class RegionGrid:
    """The region categories of a map pair and the density of its drawn rows per map.

    Parameters
    ----------
    categories : array-like of shape (n,)
        The ``category`` column of the per-point table.
    bins : int, optional
        Bins per axis; default :func:`grid_bins` of the drawn rows.
    smooth : float, default REGION_SMOOTH

    Attributes
    ----------
    shown : tuple of str
        The categories drawn as regions; empty when regions are off.
    """

    def __init__(self, categories, *, bins: int | None = None, smooth: float = REGION_SMOOTH):
        self._categories = pd.Categorical(np.asarray(categories, dtype=object))
        self.bins, self.smooth = (None if bins is None else int(bins)), float(smooth)
        self.shown: tuple = ()
        self._drawn: set = set()  # the maps (spaces) that carry regions now

    def show(self, categories) -> None:
        """Draw these categories from now on (checked; empty: none)."""
        self.shown = check_region_categories(categories)

    def needs_drawing(self, space: str) -> bool:
        """Whether ``space``'s map must be (re)drawn: regions are on, or still drawn there."""
        return bool(self.shown) or space in self._drawn

    def density(self, space: str, xy, rows) -> CategoryDensity | None:
        """The shown categories binned over one map's drawn rows; None when there is nothing to draw.

        Parameters
        ----------
        space : str
            The map (recorded: :meth:`needs_drawing` then knows it carries regions).
        xy : array of shape (n, 2)
            That map's coordinates of every row.
        rows : array of shape (m,), int
            The drawn rows.

        Returns
        -------
        CategoryDensity with ``categories == shown``, or None (regions off, or no drawn row)
        """
        rows = np.asarray(rows, dtype=np.int64)
        if not self.shown or len(rows) == 0:
            self._drawn.discard(space)
            return None
        self._drawn.add(space)
        bins = grid_bins(len(rows)) if self.bins is None else self.bins
        return category_density(np.asarray(xy)[rows], self._categories[rows], bins=bins,
                                categories_to_show=self.shown, smooth=self.smooth)
