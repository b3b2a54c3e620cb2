"""Misfit vs gain over many real weak teachers (Charikar et al.), measured with the protocol's head.

Teachers: the probe on weak embeddings reduced to d' dimensions by a seeded Gaussian random
projection (d' = 2 ... full), for two weak encoders — weaker teachers with less information,
each a point (misfit, gain) on held-out test data. Run: ``python -m benchmarks.misfit_gain_real``.
"""

from __future__ import annotations

import argparse

import numpy as np

L3 = "sentence-transformers/paraphrase-MiniLM-L3-v2"
L6 = "sentence-transformers/all-MiniLM-L6-v2"
MPNET = "sentence-transformers/all-mpnet-base-v2"
DATASETS = {"tweets": dict(name="tweets", classes=("negative", "positive"), max_per_class=1500),
            "bbc-news": dict(name="bbc-news"), "drug-reviews": dict(name="drug-reviews")}


def projected_teachers(views: dict, dims=(2, 4, 8, 16, 32, 64, 128), seed: int = 0) -> dict:
    """``{"L3 d=8": X @ R, ...}`` for every view and dimension, plus the full views."""
    rng = np.random.default_rng(seed)
    out = {}
    for name, X in views.items():
        out[name] = X
        for d in dims:
            out[f"{name} d={d}"] = X @ rng.normal(size=(X.shape[1], d)) / np.sqrt(d)
    return out


def run(key: str, *, strong: str = MPNET, n_gold: int = 200, seed: int = 0, student=None):
    from workbench import EmbeddingCache, load_dataset, make_splits
    from workbench.encoders import HFEncoder
    from workbench.theory import misfit_gain_sweep

    spec = dict(DATASETS[key])
    ds = load_dataset(spec.pop("name"), **spec)
    cache = EmbeddingCache()
    X_s = cache.embed(HFEncoder(strong), ds, progress=False)
    views = {"L3": cache.embed(HFEncoder(L3), ds, progress=False), "L6": cache.embed(HFEncoder(L6), ds, progress=False)}
    views = {k: v for k, v in views.items() if k not in strong}
    splits = make_splits(ds, n_gold=min(n_gold, len(ds) // 5), seed=seed)
    table, fits = misfit_gain_sweep(X_s, ds.labels, splits, projected_teachers(views, seed=seed),
                                    n_classes=ds.n_classes, seed=seed, student=student)
    return table, fits


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--datasets", default="tweets,bbc-news")
    parser.add_argument("--strong", default=MPNET)
    args = parser.parse_args(argv)
    for key in args.datasets.split(","):
        for label, student in (("default head: soft targets", None), ("hard targets", {"targets": "hard"}),
                               ("standardize=True (the old default)", {"standardize": True})):
            table, fits = run(key, strong=args.strong, student=student)
            print(f"\n=== {key} (strong {args.strong.split('/')[-1]}, {len(table)} teachers, {label})")
            print(table.drop(columns="seconds").round(4).to_string(index=False))
            for kind in ("sq", "xent"):
                f = fits[kind]
                print(f"fit {kind}: slope {f['slope']:.3f}, intercept {f['intercept']:.4f}, R² {f['r2']:.3f}")


if __name__ == "__main__":
    main()
