"""The explorer's two maps drawn with jupyter-scatter (WebGL), for large tables.

:class:`ScatterMapPair` takes the same calls from
:class:`~widgets.explorer.EmbeddingExplorer` as :class:`~widgets.plotly_maps.PlotlyMapPair`
(``draw``, ``recolour``, ``set_coords``, ``close``), over a
:class:`~widgets.scatter_maps.ScatterMaps` that holds the two ``jupyter-scatter`` widgets:

* every row of the explorer's drawing order (its seeded sample of at most ``max_points``
  rows) is sent once, as one float32 (m, 4) buffer per map;
* the drawn rows (a split, the groups the legend leaves ticked) are jupyter-scatter's
  ``filter`` (uint32 positions), so changing the split or a legend tick re-sends no point;
* a recolour is a colour list, one colour per joint cell (:mod:`widgets.scatter_cells`);
* a lasso writes row positions (shown rows only) to the shared Selection, and a selection
  of one point from a map is a click (``on_click(row)``: the explorer's neighbour panel);
* no hover text per point travels: the panel under the maps asks the kernel for the one
  point under the cursor;
* regions (``show_regions``) are jupyter-scatter line annotations: iso-lines of each
  category's binned counts over the shown rows (:mod:`widgets.scatter_regions`), redrawn
  after a ``draw`` or ``set_coords``; they scale with the grid, not with the points.
"""

from __future__ import annotations

import ipywidgets as W
import numpy as np

from .map_regions import RegionGrid
from .scatter_maps import SPACES, ScatterMaps
from .scatter_regions import set_region_annotations

__all__ = ["ScatterMapPair"]


class ScatterMapPair:
    """Weak and strong jupyter-scatter maps over one Selection, driven by the explorer.

    Parameters
    ----------
    points : pandas.DataFrame with n rows
    coords : dict {"weak": (n, 2), "strong": (n, 2)}
        Finite 2-D coordinates of every row.
    projection : dict {"weak": str, "strong": str}
    label_names : sequence of str
    selection : Selection
    drawn : array of shape (s,), int
        The rows to show, a subset of ``order`` in its order.
    groups : tuple (codes (n,), names (G,), colors (G,))
        Unused (the maps compute the groups of every colour mode); the same call as the plotly pair.
    titles : dict {"weak": str, "strong": str}
    on_click : callable, optional
        ``on_click(row)`` when a map sends a selection of one point.
    order : array of shape (m,), int
        The explorer's drawing order (:func:`widgets.maps.draw_order` of its sample).
    color_by : str
    max_points : int
        The explorer's ``max_points`` (with ``seed`` it gives ``order``).
    seed : int

    Attributes
    ----------
    kind : str
        ``"scatter"``.
    figures : dict
        Empty: no plotly figure (presenter styling enlarges ``scatter_maps``' points instead).
    scatter_maps : ScatterMaps
        ``scatter_maps.maps`` are the two jupyter-scatter widgets.
    regions : RegionGrid
        The categories drawn as regions (``regions.shown``).
    widget : ipywidgets.VBox
        The two maps with their titles, then the panel of the point under the cursor.
    """

    kind = "scatter"

    def __init__(self, points, *, coords, projection, label_names, selection, drawn, groups, titles,
                 on_click=None, order, color_by, max_points, seed):
        self.figures = {}
        self.regions = RegionGrid(points["category"])
        self._shown = np.asarray(drawn, dtype=np.int64)
        self.scatter_maps = ScatterMaps(points, label_names=label_names, selection=selection, color_by=color_by,
                                        max_points=int(max_points), coords=coords, projection=projection["weak"],
                                        seed=int(seed))
        if not np.array_equal(self.scatter_maps.drawn_rows(), np.asarray(order, dtype=np.int64)):
            raise RuntimeError("ScatterMaps drew other rows than the explorer's drawing order "
                               "(widgets.maps.draw_order of figures.sample_rows); they must agree.")
        if on_click is not None:
            self.scatter_maps.on_click(on_click)
        m = self.scatter_maps
        columns = [W.VBox([m.titles[s], m.maps[s]], layout=W.Layout(flex="1 1 0", min_width="0", width="50%"))
                   for s in SPACES]
        self.widget = W.VBox([W.HBox(columns, layout=W.Layout(width="100%")), m.point_html],
                             layout=W.Layout(width="100%"))
        self.widget.add_class("w2s-scatter-pair")
        self.draw(drawn, groups, titles, color_by=color_by)

    @property
    def maps(self) -> dict:
        """``{"weak": JupyterScatter, "strong": JupyterScatter}``: the two widgets."""
        return self.scatter_maps.maps

    def draw(self, drawn, groups, titles, *, color_by=None) -> None:
        """Show only ``drawn`` (s,) rows (the ``filter`` trait) and colour them by ``color_by``."""
        if color_by is not None and color_by != self.scatter_maps.color_by:
            self.scatter_maps.recolor(color_by)
        drawn = np.asarray(drawn, dtype=np.int64)
        self.scatter_maps.show_rows(None if len(drawn) == len(self.scatter_maps.drawn_rows()) else drawn)
        self._set_titles(titles)
        self._shown = drawn
        self._draw_regions(SPACES)

    def recolour(self, groups, *, color_by) -> None:
        """Colour both maps by ``color_by`` (a colour list per map; no point is re-sent)."""
        self.scatter_maps.recolor(color_by)

    def set_coords(self, space: str, xy, *, label: str, title: str) -> None:
        """Draw one map at new coordinates ``xy`` (n, 2) (re-sends that map's point array)."""
        self.scatter_maps.set_coords(space, xy, projection=label)
        self.scatter_maps.set_title(space, title)
        self._draw_regions((space,))

    def show_regions(self, categories) -> None:
        """Draw density contours of ``categories`` (W2S category names; empty: none) over both maps.

        Each map's ``annotations`` trait gets the iso-lines of the shown rows
        (:func:`widgets.scatter_regions.set_region_annotations`); no point is re-sent.
        """
        self.regions.show(categories)
        self._draw_regions(SPACES)

    def _draw_regions(self, spaces) -> None:
        for space in spaces:
            if self.regions.needs_drawing(space):
                density = self.regions.density(space, self.scatter_maps.coords(space), self._shown)
                set_region_annotations(self.scatter_maps.scatters[space], density)

    def close(self) -> None:
        """Stop following the selection and close the maps' widgets."""
        self.scatter_maps.close()

    def _set_titles(self, titles):
        for space in SPACES:
            self.scatter_maps.set_title(space, titles[space])
