"""The classroom walkthrough in a real browser: notebooks 00, 01 and 03 one after another.

As a lecturer does it, in one JupyterLab with the file browser open: open 00, run it, press
Run in the Workbench, box-select in the strong map and read the table; then open 01 and 03
from the file browser (no page reload, 00 stays open) and run them. Every notebook must run
without stderr (a pink box) and the browser console must stay free of errors; the Explore
tab of 00 passes the same layout checks as the synthetic Workbench test, here with the real
tweets, labels and model names, at 1280 and 1920 px. Screenshots of every cell stay under
``tests/browser/artifacts/``.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from . import layout_checks as L
from .lab import chromium_page, jupyter_lab, kernel_idle, wait_for

pytestmark = [pytest.mark.browser, pytest.mark.slow]

NOTEBOOKS = Path(__file__).resolve().parents[2] / "notebooks"
WALK = ("00_workbench", "01_quickstart", "03_coverage_expansion")
CURRENT = ".jp-NotebookPanel:not(.lm-mod-hidden) .jp-Notebook"
STDERR_JS = """() => Array.from(document.querySelectorAll(
    '.jp-NotebookPanel:not(.lm-mod-hidden) .jp-RenderedText[data-mime-type="application/vnd.jupyter.stderr"]'))
    .map(e => e.textContent.slice(0, 300))"""


# The notebook in front is ``path``, loaded, with its kernel started and idle.
READY_JS = """(path) => { const w = window.jupyterapp && window.jupyterapp.shell.currentWidget;
    const k = w && w.sessionContext && w.sessionContext.session && w.sessionContext.session.kernel;
    return !!w && !!w.context && w.context.path === path && w.context.isReady && w.sessionContext.isReady
        && !!k && k.status === 'idle'; }"""
# Code cells of the notebook in front that have not run yet (no execution count).
UNRUN_JS = """() => { const w = window.jupyterapp && window.jupyterapp.shell.currentWidget;
    return w && w.content && w.content.widgets ?
        w.content.widgets.filter(c => c.model.type === 'code' && !c.model.executionCount).length : -1; }"""


def _open(page, base, token, name, first):
    if first:
        page.goto(f"{base}/lab/tree/{name}.ipynb?token={token}")
    else:  # from the file browser: the page is not reloaded and the earlier notebooks stay open
        page.evaluate(f"() => {{ window.jupyterapp.commands.execute('docmanager:open', {{path: '{name}.ipynb'}});"
                      " return null; }")
    wait_for(page, lambda: page.evaluate(READY_JS, f"{name}.ipynb"), timeout=180,
             what=f"{name} in front with its kernel idle")


def _run_all(page, name):
    page.evaluate("() => window.jupyterapp.commands.execute('notebook:run-all-cells')")
    wait_for(page, lambda: page.evaluate(UNRUN_JS) == 0 and kernel_idle(page), timeout=1800,
             what=f"every code cell of {name} to run", every_ms=1000)


def _shoot_cells(page, name, artifacts):
    for width in (1280, 1920):
        page.set_viewport_size({"width": width, "height": 1000})
        page.wait_for_timeout(1000)
        cells = page.locator(CURRENT + " .jp-Cell")
        for i in range(cells.count()):
            cells.nth(i).scroll_into_view_if_needed()
            cells.nth(i).screenshot(path=str(artifacts / f"{name}_{width}_cell{i:02d}.png"))


def _box_select(page):
    drag = page.locator(CURRENT + " .w2s-map .js-plotly-plot").filter(has_text="strong space").locator(".nsewdrag")
    drag.first.scroll_into_view_if_needed()
    box = drag.first.bounding_box()
    page.mouse.move(box["x"] + box["width"] * 0.03, box["y"] + box["height"] * 0.03)
    page.mouse.down()
    page.mouse.move(box["x"] + box["width"] * 0.97, box["y"] + box["height"] * 0.97, steps=15)
    page.mouse.up()
    explorer = page.locator(CURRENT + " .w2s-explorer").first

    def selected():  # the explorer's line under the legend: "529 selected · teacher acc ..."
        found = re.search(r"([\d,]+) selected ·", explorer.inner_text())
        return int(found.group(1).replace(",", "")) if found else 0

    return wait_for(page, lambda: selected() > 10 and selected(), timeout=60,
                    what="a selection of more than 10 points in the kernel")


def test_lecturer_walkthrough_of_notebooks_00_01_03(tmp_path, notebook_cache, monkeypatch):
    monkeypatch.setenv("W2S_SMALL", "1")
    monkeypatch.setenv("W2S_CACHE_DIR", notebook_cache)
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    root = tmp_path / "lab"
    root.mkdir()
    for name in WALK:
        shutil.copy(NOTEBOOKS / f"{name}.ipynb", root)
    artifacts = L.artifact_dir()
    print(f"walkthrough screenshots: {artifacts}")
    console, faults = [], []
    with jupyter_lab(root) as (base, token), chromium_page() as page:
        page.set_viewport_size({"width": 1280, "height": 1000})
        page.on("console", lambda m: console.append(m.text[:300]) if m.type == "error" else None)
        page.on("pageerror", lambda e: console.append(str(e)[:300]))
        for i, name in enumerate(WALK):
            _open(page, base, token, name, first=i == 0)
            _run_all(page, name)
            if name == "00_workbench":
                page.locator(CURRENT + " button.jupyter-button", has_text="Run").first.click()
                wait_for(page, lambda: page.locator(CURRENT + " .w2s-explorer .js-plotly-plot").count() == 2,
                         timeout=1800, what="the Workbench's two maps", every_ms=1000)
                page.locator(CURRENT + " .lm-TabBar-tab", has_text="Explore").first.click()
                page.wait_for_timeout(1500)
                _box_select(page)
                for width in (1280, 1920):
                    faults += L.check_explorer(page, width, artifacts)
                    faults += L.check_monitor(page, width, artifacts)
            stderr = page.evaluate(STDERR_JS)
            assert not stderr, f"{name} printed to stderr: {stderr}"
            _shoot_cells(page, name, artifacts)
            page.set_viewport_size({"width": 1280, "height": 1000})
        assert page.locator(CURRENT + " .w2s-explorer").count() == 1, "notebook 03 shows the maps with its uncovered points"
    assert not faults, "\n".join(faults) + f"\n(screenshots in {artifacts})"
    assert not console, console
