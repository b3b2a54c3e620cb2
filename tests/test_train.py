"""HeadTrainer and the losses: determinism, callbacks, stop event, targets, logconf,
early stopping, head capacity, errors."""

from __future__ import annotations

import threading

import numpy as np
import pytest
import torch

from workbench.train import EpochRecord, HeadTrainer, _hardened, logconf_loss, logconf_weight, xent_loss

pytestmark = pytest.mark.usefixtures("single_thread_torch")


def onehot(y, k=2):
    return np.eye(k)[y]


@pytest.fixture(scope="module")
def separable():
    rng = np.random.default_rng(0)
    n = 400
    y = rng.integers(0, 2, n)
    X = rng.normal(size=(n, 6))
    X[:, 0] += np.where(y == 1, 3.0, -3.0)
    return X.astype(np.float32), y


def small(**kw):
    return HeadTrainer(**{"epochs": 5, "batch_size": 64, **kw})


# ------------------------------------------------------------- determinism
def test_deterministic_with_seed(separable):
    X, y = separable
    a = small(seed=3).fit(X, onehot(y))
    b = small(seed=3).fit(X, onehot(y))
    c = small(seed=4).fit(X, onehot(y))
    np.testing.assert_array_equal(a.predict_proba(X), b.predict_proba(X))
    assert [r.train_loss for r in a.history_] == [r.train_loss for r in b.history_]
    assert not np.array_equal(a.predict_proba(X), c.predict_proba(X))


def test_fit_does_not_touch_global_torch_rng(separable):
    X, y = separable
    torch.manual_seed(123)
    expected = torch.rand(3)
    torch.manual_seed(123)
    small().fit(X, onehot(y))
    assert torch.equal(torch.rand(3), expected)


# -------------------------------------------------------------- history
def test_history_without_callbacks(separable):
    X, y = separable
    t = small(epochs=4).fit(X, onehot(y), X_eval=X[:10])
    assert [r.epoch for r in t.history_] == [1, 2, 3, 4]
    assert all(isinstance(r, EpochRecord) and r.n_epochs == 4 and r.role == "student" for r in t.history_)
    assert all(r.val_loss is None and r.proba.shape == (10, 2) for r in t.history_)
    assert t.history_[-1].train_loss < t.history_[0].train_loss
    assert t.history_[0].metrics["train_loss"] == t.history_[0].train_loss
    assert set(t.history_[0].metrics) == {"train_loss", "objective"}
    np.testing.assert_allclose(t.history_[-1].proba, t.predict_proba(X[:10]))
    assert t.stopped_early_ is False and t.best_epoch_ == 4
    assert t.n_features_in_ == 6 and t.n_classes_ == 2


def test_history_without_eval_has_no_proba(separable):
    X, y = separable
    assert all(r.proba is None for r in small(epochs=2).fit(X, onehot(y)).history_)


# ------------------------------------------------------------ callbacks
@pytest.mark.parametrize("k", [1, 3])
def test_callback_object_stops_after_epoch_k(separable, k):
    X, y = separable

    class StopAt:
        def __init__(self):
            self.seen = []

        def on_epoch_end(self, record):
            self.seen.append(record.epoch)
            return record.epoch >= k

    cb = StopAt()
    t = small(epochs=8).fit(X, onehot(y), callbacks=[cb])
    assert cb.seen == list(range(1, k + 1)) and len(t.history_) == k and t.stopped_early_


def test_plain_callable_and_on_record(separable):
    X, y = separable
    order = []

    def on_record(r):
        r.metrics["accuracy"] = 0.5
        order.append("record")

    def cb(r):
        assert r.metrics["accuracy"] == 0.5
        order.append("callback")
        return False

    t = small(epochs=2).fit(X, onehot(y), callbacks=[cb], on_record=on_record)
    assert order == ["record", "callback"] * 2 and len(t.history_) == 2 and not t.stopped_early_
    with pytest.raises(TypeError, match="on_epoch_end"):
        small(epochs=1).fit(X, onehot(y), callbacks=[42])


def test_stop_event(separable):
    X, y = separable
    stop = threading.Event()

    def setter(r):
        if r.epoch == 2:
            stop.set()

    t = small(epochs=10).fit(X, onehot(y), on_record=setter, stop_event=stop)
    assert len(t.history_) == 2 and t.stopped_early_
    already = threading.Event()
    already.set()
    assert len(small(epochs=10).fit(X, onehot(y), stop_event=already).history_) == 1


# ------------------------------------------------------------- targets
def test_soft_vs_hard_targets():
    rng = np.random.default_rng(1)
    X = rng.normal(size=(300, 3)).astype(np.float32)
    Y = np.tile([0.7, 0.3], (300, 1))
    soft = HeadTrainer(targets="soft", epochs=60, lr=0.05, weight_decay=0.0, batch_size=100).fit(X, Y)
    hard = HeadTrainer(targets="hard", epochs=60, lr=0.05, weight_decay=0.0, batch_size=100).fit(X, Y)
    assert abs(soft.predict_proba(X)[:, 0].mean() - 0.7) < 0.05
    assert hard.predict_proba(X)[:, 0].mean() > 0.95


# --------------------------------------------------------------- logconf
def test_logconf_weight_schedule():
    assert logconf_weight(0.0, aux_weight=0.5, warmup_frac=0.1) == 0.0
    assert logconf_weight(0.05, aux_weight=0.5, warmup_frac=0.1) == pytest.approx(0.25)
    assert logconf_weight(0.1, aux_weight=0.5, warmup_frac=0.1) == pytest.approx(0.5)
    assert logconf_weight(0.8, aux_weight=0.5, warmup_frac=0.1) == pytest.approx(0.5)
    assert logconf_weight(0.0, aux_weight=0.3, warmup_frac=0.0) == pytest.approx(0.3)


def test_logconf_zero_weight_equals_xent(separable):
    g = torch.Generator().manual_seed(0)
    logits = torch.randn(16, 2, generator=g)
    targets = torch.softmax(torch.randn(16, 2, generator=g), -1)
    for frac in (0.0, 0.5, 1.0):
        torch.testing.assert_close(logconf_loss(logits, targets, frac, aux_weight=0.0), xent_loss(logits, targets))
    torch.testing.assert_close(logconf_loss(logits, targets, 0.0), xent_loss(logits, targets))  # warm-up start
    X, y = separable
    a = small(loss="logconf", aux_weight=0.0).fit(X, onehot(y))
    b = small(loss="xent").fit(X, onehot(y))
    np.testing.assert_allclose(a.predict_proba(X), b.predict_proba(X), atol=1e-6)


def test_logconf_matches_formula_multiclass():
    g = torch.Generator().manual_seed(1)
    logits = torch.randn(8, 3, generator=g)
    targets = torch.softmax(torch.randn(8, 3, generator=g), -1)
    hard = torch.nn.functional.one_hot(logits.argmax(1), 3).float()
    want = -(((0.5 * targets + 0.5 * hard) * torch.log_softmax(logits, -1)).sum(-1)).mean()
    torch.testing.assert_close(logconf_loss(logits, targets, 1.0, aux_weight=0.5, warmup_frac=0.1), want)
    half = -(((0.75 * targets + 0.25 * hard) * torch.log_softmax(logits, -1)).sum(-1)).mean()
    torch.testing.assert_close(logconf_loss(logits, targets, 0.05, aux_weight=0.5, warmup_frac=0.1), half)


def test_binary_hardening_keeps_teacher_balance():
    preds = torch.softmax(torch.randn(200, 2, generator=torch.Generator().manual_seed(2)), -1)
    targets = torch.tensor([[0.75, 0.25]]).repeat(200, 1)  # teacher: 25% class 1
    hard = _hardened(preds, targets)
    assert set(hard.sum(1).tolist()) == {1.0}
    assert abs(hard[:, 1].mean().item() - 0.25) < 0.01
    # the hardened class-1 points are those with the lowest p(class 0)
    assert preds[hard[:, 1] == 1, 0].max() <= preds[hard[:, 0] == 1, 0].min()


# ----------------------------------------------------------- early stopping
def test_early_stopping_restores_best_epoch_on_teacher_val(separable):
    X, y = separable
    X_val, teacher_val = X[:100], onehot(1 - y[:100])  # the teacher disagrees with the training labels
    t = HeadTrainer(epochs=30, patience=3, batch_size=64, lr=0.05).fit(
        X[100:], onehot(y[100:]), X_val=X_val, y_val_proba=teacher_val)
    losses = [r.val_loss for r in t.history_]
    assert all(v is not None for v in losses)
    assert t.stopped_early_ and len(t.history_) == t.best_epoch_ + 3 < 30
    assert t.best_epoch_ == int(np.argmin(losses)) + 1
    restored = float(xent_loss(torch.log(torch.as_tensor(t.predict_proba(X_val))),
                               torch.as_tensor(teacher_val, dtype=torch.float64)))
    assert restored == pytest.approx(min(losses), abs=1e-5)
    assert restored < losses[-1]


def test_patience_without_val_is_an_error_not_ignored(separable):
    X, y = separable
    with pytest.raises(ValueError, match="patience .* needs teacher-labelled validation data"):
        small(epochs=6, patience=1).fit(X, onehot(y))


def test_best_epoch_is_the_last_trained_when_a_callback_stops(separable):
    X, y = separable
    t = HeadTrainer(epochs=10).fit(X, onehot(y), callbacks=[lambda r: r.epoch == 3])
    assert t.best_epoch_ == 3 and len(t.history_) == 3 and t.stopped_early_


# ------------------------------------------------------------- L-BFGS path
def test_lbfgs_head_reaches_sklearns_logistic_regression_optimum():
    """Same objective as LogisticRegression(C): mean CE + ||W||²/(2Cn); the optima agree."""
    from sklearn.linear_model import LogisticRegression

    rng = np.random.default_rng(5)
    y = rng.integers(0, 2, 300)
    X = (rng.normal(size=(300, 8)) + 0.8 * np.where(y == 1, 1.0, -1.0)[:, None] * rng.uniform(0, 1, 8)).astype(np.float64)
    for C in (0.1, 1.0):
        ours = HeadTrainer(C=C, targets="hard", epochs=40).fit(X, onehot(y))
        ref = LogisticRegression(C=C, tol=1e-10, max_iter=10_000).fit(X, y)
        np.testing.assert_allclose(ours.predict_proba(X)[:, 1], ref.predict_proba(X)[:, 1], atol=2e-3)


def test_lbfgs_objective_never_increases(separable):
    X, y = separable
    noisy = onehot(np.where(np.random.default_rng(0).random(len(y)) < 0.2, 1 - y, y))
    t = HeadTrainer(epochs=15, iters_per_epoch=1).fit(X, noisy)
    losses = [r.metrics["objective"] for r in t.history_]
    assert all(b <= a + 1e-6 for a, b in zip(losses, losses[1:])), losses


def test_tol_is_sklearns_gradient_criterion(separable):
    """Stopped at tol: the largest |gradient| of the penalised objective is at most tol, and a
    looser tol stops no later (epochs after convergence only record the same weights)."""
    import torch

    from workbench.train import xent_loss

    X, y = separable
    for tol in (1e-3, 1e-5):
        t = HeadTrainer(epochs=30, iters_per_epoch=2, tol=tol).fit(X, onehot(y))
        Xt = torch.as_tensor(X, dtype=torch.float32)
        t.model_.zero_grad()
        (xent_loss(t.model_(Xt), torch.as_tensor(onehot(y), dtype=torch.float32)) + t._penalty(len(X))).backward()
        grad_max = max(float(p.grad.abs().max()) for p in t.model_.parameters())
        assert grad_max <= tol * 1.0001, (tol, grad_max)
    loose = HeadTrainer(epochs=30, iters_per_epoch=2, tol=1e-3).fit(X, onehot(y))
    tight = HeadTrainer(epochs=30, iters_per_epoch=2, tol=1e-6).fit(X, onehot(y))
    assert loose.n_iter_ <= tight.n_iter_
    assert loose.history_[-1].metrics["objective"] == loose.history_[-2].metrics["objective"]


def test_cached_closure_evaluates_an_unmoved_point_once():
    import torch

    from workbench._lbfgs_closure import CachedClosure

    w = torch.nn.Parameter(torch.tensor([1.0, 2.0]))
    seen = []

    def evaluate():
        seen.append(w.detach().clone())
        w.grad = 2 * w.detach()
        return (w.detach() ** 2).sum()

    c = CachedClosure(evaluate, [w])
    assert float(c()) == 5.0 and float(c()) == 5.0 and c.calls == 1  # same point: no second evaluation
    with torch.no_grad():
        w.add_(1.0)  # an in-place move, as L-BFGS makes
    assert float(c()) == 13.0 and c.calls == 2
    with torch.no_grad():
        w.copy_(torch.tensor([1.0, 2.0]))  # moved back: the version changed, so it re-evaluates
    assert float(c()) == 5.0 and c.calls == 3
    w.grad = None  # someone cleared the gradient: the value alone is not enough
    c()
    assert c.calls == 4 and w.grad is not None


def test_reference_warmup_is_openai_weak_to_strong():
    # coef = 1.0 if step_frac > warmup_frac else step_frac; coef *= aux_coef
    assert logconf_weight(0.05, aux_weight=0.5, warmup_frac=0.1, warmup="reference") == pytest.approx(0.025)
    assert logconf_weight(0.1, aux_weight=0.5, warmup_frac=0.1, warmup="reference") == pytest.approx(0.05)
    assert logconf_weight(0.1001, aux_weight=0.5, warmup_frac=0.1, warmup="reference") == pytest.approx(0.5)
    with pytest.raises(ValueError, match="warmup"):
        logconf_weight(0.1, warmup="cosine")


# ------------------------------------------------------------ capacity
def test_mlp_learns_xor_linear_cannot():
    rng = np.random.default_rng(0)
    X = rng.uniform(-1, 1, size=(1200, 2)).astype(np.float32)
    y = (X[:, 0] * X[:, 1] > 0).astype(int)
    tr, te = slice(0, 800), slice(800, None)
    opts = dict(epochs=60, lr=0.02, batch_size=100, weight_decay=0.0)
    lin = HeadTrainer(head="linear", **opts).fit(X[tr], onehot(y[tr]))
    mlp = HeadTrainer(head="mlp", hidden=32, **opts).fit(X[tr], onehot(y[tr]))
    acc_lin = (lin.predict(X[te]) == y[te]).mean()
    acc_mlp = (mlp.predict(X[te]) == y[te]).mean()
    assert acc_mlp - acc_lin > 0.2, (acc_lin, acc_mlp)
    assert acc_mlp > 0.9


def test_linear_head_on_separable(separable):
    X, y = separable
    t = small(epochs=20, lr=0.02).fit(X[:300], onehot(y[:300]))
    assert (t.predict(X[300:]) == y[300:]).mean() > 0.98
    assert t.predict_proba(X).dtype == np.float64


def test_multiclass_and_no_standardize():
    rng = np.random.default_rng(2)
    y = np.arange(300) % 3
    X = rng.normal(size=(300, 4)) + 4 * np.eye(3, 4)[y]
    t = HeadTrainer(epochs=40, lr=0.02, batch_size=64, standardize=False).fit(X, onehot(y, 3))
    assert (t.predict(X) == y).mean() > 0.95 and t.predict_proba(X).shape == (300, 3)


# ------------------------------------------------------------------ errors
def test_predict_before_fit():
    with pytest.raises(ValueError, match="not fitted"):
        HeadTrainer().predict_proba(np.ones((2, 3)))


def test_feature_count_mismatch(separable):
    X, y = separable
    t = small(epochs=1).fit(X, onehot(y))
    with pytest.raises(ValueError, match="has 4 features but the head was fitted on 6"):
        t.predict(X[:, :4])
    with pytest.raises(ValueError, match="X_val has 4 features"):
        small(epochs=1).fit(X, onehot(y), X_val=X[:5, :4], y_val_proba=onehot(y[:5]))
    with pytest.raises(ValueError, match="X_eval has 5 features"):
        small(epochs=1).fit(X, onehot(y), X_eval=X[:5, :5])


def test_bad_fit_inputs(separable):
    X, y = separable
    with pytest.raises(ValueError, match="lengths differ"):
        small().fit(X, onehot(y[:-1]))
    with pytest.raises(ValueError, match="pass both X_val and y_val_proba"):
        small().fit(X, onehot(y), X_val=X[:5])
    with pytest.raises(ValueError, match="sum to 1"):
        small().fit(X, np.full((len(X), 2), 0.9))
    Xn = X.copy()
    Xn[0, 0] = np.nan
    with pytest.raises(ValueError, match="NaN|inf|finite"):
        small().fit(Xn, onehot(y))


@pytest.mark.parametrize("opts,exc", [
    (dict(head="cnn"), ValueError), (dict(loss="mse"), ValueError), (dict(targets="fuzzy"), ValueError),
    (dict(epochs=0), ValueError), (dict(batch_size=1.5), TypeError), (dict(patience=0), ValueError),
    (dict(seed=-1), ValueError),
])
def test_bad_options(opts, exc):
    with pytest.raises(exc):
        HeadTrainer(**opts)


def test_training_start_reads_like_the_earlier_info_dict():
    from workbench.train import TrainingStart

    start = TrainingStart(label_names=("a", "b"), n_epochs=3, y_eval=np.array([0, 1]), teacher_eval=np.array([0, -1]),
                          covered_eval=np.array([True, False]), weak_proba_eval=np.eye(2), ceiling_proba_eval=np.eye(2),
                          weak_acc=1.0, weak_acc_all=0.75, ceiling_acc=1.0)
    as_dict = dict(start)
    assert as_dict["n_epochs"] == 3 and as_dict["weak_acc_all"] == 0.75 and as_dict["teacher_weights"] == []
    assert start["label_names"] == ("a", "b") and start.get("missing", 7) == 7
    with pytest.raises(KeyError):
        start["missing"]
