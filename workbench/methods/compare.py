"""One table: plain Burns vs each method, same data, same split, PGR with CI (``w2s compare``)."""

from __future__ import annotations

import time

import pandas as pd

from .. import metrics as M
from ..experiment import Experiment
from .ensembles import EnsemW2STeacher, RavenTeacher
from .selective import FilteredTeacher, SelectiveTeacher

__all__ = ["compare_methods", "METHODS"]

METHODS = ("plain", "raven", "ensemw2s", "selective", "filtered")


def _teacher(method, extra_weak, seed):
    """The teacher of ``method``; each receives the weak and strong views in ``fit``."""
    if method == "plain":
        return "probe"
    if method == "raven":
        if not extra_weak:
            raise ValueError("method 'raven' needs extra weak views: pass extra_weak={'name': X (n, d)}.")
        return RavenTeacher(extra_weak, seed=seed)  # the pair's weak view joins as member "weak"
    if method == "ensemw2s":
        return EnsemW2STeacher(seed=seed)
    if method == "selective":
        return SelectiveTeacher(seed=seed)
    if method == "filtered":
        return FilteredTeacher(seed=seed)
    raise ValueError(f"unknown method {method!r}; choose from {', '.join(METHODS)}.")


def compare_methods(dataset, pair, *, methods=METHODS, extra_weak=None, n_gold: int = 200, seed: int = 0,
                    cache=None, student=None, abstain_share=None) -> pd.DataFrame:
    """Run each method on the same dataset, pair, split and seed, against ONE weak baseline.

    Every row's PGR uses the plain Burns probe as the weak baseline (its whole-test-set
    accuracy, abstentions at chance), so methods are compared on one scale; each
    method's own teacher accuracy is a separate column (``teacher_acc``, on the test
    points it covers).

    Parameters
    ----------
    dataset : TextDataset
    pair : EncoderPair
    methods : sequence of {"plain", "raven", "ensemw2s", "selective", "filtered"}
    extra_weak : dict name -> ndarray (n, d), optional
        More weak views for the RAVEN ensemble (the pair's weak view is always a member).

    Returns
    -------
    DataFrame: method, weak_acc (the plain baseline), teacher_acc, teacher_coverage,
    student_acc, ceiling_acc, pgr, pgr_ci_low, pgr_ci_high, pgr_undefined_share, seconds.
    """
    options = dict(n_gold=n_gold, seed=seed, cache=cache, student=student, abstain_share=abstain_share)
    base = Experiment(dataset, pair, **options).embed(progress=False)
    plain = _run(base, "probe")
    test = plain.points["split"].to_numpy() == "test"
    y = dataset.labels[test]
    k = dataset.n_classes
    weak_scores = M.correct_with_abstention(y, plain.proba["weak"][test].argmax(1), plain.points["covered"][test],
                                            n_classes=k)
    weak_all = float(weak_scores.mean())
    rows = []
    for method in methods:
        t0 = time.perf_counter()
        result = plain if method == "plain" else _run(base, _teacher(method, extra_weak, seed))
        m = result.metrics
        student_ok = result.proba["student"][test].argmax(1) == y
        ceiling_ok = result.proba["ceiling"][test].argmax(1) == y
        interval = M.pgr_interval(weak_scores, student_ok, ceiling_ok, seed=seed)
        rows.append({"method": method, "weak_acc": weak_all, "teacher_acc": m["weak_acc"],
                     "teacher_coverage": m["teacher_coverage"], "student_acc": m["student_acc"],
                     "ceiling_acc": m["ceiling_acc"], "pgr": M.pgr(weak_all, m["student_acc"], m["ceiling_acc"]),
                     "pgr_ci_low": interval.low, "pgr_ci_high": interval.high,
                     "pgr_undefined_share": interval.undefined_share, "seconds": time.perf_counter() - t0})
    return pd.DataFrame(rows)


def _run(base: Experiment, teacher):
    return base.with_teacher(teacher).run(projection=None, progress=False)
