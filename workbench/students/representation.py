"""The student's representation over training: a fixed seeded sample, one 2-D PCA basis.

A fine-tuned student's encoder moves during training. To watch it, the same seeded sample
of evaluation points is re-embedded after every epoch and projected with **one** PCA fitted
on the pre-training embeddings (epoch 0), so the maps of all epochs share axes and a point's
movement between epochs is real movement of its embedding, not a change of basis.

Pure numpy: arrays in, arrays out.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["sample_index", "Pca2", "fit_pca2"]


def sample_index(n: int, size: int, *, seed: int = 0) -> np.ndarray:
    """A sorted seeded sample of ``min(size, n)`` distinct row indices of ``range(n)``, int64."""
    if size <= 0 or n <= 0:
        return np.zeros(0, dtype=np.int64)
    rng = np.random.default_rng(seed)
    return np.sort(rng.choice(n, size=min(int(size), int(n)), replace=False)).astype(np.int64)


@dataclass(frozen=True)
class Pca2:
    """A fitted 2-D PCA: ``(X - mean) @ components.T``.

    Attributes
    ----------
    mean : ndarray of shape (d,)
    components : ndarray of shape (2, d)
        Orthonormal rows; the sign of each row is fixed so its largest-magnitude entry is positive.
    """

    mean: np.ndarray
    components: np.ndarray

    def transform(self, X) -> np.ndarray:
        """(m, d) -> (m, 2) float32."""
        X = np.asarray(X, dtype=np.float64)
        return ((X - self.mean) @ self.components.T).astype(np.float32)

    def to_json(self) -> dict:
        return {"mean": self.mean.tolist(), "components": self.components.tolist()}

    @classmethod
    def from_json(cls, data: dict) -> "Pca2":
        return cls(np.asarray(data["mean"], dtype=np.float64), np.asarray(data["components"], dtype=np.float64))


def fit_pca2(X) -> Pca2:
    """Fit a 2-D PCA on ``X`` (m, d) by thin SVD; fewer than 2 directions are zero-padded."""
    X = np.asarray(X, dtype=np.float64)
    if X.ndim != 2 or len(X) == 0:
        raise ValueError(f"fit_pca2 needs a non-empty (m, d) array; got shape {X.shape}.")
    mean = X.mean(0)
    _, _, vt = np.linalg.svd(X - mean, full_matrices=False)
    comps = np.zeros((2, X.shape[1]))
    comps[: min(2, len(vt))] = vt[:2]
    for row in comps:
        j = np.argmax(np.abs(row))
        if row[j] < 0:
            row *= -1
    return Pca2(mean, comps)
