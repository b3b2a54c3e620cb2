"""Presenter mode: one call lays the Workbench out for a projector.

>>> from widgets.presenter import present
>>> wb = present(exp)          # doctest: +SKIP   (an Experiment, a Result, a Workbench or nothing)

Large fonts in every control, table and figure, full width, bigger markers; the layout
is the same flexible one as in normal mode, so it also works in JupyterLab's own
presentation mode (View > Presentation Mode) and with the file browser open.
"""

from __future__ import annotations

import ipywidgets as W

__all__ = ["present", "style_workbench", "style_explorer", "style_figure", "style_scatter_maps", "presenter_css",
           "MARKER_GROWTH"]

#: Presenter markers are this many px bigger than normal ones (plotly and jupyter-scatter maps).
MARKER_GROWTH = 2


def presenter_css(font_size: int) -> str:
    """CSS scoped to ``.w2s-presenter`` that enlarges controls, HTML panels and tables."""
    if not (isinstance(font_size, int) and 10 <= font_size <= 40):
        raise ValueError(f"font_size must be an int between 10 and 40 (px); got {font_size!r}.")
    small = font_size - 2
    return f"""<style>
.w2s-presenter, .w2s-presenter .widget-label, .w2s-presenter .widget-html-content,
.w2s-presenter .widget-dropdown select, .w2s-presenter .widget-text input, .w2s-presenter .widget-combobox input,
.w2s-presenter button, .w2s-presenter .lm-TabBar-tabLabel, .w2s-presenter .widget-readout
  {{font-size:{font_size}px !important; line-height:1.35}}
.w2s-presenter .widget-dropdown, .w2s-presenter .widget-text, .w2s-presenter .widget-combobox,
.w2s-presenter button {{height:auto !important; min-height:{font_size + 14}px}}
.w2s-presenter .w2s-table, .w2s-presenter .w2s-legend-row {{font-size:{small}px !important}}
.w2s-presenter .w2s-swatch {{width:{small}px; height:{small}px; border-radius:{small // 2}px}}
.w2s-presenter .w2s-scroll {{max-height:70vh}}
.w2s-presenter .w2s-summary {{font-size:{font_size}px !important}}
.w2s-presenter .widget-label {{width:auto !important; min-width:{5 * font_size}px; white-space:nowrap;
  overflow:visible}}
</style>"""


def style_figure(fig, font_size: int) -> None:
    """Bigger fonts (and, for maps, markers) in one plotly figure or FigureWidget, in one message."""
    with fig.batch_update():
        fig.layout.font.size = font_size - 4
        fig.layout.title.font.size = font_size
        for annotation in fig.layout.annotations or ():
            annotation.font.size = font_size - 2
        for trace in fig.data:
            if getattr(trace, "type", "") == "scattergl" and trace.marker.size is not None:
                trace.marker.size = float(trace.marker.size) + MARKER_GROWTH


def style_scatter_maps(scatter_maps) -> None:
    """Bigger points in both jupyter-scatter maps of a :class:`~widgets.scatter_maps.ScatterMaps`.

    The point size (jscatter ``Scatter.size(default=...)``, whole px: the widget's ``size``
    trait) becomes the normal size for the number of drawn points
    (:func:`widgets.figures.marker_style`) plus :data:`MARKER_GROWTH`; calling it again
    changes nothing.
    """
    from .figures import marker_style

    size = int(marker_style(len(scatter_maps.drawn_rows()))["size"] + MARKER_GROWTH)
    for scatter in scatter_maps.scatters.values():
        scatter.size(default=size)


def style_explorer(explorer, font_size: int) -> None:
    """Presenter styling of an :class:`~widgets.explorer.EmbeddingExplorer`'s maps, plotly or jupyter-scatter."""
    for fig in explorer.figures.values():
        style_figure(fig, font_size)
    if getattr(explorer, "scatter_maps", None) is not None:
        style_scatter_maps(explorer.scatter_maps)


def style_workbench(workbench, *, font_size: int = 18) -> None:
    """Apply presenter styling to ``workbench`` (its monitor now, its explorer whenever one is made).

    Plotly figures get bigger fonts and markers, jupyter-scatter maps bigger points
    (:func:`style_explorer`); the CSS enlarges the panels around them.
    """
    css = presenter_css(font_size)
    workbench.presenter_font_size = font_size
    if not any(getattr(c, "_w2s_presenter", False) for c in workbench.widget.children):
        style = W.HTML(css)
        style._w2s_presenter = True
        workbench.widget.children = (style, *workbench.widget.children)
    workbench.widget.add_class("w2s-presenter")
    workbench.widget.layout.width = "100%"
    style_figure(workbench.monitor.figure, font_size)
    if workbench.explorer is not None:
        style_explorer(workbench.explorer, font_size)


def present(target=None, *, font_size: int = 18, **workbench_options):
    """A :class:`~widgets.app.Workbench` laid out for a projector.

    Parameters
    ----------
    target : Workbench, Experiment, Result or None
        An existing Workbench is restyled in place; anything else is passed to ``Workbench``.
    font_size : int, default 18
        Base font size in px (tables and legend 2 px smaller, figure titles this size).
    **workbench_options
        Passed to ``Workbench`` when one is built.

    Returns
    -------
    Workbench
    """
    from .app import Workbench

    presenter_css(font_size)  # validate before building anything
    workbench = target if isinstance(target, Workbench) else Workbench(target, **workbench_options)
    style_workbench(workbench, font_size=font_size)
    return workbench
