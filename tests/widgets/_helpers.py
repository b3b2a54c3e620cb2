"""Helpers the widget tests import: browser events sent to a FigureWidget or a jupyter-scatter map, a small
real experiment."""

from __future__ import annotations

import numpy as np


def emit(fig, event, point_inds, *, trace=0, selector=None):
    """Send a plotly.js points event (plotly_selected, plotly_click, ...) to the widget, as the browser does."""
    xs = np.asarray(fig.data[trace].x)[list(point_inds)].tolist() if len(point_inds) else []
    ys = np.asarray(fig.data[trace].y)[list(point_inds)].tolist() if len(point_inds) else []
    fig._js2py_pointsCallback = {
        "event_type": event, "selector": selector, "device_state": None,
        "points": {"trace_indexes": [trace] * len(point_inds), "point_indexes": list(point_inds),
                   "xs": xs, "ys": ys},
    }


def scatter_select(widget, positions):
    """Send what jupyter-scatter's front end sends when a lasso ends: the ``selection`` trait as binary uint32."""
    arr = np.ascontiguousarray(np.asarray(positions, dtype=np.uint32))
    widget.set_state({"selection": {"view": memoryview(arr.tobytes()), "dtype": "uint32", "shape": [arr.size]}})


def synthetic_experiment(synth, cache_dir, epochs=6):
    """A real Experiment on the ``synth`` fixture's features (seconds), caching under ``cache_dir``."""
    from workbench import EmbeddingCache, EncoderPair, Experiment

    pair = EncoderPair(weak=synth.features["weak"], strong=synth.features["strong"])
    return Experiment(synth, pair, n_gold=40, seed=0, student={"epochs": epochs}, cache=EmbeddingCache(cache_dir))
