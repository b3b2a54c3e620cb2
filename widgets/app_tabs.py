"""The Workbench's diagnostics views: the Dynamics and Review tabs, and the fine-tuned
student's representation in the Training tab.

Each panel owns one ``ipywidgets.VBox`` that stays in its tab; showing a new result swaps
the box's children and closes the old ones (their comms go away). When a view cannot be
shown, the panel says why in words instead (e.g. a fine-tuned student skips the
diagnostics). The engine's diagnostics modules are imported only when a result needs them,
so opening the Workbench stays light.

* :class:`DynamicsPanel` — :class:`widgets.dynamics_view.DynamicsMap` on the shared
  ``Selection`` (a third linked view), drawing the same split as the explorer.
* :class:`ReviewPanel` — :class:`widgets.review_queue.ReviewQueueWidget` over a
  :class:`workbench.diagnostics.ReviewQueue` of the result's ``teacher_error_score``.
* :class:`RepresentationPanel` — a training callback that shows
  :class:`widgets.representation_view.RepresentationView`, live per epoch, when the
  student's records carry representation maps.
"""

from __future__ import annotations

import html
import math

import ipywidgets as W
import numpy as np
import traitlets

from . import figures as F
from ._lifecycle import close_tree

__all__ = ["DynamicsPanel", "ReviewPanel", "RepresentationPanel", "is_finetuned", "dynamics_reason",
           "review_reason", "retrain_summary", "copy_coords", "DYNAMICS_COLUMNS_NEEDED"]

#: Columns the dynamics map needs (toward the teacher's label).
DYNAMICS_COLUMNS_NEEDED = ("conf_teacher", "var_teacher")
_COORDS = ("map_weak_x", "map_weak_y", "map_strong_x", "map_strong_y")
_FINETUNE_SKIP = ("This run fine-tuned the strong model, and fine-tuned students skip the gold-free diagnostics "
                  "(cross-fitting would fine-tune the model again for every fold), so it has no {what}. "
                  "Run a frozen-head student to get them.")


def _swap(box, children) -> None:
    """Show ``children`` in ``box``, then close what was there (after it left the page)."""
    previous = list(box.children)
    box.children = list(children)
    for child in previous:
        if child not in children:
            close_tree(child)


def _note(text: str) -> W.HTML:
    return W.HTML(f"<i>{html.escape(text)}</i>")


def is_finetuned(result) -> bool:
    """True when ``result`` came from a fine-tuned student (``config["student"]["mode"]`` lora/full)."""
    student = (getattr(result, "config", None) or {}).get("student") or {}
    return isinstance(student, dict) and student.get("mode") in ("lora", "full")


def dynamics_reason(result) -> str | None:
    """Why ``result`` has no dynamics map (None when it has one)."""
    if result is None:
        return "Run an experiment to see each point's training dynamics."
    if all(c in result.points.columns for c in DYNAMICS_COLUMNS_NEEDED):
        if result.points["conf_teacher"].notna().any():
            return None
        return "No point has a teacher label to track (the teacher abstained everywhere)."
    if is_finetuned(result):
        return _FINETUNE_SKIP.format(what="training dynamics")
    if "teacher_error_score" in result.points.columns:
        return ("This result has no per-epoch student probabilities, so no training dynamics "
                "(Experiment.run records them for every run with diagnostics).")
    return ("This result has no diagnostics columns: run it with Experiment.run(diagnostics=True) "
            "(the default) to get the training dynamics.")


def review_reason(result) -> str | None:
    """Why ``result`` has no review queue (None when it has one)."""
    if result is None:
        return "Run an experiment to review the pseudolabels most likely wrong."
    if "teacher_error_score" in result.points.columns and result.points["teacher_error_score"].notna().any():
        return None
    if is_finetuned(result):
        return _FINETUNE_SKIP.format(what="teacher-error score to rank the pseudolabels by")
    return ("This result has no teacher_error_score column: run it with Experiment.run(diagnostics=True) "
            "(the default) to rank the pseudolabels most likely wrong.")


def most_changed_html(points, *, split=None, top: int = 15, max_text: int = 140) -> str:
    """A table of the ``top`` points whose k nearest neighbours changed most between the weak and
    strong spaces (lowest ``knn_jaccard`` first), in ``split`` (every row for None or "all"); text escaped."""
    if "knn_jaccard" not in points.columns:
        return "<i>No knn_jaccard column: the neighbourhood change was not computed for this result.</i>"
    from workbench.diagnostics.neighbourhood import most_changed

    split = None if split == "all" else split
    rows = points if split is None else points[points["split"] == split]
    picked = rows.iloc[most_changed(rows["knn_jaccard"].to_numpy(np.float64), top=top)]
    body = "".join(
        f"<tr><td>{html.escape(str(r.id))}</td><td>{html.escape(F.shorten(r.text, max_text))}</td>"
        f"<td>{html.escape(str(r.category))}</td><td>{r.knn_jaccard:.2f}</td></tr>"
        for r in picked.itertuples(index=False))
    where = "every split" if split is None else f"the {html.escape(str(split))} split"
    return (f"<b>Points whose neighbourhood changed most</b> ({where}; Jaccard overlap of the 10 nearest "
            "neighbours in weak vs strong space, 0 = none shared)"
            "<table style='width:100%;border-collapse:collapse'><tr><th align=left>id</th><th align=left>text</th>"
            f"<th align=left>category</th><th align=left>Jaccard</th></tr>{body}</table>")


class DynamicsPanel:
    """The Dynamics tab: the dynamics map linked to the explorer through one ``Selection``.

    Parameters
    ----------
    selection : Selection
        The Workbench's shared selection.

    Attributes
    ----------
    map : DynamicsMap or None
    widget : ipywidgets.VBox
    """

    def __init__(self, selection):
        self.selection = selection
        self.map = None
        self._link = None
        self.widget = W.VBox([_note(dynamics_reason(None))], layout=W.Layout(width="100%"))

    def show(self, result, *, explorer=None, font_size=None):
        """Draw ``result``'s dynamics (or say why there are none); returns the map or None."""
        self.release()
        reason = dynamics_reason(result)
        if reason is not None:
            _swap(self.widget, [_note(reason)])
            return None
        from .dynamics_view import DynamicsMap

        split = explorer.split if explorer is not None else None
        self.map = DynamicsMap(result, selection=self.selection, split=split)
        if explorer is not None:  # one split in every map: changing it here changes it there
            self._link = traitlets.link((explorer.split_dropdown, "value"), (self.map.split_dropdown, "value"))
        if font_size is not None:
            from .presenter import style_figure

            style_figure(self.map.figure, font_size)
        intro = W.HTML("Each point's mean probability of the teacher's label over the student's epochs "
                       "(confidence) against its spread (variability). <b>Hard</b> (low confidence, low "
                       "variability): the student never fits the teacher's label, a likely teacher error. "
                       "A box, lasso or click here selects the same points in the Explore tab's maps.")
        self.changed_html = W.HTML(most_changed_html(result.points, split=self.map.split_dropdown.value),
                                   layout=W.Layout(width="100%"))
        self.map.split_dropdown.observe(  # the list follows the split drawn in the maps
            lambda c: setattr(self.changed_html, "value", most_changed_html(result.points, split=c["new"])),
            names="value")
        _swap(self.widget, [intro, self.map.widget, self.changed_html])
        return self.map

    def release(self) -> None:
        """Stop the current map following the selection and the explorer's split (it stays drawn)."""
        if self._link is not None:
            self._link.unlink()
            self._link = None
        if self.map is not None:
            self.map.close()  # stops following the selection
            self.map = None

    def close(self) -> None:
        self.release()
        close_tree(self.widget)


class ReviewPanel:
    """The Review tab: the top pseudolabels by teacher-error score, reviewed and retrained.

    Parameters
    ----------
    selection : Selection
        Show buttons select their row there.
    top : int, default 50
        Initial queue length.

    Attributes
    ----------
    queue_widget : ReviewQueueWidget or None
    note : ipywidgets.HTML or None
        Under the queue: why Retrain is disabled (empty when it is enabled).
    base_ : Result or None
        The result the queue was built from (the "before" of a retrain).
    widget : ipywidgets.VBox
    """

    def __init__(self, selection, *, top: int = 50):
        self.selection, self.top = selection, int(top)
        self.queue_widget = self.base_ = self.note = None
        self.widget = W.VBox([_note(review_reason(None))], layout=W.Layout(width="100%"))

    def show(self, result, *, on_retrain=None, no_retrain_reason: str | None = None, embeddings=None):
        """Queue ``result``'s pseudolabels (or say why there is no queue); returns the widget or None.

        ``on_retrain(labels)`` is the Retrain button's action; without it Retrain is disabled and
        ``no_retrain_reason`` says why.
        """
        reason = review_reason(result)
        if reason is not None:
            self.queue_widget = self.base_ = None
            _swap(self.widget, [_note(reason)])
            return None
        from workbench.diagnostics import ReviewQueue

        from .review_queue import ReviewQueueWidget

        points = result.points.reset_index(drop=True)
        queue = ReviewQueue(points, points["teacher_error_score"].to_numpy(np.float64), top=self.top,
                            neighbors=_neighbors(embeddings, len(points)))
        self.base_ = result
        self.queue_widget = ReviewQueueWidget(queue, label_names=result.label_names, on_retrain=on_retrain,
                                              selection=self.selection)
        intro = W.HTML("The training pseudolabels most likely wrong, by the gold-free teacher-error score "
                       "(cleanlab on cross-fitted student probabilities). Accept or change a label, then "
                       "<b>Retrain</b> reruns the student on the reviewed labels; Show selects the point in "
                       "the maps.")
        self.note = W.HTML("" if on_retrain is not None else (
            f"<span style='color:#b00020'>{html.escape(no_retrain_reason or 'Retrain is not available.')}</span>"))
        _swap(self.widget, [intro, self.queue_widget.widget, self.note])
        return self.queue_widget

    def close(self) -> None:
        close_tree(self.widget)


def _neighbors(embeddings, n, *, k: int = 8, max_rows: int = 50_000):
    """Strong-space nearest neighbours for the queue's neighbour agreement (None without embeddings)."""
    X = (embeddings or {}).get("strong")
    if X is None or len(X) != n or n > max_rows or n <= k:
        return None
    from workbench.diagnostics import knn_indices

    return knn_indices(np.asarray(X, dtype=np.float32), k=k)


def copy_coords(base, result) -> None:
    """Give ``result`` the 2-D coordinates of ``base`` (same rows, same embeddings: a retrain)."""
    if len(base.points) != len(result.points) or not np.array_equal(base.points["id"].to_numpy(),
                                                                     result.points["id"].to_numpy()):
        raise ValueError("the retrained result has other rows than the reviewed one; rerun the projection.")
    for col in _COORDS:
        if col in base.points.columns:
            result.points[col] = base.points[col].to_numpy()
    result.config["projection"] = base.config.get("projection")


def retrain_summary(before, after, labels) -> dict:
    """Before/after metrics of a retrain on reviewed ``labels`` ({row: label}), for the Review tab."""
    b, a = before.metrics, after.metrics
    n = len(labels)
    gain = a.get("student_acc", math.nan) - b.get("student_acc", math.nan)
    return {"reviewed labels": n, "labels changed": int(a.get("n_relabelled", 0)),
            "student acc before": float(b.get("student_acc", math.nan)),
            "student acc after": float(a.get("student_acc", math.nan)),
            "student acc gained per reviewed label (points of %)": float(100 * gain / n) if n else math.nan,
            "PGR before": float(b.get("pgr", math.nan)), "PGR after": float(a.get("pgr", math.nan)),
            "epochs": int(a.get("student_epochs", 0)), "stopped early": bool(a.get("stopped_early", False))}


class RepresentationPanel:
    """Training-tab callback: the fine-tuned student's representation, drawn live per epoch.

    Shows nothing for a student whose records carry no ``extra["representation"]`` (the
    frozen head). ``gold`` and ``categories`` index the student's evaluation rows (every
    row of the per-point table).

    Attributes
    ----------
    view : RepresentationView or None
    widget : ipywidgets.VBox
    """

    def __init__(self):
        self.view = None
        self.gold = self.label_names = None
        self.widget = W.VBox(layout=W.Layout(width="100%"))

    def prepare(self, *, gold=None, label_names=None) -> None:
        """Colours for the next run's maps: gold labels of every row, shape (n,)."""
        self.gold = None if gold is None else np.asarray(gold)
        self.label_names = None if label_names is None else tuple(label_names)

    def _clear(self):
        self.view = None
        _swap(self.widget, [])

    def _make(self, history, categories=None):
        from .representation_view import RepresentationView

        self.view = RepresentationView(history, gold=self.gold, categories=categories, label_names=self.label_names)
        heading = W.HTML("<b>The student's representation over training</b>: a fixed sample of points "
                         "re-embedded by the fine-tuned student after every epoch, on one PCA basis (epoch 0 "
                         "= before training). Move the slider to watch corrected points move toward their "
                         "gold class.")
        _swap(self.widget, [heading, self.view.widget])

    # ------------------------------------------------------------------ callback protocol
    def on_train_begin(self, info) -> None:
        self._clear()
        names = getattr(info, "label_names", None) or (info.get("label_names") if isinstance(info, dict) else None)
        if names is not None:
            self.label_names = tuple(names)

    def on_epoch_end(self, record) -> bool:
        if "representation" not in (getattr(record, "extra", None) or {}):
            return False
        if self.view is None:
            self._make([record])
        else:
            self.view.on_epoch_end(record)
        return False

    def on_train_end(self, result) -> None:
        if self.view is not None and "category" in result.points.columns:
            self.view.set_coloring("category", result.points["category"].to_numpy())

    def show_history(self, history, *, gold=None, categories=None, label_names=None) -> None:
        """Show a finished run's maps (nothing when its records have none)."""
        from .representation_view import representation_frames

        self.prepare(gold=gold, label_names=label_names)
        if not representation_frames(history):
            self._clear()
            return
        self._make(list(history), categories=categories)

    def close(self) -> None:
        close_tree(self.widget)
