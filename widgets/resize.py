"""A tiny front-end helper that keeps plotly figures as wide as their box.

A plotly ``FigureWidget`` drawn without a width takes plotly's default 700 px, and in
JupyterLab it is not told when its box changes (measured: ``_fullLayout.width`` stays 700
after the box is resized), so inside a hidden tab, after the file browser is toggled or in
presentation mode it is clipped. Figures made with :func:`responsive` refit on every window
``resize`` event (plotly.js ``config.responsive``); :class:`FitWidth` watches the box of the
view it sits in (a ``ResizeObserver`` on the nearest ``.w2s-fit`` ancestor) and dispatches
one such event whenever that box's width changes. Everything happens in the browser: no
message to the kernel (which may be busy training).
"""

from __future__ import annotations

import anywidget
import traitlets

__all__ = ["FitWidth", "responsive"]

_ESM = """
function render({ model, el }) {
  el.style.display = "none";
  let last = -1, timer = null, observer = null;
  const start = () => {
    const box = el.closest(".w2s-fit") || el.parentElement;
    if (!box || typeof ResizeObserver !== "function") { return; }
    observer = new ResizeObserver((entries) => {
      const width = Math.round(entries[0].contentRect.width);
      // A hidden box (another tab shown) measures 0: forget the last width, so that showing it
      // again refits even at the width it had (a resize sent while it was hidden did nothing).
      if (width === 0) { last = 0; return; }
      if (width === last) { return; }
      last = width;
      clearTimeout(timer);
      timer = setTimeout(() => window.dispatchEvent(new Event("resize")), 80);
    });
    observer.observe(box);
  };
  requestAnimationFrame(start);
  return () => { if (observer) { observer.disconnect(); } clearTimeout(timer); };
}
export default { render };
"""


def responsive(fig):
    """Make the FigureWidget ``fig`` follow its box's width (plotly.js ``responsive``); returns it."""
    fig._config = {**(fig._config or {}), "responsive": True}
    return fig


class FitWidth(anywidget.AnyWidget):
    """Invisible widget: put it inside a box with the CSS class ``w2s-fit``."""

    _esm = traitlets.Unicode(_ESM).tag(sync=True)
