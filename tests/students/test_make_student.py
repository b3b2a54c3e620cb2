"""make_student / make_ceiling / per-architecture LoRA targets / the representation maths."""

from __future__ import annotations

import numpy as np
import pytest

from workbench.students import FineTuneStudent, input_kind, make_ceiling, make_student
from workbench.students._net import default_target_modules
from workbench.students._runtime import shard_order
from workbench.students.representation import fit_pca2, sample_index
from workbench.train import HeadTrainer


def test_plain_options_give_a_head_trainer():
    head = make_student({"loss": "logconf", "epochs": 5}, seed=3, device="cpu")
    assert isinstance(head, HeadTrainer) and head.loss == "logconf" and head.epochs == 5 and head.seed == 3
    assert input_kind(head) == "features" and isinstance(make_student(None), HeadTrainer)


def test_finetune_options_give_a_finetune_student():
    s = make_student({"finetune": "full", "epochs": 2, "lora_r": 4, "model": "some/folder"}, seed=7, device="cpu")
    assert isinstance(s, FineTuneStudent) and s.mode == "full" and s.epochs == 2 and s.seed == 7
    assert s.device == "cpu" and s.model == "some/folder" and input_kind(s) == "texts"
    copy = make_student(s)
    assert copy is not s and copy.get_params() == s.get_params()


@pytest.mark.parametrize("options, error, match", [
    ({"finetune": "adapters"}, ValueError, "'lora', 'full'"),
    ({"finetune": "lora", "hidden": 3}, ValueError, "unknown fine-tuning option"),
    ({"finetune": "lora", "epochs": 0}, ValueError, "epochs"),
    ({"head": "tree"}, ValueError, "head"),
    ("lora", TypeError, "finetune"),
])
def test_bad_student_options(options, error, match):
    with pytest.raises(error, match=match):
        make_student(options)


def test_ceiling_is_the_same_finetune_on_gold(tmp_path):
    s = make_student({"finetune": "lora", "loss": "logconf", "epochs": 2, "checkpoint_dir": str(tmp_path),
                      "resume": True})
    c = make_ceiling(s)
    assert c.mode == "lora" and c.loss == "xent" and c.targets == "hard" and c.epochs == 2
    assert c.checkpoint_dir == str(tmp_path / "ceiling") and c.resume
    with pytest.raises(TypeError, match="fit_ceiling"):
        make_ceiling(HeadTrainer())


def test_lora_targets_per_architecture():
    assert default_target_modules("bert") == ["query", "key", "value"]
    assert default_target_modules("mpnet") == ["q", "k", "v"]
    assert default_target_modules("gpt2") == ["c_attn"]
    assert default_target_modules("some-new-arch") == "all-linear"


def test_pca_is_fitted_once_and_reused():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(50, 6)) * np.array([5, 3, 1, 1, 1, 1])
    pca = fit_pca2(X)
    np.testing.assert_allclose(pca.components @ pca.components.T, np.eye(2), atol=1e-10)
    Z = pca.transform(X)
    assert Z.shape == (50, 2) and Z[:, 0].var() > Z[:, 1].var()
    from sklearn.decomposition import PCA

    ref = PCA(2).fit_transform(X)
    np.testing.assert_allclose(np.abs(Z), np.abs(ref), atol=1e-4)
    np.testing.assert_allclose(type(pca).from_json(pca.to_json()).transform(X + 1), pca.transform(X + 1))
    with pytest.raises(ValueError, match="non-empty"):
        fit_pca2(np.zeros((0, 3)))


def test_sample_index_and_shards():
    a, b = sample_index(100, 30, seed=1), sample_index(100, 30, seed=1)
    np.testing.assert_array_equal(a, b)
    assert len(np.unique(a)) == 30 and a.max() < 100 and len(sample_index(10, 30)) == 10
    order = np.arange(7)
    s0, s1 = shard_order(order, 0, 2), shard_order(order, 1, 2)
    assert len(s0) == len(s1) == 4 and set(s0) | set(s1) == set(order)


def test_importing_students_imports_neither_peft_nor_accelerate():
    import subprocess
    import sys

    code = ("import sys, workbench, workbench.students; "
            "print(sorted(m for m in ('peft', 'accelerate') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
