"""Procrustes alignment of two maps of the same points (hand-made maps with known answers)."""

from __future__ import annotations

import numpy as np
import pytest

from workbench.projection_align import align_coords, mean_pair_distance, procrustes_align, standardise

SQUARE = np.array([[1.0, 0.0], [0.0, 1.0], [-1.0, 0.0], [0.0, -1.0]])


def rotation(theta):
    c, s = np.cos(theta), np.sin(theta)
    return np.array([[c, -s], [s, c]])


def test_a_rotated_scaled_shifted_square_is_put_back():
    # moving = 2 * square rotated by 90 degrees, shifted by (5, 5): [(5, 7), (3, 5), (5, 3), (7, 5)]
    moving = 2 * SQUARE @ rotation(np.pi / 2).T + 5
    assert np.allclose(moving, [[5, 7], [3, 5], [5, 3], [7, 5]])
    assert np.allclose(procrustes_align(SQUARE, moving), SQUARE, atol=1e-6)


def test_a_mirror_image_is_put_back_only_when_reflection_is_allowed():
    rng = np.random.default_rng(0)
    ref = rng.normal(size=(200, 2))
    mirrored = ref * [-1, 1] @ rotation(0.7).T * 3.0 - [2, 9]
    assert np.allclose(procrustes_align(ref, mirrored), ref, atol=1e-5)
    proper = procrustes_align(ref, mirrored, reflection=False)
    assert mean_pair_distance(ref, proper) > 0.5  # a rotation cannot undo a mirror


def test_without_scaling_the_spread_of_the_moving_map_is_kept():
    rng = np.random.default_rng(1)
    ref = rng.normal(size=(100, 2))
    moving = 4 * ref @ rotation(2.0).T
    out = procrustes_align(ref, moving, scale=False)
    # rotated back and moved onto the reference's centre, still 4x as large
    assert np.allclose(out, 4 * (ref - ref.mean(0)) + ref.mean(0), atol=1e-4)


def test_the_fit_beats_every_other_rotation_on_noisy_data():
    rng = np.random.default_rng(2)
    ref = rng.normal(size=(300, 2))
    moving = ref @ rotation(1.1).T + rng.normal(scale=0.3, size=ref.shape)
    best = np.sum((procrustes_align(ref, moving, scale=False) - ref) ** 2)
    centred = moving - moving.mean(0)
    for theta in np.linspace(0, 2 * np.pi, 90):
        other = centred @ rotation(theta).T + ref.mean(0)
        assert best <= np.sum((other - ref) ** 2) + 1e-6


def test_non_finite_rows_are_left_out_of_the_fit_and_stay_missing():
    moving = 2 * SQUARE @ rotation(np.pi / 2).T + 5
    ref = np.vstack([SQUARE, [np.nan, np.nan]])
    moving = np.vstack([moving, [100.0, 100.0]])
    out = procrustes_align(ref, moving)
    assert np.allclose(out[:4], SQUARE, atol=1e-6) and np.isfinite(out[4]).all()
    moving[4] = np.nan
    assert np.isnan(procrustes_align(ref, moving)[4]).all()


def test_mean_pair_distance_by_hand():
    assert mean_pair_distance(SQUARE, 3 * SQUARE + 1) == pytest.approx(0.0)
    # a quarter turn moves each unit-radius corner by sqrt(2)
    assert mean_pair_distance(SQUARE, SQUARE @ rotation(np.pi / 2).T) == pytest.approx(np.sqrt(2))
    assert np.sqrt(np.mean(np.sum(standardise(5 * SQUARE + 2) ** 2, axis=1))) == pytest.approx(1.0)


def test_align_coords_keeps_the_reference_and_aligns_the_other():
    coords = {"weak": SQUARE.astype(np.float32), "strong": (2 * SQUARE @ rotation(1.0).T).astype(np.float32)}
    out = align_coords(coords)
    assert out["weak"] is coords["weak"]
    assert np.allclose(out["strong"], SQUARE, atol=1e-5) and out["strong"].dtype == np.float32
    back = align_coords(coords, reference="strong")
    assert back["strong"] is coords["strong"] and np.allclose(back["weak"], coords["strong"], atol=1e-5)


@pytest.mark.parametrize("call, exc, match", [
    (lambda: procrustes_align(np.zeros((4, 3)), np.zeros((4, 3))), ValueError, r"shape \(n, 2\)"),
    (lambda: procrustes_align(SQUARE, SQUARE[:3]), ValueError, "same points"),
    (lambda: procrustes_align(SQUARE[:2], SQUARE[:2]), ValueError, "at least 3"),
    (lambda: procrustes_align(SQUARE, np.ones((4, 2))), ValueError, "one place"),
    (lambda: align_coords([SQUARE]), TypeError, "dict"),
    (lambda: align_coords({"weak": SQUARE}, reference="strong"), ValueError, "reference"),
    (lambda: standardise(np.ones((3, 2))), ValueError, "one place"),
])
def test_bad_input_is_a_clear_error(call, exc, match):
    with pytest.raises(exc, match=match):
        call()
