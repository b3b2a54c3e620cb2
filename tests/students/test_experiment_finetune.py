"""Experiment(student={"finetune": ...}) runs the one Burns protocol with a fine-tuned student and a
ceiling fine-tuned the same way on gold labels (tiny random BERT: seconds)."""

from __future__ import annotations

import numpy as np

from workbench import EncoderPair, Experiment, Result
from workbench.data import TextDataset

from .conftest import make_texts


def _dataset(n=200):
    texts, y, _ = make_texts(n, seed=3)
    return TextDataset(name="tiny-texts", ids=[f"t{i}" for i in range(n)], texts=texts, labels=y,
                       label_names=("negative", "positive"))


def test_experiment_fine_tunes_student_and_ceiling_on_texts(tiny_model, fast, tmp_path):
    from workbench import EmbeddingCache
    from workbench.students import FineTuneStudent

    ds = _dataset()
    rng = np.random.default_rng(0)
    pair = EncoderPair(weak=rng.normal(size=(len(ds), 8)).astype(np.float32) + ds.labels[:, None],
                       strong=rng.normal(size=(len(ds), 8)).astype(np.float32))
    student = {"finetune": "full", "model": tiny_model, "epochs": 2, "device": "cpu", **fast["full"]}
    exp = Experiment(ds, pair, n_gold=30, seed=0, student=student, cache=EmbeddingCache(tmp_path / "cache"))
    result = exp.run(projection=None, progress=False)
    assert isinstance(exp.heads_.student, FineTuneStudent) and isinstance(exp.heads_.ceiling, FineTuneStudent)
    assert exp.heads_.ceiling.loss == "xent" and exp.heads_.ceiling.targets == "hard"
    history = result.history["student"]
    assert [r.epoch for r in history] == [1, 2]
    assert all(r.proba.shape == (len(exp.splits_.test), 2) for r in history)  # test rows, as for the head
    assert np.isfinite(history[-1].metrics["student_acc"]) and "pgr" in history[-1].metrics
    assert result.proba["student"].shape == (len(ds), 2)
    saved = Result.load(result.save(tmp_path / "run"))
    np.testing.assert_allclose(saved.proba["student"], result.proba["student"])
