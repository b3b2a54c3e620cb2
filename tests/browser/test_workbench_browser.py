"""The Workbench in a real browser: JupyterLab + headless Chromium (Playwright).

Runs a notebook that opens ``Workbench(experiment)`` on small synthetic data whose texts
contain HTML/script injections, clicks Run, and checks in the DOM that the monitor's
curves fill, both maps render every test point, the colour mode changes the shared
legend, a legend tick hides a group, a box selection made with the mouse reaches the
kernel, and no injected script runs. Then it looks at the layout as a lecturer would, at
1280 and 1920 px with the file browser open: screenshots (kept under
``tests/browser/artifacts/``, printed) and element bounding boxes (maps side by side at
full width, no overlapping legends or titles, no horizontal scroll in the table, at least
10 table rows visible). The browser console must stay free of errors, and rerunning the
cell must leave no "No such comm" in the server log.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from . import layout_checks as L
from .lab import chromium_page, copy_notebook, jupyter_lab
from .lab import kernel_idle as _kernel_idle
from .lab import wait_for as _wait

pytestmark = pytest.mark.browser

NOTEBOOK = Path(__file__).parent / "notebooks" / "workbench_synthetic.ipynb"
N_POINTS = 400
N_EPOCHS = 12

PLOTS_JS = """() => Array.from(document.querySelectorAll('.js-plotly-plot')).map(gd => ({
    title: (gd.layout && gd.layout.title && (gd.layout.title.text || gd.layout.title)) || '',
    traces: (gd.data || []).map(t => ({name: t.name || '', n: t.x ? t.x.length : 0})),
    legend: Array.from(gd.querySelectorAll('.legendtext')).map(e => e.textContent)}))"""


MAP_JS = """(space) => Array.from(document.querySelectorAll('.w2s-map .js-plotly-plot'))
    .find(g => g._fullLayout && String(g._fullLayout.title.text).startsWith(space + ' space'))"""

# The points of a map's "points" trace inside a rectangle of screen pixels, counted here from the
# mouse positions and the axes' pixel-to-data conversion: independent of plotly's selection
# geometry (layout.selections) and of the kernel's point-in-box code.
IN_PIXEL_BOX_JS = """([space, a, b]) => {
    const gd = (""" + MAP_JS + """)(space);
    const r = gd.getBoundingClientRect(), xa = gd._fullLayout.xaxis, ya = gd._fullLayout.yaxis;
    const xs = [a[0], b[0]].map(px => xa.p2d(px - r.left - xa._offset)).sort((u, v) => u - v);
    const ys = [a[1], b[1]].map(py => ya.p2d(py - r.top - ya._offset)).sort((u, v) => u - v);
    const t = gd.data[0];
    let n = 0;
    for (let i = 0; i < t.x.length; i++) if (t.x[i] >= xs[0] && t.x[i] <= xs[1] && t.y[i] >= ys[0] && t.y[i] <= ys[1]) n++;
    return n;
}"""

# How many points each map shows as selected (the kernel restyles ``selectedpoints`` of both).
SHOWN_SELECTED_JS = """() => ['weak', 'strong'].map(space => {
    const gd = (""" + MAP_JS + """)(space);
    const s = gd && gd.data[0].selectedpoints;
    return s ? s.length : 0;
})"""

BOXES_JS = """() => Array.from(document.querySelectorAll('.w2s-map .js-plotly-plot'))
    .map(g => [String(g._fullLayout.title.text), JSON.stringify(g.layout.selections || [])])"""


def _drag_box(page, space, start, end):
    """Draw a box with the mouse in one map, from and to fractions of its plot area; then hover
    two points near the end. Returns the start and end in screen pixels."""
    drag = page.locator(".w2s-map .js-plotly-plot").filter(has_text=f"{space} space").locator(".nsewdrag").first
    drag.scroll_into_view_if_needed()
    box = drag.bounding_box()
    a = (box["x"] + box["width"] * start[0], box["y"] + box["height"] * start[1])
    b = (box["x"] + box["width"] * end[0], box["y"] + box["height"] * end[1])
    page.mouse.move(*a)
    page.mouse.down()
    page.mouse.move(*b, steps=15)
    page.mouse.up()
    page.mouse.move(b[0] - 2, b[1] - 2)
    page.mouse.move(b[0] - 4, b[1] - 1)
    return a, b


def _plots(page):
    return page.evaluate(PLOTS_JS)


def _title(plot) -> str:
    return str(plot["title"])


def test_workbench_runs_renders_recolours_and_selects_in_jupyterlab(tmp_path):
    name = copy_notebook(NOTEBOOK, tmp_path / "lab")
    dialogs, console_errors = [], []
    artifacts = L.artifact_dir()
    print(f"browser screenshots: {artifacts}")
    with jupyter_lab(tmp_path / "lab") as (base, token), chromium_page() as page:
        page.set_viewport_size({"width": 1280, "height": 1000})
        page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
        page.on("console", lambda m: console_errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: console_errors.append(str(e)))
        page.goto(f"{base}/lab/tree/{name}?token={token}")
        _wait(page, lambda: _kernel_idle(page), timeout=90, what="the kernel to start")
        page.evaluate("() => window.jupyterapp.commands.execute('notebook:run-all-cells')")
        run_button = page.locator("button.jupyter-button", has_text="Run").first
        run_button.wait_for(state="visible", timeout=60_000)
        _wait(page, lambda: _kernel_idle(page), timeout=90, what="the cells to finish")

        # before Run: the monitor's accuracy figure exists but has no student points
        def student_points():
            for plot in _plots(page):
                for t in plot["traces"]:
                    if t["name"] == "student":
                        return t["n"]
            return None

        run_button.click()
        _wait(page, lambda: student_points() == N_EPOCHS, timeout=300, what="the monitor's student curve")

        # after the run the explorer shows both maps with every point of the test split
        def maps():
            return [p for p in _plots(page) if re.search(r"(weak|strong) space", _title(p))]

        try:
            found = _wait(page, lambda: len(maps()) == 2 and maps(), timeout=240, what="both embedding maps")
        except AssertionError:
            for tab in ("Setup", "Training", "Explore"):
                page.locator(".lm-TabBar-tab", has_text=tab).first.click()
                page.wait_for_timeout(500)
                page.screenshot(path=str(artifacts / f"no_maps_{tab}.png"))
            raise
        summary = page.locator(".w2s-summary").first.inner_text()
        n_test = int(re.search(r"test split: ([\d,]+) of ([\d,]+) points", summary).group(1).replace(",", ""))
        assert 0 < n_test < N_POINTS, summary
        for plot in found:
            drawn = sum(t["n"] for t in plot["traces"] if t["name"] == "points")
            assert drawn == n_test and f"{n_test} test points" in _title(plot), plot

        def legend_text():
            return " | ".join(page.locator(".w2s-legend-row").all_inner_texts())

        assert "corrected" in legend_text() and "teacher labelled it wrong but the student is right" in legend_text()

        # a legend tick hides that group in both maps, and shows it again
        page.locator(".w2s-explorer .widget-checkbox input").first.click()
        _wait(page, lambda: all(sum(t["n"] for t in p["traces"] if t["name"] == "points") < n_test for p in maps()),
              timeout=30, what="the unticked group to disappear from both maps")
        page.locator(".w2s-explorer .widget-checkbox input").first.click()
        _wait(page, lambda: all(sum(t["n"] for t in p["traces"] if t["name"] == "points") == n_test for p in maps()),
              timeout=30, what="the group to come back")

        # colour mode: the shared legend follows
        before = legend_text()
        page.locator(".widget-dropdown", has_text="colour by").locator("select").select_option("gold")
        _wait(page, lambda: legend_text() != before and "class a" in legend_text(),
              timeout=30, what="the legend to show gold labels")
        page.locator(".widget-dropdown", has_text="colour by").locator("select").select_option("category")

        # injected HTML in texts never runs
        page.wait_for_timeout(500)
        assert dialogs == []
        assert page.evaluate("() => window.__xss === undefined")
        assert page.evaluate("() => Array.from(document.querySelectorAll('script'))"
                             ".every(s => !s.textContent.includes('__xss'))")
        assert page.evaluate("() => document.querySelectorAll('img[onerror]').length") == 0

        # boxes drawn with the mouse in the strong map, each ending inside the point cloud with the
        # mouse hovering points right after the mouse-up (a hover can overwrite plotly's selection
        # event in transit): the kernel's count matches the points inside the drawn box, counted
        # here from the mouse positions, and both maps show the selection
        label = page.locator(".w2s-selected-count")
        counts = []
        # each box starts outside the previous one (a drag that starts on a box edits that box)
        for start, end in (((0.03, 0.03), (0.55, 0.5)), ((0.97, 0.97), (0.7, 0.65)), ((0.03, 0.97), (0.45, 0.6))):
            a, b = _drag_box(page, "strong", start, end)
            inside = page.evaluate(IN_PIXEL_BOX_JS, ["strong", a, b])
            # plotly tests by pixels and the kernel by data coordinates: a point on the edge may differ
            try:
                shown = _wait(page, lambda inside=inside: (n := int(label.inner_text().split(":")[1])) > 0
                              and abs(n - inside) <= 1 and [n], timeout=30,
                              what=f"the kernel's count to match the {inside} points inside the box")[0]
                _wait(page, lambda shown=shown: page.evaluate(SHOWN_SELECTED_JS) == [shown, shown], timeout=30,
                      what=f"both maps to show the {shown} selected points")
            except AssertionError as exc:
                raise AssertionError(f"{exc}; the kernel shows {label.inner_text()!r}, the maps' boxes are "
                                     f"{page.evaluate(BOXES_JS)}, selected shown {page.evaluate(SHOWN_SELECTED_JS)}") from None
            counts.append(shown)
        assert len(set(counts)) == 3, counts  # three different boxes, three different selections
        rows = page.locator(".w2s-explorer .w2s-scroll tr")
        _wait(page, lambda: rows.count() - 1 == counts[-1], timeout=30, what=f"{counts[-1]} rows in the table")

        # the layout, as a lecturer sees it, at two screen widths with the file browser open
        faults = []
        for width in (1280, 1920):
            faults += L.check_explorer(page, width, artifacts)
            faults += L.check_monitor(page, width, artifacts)
        assert not faults, "\n".join(faults) + f"\n(screenshots in {artifacts})"
        assert not console_errors, console_errors

        # rerunning the cell closes the old Workbench's comms: nothing stale talks to the kernel
        page.evaluate("() => window.jupyterapp.commands.execute('notebook:run-all-cells')")
        page.wait_for_timeout(1000)
        _wait(page, lambda: _kernel_idle(page), timeout=120, what="the rerun to finish")
        page.wait_for_timeout(2000)
        assert "No such comm" not in (tmp_path / "lab" / "jupyter.log").read_text()
        assert not console_errors, console_errors
