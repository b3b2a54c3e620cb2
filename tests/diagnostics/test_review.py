"""Review queue state, applying the reviews, and the budget curve, on hand-made tables."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from workbench.diagnostics import ReviewQueue, apply_reviews, budget_curve


def table():
    return pd.DataFrame({
        "id": [f"ex{i}" for i in range(6)], "text": [f"text {i}" for i in range(6)],
        "split": ["student_train", "student_train", "test", "student_train", "student_train", "student_train"],
        "teacher_label": [0, 1, 1, -1, 0, 1], "teacher_conf": [0.9, 0.6, 0.7, 0.5, 0.8, 0.55],
        "covered": [True, True, True, False, True, True], "student_label": [1, 1, 0, 0, 0, 0],
    })


SCORE = np.array([0.8, 0.3, 0.99, np.nan, 0.1, 0.6])


def test_queue_holds_top_covered_training_rows_by_score():
    q = ReviewQueue(table(), SCORE, top=3)
    assert q.items["row"].tolist() == [0, 5, 1]           # row 2 is test, row 3 uncovered, row 4 beyond top 3
    assert q.items["score"].tolist() == [0.8, 0.6, 0.3] and (q.items["status"] == "pending").all()
    assert ReviewQueue(table(), SCORE, top=10, splits=None).items["row"].tolist() == [2, 0, 5, 1, 4]


def test_neighbour_agreement_column():
    nb = np.array([[1, 2], [0, 2], [0, 1], [0, 1], [0, 1], [1, 2]])
    q = ReviewQueue(table(), SCORE, top=2, neighbors=nb)
    # row 0 (teacher 0): neighbours 1, 2 have teacher 1, 1 -> 0; row 5 (teacher 1): rows 1, 2 -> 1
    assert q.items["nbr_agree"].tolist() == [0.0, 1.0]


def test_accept_relabel_reset_and_reviewed_labels():
    q = ReviewQueue(table(), SCORE, top=3)
    q.relabel(0, 1)
    q.accept(5)
    q.relabel(1, 1)                                         # the teacher's own label = accepted
    assert q.items["status"].tolist() == ["relabelled", "accepted", "accepted"]
    assert q.reviewed_labels() == {0: 1, 5: 1, 1: 1} and q.n_reviewed == 3 and q.n_changed == 1
    q.reset(5)
    assert q.reviewed_labels() == {0: 1, 1: 1} and "2 reviewed" in repr(q)
    with pytest.raises(ValueError, match="not in the review queue"):
        q.accept(2)
    with pytest.raises(ValueError, match="label must be >= 0"):
        q.relabel(0, -1)


def test_resized_queue_keeps_the_reviews_of_rows_still_in_it():
    q = ReviewQueue(table(), SCORE, top=3)
    q.relabel(0, 1)
    q.accept(1)
    shorter, longer = q.resized(2), q.resized(5)
    assert shorter.items["row"].tolist() == [0, 5] and shorter.reviewed_labels() == {0: 1}
    assert longer.items["row"].tolist() == [0, 5, 1, 4] and longer.reviewed_labels() == {0: 1, 1: 1}
    assert longer.items.set_index("row").loc[1, "status"] == "accepted"


def test_apply_reviews_sets_one_hot_targets_and_label_source():
    proba = np.array([[0.9, 0.1], [0.4, 0.6], [0.5, 0.5]])
    covered = np.array([True, True, False])
    new, cov, source = apply_reviews(proba, covered, {0: 1, 2: 0})
    assert new.tolist() == [[0.0, 1.0], [0.4, 0.6], [1.0, 0.0]]
    assert cov.tolist() == [True, True, True] and source.tolist() == ["reviewed", "teacher", "reviewed"]
    assert proba[0].tolist() == [0.9, 0.1]                  # inputs untouched
    _, _, kept = apply_reviews(proba, covered, {}, label_source=np.array(["weak", "smoothed", "weak"]))
    assert kept.tolist() == ["weak", "smoothed", "weak"]
    with pytest.raises(ValueError, match="not a class index"):
        apply_reviews(proba, covered, {0: 2})
    with pytest.raises(ValueError, match="out of range"):
        apply_reviews(proba, covered, {3: 0})


def test_retraining_on_applied_reviews_sees_the_changed_labels():
    class Recorder:
        def fit(self, X, y_proba, **kw):
            self.targets = y_proba
            return self
    points = table()
    q = ReviewQueue(points, SCORE, top=3)
    q.relabel(0, 1)
    q.relabel(5, 0)
    teacher_proba = np.eye(2)[np.maximum(points["teacher_label"], 0)] * 0.7 + 0.15
    proba, covered, source = apply_reviews(teacher_proba, points["covered"].to_numpy(), q.reviewed_labels())
    train = np.flatnonzero((points["split"] == "student_train").to_numpy() & covered)
    student = Recorder().fit(np.zeros((len(train), 1)), proba[train])
    by_row = dict(zip(train.tolist(), student.targets.argmax(1).tolist()))
    assert by_row[0] == 1 and by_row[5] == 0 and by_row[1] == 1 and by_row[4] == 0
    assert source[[0, 5]].tolist() == ["reviewed", "reviewed"]


def test_budget_curve_by_hand():
    wrong = np.array([1, 0, 1, 0, 0])
    gold = np.zeros(5, int)
    teacher = wrong.copy()
    score = np.array([0.9, 0.1, 0.8, 0.2, 0.3])
    conf = np.array([0.6, 0.55, 0.9, 0.7, 0.8])
    curve = budget_curve(score, teacher, gold, np.ones(5, bool), [0, 1, 2, 9], teacher_conf=conf)
    assert curve["budget"].tolist() == [0, 1, 2, 5]
    assert curve["acc_score"].tolist() == pytest.approx([0.6, 0.8, 1.0, 1.0])
    assert curve["acc_conf"].tolist() == pytest.approx([0.6, 0.6, 0.8, 1.0])   # lowest confidence: rows 1, 0
    assert curve["acc_random"].tolist() == pytest.approx([0.6, 0.68, 0.76, 1.0])
    assert curve["acc_oracle"].tolist() == pytest.approx([0.6, 0.8, 1.0, 1.0])
    assert curve.loc[2, "gain_per_label_score"] == pytest.approx(0.2) and curve.loc[2, "gain_per_label_conf"] == 0.1
    assert math.isnan(curve.loc[0, "gain_per_label_score"])


def test_queue_bad_inputs():
    with pytest.raises(ValueError, match="one value per row"):
        ReviewQueue(table(), SCORE[:3])
    with pytest.raises(ValueError, match="lacks columns"):
        ReviewQueue(table().drop(columns="text"), SCORE)
    with pytest.raises(ValueError, match="nothing to review"):
        budget_curve(np.full(2, np.nan), [0, 0], [0, 0], [True, True], [1], teacher_conf=[0.5, 0.5])
