"""Density contours per W2S category over a jupyter-scatter map, as line annotations.

jupyter-scatter 1.0.1 draws line annotations (``jscatter.Line``: a polyline in data
coordinates, one colour and width) on top of the points; its own ``Contour`` annotation
runs seaborn's KDE over every point, which is too slow at a million points. Here the
iso-lines are traced with ``contourpy`` on the binned, smoothed counts of
:class:`workbench.regions.CategoryDensity` at the same fractions of each category's peak
as the plotly contours (:data:`widgets.region_figures.LEVELS`), so what travels (the
``annotations`` trait, JSON) scales with the grid and the number of contour vertices, not
with the number of points.
"""

from __future__ import annotations

import json

import numpy as np

from workbench.regions import CategoryDensity

from .palette import CATEGORY_COLORS, MUTED, hex_to_rgb
from .region_figures import LEVELS

__all__ = ["density_lines", "region_annotations", "set_region_annotations", "annotations_bytes"]

#: Line width (px) of the contours; the innermost (densest) level is drawn one px wider.
LINE_WIDTH = 2
#: Opacity of the outermost level; it rises linearly to 1 at the innermost one.
OUTER_ALPHA = 0.55
#: A dark line under each contour, 2 px wider: a cyan contour over cyan and blue dots is unreadable
#: without it (seen in JupyterLab at 200,000 points).
HALO_COLOR = (0.1, 0.1, 0.1, 0.75)


def _padded(density: CategoryDensity, j: int):
    """Bin centres and counts with one empty bin around the grid, so every iso-line closes."""
    x, y = density.x_centres, density.y_centres
    dx = x[1] - x[0] if len(x) > 1 else density.x_edges[-1] - density.x_edges[0]
    dy = y[1] - y[0] if len(y) > 1 else density.y_edges[-1] - density.y_edges[0]
    x = np.concatenate([[x[0] - dx], x, [x[-1] + dx]])
    y = np.concatenate([[y[0] - dy], y, [y[-1] + dy]])
    z = np.pad(np.nan_to_num(density.smoothed[j]), 1).T  # contourpy: z[row = y][column = x]
    return x, y, z


def density_lines(density: CategoryDensity, *, levels=LEVELS) -> list:
    """Iso-lines of each category's smoothed counts at ``levels`` x its peak.

    Parameters
    ----------
    density : CategoryDensity
        c categories on a (bx, by) grid.
    levels : sequence of float in (0, 1)
        Fractions of each category's peak.

    Returns
    -------
    list of (category, level, vertices)
        ``vertices`` is an array of shape (k, 2) in data coordinates (a closed line repeats
        its first vertex last); categories without points give no line.
    """
    import contourpy

    levels = tuple(float(v) for v in levels)
    if not levels or any(not 0 < v < 1 for v in levels):
        raise ValueError(f"levels must be fractions of the peak in (0, 1); got {levels!r}.")
    out = []
    for j, name in enumerate(density.categories):
        peak = float(np.nanmax(density.smoothed[j])) if density.smoothed[j].size else 0.0
        if not peak > 0:
            continue
        x, y, z = _padded(density, j)
        generator = contourpy.contour_generator(x, y, z, line_type="Separate")
        for level in levels:
            out.extend((name, level, np.asarray(v, dtype=np.float64)) for v in generator.lines(level * peak)
                       if len(v) >= 2)
    return out


def _style(name: str, level: float, levels) -> dict:
    lo, hi = min(levels), max(levels)
    t = 1.0 if hi == lo else (level - lo) / (hi - lo)
    r, g, b = hex_to_rgb(CATEGORY_COLORS.get(name, MUTED))
    return dict(line_color=(float(r), float(g), float(b), OUTER_ALPHA + (1 - OUTER_ALPHA) * t),
                line_width=LINE_WIDTH + (1 if level == hi else 0))


def region_annotations(density: CategoryDensity | None, *, scales=None, levels=LEVELS) -> list:
    """``jscatter.Line`` annotations of :func:`density_lines`, in the category colours.

    Parameters
    ----------
    density : CategoryDensity or None
        None gives no annotation.
    scales : (x_scale, y_scale), optional
        A ``jscatter.Scatter``'s normalisations (``scatter.x()["scale"]``, ``scatter.y()["scale"]``):
        the vertices are then in the widget's normalised space [-1, 1], rounded to 1e-5 (what its
        ``annotations`` trait holds); without them, in data coordinates.
    levels : sequence of float in (0, 1)

    Returns
    -------
    list of jscatter.Line
        A dark halo line (:data:`HALO_COLOR`) per contour first, then the contours on top.
    """
    if density is None:
        return []
    from jscatter import Line

    lines = density_lines(density, levels=levels)
    if scales is not None:
        from jscatter.utils import to_ndc

        x_scale, y_scale = scales
        lines = [(name, level, np.round(np.column_stack([to_ndc(v[:, 0], x_scale), to_ndc(v[:, 1], y_scale)]), 5))
                 for name, level, v in lines]
    styles = [_style(name, level, levels) for name, level, _ in lines]
    halos = [Line(v.tolist(), line_color=HALO_COLOR, line_width=style["line_width"] + 2)
             for (_, _, v), style in zip(lines, styles)]
    return halos + [Line(v.tolist(), **style) for (_, _, v), style in zip(lines, styles)]


def set_region_annotations(scatter, density: CategoryDensity | None, *, levels=LEVELS) -> None:
    """Replace the annotations of one ``jscatter.Scatter``'s widget by the region contours (None: cleared).

    The lines go straight to the widget's ``annotations`` trait, normalised here in one vectorised
    step: ``Scatter.annotations(...)`` normalises vertex by vertex (about 0.3 ms each, a second
    for 3,000 vertices). ``scatter`` therefore keeps no annotations of its own, and a later
    ``scatter.xy(...)`` does not re-send these: the map pair draws them again for new coordinates.
    """
    lines = region_annotations(density, scales=(scatter.x()["scale"], scatter.y()["scale"]), levels=levels)
    scatter.widget.annotations = lines if lines else None


def annotations_bytes(widget) -> int:
    """Bytes of the ``annotations`` trait as the widget serialises it for the browser (JSON)."""
    from jscatter.annotations_traits import annotations_to_json

    value = annotations_to_json(widget.annotations)
    return len(json.dumps(value)) if value is not None else 4
