"""teacher_error_score wraps cleanlab; error_detection_metrics on hand-computed rankings."""

from __future__ import annotations

import math

import numpy as np
import pytest

from workbench.diagnostics import (
    METHODS,
    error_detection_by_split,
    error_detection_metrics,
    teacher_error_score,
)

P = np.array([[0.9, 0.1], [0.2, 0.8], [0.6, 0.4]])
LABELS = np.array([0, 0, -1])
COVERED = np.array([True, True, False])


def test_self_confidence_and_normalized_margin_by_hand():
    s = teacher_error_score(LABELS, P, covered=COVERED)
    assert np.allclose(s[:2], [0.1, 0.8]) and math.isnan(s[2])            # 1 - P[t]
    m = teacher_error_score(LABELS, P, covered=COVERED, method="normalized_margin")
    assert np.allclose(m[:2], [1 - (0.9 - 0.1 + 1) / 2, 1 - (0.2 - 0.8 + 1) / 2]) and math.isnan(m[2])


def test_confidence_weighted_entropy_by_hand():
    s = teacher_error_score(LABELS, P, covered=COVERED, method="confidence_weighted_entropy")
    h0 = -(0.9 * math.log(0.9) + 0.1 * math.log(0.1)) / math.log(2)      # entropy / log k
    h1 = -(0.2 * math.log(0.2) + 0.8 * math.log(0.8)) / math.log(2)
    r0, r1 = h0 / 0.9, h1 / 0.2
    assert np.allclose(s[:2], [1 - math.log(r0 + 1) / r0, 1 - math.log(r1 + 1) / r1])
    assert s[1] > s[0]                                                     # the wrong-looking label scores higher


def test_every_method_ranks_the_contradicted_label_first():
    for method in METHODS:
        s = teacher_error_score(LABELS, P, covered=COVERED, method=method)
        assert s[1] > s[0], method


def test_error_detection_auroc_and_ap_by_hand():
    score = np.array([0.9, 0.8, 0.3, 0.1, 0.99, np.nan])
    teacher = np.array([1, 0, 1, 0, 1, 1])
    gold = np.array([0, 0, 0, 0, 0, 0])          # errors at rows 0 and 2 (and 4, 5: excluded below)
    covered = np.array([True, True, True, True, False, True])
    conf = np.array([0.95, 0.6, 0.7, 0.9, 0.5, 0.5])
    m = error_detection_metrics(score, teacher, gold, covered, teacher_conf=conf)
    assert m["n"] == 4 and m["n_errors"] == 2 and m["error_rate"] == 0.5
    # ranking 0.9(err) 0.8 0.3(err) 0.1: 3 of 4 (error, clean) pairs in order; AP = (1/1 + 2/3) / 2
    assert m["auroc"] == pytest.approx(0.75) and m["ap"] == pytest.approx((1 + 2 / 3) / 2)
    # 1 - conf = 0.05(err) 0.4 0.3(err) 0.1: ranking 0.4 0.3(err) 0.1 0.05(err): 1 of 4 pairs; AP = (1/2 + 2/4) / 2
    assert m["auroc_teacher_conf"] == pytest.approx(0.25) and m["ap_teacher_conf"] == pytest.approx(0.5)


def test_no_errors_gives_nan_not_a_number_out_of_thin_air():
    m = error_detection_metrics(np.array([0.1, 0.2]), np.array([0, 1]), np.array([0, 1]), np.array([True, True]))
    assert m["n_errors"] == 0 and math.isnan(m["auroc"]) and math.isnan(m["ap"]) and "auroc_teacher_conf" not in m


def test_by_split_keys_and_values():
    score = np.array([0.9, 0.1, 0.8, 0.2])
    teacher, gold = np.array([1, 0, 1, 0]), np.array([0, 0, 0, 0])
    split = np.array(["test", "test", "student_train", "student_train"], dtype=object)
    conf = np.array([0.4, 0.9, 0.95, 0.6])
    out = error_detection_by_split(score, teacher, gold, np.ones(4, bool), teacher_conf=conf, split=split)
    assert out["teacher_error_auroc_test"] == 1.0 and out["teacher_conf_error_auroc_test"] == 1.0
    assert out["teacher_error_auroc_student_train"] == 1.0 and out["teacher_conf_error_auroc_student_train"] == 0.0
    assert out["teacher_errors_test"] == 1 and out["teacher_error_rate_student_train"] == 0.5
    assert set(out) == {f"{k}_{s}" for s in ("test", "student_train") for k in (
        "teacher_error_auroc", "teacher_error_ap", "teacher_conf_error_auroc", "teacher_conf_error_ap",
        "teacher_error_rate", "teacher_errors")}


def test_bad_inputs_raise():
    with pytest.raises(ValueError, match="method must be one of"):
        teacher_error_score(LABELS, P, covered=COVERED, method="margin")
    with pytest.raises(ValueError, match="Mark abstentions"):
        teacher_error_score(np.array([0, -1, 0]), P, covered=np.ones(3, bool))
    with pytest.raises(ValueError, match="rows sum to 1"):
        teacher_error_score(LABELS, P * 2, covered=COVERED)
    with pytest.raises(TypeError, match="boolean mask"):
        teacher_error_score(LABELS, P, covered=np.array([1, 1, 0]))
    with pytest.raises(ValueError, match="shape"):
        error_detection_metrics(np.zeros(3), np.zeros(2, int), np.zeros(3, int), np.ones(3, bool))
