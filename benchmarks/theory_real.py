"""Theory diagnostics on the offline models and two packaged datasets (issue 4's numbers).

Encoders: paraphrase-MiniLM-L3-v2, all-MiniLM-L6-v2, all-mpnet-base-v2, plus
layer-truncated variants (L3 hidden state 1, L6 hidden state 3) as extra weak teachers.
Embeddings come from (and go to) the engine's cache, so a second run takes seconds.

    python -m benchmarks.theory_real [--datasets tweets,bbc-news]
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from ._common import machine, write_json

ENCODERS = {
    "L3": ("sentence-transformers/paraphrase-MiniLM-L3-v2", None),
    "L3-layer1": ("sentence-transformers/paraphrase-MiniLM-L3-v2", 1),
    "L6": ("sentence-transformers/all-MiniLM-L6-v2", None),
    "L6-layer3": ("sentence-transformers/all-MiniLM-L6-v2", 3),
    "mpnet": ("sentence-transformers/all-mpnet-base-v2", None),
}
DATASETS = {
    "tweets": dict(name="tweets", classes=("negative", "positive"), max_per_class=1500),
    "bbc-news": dict(name="bbc-news", max_per_class=200),
}


def embed_all(ds, cache):
    from workbench.encoders import HFEncoder

    out, seconds = {}, {}
    for key, (model_id, layer) in ENCODERS.items():
        t0 = time.perf_counter()
        out[key] = cache.embed(HFEncoder(model_id, layer=layer, device="cpu"), ds, progress=False)
        seconds[key] = time.perf_counter() - t0
    return out, seconds


def run_dataset(key, *, seed=0, n_gold=200):
    from workbench import EmbeddingCache, load_dataset, make_splits
    from workbench.protocol import fit_probe, make_student
    from workbench.teachers import least_confident
    from workbench.theory import expansion_table, misfit_gain_sweep, pair_matrix, representation_vs_pgr

    spec = dict(DATASETS[key])
    ds = load_dataset(spec.pop("name"), seed=seed, **spec)
    feats, embed_s = embed_all(ds, EmbeddingCache())
    n_gold = min(n_gold, len(ds) // 5)
    splits = make_splits(ds, n_gold=n_gold, seed=seed)
    t0 = time.perf_counter()
    weak = {k: v for k, v in feats.items() if k != "mpnet"}
    sweep, fits = misfit_gain_sweep(feats["mpnet"], ds.labels, splits, weak, n_classes=ds.n_classes, seed=seed)
    sweep_s = time.perf_counter() - t0
    # expansion table for the L3 probe teacher with mpnet as the student and representation
    t0 = time.perf_counter()
    y = ds.labels
    p_w = fit_probe(feats["L3"], y, splits.weak_train, n_classes=ds.n_classes, seed=seed).predict_proba(feats["L3"])
    covered = ~least_confident(p_w.max(1), 0.3)  # abstain on the 30% least confident
    heldout = np.zeros(len(y), bool)
    heldout[splits.test] = True
    trainable = np.zeros(len(y), bool)
    trainable[splits.student_train] = True

    def fit_predict(train):
        return make_student(None, seed=seed).fit(feats["mpnet"][train], p_w[train]).predict(feats["mpnet"])

    table = expansion_table(y, p_w.argmax(1), covered, feats["mpnet"], fit_predict, heldout=heldout,
                            trainable=trainable, k=10, label_names=ds.label_names)
    expansion_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    matrix = pair_matrix(ds, feats, n_gold=n_gold, seed=seed)
    matrix, rho, p = representation_vs_pgr(matrix, feats, k=50, ridge=0.1)
    matrix_s = time.perf_counter() - t0
    return {
        "dataset": key, "n": len(ds), "n_gold": n_gold, "embed_seconds": embed_s,
        "sweep": sweep.to_dict("records"), "fits": fits, "sweep_seconds": sweep_s,
        "expansion_teacher": "L3 probe, abstains on 30% least confident; student mpnet; kNN k=10 in mpnet space",
        "expansion_table": table.to_dict("records"), "expansion_seconds": expansion_s,
        "pair_matrix": matrix.to_dict("records"), "spearman_rep_vs_pgr": rho, "spearman_p": p,
        "matrix_seconds": matrix_s,
    }


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--datasets", default="tweets,bbc-news")
    args = parser.parse_args(argv)
    import pandas as pd

    results = [run_dataset(key) for key in args.datasets.split(",")]
    for r in results:
        print(f"\n=== {r['dataset']} (n={r['n']}, n_gold={r['n_gold']})")
        print("misfit-gain fits:", r["fits"])
        print(pd.DataFrame(r["sweep"]).round(4).to_string())
        print(pd.DataFrame(r["expansion_table"]).round(3).to_string())
        print(pd.DataFrame(r["pair_matrix"]).round(3).to_string())
        print("spearman(rep_score, pgr) =", r["spearman_rep_vs_pgr"], "p =", r["spearman_p"])
    # over all pairs of both datasets together
    all_pairs = [row for r in results for row in r["pair_matrix"]]
    from scipy.stats import spearmanr

    ok = [(row["rep_score"], row["pgr"]) for row in all_pairs if np.isfinite(row["pgr"])]
    rho_all = float(spearmanr(*zip(*ok))[0]) if len(ok) >= 3 else float("nan")
    print("spearman over all pairs and datasets:", rho_all)
    write_json("theory", {"machine": machine(), "rows": [{"dataset": r["dataset"], "slope_sq": r["fits"]["sq"]["slope"],
                                                           "r2_sq": r["fits"]["sq"]["r2"],
                                                           "slope_xent": r["fits"]["xent"]["slope"],
                                                           "r2_xent": r["fits"]["xent"]["r2"],
                                                           "spearman": r["spearman_rep_vs_pgr"],
                                                           "sweep_s": r["sweep_seconds"], "matrix_s": r["matrix_seconds"]}
                                                          for r in results],
                          "spearman_all": rho_all, "details": results})
    return results


if __name__ == "__main__":
    main()
