"""Workbench: picker, training monitor and embedding explorer in one tabbed layout.

>>> from widgets import Workbench
>>> Workbench()                 # doctest: +SKIP   (offline default; nothing heavy runs before Run)
>>> Workbench(experiment)       # doctest: +SKIP   (an Experiment built in code, or a Result)

The three views share one experiment, one stop event (the picker's Cancel and the
monitor's Stop are the same) and one :class:`~widgets.selection.Selection`. Run embeds,
trains the student with the monitor as its callback, fills the explorer with the PCA
preview and then swaps in UMAP when it is ready.
"""

from __future__ import annotations

import ipywidgets as W

from .explorer import EmbeddingExplorer
from .monitor import TrainingMonitor
from .picker import ModelPairPicker, error_html
from .selection import Selection

__all__ = ["Workbench"]

_TABS = ("Setup", "Training", "Explore")


def _is_result(obj) -> bool:
    return hasattr(obj, "points") and not hasattr(obj, "run")


def _info_from_result(result) -> dict:
    """Reconstruct the monitor's ``info`` (test-split labels) from a finished result."""
    test = result.points[result.points["split"] == "test"]
    return {"label_names": tuple(result.label_names), "y_eval": test["gold"].to_numpy(),
            "teacher_eval": test["teacher_label"].to_numpy(),
            "weak_acc": result.metrics.get("weak_acc"), "ceiling_acc": result.metrics.get("ceiling_acc"),
            "teacher_weights": [{k[len("teacher_weight_"):]: v for k, v in r.metrics.items()
                                 if k.startswith("teacher_weight_")}
                                for r in result.history.get("teacher_weights", [])]}


class Workbench:
    """The whole workbench in one widget.

    Parameters
    ----------
    experiment : Experiment or Result, optional
        ``None`` opens the picker on the offline default (nothing runs before Run). An
        Experiment is run by the Run button as built; a Result is shown right away.
    embeddings : dict {"weak": (n, d_w), "strong": (n, d_s)}, optional
        For the explorer's neighbour view when ``experiment`` is a Result.
    projection : {"umap", "pca"}, default "umap"
        The final map; the PCA preview is shown first either way.
    threaded : bool, default True
        Run in a worker thread (Stop/Cancel work while it runs).
    min_interval : float, default 0.5
        The monitor's least seconds between redraws.
    **picker_values
        Initial picker values (``dataset``, ``weak``, ``strong``, ``n_gold`` ...).

    Attributes
    ----------
    picker : ModelPairPicker
    monitor : TrainingMonitor
    explorer : EmbeddingExplorer or None
        Made when a result exists.
    selection : Selection
    result_ : Result or None
    tabs : ipywidgets.Tab
    """

    def __init__(self, experiment=None, *, embeddings=None, projection: str = "umap", threaded: bool = True,
                 min_interval: float = 0.5, **picker_values):
        if projection not in ("umap", "pca"):
            raise ValueError(f"projection must be 'umap' or 'pca'; got {projection!r}.")
        self.projection = projection
        self.selection = Selection()
        self.explorer = self.result_ = None
        self.picker = ModelPairPicker(on_run=self._run, threaded=threaded, **picker_values)
        self.monitor = TrainingMonitor(stop_event=self.picker.stop_event, min_interval=min_interval)
        self._explore_box = W.VBox([W.HTML("<i>Run an experiment to explore its weak and strong maps.</i>")])
        self.tabs = W.Tab(children=[self.picker.widget, self.monitor.widget, self._explore_box], titles=_TABS)
        self.widget = self.tabs
        if experiment is None:
            return
        if _is_result(experiment):
            self.show_result(experiment, embeddings=embeddings)
            return
        self.picker.set_experiment(experiment)
        if getattr(experiment, "result_", None) is not None:
            self.show_result(experiment.result_, embeddings=self._embeddings(experiment))

    def _repr_mimebundle_(self, **kwargs):
        return self.widget._repr_mimebundle_(**kwargs)

    def run(self):
        """Start a run, as the Run button does; returns the experiment (or None on error)."""
        return self.picker.run()

    @staticmethod
    def _embeddings(experiment):
        weak, strong = getattr(experiment, "X_weak_", None), getattr(experiment, "X_strong_", None)
        return None if weak is None or strong is None else {"weak": weak, "strong": strong}

    def _run(self, experiment, picker):
        """The picker's Run: train with the monitor, show the result, then swap PCA for UMAP."""
        self.tabs.selected_index = _TABS.index("Training")
        result = experiment.run(callbacks=[self.monitor], stop_event=picker.stop_event, projection="pca",
                                progress=False)
        self.show_result(result, embeddings=self._embeddings(experiment), replay_history=False)
        if self.projection == "umap" and not picker.stop_event.is_set():
            coords = experiment.project(method="umap", progress=False)
            for space in ("weak", "strong"):
                self.explorer.set_coords(space, coords[space], label="UMAP")
            if hasattr(experiment, "attach_projection"):
                experiment.attach_projection(result, coords, method="umap")
        return result

    def show_result(self, result, *, embeddings=None, replay_history: bool = True) -> EmbeddingExplorer:
        """Fill the explorer (and, for a finished result, the monitor) from ``result``."""
        self.result_ = result
        if self.explorer is not None:
            self.explorer.close()
        self.selection.clear(source="workbench")
        try:
            self.explorer = EmbeddingExplorer(result, embeddings=embeddings, selection=self.selection)
        except ValueError as exc:  # e.g. no coordinates: say so in the tab
            self.explorer = None
            self._explore_box.children = [W.HTML(error_html(exc))]
            return None
        self._explore_box.children = [self.explorer.widget]
        if replay_history:
            self.monitor.show_history(result.history.get("student", []), _info_from_result(result))
        self.tabs.selected_index = _TABS.index("Explore")
        return self.explorer
