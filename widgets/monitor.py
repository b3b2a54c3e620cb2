"""TrainingMonitor: a training callback that draws the student's progress live.

The monitor *is* a callback (``on_train_begin(info)``, ``on_epoch_end(record) -> stop``,
``on_train_end(result)``, see docs/ARCHITECTURE.md). Every redraw rebuilds the four
panels with the pure builders of :mod:`widgets.figures` and :mod:`widgets.training_figures`,
lays them out as 3 x 2 subplots
and copies their trace data into the one displayed ``FigureWidget`` inside one
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

import math
import threading
import time

import ipywidgets as W
import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from . import figures as F
from . import training_figures as TF
from .picker import error_html

__all__ = ["TrainingMonitor", "PANELS", "compose", "sync_figure"]


#: The monitor's panels: (name, row, column) of the 3 x 2 grid.
PANELS = (("accuracy", 1, 1), ("reliability", 1, 2), ("misfit_sq", 2, 1), ("misfit_kl", 2, 2),
          ("loss", 3, 1), ("teacher_weights", 3, 2))
_ROWS = max(row for _, row, _ in PANELS)


def compose(figs: dict) -> go.Figure:
    """Lay out the builders' figures ``{name: go.Figure}`` as the 3 x 2 grid of :data:`PANELS`.

    Each panel keeps its traces (in a legend group named after the panel), its title (as
    the subplot title) and its axis titles.
    """
    fig = make_subplots(rows=_ROWS, cols=2, subplot_titles=[figs[name].layout.title.text for name, _, _ in PANELS],
                        horizontal_spacing=0.1, vertical_spacing=0.11)
    for name, row, col in PANELS:
        panel = figs[name]
        for trace in panel.data:
            fig.add_trace(trace.update(legendgroup=name, legendgrouptitle_text=name), row=row, col=col)
        fig.update_xaxes(title_text=panel.layout.xaxis.title.text, range=panel.layout.xaxis.range, row=row, col=col)
        fig.update_yaxes(title_text=panel.layout.yaxis.title.text, range=panel.layout.yaxis.range, row=row, col=col)
    fig.update_layout(height=360 * _ROWS, template="plotly_white", margin=dict(l=10, r=10, t=40, b=10),
                      legend=dict(groupclick="toggleitem"))
    fig.update_annotations(font_size=13)
    return fig


def _panel_slices(panels: dict) -> dict:
    """Positions of each panel's traces in the composed figure."""
    bounds = np.cumsum([0] + [len(panels[name].data) for name, _, _ in PANELS])
    return {name: slice(a, b) for (name, _, _), a, b in zip(PANELS, bounds[:-1], bounds[1:])}


def sync_figure(widget: go.FigureWidget, fig: go.Figure) -> None:
    """Make ``widget`` show ``fig``'s traces, subplot titles and axis titles in one message.

    Traces are matched by position (the builders keep a fixed trace structure); when the
    number of traces differs the widget's traces are replaced.
    """
    if len(widget.data) != len(fig.data):
        widget.data = ()
        widget.add_traces(list(fig.data))
    with widget.batch_update():
        for old, new in zip(widget.data, fig.data):
            old.update(x=new.x, y=new.y, name=new.name, text=new.text, customdata=new.customdata)
        for old, new in zip(widget.layout.annotations, fig.layout.annotations):
            old.text = new.text
        for axis in [k for k in fig.layout if k.startswith(("xaxis", "yaxis"))]:
            widget.layout[axis].title.text = fig.layout[axis].title.text


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
        The six panels of :data:`PANELS`; :meth:`panel` gives one panel's traces.
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
        self.figure = go.FigureWidget(compose(panels))
        self._slices = _panel_slices(panels)
        self.stop_button = W.Button(description="Stop", icon="stop", button_style="danger", disabled=True,
                                    tooltip="end training after the current epoch")
        self.stop_button.on_click(lambda _: self.stop())
        self.status_html = W.HTML("<i>Waiting for training to start.</i>")
        self.pgr_html = W.HTML()
        self.widget = W.VBox([W.HBox([self.stop_button, self.status_html]), self.pgr_html, self.figure])

    def _repr_mimebundle_(self, **kwargs):
        return self.widget._repr_mimebundle_(**kwargs)

    def panel(self, name: str) -> tuple:
        """The live traces of one panel (``"accuracy"``, ``"reliability"``, ``"misfit_sq"``, ``"misfit_kl"``,
        ``"loss"``, ``"teacher_weights"``)."""
        if name not in self._slices:
            raise ValueError(f"panel must be one of {', '.join(map(repr, self._slices))}; got {name!r}.")
        return self.figure.data[self._slices[name]]

    def panel_title(self, name: str) -> str:
        """The current title of one panel (it carries PGR / ECE values)."""
        return self.figure.layout.annotations[[p[0] for p in PANELS].index(name)].text

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

    def show_history(self, records, info=None) -> None:
        """Draw a finished run's student history (e.g. ``result.history["student"]``)."""
        self.info, self.records = dict(info or {}), list(records)
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
        accuracy = F.accuracy_curves(records, weak_acc=info.get("weak_acc"), ceiling_acc=info.get("ceiling_acc"))
        accuracy.add_trace(TF.early_stop_marker(records, y_range=TF.finite_range(accuracy)))
        return {
            "accuracy": accuracy,
            "loss": TF.loss_curves(records),
            "teacher_weights": TF.teacher_weights(info.get("teacher_weights")),
            "misfit_sq": F.misfit_gain(records, kind="sq"),
            "misfit_kl": F.misfit_gain(records, kind="kl" if has_kl else "xent"),
            "reliability": F.reliability_diagram(y, proba, n_bins=self.n_bins, teacher_labels=teacher),
        }

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
            self.pgr_html.value = (f"<b>{F.pgr_text(m.get('pgr', math.nan))}</b> so far · epoch {last.epoch} / "
                                   f"{last.n_epochs} · student {m.get('student_acc', math.nan):.3f} · weak "
                                   f"{m.get('weak_acc', self.info.get('weak_acc', math.nan)):.3f} · ceiling "
                                   f"{m.get('ceiling_acc', self.info.get('ceiling_acc', math.nan)):.3f}")
            if self.result_ is None and not self.stop_event.is_set():
                self.status_html.value = f"training the student: {last.epoch} / {last.n_epochs} epochs"
