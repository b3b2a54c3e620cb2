"""Maps of many points in a real browser: plotly Scattergl vs jupyter-scatter, and the whole
EmbeddingExplorer (two linked jupyter-scatter maps, legend, panels) (issue 13).

``python -m benchmarks.bench_maps_browser --sizes 200000,1000000 [--repeats 3]`` starts one
JupyterLab and one headless Chromium (software WebGL), then for every repeat, size and
library (libraries alternate) rewrites the notebook's cell to display one map of n
synthetic points, or for ``explorer`` the ``EmbeddingExplorer`` of an n-row synthetic points
table (:mod:`benchmarks._bigmap_kernel`), and measures (in the explorer: its weak map):

* ``bytes/pt``: bytes the page received on its WebSockets from running the cell until the
  kernel is idle again and the map is drawn, divided by n (the first display: state,
  front-end module, binary buffers);
* ``build s``: the kernel's time to build the widget from the arrays;
* ``paint s``: from asking to run the cell to the first screenshot of the output with
  drawn points (screenshots are polled, so this is an upper bound by one screenshot);
* ``pan fps``: requestAnimationFrame callbacks per second during a scripted 2-s drag (pan);
* ``lasso s``: mouse release of a drawn lasso -> the kernel's selection observer ran
  (both ``time.time()`` on this machine), with the number of points selected;
* ``recolour s``: kernel sends a new colour map (same codes) -> the first screenshot that
  differs from the one before.

Results go to ``benchmarks/out/maps_browser.json`` and a Markdown table (medians) is printed.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import tempfile
import time
from pathlib import Path

from tests.browser import bigmap_lab as B
from tests.browser.lab import jupyter_lab

from ._common import OUT

REPO = str(Path(__file__).resolve().parents[1])
LIBRARIES = ("jscatter", "plotly", "explorer")
OUTPUT = ".jp-OutputArea-output"


def _load() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def _expr(page, code: str):
    return B.kernel_eval(page, code)


def _map_shot(page) -> bytes:
    """A screenshot of the (first, weak) map's canvas area only: the explorer's legend and
    panels change on a recolour too, and must not count as the map being drawn."""
    canvas = B.map_canvas(page)
    canvas.scroll_into_view_if_needed(timeout=60_000)
    return page.screenshot(clip=B.rect(page, canvas), timeout=60_000)


def measure(page, library: str, n: int) -> dict:
    """One display of one map and its interactions; returns the measured values."""
    row = {"library": library, "n": n, "load": _load()}
    b0, t0 = B.ws_bytes(page), time.time()
    B.run_cell(page, f"import sys; sys.path.insert(0, {REPO!r})\nfrom benchmarks import _bigmap_kernel as K\n"
                     f"K.build({library!r}, {n})")

    def drawn():
        if page.locator(f"{OUTPUT} canvas").count() == 0:
            return False
        return B.painted(_map_shot(page), min_share=0.02)

    B.wait_for(page, drawn, timeout=300, what=f"{library} to draw {n} points", every_ms=50)
    row["paint_s"] = time.time() - t0
    B.wait_for(page, lambda: B.kernel_idle(page), timeout=300, what="the kernel to be idle")
    page.wait_for_timeout(1000)
    row["bytes_per_point"] = (B.ws_bytes(page) - b0) / n
    row["build_s"] = _expr(page, "K.report()")["build_s"]
    box = B.rect(page, B.map_canvas(page))
    # pan: a 2-s drag across the middle of the map
    _expr(page, "K.set_mode('pan') or '0'")
    page.wait_for_timeout(500)
    cx, cy = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    path = [(cx - 150 + 300 * i / 60, cy - 60 + 120 * ((i % 20) / 20)) for i in range(61)]
    row["pan_fps"] = B.raf_fps(page, lambda: B.drag(page, path, step_ms=25))
    page.wait_for_timeout(1500)
    # lasso -> the kernel's selection
    _expr(page, "K.set_mode('lasso') or '0'")
    page.wait_for_timeout(500)
    t_up = B.drag(page, B.polygon(box), step_ms=20)
    report = B.wait_for(page, lambda: (r := _expr(page, "K.report()")).get("sel_t") and r, timeout=180,
                        what=f"{library}'s selection to reach the kernel", every_ms=50)
    row["lasso_s"], row["selected"] = report["sel_t"] - t_up, report["sel_n"]
    page.mouse.move(2, 2)
    page.wait_for_timeout(1500)
    # recolour: a new colour map, visible in the output
    before = _map_shot(page)
    sent = _expr(page, "__import__('json').dumps(K.recolor())")
    B.wait_for(page, lambda: _map_shot(page) != before, timeout=120, what="the recolour to show", every_ms=20)
    row["recolor_s"] = time.time() - sent
    return row


def _median_table(rows: list) -> str:
    keys = [("bytes_per_point", "bytes/pt", "{:.1f}"), ("build_s", "build s", "{:.2f}"),
            ("paint_s", "paint s", "{:.1f}"), ("pan_fps", "pan fps", "{:.1f}"), ("lasso_s", "lasso s", "{:.2f}"),
            ("recolor_s", "recolour s", "{:.2f}"), ("selected", "selected", "{:.0f}")]
    head = "| library | n | runs | " + " | ".join(k[1] for k in keys) + " | load (1/5/15 min) |\n"
    head += "|---" * (4 + len(keys)) + "|\n"
    lines = []
    for n in sorted({r["n"] for r in rows}):
        for lib in LIBRARIES:
            got = [r for r in rows if r["n"] == n and r["library"] == lib]
            ok = [r for r in got if "error" not in r]
            if not got:
                continue
            cells = []
            for key, _, fmt in keys:
                vals = [r[key] for r in ok if key in r]
                cells.append(fmt.format(statistics.median(vals)) if vals else "—")
            loads = "; ".join(r["load"] for r in got)
            lines.append(f"| {lib} | {n:,} | {len(ok)}/{len(got)} | " + " | ".join(cells) + f" | {loads} |\n")
    return head + "".join(lines)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="200000,1000000")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--libraries", default=",".join(LIBRARIES))
    args = ap.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",") if s]
    libraries = [s for s in args.libraries.split(",") if s]
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "lab"
        name = B.write_notebook(root)
        os.environ.setdefault("PYTHONPATH", REPO)
        with jupyter_lab(root) as (base, token), B.webgl_page(width=1100, height=900) as page:
            B.open_notebook(page, base, token, name)
            for rep in range(args.repeats):
                for n in sizes:
                    order = libraries if rep % 2 == 0 else libraries[::-1]
                    for lib in order:
                        try:
                            row = measure(page, lib, n)
                        except Exception as exc:  # noqa: BLE001 - one failed run is reported, the rest go on
                            row = {"library": lib, "n": n, "load": _load(), "error": f"{type(exc).__name__}: {exc}"[:300]}
                        row["repeat"] = rep
                        rows.append(row)
                        print(json.dumps(row), flush=True)
    OUT.mkdir(parents=True, exist_ok=True)
    stamp = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    (OUT / "maps_browser.json").write_text(json.dumps({"date": stamp, "rows": rows}, indent=1))
    print(f"\nmeasured {stamp}, medians of {args.repeats} repeats\n")
    print(_median_table(rows))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
