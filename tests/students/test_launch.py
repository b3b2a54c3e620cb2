"""``accelerate launch`` with 2 CPU processes (gloo) on the tiny model: both processes train
on disjoint halves of each epoch, the main process saves a student that loads and predicts."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from workbench.students import FineTuneStudent
from workbench.students.launch import read_training_table


def test_read_training_table(tmp_path):
    pd.DataFrame({"text": ["a", "b"], "proba_1": [0.3, 0.8], "proba_0": [0.7, 0.2]}).to_parquet(tmp_path / "p.parquet")
    texts, Y = read_training_table(tmp_path / "p.parquet")
    assert texts == ["a", "b"] and np.allclose(Y, [[0.7, 0.3], [0.2, 0.8]])
    pd.DataFrame({"text": ["a", "b"], "label": [1, 0]}).to_parquet(tmp_path / "l.parquet")
    assert np.allclose(read_training_table(tmp_path / "l.parquet", n_classes=3)[1], [[0, 1, 0], [1, 0, 0]])
    pd.DataFrame({"words": ["a"]}).to_parquet(tmp_path / "bad.parquet")
    with pytest.raises(ValueError, match="'text' column"):
        read_training_table(tmp_path / "bad.parquet")


@pytest.mark.slow
def test_two_cpu_processes_data_parallel(tiny_model, tiny_data, tmp_path):
    accelerate = shutil.which("accelerate", path=str(Path(sys.executable).parent))
    assert accelerate, "the accelerate CLI ships with the [finetune] extra"
    n = 96
    pd.DataFrame({"text": tiny_data["texts"][:n], "proba_0": tiny_data["teacher"][:n, 0],
                  "proba_1": tiny_data["teacher"][:n, 1]}).to_parquet(tmp_path / "train.parquet")
    pd.DataFrame({"text": tiny_data["eval"], "label": tiny_data["y_eval"]}).to_parquet(tmp_path / "eval.parquet")
    options = {"finetune": "full", "model": tiny_model, "epochs": 2, "batch_size": 8, "lr": 3e-3, "head_lr": 3e-2,
               "representation_sample": 0}
    cmd = [accelerate, "launch", "--multi_gpu", "--num_processes", "2", "--num_machines", "1",
           "--mixed_precision", "no", "--dynamo_backend", "no", "--main_process_port", "29531",
           "-m", "workbench.students.launch", "--train", str(tmp_path / "train.parquet"),
           "--eval", str(tmp_path / "eval.parquet"), "--options", json.dumps(options), "--device", "cpu",
           "--out", str(tmp_path / "out")]
    env = {**os.environ, "OMP_NUM_THREADS": "1", "HF_HUB_OFFLINE": "1",
           "PYTHONPATH": os.pathsep.join([str(Path(__file__).resolve().parents[2]), os.environ.get("PYTHONPATH", "")])}
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    summary = json.loads((tmp_path / "out" / "launch.json").read_text())
    assert summary["num_processes"] == 2 and summary["distributed_type"].endswith("MULTI_CPU")
    assert summary["rows_trained_per_process"] == [n, n]  # 2 epochs x n/2 rows each
    assert summary["epochs"] == 2 and summary["train_loss"][-1] < summary["train_loss"][0]
    student = FineTuneStudent.load(tmp_path / "out" / "student", device="cpu")
    proba = student.predict_proba(tiny_data["eval"])
    assert summary["eval_acc"] == pytest.approx(float(np.mean(proba.argmax(1) == tiny_data["y_eval"])))
