"""The Workbench's Dynamics tab in a real browser (JupyterLab + headless Chromium): a mouse
click on a point of the dynamics map reaches the kernel as a selection from the dynamics map,
and the same point is then highlighted in the dynamics map and in both maps of the Explore
tab (one shared Selection), and listed in the explorer's table.

Every step waits for a condition (the kernel idle, a plot drawn with its points, a hover
label under the mouse, the kernel's echo of the selection), never for a fixed time; the
click is repeated (it selects the same point) if the kernel has not seen it, because under
load plotly.js may not yet have the hover data the click needs.
"""

from __future__ import annotations

import re

import nbformat
import pytest

from .lab import chromium_page, jupyter_lab
from .lab import kernel_idle as _kernel_idle
from .lab import wait_for as _wait

pytestmark = pytest.mark.browser

SETUP = """
import ipywidgets as W
from workbench import EncoderPair, Experiment, load_dataset
from widgets import Workbench

ds = load_dataset("synthetic", n=400, n_classes=2, seed=0)
exp = Experiment(ds, EncoderPair(weak=ds.features["weak"], strong=ds.features["strong"]), n_gold=40, seed=0,
                 student={"epochs": 8})
result = exp.run(projection="pca", progress=False)
"""

SHOW = """
wb = Workbench(exp, min_interval=0)
label = W.Label("selected: none")
label.add_class("w2s-selected-rows")
wb.selection.on_change(lambda rows, source: setattr(label, "value", "selected: " + ",".join(map(str, rows))
                       + " from " + source + " ids " + ",".join(wb.result_.points["id"].iloc[rows])))
W.VBox([wb.widget, label])
"""

FIND_PLOT_JS = """(part) => Array.from(document.querySelectorAll('.js-plotly-plot')).find(g => g.layout && g.layout.title
    && String(g.layout.title.text || g.layout.title).includes(part))"""

# the dynamics map is drawn, visible and has its points: [n points, width, height]
DYNAMICS_READY_JS = f"""() => {{
    const gd = ({FIND_PLOT_JS})('training dynamics');
    if (!gd || !gd._fullLayout || !gd.data || !gd.data[0].x) return null;
    const r = gd.getBoundingClientRect();
    return r.width > 100 && r.height > 100 ? [gd.data[0].x.length, r.width, r.height] : null;
}}"""

# the most isolated point away from the region labels: [x, y (viewport px), row (customdata)]
ISOLATED_POINT_JS = f"""() => {{
    const gd = ({FIND_PLOT_JS})('training dynamics');
    const fl = gd._fullLayout, r = gd.getBoundingClientRect(), t = gd.data[0];
    const px = [];
    for (let i = 0; i < t.x.length; i++) {{
        if (t.y[i] < 0.12 || t.y[i] > 0.9) continue;   // the region labels sit at the top and the bottom
        px.push([r.left + fl._size.l + fl.xaxis.l2p(t.x[i]), r.top + fl._size.t + fl.yaxis.l2p(t.y[i]), t.customdata[i]]);
    }}
    let best = null, bestGap = -1;
    for (const p of px) {{
        let gap = Infinity;
        for (const q of px) if (q !== p) gap = Math.min(gap, Math.hypot(p[0] - q[0], p[1] - q[1]));
        if (gap > bestGap) {{ bestGap = gap; best = p; }}
    }}
    return best && [best[0], best[1], best[2], bestGap];
}}"""

HOVER_JS = f"""() => {{ const gd = ({FIND_PLOT_JS})('training dynamics');
    return !!gd && gd.querySelectorAll('.hoverlayer .hovertext').length > 0; }}"""

# rows (customdata) highlighted in the main trace of each titled map: {title prefix: [rows]}
SELECTED_JS = """() => Object.fromEntries(Array.from(document.querySelectorAll('.js-plotly-plot'))
    .filter(g => g.layout && g.layout.title && g.data && g.data.length)
    .map(g => [String(g.layout.title.text || g.layout.title).split(':')[0].split(' (')[0],
               (g.data[0].selectedpoints || []).map(j => g.data[0].customdata[j])]))"""


def _tab(page, name):
    """Open one of the Workbench's tabs (not JupyterLab's own tab bars: the notebook's tab is a tab too)."""
    tab = page.locator(".lm-TabBar-tab", has_text=name).first  # the notebook is w2s_tabs.ipynb: no clash
    tab.scroll_into_view_if_needed()
    tab.click()
    _wait(page, lambda: page.locator(".lm-TabBar-tab.lm-mod-current", has_text=name).count() > 0,
          timeout=30, what=f"the {name} tab to open")


def _click_until_selected(page, label, *, attempts=5):
    """Click the most isolated dynamics point until the kernel echoes a selection; returns (text, row, x, y)."""
    for attempt in range(attempts):
        page.locator(".js-plotly-plot", has_text="training dynamics").first.scroll_into_view_if_needed()
        x, y, row, gap = page.evaluate(ISOLATED_POINT_JS)
        assert gap > 6, f"no isolated point to click (nearest neighbour {gap:.1f} px away)"
        page.mouse.move(x - 3, y - 3)
        page.mouse.move(x, y)
        try:
            _wait(page, lambda: page.evaluate(HOVER_JS), timeout=15, what="the hover label under the mouse")
        except AssertionError:
            continue  # plotly.js has not computed the hover yet: move again
        page.mouse.click(x, y)
        try:
            text = _wait(page, lambda: (t := label.inner_text()) != "selected: none" and t, timeout=30,
                         what="the kernel to echo the click")
        except AssertionError:
            continue
        return text, row, attempt + 1
    raise AssertionError(f"the kernel never saw a click on the dynamics map in {attempts} attempts")


def test_a_click_in_the_dynamics_map_selects_the_point_in_both_explorer_maps(tmp_path):
    root = tmp_path / "lab"
    root.mkdir()
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(SETUP), nbformat.v4.new_code_cell(SHOW)])
    nb.metadata["kernelspec"] = {"display_name": "Python 3", "language": "python", "name": "python3"}
    nbformat.write(nb, root / "w2s_tabs.ipynb")
    with jupyter_lab(root) as (base, token), chromium_page() as page:
        page_errors = []
        page.on("pageerror", lambda e: page_errors.append(str(e)))
        page.goto(f"{base}/lab/tree/w2s_tabs.ipynb?token={token}")
        _wait(page, lambda: _kernel_idle(page), timeout=120, what="the kernel to start")
        page.evaluate("() => window.jupyterapp.commands.execute('notebook:run-all-cells')")
        label = page.locator(".w2s-selected-rows")
        try:
            label.wait_for(state="visible", timeout=240_000)
        except Exception:
            outputs = page.evaluate("() => Array.from(document.querySelectorAll('.jp-OutputArea'))"
                                    ".map(e => e.innerText).join('\\n')")
            raise AssertionError(f"the Workbench did not render; cell output: {outputs[-2000:]!r}") from None
        _wait(page, lambda: _kernel_idle(page), timeout=240, what="the cells to finish")
        # the Explore tab opens first with both maps drawn
        _wait(page, lambda: {"weak space", "strong space"} <= set(page.evaluate(SELECTED_JS)), timeout=180,
              what="both explorer maps")
        _tab(page, "Dynamics")
        n, _, _ = _wait(page, lambda: page.evaluate(DYNAMICS_READY_JS), timeout=120, what="the dynamics map")
        assert n > 20

        text, clicked, attempts = _click_until_selected(page, label)
        print(f"the kernel saw the click after {attempts} attempt(s): {text}")
        m = re.fullmatch(r"selected: (\d+) from (\w+) ids (\S+)", text.strip())
        assert m, text
        row, source, point_id = int(m.group(1)), m.group(2), m.group(3)
        assert source == "dynamics" and row == clicked, (text, clicked)
        _wait(page, lambda: page.evaluate(SELECTED_JS).get("training dynamics toward the teacher label") == [row],
              timeout=30, what=f"row {row} highlighted in the dynamics map")

        _tab(page, "Explore")
        maps = _wait(page, lambda: (m := page.evaluate(SELECTED_JS)) and m.get("weak space") == [row]
                     and m.get("strong space") == [row] and m, timeout=60,
                     what=f"row {row} highlighted in both explorer maps")
        assert maps["training dynamics toward the teacher label"] == [row], maps
        _wait(page, lambda: point_id in page.locator(".w2s-explorer").first.inner_text(), timeout=30,
              what=f"{point_id} in the explorer's selection table")
        assert page_errors == [], page_errors
