"""Binned counts per W2S category on one grid (hand-placed points with known cells)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from workbench.metrics import CATEGORIES
from workbench.regions import category_density


def hand_points():
    coords = [[0.5, 0.5], [0.4, 0.2], [1.5, 0.5], [1.5, 1.5], [2.0, 2.0], [np.nan, 1.0], [3.0, 3.0]]
    cats = ["copied", "copied", "corrected", "copied", "corrected", "copied", "corrected"]
    return np.array(coords), np.array(cats, dtype=object)


def test_counts_totals_and_shares_on_a_two_by_two_grid():
    xy, cats = hand_points()
    d = category_density(xy, cats, bins=2, extent=((0, 2), (0, 2)), categories_to_show=("copied", "corrected"))
    assert d.categories == ("copied", "corrected")
    np.testing.assert_array_equal(d.x_edges, [0, 1, 2])
    # counts[j, x bin, y bin]; (2, 2) sits on the right edge and falls in the last bin, (3, 3) is outside
    np.testing.assert_array_equal(d.counts[0], [[2, 0], [0, 1]])
    np.testing.assert_array_equal(d.counts[1], [[0, 0], [1, 1]])
    np.testing.assert_array_equal(d.total, [[2, 0], [1, 2]])
    assert d.shares[0, 1, 1] == 0.5 and d.shares[1, 1, 0] == 1.0 and np.isnan(d.shares[0, 0, 1])
    assert d.n_dropped == 1
    np.testing.assert_array_equal(d.smoothed, d.counts)
    np.testing.assert_allclose(d.x_centres, [0.5, 1.5])


def test_the_grid_is_that_of_numpy_histogram2d():
    rng = np.random.default_rng(0)
    xy = rng.normal(size=(5000, 2)) * [3, 1]
    cats = rng.choice(CATEGORIES, size=5000)
    d = category_density(xy, cats, bins=(7, 5))
    for j, name in enumerate(CATEGORIES):
        ref, ex, ey = np.histogram2d(xy[cats == name, 0], xy[cats == name, 1], bins=(7, 5),
                                     range=[[xy[:, 0].min(), xy[:, 0].max()], [xy[:, 1].min(), xy[:, 1].max()]])
        np.testing.assert_array_equal(d.counts[j], ref)
        np.testing.assert_allclose(d.x_edges, ex) and np.testing.assert_allclose(d.y_edges, ey)
    assert d.counts.sum() == 5000 and d.total.sum() == 5000


def test_a_categorical_and_points_on_the_edges_bin_as_with_strings_and_histogram2d():
    rng = np.random.default_rng(1)
    xy = rng.integers(0, 9, size=(3000, 2)).astype(float) / 8  # many points exactly on bin edges
    cats = rng.choice(["corrected", "corrupted", "copied"], size=3000).astype(object)
    as_strings = category_density(xy, cats, bins=8, categories_to_show=("corrupted", "corrected", "both_right"))
    as_codes = category_density(xy, pd.Categorical(cats), bins=8,
                                categories_to_show=("corrupted", "corrected", "both_right"))
    np.testing.assert_array_equal(as_strings.counts, as_codes.counts)
    np.testing.assert_array_equal(as_strings.total, as_codes.total)
    in_series = category_density(xy, pd.Series(cats, dtype="category"), bins=8, categories_to_show=("corrupted",))
    np.testing.assert_array_equal(in_series.counts[0], as_strings.counts[0])
    ref, _, _ = np.histogram2d(xy[cats == "corrupted", 0], xy[cats == "corrupted", 1], bins=8, range=[[0, 1], [0, 1]])
    np.testing.assert_array_equal(as_strings.counts[0], ref)
    assert as_codes.counts[2].sum() == 0 and as_codes.total.sum() == 3000


def test_categories_absent_from_the_data_are_zero_and_smoothing_spreads_mass():
    xy, cats = hand_points()
    d = category_density(xy, cats, bins=8, smooth=1.0)
    assert d.categories == CATEGORIES
    assert d.counts[CATEGORIES.index("both_right")].sum() == 0
    j = CATEGORIES.index("copied")
    assert d.smoothed[j].max() < d.counts[j].max() and d.smoothed[j].sum() <= d.counts[j].sum() + 1e-9
    assert (d.smoothed[j] > 0).sum() > (d.counts[j] > 0).sum()


def test_all_points_at_one_place_get_a_unit_wide_grid():
    d = category_density(np.ones((3, 2)), ["copied"] * 3, bins=2, categories_to_show=["copied"])
    np.testing.assert_array_equal(d.x_edges, [0.5, 1.0, 1.5])
    assert d.counts.sum() == 3


@pytest.mark.parametrize("kwargs, match", [
    ({"coords": np.zeros((3, 3))}, r"shape \(n, 2\)"),
    ({"categories": ["copied"]}, "one entry per point"),
    ({"bins": 0}, "bins"),
    ({"bins": (2, 2, 2)}, "bins"),
    ({"categories_to_show": ["nonsense"]}, "nonsense"),
    ({"extent": ((1, 0), (0, 1))}, "x1 > x0"),
    ({"extent": "big"}, "extent"),
    ({"smooth": -1}, "smooth"),
    ({"coords": np.full((2, 2), np.nan), "categories": ["copied"] * 2}, "finite"),
])
def test_bad_input_is_a_clear_error(kwargs, match):
    xy, cats = hand_points()
    args = {"coords": xy, "categories": cats, **kwargs}
    with pytest.raises(ValueError, match=match):
        category_density(args.pop("coords"), args.pop("categories"), **args)
