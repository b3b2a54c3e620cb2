"""Driving big WebGL maps in JupyterLab + headless Chromium (used by the big-map browser test
and by ``benchmarks/bench_maps_browser.py``).

Adds to :mod:`tests.browser.lab`: a Chromium with software WebGL (SwiftShader; a GPU-less
headless Chromium 15x draws WebGL only with ``--enable-unsafe-swiftshader``), a counter of
the bytes the page receives on its WebSockets (kernel -> browser messages), a one-cell
notebook whose cell the driver rewrites and runs, and kernel expressions evaluated through
``user_expressions`` (no output, no new cell).
"""

from __future__ import annotations

import ast
import contextlib
import io
import json
import time
from pathlib import Path

from .lab import CHROMIUM, CHROMIUM_ARGS, kernel_idle, wait_for  # noqa: F401 (re-exported)

WEBGL_ARGS = ["--enable-unsafe-swiftshader", "--use-angle=swiftshader", "--ignore-gpu-blocklist"]

WS_COUNTER_JS = """(() => {
  window.__wsBytes = 0;
  const Native = window.WebSocket;
  class Counting extends Native {
    constructor(...args) {
      super(...args);
      this.addEventListener('message', (e) => {
        const d = e.data;
        window.__wsBytes += typeof d === 'string' ? d.length : (d.byteLength !== undefined ? d.byteLength : d.size);
      });
    }
  }
  window.WebSocket = Counting;
})();"""

RUN_CELL_JS = """async (code) => {
  const app = window.jupyterapp;
  const panel = app.shell.currentWidget;
  const cell = panel.content.widgets[0];
  cell.model.sharedModel.setSource(code);
  panel.content.activeCellIndex = 0;
  await app.commands.execute('notebook:run-cell');
  return true;
}"""

EXPR_JS = """async (expr) => {
  const k = window.jupyterapp.shell.currentWidget.sessionContext.session.kernel;
  const reply = await k.requestExecute({code: '', silent: false, store_history: false,
                                         user_expressions: {r: expr}}).done;
  const r = reply.content.user_expressions.r;
  return r.status === 'ok' ? {ok: true, text: r.data['text/plain']} : {ok: false, text: r.ename + ': ' + r.evalue};
}"""

EMPTY_NOTEBOOK = {"cells": [{"cell_type": "code", "execution_count": None, "id": "c0", "metadata": {},
                             "outputs": [], "source": ""}],
                  "metadata": {"kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"}},
                  "nbformat": 4, "nbformat_minor": 5}


def write_notebook(root: Path, name: str = "bigmap.ipynb") -> str:
    """A one-cell notebook in ``root``; returns its name."""
    root.mkdir(parents=True, exist_ok=True)
    (root / name).write_text(json.dumps(EMPTY_NOTEBOOK))
    return name


@contextlib.contextmanager
def webgl_page(*, width: int = 1500, height: int = 1100):
    """A Playwright page of a fresh headless Chromium with software WebGL and the WebSocket counter."""
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        raise RuntimeError(f"{CHROMIUM} is missing: run `bash .ci/install_browser.sh` (apt-get install chromium).")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS + WEBGL_ARGS)
        try:
            page = browser.new_page(viewport={"width": width, "height": height})
            page.add_init_script(WS_COUNTER_JS)
            yield page
        finally:
            browser.close()


def open_notebook(page, base: str, token: str, name: str) -> None:
    page.goto(f"{base}/lab/tree/{name}?token={token}")
    wait_for(page, lambda: kernel_idle(page), timeout=120, what="the kernel to start")
    if not page.evaluate("() => !!document.createElement('canvas').getContext('webgl')"):
        raise RuntimeError("this Chromium has no WebGL (software SwiftShader); the maps cannot be drawn.")


def run_cell(page, code: str, *, timeout: float = 600) -> None:
    """Put ``code`` into the notebook's one cell and run it (returns when the run is queued)."""
    page.evaluate(RUN_CELL_JS, code)


def kernel_eval(page, expr: str):
    """Evaluate a Python expression in the kernel that returns a JSON string; return it decoded."""
    out = page.evaluate(EXPR_JS, expr)
    if not out["ok"]:
        raise RuntimeError(f"kernel expression {expr!r} failed: {out['text']}")
    return json.loads(ast.literal_eval(out["text"]))


def ws_bytes(page) -> int:
    return int(page.evaluate("() => window.__wsBytes"))


def painted(png: bytes, *, min_share: float = 0.02) -> bool:
    """True when a screenshot holds drawn points: enough pixels far from the background colour."""
    import numpy as np
    from PIL import Image

    img = np.asarray(Image.open(io.BytesIO(png)).convert("RGB"), dtype=np.int16)
    background = np.median(img.reshape(-1, 3), axis=0)
    far = np.abs(img - background).sum(axis=2) > 40
    return far.mean() >= min_share


def map_canvas(page):
    """The locator of the drawn map's canvas in the cell output (plotly's GL canvas or regl's)."""
    return page.locator(".jp-OutputArea-output canvas").first


def rect(page, locator) -> dict:
    box = locator.bounding_box()
    if box is None:
        raise AssertionError("the map's canvas has no box (not displayed)")
    return box


def raf_fps(page, action) -> float:
    """Frames per second (requestAnimationFrame callbacks) while ``action()`` runs."""
    page.evaluate("""() => { window.__frames = 0; window.__counting = true;
        const tick = () => { if (!window.__counting) return; window.__frames++; requestAnimationFrame(tick); };
        requestAnimationFrame(tick); window.__t0 = performance.now(); }""")
    action()
    return float(page.evaluate("""() => { window.__counting = false;
        return window.__frames / ((performance.now() - window.__t0) / 1000); }"""))


def drag(page, points, *, step_ms: int = 16) -> float:
    """Press at ``points[0]``, move through the rest, release; returns ``time.time()`` at the release."""
    page.mouse.move(*points[0])
    page.mouse.down()
    for x, y in points[1:]:
        page.mouse.move(x, y, steps=2)
        page.wait_for_timeout(step_ms)
    t_up = time.time()
    page.mouse.up()
    return t_up


def polygon(box: dict, *, n: int = 24, scale: float = 0.28, centre=(0.45, 0.5)) -> list:
    """Screen points of a star-shaped lasso path inside ``box``, left open (the map closes it).

    The path must not end where it began: regl-scatterplot (jupyter-scatter) takes the
    ``click`` that follows a mouse-up within ``lassoMinDist`` (3 px) of the mouse-down as a
    click on the nearest point and replaces the lasso's selection by that one point, even in
    lasso mode. The last vertex here is one step (``2 pi r / n``) short of the first; both
    regl-scatterplot and plotly close a lasso polygon themselves.
    """
    import math

    cx, cy = box["x"] + centre[0] * box["width"], box["y"] + centre[1] * box["height"]
    r = scale * min(box["width"], box["height"])
    return [(cx + r * (1 + 0.25 * math.sin(3 * a)) * math.cos(a), cy + r * (1 + 0.25 * math.sin(3 * a)) * math.sin(a))
            for a in (2 * math.pi * i / n for i in range(n))]
