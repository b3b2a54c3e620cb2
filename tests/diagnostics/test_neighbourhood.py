"""kNN overlap between two spaces on points placed on a circle (cosine = angle)."""

from __future__ import annotations

import numpy as np
import pytest

from workbench.diagnostics import change_by_category, change_groups, knn_indices, knn_jaccard, most_changed
from workbench.diagnostics.neighbourhood import jaccard_rows


def circle(degrees):
    a = np.deg2rad(np.asarray(degrees, dtype=float))
    return np.column_stack([np.cos(a), np.sin(a)]).astype(np.float32)


WEAK = circle([0, 10, 30, 100, 115, 200])
STRONG = circle([0, 50, 10, 100, 300, 210])


def test_nearest_neighbours_by_angle():
    assert knn_indices(WEAK, k=1)[:, 0].tolist() == [1, 0, 1, 4, 3, 4]
    assert knn_indices(STRONG, k=1)[:, 0].tolist() == [2, 2, 0, 1, 0, 4]
    assert knn_jaccard(WEAK, STRONG, k=1).tolist() == [0, 0, 0, 0, 0, 1]
    # k = 2, point 3: weak 100° -> {115°, 30°} = rows {4, 2}; strong 100° -> {50°, 10°} = rows {1, 2}: J = 1/3
    # point 0: weak {10°, 30°} = rows {1, 2}; strong {10°, 50°} = rows {2, 1}: J = 1
    j2 = knn_jaccard(WEAK, STRONG, k=2)
    assert j2[3] == pytest.approx(1 / 3) and j2[0] == 1.0
    assert knn_jaccard(WEAK, WEAK, k=3).tolist() == [1.0] * 6


def test_self_is_excluded_even_for_duplicates_and_matches_brute_force():
    X = np.vstack([circle([0, 0, 40, 90]), circle([180])])
    idx = knn_indices(X, k=2)
    assert all(i not in row for i, row in enumerate(idx.tolist()))
    assert set(idx[0]) == {1, 2} and set(idx[1]) == {0, 2}
    rng = np.random.default_rng(0)
    Y = rng.normal(size=(60, 5)).astype(np.float32)
    U = Y / np.linalg.norm(Y, axis=1, keepdims=True)
    sims = U @ U.T
    np.fill_diagonal(sims, -np.inf)
    brute = np.argsort(-sims, axis=1, kind="stable")[:, :4]
    assert np.array_equal(np.sort(knn_indices(Y, k=4), 1), np.sort(brute, 1))


def test_chunking_gives_the_same_answer():
    rng = np.random.default_rng(1)
    A, B = (rng.normal(size=(50, 4)).astype(np.float32) for _ in range(2))
    ia, ib = knn_indices(A, k=5), knn_indices(B, k=5)
    assert np.array_equal(jaccard_rows(ia, ib, chunk_size=7), jaccard_rows(ia, ib, chunk_size=1000))
    small = knn_indices(A, k=5, working_memory=1)
    assert np.array_equal(np.sort(small, 1), np.sort(ia, 1))


def test_change_by_category_by_hand():
    out = change_by_category([1.0, 0.5, 0.0, 0.25], ["corrected", "corrected", "copied", "copied"])
    assert out.loc["corrected", "mean_jaccard"] == 0.75 and out.loc["copied", "mean_jaccard"] == 0.125
    assert out.loc["copied", "count"] == 2


def test_bad_inputs_raise():
    with pytest.raises(ValueError, match="Lower k"):
        knn_indices(WEAK, k=6)
    with pytest.raises(ValueError, match="same points"):
        knn_jaccard(WEAK, STRONG[:5])


def test_change_groups_and_most_changed_by_hand():
    codes, names = change_groups([0.0, 0.1, 0.3, 0.5, 1.0, 0.24])
    assert codes.tolist() == [0, 1, 2, 3, 3, 1]
    assert names == ("J < 0.1", "0.1 ≤ J < 0.25", "0.25 ≤ J < 0.5", "J ≥ 0.5")
    assert most_changed([0.5, 0.1, np.nan, 0.1, 0.0], top=3).tolist() == [4, 1, 3]
    assert most_changed([np.nan, 0.2], top=5).tolist() == [1]
    with pytest.raises(ValueError, match="increasing"):
        change_groups([0.1], edges=(0.5, 0.2))
