"""Comparable maps and regions: what Procrustes alignment, AlignedUMAP and density contours cost.

* ``align``: on the default tweets run (``workbench.defaults``: weak MiniLM-L3, strong mpnet,
  3000 tweets; embeddings from the shared cache), project both maps (UMAP and PCA), then
  time ``procrustes_align`` and measure the mean distance between corresponding points
  after standardising each map (``mean_pair_distance``) before and after; the same for
  umap-learn's ``AlignedUMAP`` fitted on both spaces with the identity relation. Also
  10-NN preservation of each strong map (share of a point's 10 nearest neighbours in the
  strong embedding space, cosine, that are among its 10 nearest in the map): Procrustes
  cannot change it; AlignedUMAP may.
* ``regions``: 1,000,000 points in 2-D with categories; time ``category_density``,
  ``region_traces`` and adding them to a figure holding a 1M-point Scattergl trace, and
  the JSON size of the contour traces.

    python -m benchmarks.bench_align_regions [--only align,regions] [--n-regions 1000000]
"""

from __future__ import annotations

import argparse
import json
import time

import numpy as np

from ._common import machine, write_json


def _ms(fn, repeat=20):
    fn()
    t = time.perf_counter()
    for _ in range(repeat):
        fn()
    return (time.perf_counter() - t) / repeat * 1000


def knn_preservation(X, xy, k=10) -> float:
    """Mean share of each point's k nearest neighbours in X (cosine) kept among its k in xy."""
    from sklearn.neighbors import NearestNeighbors

    Xn = X / np.linalg.norm(X, axis=1, keepdims=True)
    high = NearestNeighbors(n_neighbors=k + 1).fit(Xn).kneighbors(Xn, return_distance=False)[:, 1:]
    low = NearestNeighbors(n_neighbors=k + 1).fit(xy).kneighbors(xy, return_distance=False)[:, 1:]
    return float(np.mean([len(set(a) & set(b)) / k for a, b in zip(high, low)]))


def bench_align() -> dict:
    from workbench.classroom import default_pair, load_tweets
    from workbench.experiment import Experiment
    from workbench.projection_align import mean_pair_distance, procrustes_align

    exp = Experiment(load_tweets(), default_pair(), n_gold=200, seed=0)
    t = time.perf_counter()
    exp.embed(progress=False)
    out = {"n": len(exp.X_weak_), "embed_s": round(time.perf_counter() - t, 1)}
    for method in ("pca", "umap"):
        t = time.perf_counter()
        coords = exp.project(method=method, progress=False)
        proj_s = time.perf_counter() - t
        weak, strong = coords["weak"], coords["strong"]
        aligned = procrustes_align(weak, strong)
        out[method] = {
            "project_s": round(proj_s, 1),
            "procrustes_ms": round(_ms(lambda w=weak, s=strong: procrustes_align(w, s)), 2),
            "distance_before": round(mean_pair_distance(weak, strong), 3),
            "distance_after": round(mean_pair_distance(weak, aligned), 3),
        }
    import umap

    n = len(exp.X_weak_)
    t = time.perf_counter()
    model = umap.AlignedUMAP(n_neighbors=15, min_dist=0.1, metric="cosine", random_state=0).fit(
        [exp.X_weak_, exp.X_strong_], relations=[{i: i for i in range(n)}])
    aligned_umap_s = time.perf_counter() - t
    a_weak, a_strong = (np.asarray(e) for e in model.embeddings_)
    plain = exp.project(method="umap", progress=False)
    out["aligned_umap"] = {
        "fit_s": round(aligned_umap_s, 1),
        "distance": round(mean_pair_distance(a_weak, a_strong), 3),
        "knn10_strong_map": round(knn_preservation(exp.X_strong_, a_strong), 3),
        "knn10_weak_map": round(knn_preservation(exp.X_weak_, a_weak), 3),
    }
    out["umap"]["knn10_strong_map"] = round(knn_preservation(exp.X_strong_, plain["strong"]), 3)
    out["umap"]["knn10_weak_map"] = round(knn_preservation(exp.X_weak_, plain["weak"]), 3)
    return out


def bench_regions(n: int) -> dict:
    import plotly.graph_objects as go

    from widgets.region_figures import add_regions, region_traces
    from workbench.metrics import CATEGORIES
    from workbench.regions import category_density

    rng = np.random.default_rng(0)
    centres = rng.normal(0, 5, (30, 2))
    xy = (centres[rng.integers(0, 30, n)] + rng.normal(0, 1, (n, 2))).astype(np.float32)
    cats = rng.choice(np.array(CATEGORIES, dtype=object), size=n, p=[0.55, 0.1, 0.1, 0.05, 0.12, 0.08])
    out = {"n": n}
    t = time.perf_counter()
    category_density(xy, cats, bins=64, smooth=1.0)
    out["density_all_categories_s"] = round(time.perf_counter() - t, 3)
    t = time.perf_counter()
    traces = region_traces(xy, cats, bins=64)
    out["region_traces_2_categories_s"] = round(time.perf_counter() - t, 3)
    fig = go.Figure(go.Scattergl(x=xy[:, 0], y=xy[:, 1], mode="markers"))
    t = time.perf_counter()
    add_regions(fig, xy, cats, bins=64, categories_to_show=CATEGORIES)
    out["add_regions_6_categories_to_1M_figure_s"] = round(time.perf_counter() - t, 3)
    out["contour_json_bytes_2_categories"] = len(go.Figure(traces).to_json())
    return out


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", default="align,regions")
    parser.add_argument("--n-regions", type=int, default=1_000_000)
    args = parser.parse_args(argv)
    parts = set(args.only.split(","))
    out = {"machine": machine()}
    if "regions" in parts:
        out["regions"] = bench_regions(args.n_regions)
        print(json.dumps(out["regions"]), flush=True)
    if "align" in parts:
        out["align"] = bench_align()
        print(json.dumps(out["align"]), flush=True)
    write_json("align_regions", out)
    return out


if __name__ == "__main__":
    main()
