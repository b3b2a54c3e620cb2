"""Metrics: hand-computed cases, reference implementations and properties."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from sklearn.calibration import calibration_curve
from torchmetrics.functional.classification import multiclass_calibration_error

from workbench import metrics as M


def _rand_proba(rng, n, k):
    logits = rng.normal(size=(n, k)) * 2
    e = np.exp(logits - logits.max(1, keepdims=True))
    return e / e.sum(1, keepdims=True)


# ----------------------------------------------------------------- accuracy, PGR
def test_accuracy_and_pgr_by_hand():
    assert M.accuracy([0, 1, 1, 0], [0, 1, 0, 0]) == 0.75
    assert M.pgr(0.6, 0.7, 0.8) == pytest.approx(0.5)
    assert M.pgr(0.6, 0.5, 0.8) == pytest.approx(-0.5)
    assert math.isnan(M.pgr(0.7, 0.9, 0.7)), "no gap: PGR is undefined, not huge"
    assert math.isnan(M.pgr(0.7, 0.9, 0.7 + 1e-9))
    assert math.isnan(M.pgr(0.760, 0.74, 0.765)), "a gap below one accuracy point is noise"


def test_inverted_pair_is_nan_with_a_flag_not_a_positive_ratio():
    # ceiling 0.72 below weak 0.75, student got worse (0.70): the old ratio was +1.67
    assert math.isnan(M.pgr(0.75, 0.70, 0.72))
    assert M.inverted_pair(0.75, 0.72) and M.inverted_pair(0.75, 0.75)
    assert not M.inverted_pair(0.75, 0.80)


def test_pgr_ci_brackets_a_clear_case():
    rng = np.random.default_rng(0)
    y = rng.integers(0, 2, 2000)
    flip = lambda p: np.where(rng.random(len(y)) < p, 1 - y, y)  # noqa: E731
    weak, student, ceiling = flip(0.3), flip(0.2), flip(0.1)
    point = M.pgr(M.accuracy(y, weak), M.accuracy(y, student), M.accuracy(y, ceiling))
    low, high, undefined = M.pgr_bootstrap_ci(y, weak, student, ceiling, n_boot=500, seed=0)
    assert low < point < high
    assert 0.2 < low and high < 0.8 and undefined == 0.0


def test_pgr_ci_without_any_gap_is_unbounded_and_says_so():
    y = np.array([0, 1] * 50)
    low, high, undefined = M.pgr_bootstrap_ci(y, y, y, y, n_boot=50)
    assert undefined == 1.0
    assert low == math.inf and high == math.inf  # numerator 0 >= 0 in every resample: counted at +inf


def test_pgr_interval_with_undefined_resamples_by_hand():
    """Two examples: resampling n=2 gives index pairs {00, 01, 10, 11} each with prob 1/4.

    weak = [0, 0], student = [1, 0], ceiling = [1, 1] (per-example correctness).
    Resample (i, j): gap = mean(c) - mean(w) = 1 always; num = mean(s) over the pair:
    00 -> 1, 01/10 -> 0.5, 11 -> 0. So PGR takes 1 (1/4), 0.5 (1/2), 0 (1/4), never undefined.
    With ceiling = [1, 0] instead: gap = mean(c) = 1 (00), 0.5 (01/10), 0 (11, undefined);
    num = mean(s) = 1, 0.5, 0: PGR = 1, 1, 1 and the 11 resample (num 0) is +inf.
    """
    w, s = np.array([0.0, 0.0]), np.array([1.0, 0.0])
    clear = M.pgr_interval(w, s, np.array([1.0, 1.0]), n_boot=4000, level=0.8, seed=1)
    assert clear.undefined_share == 0.0 and clear.low == 0.0 and clear.high == 1.0  # 10% / 90% quantiles
    half = M.pgr_interval(w, s, np.array([1.0, 0.0]), n_boot=4000, level=0.9, seed=1)
    assert half.undefined_share == pytest.approx(0.25, abs=0.03)
    assert half.low == 1.0 and half.high == math.inf  # 25% undefined > alpha/2 = 5%: unbounded above
    # dropping the undefined resamples (the old behaviour) would have reported [1, 1]


def test_abstention_scores_and_the_whole_set_weak_baseline_on_six_points():
    """A 6-point table, k = 2, computed by hand.

    gold     0 0 1 1 0 1
    teacher  0 1 1 - - 0     (- = abstained; its uniform row's argmax would be 0)
    -> covered accuracy 2/4; abstentions at chance: (1 + 0 + 1 + 0.5 + 0.5 + 0) / 6 = 1/2.
    """
    gold = np.array([0, 0, 1, 1, 0, 1])
    pred = np.array([0, 1, 1, 0, 0, 0])  # argmax of the uniform rows is 0
    covered = np.array([True, True, True, False, False, True])
    scores = M.correct_with_abstention(gold, pred, covered, n_classes=2)
    np.testing.assert_allclose(scores, [1, 0, 1, 0.5, 0.5, 0])
    assert scores.mean() == pytest.approx(3 / 6)
    assert M.accuracy(gold[covered], pred[covered]) == pytest.approx(2 / 4)
    # three classes: an abstention is worth 1/3
    np.testing.assert_allclose(M.correct_with_abstention([2, 1], [0, 1], [False, True], n_classes=3), [1 / 3, 1])


def test_withheld_guess_accuracy_scores_the_teachers_hidden_top_class_on_uncovered_rows_by_hand():
    """5 rows; rows 2-4 uncovered. Row 2's hidden guess (0.7 on class 1) is right (gold 1),
    row 3's (0.6 on class 0) is wrong (gold 1), row 4 is flat (no guess): 1 of 2 -> 0.5."""
    gold = np.array([0, 1, 1, 1, 0])
    proba = np.array([[0.9, 0.1], [0.2, 0.8], [0.3, 0.7], [0.6, 0.4], [0.5, 0.5]])
    covered = np.array([True, True, False, False, False])
    assert M.withheld_guess_accuracy(gold, proba, covered) == pytest.approx(0.5)
    assert math.isnan(M.withheld_guess_accuracy(gold, proba, np.ones(5, bool)))      # nothing uncovered
    assert math.isnan(M.withheld_guess_accuracy(gold[4:], proba[4:], covered[4:]))  # only a flat row


# ------------------------------------------------------------- misfit and gain
def test_misfit_and_gain_squared_by_hand():
    p_w = np.array([[0.6, 0.4], [0.5, 0.5]])
    p_sw = np.array([[0.9, 0.1], [0.2, 0.8]])
    y = np.array([0, 1])
    # misfit = mean(2*0.3^2, 2*0.3^2) = 0.18
    assert M.misfit_sq(p_w, p_sw) == pytest.approx(0.18)
    # d(p_w, y) = mean(2*0.4^2, 2*0.5^2) = 0.41; d(p_sw, y) = mean(2*0.1^2, 2*0.2^2) = 0.05
    assert M.gain_sq(p_w, p_sw, y) == pytest.approx(0.36)


def test_kl_misfit_gain_and_xent_by_hand():
    p_w = np.array([[0.5, 0.5]])
    p_sw = np.array([[0.9, 0.1]])
    p_true = np.array([[0.8, 0.2]])
    kl = lambda p, q: float(np.sum(p * np.log(p / q)))  # noqa: E731
    assert M.misfit_kl(p_w, p_sw) == pytest.approx(kl(p_w[0], p_sw[0]))
    assert M.gain_kl(p_w, p_sw, p_true) == pytest.approx(kl(p_w[0], p_true[0]) - kl(p_sw[0], p_true[0]))
    assert M.gain_xent(p_w, p_sw, [0]) == pytest.approx(-math.log(0.5) + math.log(0.9))


def test_kl_handles_zeros_without_nan():
    p = np.array([[1.0, 0.0]])
    q = np.array([[0.5, 0.5]])
    assert M.kl_rows(p, q)[0] == pytest.approx(math.log(2))
    assert np.isfinite(M.kl_rows(q, p)).all()


# ------------------------------------------------------------------ calibration
@pytest.mark.parametrize("k", [2, 3, 5])
def test_ece_matches_torchmetrics(k):
    rng = np.random.default_rng(k)
    P = _rand_proba(rng, 500, k)
    y = rng.integers(0, k, 500)
    ref = multiclass_calibration_error(torch.tensor(P, dtype=torch.float32), torch.tensor(y), num_classes=k,
                                       n_bins=15, norm="l1")
    assert M.ece(y, P) == pytest.approx(float(ref), abs=1e-5)
    ref_max = multiclass_calibration_error(torch.tensor(P, dtype=torch.float32), torch.tensor(y), num_classes=k,
                                           n_bins=15, norm="max")
    assert M.mce(y, P) == pytest.approx(float(ref_max), abs=1e-5)


def test_reliability_matches_sklearn_for_binary_positive_class():
    # For k=2 and confidences > 0.5 the top label is the positive class exactly when
    # p1 > 0.5; use only such rows so the two definitions coincide.
    rng = np.random.default_rng(1)
    p1 = rng.uniform(0.5001, 1.0, 800)
    y = (rng.random(800) < p1).astype(int)
    P = np.stack([1 - p1, p1], 1)
    curve = M.reliability_curve(y, P, n_bins=10)
    prob_true, prob_pred = calibration_curve(y, p1, n_bins=10, strategy="uniform")
    m = curve.bin_count > 0
    np.testing.assert_allclose(curve.bin_accuracy[m], prob_true, atol=1e-12)
    np.testing.assert_allclose(curve.bin_confidence[m], prob_pred, atol=1e-12)


def test_ece_by_hand_and_quantile_bins():
    P = np.array([[0.9, 0.1], [0.9, 0.1], [0.6, 0.4], [0.6, 0.4]])
    y = np.array([0, 1, 0, 0])
    # bin of 0.9: acc 0.5, conf 0.9 -> 0.4 * 0.5; bin of 0.6: acc 1, conf 0.6 -> 0.4 * 0.5
    assert M.ece(y, P, n_bins=10) == pytest.approx(0.4)
    assert M.ece(y, P, n_bins=2, strategy="quantile") == pytest.approx(0.4)
    assert M.brier(y, P) == pytest.approx(np.mean([0.02, 1.62, 0.32, 0.32]))


# ------------------------------------------------------------------ categories
def test_point_categories_and_lang_alpha():
    gold = np.array([0, 0, 1, 1, 0, 1])
    teacher = np.array([0, 1, 1, 0, -1, -1])
    covered = teacher >= 0
    student = np.array([0, 0, 0, 0, 0, 0])
    cats = M.point_categories(gold, teacher, covered, student)
    assert cats.tolist() == ["both_right", "corrected", "corrupted", "copied",
                             "uncovered_right", "uncovered_wrong"]
    assert M.category_counts(cats)["corrected"] == 1
    np.testing.assert_allclose(M.lang_alpha(gold, teacher, covered, n_classes=2), [0.5, 0.5])
    table = M.lang_set_accuracies(gold, teacher, covered, student, n_classes=2)
    assert table.loc[0, "acc_S_bad"] == 1.0 and table.loc[1, "acc_S_good"] == 0.0
    assert table.loc[0, "acc_T"] == 1.0 and table.loc[1, "acc_T"] == 0.0


# ------------------------------------------------------------------- bad input
@pytest.mark.parametrize("call", [
    lambda: M.misfit_sq(np.ones((2, 2)), np.ones((2, 2)) / 2),          # rows not summing to 1
    lambda: M.ece([0, 1], np.array([[0.5, 0.5]])),                       # length mismatch
    lambda: M.ece([0, 2], np.array([[0.5, 0.5], [0.5, 0.5]])),           # label out of range
    lambda: M.gain_sq(np.full((1, 2), np.nan), np.full((1, 2), 0.5), [0]),  # NaN
    lambda: M.accuracy([0, 1], [0]),
])
def test_bad_input_is_a_clear_error(call):
    with pytest.raises((ValueError, TypeError)):
        call()


# ------------------------------------------------------------------- properties
proba_rows = st.integers(2, 5).flatmap(lambda k: st.tuples(
    arrays(np.float64, st.tuples(st.integers(1, 40), st.just(k)), elements=st.floats(0.01, 10)),
    st.integers(0, 2**31 - 1)))


def _normalise(raw):
    return raw / raw.sum(1, keepdims=True)


@settings(max_examples=60, deadline=None)
@given(proba_rows, st.integers(1, 30))
def test_ece_in_unit_interval_and_invariant_to_class_permutation(data, n_bins):
    raw, seed = data
    rng = np.random.default_rng(seed)
    P = _normalise(raw + 1e-3 * rng.random(raw.shape))  # jitter: argmax ties make the top label order-dependent
    y = rng.integers(0, P.shape[1], len(P))
    e = M.ece(y, P, n_bins=n_bins)
    assert 0.0 <= e <= 1.0
    perm = rng.permutation(P.shape[1])
    inverse = np.argsort(perm)
    assert M.ece(inverse[y], P[:, perm], n_bins=n_bins) == pytest.approx(e, abs=1e-12)
    assert M.mce(y, P, n_bins=n_bins) >= e - 1e-12
    assert 0.0 <= M.brier(y, P) <= 2.0


@settings(max_examples=60, deadline=None)
@given(proba_rows, proba_rows)
def test_kl_nonnegative_and_misfit_zero_iff_equal(a, b):
    P = _normalise(a[0])
    Q = _normalise(b[0][: len(P), : P.shape[1]]) if b[0].shape[1] >= P.shape[1] and len(b[0]) >= len(P) else P
    assert (M.kl_rows(P, Q) >= 0).all()
    assert M.misfit_sq(P, P) == 0.0 and M.misfit_kl(P, P) == pytest.approx(0.0, abs=1e-12)
    if not np.allclose(P, Q):
        assert M.misfit_sq(P, Q) > 0


@settings(max_examples=40, deadline=None)
@given(st.floats(0, 1), st.floats(0, 1), st.floats(0, 1))
def test_pgr_is_finite_or_nan_never_huge(w, s, c):
    v = M.pgr(w, s, c)
    assert math.isnan(v) or abs(v) <= 100
