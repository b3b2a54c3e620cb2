"""Lang, Sontag & Vijayaraghavan (NeurIPS 2024), "Theoretical Analysis of Weak-to-Strong
Generalization": the definitions and bounds, as pure functions on a finite sample.

Every formula quotes its source (section, definition or theorem of the paper); the finite-data
procedure (retrains on 80% subsets, measurement on held-out rows) is in
:mod:`workbench.theory.expansion_check`. ``docs/science_expansion.md`` lists every choice made
to turn the paper into code.

Empirical distribution. Probabilities are fractions of the measured sample, so the paper's
edge weight w(x, x') = P(x)P(x')·1[x ∈ N(x')] (Definition 5) is a count of edges.

Neighbourhood (Definition 1: "N satisfies x ∈ N(x') ⟺ x' ∈ N(x)"). We use the symmetrised
kNN graph: x ~ x' iff x is among the k nearest neighbours of x' OR x' among those of x.
Like the paper's ball N(x) = {x' : ‖φ(x) − φ(x')‖ ≤ r}, N(x) contains x itself:
N(x) = {x} ∪ {x' : x ~ x'} and N(U) = ∪_{x∈U} N(x).
"""

from __future__ import annotations

import numpy as np
from scipy import sparse

from .._validation import check_int, check_matrix

__all__ = ["knn_graph", "neighbourhood", "disagreement_rate", "robustness", "robust_mistake_sets",
           "robust_neighbourhood_size", "expansion", "theorem41_bound", "theorem41_conditions",
           "theoremB1_bound", "theorem42_bound", "theoremB2_bound", "theoremB3_bound"]


def knn_graph(X, *, k: int = 10, metric: str = "cosine", symmetric: bool = True) -> sparse.csr_matrix:
    """kNN adjacency (n × n, bool CSR, no self loops).

    Parameters
    ----------
    X : ndarray (n, d)
    k : int, keyword-only
        Neighbours per point, 1 <= k <= n − 1.
    symmetric : bool, keyword-only
        True (default): x ~ x' iff x ∈ kNN(x') or x' ∈ kNN(x) — the symmetric neighbourhood that
        Definition 1 requires. False: row x marks only its own k nearest neighbours.
    """
    from sklearn.neighbors import NearestNeighbors

    X = check_matrix(X, name="X")
    k = check_int(k, name="k", minimum=1, maximum=len(X) - 1)
    _, idx = NearestNeighbors(n_neighbors=k + 1, metric=metric).fit(X).kneighbors(X)
    rows, cols = [], []
    for i, neigh in enumerate(idx):
        neigh = [j for j in neigh if j != i][:k]
        rows += [i] * len(neigh)
        cols += neigh
    g = sparse.csr_matrix((np.ones(len(rows), bool), (rows, cols)), shape=(len(X), len(X)))
    return (g + g.T).tocsr().astype(bool) if symmetric else g


def _check_graph(graph, n: int, *, require_symmetric: bool = True) -> sparse.csr_matrix:
    if not sparse.issparse(graph):
        graph = sparse.csr_matrix(np.asarray(graph, dtype=bool))
    graph = graph.tocsr().astype(bool)
    if graph.shape != (n, n):
        raise ValueError(f"graph must have shape ({n}, {n}) to match the masks; got {graph.shape}.")
    if require_symmetric and (graph != graph.T).nnz:
        raise ValueError("graph must be symmetric (Lang et al., Definition 1: x ∈ N(x') ⟺ x' ∈ N(x)); "
                         "build it with knn_graph(X, symmetric=True) or pass graph.maximum(graph.T).")
    return graph


def _mask(m, n: int | None, name: str) -> np.ndarray:
    m = np.asarray(m)
    if m.dtype != bool:
        raise TypeError(f"{name} must be a boolean mask of shape (n,); got dtype {m.dtype}.")
    if n is not None and m.shape != (n,):
        raise ValueError(f"{name} must have shape ({n},); got {m.shape}.")
    return m


def neighbourhood(mask, graph) -> np.ndarray:
    """N(U) = ∪_{x∈U} N(x) with N(x) = {x} ∪ graph neighbours of x; bool mask of shape (n,)."""
    mask = _mask(mask, graph.shape[0], "mask")
    reached = np.asarray(graph[mask].sum(axis=0)).ravel() > 0
    return reached | mask


def disagreement_rate(pred, graph) -> np.ndarray:
    """r(f, x) = P(f(x') ≠ f(x) | x' ∈ N(x)) (Definition 2), shape (n,).

    N(x) includes x, so r = (#neighbours with another prediction) / (degree + 1); an isolated
    point has r = 0.
    """
    pred = np.asarray(pred)
    g = _check_graph(graph, len(pred), require_symmetric=False).tocoo()
    differs = np.zeros(len(pred))
    np.add.at(differs, g.row, pred[g.row] != pred[g.col])
    degree = np.bincount(g.row, minlength=len(pred))
    return differs / (degree + 1)


def robustness(pred, graph, *, eta: float = 0.0) -> np.ndarray:
    """R_η(f) = {x : r(f, x) ≤ η} (Definition 2), bool (n,). η = 0: f constant on N(x)."""
    if not 0.0 <= float(eta) < 1.0:
        raise ValueError(f"eta must be in [0, 1); got {eta}.")
    return disagreement_rate(pred, graph) <= float(eta) + 1e-12


def robust_mistake_sets(pred, gold, B, robust) -> tuple[np.ndarray, np.ndarray]:
    """The two sets a classifier f contributes to the expanding families (Section 4.1).

    Returns ``(U(B, f) ∩ R(f), (B \\ U(B, f)) ∩ R(f))`` with U(B, f) = {x ∈ B : f(x) ≠ y(x)}:
    the element of M(B, F) (robust mistakes) and of M'(B, F) (robust non-mistakes), bool (n,).
    """
    pred, gold = np.asarray(pred), np.asarray(gold)
    B = _mask(B, len(pred), "B")
    robust = _mask(robust, len(pred), "robust")
    wrong = pred != gold
    return B & wrong & robust, B & ~wrong & robust


def robust_neighbourhood_size(U, A, graph, *, eta: float) -> float:
    """P_{1−η}(U, A) = min_V {P(V|A) : w(V, U) ≥ (1 − η) w(N(U), U)} (Definition 6).

    With empirical weights, a point x brings w(x, U) = #{x' ∈ U : x ∈ N(x')} and costs 1/|A| if
    x ∈ A, nothing otherwise; taking every point outside A, then the points of A with the most
    edges into U first, is optimal. η = 0 gives P(N(U) | A).
    """
    n = graph.shape[0]
    U, A = _mask(U, n, "U"), _mask(A, n, "A")
    if not A.any():
        return float("nan")
    into_u = np.asarray(graph[:, U].sum(axis=1)).ravel() + U  # x ∈ N(x) adds the self pair
    need = (1.0 - float(eta)) * into_u.sum() - into_u[~A].sum()
    if need <= 0:
        return 0.0
    taken = np.cumsum(np.sort(into_u[A])[::-1])
    return float((np.searchsorted(taken, need - 1e-9) + 1) / A.sum())


def expansion(U, A, B, graph, *, q: float = 0.0, eta: float = 0.0) -> float:
    """ĉ(U) = P(N(U) | A) / P(U | B) for one U ⊂ B (Definitions 3–4; Definition 7 if η > 0).

    Definition 4 only asks sets with P(U | B) > q to expand, so a set with P(U | B) <= q does not
    count: NaN. NaN as well when A or B is empty.

    Parameters
    ----------
    U, A, B : bool ndarray (n,)
        U must lie inside B. A is where the neighbourhood is measured.
    graph : sparse (n, n), symmetric
    q : float, keyword-only
        The q of (c, q)-expansion.
    eta : float, keyword-only
        0 (default): P(N(U)|A). > 0: the η-robust neighbourhood size P_{1−η}(U, A).
    """
    graph = _check_graph(graph, len(np.asarray(U)))
    n = graph.shape[0]
    U, A, B = _mask(U, n, "U"), _mask(A, n, "A"), _mask(B, n, "B")
    if (U & ~B).any():
        raise ValueError("U must be a subset of B (Definition 4: M is a collection of subsets of B); "
                         "intersect it first, e.g. U & B.")
    if not A.any() or not B.any():
        return float("nan")
    p_u = float(U[B].mean())
    if p_u <= q:
        return float("nan")
    top = float(neighbourhood(U, graph)[A].mean()) if eta == 0 else robust_neighbourhood_size(U, A, graph, eta=eta)
    return top / p_u


def _valid_alpha(alpha) -> bool:
    return bool(np.isfinite(alpha) and 0 < alpha < 0.5)


def theorem41_bound(alpha, p_not_robust, err_vs_teacher, c) -> float:
    """Theorem 4.1: err(f, y|S_i) ≤ 2α/(1−2α)·P(¬R(f)|S_i) + err(f, ỹ|S_i) + α(1 − 3c/2).

    NaN unless 0 < α < 1/2 (the paper's standing assumption) and c is finite. Its conditions
    are :func:`theorem41_conditions`.
    """
    if not _valid_alpha(alpha) or not np.isfinite(c):
        return float("nan")
    return float(2 * alpha / (1 - 2 * alpha) * p_not_robust + err_vs_teacher + alpha * (1 - 1.5 * c))


def theorem41_conditions(alpha, c, q, p_disagree_or_not_robust) -> bool:
    """Theorem 4.1's hypotheses on (c, q) and f: q < 3/4·(1 − 2α) and
    P(f(x) ≠ ỹ(x) or f not robust at x | S_i) ≤ (1 − α + 3cα)/4."""
    if not _valid_alpha(alpha) or not np.isfinite(c):
        return False
    return bool(q < 0.75 * (1 - 2 * alpha) and p_disagree_or_not_robust <= (1 - alpha + 3 * c * alpha) / 4)


def theoremB1_bound(alpha, p_not_robust, err_vs_teacher, c) -> float:
    """Theorem B.1 (the tighter form behind the paper's Table 1):

    err(f, y|S_i) ≤ [err(f, ỹ|S_i) − α(2c' − 1) + 2c'α·P(¬R_η(f)|S_i)] / (1 − 2c'α),
    c' = c / (1 − α + cα). Hypothesis: P(f ≠ ỹ or f not η-robust | S_i) ≤ 1 − q − α.
    """
    if not _valid_alpha(alpha) or not np.isfinite(c) or c <= 0:
        return float("nan")
    c1 = c / (1 - alpha + c * alpha)
    den = 1 - 2 * c1 * alpha
    if den <= 0:
        return float("nan")
    return float((err_vs_teacher - alpha * (2 * c1 - 1) + 2 * c1 * alpha * p_not_robust) / den)


def theoremB2_bound(alpha, p_not_robust_T, err_vs_teacher_S, c1, c2, q) -> float:
    """Theorem B.2 (Theorem 4.2 with separate expansions; the paper's Table 4):

    err(f, y|T_i) ≤ (1 + α/(c/c̄ − 2α))·P(¬R_η(f)|T_i)
                    + max(q, (err(f, ỹ|S_i) − c2·α)/(c1 − (c1 + c2)α)),
    c1: M(T_i, F) on (S_i^good, T_i); c2: M'(T_i, F) on (S_i^bad, T_i); c = min, c̄ = max.
    Hypothesis: err(f, ỹ|S_i) + P(¬R_η(f)|T_i) < c1(1 − q − α). NaN where a denominator is <= 0.
    """
    if not _valid_alpha(alpha) or not (np.isfinite(c1) and np.isfinite(c2)) or min(c1, c2) <= 0:
        return float("nan")
    ratio_den = min(c1, c2) / max(c1, c2) - 2 * alpha
    den = c1 - (c1 + c2) * alpha
    if ratio_den <= 0 or den <= 0:
        return float("nan")
    return float((1 + alpha / ratio_den) * p_not_robust_T + max(q, (err_vs_teacher_S - c2 * alpha) / den))


def theorem42_bound(alpha, p_not_robust_T, err_vs_teacher_S, c, q) -> float:
    """Theorem 4.2: err(f, y|T_i) ≤ (1 + α/(1−2α))·P(¬R(f)|T_i)
    + max(q, (err(f, ỹ|S_i) − cα)/(c(1 − 2α))).

    Hypothesis: err(f, ỹ|S_i) + P(¬R(f)|T_i) < c(1 − q − α).
    """
    if not _valid_alpha(alpha) or not np.isfinite(c) or c <= 0:
        return float("nan")
    return float((1 + alpha / (1 - 2 * alpha)) * p_not_robust_T
                 + max(q, (err_vs_teacher_S - c * alpha) / (c * (1 - 2 * alpha))))


def theoremB3_bound(alpha, p_not_robust_T, err_vs_teacher_S, c, q) -> float:
    """Theorem B.3 (only T_i → S_i^good expansion):
    err(f, y|T_i) ≤ P(¬R_η(f)|T_i) + max(q, err(f, ỹ|S_i)/(c(1 − α)))."""
    if not _valid_alpha(alpha) or not np.isfinite(c) or c <= 0:
        return float("nan")
    return float(p_not_robust_T + max(q, err_vs_teacher_S / (c * (1 - alpha))))
