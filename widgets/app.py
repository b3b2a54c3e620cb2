"""Workbench: picker, training monitor, embedding explorer and diagnostics in one tabbed layout.

>>> from widgets import Workbench
>>> Workbench()                 # doctest: +SKIP   (offline default; nothing heavy runs before Run)
>>> Workbench(experiment)       # doctest: +SKIP   (an Experiment built in code, or a Result)

Tabs: Setup (the picker), Training (the monitor, and a fine-tuned student's representation
over epochs), Explore (weak and strong maps), Dynamics (each point's training dynamics, a
third map linked to the other two) and Review (the pseudolabels most likely wrong; Retrain
reruns the student on the reviewed labels). The views share one experiment, one stop event
(the picker's Cancel and the monitor's Stop are the same) and one
:class:`~widgets.selection.Selection`. Run embeds, trains the student with the monitor as its
callback, fills the explorer with the PCA preview and then swaps in UMAP when it is ready.
"""

from __future__ import annotations

import threading
import weakref
from concurrent.futures import Future

import ipywidgets as W

from workbench._validation import check_int

from ._lifecycle import close_tree
from .app_tabs import DynamicsPanel, RepresentationPanel, ReviewPanel, copy_coords, retrain_summary
from .explorer import EmbeddingExplorer
from .maps import resolve_maps
from .monitor import TrainingMonitor
from .picker import ModelPairPicker, error_html
from .selection import Selection

__all__ = ["Workbench"]

_TABS = ("Setup", "Training", "Explore", "Dynamics", "Review")
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
        Experiment is run by the Run button as built; a Result is shown right away (without
        its Experiment the Review tab cannot retrain, and says so).
    embeddings : dict {"weak": (n, d_w), "strong": (n, d_s)}, optional
        For the explorer's neighbour view when ``experiment`` is a Result.
    projection : {"umap", "pca"}, default "umap"
        The final map; the PCA preview is shown first either way.
    threaded : bool, default True
        Run (and Retrain) in a worker thread (Stop/Cancel work while it runs).
    min_interval : float, default 0.5
        The monitor's least seconds between redraws.
    maps : {"auto", "plotly", "scatter"}, default "auto"
        Which library draws the Explore tab's maps (:class:`~widgets.explorer.EmbeddingExplorer`'s
        ``maps``: ``"auto"`` is jupyter-scatter above ``widgets.maps.AUTO_SCATTER_ROWS`` drawn rows).
    max_points : int, default 1_000_000
        Points drawn per map (the explorer's ``max_points``); above it a seeded sample is drawn
        and the titles say so. With ``maps="auto"`` a table of more than 50,000 drawn rows is
        drawn with jupyter-scatter, so a million-row result is drawn whole.
    **picker_values
        Initial picker values (``dataset``, ``weak``, ``strong``, ``n_gold`` ...).

    Attributes
    ----------
    picker : ModelPairPicker
    monitor : TrainingMonitor
    explorer : EmbeddingExplorer or None
        Made when a result exists.
    dynamics : DynamicsPanel
        ``dynamics.map`` is the dynamics map (or None, and the tab says why).
    review : ReviewPanel
        ``review.queue_widget`` is the review queue (or None, and the tab says why).
    representation : RepresentationPanel
        The fine-tuned student's representation in the Training tab (empty for a frozen head).
    selection : Selection
    result_ : Result or None
    experiment_ : Experiment or None
        The experiment behind ``result_`` (what Retrain reruns); None for a Result given alone.
    retrain_thread_ : threading.Thread or None
    tabs : ipywidgets.Tab
    widget : ipywidgets.VBox
        What is displayed (the tabs, full width).
    presenter_font_size : int or None
        Set by :func:`widgets.presenter.present` (projector layout).
    maps : str
        The ``maps`` option passed to every explorer.
    """

    def __init__(self, experiment=None, *, embeddings=None, projection: str = "umap", threaded: bool = True,
                 min_interval: float = 0.5, maps: str = "auto", max_points: int = 1_000_000, **picker_values):
        if projection not in ("umap", "pca"):
            raise ValueError(f"projection must be 'umap' or 'pca'; got {projection!r}.")
        resolve_maps(maps, 0)  # a bad value fails here, not after a run
        self.projection, self.maps = projection, maps
        self.max_points = check_int(max_points, name="max_points", minimum=1)
        self.presenter_font_size = None
        cell = _cell_id()
        if cell is not None:
            old = _BY_CELL.get(cell)
            if old is not None:  # the cell was rerun: the old views' comms go away
                old.close()
            _BY_CELL[cell] = self
        self.selection = Selection()
        self.explorer = self.result_ = self.experiment_ = self.retrain_thread_ = None
        self.picker = ModelPairPicker(on_run=self._run, threaded=threaded, **picker_values)
        self.monitor = TrainingMonitor(stop_event=self.picker.stop_event, min_interval=min_interval)
        self.representation = RepresentationPanel()
        self.dynamics, self.review = DynamicsPanel(self.selection), ReviewPanel(self.selection)
        self.selection.observe(self._follow_review, names="indices")
        self._explore_box = W.VBox([W.HTML("<i>Run an experiment to explore its weak and strong maps.</i>")])
        training = W.VBox([self.monitor.widget, self.representation.widget], layout=W.Layout(width="100%"))
        self.tabs = W.Tab(children=[self.picker.widget, training, self._explore_box, self.dynamics.widget,
                                    self.review.widget], titles=_TABS, layout=W.Layout(width="100%"))
        self.widget = W.VBox([self.tabs], layout=W.Layout(width="100%"))
        self.widget.add_class("w2s-workbench")
        if experiment is None:
            return
        if _is_result(experiment):
            self.show_result(experiment, embeddings=embeddings)
            return
        self.picker.set_experiment(experiment)
        if getattr(experiment, "result_", None) is not None:
            self.show_result(experiment.result_, embeddings=self._embeddings(experiment), experiment=experiment)

    def _repr_mimebundle_(self, **kwargs):
        return self.widget._repr_mimebundle_(**kwargs)

    def close(self) -> None:
        """Close every widget of the Workbench (picker, monitor, explorer, diagnostics): their comms go away."""
        if self.explorer is not None:
            self.explorer.close()
        self.dynamics.close()
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
        dataset = getattr(experiment, "dataset", None)
        self.representation.prepare(gold=getattr(dataset, "labels", None),
                                    label_names=getattr(dataset, "label_names", None))
        result = experiment.run(callbacks=[self.monitor, self.representation], stop_event=picker.stop_event,
                                projection="pca", progress=False)
        self.show_result(result, embeddings=self._embeddings(experiment), replay_history=False,
                         experiment=experiment)
        if self.projection == "umap" and not picker.stop_event.is_set():
            coords = experiment.project(method="umap", progress=False)
            for space in ("weak", "strong"):
                self.explorer.set_coords(space, coords[space], label="UMAP")
            if hasattr(experiment, "attach_projection"):
                experiment.attach_projection(result, coords, method="umap", aligned=True)
        return result

    def show_result(self, result, *, embeddings=None, replay_history: bool = True, experiment=None,
                    keep_review: bool = False) -> EmbeddingExplorer:
        """Fill the explorer, the Dynamics and Review tabs (and, for a finished result, the monitor)
        from ``result``. ``experiment`` (the one that made it) lets the Review tab retrain;
        ``keep_review`` keeps the current review queue (after a retrain)."""
        self.result_, self.experiment_ = result, experiment
        old = self.explorer
        split = old.split if keep_review and old is not None else None  # a retrain keeps the split drawn
        if old is not None:  # stop following the selection before it is cleared; its comms go away
            old.close()
        self.dynamics.release()
        self.selection.clear(source="workbench")
        try:
            self.explorer = EmbeddingExplorer(result, embeddings=embeddings, selection=self.selection, split=split,
                                              maps=self.maps, max_points=self.max_points)
        except ValueError as exc:  # e.g. no coordinates: say so in the tab
            self.explorer = None
            self._replace_explore([W.HTML(error_html(exc))], old)
        else:
            if self.presenter_font_size is not None:
                from .presenter import style_explorer

                style_explorer(self.explorer, self.presenter_font_size)
            self._replace_explore([self.explorer.widget], old)
        self.dynamics.show(result, explorer=self.explorer, font_size=self.presenter_font_size)
        if not keep_review:
            self._show_review(result, embeddings)
        if replay_history:
            self.monitor.show_history(result.history.get("student", []), _info_from_result(result), result=result)
            self.representation.show_history(result.history.get("student", []), gold=result.points["gold"],
                                             categories=result.points["category"], label_names=result.label_names)
        self.tabs.selected_index = _TABS.index("Explore")
        return self.explorer

    def _show_review(self, result, embeddings):
        experiment = self.experiment_
        if experiment is None:
            reason = ("Retrain needs the Experiment that made this result; this Workbench was given a Result "
                      "only. Open Workbench(experiment) to review and retrain.")
        elif not _takes_label_overrides(experiment):
            name = type(experiment).__name__
            experiment, reason = None, f"{name}.run takes no label_overrides, so it cannot retrain."
        else:
            reason = None
        self.review.show(result, on_retrain=None if experiment is None else self._on_retrain,
                         no_retrain_reason=reason, embeddings=embeddings)

    # ------------------------------------------------------------------ review and retrain
    def _follow_review(self, change):
        """A Show button in the Review tab: draw the row's split in the maps so the row is visible."""
        if self.selection.source != "review" or self.explorer is None or not len(change["new"]):
            return
        splits = set(self.explorer.points["split"].astype(str).to_numpy()[change["new"]])
        if self.explorer.split != "all" and splits != {self.explorer.split}:
            self.explorer.show_split(splits.pop() if len(splits) == 1 else "all")

    @property
    def retraining(self) -> bool:
        """True while a Retrain runs in its thread."""
        return self.retrain_thread_ is not None and self.retrain_thread_.is_alive()

    def _on_retrain(self, labels):
        """The Review tab's Retrain: rerun the experiment on the reviewed labels (in a thread when threaded)."""
        if self.picker.running or self.retraining:
            raise ValueError("a run is in progress; wait for it to finish (or press Stop) before retraining.")
        experiment, base = self.experiment_, self.review.base_
        self.picker.stop_event.clear()
        self.picker.run_button.disabled = True  # no new Run while it retrains (enabled again when done)
        self.tabs.selected_index = _TABS.index("Training")
        if not self.picker.threaded:
            return self._retrain(experiment, base, labels)
        future = Future()

        def work():
            try:
                future.set_result(self._retrain(experiment, base, labels))
            except BaseException as exc:  # shown in the Review tab
                future.set_exception(exc)

        self.retrain_thread_ = threading.Thread(target=work, name="w2s-retrain", daemon=True)
        self.retrain_thread_.start()
        return future

    def _retrain(self, experiment, base, labels) -> dict:
        try:
            result = experiment.run(label_overrides=dict(labels), callbacks=[self.monitor, self.representation],
                                    stop_event=self.picker.stop_event, projection=None, progress=False)
            copy_coords(base, result)  # same rows and embeddings: the maps stay where they were
            self.show_result(result, embeddings=self._embeddings(experiment), replay_history=False,
                             experiment=experiment, keep_review=True)
        finally:
            self.picker.run_button.disabled = False
            self.tabs.selected_index = _TABS.index("Review")  # where the before/after (or the error) is shown
        return retrain_summary(base, result, labels)

    def _replace_explore(self, children, old_explorer):
        """Show ``children`` in the Explore tab, then close what was there (after it left the page)."""
        previous = list(self._explore_box.children)
        self._explore_box.children = children
        if old_explorer is not None:
            old_explorer.close()
        for child in previous:
            if child not in children:
                close_tree(child)


def _takes_label_overrides(experiment) -> bool:
    import inspect

    try:
        return "label_overrides" in inspect.signature(experiment.run).parameters
    except (TypeError, ValueError):
        return False
