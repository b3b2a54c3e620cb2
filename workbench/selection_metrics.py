"""Metrics of a selection of points, beside the same metrics of the rest.

Pure functions over the per-point table (``Result.points``, columns
``workbench.results.POINT_COLUMNS``); the definitions are the headline's
(docs/science.md §2–3, "Metrics of a selection"), restricted to a set of rows:

* ``teacher_acc_covered`` — mean(teacher_label == gold) over the rows with ``covered``
  (the headline's ``weak_acc``);
* ``weak_acc_all`` — the weak baseline with each abstention scored at chance 1/k
  (:func:`workbench.metrics.correct_with_abstention` on ``teacher_label``/``covered``);
* ``student_acc`` — mean(student_label == gold) over every row;
* ``ceiling_acc`` — mean(ceiling_label == gold) over every row;
* ``pgr`` — :func:`workbench.metrics.pgr` (weak_acc_all, student_acc, ceiling_acc);
  NaN when the gap is below one accuracy point (inverted pairs included);
* ``pgr_ci_low/high``, ``pgr_undefined_share`` — the percentile bootstrap of
  :func:`workbench.metrics.pgr_interval` on the per-row scores of those three;
* ``ece_student`` — top-label ECE (15 equal-width bins, :func:`workbench.metrics.ece`)
  of ``student_conf`` against gold;
* ``student_acc_uncovered`` — student accuracy on rows the teacher did not cover;
* ``n_<category>`` — counts of the W2S categories (``category`` column).

On the whole test split with the run's seed these equal the run's ``Result.metrics``
(``weak_acc``, ``pgr``, ``pgr_ci_low`` ...; checked by the tests); the interval exactly
when ``n × n_boot <= BOOTSTRAP_BUDGET`` (5,000 rows at 1000 resamples), above that within
bootstrap noise (the same distribution, drawn from cell counts).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from . import metrics as M

__all__ = ["selection_metrics", "selection_rows", "export_selection", "METRIC_ROWS", "BOOTSTRAP_BUDGET"]

_NEEDED = ("split", "gold", "teacher_label", "covered", "student_label", "student_conf", "ceiling_label",
           "category")

#: Rows of the table :func:`selection_metrics` returns, in order.
METRIC_ROWS = ("n", "teacher_coverage", "teacher_acc_covered", "weak_acc_all", "student_acc", "ceiling_acc",
               "pgr", "pgr_ci_low", "pgr_ci_high", "pgr_undefined_share", "ece_student",
               "student_acc_covered", "student_acc_uncovered") + tuple(f"n_{c}" for c in M.CATEGORIES)

#: Above this many resampled entries (n_boot × n) the bootstrap draws cell counts instead
#: of row indices (same distribution, see :func:`_pgr_interval_counts`). Measured on 2 CPU
#: cores: index draws of 20,000 rows × 1000 take 0.9 s, of 5,000 rows 0.2 s; counts of
#: 1,000,000 rows 0.03 s. Kept low so that a selection change in a view stays interactive.
BOOTSTRAP_BUDGET = 5_000_000


def _check_points(points) -> pd.DataFrame:
    if not isinstance(points, pd.DataFrame):
        raise TypeError(f"points must be a pandas DataFrame (Result.points); got {type(points).__name__}.")
    missing = [c for c in _NEEDED if c not in points.columns]
    if missing:
        raise ValueError(f"points lacks the columns {missing}; pass a Result.points table "
                         "(workbench.results.POINT_COLUMNS).")
    return points


def selection_rows(points, indices, *, split: str | None = "test") -> tuple:
    """Positions of the selected rows and of the rest, both inside ``split``.

    Parameters
    ----------
    points : DataFrame with a ``split`` column, n rows
    indices : array-like of int positions (``points.iloc``) or bool mask of shape (n,)
    split : str or None
        Keep only rows of this split (``None``: every row).

    Returns
    -------
    (selected, rest) : two sorted int64 arrays of positions
    """
    points = _check_points(points)
    n = len(points)
    arr = _positions(n, indices)
    chosen = np.zeros(n, dtype=bool)
    chosen[arr] = True
    in_split = np.ones(n, dtype=bool) if split is None else (points["split"] == split).to_numpy(dtype=bool)
    return np.flatnonzero(chosen & in_split), np.flatnonzero(~chosen & in_split)


def _infer_n_classes(points) -> int:
    cols = [points[c].to_numpy() for c in ("gold", "teacher_label", "student_label", "ceiling_label")]
    top = max((int(c.max()) for c in cols if len(c)), default=1)
    return max(2, top + 1)


def _student_proba(label, conf, k) -> np.ndarray:
    """Probability rows with top label ``label`` and top probability ``conf``, the rest spread evenly.

    Top-label ECE depends only on the top label and its confidence, so these rows give
    exactly the ECE of the student's full probability rows.
    """
    conf = np.clip(np.asarray(conf, dtype=np.float64), 1.0 / k, 1.0)
    rows = np.repeat(((1.0 - conf) / (k - 1))[:, None], k, axis=1)
    rows[np.arange(len(label)), label] = conf
    return rows


def _score_cells(scores) -> tuple:
    """The distinct (weak, student, ceiling) score triples and how many rows hold each.

    Parameters
    ----------
    scores : three arrays of shape (n,)

    Returns
    -------
    cells : array of shape (c, 3), rows in lexicographic order (as ``np.unique(axis=0)``)
    counts : int64 array of shape (c,)

    Hash-based (``pandas.factorize`` per column, then a ``bincount`` of the joint code): O(n),
    where ``np.unique(axis=0)`` sorts the rows (1.3 s for two sides of 1,000,000 rows).
    """
    codes, uniques = zip(*(pd.factorize(np.asarray(s, dtype=np.float64), use_na_sentinel=False) for s in scores))
    sizes = [len(u) for u in uniques]
    key = np.zeros(len(codes[0]), dtype=np.int64)
    for code, size in zip(codes, sizes):
        key = key * size + code
    counts = np.bincount(key, minlength=int(np.prod(sizes)))
    present = np.flatnonzero(counts)
    parts, rest = [], present
    for size in reversed(sizes):
        rest, part = np.divmod(rest, size)
        parts.append(part)
    cells = np.stack([u[p] for u, p in zip(uniques, reversed(parts))], axis=1)
    order = np.lexsort(cells.T[::-1])
    return cells[order], counts[present][order]


def _pgr_interval_counts(scores, *, n_boot, seed, level=0.95, eps=0.01) -> M.PGRInterval:
    """:func:`workbench.metrics.pgr_interval` for large n without an (n_boot, n) index array.

    The per-row scores take few distinct (weak, student, ceiling) triples, so a bootstrap
    resample of n rows is a multinomial draw of n over those cells: the same distribution
    of resampled means, drawn in O(n_boot × cells) memory. Same ±∞ convention and
    percentile rule as ``pgr_interval`` (its draws, not its numbers for a given seed).
    """
    cells, counts = _score_cells(scores)
    n = int(counts.sum())
    draws = np.random.default_rng(seed).multinomial(n, counts / n, size=n_boot)  # (n_boot, cells)
    w, s, c = (draws @ cells[:, j] / n for j in range(3))
    gap, num = c - w, s - w
    defined = gap >= eps
    values = np.where(defined, num / np.where(defined, gap, 1.0), np.where(num >= 0, np.inf, -np.inf))
    alpha = (1 - level) / 2
    low, high = np.quantile(values, [alpha, 1 - alpha], method="inverted_cdf")
    return M.PGRInterval(float(low), float(high), float(1 - defined.mean()))


def _metrics_of(points, rows, k, n_boot, seed) -> dict:
    gold = points["gold"].to_numpy()[rows]
    teacher = points["teacher_label"].to_numpy()[rows]
    covered = points["covered"].to_numpy().astype(bool)[rows]
    student = points["student_label"].to_numpy()[rows]
    ceiling = points["ceiling_label"].to_numpy()[rows]
    n = len(rows)
    nan = float("nan")

    def mean(mask_values):
        return float(np.mean(mask_values)) if len(mask_values) else nan

    weak_scores = M.correct_with_abstention(gold, teacher, covered, n_classes=k)
    s_ok, c_ok = (student == gold).astype(np.float64), (ceiling == gold).astype(np.float64)
    out = {"n": n, "teacher_coverage": mean(covered), "teacher_acc_covered": mean(teacher[covered] == gold[covered]),
           "weak_acc_all": mean(weak_scores), "student_acc": mean(s_ok), "ceiling_acc": mean(c_ok)}
    out["pgr"] = M.pgr(out["weak_acc_all"], out["student_acc"], out["ceiling_acc"])
    if n * n_boot <= BOOTSTRAP_BUDGET:
        ci = M.pgr_interval(weak_scores, s_ok, c_ok, n_boot=n_boot, seed=seed)
    else:
        ci = _pgr_interval_counts((weak_scores, s_ok, c_ok), n_boot=n_boot, seed=seed)
    out.update(pgr_ci_low=ci.low, pgr_ci_high=ci.high, pgr_undefined_share=ci.undefined_share)
    conf = points["student_conf"].to_numpy()[rows]
    out["ece_student"] = M.ece(gold, _student_proba(student, conf, k)) if n else nan
    out["student_acc_covered"] = mean(s_ok[covered])
    out["student_acc_uncovered"] = mean(s_ok[~covered])
    counts = points["category"].iloc[rows].value_counts()  # (arrow strings: no object array of n rows)
    out.update({f"n_{c}": int(counts.get(c, 0)) for c in M.CATEGORIES})
    return out


def selection_metrics(points, indices, *, split: str | None = "test", n_classes: int | None = None,
                      n_boot: int = 1000, seed: int = 0) -> pd.DataFrame:
    """The headline metrics of the selected rows and of the rest, side by side.

    Parameters
    ----------
    points : DataFrame, n rows
        ``Result.points`` (needs ``split, gold, teacher_label, covered, student_label,
        student_conf, ceiling_label, category``).
    indices : array-like of int positions (``points.iloc``) or bool mask of shape (n,)
        The selection (e.g. ``Selection.indices``).
    split : str or None, default "test"
        Both columns count only rows of this split, as the headline does; ``None`` = all rows
        (training rows then count too: the student saw their teacher labels).
    n_classes : int, optional
        k, for scoring an abstention at chance 1/k; default: 1 + the largest label in the
        table (pass it when a class may be absent).
    n_boot : int, default 1000
        Bootstrap resamples of the PGR interval (``pgr_interval``; above
        ``BOOTSTRAP_BUDGET`` resampled entries a multinomial draw of the same distribution).
    seed : int, default 0
        Seed of the bootstrap (the run's seed reproduces its ``pgr_ci_*``).

    Returns
    -------
    DataFrame indexed by ``METRIC_ROWS`` with float columns ``selection`` and ``rest``.
    Metrics of an empty set are NaN (counts 0).
    """
    points = _check_points(points)
    if isinstance(n_boot, bool) or not isinstance(n_boot, (int, np.integer)) or n_boot < 1:
        raise ValueError(f"n_boot must be a positive integer; got {n_boot!r}.")
    if n_classes is None:
        k = _infer_n_classes(points)
    elif isinstance(n_classes, bool) or not isinstance(n_classes, (int, np.integer)) or n_classes < 2:
        raise ValueError(f"n_classes must be an integer >= 2; got {n_classes!r}.")
    else:
        k = int(n_classes)
    selected, rest = selection_rows(points, indices, split=split)
    table = {name: _metrics_of(points, rows, k, int(n_boot), seed) for name, rows in
             (("selection", selected), ("rest", rest))}
    return pd.DataFrame(table).loc[list(METRIC_ROWS)].astype(float)


def export_selection(points, indices, path) -> Path:
    """Write the selected rows (every column, plus their position ``row``) to a CSV file.

    Parameters
    ----------
    points : DataFrame, n rows
    indices : array-like of int positions or bool mask of shape (n,)
    path : str or Path
        The CSV file (its folder must exist).

    Returns
    -------
    Path of the written file. All splits are written (no split filter).
    """
    if not isinstance(points, pd.DataFrame):
        raise TypeError(f"points must be a pandas DataFrame; got {type(points).__name__}.")
    path = Path(path)
    if not path.parent.exists():
        raise ValueError(f"the folder {path.parent} does not exist; create it or choose another path.")
    rows = _positions(len(points), indices)
    frame = points.iloc[rows].copy()
    frame.insert(0, "row", rows)
    frame.to_csv(path, index=False)
    return path


def _positions(n: int, indices) -> np.ndarray:
    """Sorted unique int64 positions from positions or a bool mask of shape (n,)."""
    arr = np.asarray([] if indices is None else indices)
    if arr.dtype == bool:
        if arr.shape != (n,):
            raise ValueError(f"a boolean mask must have one entry per row ({n}); got shape {arr.shape}.")
        return np.flatnonzero(arr)
    if arr.size == 0:
        return np.empty(0, dtype=np.int64)
    if arr.ndim != 1 or arr.dtype.kind not in "iu":
        raise TypeError(f"indices must be integer row positions or a boolean mask; got dtype {arr.dtype}, "
                        f"shape {arr.shape}.")
    if arr.min() < 0 or arr.max() >= n:
        raise ValueError(f"indices must be row positions in [0, {n}); got values in [{arr.min()}, {arr.max()}].")
    return np.unique(arr.astype(np.int64))
