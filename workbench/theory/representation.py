"""Predicting W2S from representations alone (Xue et al. style; OUR operational form).

Xue, Li & Mirzasoleiman relate weak-to-strong gain to kernels built from the weak and
strong representations. No public code exists; this module is our operational reading,
labelled as such everywhere it is shown:

* centre Φ (n × d) and keep its top-``k`` principal components by a thin SVD
  Φ = U S Vᵀ (never an n × n matrix);
* the ridge "kernel projector" P = K (K + λI)⁻¹ with K = ΦΦᵀ/n equals
  U diag(s²/n / (s²/n + λ)) Uᵀ on the kept components, with λ = ``ridge`` · s₁²/n
  *relative* to the largest eigenvalue of K, so the score does not change when the
  features are rescaled and a component counts by its share of the spectrum (an
  absolute λ saturates the score near 1 for any embedding with large eigenvalues);
* label-free score  ‖P_s (I − P_w)‖  (operator norm): how much of what the strong
  representation can express lies outside what the weak one expresses;
* with labels, gap proxy  ‖P_s (I − P_w) y‖² / n  with y the centred one-hot labels (n, k)
  (or a centred vector): the part of the labels the strong model can learn that the weak
  one misses.
"""

from __future__ import annotations

import numpy as np

from .._validation import check_int, check_matrix

__all__ = ["principal_subspace", "representation_score", "label_gap", "projector_matrix"]


def principal_subspace(Phi, *, k: int, ridge: float):
    """Top-``k`` left singular vectors of centred Φ and the ridge shrinkage of each.

    Parameters
    ----------
    Phi : ndarray of shape (n, d)
    k : int
        Number of principal components kept (capped at min(n, d)).
    ridge : float >= 0
        λ of P = K (K + λI)⁻¹ relative to K's largest eigenvalue: λ = ridge · s₁²/n.

    Returns
    -------
    U : ndarray of shape (n, k')
    shrink : ndarray of shape (k',)
        s²/n / (s²/n + λ) per component (1 when λ = 0; components with s = 0 are dropped).
    """
    Phi = check_matrix(Phi, name="Phi", dtype=np.float64)
    k = check_int(k, name="k", minimum=1)
    if ridge < 0:
        raise ValueError(f"ridge must be >= 0; got {ridge}.")
    n = len(Phi)
    U, s, _ = np.linalg.svd(Phi - Phi.mean(0), full_matrices=False)
    keep = s[: min(k, len(s))] > 1e-10 * max(s[0], 1e-300)
    U, s = U[:, : len(keep)][:, keep], s[: len(keep)][keep]
    ev = s**2 / n
    lam = ridge * (ev[0] if len(ev) else 0.0)
    return U, ev / (ev + lam)


def projector_matrix(Phi, *, k: int, ridge: float) -> np.ndarray:
    """The n × n matrix P (for tests and small n only)."""
    U, d = principal_subspace(Phi, k=k, ridge=ridge)
    return (U * d) @ U.T


def representation_score(Phi_w, Phi_s, *, k: int = 50, ridge: float = 0.1) -> float:
    """Label-free score ‖P_s (I − P_w)‖ (operator norm), computed from small matrices.

    With U_s, U_w the kept components and D_s, D_w their shrinkages,
    P_s (I − P_w) = U_s [D_s U_sᵀ − D_s C D_w U_wᵀ] with C = U_sᵀ U_w; writing
    [U_s U_w] = Q R, its norm is that of the (k_s + k_w) × k_s matrix
    R [D_s; −D_w Cᵀ D_s].
    """
    if len(Phi_w) != len(Phi_s):
        raise ValueError(f"Phi_w has {len(Phi_w)} rows but Phi_s has {len(Phi_s)}; pass the same examples.")
    Us, ds = principal_subspace(Phi_s, k=k, ridge=ridge)
    Uw, dw = principal_subspace(Phi_w, k=k, ridge=ridge)
    C = Us.T @ Uw
    _, R = np.linalg.qr(np.hstack([Us, Uw]))
    stacked = np.vstack([np.diag(ds), -(dw[:, None] * C.T) * ds[None, :]])
    return float(np.linalg.norm(R @ stacked, 2))


def label_gap(Phi_w, Phi_s, y, *, k: int = 50, ridge: float = 0.1, n_classes: int | None = None) -> float:
    """Gap proxy ‖P_s (I − P_w) y‖² / n.

    Parameters
    ----------
    Phi_w, Phi_s : ndarray of shape (n, d_w), (n, d_s)
    y : ndarray of shape (n,) int labels (turned into centred one-hot (n, k)) or (n,) / (n, m) floats
    """
    if len(Phi_w) != len(Phi_s) or len(y) != len(Phi_s):
        raise ValueError("Phi_w, Phi_s and y must have one row per example.")
    y = np.asarray(y)
    if y.ndim == 1 and y.dtype.kind in "iu":
        k_cls = n_classes or int(y.max()) + 1
        Y = np.eye(k_cls)[y]
    else:
        Y = y.reshape(len(y), -1).astype(np.float64)
    Y = Y - Y.mean(0)
    Us, ds = principal_subspace(Phi_s, k=k, ridge=ridge)
    Uw, dw = principal_subspace(Phi_w, k=k, ridge=ridge)
    V = Y - Uw @ (dw[:, None] * (Uw.T @ Y))
    R = Us @ (ds[:, None] * (Us.T @ V))
    return float(np.sum(R**2) / len(Y))
