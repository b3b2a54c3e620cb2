"""Layout checks of the Workbench in a real browser: screenshots plus bounding boxes.

Each check takes a screenshot (kept as a test artifact) and returns a list of faults in
plain words ("weak map is clipped: drawn 700 px in a 408 px box"), so one failing run
names everything that looks wrong at that width.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

ARTIFACTS = Path(__file__).parent / "artifacts"

_RECT = "r => ({left: r.left, right: r.right, top: r.top, bottom: r.bottom, width: r.width, height: r.height})"

EXPLORER_JS = """() => {
  const rect = """ + _RECT + """;
  const root = document.querySelector('.w2s-explorer');
  const maps = Array.from(root.querySelectorAll('.w2s-map .js-plotly-plot')).map(gd => ({
    box: rect(gd.parentElement.getBoundingClientRect()), plot: rect(gd.getBoundingClientRect()),
    width: gd._fullLayout.width, title: gd.querySelector('.gtitle') ? rect(gd.querySelector('.gtitle').getBoundingClientRect()) : null,
    text: gd._fullLayout.title.text}));
  const legend = Array.from(root.querySelectorAll('.w2s-legend-row')).map(e => rect(e.getBoundingClientRect()));
  const scroll = root.querySelector('.w2s-scroll');
  let table = null;
  if (scroll) {
    const s = scroll.getBoundingClientRect();
    const rows = Array.from(scroll.querySelectorAll('tr')).slice(1).map(e => e.getBoundingClientRect());
    table = {scrollWidth: scroll.scrollWidth, clientWidth: scroll.clientWidth, box: rect(s),
             visibleRows: rows.filter(r => r.top >= s.top - 1 && r.bottom <= s.bottom + 1 && r.bottom <= window.innerHeight).length,
             rows: rows.length, header: Array.from(scroll.querySelectorAll('th')).map(e => e.textContent.trim()),
             // label cells keep whole words; one wider than its column is cut (an ellipsis)
             clipped: Array.from(scroll.querySelectorAll('td.w2s-label')).filter(td => td.scrollWidth > td.clientWidth + 1)
                 .map(td => td.textContent.trim()).slice(0, 5)};
  }
  return {root: rect(root.getBoundingClientRect()), maps, legend, table};
}"""

MONITOR_JS = """() => {
  const rect = """ + _RECT + """;
  const root = document.querySelector('.w2s-monitor');
  const gd = root.querySelector('.js-plotly-plot');
  // what a reader sees: a legend's entries (not its padded background) and a title's text
  const union = (els) => { const rs = els.map(e => e.getBoundingClientRect()).filter(r => r.width && r.height);
      if (!rs.length) return null;
      const u = {left: Math.min(...rs.map(r => r.left)), right: Math.max(...rs.map(r => r.right)),
                 top: Math.min(...rs.map(r => r.top)), bottom: Math.max(...rs.map(r => r.bottom))};
      return {...u, width: u.right - u.left, height: u.bottom - u.top}; };
  const legends = Array.from(gd.querySelectorAll('g')).filter(g => /^legend\\d*$/.test(g.getAttribute('class') || ''))
      .map(g => ({name: g.getAttribute('class'), box: union(Array.from(g.querySelectorAll('.traces')))}))
      .filter(x => x.box);
  const titles = Array.from(gd.querySelectorAll('g.annotation')).map(g => ({name: g.textContent.slice(0, 40),
      box: union(Array.from(g.querySelectorAll('text')))})).filter(x => x.box);
  return {root: rect(root.getBoundingClientRect()), plot: rect(gd.getBoundingClientRect()), width: gd._fullLayout.width,
          legends, titles};
}"""


def artifact_dir() -> Path:
    """A fresh folder for this run's screenshots (``W2S_BROWSER_ARTIFACTS`` overrides the place)."""
    base = Path(os.environ.get("W2S_BROWSER_ARTIFACTS") or ARTIFACTS)
    out = base / time.strftime("%Y%m%d-%H%M%S")
    out.mkdir(parents=True, exist_ok=True)
    return out


def overlap(a, b, *, slack: float = 1.0) -> bool:
    """True when two rectangles share more than ``slack`` px in both directions."""
    return (min(a["right"], b["right"]) - max(a["left"], b["left"]) > slack
            and min(a["bottom"], b["bottom"]) - max(a["top"], b["top"]) > slack)


def open_file_browser(page) -> bool:
    """Open JupyterLab's file browser in the left sidebar (as a lecturer has it); True if open."""
    return page.evaluate("() => { const s = window.jupyterapp.shell; s.activateById('filebrowser');"
                         " return !s.leftCollapsed; }")


def _show(page, tab: str, width: int) -> None:
    page.set_viewport_size({"width": width, "height": 1000})
    if not open_file_browser(page):
        raise AssertionError("the file browser did not open in the left sidebar")
    page.locator(".lm-TabBar-tab", has_text=tab).first.click()
    page.wait_for_timeout(1500)  # the ResizeObserver's event, then plotly's relayout


def check_explorer(page, width: int, out: Path) -> list:
    """Maps side by side at full width and unclipped; legend rows apart; table readable."""
    _show(page, "Explore", width)
    page.locator(".w2s-explorer").first.scroll_into_view_if_needed()
    page.evaluate("() => { const p = document.querySelector('.w2s-explorer').closest('.jp-WindowedPanel-outer');"
                  " const e = document.querySelector('.w2s-explorer'); if (p) p.scrollTop += e.getBoundingClientRect().top - 90; }")
    page.wait_for_timeout(500)
    page.screenshot(path=str(out / f"explore_{width}_maps.png"))
    state = page.evaluate(EXPLORER_JS)
    faults, tag = [], f"[{width} px]"
    maps = state["maps"]
    if len(maps) != 2:
        return [f"{tag} expected two maps, found {len(maps)}"]
    a, b = maps
    if abs(a["plot"]["top"] - b["plot"]["top"]) > 2 or a["plot"]["right"] > b["plot"]["left"] + 1:
        faults.append(f"{tag} the maps do not sit side by side: {a['plot']} / {b['plot']}")
    for name, m in zip(("weak", "strong"), maps):
        if m["width"] > m["box"]["width"] + 2:
            faults.append(f"{tag} {name} map is clipped: drawn {m['width']} px in a {m['box']['width']:.0f} px box")
        if m["width"] < 0.4 * state["root"]["width"]:
            faults.append(f"{tag} {name} map is narrow: {m['width']} px of {state['root']['width']:.0f} px")
        if m["title"] and (m["title"]["left"] < m["plot"]["left"] - 1 or m["title"]["right"] > m["plot"]["right"] + 1):
            faults.append(f"{tag} {name} map title runs out of its plot: {m['title']} vs {m['plot']}")
    rows = state["legend"]
    for i in range(len(rows)):
        for j in range(i + 1, len(rows)):
            if rows[i]["width"] and rows[j]["width"] and overlap(rows[i], rows[j]):
                faults.append(f"{tag} legend rows {i} and {j} overlap")
    page.locator(".w2s-scroll").first.scroll_into_view_if_needed()
    page.wait_for_timeout(300)
    page.screenshot(path=str(out / f"explore_{width}_table.png"))
    table = page.evaluate(EXPLORER_JS)["table"]
    if table is None:
        faults.append(f"{tag} no selection table")
    else:
        if table["scrollWidth"] > table["clientWidth"] + 1:
            faults.append(f"{tag} the table scrolls sideways: {table['scrollWidth']} > {table['clientWidth']} px")
        if table["header"][:2] != ["text", "category"]:
            faults.append(f"{tag} the table does not start with text, category: {table['header']}")
        if table["visibleRows"] < min(10, table["rows"]):
            faults.append(f"{tag} only {table['visibleRows']} of {table['rows']} table rows are visible")
        if table["clipped"]:
            faults.append(f"{tag} table labels are cut off by their column: {table['clipped']}")
        if table["box"]["right"] > state["root"]["right"] + 1:
            faults.append(f"{tag} the table runs out of the explorer: {table['box']} vs {state['root']}")
    return faults


def check_monitor(page, width: int, out: Path) -> list:
    """Full-width training figure; legends and subplot titles never overlap each other."""
    _show(page, "Training", width)
    page.evaluate("() => { const e = document.querySelector('.w2s-monitor'); const p = e.closest('.jp-WindowedPanel-outer');"
                  " if (p) p.scrollTop += e.getBoundingClientRect().top - 90; }")
    page.wait_for_timeout(500)
    page.screenshot(path=str(out / f"training_{width}_top.png"))
    page.evaluate("() => { const p = document.querySelector('.w2s-monitor').closest('.jp-WindowedPanel-outer');"
                  " if (p) p.scrollTop += 700; }")
    page.wait_for_timeout(500)
    page.screenshot(path=str(out / f"training_{width}_bottom.png"))
    state = page.evaluate(MONITOR_JS)
    faults, tag = [], f"[{width} px]"
    if state["width"] < 0.9 * state["root"]["width"] or state["width"] > state["root"]["width"] + 2:
        faults.append(f"{tag} the training figure is {state['width']} px in a {state['root']['width']:.0f} px box")
    boxes = [(f"legend {x['name']}", x["box"]) for x in state["legends"]] + \
            [(f"title {x['name']!r}", x["box"]) for x in state["titles"]]
    if len(state["legends"]) < 5:
        faults.append(f"{tag} expected one legend per panel, found {len(state['legends'])}")
    for i in range(len(boxes)):
        for j in range(i + 1, len(boxes)):
            if overlap(boxes[i][1], boxes[j][1]):
                faults.append(f"{tag} {boxes[i][0]} overlaps {boxes[j][0]}")
    for name, box in boxes:
        if box["right"] > state["plot"]["right"] + 1 or box["left"] < state["plot"]["left"] - 1:
            faults.append(f"{tag} {name} runs out of the figure")
    return faults
