"""Cross-fitting: every row's probabilities come from a student that never saw the row."""

from __future__ import annotations

import numpy as np
import pytest

from workbench.diagnostics import crossfit, crossfit_proba, fold_assignment, out_of_sample_proba


class RecordingStudent:
    """A fake student: column 0 of X is the row id; it records the ids it trains on and refuses
    to predict any of them. Its probabilities encode which instance made them."""

    made = []

    def __init__(self):
        self.number = len(RecordingStudent.made)
        RecordingStudent.made.append(self)
        self.seen = None

    def fit(self, X, y_proba, **options):
        self.seen = set(X[:, 0].astype(int).tolist())
        self.options = options
        return self

    def predict_proba(self, X):
        ids = set(X[:, 0].astype(int).tolist())
        if ids & self.seen:
            raise AssertionError(f"asked to predict rows it trained on: {sorted(ids & self.seen)}")
        p = 0.01 * (self.number + 1)
        return np.tile([p, 1 - p], (len(X), 1))


@pytest.fixture
def data():
    RecordingStudent.made = []
    n = 23
    X = np.column_stack([np.arange(n), np.random.default_rng(0).normal(size=n)]).astype(np.float32)
    labels = np.array([0] * 14 + [1] * 9)
    Y = np.eye(2)[labels] * 0.8 + 0.1
    return X, Y, labels


def test_each_row_is_predicted_by_the_student_that_did_not_train_on_it(data):
    X, Y, _ = data
    cf = crossfit(X, Y, make_student=RecordingStudent, n_folds=4, seed=3)
    assert len(cf.students) == 4 and len({id(s) for s in cf.students}) == 4
    for f, student in enumerate(cf.students):
        held = np.flatnonzero(cf.folds == f)
        assert student.seen == set(range(len(X))) - set(held.tolist())   # trained on exactly the other folds
        p = 0.01 * (student.number + 1)
        assert np.allclose(cf.proba[held], [p, 1 - p])                  # these rows came from this student
    for i in range(len(X)):
        assert i not in cf.students[cf.folds[i]].seen


def test_folds_are_stratified_seeded_and_balanced():
    labels = np.array([0] * 6 + [1] * 4)
    folds = fold_assignment(labels, n_folds=2, seed=0)
    assert np.bincount(folds[labels == 0]).tolist() == [3, 3]
    assert np.bincount(folds[labels == 1]).tolist() == [2, 2]
    assert np.array_equal(folds, fold_assignment(labels, n_folds=2, seed=0))
    assert not np.array_equal(fold_assignment(np.zeros(40, int), n_folds=2, seed=0),
                              fold_assignment(np.zeros(40, int), n_folds=2, seed=1))
    sizes = np.bincount(fold_assignment(np.array([0, 0, 0, 1, 1, 1, 2]), n_folds=3))
    assert sizes.max() - sizes.min() <= 1


def test_fit_options_reach_every_student_and_proba_is_the_plain_array(data):
    X, Y, _ = data
    P = crossfit_proba(X, Y, make_student=RecordingStudent, n_folds=3, fit_options={"X_val": "v"})
    assert P.shape == Y.shape and np.isfinite(P).all()
    assert all(s.options == {"X_val": "v"} for s in RecordingStudent.made)


def test_out_of_sample_proba_crossfits_only_the_covered_training_rows(data):
    X, Y, _ = data
    n = len(X)
    train = np.arange(0, 15)
    covered = np.ones(n, bool)
    covered[[2, 20]] = False
    student = np.tile([0.5, 0.5], (n, 1))
    out = out_of_sample_proba(X, Y, covered, train, student, make_student=RecordingStudent, n_folds=3)
    fitted = train[covered[train]]
    others = np.setdiff1d(np.arange(n), fitted)
    assert np.array_equal(out[others], student[others])                 # test rows, uncovered train row 2
    assert not np.isclose(out[fitted, 0], 0.5).any()                   # all from fold students
    seen = set().union(*(s.seen for s in RecordingStudent.made))
    assert seen == set(fitted.tolist())                                 # no fold student saw a non-train row


def test_bad_inputs_raise_with_a_fix():
    X = np.zeros((3, 2), np.float32)
    Y = np.tile([0.5, 0.5], (3, 1))
    with pytest.raises(ValueError, match="n_folds=5 needs at least 5 rows"):
        crossfit(X, Y, make_student=RecordingStudent)
    with pytest.raises(TypeError, match="make_student must be a callable"):
        crossfit(X, Y, make_student=RecordingStudent(), n_folds=2)
    with pytest.raises(ValueError, match="lengths differ"):
        crossfit(X, Y[:2], make_student=RecordingStudent, n_folds=2)

    class Wrong(RecordingStudent):
        def predict_proba(self, X):
            return np.zeros((len(X), 3))
    with pytest.raises(ValueError, match="expected"):
        crossfit(np.column_stack([np.arange(4), np.ones(4)]), np.tile([0.5, 0.5], (4, 1)), make_student=Wrong,
                 n_folds=2)
    with pytest.raises(ValueError, match="must use every value"):
        crossfit(X, Y, make_student=RecordingStudent, n_folds=2, folds=np.array([0, 0, 0]))


def test_with_the_real_head_trainer_flipped_labels_get_low_out_of_fold_confidence():
    from workbench.train import HeadTrainer

    rng = np.random.default_rng(0)
    gold = rng.integers(0, 2, 300)
    X = (np.array([[-2.0, 0], [2.0, 0]])[gold] + rng.normal(0, 0.7, (300, 2))).astype(np.float32)
    teacher = gold.copy()
    flipped = rng.choice(300, 30, replace=False)
    teacher[flipped] = 1 - teacher[flipped]
    P = crossfit_proba(X, np.eye(2)[teacher], make_student=lambda: HeadTrainer(epochs=40, lr=0.05, batch_size=64, seed=0), n_folds=5)
    own = P[np.arange(300), teacher]
    clean = np.setdiff1d(np.arange(300), flipped)
    assert own[flipped].mean() < 0.3 < 0.7 < own[clean].mean()


def test_epoch_average_averages_the_held_out_records_of_each_fold_student(data):
    from workbench.train import EpochRecord

    class EpochStudent(RecordingStudent):
        def fit(self, X, y_proba, *, X_eval=None, **options):
            super().fit(X, y_proba)
            ids = set(X_eval[:, 0].astype(int).tolist())
            assert not ids & self.seen                       # evaluated only on rows it did not train on
            m = len(X_eval)
            self.history_ = [EpochRecord(e, 2, 0.0, None, np.tile([p, 1 - p], (m, 1)))
                             for e, p in ((1, 0.2), (2, 0.6))]
            return self

    X, Y, _ = data
    cf = crossfit(X, Y, make_student=EpochStudent, n_folds=3, epoch_average=True)
    assert np.allclose(cf.proba, [0.4, 0.6])                # mean of the two epochs, not the final model
    with pytest.raises(ValueError, match="recorded none"):
        crossfit(X, Y, make_student=RecordingStudent, n_folds=3, epoch_average=True)
