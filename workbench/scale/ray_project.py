"""2-D projection of millions of points: fit on a seeded sample, transform the rest.

UMAP's fit is superlinear and single-process; its ``transform`` of new points is cheap
and independent per point, so the rest is transformed in fixed-size chunks — in a plain
loop (``engine="local"``) or in parallel Ray tasks that share the fitted model through
the object store (``engine="ray"``). The chunks are the same for both engines, so both
give the same coordinates. Results are cached in the ``projections`` ArrayStore like
:func:`workbench.projection.project`, under a key that includes the sample size.
"""

from __future__ import annotations

import time

import numpy as np

from .._validation import check_int, check_matrix
from ..embedding import check_engine
from ..projection import Projector, projection_key
from ._ray import connect

__all__ = ["project_at_scale", "sample_index"]


def sample_index(n: int, sample_size: int, *, seed: int = 0) -> np.ndarray:
    """Sorted int64 positions (min(n, sample_size),) of the rows the projection is fitted on."""
    if n <= sample_size:
        return np.arange(n, dtype=np.int64)
    return np.sort(np.random.default_rng(seed).choice(n, size=sample_size, replace=False)).astype(np.int64)


def project_at_scale(X, *, sample_size: int = 50_000, method: str = "umap", n_neighbors: int = 15,
                     min_dist: float = 0.1, metric: str = "cosine", seed: int = 0, cache=None,
                     engine: str = "local", address: str | None = None, n_tasks: int | None = None,
                     transform_chunk: int = 20_000, progress: bool = False, on_chunk=None) -> np.ndarray:
    """2-D coordinates of ``X`` (n, d) -> (n, 2) float32, fitted on at most ``sample_size`` rows.

    Parameters
    ----------
    X : array-like of shape (n, d)
    sample_size : int, default 50_000
        Rows (a seeded uniform sample) the projection is fitted on; the others are
        ``transform``-ed into the same map. ``n <= sample_size`` fits on everything.
    method : {"umap", "pca"}
    n_neighbors, min_dist, metric, seed :
        As :class:`workbench.projection.Projector`.
    cache : EmbeddingCache or None
        Coordinates are stored in its ``projections`` namespace (key includes the sample size).
    engine : {"local", "ray"}
        Where the transform chunks run: a loop here, or Ray tasks (``ray.put`` of the model).
    address : str, optional
        Ray cluster to join when Ray is not initialised (see :func:`workbench.scale.ray_embed`).
    n_tasks : int, optional
        Ray tasks in flight at once (default: the cluster's CPUs). Ignored locally.
    transform_chunk : int, default 20_000
        Rows per transform call; fixed, so both engines compute the same coordinates.
    progress : bool, default False
        Print the fit and show a progress bar (tqdm, rows) over the transform.
    on_chunk : callable, optional
        ``on_chunk(fraction)`` after the fit and after every transformed chunk, with the share
        of rows placed so far (0..1), e.g. for a progress widget.

    Notes
    -----
    With ``method="umap"``, when ``cuml`` imports and a CUDA GPU is visible, cuML's GPU
    UMAP fits the sample and transforms the rest in this process instead (untested here:
    the test machine has no GPU).
    """
    X = check_matrix(X, name="X")
    sample_size = check_int(sample_size, name="sample_size", minimum=3)
    transform_chunk = check_int(transform_chunk, name="transform_chunk", minimum=1)
    engine = check_engine(engine)
    if n_tasks is not None:
        n_tasks = check_int(n_tasks, name="n_tasks", minimum=1)
    proj = Projector(method=method, n_neighbors=n_neighbors, min_dist=min_dist, metric=metric, seed=seed)
    gpu = method == "umap" and _gpu_umap_available()
    params = {"method": method, "n_neighbors": proj.n_neighbors, "min_dist": proj.min_dist, "metric": metric,
              "seed": seed, "sample_size": sample_size, "transform_chunk": transform_chunk}
    key = projection_key(X, {**params, "backend": "cuml"} if gpu else params)
    store = None if cache is None else cache.arrays("projections")
    if store is not None:
        hit = store.load(key)
        if hit is not None and hit.shape == (len(X), 2):
            return hit
    index = sample_index(len(X), sample_size, seed=seed)
    rest = np.setdiff1d(np.arange(len(X), dtype=np.int64), index, assume_unique=True)
    coords = np.empty((len(X), 2), dtype=np.float32)
    if gpu:
        coords[:] = _cuml_umap(X, index, rest, proj)
    else:
        t0 = time.perf_counter()
        proj.fit(X[index])
        coords[index] = proj.embedding_
        if progress:
            print(f"{method} fitted on {len(index):,} of {len(X):,} points in {time.perf_counter() - t0:.1f} s; "
                  f"transforming {len(rest):,} in chunks of {transform_chunk:,} ...", flush=True)
        pieces = [rest[s:s + transform_chunk] for s in range(0, len(rest), transform_chunk)]
        _place(coords, pieces, _transform(proj, X, pieces, engine, address, n_tasks), n_fit=len(index),
               bar=_bar(progress, len(rest), method), on_chunk=on_chunk)
    if on_chunk is not None and gpu:
        on_chunk(1.0)
    if store is not None:
        store.save(key, coords)
    return coords


def _bar(enabled, total, method):
    if not enabled or total == 0:
        return None
    from tqdm.auto import tqdm

    return tqdm(total=total, desc=f"{method} transform", unit="pt", unit_scale=True)


def _place(coords, pieces, results, *, n_fit, bar, on_chunk):
    """Write every ``(k, xy)`` of ``results`` into ``coords[pieces[k]]``, reporting progress."""
    n, done = len(coords), n_fit
    if on_chunk is not None:
        on_chunk(done / n)
    try:
        for k, xy in results:
            coords[pieces[k]] = xy
            done += len(pieces[k])
            if bar is not None:
                bar.update(len(pieces[k]))
            if on_chunk is not None:
                on_chunk(done / n)
    finally:
        if bar is not None:
            bar.close()


def _transform(proj, X, pieces, engine, address, n_tasks):
    """``(k, coordinates of pieces[k])`` for every piece, as each is done (any order with Ray)."""
    if engine == "local" or not pieces:
        for k, rows in enumerate(pieces):
            yield k, proj.transform(X[rows])
        return
    ray = connect(address)
    remote = ray.remote(num_cpus=1)(_transform_piece)
    model = ray.put(proj)
    limit = n_tasks or max(1, int(ray.cluster_resources().get("CPU", 1)))
    pending = {}
    for k, rows in enumerate(pieces):
        if len(pending) >= limit:  # bounded in flight: at most `limit` chunks of X in the object store
            ready, _ = ray.wait(list(pending), num_returns=1)
            yield pending.pop(ready[0]), ray.get(ready[0])
        pending[remote.remote(model, X[rows])] = k
    while pending:
        ready, _ = ray.wait(list(pending), num_returns=1)
        yield pending.pop(ready[0]), ray.get(ready[0])


def _transform_piece(proj, X):
    return proj.transform(X)


def _gpu_umap_available() -> bool:
    try:
        import cuml  # noqa: F401
        import torch
    except ImportError:
        return False
    return bool(torch.cuda.is_available())


def _cuml_umap(X, index, rest, proj):  # pragma: no cover  (needs cuML and a GPU)
    from cuml.manifold import UMAP

    model = UMAP(n_components=2, n_neighbors=proj.n_neighbors, min_dist=proj.min_dist, metric=proj.metric,
                 random_state=proj.seed).fit(X[index])
    coords = np.empty((len(X), 2), dtype=np.float32)
    coords[index] = np.asarray(model.embedding_, dtype=np.float32)
    if len(rest):
        coords[rest] = np.asarray(model.transform(X[rest]), dtype=np.float32)
    return coords
