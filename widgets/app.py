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

import weakref

import ipywidgets as W

from ._lifecycle import close_tree
from .explorer import EmbeddingExplorer
from .monitor import TrainingMonitor
from .picker import ModelPairPicker, error_html
from .selection import Selection

__all__ = ["Workbench"]

_TABS = ("Setup", "Training", "Explore")
#: The Workbench each notebook cell made last: rerunning the cell closes the old one's comms.
_BY_CELL: "weakref.WeakValueDictionary[str, Workbench]" = weakref.WeakValueDictionary()


def _cell_id():
    """The id of the notebook cell being executed (JupyterLab and nbclient send it), or None."""
    try:
        from IPython import get_ipython

        shell = get_ipython()
        parent = shell.kernel.get_parent() if shell is not None and hasattr(shell, "kernel") else None
    except Exception:  # not in a kernel
        return None
    return ((parent or {}).get("metadata") or {}).get("cellId")


def _is_result(obj) -> bool:
    return hasattr(obj, "points") and not hasattr(obj, "run")


def _info_from_result(result) -> dict:
    """Reconstruct the monitor's ``info`` (test-split labels) from a finished result."""
    test = result.points[result.points["split"] == "test"]
    return {"label_names": tuple(result.label_names), "y_eval": test["gold"].to_numpy(),
            "teacher_eval": test["teacher_label"].to_numpy(),
            "weak_acc": result.metrics.get("weak_acc"), "weak_acc_all": result.metrics.get("weak_acc_all"),
            "ceiling_acc": result.metrics.get("ceiling_acc"),
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
    widget : ipywidgets.VBox
        What is displayed (the tabs, full width).
    presenter_font_size : int or None
        Set by :func:`widgets.presenter.present` (projector layout).
    """

    def __init__(self, experiment=None, *, embeddings=None, projection: str = "umap", threaded: bool = True,
                 min_interval: float = 0.5, **picker_values):
        if projection not in ("umap", "pca"):
            raise ValueError(f"projection must be 'umap' or 'pca'; got {projection!r}.")
        self.projection = projection
        self.presenter_font_size = None
        cell = _cell_id()
        if cell is not None:
            old = _BY_CELL.get(cell)
            if old is not None:  # the cell was rerun: the old views' comms go away
                old.close()
            _BY_CELL[cell] = self
        self.selection = Selection()
        self.explorer = self.result_ = None
        self.picker = ModelPairPicker(on_run=self._run, threaded=threaded, **picker_values)
        self.monitor = TrainingMonitor(stop_event=self.picker.stop_event, min_interval=min_interval)
        self._explore_box = W.VBox([W.HTML("<i>Run an experiment to explore its weak and strong maps.</i>")])
        self.tabs = W.Tab(children=[self.picker.widget, self.monitor.widget, self._explore_box], titles=_TABS,
                          layout=W.Layout(width="100%"))
        self.widget = W.VBox([self.tabs], layout=W.Layout(width="100%"))
        self.widget.add_class("w2s-workbench")
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

    def close(self) -> None:
        """Close every widget of the Workbench (picker, monitor, explorer): their comms go away."""
        if self.explorer is not None:
            self.explorer.close()
        close_tree(self.widget)

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
        old = self.explorer
        if old is not None:  # stop following the selection before it is cleared; its comms go away
            old.close()
        self.selection.clear(source="workbench")
        try:
            self.explorer = EmbeddingExplorer(result, embeddings=embeddings, selection=self.selection)
        except ValueError as exc:  # e.g. no coordinates: say so in the tab
            self.explorer = None
            self._replace_explore([W.HTML(error_html(exc))], old)
            return None
        if self.presenter_font_size is not None:
            from .presenter import style_figure

            for fig in self.explorer.figures.values():
                style_figure(fig, self.presenter_font_size)
        self._replace_explore([self.explorer.widget], old)
        if replay_history:
            self.monitor.show_history(result.history.get("student", []), _info_from_result(result), result=result)
        self.tabs.selected_index = _TABS.index("Explore")
        return self.explorer

    def _replace_explore(self, children, old_explorer):
        """Show ``children`` in the Explore tab, then close what was there (after it left the page)."""
        previous = list(self._explore_box.children)
        self._explore_box.children = children
        if old_explorer is not None:
            old_explorer.close()
        for child in previous:
            if child not in children:
                close_tree(child)
