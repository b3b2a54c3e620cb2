"""2-D projections of embeddings: UMAP (umap-learn) with a PCA preview/fallback.

``project`` is the cached, functional entry point; :class:`Projector` is the fitted
estimator for ``transform`` of new points (fit/transform, learned attributes end in
``_``). Coordinates are cached on disk keyed by the content of the embedding matrix and
the projection parameters, so a new process gets them back without refitting (numba's
first compile of UMAP costs ~10-20 s per process).
"""

from __future__ import annotations

import hashlib
import json

import numpy as np

from ._validation import check_choice, check_int, check_matrix

__all__ = ["Projector", "project", "projection_key"]

_METHODS = ("umap", "pca")


class Projector:
    """Fit a 2-D projection and transform new points.

    Parameters
    ----------
    method : {"umap", "pca"}, default "umap"
    n_neighbors : int, default 15
        UMAP neighbourhood size (ignored by PCA).
    min_dist : float, default 0.1
        UMAP minimum distance (ignored by PCA).
    metric : str, default "cosine"
        UMAP metric (ignored by PCA).
    seed : int, default 0
        Makes the projection reproducible (note: a fixed seed makes umap-learn single-threaded).

    Attributes
    ----------
    embedding_ : ndarray of shape (n, 2)
        Coordinates of the fitted points.
    model_ : fitted umap.UMAP or sklearn PCA
    """

    def __init__(self, *, method: str = "umap", n_neighbors: int = 15, min_dist: float = 0.1,
                 metric: str = "cosine", seed: int = 0):
        self.method = check_choice(method, name="method", choices=_METHODS)
        self.n_neighbors = check_int(n_neighbors, name="n_neighbors", minimum=2)
        self.min_dist = float(min_dist)
        self.metric = metric
        self.seed = check_int(seed, name="seed", minimum=0)

    def fit(self, X) -> "Projector":
        """Fit on ``X`` of shape (n, d); sets ``embedding_`` of shape (n, 2)."""
        X = check_matrix(X, name="X")
        if len(X) < 3:
            raise ValueError(f"a 2-D projection needs at least 3 points; got {len(X)}.")
        if self.method == "pca" or len(X) <= self.n_neighbors + 1:
            # UMAP needs more points than neighbours; PCA is the honest fallback.
            self.model_ = _fit_pca(X, self.seed)
            self.embedding_ = self.model_.transform(X).astype(np.float32)
            self.fitted_method_ = "pca"
        else:
            import umap  # deferred: importing umap compiles numba code (seconds)

            self.model_ = umap.UMAP(n_components=2, n_neighbors=self.n_neighbors, min_dist=self.min_dist,
                                    metric=self.metric, random_state=self.seed, n_jobs=1)
            self.embedding_ = self.model_.fit_transform(X).astype(np.float32)
            self.fitted_method_ = "umap"
        return self

    def transform(self, X) -> np.ndarray:
        """Project new points of shape (m, d) into the fitted 2-D space, shape (m, 2)."""
        if not hasattr(self, "model_"):
            raise ValueError("this Projector is not fitted yet; call fit(X) first.")
        X = check_matrix(X, name="X")
        return np.asarray(self.model_.transform(X), dtype=np.float32)


def _fit_pca(X, seed):
    from sklearn.decomposition import PCA

    return PCA(n_components=2, random_state=seed).fit(X)


def projection_key(X: np.ndarray, params: dict) -> str:
    """Content-addressed key of a projection: sha256 of the matrix bytes and the parameters."""
    h = hashlib.sha256()
    h.update(json.dumps({**params, "shape": list(X.shape), "dtype": str(X.dtype)}, sort_keys=True).encode())
    h.update(np.ascontiguousarray(X).tobytes())
    return h.hexdigest()


def project(X, *, method: str = "umap", n_neighbors: int = 15, min_dist: float = 0.1,
            metric: str = "cosine", seed: int = 0, cache=None, progress: bool = False) -> np.ndarray:
    """2-D coordinates of ``X`` (n, d) -> (n, 2) float32, cached when ``cache`` is given.

    Parameters
    ----------
    X : array-like of shape (n, d)
    method : {"umap", "pca"}
    cache : EmbeddingCache or None
        Where coordinates are stored (namespace ``projections``); ``None`` = no caching.
    progress : bool
        Print a one-line note while UMAP runs (it reports no finer progress).
    """
    X = check_matrix(X, name="X")
    proj = Projector(method=method, n_neighbors=n_neighbors, min_dist=min_dist, metric=metric, seed=seed)
    key = projection_key(X, {"method": method, "n_neighbors": proj.n_neighbors,
                             "min_dist": proj.min_dist, "metric": metric, "seed": seed})
    store = None if cache is None else cache.arrays("projections")
    if store is not None:
        hit = store.load(key)
        if hit is not None and hit.shape == (len(X), 2):
            return hit
    if progress and method == "umap":
        print(f"UMAP of {X.shape[0]} x {X.shape[1]} ...", flush=True)
    coords = proj.fit(X).embedding_
    if store is not None:
        store.save(key, coords)
    return coords
