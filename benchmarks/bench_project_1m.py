"""``Experiment.project(sample_size=...)`` on a million synthetic points: time and memory.

Synthetic features (no texts): ``--n`` rows of ``--dim`` float32 per map, drawn around 20
cluster centres (the weak view noisier), so UMAP has structure to find. The projection is
fitted on a seeded sample of ``--sample-size`` rows and the rest is transformed in chunks
(``workbench.scale.project_at_scale``), for the weak and the strong map, as the
Workbench does. The Projector's ``fit``/``transform`` are wrapped *here* to time fit vs
transform and to print per-chunk progress (the library itself prints one line per map).

    python -m benchmarks.bench_project_1m [--n 1000000] [--dim 64] [--sample-size 50000] [--method umap]

Prints one JSON object (and writes ``benchmarks/out/project_1m.json``).
"""

from __future__ import annotations

import argparse
import json
import resource
import tempfile
import time

import numpy as np

from ._common import machine, write_json


def _rss_mb() -> float:
    with open("/proc/self/statm") as fh:
        return int(fh.read().split()[1]) * resource.getpagesize() / 2 ** 20


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def synthetic_pair(n: int, dim: int, *, seed: int = 0):
    """A TextDataset without texts and its two (n, dim) float32 views."""
    from workbench.data.container import TextDataset

    rng = np.random.default_rng(seed)
    centres = rng.normal(0, 4, (20, dim)).astype(np.float32)
    cluster = rng.integers(0, 20, n)
    labels = (cluster % 2).astype(np.int64)
    strong = centres[cluster] + rng.standard_normal((n, dim), dtype=np.float32)
    weak = centres[cluster] + 3 * rng.standard_normal((n, dim), dtype=np.float32)
    ds = TextDataset(name=f"synthetic-{n}", ids=np.arange(n).astype(str), texts=None, labels=labels,
                     label_names=("a", "b"), features={"weak": weak, "strong": strong})
    return ds, weak, strong


def _instrument(timings: dict, progress: bool):
    """Wrap Projector.fit/transform to time them and report each transform chunk."""
    from workbench.projection import Projector

    fit, transform = Projector.fit, Projector.transform

    def timed_fit(self, X):
        t = time.perf_counter()
        out = fit(self, X)
        timings["fit_s"].append(time.perf_counter() - t)
        return out

    def timed_transform(self, X):
        t = time.perf_counter()
        out = transform(self, X)
        timings["transform_s"][-1] += time.perf_counter() - t
        timings["chunks"][-1] += 1
        if progress and timings["chunks"][-1] % 10 == 0:
            print(f"  transformed {timings['chunks'][-1]} chunks", flush=True)
        return out

    def timed_fit_then_new_map(self, X):
        timings["transform_s"].append(0.0)
        timings["chunks"].append(0)
        return timed_fit(self, X)

    Projector.fit, Projector.transform = timed_fit_then_new_map, timed_transform
    return lambda: (setattr(Projector, "fit", fit), setattr(Projector, "transform", transform))


def run(n: int, dim: int, sample_size: int, method: str, progress: bool = True) -> dict:
    from workbench.cache import EmbeddingCache
    from workbench.encoders.pair import EncoderPair
    from workbench.experiment import Experiment

    t0 = time.perf_counter()
    ds, weak, strong = synthetic_pair(n, dim)
    t_data = time.perf_counter() - t0
    timings = {"fit_s": [], "transform_s": [], "chunks": []}
    stages = []
    with tempfile.TemporaryDirectory() as tmp:
        exp = Experiment(ds, EncoderPair(weak=weak, strong=strong), n_gold=200, cache=EmbeddingCache(tmp))
        exp.embed(progress=False)
        exp.on_progress = lambda stage, f: stages.append((stage, f, time.perf_counter()))
        rss_before = _rss_mb()
        restore = _instrument(timings, progress)
        try:
            t1 = time.perf_counter()
            coords = exp.project(method=method, sample_size=sample_size, progress=progress)
            total = time.perf_counter() - t1
        finally:
            restore()
    starts = [t for _, _, t in stages] + [t1 + total]
    return {
        "n": n, "dim": dim, "sample_size": sample_size, "method": method,
        "data_s": round(t_data, 1), "project_total_s": round(total, 1),
        "per_map_s": {stages[i][0]: round(starts[i + 1] - starts[i], 1) for i in range(len(stages))},
        "fit_s": [round(x, 1) for x in timings["fit_s"]],
        "transform_s": [round(x, 1) for x in timings["transform_s"]],
        "transform_chunks": timings["chunks"],
        "rss_before_project_mb": round(rss_before, 0), "peak_rss_mb": round(_peak_mb(), 0),
        "features_mb": round((weak.nbytes + strong.nbytes) / 2 ** 20, 0),
        "coords_finite": bool(all(np.isfinite(c).all() for c in coords.values())),
        "machine": machine(),
    }


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1_000_000)
    parser.add_argument("--dim", type=int, default=64)
    parser.add_argument("--sample-size", type=int, default=50_000)
    parser.add_argument("--method", default="umap", choices=("umap", "pca"))
    args = parser.parse_args(argv)
    out = run(args.n, args.dim, args.sample_size, args.method)
    write_json("project_1m" if args.n == 1_000_000 else f"project_{args.n}", out)
    print(json.dumps(out, indent=2, default=str))
    return out


if __name__ == "__main__":
    main()
