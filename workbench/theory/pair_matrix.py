"""Model-pair matrix: the Burns protocol for every (weak, strong) pair of encoders.

The table researchers ask for (which teacher for which student), with PGR and its
bootstrap CI per pair, plus the representation score of each pair and its rank
correlation with the measured PGR (:func:`representation_vs_pgr`).
"""

from __future__ import annotations

import time

import numpy as np
import pandas as pd

from .._run_metrics import final_metrics
from ..data import make_splits
from ..protocol import probe_protocol
from .representation import representation_score

__all__ = ["burns_protocol", "pair_matrix", "representation_vs_pgr"]


def burns_protocol(X_weak, X_strong, y, splits, *, n_classes: int, seed: int = 0, student=None) -> dict:
    """:func:`workbench.protocol.probe_protocol` on one pair; the run's test metrics (as ``Result.metrics``)."""
    run = probe_protocol(X_weak, X_strong, y, splits, n_classes=n_classes, student=student, seed=seed)
    m = final_metrics(np.asarray(y), run.proba, run.covered, splits, seed=seed)
    return {k: m[k] for k in _PAIR_KEYS}


_PAIR_KEYS = ("weak_acc", "student_acc", "ceiling_acc", "pgr", "pgr_ci_low", "pgr_ci_high", "pgr_undefined_share",
              "pgr_inverted_pair")


def pair_matrix(dataset, features: dict, *, n_gold: int = 200, seed: int = 0, test_size: float = 0.25,
                student=None) -> pd.DataFrame:
    """Run :func:`burns_protocol` for every ordered pair (weak != strong) of ``features``.

    Parameters
    ----------
    dataset : TextDataset (labels and splits)
    features : dict name -> ndarray (n, d), e.g. cached embeddings of several encoders
    """
    splits = make_splits(dataset, n_gold=n_gold, test_size=test_size, seed=seed)
    rows = []
    for weak, Xw in features.items():
        for strong, Xs in features.items():
            if weak == strong:
                continue
            t0 = time.perf_counter()
            out = burns_protocol(Xw, Xs, dataset.labels, splits, n_classes=dataset.n_classes, seed=seed,
                                 student=student)
            rows.append({"weak": weak, "strong": strong, **out, "seconds": time.perf_counter() - t0})
    return pd.DataFrame(rows)


def representation_vs_pgr(table: pd.DataFrame, features: dict, *, k: int = 50, ridge: float = 0.1,
                          max_rows: int = 3000, seed: int = 0):
    """Add ``rep_score`` = ‖P_s(I − P_w)‖ per pair; return (table, spearman rho, p-value).

    The score uses at most ``max_rows`` (seeded sample) rows of each feature matrix.
    """
    from scipy.stats import spearmanr

    n = len(next(iter(features.values())))
    rows = np.sort(np.random.default_rng(seed).permutation(n)[:max_rows])
    table = table.copy()
    table["rep_score"] = [representation_score(features[w][rows], features[s][rows], k=k, ridge=ridge)
                          for w, s in zip(table["weak"], table["strong"])]
    ok = np.isfinite(table["pgr"]) & np.isfinite(table["rep_score"])
    if ok.sum() < 3:
        return table, float("nan"), float("nan")
    rho, p = spearmanr(table.loc[ok, "rep_score"], table.loc[ok, "pgr"])
    return table, float(rho), float(p)
