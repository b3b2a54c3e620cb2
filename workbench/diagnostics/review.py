"""A review queue of the pseudolabels most likely wrong, and what reviewing buys.

:class:`ReviewQueue` is pure state (no widgets): the top-N covered points by a teacher-error
score, and a person's verdict on each (accept the teacher's label, or change it).
:func:`apply_reviews` turns the verdicts into new training targets: every reviewed row
becomes a one-hot target of the reviewed label (a person vouched for it), is covered, and
gets ``label_source = "reviewed"``. :func:`budget_curve` measures, with gold, how much
pseudolabel accuracy a review budget of N labels buys when the N are picked by the score,
by the teacher's own (lowest) confidence, at random (expected value) and by an oracle.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .._validation import check_int

__all__ = ["ReviewQueue", "apply_reviews", "budget_curve"]



class ReviewQueue:
    """The top-N pseudolabels by teacher-error score, with the reviews made so far.

    Parameters
    ----------
    points : pandas.DataFrame with n rows
        The per-point table (``id``, ``text``, ``teacher_label``, ``teacher_conf``, ``covered``,
        ``student_label``; ``split`` optional). Rows are addressed by position.
    score : array-like of shape (n,)
        Higher = more likely wrong (``teacher_error_score``); NaN rows are never queued.
    top : int, default 50
        Queue length (the review budget).
    splits : sequence of str or None, default ("student_train",)
        Only queue rows of these splits (the ones the student trains on); None = all rows.
    neighbors : array of shape (n, m), int, optional
        Each row's nearest neighbours (e.g. ``knn_indices(X_strong)``); adds ``nbr_agree``, the
        fraction of neighbours whose teacher label equals the row's teacher label.

    Attributes
    ----------
    items : pandas.DataFrame
        Columns ``row, id, text, split, teacher_label, teacher_conf, student_label, score``
        (+ ``nbr_agree``), plus ``reviewed_label`` (-1 = not yet) and ``status``
        (``"pending" | "accepted" | "relabelled"``), sorted by score, highest first.
    """

    def __init__(self, points, score, *, top: int = 50, splits=("student_train",), neighbors=None):
        score = np.asarray(score, dtype=np.float64)
        if score.shape != (len(points),):
            raise ValueError(f"score must have one value per row of points ({len(points)}); got shape {score.shape}.")
        missing = [c for c in ("id", "text", "teacher_label", "teacher_conf", "covered", "student_label")
                   if c not in points.columns]
        if missing:
            raise ValueError(f"points lacks columns {missing}; pass the per-point table of a Result.")
        self.top = check_int(top, name="top", minimum=1)
        self.points = points.reset_index(drop=True)
        eligible = np.isfinite(score) & self.points["covered"].to_numpy(bool)
        if splits is not None and "split" in self.points.columns:
            eligible &= self.points["split"].isin(list(splits)).to_numpy()
        rows = np.flatnonzero(eligible)
        rows = rows[np.argsort(-score[rows], kind="stable")][: self.top]
        self.score, self.splits, self.neighbors = score, splits, neighbors
        self.items = self._frame(rows, score, neighbors)

    def resized(self, top: int) -> "ReviewQueue":
        """A queue of the top ``top`` rows of the same table and score, keeping the reviews made so far
        (reviews of rows that fall out of the shorter queue are dropped)."""
        queue = ReviewQueue(self.points, self.score, top=top, splits=self.splits, neighbors=self.neighbors)
        for row, label in self.reviewed_labels().items():
            if row in set(queue.items["row"].tolist()):
                queue.relabel(row, label)
        return queue

    def _frame(self, rows, score, neighbors):
        p = self.points.iloc[rows]
        split = p["split"].to_numpy(object) if "split" in p.columns else np.full(len(rows), "", dtype=object)
        items = pd.DataFrame({"row": rows.astype(np.int64), "id": p["id"].to_numpy(object),
                              "text": p["text"].to_numpy(object), "split": split,
                              "teacher_label": p["teacher_label"].to_numpy(np.int64),
                              "teacher_conf": p["teacher_conf"].to_numpy(np.float64),
                              "student_label": p["student_label"].to_numpy(np.int64), "score": score[rows]})
        if neighbors is not None:
            nb = np.asarray(neighbors)
            if nb.ndim != 2 or len(nb) != len(self.points):
                raise ValueError(f"neighbors must have shape ({len(self.points)}, m); got {nb.shape}.")
            teacher = self.points["teacher_label"].to_numpy(np.int64)
            items["nbr_agree"] = (teacher[nb[rows]] == teacher[rows][:, None]).mean(1)
        items["reviewed_label"] = np.full(len(rows), -1, dtype=np.int64)
        items["status"] = np.full(len(rows), "pending", dtype=object)
        return items.reset_index(drop=True)

    def _position(self, row):
        hit = np.flatnonzero(self.items["row"].to_numpy() == int(row))
        if not hit.size:
            raise ValueError(f"row {row} is not in the review queue; review one of items['row'].")
        return int(hit[0])

    def accept(self, row: int) -> None:
        """The teacher's label of ``row`` is right."""
        i = self._position(row)
        self.items.loc[i, ["reviewed_label", "status"]] = [int(self.items.at[i, "teacher_label"]), "accepted"]

    def relabel(self, row: int, label: int) -> None:
        """The right label of ``row`` is ``label`` (equal to the teacher's = accept)."""
        i = self._position(row)
        label = check_int(label, name="label", minimum=0)
        status = "accepted" if label == int(self.items.at[i, "teacher_label"]) else "relabelled"
        self.items.loc[i, ["reviewed_label", "status"]] = [label, status]

    def reset(self, row: int) -> None:
        """Undo the review of ``row``."""
        i = self._position(row)
        self.items.loc[i, ["reviewed_label", "status"]] = [-1, "pending"]

    def reviewed_labels(self) -> dict:
        """``{row: label}`` of every reviewed row (accepted rows keep the teacher's label)."""
        done = self.items[self.items["status"] != "pending"]
        return {int(r): int(lab) for r, lab in zip(done["row"], done["reviewed_label"])}

    @property
    def n_reviewed(self) -> int:
        return int((self.items["status"] != "pending").sum())

    @property
    def n_changed(self) -> int:
        return int((self.items["status"] == "relabelled").sum())

    def __len__(self) -> int:
        return len(self.items)

    def __repr__(self) -> str:
        return f"ReviewQueue({len(self)} items, {self.n_reviewed} reviewed, {self.n_changed} relabelled)"


def apply_reviews(teacher_proba, covered, reviews, *, label_source=None):
    """Training targets with the reviewed labels in place of the teacher's.

    Parameters
    ----------
    teacher_proba : array of shape (n, k)
    covered : array of shape (n,), bool
    reviews : dict {row: label}
        From :meth:`ReviewQueue.reviewed_labels`.
    label_source : array of shape (n,), str, optional
        An existing ``label_source`` column (selective teachers); default ``"teacher"`` on covered
        rows and ``"uncovered"`` elsewhere.

    Returns
    -------
    proba : ndarray of shape (n, k)
        Reviewed rows are one-hot on the reviewed label; the others are unchanged.
    covered : ndarray of shape (n,), bool
        Reviewed rows are covered.
    label_source : ndarray of shape (n,), object
        ``"reviewed"`` on reviewed rows.
    """
    proba = np.array(teacher_proba, dtype=np.float64, copy=True)
    if proba.ndim != 2:
        raise ValueError(f"teacher_proba must have shape (n, k); got {proba.shape}.")
    n, k = proba.shape
    covered = np.array(covered, dtype=bool, copy=True)
    if covered.shape != (n,):
        raise ValueError(f"covered must have shape ({n},); got {covered.shape}.")
    if label_source is None:
        source = np.where(covered, "teacher", "uncovered").astype(object)
    else:
        source = np.array(label_source, dtype=object, copy=True)
        if source.shape != (n,):
            raise ValueError(f"label_source must have shape ({n},); got {source.shape}.")
    for row, label in dict(reviews).items():
        row, label = int(row), int(label)
        if not 0 <= row < n:
            raise ValueError(f"reviewed row {row} is out of range for {n} rows.")
        if not 0 <= label < k:
            raise ValueError(f"reviewed label {label} of row {row} is not a class index in [0, {k}).")
        proba[row] = 0.0
        proba[row, label] = 1.0
        covered[row], source[row] = True, "reviewed"
    return proba, covered, source


def budget_curve(score, teacher_labels, gold, covered, budgets, *, teacher_conf, seed: int = 0) -> pd.DataFrame:
    """Pseudolabel accuracy after a person fixes the top-N labels, for each budget N.

    Over the covered rows with a finite score, reviewing N rows sets their label to gold.
    Orders compared: by ``score`` (highest first), by teacher confidence (lowest first),
    random (the expected value, ``N * errors / rows`` fixed) and the oracle (errors first).

    Parameters
    ----------
    score, teacher_conf : array-like of shape (n,)
    teacher_labels, gold : array-like of shape (n,), int
    covered : array-like of shape (n,), bool
    budgets : sequence of int >= 0
    seed : int
        Breaks ties in the orders (stable after a seeded shuffle).

    Returns
    -------
    pandas.DataFrame, one row per budget: ``budget, acc_score, acc_conf, acc_random, acc_oracle,
    fixed_score, fixed_conf, gain_per_label_score, gain_per_label_conf`` (accuracy gained per
    reviewed label = ``(acc_N - acc_0) / N``; NaN at N = 0).
    """
    score, conf = np.asarray(score, dtype=np.float64), np.asarray(teacher_conf, dtype=np.float64)
    teacher_labels, gold, covered = np.asarray(teacher_labels), np.asarray(gold), np.asarray(covered, dtype=bool)
    rows = np.flatnonzero(covered & np.isfinite(score))
    if rows.size == 0:
        raise ValueError("no covered row has a finite score; nothing to review.")
    wrong = (teacher_labels[rows] != gold[rows]).astype(np.int64)
    m, errors = len(rows), int(wrong.sum())
    shuffle = np.random.default_rng(seed).permutation(m)
    by_score = shuffle[np.argsort(-score[rows][shuffle], kind="stable")]
    by_conf = shuffle[np.argsort(conf[rows][shuffle], kind="stable")]
    fixed_score = np.concatenate([[0], np.cumsum(wrong[by_score])])
    fixed_conf = np.concatenate([[0], np.cumsum(wrong[by_conf])])
    out = []
    for budget in budgets:
        N = min(check_int(budget, name="budget", minimum=0), m)
        base = (m - errors) / m
        fs, fc = int(fixed_score[N]), int(fixed_conf[N])
        out.append({"budget": N, "acc_score": (m - errors + fs) / m, "acc_conf": (m - errors + fc) / m,
                    "acc_random": base + N * errors / m / m, "acc_oracle": (m - errors + min(N, errors)) / m,
                    "fixed_score": fs, "fixed_conf": fc,
                    "gain_per_label_score": fs / m / N if N else float("nan"),
                    "gain_per_label_conf": fc / m / N if N else float("nan")})
    return pd.DataFrame(out)
