"""FineTuneStudent on a tiny random BERT (tests/students/conftest.py): LoRA and full
fine-tuning reduce the training loss, one record per epoch with probabilities and the
re-embedded sample, Stop, save/load, checkpoints and resume, clear errors."""

from __future__ import annotations

import sys
import threading

import numpy as np
import pytest

from workbench.students import FineTuneStudent
from workbench.train import EpochRecord


def _student(tiny_model, fast, mode="lora", **kw):
    options = dict(mode=mode, model=tiny_model, epochs=3, batch_size=16, device="cpu", representation_sample=30,
                   **fast[mode])
    return FineTuneStudent(**{**options, **kw})


@pytest.fixture(scope="module")
def fitted_lora(tiny_model, tiny_data, fast):
    import torch

    before = torch.get_num_threads()
    torch.set_num_threads(1)
    s = FineTuneStudent(mode="lora", model=tiny_model, epochs=3, batch_size=16, device="cpu",
                        representation_sample=30, **fast["lora"])
    yield s.fit(tiny_data["texts"], tiny_data["teacher"], X_val=tiny_data["eval"][:20],
                 y_val_proba=np.eye(2)[tiny_data["y_eval"][:20]], X_eval=tiny_data["eval"])
    torch.set_num_threads(before)


@pytest.mark.parametrize("mode", ["lora", "full"])
def test_training_loss_goes_down(mode, tiny_model, tiny_data, fast, fitted_lora):
    s = fitted_lora if mode == "lora" else _student(tiny_model, fast, "full").fit(
        tiny_data["texts"], tiny_data["teacher"], X_eval=tiny_data["eval"])
    losses = [r.train_loss for r in s.history_]
    assert losses[-1] < losses[0] - 0.05, losses
    assert s.best_epoch_ == 3 and not s.stopped_early_
    acc = float(np.mean(s.predict(tiny_data["eval"]) == tiny_data["y_eval"]))
    assert acc > 0.6, acc


def test_lora_trains_adapters_and_head_only(fitted_lora):
    trainable = [n for n, p in fitted_lora.net_.named_parameters() if p.requires_grad]
    assert trainable and all("lora_" in n or n.startswith("head.") for n in trainable)
    assert any("query" in n for n in trainable) and any("value" in n for n in trainable)


def test_full_mode_freezes_only_the_unused_pooler(tiny_model, fast):
    s = _student(tiny_model, fast, "full")
    s._build(2, "cpu")
    frozen = [n for n, p in s.net_.named_parameters() if not p.requires_grad]
    assert frozen and all(".pooler." in n or n.startswith("encoder.pooler") for n in frozen)


def test_one_record_per_epoch_with_proba_and_representation(fitted_lora, tiny_data):
    h = fitted_lora.history_
    assert [r.epoch for r in h] == [1, 2, 3] and all(isinstance(r, EpochRecord) for r in h)
    n_eval = len(tiny_data["eval"])
    for r in h:
        assert r.n_epochs == 3 and r.proba.shape == (n_eval, 2)
        np.testing.assert_allclose(r.proba.sum(1), 1.0, atol=1e-6)
        assert r.val_loss is not None and r.metrics["val_loss"] == r.val_loss
        assert r.metrics["train_loss"] == r.train_loss
        assert r.extra["representation"].shape == (30, 2)
        np.testing.assert_array_equal(r.extra["representation_index"], h[0].extra["representation_index"])
    idx = h[0].extra["representation_index"]
    assert np.all(np.diff(idx) > 0) and idx.max() < n_eval
    assert "representation_initial" in h[0].extra and "representation_initial" not in h[1].extra
    # the last record's map is the current model's pooled embeddings in the epoch-0 PCA basis
    now = fitted_lora.embed([tiny_data["eval"][i] for i in idx])
    assert now.shape == (30, 32)
    moved = np.linalg.norm(h[-1].extra["representation"] - h[0].extra["representation_initial"], axis=1)
    assert moved.mean() > 0  # the representation moved during training
    np.testing.assert_allclose(h[-1].proba, fitted_lora.predict_proba(tiny_data["eval"]), atol=1e-6)


def test_callback_stop_after_first_epoch(tiny_model, tiny_data, fast):
    seen = []

    class Stopper:
        def on_epoch_end(self, record):
            seen.append(record.epoch)
            return True

    s = _student(tiny_model, fast, "full").fit(tiny_data["texts"], tiny_data["teacher"], callbacks=[Stopper()],
                                               on_record=lambda r: r.metrics.update(seen=1))
    assert seen == [1] and len(s.history_) == 1 and s.stopped_early_ and s.best_epoch_ == 1
    assert s.history_[0].metrics["seen"] == 1 and s.history_[0].proba is None


def test_stop_event_checked_every_n_steps(tiny_model, tiny_data, fast):
    event = threading.Event()
    event.set()
    s = _student(tiny_model, fast, "full", stop_check_steps=2).fit(tiny_data["texts"], tiny_data["teacher"],
                                                                   stop_event=event)
    assert len(s.history_) == 1 and s.stopped_early_ and s.n_steps_ == 2


def test_save_and_load_round_trip(fitted_lora, tiny_data, tmp_path):
    fitted_lora.save(tmp_path / "st")
    again = FineTuneStudent.load(tmp_path / "st", device="cpu")
    np.testing.assert_allclose(again.predict_proba(tiny_data["eval"]), fitted_lora.predict_proba(tiny_data["eval"]),
                               atol=1e-6)
    assert [r.epoch for r in again.history_] == [1, 2, 3]
    np.testing.assert_allclose(again.history_[1].proba, fitted_lora.history_[1].proba, atol=1e-9)
    np.testing.assert_allclose(again.history_[0].extra["representation"], fitted_lora.history_[0].extra["representation"])
    assert again.get_params()["mode"] == "lora"
    with pytest.raises(ValueError, match="student.json"):
        FineTuneStudent.load(tmp_path)


def test_resume_continues_from_last_checkpoint_exactly(tiny_model, tiny_data, fast, tmp_path):
    data = (tiny_data["texts"][:96], tiny_data["teacher"][:96])
    whole = _student(tiny_model, fast, "full", epochs=2, checkpoint_dir=tmp_path / "a").fit(*data,
                                                                                           X_eval=tiny_data["eval"])
    first = _student(tiny_model, fast, "full", epochs=2, checkpoint_dir=tmp_path / "b")
    first.fit(*data, X_eval=tiny_data["eval"], callbacks=[lambda r: True])  # "interrupted" after epoch 1
    assert [p.name for p in (tmp_path / "b").iterdir()] == ["epoch-0001"]
    resumed = _student(tiny_model, fast, "full", epochs=2, checkpoint_dir=tmp_path / "b", resume=True)
    resumed.fit(*data, X_eval=tiny_data["eval"])
    assert resumed.resumed_from_ == 1 and [r.epoch for r in resumed.history_] == [1, 2]
    np.testing.assert_allclose(resumed.history_[0].proba, whole.history_[0].proba, atol=1e-6)
    np.testing.assert_allclose(resumed.predict_proba(tiny_data["eval"]), whole.predict_proba(tiny_data["eval"]),
                               atol=1e-5)
    assert resumed.history_[1].train_loss == pytest.approx(whole.history_[1].train_loss, abs=1e-5)
    assert sorted(p.name for p in (tmp_path / "b").iterdir()) == ["epoch-0002"]  # keep_checkpoints=1


def test_resume_refuses_other_options_or_data(tiny_model, tiny_data, fast, tmp_path):
    data = (tiny_data["texts"][:48], tiny_data["teacher"][:48])
    _student(tiny_model, fast, "full", epochs=1, checkpoint_dir=tmp_path).fit(*data)
    with pytest.raises(ValueError, match="lr"):
        _student(tiny_model, fast, "full", epochs=1, lr=1e-4, checkpoint_dir=tmp_path, resume=True).fit(*data)
    with pytest.raises(ValueError, match="texts or targets differ"):
        _student(tiny_model, fast, "full", epochs=1, checkpoint_dir=tmp_path, resume=True).fit(
            tiny_data["texts"][:40], tiny_data["teacher"][:40])


def test_logconf_and_hard_targets_train(tiny_model, tiny_data, fast):
    s = _student(tiny_model, fast, "full", epochs=2, loss="logconf", targets="hard", representation_sample=0)
    s.fit(tiny_data["texts"][:96], tiny_data["teacher"][:96] * 0.8 + 0.1, X_eval=tiny_data["eval"])
    assert len(s.history_) == 2 and "representation" not in s.history_[0].extra
    assert s.history_[-1].train_loss < s.history_[0].train_loss


def test_bf16_autocast_and_gradient_checkpointing_run_on_cpu(tiny_model, tiny_data, fast):
    s = _student(tiny_model, fast, "full", epochs=1, precision="bf16", gradient_checkpointing=True)
    s.fit(tiny_data["texts"][:32], tiny_data["teacher"][:32], X_eval=tiny_data["eval"][:8])
    from workbench.students._net import is_checkpointing

    assert s._bf16 and is_checkpointing(s.net_.encoder)
    assert not is_checkpointing(_student(tiny_model, fast, "full").fit(tiny_data["texts"][:16],
                                                                        tiny_data["teacher"][:16]).net_.encoder)
    assert s.predict_proba(tiny_data["eval"][:8]).dtype == np.float64


def test_peft_missing_names_the_extra(tiny_model, tiny_data, fast, monkeypatch):
    monkeypatch.setitem(sys.modules, "peft", None)
    with pytest.raises(ImportError, match=r"pip install 'w2s-workbench\[finetune\]'"):
        _student(tiny_model, fast, "lora").fit(tiny_data["texts"][:16], tiny_data["teacher"][:16])


@pytest.mark.parametrize("kwargs, match", [
    (dict(mode="adapter"), "mode"), (dict(epochs=0), "epochs"), (dict(lr=-1.0), "lr"),
    (dict(loss="mse"), "loss"), (dict(resume=True), "checkpoint_dir"), (dict(lora_target_modules=3), "lora_target"),
    (dict(precision="fp16"), "precision"),
])
def test_bad_options_raise(kwargs, match):
    with pytest.raises((ValueError, TypeError), match=match):
        FineTuneStudent(**kwargs)


def test_bad_data_raises(tiny_model, tiny_data, fast):
    s = _student(tiny_model, fast, "full")
    with pytest.raises(ValueError, match="not fitted"):
        s.predict_proba(["good"])
    with pytest.raises(ValueError, match="lengths differ"):
        s.fit(tiny_data["texts"][:10], tiny_data["teacher"][:9])
    with pytest.raises(ValueError, match="X_val"):
        s.fit(tiny_data["texts"][:10], tiny_data["teacher"][:10], X_val=["good"])
