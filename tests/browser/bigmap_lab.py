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


def inside_polygon(x, y, poly):
    """Even-odd rule, vectorised over the points: bool array of ``x.shape``; ``poly`` (m, 2)."""
    import numpy as np

    inside = np.zeros(x.shape, dtype=bool)
    for (xa, ya), (xb, yb) in zip(poly, np.roll(poly, -1, axis=0)):
        crosses = (ya > y) != (yb > y)
        with np.errstate(divide="ignore", invalid="ignore"):
            x_at = xa + (y - ya) * (xb - xa) / (yb - ya)
        inside ^= crosses & (x < x_at)
    return inside


def map_boxes(page) -> list:
    """Bounding boxes of the drawn map canvases (wider and taller than 200 px), left to right."""
    canvases = page.locator(".jp-OutputArea-output canvas")
    boxes = [canvases.nth(i).bounding_box() for i in range(canvases.count())]
    return sorted((b for b in boxes if b and b["width"] > 200 and b["height"] > 200), key=lambda b: b["x"])


@contextlib.contextmanager
def lasso_in_weak_map(root: Path, cell: str, result: str, *, height: int):
    """Run ``cell`` (it displays two maps) in JupyterLab, draw a lasso in the left (weak) map and
    wait for the kernel to hold it. Yields ``(page, weak_box, got, errors)``: ``got`` is
    ``kernel_eval(result)`` a second after the lasso, ``errors`` the page errors so far."""
    from .lab import jupyter_lab

    name = write_notebook(root)
    errors = []
    with jupyter_lab(root) as (base, token), webgl_page(width=1400, height=height) as page:
        page.on("pageerror", lambda e: errors.append(str(e)))
        open_notebook(page, base, token, name)
        run_cell(page, cell)
        boxes = wait_for(page, lambda: len(map_boxes(page)) >= 2 and map_boxes(page), timeout=240, what="both maps")
        wait_for(page, lambda: kernel_idle(page), timeout=240, what="the cell to finish")
        wait_for(page, lambda: painted(page.locator(".jp-OutputArea-output").first.screenshot(), min_share=0.02),
                 timeout=240, what="the maps to be drawn")
        weak = boxes[0]
        drag(page, polygon(weak, scale=0.3, centre=(0.5, 0.5)), step_ms=20)
        wait_for(page, lambda: (r := kernel_eval(page, result))["selected"] > 0 and r["polygon"] and r,
                 timeout=120, what="the lasso's selection in the kernel")
        page.wait_for_timeout(1000)
        yield page, weak, kernel_eval(page, result), errors
