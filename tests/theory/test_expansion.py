"""Lang et al. (2024) definitions and bounds on hand-built graphs; every expected value is
worked out by hand in the comments, not by calling the project's functions."""

import math

import numpy as np
import pytest
from scipy import sparse

from workbench.theory import (
    disagreement_rate,
    expansion,
    expansion_table,
    knn_graph,
    measure_table,
    neighbourhood,
    retrain_predictions,
    robust_mistake_sets,
    robust_neighbourhood_size,
    robustness,
    theorem41_bound,
    theorem41_conditions,
    theorem42_bound,
    theoremB1_bound,
    theoremB2_bound,
    theoremB3_bound,
)


def _graph(n, edges):
    rows = [a for a, b in edges] + [b for a, b in edges]
    cols = [b for a, b in edges] + [a for a, b in edges]
    return sparse.csr_matrix((np.ones(len(rows), bool), (rows, cols)), shape=(n, n))


def _mask(n, idx):
    m = np.zeros(n, bool)
    m[list(idx)] = True
    return m


# ------------------------------------------------------------ neighbourhood (Definition 1)
def test_knn_graph_is_the_symmetrised_knn_relation():
    # on a line 0, 1, 3, 10 with k = 1: 0→1, 1→0, 2→1, 3→2 (directed); symmetric: 0-1, 1-2, 2-3
    X = np.array([[0.0], [1.0], [3.0], [10.0]])
    directed = knn_graph(X, k=1, metric="euclidean", symmetric=False).toarray()
    sym = knn_graph(X, k=1, metric="euclidean").toarray()
    assert {tuple(e) for e in np.argwhere(directed)} == {(0, 1), (1, 0), (2, 1), (3, 2)}
    assert {tuple(e) for e in np.argwhere(sym)} == {(0, 1), (1, 0), (1, 2), (2, 1), (2, 3), (3, 2)}
    assert (sym == sym.T).all() and not (directed == directed.T).all()


def test_neighbourhood_contains_the_set_and_its_neighbours():
    g = _graph(6, [(0, 1), (1, 2), (2, 3), (3, 4), (4, 5)])
    assert neighbourhood(_mask(6, [1]), g).tolist() == [True, True, True, False, False, False]
    assert neighbourhood(_mask(6, []), g).tolist() == [False] * 6


def test_expansion_rejects_a_directed_graph_and_a_set_outside_B():
    directed = sparse.csr_matrix(([True], ([0], [1])), shape=(3, 3))
    with pytest.raises(ValueError, match="symmetric"):
        expansion(_mask(3, [0]), _mask(3, [1]), _mask(3, [0]), directed)
    g = _graph(3, [(0, 1)])
    with pytest.raises(ValueError, match="subset of B"):
        expansion(_mask(3, [0, 2]), _mask(3, [1]), _mask(3, [0]), g)
    with pytest.raises(TypeError, match="boolean mask"):
        expansion(np.array([1, 0, 0]), _mask(3, [1]), _mask(3, [0]), g)


# ------------------------------------------- the pseudolabel-correction example (Section 4.1)
# One class (gold 0). S_good = {0, 1, 2, 3, 6} (teacher says 0), S_bad = {4, 5} (teacher says 1).
# Edges 0-1, 0-4, 1-4, 2-5, 3-4; node 6 is isolated. Student f = [0, 0, 0, 1, 0, 1, 0].
EDGES = [(0, 1), (0, 4), (1, 4), (2, 5), (3, 4)]
GOLD = np.zeros(7, int)
TEACHER = np.array([0, 0, 0, 0, 1, 1, 0])
PRED = np.array([0, 0, 0, 1, 0, 1, 0])
GOOD, BAD = _mask(7, [0, 1, 2, 3, 6]), _mask(7, [4, 5])


def test_robustness_by_hand():
    g = _graph(7, EDGES)
    # N(x) includes x: node 4 has neighbours {0, 1, 3}; only 3 predicts differently -> r = 1/(3+1)
    # node 2: neighbour 5 differs -> 1/2; node 3: neighbour 4 differs -> 1/2; node 5: 2 differs -> 1/2
    assert disagreement_rate(PRED, g).tolist() == [0, 0, 0.5, 0.5, 0.25, 0.5, 0]
    assert robustness(PRED, g).tolist() == [True, True, False, False, False, False, True]
    assert robustness(PRED, g, eta=0.25).tolist() == [True, True, False, False, True, False, True]


def test_robust_sets_are_the_papers_families():
    g = _graph(7, EDGES)
    R = robustness(PRED, g)
    mistakes, right = robust_mistake_sets(PRED, GOLD, GOOD, R)
    # S_good mistakes: {3} (not robust) -> robust mistakes {}; right & robust in S_good: {0, 1, 6}
    assert np.flatnonzero(mistakes).tolist() == [] and np.flatnonzero(right).tolist() == [0, 1, 6]


def test_c_hat_in_the_papers_direction_differs_from_the_reversed_one():
    g = _graph(7, EDGES)
    V = _mask(7, [0, 1, 6])  # the student's set in M'(S_good, F)
    # paper (Theorem 4.1): P(N(V) | S_bad) / P(V | S_good) = (|{4}|/2) / (3/5) = 5/6
    assert expansion(V, BAD, GOOD, g) == pytest.approx(5 / 6)
    table = measure_table(GOLD, TEACHER, np.ones(7, bool), [PRED], g)
    assert table.loc[0, "c_hat"] == pytest.approx(5 / 6) and table.loc[0, "n_sets"] == 1
    # the reversed direction the old code used: U = teacher-wrong points where f disagrees with the
    # teacher = {4}; P(N(U) | S_good) / P(U | S_bad) = (|{0, 1, 3}|/5) / (1/2) = 6/5
    assert table.loc[0, "c_hat"] != pytest.approx(6 / 5)


def test_q_condition_drops_small_sets():
    g = _graph(7, EDGES)
    V = _mask(7, [0, 1, 6])  # P(V | S_good) = 3/5
    assert math.isnan(expansion(V, BAD, GOOD, g, q=0.6))  # Definition 4 needs P(U|B) > q
    assert expansion(V, BAD, GOOD, g, q=0.5) == pytest.approx(5 / 6)
    table = measure_table(GOLD, TEACHER, np.ones(7, bool), [PRED], g, q=0.6)
    assert math.isnan(table.loc[0, "c_hat"]) and table.loc[0, "n_sets"] == 0 and math.isnan(table.loc[0, "bound_B1"])


def test_theorem41_and_B1_bounds_by_hand():
    g = _graph(7, EDGES)
    table = measure_table(GOLD, TEACHER, np.ones(7, bool), [PRED], g)
    row = table.loc[0]
    # alpha = 2/7, err(f, ỹ|S) = 2/7 (rows 3 and 4), P(not R | S) = 4/7 (rows 2-5), c = 5/6
    assert row["alpha"] == pytest.approx(2 / 7) and row["err_weak_S"] == pytest.approx(2 / 7)
    assert row["P_not_R_S"] == pytest.approx(4 / 7) and row["err_S"] == pytest.approx(2 / 7)
    # Thm 4.1: 2(2/7)/(3/7)·4/7 + 2/7 + (2/7)(1 − 5/4) = 16/21 + 2/7 − 1/14 = 41/42
    assert row["bound_41"] == pytest.approx(41 / 42)
    assert theorem41_bound(2 / 7, 4 / 7, 2 / 7, 5 / 6) == pytest.approx(41 / 42)
    # Thm B.1: c' = (5/6)/(5/7 + 5/21) = 7/8; (2/7 − (2/7)(3/4) + (1/2)(4/7)) / (1 − 1/2) = 5/7
    assert row["bound_B1"] == pytest.approx(5 / 7)
    assert theoremB1_bound(2 / 7, 4 / 7, 2 / 7, 5 / 6) == pytest.approx(5 / 7)
    # conditions: P(f ≠ ỹ or not robust | S) = 4/7 (rows 2-5); (1 − 2/7 + 3·5/6·2/7)/4 = 5/14 < 4/7
    assert row["P_weak_or_not_R_S"] == pytest.approx(4 / 7)
    assert not row["cond_41"] and theorem41_conditions(2 / 7, 5 / 6, 0.0, 0.35)
    assert not theorem41_conditions(2 / 7, 5 / 6, 0.0, 0.36)
    assert not theorem41_conditions(2 / 7, 5 / 6, 0.75 * (1 - 4 / 7), 0.1)  # q must be < 3/4(1 − 2α)
    # B.1 condition: 4/7 <= 1 − 0 − 2/7 = 5/7 holds
    assert row["cond_B1"]


def test_bounds_are_undefined_outside_the_papers_assumptions():
    assert math.isnan(theorem41_bound(0.5, 0.1, 0.1, 0.5)) and math.isnan(theorem41_bound(0.0, 0.1, 0.1, 0.5))
    assert math.isnan(theoremB1_bound(0.2, 0.1, 0.1, float("nan")))
    assert math.isnan(theoremB2_bound(0.4, 0.0, 0.2, 1.0, 2 / 3, 0.0))  # c/c̄ − 2α = 2/3 − 0.8 < 0


# --------------------------------------------------- the coverage-expansion example (Section 4.1)
# One class. S_good = {0, 1, 6, 7, 8}, S_bad = {2, 9}, T = {3, 4, 5}; edges 3-0, 4-1, 4-2, 5-2.
# f = 1 on {0, 3, 9}, 0 elsewhere: every point is robust (each edge joins equal predictions).
T_EDGES = [(3, 0), (4, 1), (4, 2), (5, 2)]
T_TEACHER = np.array([0, 0, 1, 0, 0, 0, 0, 0, 0, 1])
T_COVERED = ~_mask(10, [3, 4, 5])
T_PRED = np.array([1, 0, 0, 1, 0, 0, 0, 0, 0, 1])


def test_coverage_expansions_and_theorem42_B2_B3_by_hand():
    g = _graph(10, T_EDGES)
    row = measure_table(np.zeros(10, int), T_TEACHER, T_COVERED, [T_PRED], g).loc[0]
    # M(T, F): robust mistakes in T = {3}, P = 1/3; N({3}) ∩ S_good = {0}: 1/5 -> c1 = 3/5
    # M'(T, F): robust right in T = {4, 5}, P = 2/3; N ∩ S_bad = {2}: 1/2 -> c2 = 3/4
    assert row["c_good_T"] == pytest.approx(3 / 5) and row["c_bad_T"] == pytest.approx(3 / 4)
    # alpha = 2/7, err(f, ỹ|S) = 2/7 (rows 0 and 2), P(not R | T) = 0, err(f, y|T) = 1/3
    assert row["alpha"] == pytest.approx(2 / 7) and row["err_weak_S"] == pytest.approx(2 / 7)
    assert row["P_not_R_T"] == 0 and row["err_T"] == pytest.approx(1 / 3)
    # B.2: (2/7 − (3/4)(2/7)) / (3/5 − (27/20)(2/7)) = (1/14)/(3/14) = 1/3
    assert row["bound_B2"] == pytest.approx(1 / 3)
    assert theoremB2_bound(2 / 7, 0.0, 2 / 7, 3 / 5, 3 / 4, 0.0) == pytest.approx(1 / 3)
    # with P(not R|T) = 0.1: factor 1 + (2/7)/(4/5 − 4/7) = 1 + 5/4 = 9/4
    assert theoremB2_bound(2 / 7, 0.1, 2 / 7, 3 / 5, 3 / 4, 0.0) == pytest.approx(0.9 / 4 + 1 / 3)
    # 4.2 with c = min = 3/5: (2/7 − 6/35) / ((3/5)(3/7)) = 4/9
    assert row["bound_42"] == pytest.approx(4 / 9)
    assert theorem42_bound(2 / 7, 0.0, 2 / 7, 3 / 5, 0.0) == pytest.approx(4 / 9)
    # B.3 with c1 = 3/5: (2/7) / ((3/5)(5/7)) = 2/3
    assert row["bound_B3"] == pytest.approx(2 / 3)
    assert theoremB3_bound(2 / 7, 0.0, 2 / 7, 3 / 5, 0.0) == pytest.approx(2 / 3)
    # hypothesis of 4.2/B.2: 2/7 + 0 < (3/5)(1 − 2/7) = 3/7
    assert row["cond_42"]
    # q = 1/2: the mistake set (P = 1/3) no longer counts, so c1 and the bounds are undefined
    row_q = measure_table(np.zeros(10, int), T_TEACHER, T_COVERED, [T_PRED], g, q=0.5).loc[0]
    assert math.isnan(row_q["c_good_T"]) and row_q["c_bad_T"] == pytest.approx(3 / 4) and math.isnan(row_q["bound_B2"])


def test_expansions_above_one_are_used_as_one_in_the_bounds():
    # first example with edge 6-5 instead of 2-5 and f = 0 except at row 3: robust {0, 1, 2, 5, 6}
    g = _graph(7, [(0, 1), (0, 4), (1, 4), (3, 4), (6, 5)])
    pred = np.array([0, 0, 0, 1, 0, 0, 0])
    row = measure_table(GOLD, TEACHER, np.ones(7, bool), [pred], g).loc[0]
    # V = {0, 1, 2, 6}, P = 4/5; N(V) ∩ S_bad = {4, 5}: 1 -> c_hat = 5/4, used as 1 in the bounds
    assert row["c_hat"] == pytest.approx(5 / 4)
    # alpha = 2/7, err(f, ỹ|S) = 3/7 (rows 3, 4, 5), P(not R|S) = 2/7 (rows 3, 4); c' = 1:
    # 4.1 = (4/3)(2/7) + 3/7 + (2/7)(1 − 3/2) = 2/3 (with c = 5/4 it would be 17/21 − 1/4)
    assert row["bound_41"] == pytest.approx(2 / 3)
    # B.1 = (3/7 − 2/7 + 2(2/7)(2/7)) / (1 − 4/7) = 5/7; here the numerator is (5/7)(1 − 4c'/7) and the
    # denominator 1 − 4c'/7, so B.1 is 5/7 for any c'
    assert row["bound_B1"] == pytest.approx(5 / 7)


# ------------------------------------------------ robust neighbourhood size (Definition 6)
def test_robust_neighbourhood_size_by_hand():
    # U = {0} ⊂ B = {0, 4}; A = {1, 2, 3}; edges 0-1, 0-2, 0-4. Edge weight into U (x ∈ N(x) counts):
    # node 0: 1 (itself), 1: 1, 2: 1, 4: 1, 3: 0 -> w(N(U), U) = 4; outside A (0, 4) brings 2 for free
    g = _graph(5, [(0, 1), (0, 2), (0, 4)])
    U, A = _mask(5, [0]), _mask(5, [1, 2, 3])
    assert robust_neighbourhood_size(U, A, g, eta=0.0) == pytest.approx(2 / 3)  # = P(N(U)|A)
    assert robust_neighbourhood_size(U, A, g, eta=0.25) == pytest.approx(1 / 3)  # need 3: one A point
    assert robust_neighbourhood_size(U, A, g, eta=0.5) == 0.0                    # need 2: free points do
    B = _mask(5, [0, 4])
    assert expansion(U, A, B, g, eta=0.25) == pytest.approx((1 / 3) / (1 / 2))


# ---------------------------------------------------------- finite-data procedure (Section 5)
def test_retrains_use_80_percent_of_the_pool_and_are_never_measured_on_their_training_rows():
    rng = np.random.default_rng(0)
    n = 80
    X = rng.normal(size=(n, 3))
    gold = rng.integers(0, 2, n)
    teacher = gold.copy()
    teacher[:8] = 1 - teacher[:8]
    covered = np.ones(n, bool)
    covered[60:70] = False
    heldout = _mask(n, range(40, 80))
    calls = []

    def fit_predict(train):
        calls.append(np.asarray(train))
        pred = gold.copy()
        pred[train] = 1 - gold[train]  # wrong exactly on the rows it trained on
        return pred

    table = expansion_table(gold, teacher, covered, X, fit_predict, heldout=heldout, k=3, metric="euclidean",
                            n_runs=5, seed=1)
    pool = covered & ~heldout
    assert len(calls) == 5
    assert all(pool[t].all() and len(t) == round(0.8 * pool.sum()) for t in calls)
    assert len({tuple(t) for t in calls}) == 5  # five different random subsets
    # measured on held-out rows only, so the rows made wrong on purpose never show up
    assert (table["err_S"] == 0).all() and (table["err_T"] == 0).all()
    assert table[["n_good", "n_bad", "n_T"]].to_numpy().sum() == heldout.sum()
    # trainable narrows the pool further (e.g. to the student-train split)
    calls.clear()
    trainable = _mask(n, range(20, 80))
    expansion_table(gold, teacher, covered, X, fit_predict, heldout=heldout, trainable=trainable, k=3,
                    metric="euclidean", n_runs=2)
    assert all(t.min() >= 20 and t.max() < 40 and len(t) == 16 for t in calls)


def test_retrain_predictions_passes_the_rest_of_the_pool_as_validation():
    seen = []

    def fit_predict(train, val):
        seen.append((set(train), set(val)))
        return np.zeros(10, int)

    pool = _mask(10, range(10))
    retrain_predictions(fit_predict, pool, n_runs=2, frac=0.8, with_validation=True)
    assert all(len(t) == 8 and len(v) == 2 and t | v == set(range(10)) and not t & v for t, v in seen)


def test_expansion_table_input_errors():
    X = np.zeros((6, 2))
    y = np.zeros(6, int)
    with pytest.raises(ValueError, match="one predicted label per row"):
        expansion_table(y, y, np.ones(6, bool), X, lambda t: np.zeros(3, int), heldout=_mask(6, [4, 5]))
    with pytest.raises(ValueError, match="same length"):
        expansion_table(y, y[:5], np.ones(6, bool), X, lambda t: y, heldout=_mask(6, [4, 5]))
    with pytest.raises(ValueError, match="predictions is empty"):
        measure_table(y, y, np.ones(6, bool), [], _graph(6, [(0, 1)]))
    with pytest.raises(ValueError, match="training pool"):
        expansion_table(y, y, _mask(6, [4, 5]), X, lambda t: y, heldout=_mask(6, [4, 5]))


def test_a_student_that_copies_the_teacher_has_no_expansion():
    # Proposition 4.1: if f = ỹ on S, M'(S_good) does not expand onto S_bad. Two clusters, teacher
    # wrong on three points of class 0; a student that returns the teacher's labels copies them.
    rng = np.random.default_rng(0)
    X = np.r_[rng.normal(0, 0.3, (40, 2)), rng.normal(4, 0.3, (40, 2))]
    gold = np.r_[np.zeros(40, int), np.ones(40, int)]
    teacher = gold.copy()
    teacher[[1, 2, 3, 21, 22, 23]] = 1
    covered = np.ones(80, bool)
    heldout = _mask(80, list(range(20, 40)) + list(range(60, 80)))
    table = expansion_table(gold, teacher, covered, X, lambda t: teacher.copy(), heldout=heldout, k=4,
                            metric="euclidean", n_runs=2)
    assert table.loc[0, "c_hat"] == 0.0
