"""Checking expansion from finite data (Lang et al. 2024, Section 5 and Appendix E).

The paper's heuristic for min_{U∈M} ĉ(U): retrain the student on random subsets of the covered
training data ("5 different random subsets of the covered training samples, each 80% of the
original", Appendix E), compute each run's robust sets on a *test* sample, and keep the smallest
expansion; bounds are evaluated "using the smallest expansion values and largest weak errors
err(f, ỹ|S_i) from the 5 training runs" (Table 4 caption).

Here the rows split into a training pool (covered rows outside ``heldout``) and the held-out rows
where everything is measured; the kNN graph is built on the held-out rows only, so no run is ever
measured on a row it was trained on. Choices are listed in ``docs/science_expansion.md``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .._validation import check_int, check_matrix
from .expansion import (
    expansion,
    knn_graph,
    robust_mistake_sets,
    robustness,
    theorem41_bound,
    theorem41_conditions,
    theorem42_bound,
    theoremB1_bound,
    theoremB2_bound,
    theoremB3_bound,
)

__all__ = ["retrain_predictions", "class_sets", "run_measures", "summarise_runs", "measure_table",
           "expansion_table"]


def retrain_predictions(fit_predict, pool, *, n_runs: int = 5, frac: float = 0.8, seed: int = 0,
                        with_validation: bool = False) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """Retrain on ``n_runs`` random ``frac`` subsets of the pool rows.

    Parameters
    ----------
    fit_predict : callable
        ``fit_predict(train_index) -> (n,)`` predicted labels on all rows (positions into the
        full arrays; train on the teacher's labels). With ``with_validation=True`` it is called as
        ``fit_predict(train_index, val_index)``, val_index being the rest of the pool (the paper
        early-stops on it with the weak labels).
    pool : bool ndarray (n,)
        Rows a run may train on.

    Returns
    -------
    (train_indices, predictions) : two lists of ``n_runs`` arrays.
    """
    pool = np.asarray(pool, dtype=bool)
    candidates = np.flatnonzero(pool)
    n_runs = check_int(n_runs, name="n_runs", minimum=1)
    if not 0 < frac <= 1:
        raise ValueError(f"frac must be in (0, 1]; got {frac}.")
    if len(candidates) < 2:
        raise ValueError(f"the training pool has {len(candidates)} rows; it needs at least 2 covered rows "
                         "outside heldout.")
    rng = np.random.default_rng(seed)
    size = max(1, int(round(frac * len(candidates))))
    trains, preds = [], []
    for _ in range(n_runs):
        train = np.sort(rng.choice(candidates, size=size, replace=False))
        val = np.setdiff1d(candidates, train)
        pred = np.asarray(fit_predict(train, val) if with_validation else fit_predict(train))
        if pred.shape != pool.shape:
            raise ValueError(f"fit_predict must return one predicted label per row, shape {pool.shape}; "
                             f"got {pred.shape}.")
        trains.append(train)
        preds.append(pred)
    return trains, preds


def class_sets(gold, teacher, covered, i) -> dict:
    """S_i, S_i^good, S_i^bad and T_i (Section 3) as bool masks (n,)."""
    gold, teacher = np.asarray(gold), np.asarray(teacher)
    S = covered & (gold == i)
    return {"S": S, "good": S & (teacher == gold), "bad": S & (teacher != gold), "T": ~covered & (gold == i)}


def _rate(event, where) -> float:
    return float(event[where].mean()) if where.any() else float("nan")


def run_measures(pred, gold, teacher, sets, graph, *, q: float = 0.0, eta: float = 0.0) -> dict:
    """One trained f, one class: the expansions of its robust sets and its errors.

    c_S: its set in M'(S_i^good, F) on (S_i^bad, S_i^good) (Theorem 4.1);
    c_good_T: its set in M(T_i, F) on (S_i^good, T_i); c_bad_T: in M'(T_i, F) on (S_i^bad, T_i)
    (Theorem 4.2). NaN where the set has P(U|B) <= q.
    """
    pred = np.asarray(pred)
    robust = robustness(pred, graph, eta=eta)
    S, good, bad, T = sets["S"], sets["good"], sets["bad"], sets["T"]
    _, good_right = robust_mistake_sets(pred, gold, good, robust)
    t_wrong, t_right = robust_mistake_sets(pred, gold, T, robust)
    weak_wrong = pred != teacher
    return {
        "c_S": expansion(good_right, bad, good, graph, q=q, eta=eta),
        "c_good_T": expansion(t_wrong, good, T, graph, q=q, eta=eta),
        "c_bad_T": expansion(t_right, bad, T, graph, q=q, eta=eta),
        "err_weak_S": _rate(weak_wrong, S), "err_S": _rate(pred != gold, S), "err_T": _rate(pred != gold, T),
        "P_not_R_S": _rate(~robust, S), "P_not_R_T": _rate(~robust, T),
        "P_weak_or_not_R_S": _rate(weak_wrong | ~robust, S),
    }


def _nanmin(values) -> tuple[float, int]:
    finite = [v for v in values if np.isfinite(v)]
    return (min(finite) if finite else float("nan")), len(finite)


def summarise_runs(runs: list[dict], alpha: float, *, q: float = 0.0, include_not_robust: bool = True) -> dict:
    """Smallest expansions and largest errors over the runs, and the bounds they give.

    Bounds use c = min(ĉ, 1): (c, q)-expansion with c ≥ 1 implies (1, q)-expansion, and the
    proofs use c ≤ 1 (Corollary B.1, Theorem B.2). ``include_not_robust=False`` sets the
    P(¬R) terms to 0 as the paper's Appendix E does.
    """
    worst = {key: max(r[key] for r in runs) for key in ("err_weak_S", "err_S", "err_T", "P_not_R_S",
                                                         "P_not_R_T", "P_weak_or_not_R_S")}
    c_S, n_S = _nanmin(r["c_S"] for r in runs)
    c1, n1 = _nanmin(r["c_good_T"] for r in runs)
    c2, n2 = _nanmin(r["c_bad_T"] for r in runs)
    cs, c1u, c2u = (min(c, 1.0) for c in (c_S, c1, c2))
    pr_S = worst["P_not_R_S"] if include_not_robust else 0.0
    pr_T = worst["P_not_R_T"] if include_not_robust else 0.0
    err_w = worst["err_weak_S"]
    return {
        "c_hat": c_S, "n_sets": n_S, **{k: worst[k] for k in ("err_weak_S", "err_S", "P_not_R_S", "P_weak_or_not_R_S")},
        "bound_41": theorem41_bound(alpha, pr_S, err_w, cs),
        "bound_B1": theoremB1_bound(alpha, pr_S, err_w, cs),
        "cond_41": theorem41_conditions(alpha, cs, q, worst["P_weak_or_not_R_S"]),
        "cond_B1": bool(np.isfinite(cs) and worst["P_weak_or_not_R_S"] <= 1 - q - alpha),
        "c_good_T": c1, "c_bad_T": c2, "n_sets_T": min(n1, n2), "err_T": worst["err_T"],
        "P_not_R_T": worst["P_not_R_T"],
        "bound_42": theorem42_bound(alpha, pr_T, err_w, min(c1u, c2u), q),
        "bound_B2": theoremB2_bound(alpha, pr_T, err_w, c1u, c2u, q),
        "bound_B3": theoremB3_bound(alpha, pr_T, err_w, c1u, q),
        "cond_42": bool(np.isfinite(c1u) and err_w + worst["P_not_R_T"] < c1u * (1 - q - alpha)),
    }


def measure_table(gold, teacher, covered, predictions, graph, *, q: float = 0.0, eta: float = 0.0,
                  include_not_robust: bool = True, label_names=None) -> pd.DataFrame:
    """Per-class table from the runs' predictions on a measured sample (all arrays of length m).

    Parameters
    ----------
    gold, teacher : int ndarray (m,)
        Gold labels and teacher labels (teacher ignored where not covered).
    covered : bool ndarray (m,)
    predictions : list of int ndarray (m,)
        One per retrained student.
    graph : sparse (m, m), symmetric
    """
    gold, teacher = np.asarray(gold), np.asarray(teacher)
    covered = np.asarray(covered, dtype=bool)
    if len(predictions) == 0:
        raise ValueError("predictions is empty; pass one (m,) array of labels per retrained student.")
    rows = []
    for i in np.unique(gold):
        sets = class_sets(gold, teacher, covered, i)
        alpha = _rate(sets["bad"], sets["S"])
        runs = [run_measures(p, gold, teacher, sets, graph, q=q, eta=eta) for p in predictions]
        summary = summarise_runs(runs, alpha, q=q, include_not_robust=include_not_robust)
        rows.append({"class": label_names[i] if label_names is not None else int(i),
                     "n_good": int(sets["good"].sum()), "n_bad": int(sets["bad"].sum()), "n_T": int(sets["T"].sum()),
                     "alpha": alpha, **summary,
                     "corrects": bool(summary["err_S"] < alpha),
                     "bound_below_alpha": bool(summary["bound_B1"] < alpha)})
    return pd.DataFrame(rows)


def expansion_table(gold, teacher, covered, X_repr, fit_predict, *, heldout, trainable=None, k: int = 10,
                    metric: str = "cosine",
                    n_runs: int = 5, frac: float = 0.8, q: float = 0.0, eta: float = 0.0, seed: int = 0,
                    with_validation: bool = False, include_not_robust: bool = True, label_names=None) -> pd.DataFrame:
    """Lang et al.'s expansion check and bounds per gold class (the columns of Tables 1 and 4).

    Parameters
    ----------
    gold, teacher : int ndarray (n,)
    covered : bool ndarray (n,)
        Where the teacher gives a label (S); the rest is T.
    X_repr : ndarray (n, d)
        Representation for the kNN neighbourhood (only its ``heldout`` rows are used).
    fit_predict : callable(train_index) -> (n,) labels
        Trains a fresh student on those rows' teacher labels, predicts every row.
    heldout : bool ndarray (n,), keyword-only
        Rows to measure on (the paper's test sample).
    trainable : bool ndarray (n,), keyword-only, optional
        Rows a run may train on (e.g. the student-train split); runs train on random ``frac``
        subsets of ``covered & trainable & ~heldout``. Default: every row outside ``heldout``.

    Returns
    -------
    DataFrame, one row per class: n_good, n_bad, n_T, alpha; c_hat (min over runs, Theorem 4.1's
    family), n_sets (runs whose set passed P(U|B) > q), worst err_weak_S, err_S, P_not_R_S,
    P_weak_or_not_R_S (P(f ≠ ỹ or f not robust | S_i), the quantity Theorems 4.1/B.1 constrain),
    bound_41, bound_B1, cond_41, cond_B1; c_good_T, c_bad_T, n_sets_T, err_T, P_not_R_T,
    bound_42, bound_B2, bound_B3, cond_42; corrects (err_S < alpha), bound_below_alpha.
    """
    gold, teacher = np.asarray(gold), np.asarray(teacher)
    covered = np.asarray(covered, dtype=bool)
    heldout = np.asarray(heldout, dtype=bool)
    trainable = np.ones(len(heldout), bool) if trainable is None else np.asarray(trainable, dtype=bool)
    X_repr = check_matrix(X_repr, name="X_repr")
    if not (len(gold) == len(teacher) == len(covered) == len(heldout) == len(trainable) == len(X_repr)):
        raise ValueError("gold, teacher, covered, heldout, trainable and X_repr need one entry per row (same length).")
    if heldout.sum() < 2:
        raise ValueError("heldout must mark at least 2 rows to measure on (rows no run trains on).")
    _, preds = retrain_predictions(fit_predict, covered & trainable & ~heldout, n_runs=n_runs, frac=frac, seed=seed,
                                   with_validation=with_validation)
    graph = knn_graph(X_repr[heldout], k=min(k, int(heldout.sum()) - 1), metric=metric)
    return measure_table(gold[heldout], teacher[heldout], covered[heldout], [p[heldout] for p in preds], graph,
                         q=q, eta=eta, include_not_robust=include_not_robust, label_names=label_names)
