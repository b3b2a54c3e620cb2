"""TrainingMonitor: a training callback that draws the student's progress live.

The monitor *is* a callback (``on_train_begin(info)``, ``on_epoch_end(record) -> stop``,
``on_train_end(result)``, see docs/ARCHITECTURE.md). Every redraw rebuilds the
panels with the pure builders of :mod:`widgets.figures` and :mod:`widgets.training_figures`,
lays them out in a two-column grid (:func:`panel_grid`: no empty cell, one legend per
panel) and copies their trace data into the one displayed ``FigureWidget`` inside one
``batch_update`` (one message per redraw). One widget rather than four because every
plotly 7 ``FigureWidget`` ships its own ~5 MB copy of plotly.js (anywidget ``_esm``) to the
browser and into saved notebook widget state. Redraws are throttled to one per
``min_interval`` seconds; the final epoch is always drawn.

The Stop button sets :attr:`TrainingMonitor.stop_event`; ``on_epoch_end`` then returns
True and the trainer stops after the current epoch. Browser events reach the kernel only
while no cell is busy, so train with :meth:`TrainingMonitor.run_in_thread` for the button
to work ("asynchronous widgets" in the ipywidgets docs).
"""

from __future__ import annotations

import html
import math
import threading
import time

import ipywidgets as W
import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from . import figures as F
from . import training_figures as TF
from ._lifecycle import close_tree
from .picker import error_html
from .resize import FitWidth, responsive

__all__ = ["TrainingMonitor", "PANELS", "panel_grid", "compose", "sync_figure", "pgr_status"]


#: Every panel the monitor can show, in reading order.
PANELS = ("accuracy", "teacher_weights", "loss", "reliability", "misfit_sq", "misfit_kl")
_ROW_PX, _GAP_PX, _TOP_PX = 270, 125, 78  # plot height, gap between rows, top margin (title + legend)
_TITLE_LIFT_PX = 30  # the subplot title sits this far above the plot, the legend in between


def panel_grid(names) -> list:
    """Grid cells ``[(name, row, col, colspan), ...]`` of the panels in ``names`` (2 columns).

    The accuracy curves span the first row unless an ensemble teacher's weights share it, so
    no cell is ever empty.
    """
    names = [n for n in PANELS if n in set(names)]
    cells, row, col = [], 1, 1
    for name in names:
        wide = name == "accuracy" and "teacher_weights" not in names
        if wide:
            cells.append((name, row, 1, 2))
            row += 1
            continue
        cells.append((name, row, col, 1))
        row, col = (row, 2) if col == 1 else (row + 1, 1)
    return cells


def compose(figs: dict) -> go.Figure:
    """Lay out the builders' figures ``{name: go.Figure}`` in the grid of :func:`panel_grid`.

    Each panel keeps its traces, its title (as the subplot title) and its axis titles, and
    gets its own horizontal legend between its title and its plot (``legend``, ``legend2`` ...),
    so no legend runs into another panel.
    """
    cells = panel_grid(figs)
    rows = max(r for _, r, _, _ in cells)
    specs = [[None, None] for _ in range(rows)]
    for _, row, col, span in cells:
        specs[row - 1][col - 1] = {"colspan": span} if span > 1 else {}
    titles = [figs[name].layout.title.text or "" for name, *_ in cells]
    paper_px = rows * _ROW_PX + (rows - 1) * _GAP_PX
    fig = make_subplots(rows=rows, cols=2, specs=specs, subplot_titles=titles, horizontal_spacing=0.09,
                        vertical_spacing=_GAP_PX / paper_px if rows > 1 else 0.0)
    for i, (name, row, col, _) in enumerate(cells):
        legend = "legend" if i == 0 else f"legend{i + 1}"
        panel = figs[name]
        for trace in panel.data:
            # no legendgroup: a horizontal legend stacks the items of one group vertically
            fig.add_trace(trace.update(legend=legend), row=row, col=col)
        fig.update_xaxes(title_text=panel.layout.xaxis.title.text, range=panel.layout.xaxis.range, row=row, col=col)
        fig.update_yaxes(title_text=panel.layout.yaxis.title.text, range=panel.layout.yaxis.range, row=row, col=col)
        axis = fig.get_subplot(row, col)
        x0, y1 = axis.xaxis.domain[0], axis.yaxis.domain[1]
        fig.update_layout({legend: dict(orientation="h", x=x0, xanchor="left", y=y1 + 4 / paper_px,
                                        yanchor="bottom", font_size=12, bgcolor="rgba(255,255,255,0)",
                                        groupclick="toggleitem")})
        fig.layout.annotations[i].update(y=y1 + _TITLE_LIFT_PX / paper_px, x=x0, xanchor="left",
                                         font_size=14)
    fig.update_layout(height=paper_px + _TOP_PX + 60, autosize=True, template="plotly_white",
                      margin=dict(l=60, r=20, t=_TOP_PX, b=60))
    return fig


def _panel_slices(figs: dict) -> dict:
    """Positions of each panel's traces in the composed figure."""
    names = [name for name, *_ in panel_grid(figs)]
    bounds = np.cumsum([0] + [len(figs[name].data) for name in names])
    return {name: slice(a, b) for name, a, b in zip(names, bounds[:-1], bounds[1:])}


def sync_figure(widget: go.FigureWidget, fig: go.Figure) -> None:
    """Make ``widget`` show ``fig``'s traces, subplot titles and axis titles in one message.

    Traces are matched by position (the builders keep a fixed trace structure); when the
    number of traces or of panels differs the widget's traces and layout are replaced.
    """
    if len(widget.data) != len(fig.data) or len(widget.layout.annotations) != len(fig.layout.annotations):
        with widget.batch_update():
            widget.data = ()
            widget.layout = fig.layout
            widget.add_traces(list(fig.data))
        return
    with widget.batch_update():
        for old, new in zip(widget.data, fig.data):
            old.update(x=new.x, y=new.y, name=new.name, text=new.text, customdata=new.customdata)
        for old, new in zip(widget.layout.annotations, fig.layout.annotations):
            old.text = new.text
        for axis in [k for k in fig.layout if k.startswith(("xaxis", "yaxis"))]:
            widget.layout[axis].title.text = fig.layout[axis].title.text


def pgr_status(records, *, result=None, stopped: bool = False) -> tuple:
    """The PGR to show and how to label it, the same for the panel title and the header.

    While training: the last epoch's PGR, "so far". Once ``result`` exists: the result's PGR
    (the student the run returned, e.g. the early-stopping epoch's), labelled "final".

    Returns
    -------
    (pgr, label) : float (NaN when undefined) and e.g. ``"PGR 0.26 (final)"``
    """
    records = list(records or ())
    last = math.nan
    for r in records:
        v = r.metrics.get("pgr")
        last = float(v) if v is not None else math.nan
    if result is not None:
        m = getattr(result, "metrics", {}) or {}
        value = float(m["pgr"]) if m.get("pgr") is not None else last
        ci = (m.get("pgr_ci_low"), m.get("pgr_ci_high"))
        text = F.pgr_text(value, ci=ci if all(c is not None for c in ci) else None)
        return value, f"{text} (final{', stopped early' if stopped else ''})"
    if not records:
        return math.nan, "PGR: not trained yet"
    return last, f"{F.pgr_text(last)} so far (epoch {records[-1].epoch})"


class TrainingMonitor:
    """Live figures of a student's training: accuracy, misfit vs gain, reliability, PGR.

    Parameters
    ----------
    min_interval : float, default 0.5
        Least number of seconds between two redraws (the final epoch is always drawn).
    n_bins : int, default 10
        Bins of the reliability diagram.
    stop_event : threading.Event, optional
        Share one with other controls (e.g. the picker's Cancel); a new one otherwise.

    Attributes
    ----------
    figure : go.FigureWidget
        The panels of :data:`PANELS` this run has (``teacher_weights`` only for an ensemble
        teacher); :meth:`panel` gives one panel's traces.
    records : list of EpochRecord
        What ``on_epoch_end`` received since the last ``on_train_begin``.
    n_draws : int
        Number of redraws so far (throttling makes it at most one per ``min_interval``).
    result_ : Result or None
        Set by ``on_train_end`` (and by :meth:`run_in_thread`).
    error_ : Exception or None
        The exception a threaded run raised, if any.
    """

    def __init__(self, *, min_interval: float = 0.5, n_bins: int = 10, stop_event=None):
        if not (isinstance(min_interval, (int, float)) and min_interval >= 0):
            raise ValueError(f"min_interval must be a number of seconds >= 0; got {min_interval!r}.")
        self.min_interval, self.n_bins = float(min_interval), int(n_bins)
        self.stop_event = stop_event if stop_event is not None else threading.Event()
        self.info, self.records, self.n_draws = {}, [], 0
        self.result_ = self.error_ = self.thread_ = None
        self._last_draw, self._t0 = -math.inf, time.monotonic()
        panels = self._build()
        # made before the figure, so its tiny script loads before the ~5 MB of plotly.js (anywidget gives
        # every model 2 s from its creation to load its code, and the figure's load would eat them)
        fit = FitWidth()
        self.figure = responsive(go.FigureWidget(compose(panels)))
        self._slices = _panel_slices(panels)
        self.figure.layout.autosize = True  # full width of the notebook, whatever the screen
        self.stop_button = W.Button(description="Stop", icon="stop", button_style="danger", disabled=True,
                                    tooltip="end training after the current epoch")
        self.stop_button.on_click(lambda _: self.stop())
        self.status_html = W.HTML("<i>Waiting for training to start.</i>")
        self.pgr_html = W.HTML()
        self.widget = W.VBox([fit, W.HBox([self.stop_button, self.status_html]), self.pgr_html, self.figure],
                             layout=W.Layout(width="100%"))
        self.widget.add_class("w2s-monitor")
        self.widget.add_class("w2s-fit")

    def _repr_mimebundle_(self, **kwargs):
        return self.widget._repr_mimebundle_(**kwargs)

    def close(self) -> None:
        """Close the monitor's widgets (their comms); the records stay."""
        close_tree(self.widget)

    def panel(self, name: str) -> tuple:
        """The live traces of one panel (``"accuracy"``, ``"reliability"``, ``"misfit_sq"``, ``"misfit_kl"``,
        ``"loss"`` and, for an ensemble teacher, ``"teacher_weights"``)."""
        if name not in self._slices:
            raise ValueError(f"panel must be one of {', '.join(map(repr, self._slices))}; got {name!r}.")
        return self.figure.data[self._slices[name]]

    def panel_axes(self, name: str) -> tuple:
        """The layout ``(xaxis, yaxis)`` objects of one panel (titles, ranges)."""
        trace = self.panel(name)[0]
        x, y = trace.xaxis or "x", trace.yaxis or "y"
        return self.figure.layout[f"xaxis{x[1:]}"], self.figure.layout[f"yaxis{y[1:]}"]

    def panel_title(self, name: str) -> str:
        """The current title of one panel (it carries PGR / ECE values)."""
        if name not in self._slices:
            raise ValueError(f"panel must be one of {', '.join(map(repr, self._slices))}; got {name!r}.")
        return self.figure.layout.annotations[list(self._slices).index(name)].text

    # ---------------------------------------------------------------- callback protocol
    def on_train_begin(self, info: dict) -> None:
        """Start a new run: ``info`` holds ``y_eval``, ``teacher_eval``, ``weak_acc``, ``ceiling_acc`` ...
        and, for an ensemble teacher, ``teacher_weights`` (one ``{member: weight}`` dict per epoch)."""
        self.info, self.records, self.result_ = dict(info), [], None
        self._t0, self._last_draw = time.monotonic(), -math.inf
        self.stop_button.disabled = False
        self.status_html.value = f"training the student: 0 / {info.get('n_epochs', '?')} epochs"
        self.draw()

    def on_epoch_end(self, record) -> bool:
        """Record one epoch, redraw if due; returns True when Stop was pressed."""
        self.records.append(record)
        final = record.epoch >= record.n_epochs
        if final or time.monotonic() - self._last_draw >= self.min_interval:
            self.draw()
        return self.stop_event.is_set()

    def on_train_end(self, result) -> None:
        """Draw the final state; the figures stay interactive."""
        self.result_ = result
        self.draw()
        self.stop_button.disabled = True
        stopped = " (stopped early)" if self.stop_event.is_set() else ""
        self.status_html.value = (f"finished{stopped}: {len(self.records)} epochs in "
                                  f"{time.monotonic() - self._t0:.1f} s")

    # ------------------------------------------------------------------------ actions
    def stop(self) -> None:
        """End training after the current epoch (what the Stop button does)."""
        self.stop_event.set()
        self.stop_button.disabled = True
        self.status_html.value = "stopping after the current epoch…"

    def run_in_thread(self, experiment, **run_kwargs) -> threading.Thread:
        """Run ``experiment.run(callbacks=[self, ...], stop_event=self.stop_event, **run_kwargs)``
        in a daemon thread, so the Stop button works while it trains; returns the thread."""
        if self.thread_ is not None and self.thread_.is_alive():
            raise ValueError("a run is already in progress in this monitor; press Stop and wait for it to end.")
        self.stop_event.clear()
        self.error_ = None
        callbacks = [self, *run_kwargs.pop("callbacks", ())]

        def target():
            try:
                self.result_ = experiment.run(callbacks=callbacks, stop_event=self.stop_event, **run_kwargs)
            except Exception as exc:  # shown in the widget, kept on error_
                self.error_ = exc
                self.stop_button.disabled = True
                self.status_html.value = error_html(exc)

        self.thread_ = threading.Thread(target=target, name="w2s-training", daemon=True)
        self.thread_.start()
        return self.thread_

    def show_history(self, records, info=None, *, result=None) -> None:
        """Draw a finished run's student history (e.g. ``result.history["student"]``); with
        ``result`` the PGR shown is the result's (labelled "final")."""
        self.info, self.records, self.result_ = dict(info or {}), list(records), result
        self.draw()
        self.status_html.value = f"finished run: {len(self.records)} epochs"

    # ----------------------------------------------------------------------- drawing
    def _build(self) -> dict:
        info, records = self.info, self.records
        y = np.asarray(info.get("y_eval", np.zeros(0)), dtype=np.int64)
        proba = records[-1].proba if records and records[-1].proba is not None else None
        if proba is None or len(proba) != len(y):
            proba, y = np.zeros((0, 2)), np.zeros(0, np.int64)
        teacher = info.get("teacher_eval")
        teacher = (np.asarray(teacher, dtype=np.int64) if teacher is not None and len(teacher) == len(y)
                   else np.full(len(y), -1))  # -1 = no teacher label: an empty "vs teacher" curve
        has_kl = any(math.isfinite(r.metrics.get("gain_kl", math.nan)) for r in records)
        _, label = self.pgr()
        accuracy = F.accuracy_curves(records, weak_acc=info.get("weak_acc_all", info.get("weak_acc")),
                                     ceiling_acc=info.get("ceiling_acc"),
                                     pgr_label=label)
        accuracy.add_trace(TF.early_stop_marker(records, y_range=TF.finite_range(accuracy)))
        panels = {
            "accuracy": accuracy,
            "loss": TF.loss_curves(records),
            "misfit_sq": F.misfit_gain(records, kind="sq"),
            "misfit_kl": F.misfit_gain(records, kind="kl" if has_kl else "xent"),
            "reliability": F.reliability_diagram(y, proba, n_bins=self.n_bins, teacher_labels=teacher),
        }
        if info.get("teacher_weights"):  # an ensemble teacher; a single one has nothing to weigh
            panels["teacher_weights"] = TF.teacher_weights(info["teacher_weights"])
        return panels

    def pgr(self) -> tuple:
        """``(pgr, label)`` now: "so far" while training, "final" once the run returned (:func:`pgr_status`)."""
        return pgr_status(self.records, result=self.result_, stopped=self.stop_event.is_set())

    def draw(self) -> None:
        """Redraw every panel from the records now (one update message)."""
        panels = self._build()
        sync_figure(self.figure, compose(panels))
        self._slices = _panel_slices(panels)
        self._last_draw = time.monotonic()
        self.n_draws += 1
        if self.records:
            last = self.records[-1]
            m = last.metrics
            _, label = self.pgr()
            acc = lambda key: _fmt(m.get(key, self.info.get(key)))  # noqa: E731
            self.pgr_html.value = (f"<b>{html.escape(label)}</b> · epoch {last.epoch} / {last.n_epochs} · "
                                   f"student {acc('student_acc')} · weak {acc('weak_acc_all')} · "
                                   f"ceiling {acc('ceiling_acc')}"
                                   + (f" · teacher {acc('weak_acc')} on the points it covers"
                                      if m.get("weak_acc") != m.get("weak_acc_all") else ""))
            if self.result_ is None and not self.stop_event.is_set():
                self.status_html.value = f"training the student: {last.epoch} / {last.n_epochs} epochs"


def _fmt(value) -> str:
    return "n/a" if value is None or not math.isfinite(float(value)) else f"{float(value):.3f}"
