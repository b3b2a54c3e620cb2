"""Data-parallel fine-tuning over N processes with ``accelerate launch``.

One command (every process runs this module; accelerate starts them and sets up
torch.distributed — NCCL on GPUs, gloo on CPUs)::

    accelerate launch --multi_gpu --num_processes 2 --num_machines 1 --mixed_precision no \\
        --dynamo_backend no -m workbench.students.launch \\
        --train train.parquet --eval eval.parquet --options '{"finetune": "lora", "epochs": 2}' \\
        --out runs/ddp [--device cpu]

``--multi_gpu`` is accelerate's switch for its multi-process launcher (torchrun); with
``--device cpu`` each process builds ``Accelerator(cpu=True)`` and the processes talk over
gloo, which is how this is tested on a machine without a GPU. (``accelerate launch --cpu``
alone starts a single process: multi-process CPU there means MPI.)

Inputs: ``--train`` parquet with a ``text`` column and either ``proba_0 … proba_{k-1}``
(the teacher's probability rows) or an int ``label`` column (with ``--n-classes``);
``--eval`` parquet with ``text`` (and optional ``label``). Every process reads the same
files; each trains on its own equal share of every epoch's shuffled rows (the per-process
batch is ``batch_size``, the global batch ``batch_size × N``), gradients are averaged by
DDP, and every process holds the same weights after each step. Predictions on ``--eval``
are computed by every process on all rows (not sharded). The main process runs the
records, writes checkpoints and the outputs:

    <out>/student/        FineTuneStudent.save()   (load with FineTuneStudent.load)
    <out>/launch.json     world size, rows trained per process, per-epoch losses, eval accuracy
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

__all__ = ["main", "read_training_table"]


def read_training_table(path, *, n_classes: int | None = None):
    """Texts (n,) and target rows (n, k) from a parquet file (``proba_*`` columns or ``label``)."""
    import pandas as pd

    frame = pd.read_parquet(path)
    if "text" not in frame:
        raise ValueError(f"{path} needs a 'text' column; it has {list(frame.columns)}.")
    texts = [str(t) for t in frame["text"]]
    proba_cols = sorted((c for c in frame.columns if str(c).startswith("proba_")), key=lambda c: int(c[6:]))
    if proba_cols:
        return texts, frame[proba_cols].to_numpy(np.float32)
    if "label" not in frame:
        raise ValueError(f"{path} needs proba_0..proba_k-1 columns or a 'label' column.")
    y = frame["label"].to_numpy(np.int64)
    k = int(n_classes or y.max() + 1)
    return texts, np.eye(k, dtype=np.float32)[y]


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m workbench.students.launch", description=__doc__.split("\n")[0])
    p.add_argument("--train", required=True, help="parquet: text + proba_0..proba_{k-1} (or label)")
    p.add_argument("--eval", default=None, help="parquet: text (+ label) to predict after each epoch")
    p.add_argument("--options", default='{"finetune": "lora"}', help="JSON student options, as Experiment(student=...)")
    p.add_argument("--n-classes", type=int, default=None)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--device", default="auto", choices=("auto", "cpu", "cuda"))
    p.add_argument("--out", required=True)
    return p


def main(argv=None) -> int:
    """Entry point of every process started by ``accelerate launch``."""
    from accelerate import Accelerator

    from ..encoders.hf import resolve_device
    from . import make_student

    args = build_parser().parse_args(argv)
    options = json.loads(args.options)
    if "finetune" not in options:
        raise ValueError("--options must contain 'finetune': 'lora' or 'full'.")
    accelerator = Accelerator(cpu=resolve_device(args.device) == "cpu")
    texts, Y = read_training_table(args.train, n_classes=args.n_classes)
    eval_texts, y_eval = None, None
    if args.eval:
        import pandas as pd

        frame = pd.read_parquet(args.eval)
        eval_texts = [str(t) for t in frame["text"]]
        y_eval = frame["label"].to_numpy(np.int64) if "label" in frame else None
    student = make_student(options, seed=args.seed, device=args.device)
    student.fit(texts, Y, X_eval=eval_texts, accelerator=accelerator)
    rows = np.zeros(accelerator.num_processes)
    rows[accelerator.process_index] = student.rows_trained_
    rows = student._runtime.sum(rows)
    if accelerator.is_main_process:
        out = Path(args.out)
        student.save(out / "student")
        summary = {"num_processes": accelerator.num_processes, "distributed_type": str(accelerator.distributed_type),
                   "rows_trained_per_process": rows.tolist(), "n_train": len(texts),
                   "train_loss": [r.train_loss for r in student.history_], "epochs": len(student.history_)}
        if y_eval is not None:
            summary["eval_acc"] = float(np.mean(student.history_[-1].proba.argmax(1) == y_eval))
        (out / "launch.json").write_text(json.dumps(summary, indent=2))
        print(json.dumps(summary))
    accelerator.wait_for_everyone()
    accelerator.end_training()
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
