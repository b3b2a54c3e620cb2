"""Theory diagnostics on synthetic cases with closed-form answers."""

from __future__ import annotations

import math

import numpy as np
import pytest

from workbench import load_dataset, make_splits
from workbench.theory import (
    calibration_over_epochs,
    fit_line,
    label_gap,
    misfit_gain_sweep,
    pair_matrix,
    representation_score,
    representation_vs_pgr,
    synthetic_kl_check,
    synthetic_regression_check,
    teacher_vs_student_calibration,
)
from workbench.theory.representation import projector_matrix
from workbench.train import EpochRecord


# ------------------------------------------------------------------ misfit-gain
def test_fit_line_recovers_a_line():
    x = np.linspace(0, 1, 10)
    fit = fit_line(x, 2 * x + 0.5)
    assert fit["slope"] == pytest.approx(2) and fit["intercept"] == pytest.approx(0.5) and fit["r2"] == pytest.approx(1)
    assert math.isnan(fit_line([1.0], [2.0])["slope"])


def test_regression_setting_gain_equals_misfit_exactly():
    table = synthetic_regression_check(n=800, n_teachers=5, seed=1)
    np.testing.assert_allclose(table["gain"], table["misfit"], rtol=1e-8, atol=1e-8)
    assert (table["gain"] > 0).all()
    fit = fit_line(table["misfit"], table["gain"])
    assert fit["slope"] == pytest.approx(1, abs=1e-6) and fit["r2"] == pytest.approx(1, abs=1e-8)


def test_kl_inequality_holds_when_p_star_is_realisable():
    ds = load_dataset("synthetic", n=1500, strong_noise=0.0, weak_noise=1.5, seed=2)
    out = synthetic_kl_check(ds, n_gold=100, seed=0)
    assert out["gain_kl"] > 0
    assert out["slack"] >= -1e-3, out  # E KL(p_w‖p*) ≥ E KL(p_sw‖p*) + E KL(p_w‖p_sw)


def test_misfit_gain_sweep_measures_every_teacher():
    ds = load_dataset("synthetic", n=1200, weak_keep=0.8, weak_noise=0.3, seed=3)
    splits = make_splits(ds, n_gold=60, seed=0)
    rng = np.random.default_rng(0)
    teachers = {f"noise {s}": ds.features["weak"] + s * rng.normal(size=ds.features["weak"].shape)
                for s in (0.0, 1.0, 4.0)}
    table, fits = misfit_gain_sweep(ds.features["strong"], ds.labels, splits, teachers, n_classes=2,
                                    p_true=ds.p_true)
    assert list(table["teacher"]) == list(teachers)
    assert np.isfinite(table[["misfit_sq", "gain_sq", "misfit_kl", "gain_kl", "gain_xent"]].to_numpy()).all()
    assert table["weak_acc"].iloc[0] > table["weak_acc"].iloc[-1], "noisier weak views make worse teachers"
    assert set(fits) == {"sq", "kl", "xent"} and np.isfinite(fits["sq"]["slope"])


# ---------------------------------------------------------------- representation
def test_representation_score_matches_brute_force():
    rng = np.random.default_rng(0)
    Pw, Ps = rng.normal(size=(80, 6)), rng.normal(size=(80, 9))
    for k, lam in ((4, 0.0), (6, 0.1), (50, 1e-3)):
        brute = np.linalg.norm(projector_matrix(Ps, k=k, ridge=lam) @ (np.eye(80) - projector_matrix(Pw, k=k, ridge=lam)), 2)
        assert representation_score(Pw, Ps, k=k, ridge=lam) == pytest.approx(brute, rel=1e-8)
        y = rng.integers(0, 3, 80)
        Y = np.eye(3)[y] - np.eye(3)[y].mean(0)
        R = projector_matrix(Ps, k=k, ridge=lam) @ (np.eye(80) - projector_matrix(Pw, k=k, ridge=lam)) @ Y
        assert label_gap(Pw, Ps, y, k=k, ridge=lam) == pytest.approx(np.sum(R**2) / 80, rel=1e-8)


def test_representation_closed_forms():
    rng = np.random.default_rng(1)
    Z = rng.normal(size=(200, 4))
    Z -= Z.mean(0)
    # identical spans: nothing strong-only, score -> 0 as ridge -> 0
    assert representation_score(Z, Z @ rng.normal(size=(4, 4)), k=4, ridge=0.0) == pytest.approx(0, abs=1e-8)
    # y in the strong span but orthogonal to the weak span: gap = ||y||^2 / n
    Q, _ = np.linalg.qr(Z)
    weak, y = Q[:, :2], Q[:, 3] * 5
    strong = Q[:, [0, 3]]
    assert label_gap(weak, strong, y, k=2, ridge=0.0) == pytest.approx(np.sum(y**2) / 200, rel=1e-8)
    assert representation_score(weak, strong, k=2, ridge=0.0) == pytest.approx(1.0, rel=1e-8)


# ------------------------------------------------------------------ calibration
def test_calibration_tables():
    y = np.array([0, 1, 1, 0])
    perfect = np.eye(2)[y]
    records = [EpochRecord(epoch=1, n_epochs=2, train_loss=1.0, val_loss=None, proba=np.full((4, 2), 0.5)),
               EpochRecord(epoch=2, n_epochs=2, train_loss=0.5, val_loss=None, proba=perfect)]
    table = calibration_over_epochs(records, y, teacher_labels=np.array([0, 1, -1, 1]))
    assert table["ece_gold"].tolist() == pytest.approx([0.0, 0.0]) and table["accuracy"].iloc[1] == 1.0
    assert table["ece_teacher"].iloc[1] == pytest.approx(1 / 3)
    t = teacher_vs_student_calibration([("t", np.full((4, 2), 0.5), perfect)], y)
    assert t.loc[0, "ece_student"] == 0.0 and t.loc[0, "acc_student"] == 1.0


# ------------------------------------------------------------------ pair matrix
def test_pair_matrix_and_rank_correlation():
    ds = load_dataset("synthetic", n=800, seed=4)
    rng = np.random.default_rng(0)
    features = {"strong": ds.features["strong"], "weak": ds.features["weak"],
                "noisy": ds.features["weak"] + 2 * rng.normal(size=ds.features["weak"].shape)}
    table = pair_matrix(ds, features, n_gold=40, seed=0)
    assert len(table) == 6 and set(table["weak"]) == set(features)
    row = table[(table["weak"] == "noisy") & (table["strong"] == "strong")].iloc[0]
    assert row["ceiling_acc"] > row["weak_acc"]
    table, rho, p = representation_vs_pgr(table, features, k=10)
    assert "rep_score" in table and (table["rep_score"] >= 0).all()
    assert -1 <= rho <= 1 or math.isnan(rho)


def test_representation_score_does_not_change_when_features_are_rescaled():
    """The ridge is relative to the spectrum: scaling either representation leaves the score alone
    (an absolute ridge of 1e-3 made it depend on the units and saturate near 1)."""
    rng = np.random.default_rng(4)
    weak, strong = rng.normal(size=(120, 6)), rng.normal(size=(120, 9))
    base = representation_score(weak, strong, k=5, ridge=0.1)
    assert representation_score(100.0 * weak, 0.01 * strong, k=5, ridge=0.1) == pytest.approx(base, rel=1e-9)
    assert 0 < base < 1
