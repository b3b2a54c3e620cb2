"""The protocol's student options (workbench.protocol.make_student): soft targets by default,
and hard targets, which are exactly scikit-learn's LogisticRegression(C=1) on the teacher's labels."""

from __future__ import annotations

import numpy as np
import pytest

from workbench.protocol import make_student

pytestmark = pytest.mark.usefixtures("single_thread_torch")


def teacher_rows(n=600, d=10, seed=0):
    """Features, and a teacher's probability rows that are wrong on about a fifth of the points."""
    rng = np.random.default_rng(seed)
    y = np.arange(n) % 2
    X = (rng.normal(size=(n, d)) + np.outer(2 * y - 1, rng.normal(size=d)) * 0.7).astype(np.float32)
    flip = rng.random(n) < 0.2
    p1 = np.where(y ^ flip, rng.uniform(0.55, 0.95, n), rng.uniform(0.05, 0.45, n))
    return X, np.stack([1 - p1, p1], axis=1).astype(np.float32)


def test_hard_target_student_is_sklearns_logistic_regression_on_the_teachers_argmax():
    from sklearn.linear_model import LogisticRegression

    X, P = teacher_rows()
    student = make_student({"targets": "hard"}).fit(X, P)
    ref = LogisticRegression(C=1.0, tol=1e-12, max_iter=10_000).fit(X.astype(np.float64), P.argmax(1))
    np.testing.assert_allclose(student.predict_proba(X), ref.predict_proba(X), atol=2e-3)
    assert np.array_equal(student.predict(X), ref.predict(X))


def test_default_student_fits_the_teachers_soft_rows_not_their_argmax():
    X, P = teacher_rows(seed=1)
    default = make_student(None)
    assert default.targets == "soft"
    soft = default.fit(X, P).predict_proba(X)
    hard = make_student({"targets": "hard"}).fit(X, P).predict_proba(X)
    # the soft rows carry the teacher's uncertainty (|p - 0.5| <= 0.45): the soft student is less confident
    assert np.abs(soft - 0.5).mean() < np.abs(hard - 0.5).mean() - 0.01
