"""The dynamics map in a real browser: a mouse click on one of its points selects that point
in the dynamics map and in both explorer maps (one shared Selection), and the kernel sees it."""

from __future__ import annotations

import time

import nbformat
import pytest

from .lab import chromium_page, jupyter_lab

pytestmark = pytest.mark.browser

N_POINTS = 300

SETUP = f"""
import numpy as np, pandas as pd, ipywidgets as W
from workbench.metrics import point_categories
from workbench.diagnostics import training_dynamics
from widgets import EmbeddingExplorer, Selection
from widgets.dynamics_view import DynamicsMap

rng = np.random.default_rng(0)
n = {N_POINTS}
gold = rng.integers(0, 2, n)
teacher = np.where(rng.random(n) < 0.75, gold, 1 - gold)
student = np.where(rng.random(n) < 0.85, gold, 1 - gold)
covered = np.ones(n, bool)
xy = rng.normal(size=(n, 4))
p0 = np.clip(rng.uniform(0, 1, n)[None, :] + rng.normal(0, 0.15, (6, n)), 0, 1)
points = pd.DataFrame({{
    "id": [f"ex{{i}}" for i in range(n)], "split": "student_train", "text": [f"text {{i}}" for i in range(n)],
    "gold": gold, "teacher_label": teacher, "teacher_conf": rng.uniform(0.5, 1, n), "covered": covered,
    "student_label": student, "student_conf": rng.uniform(0.5, 1, n), "weak_label": teacher,
    "ceiling_label": gold, "ceiling_conf": 0.9, "category": point_categories(gold, teacher, covered, student),
    "umap_weak_x": xy[:, 0], "umap_weak_y": xy[:, 1], "umap_strong_x": xy[:, 2], "umap_strong_y": xy[:, 3]}})
points = points.join(training_dynamics(np.stack([p0, 1 - p0], 2), teacher_labels=teacher, gold=gold))
sel = Selection(n_rows=n)
explorer = EmbeddingExplorer(points, selection=sel, label_names=("a", "b"))
dmap = DynamicsMap(points, selection=sel, label_names=("a", "b"))
label = W.Label("selected: none")
label.add_class("w2s-selected-rows")
sel.on_change(lambda rows, source: setattr(label, "value", f"selected: {{','.join(map(str, rows))}} from {{source}}"))
"""

# pixel position (page coordinates) of point i of the dynamics map's first trace
POINT_XY_JS = """(i) => {
    const gd = Array.from(document.querySelectorAll('.js-plotly-plot')).find(g => g.layout && g.layout.title
        && String(g.layout.title.text || g.layout.title).includes('training dynamics'));
    const fl = gd._fullLayout, r = gd.getBoundingClientRect(), t = gd.data[0];
    return [r.left + fl._size.l + fl.xaxis.l2p(t.x[i]), r.top + fl._size.t + fl.yaxis.l2p(t.y[i]), t.customdata[i]];
}"""

# row positions (customdata) highlighted in each map
SELECTED_JS = """() => Array.from(document.querySelectorAll('.js-plotly-plot')).filter(g => g.layout && g.layout.title)
    .map(g => [String(g.layout.title.text || g.layout.title).split(':')[0],
               (g.data[0].selectedpoints || []).map(j => g.data[0].customdata[j])])"""


SCROLL_TO_EMPTY_JS = """() => { Array.from(document.querySelectorAll('.js-plotly-plot'))
    .filter(g => !(g.data && g.data.length)).forEach(g => g.scrollIntoView()); return false; }"""


def _wait(page, predicate, *, timeout=60.0, what="condition"):
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        last = predicate()
        if last:
            return last
        page.wait_for_timeout(250)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}; last value {last!r}")


def _kernel_idle(page) -> bool:
    return page.evaluate("""() => {
        const w = window.jupyterapp && window.jupyterapp.shell.currentWidget;
        const k = w && w.sessionContext && w.sessionContext.session && w.sessionContext.session.kernel;
        return !!k && k.status === 'idle';
    }""")


def test_click_in_dynamics_map_selects_in_both_explorer_maps(tmp_path):
    root = tmp_path / "lab"
    root.mkdir()
    # one output per view (the explorer first, as in a notebook that adds the dynamics map to it)
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in (
        SETUP, "explorer.widget", "W.VBox([dmap.widget, label])")])
    nb.metadata["kernelspec"] = {"display_name": "Python 3", "language": "python", "name": "python3"}
    nbformat.write(nb, root / "dynamics.ipynb")
    with jupyter_lab(root) as (base, token), chromium_page() as page:
        console = []
        page.on("console", lambda m: m.type in ("error", "warning") and console.append(m.text[:300]))
        page.goto(f"{base}/lab/tree/dynamics.ipynb?token={token}")
        _wait(page, lambda: _kernel_idle(page), timeout=90, what="the kernel to start")
        page.evaluate("() => window.jupyterapp.commands.execute('notebook:run-all-cells')")
        label = page.locator(".w2s-selected-rows")
        try:
            label.wait_for(state="visible", timeout=120_000)
        except Exception:
            outputs = page.evaluate("() => Array.from(document.querySelectorAll('.jp-OutputArea'))"
                                    ".map(e => e.innerText).join('\\n')")
            raise AssertionError(f"the widgets did not render; cell output: {outputs[-2000:]!r}") from None
        try:
            # a plot that has not drawn yet is scrolled into view (as a user would look at it)
            _wait(page, lambda: page.evaluate(SCROLL_TO_EMPTY_JS) or len(page.evaluate(SELECTED_JS)) == 3,
                  timeout=120, what="three maps")
        except AssertionError:
            n_plots = page.evaluate("() => Array.from(document.querySelectorAll('.js-plotly-plot')).map(g => "
                                    "JSON.stringify([g.layout && g.layout.title, (g.data || []).length]))")
            page.screenshot(path=str(tmp_path / "maps.png"), full_page=True)
            raise AssertionError(f"maps with titles: {page.evaluate(SELECTED_JS)!r}; plotly plots: {n_plots}; "
                                 f"browser console: {console[-8:]!r}") from None
        page.locator(".js-plotly-plot").filter(has_text="training dynamics").first.scroll_into_view_if_needed()
        x, y, _ = page.evaluate(POINT_XY_JS, 11)
        page.mouse.move(x, y)
        page.wait_for_timeout(300)
        page.mouse.click(x, y)
        text = _wait(page, lambda: (t := label.inner_text()) != "selected: none" and t, timeout=30,
                     what="the kernel to see the click")
        rows, source = text.removeprefix("selected: ").split(" from ")
        assert source == "dynamics" and len(rows.split(",")) == 1, text   # one point, from this map
        row = int(rows)
        maps = _wait(page, lambda: (m := dict(page.evaluate(SELECTED_JS))) and all(v == [row] for v in m.values())
                     and m, timeout=30, what=f"row {row} highlighted in every map")
        assert set(maps) == {"training dynamics toward the teacher label", "weak space (UMAP)",
                             "strong space (UMAP)"}, maps
