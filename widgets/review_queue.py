"""The review queue widget: accept or change the pseudolabels most likely wrong, then retrain.

A thin ipywidgets view over :class:`workbench.diagnostics.ReviewQueue` (which holds all the
state). One row per queued point: its text, the teacher's label and confidence, the
student's prediction, the teacher-error score (and neighbour agreement when known), a
label dropdown ("—" = not reviewed), an Accept button (keep the teacher's label) and a Show
button (select the point in every linked map through the shared ``Selection``). "Review the
top N" resizes the queue, keeping the reviews made so far. Retrain calls the user's
``on_retrain(reviewed_labels)`` with ``{row: label}``; whatever it returns (e.g. a dict of
metrics before/after) is shown under the button. A ``concurrent.futures.Future`` (a retrain
running in a thread) disables Retrain until it is done, then shows its result or error.
"""

from __future__ import annotations

import html
from concurrent.futures import Future

import ipywidgets as W

from workbench.diagnostics import ReviewQueue

__all__ = ["ReviewQueueWidget"]

_PENDING = -1
_STATUS_COLORS = {"pending": "#7f7f7f", "accepted": "#1f77b4", "relabelled": "#2ca02c"}


class ReviewQueueWidget:
    """Review the top-N pseudolabels by teacher-error score.

    Parameters
    ----------
    queue : ReviewQueue
    label_names : sequence of str
    on_retrain : callable ({row: label}) -> object, optional
        Called by the Retrain button with ``queue.reviewed_labels()``.
    selection : widgets.selection.Selection, optional
        The Show buttons select their row there (source ``"review"``).
    max_text : int, default 240
        Characters of each text shown.

    Attributes
    ----------
    queue : ReviewQueue
    rows : list of dict
        Per item: ``{"row", "html", "label", "accept", "show"}`` widgets.
    retrain_button, top_input, status_html, widget
    """

    source = "review"

    def __init__(self, queue: ReviewQueue, *, label_names, on_retrain=None, selection=None, max_text: int = 240):
        if not isinstance(queue, ReviewQueue):
            raise TypeError(f"queue must be a workbench.diagnostics.ReviewQueue; got {type(queue).__name__}.")
        self.label_names = tuple(str(n) for n in label_names)
        if not self.label_names:
            raise ValueError("label_names is empty; pass the dataset's class names.")
        if on_retrain is not None and not callable(on_retrain):
            raise TypeError(f"on_retrain must be callable; got {on_retrain!r}.")
        self.queue, self.on_retrain, self.selection, self.max_text = queue, on_retrain, selection, int(max_text)
        self.last_result = None
        self._busy = False  # a retrain runs in a thread
        self.top_input = W.BoundedIntText(value=queue.top, min=1, max=max(len(queue.points), 1),
                                          description="review top")
        self.top_button = W.Button(description="Set queue length", icon="list")
        self.top_button.on_click(lambda _: self.set_top(self.top_input.value))
        self.retrain_button = W.Button(description="Retrain", icon="refresh", button_style="primary")
        self.retrain_button.on_click(lambda _: self.retrain())
        self.summary_html, self.status_html = W.HTML(), W.HTML()
        self.rows_box = W.VBox(layout=W.Layout(max_height="520px", overflow="auto"))
        self.widget = W.VBox([W.HBox([self.top_input, self.top_button]), self.summary_html, self.rows_box,
                              W.HBox([self.retrain_button]), self.status_html])
        self._build_rows()

    def _repr_mimebundle_(self, **kwargs):
        return self.widget._repr_mimebundle_(**kwargs)

    # ------------------------------------------------------------------ rows
    def _build_rows(self):
        options = [("—", _PENDING)] + [(name, i) for i, name in enumerate(self.label_names)]
        self.rows = []
        for item in self.queue.items.itertuples(index=False):
            row = int(item.row)
            label = W.Dropdown(options=options, value=int(item.reviewed_label), layout=W.Layout(width="150px"))
            accept = W.Button(description="Accept", icon="check", layout=W.Layout(width="90px"))
            show = W.Button(description="Show", icon="crosshairs", layout=W.Layout(width="80px"),
                            disabled=self.selection is None)
            label.observe(lambda change, r=row: self._on_label(r, change["new"]), names="value")
            accept.on_click(lambda _, r=row: self.accept(r))
            show.on_click(lambda _, r=row: self.show(r))
            entry = {"row": row, "html": W.HTML(layout=W.Layout(flex="1 1 0", min_width="0")), "label": label,
                     "accept": accept, "show": show}
            self.rows.append(entry)
            self._render_row(entry)
        self.rows_box.children = [W.HBox([e["html"], e["label"], e["accept"], e["show"]]) for e in self.rows]
        self._render_summary()

    def _item(self, row):
        return self.queue.items.loc[self.queue.items["row"] == row].iloc[0]

    def _name(self, i) -> str:
        i = int(i)
        return html.escape(self.label_names[i]) if 0 <= i < len(self.label_names) else "abstained"

    def _render_row(self, entry):
        it = self._item(entry["row"])
        text = str(it["text"])
        text = text if len(text) <= self.max_text else text[: self.max_text - 1] + "…"
        nbr = f" · neighbours agree {it['nbr_agree']:.2f}" if "nbr_agree" in it.index else ""
        color = _STATUS_COLORS[it["status"]]
        entry["html"].value = (
            f"<b>{html.escape(str(it['id']))}</b> · score <b>{it['score']:.3f}</b> · teacher "
            f"<b>{self._name(it['teacher_label'])}</b> ({it['teacher_conf']:.2f}) · student "
            f"<b>{self._name(it['student_label'])}</b>{nbr} · <span style='color:{color}'>{it['status']}</span>"
            f"<br><i>{html.escape(text)}</i>")

    def _render_summary(self):
        q = self.queue
        self.summary_html.value = (f"<b>{len(q):,}</b> pseudolabels most likely wrong, by teacher-error score · "
                                   f"{q.n_reviewed:,} reviewed · {q.n_changed:,} relabelled")
        self.retrain_button.description = f"Retrain with {q.n_reviewed:,} reviewed labels"
        self.retrain_button.disabled = self.on_retrain is None or self._busy

    def _entry(self, row):
        for entry in self.rows:
            if entry["row"] == int(row):
                return entry
        raise ValueError(f"row {row} is not in the review queue; review one of queue.items['row'].")

    # -------------------------------------------------------------- actions
    def _on_label(self, row, value):
        if value == _PENDING:
            self.queue.reset(row)
        else:
            self.queue.relabel(row, int(value))
        self._render_row(self._entry(row))
        self._render_summary()

    def accept(self, row: int) -> None:
        """Keep the teacher's label of ``row`` (what its Accept button does)."""
        entry = self._entry(row)
        teacher = int(self._item(row)["teacher_label"])
        if entry["label"].value == teacher:
            self._on_label(row, teacher)  # dropdown unchanged: record the verdict anyway
        else:
            entry["label"].value = teacher

    def relabel(self, row: int, label: int) -> None:
        """Set the reviewed label of ``row`` (as choosing it in the row's dropdown)."""
        self._entry(row)["label"].value = int(label)

    def show(self, row: int) -> None:
        """Select ``row`` in the shared selection (its Show button)."""
        if self.selection is None:
            raise ValueError("this review queue has no selection; pass selection=explorer.selection.")
        self.selection.set([int(row)], source=self.source)

    def set_top(self, top: int) -> None:
        """Queue the top ``top`` pseudolabels instead, keeping the reviews made so far."""
        self.queue = self.queue.resized(int(top))
        if self.top_input.value != int(top):
            self.top_input.value = int(top)
        self._build_rows()

    def retrain(self):
        """Call ``on_retrain(reviewed_labels)`` and show what it returned.

        When it returns a ``Future``, Retrain stays disabled until the future is done; its
        result (or error) is then shown and kept in :attr:`last_result`.
        """
        if self.on_retrain is None:
            raise ValueError("no on_retrain callback was given; pass on_retrain=lambda labels: ...")
        labels = self.queue.reviewed_labels()
        self.status_html.value = f"<i>retraining with {len(labels):,} reviewed labels…</i>"
        try:
            out = self.on_retrain(labels)
        except Exception as exc:  # shown in the widget; the kernel keeps running
            self._show_error(exc)
            raise
        if isinstance(out, Future):
            self._busy = self.retrain_button.disabled = True
            self.status_html.value = (f"<i>retraining with {len(labels):,} reviewed labels… "
                                      "(the Training tab shows it live)</i>")
            out.add_done_callback(lambda f: self._finished(f, len(labels)))
            return out
        self.last_result = out
        self.status_html.value = _describe(out, len(labels))
        return out

    def _finished(self, future, n_labels):
        self._busy = False
        self.retrain_button.disabled = self.on_retrain is None
        exc = future.exception()
        if exc is not None:
            self._show_error(exc)
            return
        self.last_result = future.result()
        self.status_html.value = _describe(self.last_result, n_labels)

    def _show_error(self, exc):
        self.status_html.value = f"<span style='color:#d62728'>retrain failed: {html.escape(repr(exc))}</span>"


def _describe(result, n_labels) -> str:
    head = f"retrained with {n_labels:,} reviewed labels"
    if isinstance(result, dict):
        cells = "".join(f"<tr><td>{html.escape(str(k))}</td><td>{_fmt(v)}</td></tr>" for k, v in result.items())
        return f"{head}<table>{cells}</table>"
    return head if result is None else f"{head}: {html.escape(str(result))}"


def _fmt(v) -> str:
    return f"{v:.3f}" if isinstance(v, float) else html.escape(str(v))
