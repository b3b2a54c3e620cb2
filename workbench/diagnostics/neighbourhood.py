"""How much a point's neighbourhood changes between the weak and the strong space.

For point ``i`` let ``N_w(i)`` and ``N_s(i)`` be its ``k`` nearest neighbours by cosine
distance in the weak and in the strong embedding (itself excluded). The overlap is the
Jaccard index ``J_i = |N_w(i) ∩ N_s(i)| / |N_w(i) ∪ N_s(i)|`` in [0, 1]; ``1 - J_i`` is the
neighbourhood change. A teacher error the student corrects is expected where the strong
space puts the point among differently-labelled neighbours, i.e. where J is low.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.neighbors import NearestNeighbors

from .._validation import check_int, check_matrix

__all__ = ["knn_indices", "knn_jaccard", "change_by_category", "change_groups", "most_changed"]


def knn_indices(X, *, k: int = 10, working_memory: int = 256) -> np.ndarray:
    """The ``k`` nearest rows of every row by cosine distance, itself excluded.

    scikit-learn's brute-force ``NearestNeighbors(metric="cosine")`` computes the distances
    in chunks of about ``working_memory`` MiB, so memory stays bounded for n ~ 1e5.

    Parameters
    ----------
    X : array of shape (n, d)
    k : int, 1 <= k < n

    Returns
    -------
    ndarray of shape (n, k), int64, nearest first
    """
    from sklearn import config_context

    X = check_matrix(X, name="X")
    n = len(X)
    k = check_int(k, name="k", minimum=1)
    if k >= n:
        raise ValueError(f"k={k} neighbours need more than {k} rows; got {n}. Lower k.")
    nn = NearestNeighbors(n_neighbors=k + 1, metric="cosine", algorithm="brute").fit(X)
    with config_context(working_memory=working_memory):
        idx = nn.kneighbors(X, return_distance=False)
    return _drop_self(idx, k)


def _drop_self(idx, k):
    """Remove each row's own index (or, for exact duplicates ranked first, the last neighbour)."""
    n = len(idx)
    is_self = idx == np.arange(n)[:, None]
    keep = ~is_self
    no_self = ~is_self.any(1)
    keep[no_self, -1] = False                     # self not among the k + 1: drop the farthest
    return idx[keep].reshape(n, k).astype(np.int64)


def knn_jaccard(X_weak, X_strong, *, k: int = 10, chunk_size: int = 8192) -> np.ndarray:
    """Jaccard overlap of each point's k-neighbourhoods in weak vs strong space.

    Parameters
    ----------
    X_weak : array of shape (n, d_w)
    X_strong : array of shape (n, d_s)
    k : int, default 10
    chunk_size : int
        Rows per chunk when intersecting the neighbour lists (bounded memory).

    Returns
    -------
    ndarray of shape (n,), float64 in [0, 1]; 1 = the same neighbours in both spaces
    """
    n_w, n_s = len(X_weak), len(X_strong)
    if n_w != n_s:
        raise ValueError(f"X_weak has {n_w} rows and X_strong {n_s}; pass the two embeddings of the same points.")
    return jaccard_rows(knn_indices(X_weak, k=k), knn_indices(X_strong, k=k), chunk_size=chunk_size)


def jaccard_rows(A, B, *, chunk_size: int = 8192) -> np.ndarray:
    """Row-wise Jaccard index of two (n, k) neighbour-index arrays (no repeats within a row)."""
    A, B = np.asarray(A), np.asarray(B)
    if A.shape != B.shape or A.ndim != 2:
        raise ValueError(f"neighbour arrays must have the same (n, k) shape; got {A.shape} and {B.shape}.")
    n, k = A.shape
    inter = np.empty(n, dtype=np.int64)
    for start in range(0, n, chunk_size):
        a, b = A[start:start + chunk_size], B[start:start + chunk_size]
        inter[start:start + len(a)] = (a[:, :, None] == b[:, None, :]).any(2).sum(1)
    return inter / (2 * k - inter)


def change_by_category(jaccard, category) -> pd.DataFrame:
    """Neighbourhood overlap summarised per W2S category.

    Parameters
    ----------
    jaccard : array-like of shape (n,)
    category : array-like of shape (n,), str (the ``category`` column)

    Returns
    -------
    pandas.DataFrame indexed by category with ``count``, ``mean_jaccard``, ``median_jaccard``
    """
    frame = pd.DataFrame({"jaccard": np.asarray(jaccard, dtype=np.float64), "category": np.asarray(category)})
    if len(frame) == 0:
        raise ValueError("jaccard is empty; pass one value per point.")
    out = frame.groupby("category")["jaccard"].agg(count="count", mean_jaccard="mean", median_jaccard="median")
    return out


def change_groups(jaccard, *, edges=(0.1, 0.25, 0.5)):
    """Bin the overlap into colour groups (most changed first).

    Parameters
    ----------
    jaccard : array-like of shape (n,)
    edges : increasing sequence of float in (0, 1)

    Returns
    -------
    codes : ndarray of shape (n,), uint8
        Group of each point: 0 = ``J < edges[0]`` ... ``len(edges)`` = ``J >= edges[-1]``.
    names : tuple of str
        ``("J < 0.1", "0.1 ≤ J < 0.25", ..., "J ≥ 0.5")``.
    """
    edges = np.asarray(edges, dtype=np.float64)
    if edges.ndim != 1 or edges.size == 0 or np.any(np.diff(edges) <= 0) or edges[0] <= 0 or edges[-1] >= 1:
        raise ValueError(f"edges must be increasing values in (0, 1); got {edges.tolist()}.")
    codes = np.searchsorted(edges, np.asarray(jaccard, dtype=np.float64), side="right").astype(np.uint8)
    fmt = lambda v: f"{v:g}"  # noqa: E731
    names = (f"J < {fmt(edges[0])}",
             *(f"{fmt(a)} ≤ J < {fmt(b)}" for a, b in zip(edges[:-1], edges[1:])),
             f"J ≥ {fmt(edges[-1])}")
    return codes, names


def most_changed(jaccard, *, top: int = 20) -> np.ndarray:
    """Row positions of the ``top`` points whose neighbourhood changed most (lowest J first, stable)."""
    jaccard = np.asarray(jaccard, dtype=np.float64)
    top = check_int(top, name="top", minimum=1)
    order = np.argsort(np.where(np.isfinite(jaccard), jaccard, np.inf), kind="stable")
    return order[: min(top, int(np.isfinite(jaccard).sum()))].astype(np.int64)
