"""Figure builders for the training monitor's second row: ensemble weights and losses.

Pure functions from training records to ``go.Figure`` (like :mod:`widgets.figures`), so
the monitor, the report and tests share them.

* :func:`teacher_weights` — per-epoch weights of an ensemble teacher (e.g.
  ``workbench.methods.RavenTeacher.weights_history_``), one line per member.
* :func:`loss_curves` — the student's train loss and validation loss (against teacher
  labels) per epoch, with the early-stopping epoch marked.
* :func:`early_stop_epoch` / :func:`early_stop_marker` — the epoch of the lowest
  validation loss, and a vertical line there for any panel.
"""

from __future__ import annotations

import math

import plotly.graph_objects as go

from .figures import finite_or_none
from .palette import LABEL_COLORS, SOURCE_COLORS

__all__ = ["teacher_weights", "loss_curves", "early_stop_epoch", "early_stop_marker"]

_MEMBER_COLORS = SOURCE_COLORS
_LAYOUT = dict(height=340, template="plotly_white", margin=dict(l=10, r=10, t=50, b=10))


def teacher_weights(history) -> go.Figure:
    """Weight of every ensemble member against the ensemble's training epoch.

    Parameters
    ----------
    history : sequence of dict of str to float
        One dict per epoch, ``{member name: weight}`` (weights of one epoch sum to 1);
        empty for a single teacher.

    Returns
    -------
    go.Figure with one ``lines+markers`` trace per member, named after it.
    """
    history = [dict(h) for h in (history or ())]
    names = list(dict.fromkeys(name for h in history for name in h))
    epochs = list(range(1, len(history) + 1))
    traces = [go.Scatter(x=epochs, y=finite_or_none([h.get(name, math.nan) for h in history]), mode="lines+markers",
                         name=str(name), line=dict(color=_MEMBER_COLORS[i % len(_MEMBER_COLORS)]))
              for i, name in enumerate(names)]
    fig = go.Figure(traces or [go.Scatter(x=[], y=[], mode="lines", name="teacher weights")])
    title = (f"Teacher weights ({len(names)} members)" if names
             else "Teacher weights (single teacher: none to weigh)")
    fig.update_layout(title=title, xaxis_title="ensemble epoch", yaxis_title="weight", yaxis_range=[0, 1],
                      **_LAYOUT)
    return fig


def early_stop_epoch(records) -> int | None:
    """The epoch with the lowest finite ``val_loss`` (1-based), or None without validation."""
    best = None
    for r in records or ():
        v = getattr(r, "val_loss", None)
        if v is not None and math.isfinite(v) and (best is None or v < best[0]):
            best = (v, int(r.epoch))
    return None if best is None else best[1]


def early_stop_marker(records, *, y_range=(0.0, 1.0)) -> go.Scatter:
    """A dotted vertical line at :func:`early_stop_epoch` spanning ``y_range`` (empty without one)."""
    epoch = early_stop_epoch(records)
    x, y = ([epoch, epoch], list(y_range)) if epoch is not None else ([], [])
    return go.Scatter(x=x, y=y, mode="lines", name=f"early stop (epoch {epoch})" if epoch else "early stop",
                      line=dict(color="#7f7f7f", dash="dot"), hoverinfo="name")


def loss_curves(records) -> go.Figure:
    """Train loss and validation loss (teacher-labelled) of the student per epoch.

    Parameters
    ----------
    records : sequence of EpochRecord
        ``train_loss`` and ``val_loss`` (None without a validation split) per epoch.

    Returns
    -------
    go.Figure with traces ``train loss``, ``val loss (teacher labels)``, ``early stop``.
    """
    records = list(records or ())
    epochs = [int(r.epoch) for r in records]
    train = [math.nan if r.train_loss is None else float(r.train_loss) for r in records]
    val = [math.nan if r.val_loss is None else float(r.val_loss) for r in records]
    finite = [v for v in train + val if math.isfinite(v)]
    span = (min(finite), max(finite)) if finite else (0.0, 1.0)
    fig = go.Figure([
        go.Scatter(x=epochs, y=finite_or_none(train), mode="lines+markers", name="train loss",
                   line=dict(color=LABEL_COLORS[0])),
        go.Scatter(x=epochs, y=finite_or_none(val), mode="lines+markers", name="val loss (teacher labels)",
                   line=dict(color=LABEL_COLORS[1])),
        early_stop_marker(records, y_range=span),
    ])
    epoch = early_stop_epoch(records)
    title = "Loss" + (f" · early stop at epoch {epoch}" if epoch is not None else " · no validation split")
    fig.update_layout(title=title, xaxis_title="epoch", yaxis_title="loss", **_LAYOUT)
    return fig


def finite_range(fig: go.Figure) -> tuple:
    """(min, max) of the finite y values of ``fig``'s traces, (0, 1) when there are none."""
    values = [v for t in fig.data if t.y is not None for v in finite_or_none(t.y) if v is not None]
    return (min(values), max(values)) if values else (0.0, 1.0)
