"""Embedding throughput: the local engine vs Ray actors on this machine, same cache format.

The same texts, model and chunk size go through ``EmbeddingCache.embed`` (this process,
torch's default threads) and ``workbench.scale.ray_embed`` (a local Ray cluster with
``num_cpus`` = the machine's cores, one encoder actor per CPU, each on one torch thread),
each into a fresh cache folder. Both times include loading the model (Ray's in every actor,
plus starting the actors, which happens on every run); ``ray.init`` is timed separately. The
vectors of both caches are compared. On one small machine expect Ray to be slower: it
pays for process start-up and serialisation and gains nothing the local engine's
threads do not already have; its point is a cluster with many GPUs.

    python -m benchmarks.bench_ray [--n 2000] [--workers 2] [--chunk-size 256]
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time

import numpy as np

from ._common import machine, write_json

MODEL = "sentence-transformers/paraphrase-MiniLM-L3-v2"


def _dataset(n):
    from workbench import load_dataset

    ds = load_dataset("tweets", classes=("negative", "positive"), max_per_class=max(n // 2 + 1, 1), seed=0)
    return ds.subset(np.arange(min(n, len(ds))))


def bench(n=2000, *, workers=None, chunk_size=256):
    """Two rows (local, ray): seconds, texts/s, ratio vs local, max abs difference of the vectors."""
    import ray

    from workbench.cache import EmbeddingCache
    from workbench.encoders import HFEncoder
    from workbench.scale import ray_embed

    ds = _dataset(n)
    workers = workers or os.cpu_count()
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        enc = HFEncoder(MODEL, device="cpu")
        enc.cache_identity()  # weights digest, memoised: not part of either timing
        t0 = time.perf_counter()
        X_local = EmbeddingCache(f"{tmp}/local").embed(enc, ds, chunk_size=chunk_size, progress=False)
        t_local = time.perf_counter() - t0
        rows.append({"engine": "local", "model": MODEL, "n": len(ds), "chunk_size": chunk_size, "workers": 1,
                     "seconds": t_local, "texts_per_s": len(ds) / t_local, "ratio_vs_local": 1.0,
                     "init_s": 0.0, "max_abs_diff": 0.0})
        t0 = time.perf_counter()
        ray.init(num_cpus=os.cpu_count(), include_dashboard=False, log_to_driver=False)
        t_init = time.perf_counter() - t0
        try:
            ray.data.DataContext.get_current().enable_progress_bars = False
            t0 = time.perf_counter()
            X_ray = ray_embed(EmbeddingCache(f"{tmp}/ray"), enc, ds, chunk_size=chunk_size, progress=False,
                              num_workers=workers)
            t_ray = time.perf_counter() - t0
        finally:
            ray.shutdown()
        rows.append({"engine": "ray", "model": MODEL, "n": len(ds), "chunk_size": chunk_size, "workers": workers,
                     "seconds": t_ray, "texts_per_s": len(ds) / t_ray, "ratio_vs_local": t_local / t_ray,
                     "init_s": t_init, "max_abs_diff": float(np.abs(X_ray - X_local).max())})
    return rows


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--n", type=int, default=2000, help="number of tweets")
    parser.add_argument("--workers", type=int, default=None, help="Ray encoder actors (default: CPU count)")
    parser.add_argument("--chunk-size", type=int, default=256)
    args = parser.parse_args(argv)
    try:
        import ray  # noqa: F401
    except ImportError:
        print("bench_ray: skipped, Ray is not installed (pip install 'w2s-workbench[ray]')")
        return []
    rows = bench(args.n, workers=args.workers, chunk_size=args.chunk_size)
    for row in rows:
        print(row, flush=True)
    write_json("ray", {"machine": machine(), "rows": rows})
    return rows


if __name__ == "__main__":
    main()
