"""Explorer responsiveness: recolour and selection at 10k, 50k and 200k points.

Kernel-side update time (``time.perf_counter`` around the update, including the
table/count panels) and the bytes the kernel sends to the browser (every comm message
of every widget: JSON text plus binary buffers), for

* ours: :class:`widgets.EmbeddingExplorer` (one ``Scattergl`` per map; a recolour is a
  ``batch_update`` restyle of a uint8 colour-code array, a selection a restyle of an
  int32 ``selectedpoints`` array), and
* naive peer, same process: rebuild both maps from scratch as new ``FigureWidget`` s
  (``figures.scatter_embedding(groups="traces")``: one trace per colour group), i.e.
  re-send plotly.js (the anywidget ``_esm``, ~5 MB per widget), coordinates and hover
  text on every change;
* trace-per-group peer, same process: one long-lived ``FigureWidget`` per map with one
  trace per colour group; a recolour must move points between traces, so it replaces the
  traces (coordinates and hover text re-sent), a selection restyles ``selectedpoints``
  of every group trace in one ``batch_update``.

    python -m benchmarks.bench_widgets [--sizes 10000,50000,200000] [--repeats 3]
"""

from __future__ import annotations

import argparse
import json
import statistics
import time

import numpy as np
import pandas as pd

from ._common import machine, write_json

_MODES = ("gold", "teacher", "student", "covered", "category")


def make_points(n: int, *, k: int = 2, seed: int = 0) -> pd.DataFrame:
    """A synthetic per-point table with the contract columns (tweet-length texts)."""
    rng = np.random.default_rng(seed)
    gold = rng.integers(0, k, n)
    covered = rng.random(n) < 0.8
    teacher = np.where(rng.random(n) < 0.75, gold, 1 - gold)
    student = np.where(rng.random(n) < 0.85, gold, 1 - gold)
    t_label = np.where(covered, teacher, -1)
    t_ok, s_ok = teacher == gold, student == gold
    cat = np.where(t_ok, np.where(s_ok, "both_right", "corrupted"), np.where(s_ok, "corrected", "copied"))
    cat = np.where(covered, cat, np.where(s_ok, "uncovered_right", "uncovered_wrong")).astype(object)
    words = np.array("the movie was great awful fine really not so bad good love hate day night".split())
    texts = [" ".join(words[rng.integers(0, len(words), 18)]) for _ in range(n)]
    xy = rng.normal(size=(n, 4)) + gold[:, None] * 3
    return pd.DataFrame({
        "id": [f"ex{i}" for i in range(n)], "split": "test", "text": texts, "gold": gold,
        "teacher_label": t_label, "teacher_conf": rng.uniform(.5, 1, n), "covered": covered,
        "student_label": student, "student_conf": rng.uniform(.5, 1, n), "weak_label": teacher,
        "ceiling_label": gold, "ceiling_conf": rng.uniform(.5, 1, n), "category": cat,
        "map_weak_x": xy[:, 0], "map_weak_y": xy[:, 1], "map_strong_x": xy[:, 2], "map_strong_y": xy[:, 3],
    })


class Wire:
    """Counts the bytes every widget sends (patches ``Widget._send``)."""

    def __init__(self):
        import ipywidgets
        from plotly.basewidget import BaseFigureWidget

        self.bytes = self.figure_bytes = 0
        self._cls, self._orig = ipywidgets.Widget, ipywidgets.Widget._send
        wire = self

        def send(widget, msg, buffers=None):
            size = len(json.dumps(msg, default=str)) + sum(memoryview(b).nbytes for b in buffers or [])
            wire.bytes += size
            if isinstance(widget, BaseFigureWidget):
                wire.figure_bytes += size

        self._cls._send = send

    def close(self):
        self._cls._send = self._orig


def state_bytes(widget) -> int:
    """Bytes of the state a new widget sends when it is displayed (comm open)."""
    from ipywidgets.widgets.widget import _remove_buffers

    state, _, buffers = _remove_buffers(widget.get_state())
    return len(json.dumps(state, default=str)) + sum(memoryview(b).nbytes for b in buffers)


def timed(fn, wire, repeats):
    """Median seconds, bytes sent, and bytes sent by figure widgets, over ``repeats`` calls."""
    times, sizes, figure_sizes = [], [], []
    for i in range(repeats):
        wire.bytes = wire.figure_bytes = 0
        t0 = time.perf_counter()
        extra = fn(i) or 0
        times.append(time.perf_counter() - t0)
        sizes.append(wire.bytes + extra)
        figure_sizes.append(wire.figure_bytes + extra)
    return statistics.median(times), int(statistics.median(sizes)), int(statistics.median(figure_sizes))


def bench_size(n: int, *, repeats: int = 3, seed: int = 0) -> list:
    import plotly.graph_objects as go

    from widgets import EmbeddingExplorer
    from widgets import figures as F

    points = make_points(n, seed=seed)
    rng = np.random.default_rng(seed)
    picks = [np.sort(rng.choice(n, size=max(n // 20, 1), replace=False)) for _ in range(repeats)]
    t0 = time.perf_counter()
    ex = EmbeddingExplorer(points, label_names=("negative", "positive"))
    build_s = time.perf_counter() - t0
    initial = sum(state_bytes(f) for f in ex.figures.values())
    hover = F.hover_text(points, label_names=("negative", "positive"))

    def naive(color_by, selected=None):
        size = 0
        for space in ("weak", "strong"):
            fig = F.scatter_embedding(points, space=space, color_by=color_by, selected=selected,
                                      label_names=("negative", "positive"), hover=hover)
            size += state_bytes(go.FigureWidget(fig))
        return size

    groups = {s: go.FigureWidget(F.scatter_embedding(points, space=s, label_names=("negative", "positive"),
                                                      hover=hover)) for s in ("weak", "strong")}

    def group_recolor(color_by):
        for space, fw in groups.items():
            fig = F.scatter_embedding(points, space=space, color_by=color_by, hover=hover,
                                      label_names=("negative", "positive"))
            fw.data = ()
            fw.add_traces(list(fig.data))

    def group_select(rows):
        for fw in groups.values():
            with fw.batch_update():
                for trace in fw.data:
                    trace.selectedpoints = np.flatnonzero(np.isin(trace.customdata, rows)).astype(np.int32)

    wire = Wire()
    try:
        modes = [_MODES[i % len(_MODES)] for i in range(repeats)]
        results = {
            "recolour": [timed(lambda i: ex.recolor(modes[i]), wire, repeats),
                         timed(lambda i: naive(modes[i]), wire, repeats),
                         timed(lambda i: group_recolor(modes[i]), wire, repeats)],
            "select 5%": [timed(lambda i: ex.select(picks[i]), wire, repeats),
                          timed(lambda i: naive("category", picks[i]), wire, repeats),
                          timed(lambda i: group_select(picks[i]), wire, repeats)],
        }
    finally:
        wire.close()
    rows = []
    for action, (ours, peer, group) in results.items():
        rows.append({
            "n_points": n, "action": action, "ours_ms": ours[0] * 1e3, "ours_bytes": ours[1],
            "ours_figure_bytes": ours[2],
            "naive_rebuild_ms": peer[0] * 1e3, "naive_rebuild_bytes": peer[1],
            "trace_per_group_ms": group[0] * 1e3, "trace_per_group_bytes": group[1],
            "time_ratio_naive_over_ours": peer[0] / ours[0], "bytes_ratio_naive_over_ours": peer[1] / max(ours[1], 1),
            "time_ratio_group_over_ours": group[0] / ours[0],
            "bytes_ratio_group_over_ours": group[1] / max(ours[1], 1),
            "explorer_build_s": build_s, "initial_display_bytes": initial,
        })
    return rows


def markdown(rows) -> str:
    """The results as a Markdown table (times in ms, sizes in KB, ratios = peer / ours)."""
    head = ("| points | action | ours ms | ours KB (maps only) | naive rebuild ms | KB | ratio t / bytes "
            "| trace-per-group ms | KB | ratio t / bytes |\n|---:|---|---:|---:|---:|---:|---|---:|---:|---|\n")
    return head + "".join(
        f"| {r['n_points']:,} | {r['action']} | {r['ours_ms']:.1f} | {r['ours_bytes'] / 1e3:,.1f} "
        f"({r['ours_figure_bytes'] / 1e3:,.1f}) | "
        f"{r['naive_rebuild_ms']:,.0f} | {r['naive_rebuild_bytes'] / 1e3:,.0f} | "
        f"{r['time_ratio_naive_over_ours']:.0f}x / {r['bytes_ratio_naive_over_ours']:.0f}x | "
        f"{r['trace_per_group_ms']:,.1f} | {r['trace_per_group_bytes'] / 1e3:,.1f} | "
        f"{r['time_ratio_group_over_ours']:.1f}x / {r['bytes_ratio_group_over_ours']:.1f}x |\n" for r in rows)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="10000,50000,200000")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args(argv)
    rows = []
    for n in map(int, args.sizes.split(",")):
        rows += bench_size(n, repeats=args.repeats)
        print(f"{n:,} points: explorer built in {rows[-1]['explorer_build_s']:.2f} s, first display sends "
              f"{rows[-1]['initial_display_bytes'] / 1e6:.1f} MB", flush=True)
    write_json("widgets", {"machine": machine(), "rows": rows})
    print(markdown(rows))
    return rows


if __name__ == "__main__":
    main()
