"""The review-queue widget driven headlessly: dropdowns, Accept / Show / Retrain buttons."""

from __future__ import annotations

import numpy as np
import pytest

from widgets import Selection
from widgets.review_queue import ReviewQueueWidget
from workbench.diagnostics import ReviewQueue, apply_reviews


@pytest.fixture
def setup(fakes):
    points = fakes.make_points(120)
    rng = np.random.default_rng(0)
    score = np.where(points["covered"], rng.uniform(0, 1, len(points)), np.nan)
    queue = ReviewQueue(points, score, top=10)
    return points, score, queue


def test_rows_show_the_queue_sorted_by_score_with_escaped_text(setup, fakes):
    points, score, queue = setup
    w = ReviewQueueWidget(queue, label_names=fakes.LABEL_NAMES)
    assert [e["row"] for e in w.rows] == queue.items["row"].tolist() and len(w.rows_box.children) == 10
    first = w.rows[0]
    assert f"{score[first['row']]:.3f}" in first["html"].value and "pending" in first["html"].value
    assert "<script>" not in "".join(e["html"].value for e in w.rows)
    assert w.retrain_button.disabled                           # no callback given


def test_dropdown_accept_and_reset_update_the_queue_and_summary(setup, fakes):
    _, _, queue = setup
    w = ReviewQueueWidget(queue, label_names=fakes.LABEL_NAMES)
    a, b = w.rows[0], w.rows[1]
    teacher_a = int(queue.items.loc[0, "teacher_label"])
    a["label"].value = 1 - teacher_a                           # change the label
    b["accept"].click()
    assert queue.reviewed_labels() == {a["row"]: 1 - teacher_a, b["row"]: int(queue.items.loc[1, "teacher_label"])}
    assert "relabelled" in a["html"].value and "accepted" in b["html"].value
    assert "2 reviewed · 1 relabelled" in w.summary_html.value
    a["label"].value = -1                                      # back to "—"
    assert queue.reviewed_labels() == {b["row"]: int(queue.items.loc[1, "teacher_label"])}
    b["accept"].click()                                        # accepting twice keeps one verdict
    assert queue.n_reviewed == 1


def test_retrain_button_calls_back_with_the_changed_labels_and_shows_the_result(setup, fakes):
    points, _, queue = setup
    seen = {}

    def on_retrain(labels):
        # what a real retrain does: targets with the reviews applied
        teacher_proba = np.eye(2)[np.maximum(points["teacher_label"], 0)]
        proba, covered, source = apply_reviews(teacher_proba, points["covered"].to_numpy(), labels)
        seen.update(labels=labels, proba=proba, source=source)
        return {"student_acc_before": 0.70, "student_acc_after": 0.75}

    w = ReviewQueueWidget(queue, label_names=fakes.LABEL_NAMES, on_retrain=on_retrain)
    row = w.rows[2]["row"]
    new = 1 - int(points.loc[row, "teacher_label"])
    w.relabel(row, new)
    assert w.retrain_button.description == "Retrain with 1 reviewed labels" and not w.retrain_button.disabled
    w.retrain_button.click()
    assert seen["labels"] == {row: new}
    assert seen["proba"][row].tolist() == np.eye(2)[new].tolist() and seen["source"][row] == "reviewed"
    assert "student_acc_after" in w.status_html.value and "0.750" in w.status_html.value
    assert w.last_result["student_acc_after"] == 0.75


def test_show_selects_the_row_in_the_shared_selection(setup, fakes):
    points, _, queue = setup
    sel = Selection(n_rows=len(points))
    w = ReviewQueueWidget(queue, label_names=fakes.LABEL_NAMES, selection=sel)
    w.rows[3]["show"].click()
    assert sel.get().tolist() == [w.rows[3]["row"]] and sel.source == "review"


def test_review_top_n_resizes_and_keeps_reviews(setup, fakes):
    _, _, queue = setup
    w = ReviewQueueWidget(queue, label_names=fakes.LABEL_NAMES)
    kept = w.rows[0]["row"]
    w.accept(kept)
    w.top_input.value = 25
    w.top_button.click()
    assert len(w.rows) == 25 and len(w.queue) == 25 and w.queue.reviewed_labels() == {kept: w.queue.items.loc[0, "teacher_label"]}
    assert w.rows[0]["label"].value == int(w.queue.items.loc[0, "teacher_label"])


def test_bad_arguments(setup, fakes):
    _, _, queue = setup
    with pytest.raises(TypeError, match="ReviewQueue"):
        ReviewQueueWidget(queue.items, label_names=fakes.LABEL_NAMES)
    with pytest.raises(TypeError, match="on_retrain must be callable"):
        ReviewQueueWidget(queue, label_names=fakes.LABEL_NAMES, on_retrain=3)
    w = ReviewQueueWidget(queue, label_names=fakes.LABEL_NAMES)
    with pytest.raises(ValueError, match="no on_retrain"):
        w.retrain()
    with pytest.raises(ValueError, match="no selection"):
        w.show(w.rows[0]["row"])


def test_a_retrain_that_returns_a_future_keeps_retrain_disabled_until_it_is_done(setup, fakes):
    from concurrent.futures import Future

    _, _, queue = setup
    future = Future()
    w = ReviewQueueWidget(queue, label_names=fakes.LABEL_NAMES, on_retrain=lambda labels: future)
    w.accept(w.rows[0]["row"])
    assert w.retrain() is future
    assert w.retrain_button.disabled and "retraining with 1 reviewed labels" in w.status_html.value
    w.relabel(w.rows[1]["row"], 0)                               # reviewing on while it runs keeps it disabled
    assert w.retrain_button.disabled and w.last_result is None
    future.set_result({"student acc after": 0.8})
    assert not w.retrain_button.disabled and w.last_result == {"student acc after": 0.8}
    assert "0.800" in w.status_html.value
    failed = Future()
    w.on_retrain = lambda labels: failed
    w.retrain()
    failed.set_exception(RuntimeError("out of memory"))
    assert "retrain failed" in w.status_html.value and "out of memory" in w.status_html.value
    assert not w.retrain_button.disabled
