"""Fine-tuning the strong model: our FineTuneStudent vs Hugging Face ``Trainer``, and W2S.

``throughput`` — the same network (all-MiniLM-L6-v2 offline + mean pooling + linear head,
LoRA r=8 on query/key/value through peft), the same 512 tweets, per-device batch 32,
max_length 128, fp32 on CPU, AdamW with linear decay, 1 epoch, dynamic padding per batch in
both. Each run is a fresh child process (so its peak RSS is its own), ours and the peer
alternate, 3 repeats, medians. Time = model load + one training epoch (the same work in
both). Samples/s = 512 / that time.

``w2s`` — tweets negative/positive, 300 per class; weak = L3 probe on 200 gold labels
(the existing ``Experiment``, whose frozen-head student on all-MiniLM-L6-v2 embeddings is
the comparison); then our LoRA student on the teacher's soft labels of the same
student-train split and the LoRA ceiling on its gold labels, 2 epochs each; test accuracy
of weak / student / ceiling and PGR for both students.

    python -m benchmarks.bench_finetune throughput [--repeats 3 --n 512]
    python -m benchmarks.bench_finetune w2s [--epochs 2]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import time

import numpy as np

from ._common import machine, tweets_texts, write_json

MODEL = "sentence-transformers/all-MiniLM-L6-v2"
BATCH, MAX_LEN, LR = 32, 128, 5e-4


def _data(n):
    texts = tweets_texts(n)
    rng = np.random.default_rng(0)
    p1 = rng.uniform(0.05, 0.95, len(texts)).astype(np.float32)
    return texts, np.stack([1 - p1, p1], 1)


def run_ours(n) -> dict:
    from workbench.students import FineTuneStudent

    texts, Y = _data(n)
    t0 = time.perf_counter()
    FineTuneStudent(mode="lora", model=MODEL, epochs=1, lr=LR, head_lr=LR, batch_size=BATCH, max_length=MAX_LEN,
                    device="cpu", representation_sample=0, seed=0).fit(texts, Y)
    return {"seconds": time.perf_counter() - t0}


def run_peer(n) -> dict:
    import torch
    from transformers import Trainer, TrainingArguments

    from workbench.encoders.hf import load_pretrained
    from workbench.encoders.offline import resolve_model
    from workbench.students._net import build_net
    from workbench.train import xent_loss

    texts, Y = _data(n)
    t0 = time.perf_counter()
    tok, enc = load_pretrained(resolve_model(MODEL))
    net = build_net(enc, 2, mode="lora", pooling="mean", seed=0, gradient_checkpointing=False,
                    lora=dict(r=8, alpha=16.0, dropout=0.1, target_modules=None))

    class Wrapped(torch.nn.Module):  # the Trainer computes the loss from the model's output
        def __init__(self):
            super().__init__()
            self.net = net

        def forward(self, input_ids, attention_mask, labels):
            logits = self.net(input_ids, attention_mask)
            return {"loss": xent_loss(logits, labels), "logits": logits}

    rows = [{"text": t, "labels": y} for t, y in zip(texts, Y)]

    def collate(batch):
        enc = tok([b["text"] for b in batch], padding=True, truncation=True, max_length=MAX_LEN, return_tensors="pt")
        return {"input_ids": enc["input_ids"], "attention_mask": enc["attention_mask"],
                "labels": torch.as_tensor(np.stack([b["labels"] for b in batch]))}

    args = TrainingArguments(output_dir=os.environ.get("TMPDIR", "/tmp") + "/bench-ft-peer", per_device_train_batch_size=BATCH,
                             num_train_epochs=1, learning_rate=LR, weight_decay=0.01, lr_scheduler_type="linear",
                             save_strategy="no", report_to=[], logging_strategy="no", use_cpu=True, seed=0,
                             dataloader_num_workers=0, remove_unused_columns=False, disable_tqdm=True)
    Trainer(model=Wrapped(), args=args, train_dataset=rows, data_collator=collate).train()
    return {"seconds": time.perf_counter() - t0}


def _child(which, n) -> dict:
    out = subprocess.run([sys.executable, "-m", "benchmarks.bench_finetune", "_one", which, "--n", str(n)],
                         capture_output=True, text=True, check=True, env={**os.environ, "HF_HUB_OFFLINE": "1"})
    return json.loads(out.stdout.strip().splitlines()[-1])


def throughput(repeats, n) -> dict:
    runs = {"ours": [], "peer": []}
    for _ in range(repeats):
        for which in ("ours", "peer"):
            runs[which].append(_child(which, n))
            print(which, runs[which][-1], flush=True)
    med = {w: {"samples_per_s": statistics.median(n / r["seconds"] for r in rs),
               "peak_rss_mb": statistics.median(r["peak_rss_mb"] for r in rs)} for w, rs in runs.items()}
    ratio = {"samples_per_s": med["ours"]["samples_per_s"] / med["peer"]["samples_per_s"],
             "peak_rss": med["ours"]["peak_rss_mb"] / med["peer"]["peak_rss_mb"]}
    print(f"\n| LoRA, {MODEL.split('/')[-1]}, {n} tweets, batch {BATCH}, fp32 CPU, 1 epoch | samples/s | peak RSS (MB) |")
    print("|---|---|---|")
    for w, label in (("ours", "FineTuneStudent"), ("peer", "HF Trainer")):
        print(f"| {label} | {med[w]['samples_per_s']:.1f} | {med[w]['peak_rss_mb']:.0f} |")
    print(f"| ours ÷ Trainer | {ratio['samples_per_s']:.2f} | {ratio['peak_rss']:.2f} |")
    return {"runs": runs, "median": med, "ratio_ours_over_peer": ratio}


def w2s(epochs) -> dict:
    from workbench import EncoderPair, Experiment, load_dataset
    from workbench.metrics import pgr
    from workbench.students import make_ceiling, make_student

    ds = load_dataset("tweets", classes=("negative", "positive"), max_per_class=300, seed=0)
    exp = Experiment(ds, EncoderPair(weak="sentence-transformers/paraphrase-MiniLM-L3-v2", strong=MODEL, device="cpu"),
                     teacher="probe", n_gold=200, seed=0)
    exp.embed(progress=False)
    res = exp.run(projection=None, progress=False)
    split = res.points["split"].to_numpy()
    covered = res.points["covered"].to_numpy(bool)
    train, test = np.flatnonzero((split == "student_train") & covered), np.flatnonzero(split == "test")
    texts, y = list(ds.texts), ds.labels
    y_test = y[test]
    weak_acc = float(np.mean(res.proba["weak"][test].argmax(1) == y_test))
    frozen = {"weak": weak_acc, "student": float(res.metrics["student_acc"]), "ceiling": float(res.metrics["ceiling_acc"])}
    frozen["pgr"] = pgr(frozen["weak"], frozen["student"], frozen["ceiling"])
    student = make_student({"finetune": "lora", "epochs": epochs}, seed=0, device="cpu")
    t0 = time.perf_counter()
    student.fit([texts[i] for i in train], res.proba["teacher"][train], X_eval=[texts[i] for i in test])
    ceiling = make_ceiling(student)
    ceiling.fit([texts[i] for i in np.flatnonzero(split == "student_train")],
                np.eye(2, dtype=np.float32)[y[split == "student_train"]], X_eval=[texts[i] for i in test])
    seconds = time.perf_counter() - t0
    ft = {"weak": weak_acc, "student": float(np.mean(student.history_[-1].proba.argmax(1) == y_test)),
          "ceiling": float(np.mean(ceiling.history_[-1].proba.argmax(1) == y_test))}
    ft["pgr"] = pgr(ft["weak"], ft["student"], ft["ceiling"])
    ft["student_per_epoch"] = [float(np.mean(r.proba.argmax(1) == y_test)) for r in student.history_]
    print(f"\nn_train={len(train)}, n_test={len(test)}, fine-tuning {seconds:.0f} s (student + ceiling)")
    print("| student | weak | student | ceiling | PGR |\n|---|---|---|---|---|")
    print(f"| frozen linear head (L6 embeddings) | {frozen['weak']:.3f} | {frozen['student']:.3f} | "
          f"{frozen['ceiling']:.3f} | {frozen['pgr']:.2f} |")
    print(f"| LoRA fine-tuned L6, {epochs} epochs | {ft['weak']:.3f} | {ft['student']:.3f} | {ft['ceiling']:.3f} | "
          f"{ft['pgr']:.2f} |")
    return {"frozen": frozen, "lora": ft, "seconds_finetune": seconds, "n_train": len(train), "n_test": len(test),
            "frozen_metrics_weak_acc": res.metrics.get("weak_acc")}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("what", choices=("throughput", "w2s", "_one"))
    parser.add_argument("which", nargs="?", choices=("ours", "peer"))
    parser.add_argument("--n", type=int, default=512)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--epochs", type=int, default=2)
    args = parser.parse_args(argv)
    if args.what == "_one":
        out = (run_ours if args.which == "ours" else run_peer)(args.n)
        out["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(json.dumps(out))
        return
    payload = throughput(args.repeats, args.n) if args.what == "throughput" else w2s(args.epochs)
    print(write_json(f"finetune_{args.what}", {"machine": machine(), **payload}))


if __name__ == "__main__":
    main()
