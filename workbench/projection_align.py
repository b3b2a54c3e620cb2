"""Comparable maps: align one 2-D projection onto another of the same points.

The weak and the strong maps are two independent projections (UMAP or PCA) of the same
rows; each is only defined up to rotation, reflection, scale and translation, so the same
region can sit in opposite corners. Orthogonal Procrustes with scaling and translation
(Gower 1975; Schönemann 1966) finds the similarity transform ``s · B R + t`` of the
moving map B that is closest, in summed squared distance over corresponding rows, to the
reference A: with centred A₀, B₀ and the SVD B₀ᵀA₀ = U Σ Vᵀ, R = U Vᵀ and
s = tr(Σ) / ‖B₀‖²_F. Distances inside the moving map keep their ratios, so no structure
is changed, only the view.
"""

from __future__ import annotations

import numpy as np

__all__ = ["procrustes_align", "align_coords", "standardise", "mean_pair_distance"]


def _check_xy(xy, name) -> np.ndarray:
    arr = np.asarray(xy, dtype=np.float64)
    if arr.ndim != 2 or arr.shape[1] != 2:
        raise ValueError(f"{name} must have shape (n, 2) (2-D coordinates); got {arr.shape}.")
    return arr


def procrustes_align(reference, moving, *, scale: bool = True, reflection: bool = True) -> np.ndarray:
    """``moving`` rotated (and reflected, scaled, shifted) onto ``reference``, shape (n, 2) float32.

    Parameters
    ----------
    reference, moving : array-like of shape (n, 2)
        Coordinates of the same n points (row i of both is one point). Rows with a
        non-finite value in either are left out of the fit and stay NaN only where
        ``moving`` is non-finite.
    scale : bool, default True
        Fit the scale s too (otherwise s = 1).
    reflection : bool, default True
        Allow a mirror image (det R = −1); UMAP's maps have no handedness.

    Returns
    -------
    ndarray of shape (n, 2), float32
    """
    A, B = _check_xy(reference, "reference"), _check_xy(moving, "moving")
    if A.shape != B.shape:
        raise ValueError(f"reference and moving must hold the same points; got shapes {A.shape} and {B.shape}.")
    ok = np.isfinite(A).all(axis=1) & np.isfinite(B).all(axis=1)
    if ok.sum() < 3:
        raise ValueError(f"Procrustes alignment needs at least 3 rows finite in both maps; got {int(ok.sum())}.")
    mu_a, mu_b = A[ok].mean(axis=0), B[ok].mean(axis=0)
    A0, B0 = A[ok] - mu_a, B[ok] - mu_b
    norm_b = float(np.sum(B0 ** 2))
    if norm_b == 0.0:
        raise ValueError("the moving map has all its points at one place; there is nothing to align.")
    U, sigma, Vt = np.linalg.svd(B0.T @ A0)
    if not reflection and np.linalg.det(U @ Vt) < 0:
        U[:, -1] *= -1
        sigma = sigma.copy()
        sigma[-1] *= -1
    R = U @ Vt
    s = float(np.sum(sigma)) / norm_b if scale else 1.0
    return ((B - mu_b) @ R * s + mu_a).astype(np.float32)


def align_coords(coords: dict, *, reference: str = "weak") -> dict:
    """Align every map of ``{"weak": (n, 2), "strong": (n, 2)}`` onto the ``reference`` one.

    Parameters
    ----------
    coords : dict of str -> ndarray of shape (n, 2)
        What ``Experiment.project`` returns.
    reference : str, default "weak"
        The map left as it is.

    Returns
    -------
    dict with the same keys; the reference array unchanged, the others float32 aligned.
    """
    if not isinstance(coords, dict):
        raise TypeError(f"coords must be a dict of role -> (n, 2) array; got {type(coords).__name__}.")
    if reference not in coords:
        raise ValueError(f"reference {reference!r} is not one of the maps {sorted(coords)}.")
    ref = coords[reference]
    return {role: xy if role == reference else procrustes_align(ref, xy) for role, xy in coords.items()}


def standardise(xy) -> np.ndarray:
    """Centre a map and scale it to unit root-mean-square distance from its centre; (n, 2)."""
    xy = _check_xy(xy, "xy")
    ok = np.isfinite(xy).all(axis=1)
    centred = xy - xy[ok].mean(axis=0)
    rms = float(np.sqrt(np.mean(np.sum(centred[ok] ** 2, axis=1))))
    if rms == 0.0:
        raise ValueError("the map has all its points at one place; it cannot be standardised.")
    return centred / rms


def mean_pair_distance(a, b) -> float:
    """Mean distance between corresponding points of two maps after :func:`standardise` of each.

    0 for maps equal up to translation and scale; about 1.41 for two independent clouds.
    Rows non-finite in either map are left out.
    """
    a, b = standardise(a), standardise(b)
    if a.shape != b.shape:
        raise ValueError(f"the maps must hold the same points; got shapes {a.shape} and {b.shape}.")
    d = np.sqrt(np.sum((a - b) ** 2, axis=1))
    return float(np.nanmean(d))
