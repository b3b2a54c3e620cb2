"""The ``w2s`` command line.

``w2s run`` runs one weak-to-strong experiment and writes the per-point table
(parquet), the metrics (JSON) and a self-contained HTML report. It lives in the view
package because the report is a view; the engine it drives is :mod:`workbench`.

Examples
--------
    w2s run --out runs/demo                        # offline default: tweets, L3 -> mpnet
    w2s run --finetune lora --strong sentence-transformers/all-MiniLM-L6-v2 --max-per-class 300 --epochs 2 \
        --out runs/ft                              # fine-tune the strong model (LoRA) on the teacher's labels
    w2s run --dataset bbc-news --weak sentence-transformers/all-MiniLM-L6-v2 --n-gold 50 --out runs/bbc
    w2s datasets                                   # what load_dataset knows
    w2s models                                     # offline model catalogue
    w2s compare --out runs/compare.csv             # plain Burns vs RAVEN, EnsemW2S, selective, filtered
    w2s embed --engine ray --address ray://head:10001 --workers 8   # fill the cache on a Ray cluster
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

__all__ = ["main", "build_parser", "student_options", "DEFAULTS", "COMPARE_METHODS", "PRECISIONS"]

def _defaults() -> dict:
    from workbench import defaults as D  # plain constants: imports no torch

    return {"dataset": D.DATASET, "classes": ",".join(D.CLASSES), "max_per_class": D.MAX_PER_CLASS,
            "weak": D.WEAK, "strong": D.STRONG, "teacher": D.TEACHER, "n_gold": D.N_GOLD, "seed": D.SEED,
            "abstain_share": D.ABSTAIN_SHARE}


DEFAULTS = _defaults()

#: ``w2s compare --methods`` names (= workbench.methods.compare.METHODS, kept here so --help imports no torch).
COMPARE_METHODS = {
    "plain": "Burns et al.: the student trains on the weak probe's labels",
    "raven": "RAVEN-style: weak probes on several encoders (--extra-weak), mixed with weights learned "
             "jointly with a strong head",
    "ensemw2s": "EnsemW2S-style: AdaBoost (SAMME) over weak probes on the gold labels",
    "selective": "selective W2S: a strong probe's own label where a P(IK) probe says the strong model knows, "
                 "weak labels smoothed over a strong kNN graph elsewhere",
    "filtered": "pseudolabel filtering: low-confidence and disputed teacher labels are dropped",
}
PRECISIONS = ("auto", "bf16", "fp32")
_DEVICE_HELP = "auto: cuda when a GPU is visible, else cpu"
_PRECISION_HELP = ("encoder precision. auto: bf16 on a GPU; on CPU bf16 autocast only for the packaged models "
                   "(measured cosine >= 0.999 to fp32) on a CPU with bf16 instructions, else fp32; "
                   "fp32 turns bf16 off. Part of the cache key")


def _add_data_and_pair(parser) -> None:
    """The dataset and weak/strong model options shared by ``run``, ``compare`` and ``embed``."""
    parser.add_argument("--dataset", default=DEFAULTS["dataset"],
                        help="dataset name (see `w2s datasets`) or a .csv/.parquet path")
    parser.add_argument("--classes", default=DEFAULTS["classes"],
                        help="comma-separated class subset (tweets); empty for all classes")
    parser.add_argument("--max-per-class", type=int, default=DEFAULTS["max_per_class"],
                        help="balanced sample of at most this many examples per class (0 = all)")
    parser.add_argument("--text-column", default="text", help="text column of a CSV/parquet dataset")
    parser.add_argument("--label-column", default="label", help="label column of a CSV/parquet dataset")
    parser.add_argument("--weak", default=DEFAULTS["weak"], help="weak encoder: hub id or local folder")
    parser.add_argument("--strong", default=DEFAULTS["strong"], help="strong encoder: hub id or local folder")


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of ``w2s`` (sub-commands ``run``, ``compare``, ``embed``, ``datasets``, ``models``)."""
    parser = argparse.ArgumentParser(prog="w2s", description="Weak-to-strong generalization workbench.")
    sub = parser.add_subparsers(dest="command", required=True)

    run = sub.add_parser("run", help="run one weak-to-strong experiment and write a report")
    _add_data_and_pair(run)
    run.add_argument("--teacher", default=DEFAULTS["teacher"], choices=("probe", "rules"),
                     help="probe: logistic regression on the weak embeddings of the gold labels; "
                          "rules: keyword rules (--rule)")
    run.add_argument("--rule", action="append", default=[], metavar="PATTERN=LABEL",
                     help="labeling rule for --teacher rules (repeatable), e.g. --rule 'great=positive'")
    run.add_argument("--n-gold", type=int, default=DEFAULTS["n_gold"], help="gold labels for the weak teacher")
    run.add_argument("--abstain-below", type=float, default=None,
                     help="teacher abstains below this confidence (coverage expansion)")
    run.add_argument("--abstain-share", type=float, default=DEFAULTS["abstain_share"],
                     help="teacher abstains on this share of the examples it is least confident about "
                          f"(default {DEFAULTS['abstain_share']}: the maps show uncovered points; 0 = full coverage)")
    run.add_argument("--loss", default="xent", choices=("xent", "logconf"),
                     help="student loss: cross-entropy on the teacher's labels, or Burns et al.'s "
                          "auxiliary-confidence loss")
    run.add_argument("--epochs", type=int, default=None,
                     help="student epochs (default 30 for the frozen head, 3 with --finetune)")
    run.add_argument("--finetune", default=None, choices=("lora", "full"),
                     help="fine-tune the strong model itself (LoRA or full) instead of a head on frozen embeddings; "
                          "needs pip install 'w2s-workbench[finetune]' for lora")
    run.add_argument("--lora-r", type=int, default=None, help="LoRA rank (--finetune lora; default 8)")
    run.add_argument("--lr", type=float, default=None,
                     help="learning rate of the fine-tuned encoder (default 5e-4 lora, 5e-5 full)")
    run.add_argument("--batch-size", type=int, default=None, help="fine-tuning batch size (default 32)")
    run.add_argument("--resume", action="store_true",
                     help="with --finetune: continue from the last epoch checkpoint in OUT/checkpoints")
    run.add_argument("--seed", type=int, default=DEFAULTS["seed"], help="seed of the sample, splits and training")
    run.add_argument("--device", default="auto", choices=("auto", "cpu", "cuda"), help=_DEVICE_HELP)
    run.add_argument("--precision", default="auto", choices=PRECISIONS, help=_PRECISION_HELP)
    run.add_argument("--projection", default="umap", choices=("umap", "pca", "none"),
                     help="2-D maps of the report: UMAP, PCA (fast) or none")
    run.add_argument("--no-align", action="store_true",
                     help="draw the strong map as projected, not rotated onto the weak map (Procrustes)")
    run.add_argument("--out", required=True, help="output folder (created)")
    run.add_argument("--no-progress", action="store_true", help="hide progress bars")

    cmp = sub.add_parser("compare", help="plain Burns vs the W2S methods of workbench.methods, one table",
                         description="Methods: " + "; ".join(f"{k} = {v}" for k, v in COMPARE_METHODS.items()) + ".")
    _add_data_and_pair(cmp)
    cmp.add_argument("--extra-weak", action="append", default=[],
                     help="another weak encoder for the RAVEN ensemble (repeatable); default all-MiniLM-L6-v2")
    cmp.add_argument("--methods", default=",".join(COMPARE_METHODS),
                     help=f"comma-separated subset of: {', '.join(COMPARE_METHODS)} (default: all)")
    cmp.add_argument("--n-gold", type=int, default=DEFAULTS["n_gold"], help="gold labels for the weak teacher")
    cmp.add_argument("--seed", type=int, default=DEFAULTS["seed"], help="seed of the sample, splits and training")
    cmp.add_argument("--device", default="auto", choices=("auto", "cpu", "cuda"), help=_DEVICE_HELP)
    cmp.add_argument("--out", default=None, help="also write the table as CSV here")

    emb = sub.add_parser("embed", help="fill the embedding cache (locally or on a Ray cluster); print its folders")
    _add_data_and_pair(emb)
    emb.add_argument("--seed", type=int, default=DEFAULTS["seed"], help="seed of the balanced sample")
    emb.add_argument("--device", default="auto", choices=("auto", "cpu", "cuda"), help=_DEVICE_HELP)
    emb.add_argument("--precision", default="auto", choices=PRECISIONS, help=_PRECISION_HELP)
    emb.add_argument("--engine", default="local", choices=("local", "ray"),
                     help="ray: encoder actors on a Ray cluster (pip install 'w2s-workbench[ray]')")
    emb.add_argument("--address", default=None,
                     help="Ray cluster, e.g. ray://head:10001 or auto (default: $RAY_ADDRESS or a local one)")
    emb.add_argument("--workers", type=int, default=None,
                     help="Ray encoder actors (default: one per GPU, else one per CPU)")
    emb.add_argument("--chunk-size", type=int, default=512, help="rows per cache chunk (part of the cache key)")
    emb.add_argument("--no-progress", action="store_true", help="hide progress bars")

    sub.add_parser("datasets", help="list dataset names")
    sub.add_parser("models", help="list the offline model catalogue")
    return parser


def _load_dataset(args):
    from workbench import load_dataset

    path = Path(args.dataset)
    if path.suffix in (".csv", ".parquet"):
        return load_dataset(path.suffix[1:], path=str(path), text_column=args.text_column,
                            label_column=args.label_column)
    options = {}
    if args.dataset == "tweets" and args.classes:
        options["classes"] = tuple(c.strip() for c in args.classes.split(",") if c.strip())
    if args.max_per_class and args.dataset in ("tweets", "bbc-news", "drug-reviews"):
        options["max_per_class"] = args.max_per_class
        options["seed"] = args.seed
    return load_dataset(args.dataset, **options)


def _teacher_options(args, label_names) -> dict:
    if args.teacher != "rules":
        return {}
    if not args.rule:
        raise ValueError("--teacher rules needs at least one --rule PATTERN=LABEL, e.g. --rule 'love=positive'.")
    rules = []
    for spec in args.rule:
        pattern, sep, label = spec.rpartition("=")
        if not sep or not pattern:
            raise ValueError(f"--rule {spec!r} must look like PATTERN=LABEL.")
        if label not in label_names:
            raise ValueError(f"--rule {spec!r}: label {label!r} is not one of {list(label_names)}.")
        rules.append((pattern, label))
    return {"rules": rules}


def student_options(args) -> dict:
    """The ``Experiment(student=...)`` dict of ``w2s run``'s options.

    Without ``--finetune``: the frozen-head options (loss, epochs). With it: a fine-tuning
    student on the ``--strong`` model, checkpointed each epoch into ``OUT/checkpoints``
    (``--resume`` continues from there).
    """
    if args.finetune is None:
        for flag in ("lora_r", "lr", "batch_size"):
            if getattr(args, flag) is not None:
                raise ValueError(f"--{flag.replace('_', '-')} applies to fine-tuning; add --finetune lora|full.")
        if args.resume:
            raise ValueError("--resume continues a fine-tuning run; add --finetune lora|full.")
        return {"loss": args.loss, "epochs": 30 if args.epochs is None else args.epochs}
    if args.finetune == "full" and args.lora_r is not None:
        raise ValueError("--lora-r applies to --finetune lora, not full.")
    options = {"finetune": args.finetune, "model": args.strong, "loss": args.loss,
               "epochs": 3 if args.epochs is None else args.epochs, "device": args.device,
               "checkpoint_dir": str(Path(args.out) / "checkpoints"), "resume": bool(args.resume)}
    for flag, key in (("lora_r", "lora_r"), ("lr", "lr"), ("batch_size", "batch_size")):
        if getattr(args, flag) is not None:
            options[key] = getattr(args, flag)
    return options


def run_command(args) -> Path:
    """Run ``w2s run``; returns the output folder."""
    from workbench import EncoderPair, Experiment

    from .report import write_report

    t0 = time.perf_counter()
    dataset = _load_dataset(args)
    pair = EncoderPair(weak=args.weak, strong=args.strong, device=args.device, dtype=args.precision)
    exp = Experiment(dataset, pair, teacher=args.teacher, n_gold=args.n_gold, seed=args.seed,
                     abstain_below=args.abstain_below, abstain_share=args.abstain_share or None,
                     teacher_options=_teacher_options(args, dataset.label_names),
                     student=student_options(args))
    print(f"{dataset.name}: {len(dataset)} examples, classes {list(dataset.label_names)}")
    print(f"weak = {pair.weak.name}\nstrong = {pair.strong.name}")
    t_embed = time.perf_counter()
    exp.embed(progress=not args.no_progress)
    embed_s = time.perf_counter() - t_embed
    projection = None if args.projection == "none" else args.projection
    result = exp.run(projection=projection, progress=not args.no_progress, align=not args.no_align)
    result.metrics["seconds_embed"] = embed_s
    result.metrics["seconds_total"] = time.perf_counter() - t0
    out = result.save(args.out)
    report = write_report(result, out / "report.html")
    print(result.summary())
    print(f"embedding {embed_s:.1f} s, total {result.metrics['seconds_total']:.1f} s")
    print(f"points:  {out / 'points.parquet'}\nmetrics: {out / 'metrics.json'}\nreport:  {report}")
    return out


def compare_command(args):
    """Run ``w2s compare``; returns the table."""
    from workbench import EmbeddingCache, EncoderPair
    from workbench.encoders import HFEncoder
    from workbench.methods.compare import compare_methods

    dataset = _load_dataset(args)
    pair = EncoderPair(weak=args.weak, strong=args.strong, device=args.device)
    cache = EmbeddingCache()
    extra_ids = args.extra_weak or ["sentence-transformers/all-MiniLM-L6-v2"]
    extra = {mid.split("/")[-1]: cache.embed(HFEncoder(mid, device=args.device), dataset) for mid in extra_ids}
    table = compare_methods(dataset, pair, methods=[m.strip() for m in args.methods.split(",")], extra_weak=extra,
                            n_gold=args.n_gold, seed=args.seed, cache=cache)
    print(table.round(3).to_string(index=False))
    if args.out:
        Path(args.out).parent.mkdir(parents=True, exist_ok=True)
        table.to_csv(args.out, index=False)
        print(f"table: {args.out}")
    return table


def embed_command(args) -> dict:
    """Run ``w2s embed``; returns ``{"weak": folder, "strong": folder}`` of the filled cache."""
    from workbench import EmbeddingCache, EncoderPair
    from workbench.scale import embed_to_cache, require_ray

    if args.engine == "ray":
        require_ray()  # before loading data or models
    dataset = _load_dataset(args)
    pair = EncoderPair(weak=args.weak, strong=args.strong, device=args.device, dtype=args.precision)
    cache = EmbeddingCache()
    print(f"{dataset.name}: {len(dataset)} examples; engine {args.engine}")
    folders = {}
    for role, encoder in (("weak", pair.weak), ("strong", pair.strong)):
        t0 = time.perf_counter()
        folders[role] = embed_to_cache(cache, encoder, dataset, engine=args.engine, address=args.address,
                                       num_workers=args.workers, chunk_size=args.chunk_size,
                                       progress=not args.no_progress, return_array=False)
        print(f"{role} = {encoder.name}: {folders[role]} ({time.perf_counter() - t0:.1f} s)", flush=True)
    return folders


def main(argv=None) -> int:
    """Entry point of the ``w2s`` console script; returns the exit status."""
    args = build_parser().parse_args(argv)
    try:
        if args.command == "run":
            run_command(args)
        elif args.command == "compare":
            compare_command(args)
        elif args.command == "embed":
            embed_command(args)
        elif args.command == "datasets":
            from workbench import list_datasets

            print("\n".join(list_datasets()))
        elif args.command == "models":
            from workbench.encoders.offline import list_offline_models

            print(json.dumps(list_offline_models(), indent=2, default=str))
    # user errors (a refused Ray cluster too): one readable line, no traceback
    except (ValueError, TypeError, PermissionError) as exc:
        print(f"w2s: error: {exc}", file=sys.stderr)
        return 2
    except ImportError as exc:
        if "w2s-workbench[" not in str(exc):  # a missing optional extra is a user error; anything else is a bug
            raise
        print(f"w2s: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("w2s: interrupted; finished embedding chunks are kept in the cache "
              f"({os.environ.get('W2S_CACHE_DIR', '~/.cache/w2s-workbench')}).", file=sys.stderr)
        return 130
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
