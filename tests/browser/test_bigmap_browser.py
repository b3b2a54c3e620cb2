"""ScatterMaps at 200,000 points in JupyterLab + headless Chromium (software WebGL).

A notebook cell displays ``ScatterMaps`` over a seeded synthetic per-point table; the test
draws a lasso with the mouse in the weak map and checks that the kernel's shared
``Selection`` holds exactly the points inside the drawn polygon: the polygon's data
coordinates (what the map reports for the drawn path) and the points' coordinates are
read back, and the test counts the inside points itself (even-odd rule, numpy), without
the library. The strong map must show the same selection.
"""

from __future__ import annotations

import numpy as np
import pytest

from . import bigmap_lab as B
from .lab import jupyter_lab

# The first run (2026-12-02) drew a closed path that ended on its start pixel; regl-scatterplot took the
# click after that mouse-up as a click on the nearest point and replaced the lasso's 186,315 points by one
# (see ``bigmap_lab.polygon``, which now leaves the path open as a hand-drawn lasso is).
pytestmark = [pytest.mark.browser, pytest.mark.slow]

N = 200_000
REPO = str(__import__("pathlib").Path(__file__).resolve().parents[2])
CELL = f"""import sys; sys.path.insert(0, {REPO!r})
import json, numpy as np
from tests.widgets.conftest import make_points
from widgets.scatter_maps import ScatterMaps
POINTS = make_points({N}, seed=5)
M = ScatterMaps(POINTS, label_names=("negative", "positive"))
M.scatters["weak"].mouse("lasso")
M"""

RESULT = """json.dumps({"selected": len(M.selection), "strong": int(len(M.maps["strong"].selection)),
  "weak": int(len(M.maps["weak"].selection)),
  "source": M.selection.source, "rows": M.selection.indices.tolist(),
  "polygon": np.asarray(M.maps["weak"].lasso_selection_polygon if M.maps["weak"].lasso_selection_polygon is not None
                        else [], dtype=float).tolist()})"""


def _inside(x, y, poly) -> np.ndarray:
    """Even-odd rule, vectorised over the points; ``poly`` (m, 2)."""
    inside = np.zeros(x.shape, dtype=bool)
    for (xa, ya), (xb, yb) in zip(poly, np.roll(poly, -1, axis=0)):
        crosses = (ya > y) != (yb > y)
        with np.errstate(divide="ignore", invalid="ignore"):
            x_at = xa + (y - ya) * (xb - xa) / (yb - ya)
        inside ^= crosses & (x < x_at)
    return inside


def _maps(page):
    canvases = page.locator(".jp-OutputArea-output canvas")
    boxes = [canvases.nth(i).bounding_box() for i in range(canvases.count())]
    return sorted((b for b in boxes if b and b["width"] > 200 and b["height"] > 200), key=lambda b: b["x"])


def test_lasso_in_the_weak_map_selects_the_points_inside_the_drawn_polygon(tmp_path):
    from tests.widgets.conftest import make_points

    root = tmp_path / "lab"
    name = B.write_notebook(root)
    errors = []
    with jupyter_lab(root) as (base, token), B.webgl_page(width=1400, height=1000) as page:
        page.on("pageerror", lambda e: errors.append(str(e)))
        B.open_notebook(page, base, token, name)
        B.run_cell(page, CELL)
        boxes = B.wait_for(page, lambda: len(_maps(page)) >= 2 and _maps(page), timeout=240, what="both maps")
        B.wait_for(page, lambda: B.kernel_idle(page), timeout=240, what="the cell to finish")
        B.wait_for(page, lambda: B.painted(page.locator(".jp-OutputArea-output").first.screenshot(), min_share=0.02),
                   timeout=240, what="points to be drawn")
        weak = boxes[0]
        B.drag(page, B.polygon(weak, scale=0.3, centre=(0.5, 0.5)), step_ms=20)
        got = B.wait_for(page, lambda: (r := B.kernel_eval(page, RESULT))["selected"] > 0 and r["polygon"] and r,
                         timeout=120, what="the lasso's selection in the kernel")
        page.wait_for_timeout(1000)
        got = B.kernel_eval(page, RESULT)
    points = make_points(N, seed=5)  # the same seeded table as the kernel's, rebuilt here
    x, y = points["map_weak_x"].to_numpy(float), points["map_weak_y"].to_numpy(float)
    poly = np.asarray(got["polygon"], dtype=float)
    expected = np.flatnonzero(_inside(x, y, poly))
    rows = np.asarray(got["rows"], dtype=np.int64)
    print(f"lasso: {len(poly)} vertices; kernel selected {got['selected']:,}, inside the polygon "
          f"{len(expected):,}; strong map shows {got['strong']:,}; differing rows "
          f"{len(np.setxor1d(rows, expected)):,}")
    assert got["source"] == "weak"
    assert len(expected) > 1000 and N - len(expected) > 1000  # the lasso took in, and left out, real regions
    assert got["weak"] == got["selected"]  # the map's own lasso selection is the shared one
    assert got["strong"] == got["selected"]
    # points on the drawn line may fall either side in float32 (the map's precision): allow 0.1 %
    assert len(np.setxor1d(rows, expected)) <= max(3, len(expected) // 1000)
    assert not errors, errors
