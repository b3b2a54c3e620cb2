"""teacher_diagnostics on a small synthetic run with the real HeadTrainer."""

from __future__ import annotations

import numpy as np
import pytest

from workbench.diagnostics import DIAGNOSTIC_COLUMNS, EpochProbaStore, teacher_diagnostics, teacher_error_score
from workbench.train import HeadTrainer


@pytest.fixture(scope="module")
def run():
    rng = np.random.default_rng(0)
    n = 400
    gold = rng.integers(0, 2, n)
    X_strong = (np.array([[-1.5, 0, 0], [1.5, 0, 0]])[gold] + rng.normal(0, 0.8, (n, 3))).astype(np.float32)
    X_weak = (X_strong[:, :2] + rng.normal(0, 1.0, (n, 2))).astype(np.float32)
    teacher = np.where(rng.random(n) < 0.8, gold, 1 - gold)
    teacher_proba = np.eye(2)[teacher] * 0.7 + 0.15
    covered = rng.random(n) < 0.9
    split = np.where(np.arange(n) < 250, "student_train", "test").astype(object)
    train = np.flatnonzero((split == "student_train") & covered)
    make = lambda: HeadTrainer(epochs=8, lr=0.05, batch_size=64, seed=0)   # noqa: E731
    store = EpochProbaStore(n, 2, max_epochs=8)
    student = make().fit(X_strong[train], teacher_proba[train], X_eval=X_strong, callbacks=[store])
    return dict(X_strong=X_strong, X_weak=X_weak, teacher_proba=teacher_proba, covered=covered, split=split,
                student_proba=student.predict_proba(X_strong), gold=gold, make=make, epoch_proba=store.array,
                train=train, teacher=teacher)


def test_all_columns_and_metrics(run):
    d = teacher_diagnostics(X_strong=run["X_strong"], teacher_proba=run["teacher_proba"], covered=run["covered"],
                            split=run["split"], student_proba=run["student_proba"], make_student=run["make"],
                            gold=run["gold"], X_weak=run["X_weak"], epoch_proba=run["epoch_proba"], n_folds=3)
    assert tuple(d.columns.columns) == DIAGNOSTIC_COLUMNS and len(d.columns) == 400
    score = d.columns["teacher_error_score"].to_numpy()
    assert np.isnan(score[~run["covered"]]).all() and np.isfinite(score[run["covered"]]).all()
    test = run["split"] == "test"
    assert np.array_equal(d.oof_proba[test], run["student_proba"][test])          # never trained on test rows
    assert not np.allclose(d.oof_proba[run["train"]], run["student_proba"][run["train"]])  # cross-fitted there
    expected = teacher_error_score(np.where(run["covered"], run["teacher"], -1), d.oof_proba, covered=run["covered"])
    assert np.allclose(score, expected, equal_nan=True)
    assert d.metrics["teacher_error_method"] == "self_confidence" and d.metrics["crossfit_folds"] == 3
    assert d.metrics["teacher_error_auroc_test"] > 0.7 and d.metrics["teacher_error_auroc_student_train"] > 0.7
    assert set(d.columns["region"]) <= {"easy", "ambiguous", "hard", "none"}
    assert (d.columns["region"][~run["covered"]] == "none").all()
    assert ((d.columns["knn_jaccard"] >= 0) & (d.columns["knn_jaccard"] <= 1)).all()


def test_gold_free_minimal_call(run):
    d = teacher_diagnostics(X_strong=run["X_strong"], teacher_proba=run["teacher_proba"], covered=run["covered"],
                            split=run["split"], student_proba=run["student_proba"], make_student=run["make"],
                            n_folds=3, method="normalized_margin")
    assert list(d.columns.columns) == ["teacher_error_score"]
    assert set(d.metrics) == {"teacher_error_method", "crossfit_folds"}
    with pytest.raises(ValueError, match="method must be one of"):
        teacher_diagnostics(X_strong=run["X_strong"], teacher_proba=run["teacher_proba"], covered=run["covered"],
                            split=run["split"], student_proba=run["student_proba"], make_student=run["make"],
                            method="margin")
