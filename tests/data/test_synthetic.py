"""The synthetic generator: shapes, determinism, and a p* that a linear head on the strong view realises."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression

from workbench.data import TextDataset, load_dataset


def test_synthetic_shapes_and_determinism():
    ds = load_dataset("synthetic", n=500, n_classes=3, dim_strong=8, dim_weak=5, seed=4)
    assert isinstance(ds, TextDataset) and len(ds) == 500 and ds.n_classes == 3
    assert ds.features["strong"].shape == (500, 8) and ds.features["weak"].shape == (500, 5)
    assert ds.features["strong"].dtype == np.float32
    assert ds.p_true.shape == (500, 3)
    np.testing.assert_allclose(ds.p_true.sum(1), 1.0)
    assert ds.texts[17] == "synthetic point 17" and ds.ids[17] == "syn-17"
    assert sorted(set(ds.labels.tolist())) == [0, 1, 2]
    same = load_dataset("synthetic", n=500, n_classes=3, dim_strong=8, dim_weak=5, seed=4)
    assert same.fingerprint() == ds.fingerprint()
    np.testing.assert_array_equal(same.p_true, ds.p_true)
    other = load_dataset("synthetic", n=500, n_classes=3, dim_strong=8, dim_weak=5, seed=5)
    assert other.fingerprint() != ds.fingerprint()


def test_labels_are_drawn_from_p_true():
    ds = load_dataset("synthetic", n=6000, n_classes=3, seed=1)
    # mean predicted probability of each class matches its frequency (law of large numbers)
    freq = np.bincount(ds.labels, minlength=3) / len(ds)
    np.testing.assert_allclose(ds.p_true.mean(0), freq, atol=0.02)
    # and labels are noisy: the Bayes classifier is not perfect
    bayes = (ds.p_true.argmax(1) == ds.labels).mean()
    assert abs(bayes - ds.p_true.max(1).mean()) < 0.02 and bayes < 0.99


def test_synthetic_p_true_realisable_and_weak_worse():
    ds = load_dataset("synthetic", n=20000, dim_strong=16, dim_weak=16, strong_noise=0.0, seed=0)
    Xs, Xw, y = ds.features["strong"], ds.features["weak"], ds.labels
    strong = LogisticRegression(C=1e4, max_iter=2000).fit(Xs, y)
    mae = np.abs(strong.predict_proba(Xs) - ds.p_true).mean()
    assert mae < 0.05, mae
    # the true logit gap log(p1/p0) is linear in x_s: a least-squares fit explains it exactly
    logit = np.log(ds.p_true[:, 1]) - np.log(ds.p_true[:, 0])
    A = np.c_[Xs.astype(np.float64), np.ones(len(Xs))]
    resid = logit - A @ np.linalg.lstsq(A, logit, rcond=None)[0]
    assert np.abs(resid).max() < 1e-3 * np.abs(logit).max()
    # ... which is not true of the lossy, noisy weak view
    Aw = np.c_[Xw.astype(np.float64), np.ones(len(Xw))]
    resid_w = logit - Aw @ np.linalg.lstsq(Aw, logit, rcond=None)[0]
    assert resid_w.var() > 0.3 * logit.var()
    train, test = np.arange(15000), np.arange(15000, 20000)
    acc_s = LogisticRegression(C=1e4, max_iter=2000).fit(Xs[train], y[train]).score(Xs[test], y[test])
    acc_w = LogisticRegression(C=1e4, max_iter=2000).fit(Xw[train], y[train]).score(Xw[test], y[test])
    bayes = (ds.p_true[test].argmax(1) == y[test]).mean()
    assert acc_w < acc_s - 0.05, (acc_w, acc_s)
    assert abs(acc_s - bayes) < 0.02


def test_weak_view_controls():
    lossless = load_dataset("synthetic", n=3000, dim_strong=8, dim_weak=8, weak_keep=1.0, weak_noise=0.0, seed=2)
    # with weak_keep=1 and no noise the weak view is a linear image of z: it also realises p*
    logit = np.log(lossless.p_true[:, 1]) - np.log(lossless.p_true[:, 0])
    A = np.c_[lossless.features["weak"].astype(np.float64), np.ones(3000)]
    resid = logit - A @ np.linalg.lstsq(A, logit, rcond=None)[0]
    assert np.abs(resid).max() < 1e-3 * np.abs(logit).max()
    noisy = load_dataset("synthetic", n=3000, dim_strong=8, strong_noise=2.0, seed=2)
    logit_n = np.log(noisy.p_true[:, 1]) - np.log(noisy.p_true[:, 0])
    A = np.c_[noisy.features["strong"].astype(np.float64), np.ones(3000)]
    resid = logit_n - A @ np.linalg.lstsq(A, logit_n, rcond=None)[0]
    assert resid.var() > 0.3 * logit_n.var()  # strong noise: p_true no longer a function of x_s


@pytest.mark.parametrize("opts,exc,msg", [
    (dict(n=2), ValueError, "n must be >= 4"), (dict(n_classes=1), ValueError, "n_classes"),
    (dict(weak_keep=0.0), ValueError, "weak_keep"), (dict(weak_keep=1.5), ValueError, "weak_keep"),
    (dict(signal=0.0), ValueError, "signal"), (dict(weak_noise=-1.0), ValueError, "weak_noise"),
    (dict(strong_noise=float("nan")), ValueError, "strong_noise"), (dict(signal="big"), TypeError, "signal"),
    (dict(dim_weak=2.5), TypeError, "dim_weak"),
])
def test_synthetic_bad_options(opts, exc, msg):
    with pytest.raises(exc, match=msg):
        load_dataset("synthetic", **opts)


def test_linear_nonlinear_views_and_signals():
    ds = load_dataset("linear-nonlinear", n=2000, n_easy=3, n_pairs=2, n_noise=5, seed=0)
    assert ds.features["weak"].shape == (2000, 3) and ds.features["strong"].shape == (2000, 3 + 4 + 5)
    assert ds.features["strong"].dtype == np.float32 and ds.p_true is None
    s = 2 * ds.labels - 1
    strong = ds.features["strong"]
    # the hard signal: sign(u * v) is the label sign in every pair, exactly
    u, v = strong[:, 3:5], strong[:, 5:7]
    np.testing.assert_array_equal(np.sign(u * v), np.repeat(s[:, None], 2, axis=1))
    # the easy signal is linearly visible: its mean moves with the label
    assert strong[s > 0, :3].mean() - strong[s < 0, :3].mean() > 1.0
    assert load_dataset("linear-nonlinear", n=50, seed=1).fingerprint() == \
        load_dataset("linear-nonlinear", n=50, seed=1).fingerprint()


@pytest.mark.parametrize("opts, exc, msg", [
    ({"n": 2}, ValueError, "n must be >= 4"),
    ({"easy": -1.0}, ValueError, "easy"),
    ({"n_pairs": "2"}, TypeError, "n_pairs"),
])
def test_linear_nonlinear_bad_options(opts, exc, msg):
    with pytest.raises(exc, match=msg):
        load_dataset("linear-nonlinear", **opts)
