"""The Burns et al. protocol, once: weak probe → pseudolabels → student; ceiling on gold.

Every caller — :class:`workbench.Experiment`, the theory sweeps
(:func:`workbench.theory.misfit_gain_sweep`, :func:`workbench.theory.pair_matrix`) and the
method comparison — goes through these functions with the same head configuration, so a
fix to the protocol lands everywhere (docs/science.md, "One Burns protocol").

* :func:`make_student` builds the student head from user options (validated up front).
* :func:`fit_probe` is the weak teacher of the probe kind: a linear head on weak features
  trained on the gold labels of ``splits.weak_train``.
* :func:`fit_ceiling` trains the strong head on gold labels; its L2 strength ``C`` is
  chosen by stratified K-fold cross-validation on those gold labels (the ceiling is the
  best strong model, and may use gold), independently of the student's options.
* :func:`fit_student` trains the student on the covered student-train rows' teacher
  labels; anything it tunes comes from teacher-labelled validation data, never gold.
* :func:`burns_protocol` runs ceiling then student and returns both.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass

import numpy as np

from .train import HeadTrainer

__all__ = ["STUDENT_DEFAULTS", "PROBE_PARAMS", "CEILING_CS", "make_student", "fit_probe", "fit_ceiling",
           "fit_student", "burns_protocol", "BurnsOutput", "probe_protocol", "ProbeRun", "one_hot"]

#: Defaults of the student head (HeadTrainer's own defaults, stated here once). ``targets="soft"``
#: (the teacher's probability rows, Burns et al.) was kept by measurement against ``"hard"`` (the
#: argmax: scikit-learn's LogisticRegression on the teacher's labels): each wins on three of six
#: dataset/model settings, and only soft targets keep Charikar et al.'s misfit–gain relation
#: (docs/science.md, "The student trainer").
STUDENT_DEFAULTS = dict(head="linear", loss="xent", targets="soft", optimizer="lbfgs", epochs=30, C=1.0)
#: The probe teacher: a linear head on weak features, hard gold targets.
PROBE_PARAMS = dict(head="linear", targets="hard", optimizer="lbfgs", epochs=25, C=1.0)
#: Grid of L2 strengths the ceiling's cross-validation chooses from (as LogisticRegressionCV).
CEILING_CS = (0.1, 1.0, 10.0, 100.0)
#: Epochs of the ceiling (fixed: it does not follow the student's epoch setting).
CEILING_EPOCHS = 30

_STUDENT_KEYS = set(STUDENT_DEFAULTS) | {"hidden", "iters_per_epoch", "lr", "weight_decay", "batch_size",
                                         "aux_weight", "warmup_frac", "warmup", "patience", "standardize",
                                         "device"}


def one_hot(y, k: int) -> np.ndarray:
    """(n,) class indices -> (n, k) float32 one-hot rows."""
    out = np.zeros((len(y), k), dtype=np.float32)
    out[np.arange(len(y)), np.asarray(y)] = 1.0
    return out


def make_student(student=None, *, seed: int = 0) -> HeadTrainer:
    """The student head from ``None`` (defaults), a dict of HeadTrainer options, or a HeadTrainer.

    Raises
    ------
    TypeError, ValueError
        Unknown option names or invalid values, with the valid names listed.
    """
    if isinstance(student, HeadTrainer):
        return copy.deepcopy(student)
    if isinstance(student, dict) and "finetune" in student or getattr(student, "input_kind", None) == "texts":
        from .students import make_student as make_any_student  # the fine-tuning student (optional extra)

        return make_any_student(student, seed=seed)
    if student is None:
        student = {}
    if not isinstance(student, dict):
        raise TypeError(f"student must be None, a dict of HeadTrainer options or a HeadTrainer; "
                        f"got {type(student).__name__}.")
    unknown = sorted(set(student) - _STUDENT_KEYS)
    if unknown:
        raise ValueError(f"unknown student option(s) {unknown}; valid options: {sorted(_STUDENT_KEYS)}.")
    return HeadTrainer(**{**STUDENT_DEFAULTS, "seed": seed, **student})


def fit_probe(X_weak, y, gold_index, *, n_classes: int, seed: int = 0, **overrides) -> HeadTrainer:
    """The probe teacher fitted on the gold rows ``gold_index`` of ``X_weak`` (n, d_w).

    ``overrides`` replace entries of :data:`PROBE_PARAMS` (e.g. ``epochs``, ``C``).
    """
    idx = np.asarray(gold_index, dtype=np.int64)
    probe = HeadTrainer(**{**PROBE_PARAMS, **overrides, "seed": seed})
    return probe.fit(np.asarray(X_weak)[idx], one_hot(np.asarray(y)[idx], n_classes))


def _ceiling_head(student: HeadTrainer, C: float) -> HeadTrainer:
    params = student.get_params()
    params.update(loss="xent", targets="hard", patience=None, epochs=CEILING_EPOCHS, C=C)
    return HeadTrainer(**params)


def _stratified_folds(y, n_folds: int, seed: int) -> list[np.ndarray]:
    rng = np.random.default_rng(seed)
    folds = [[] for _ in range(n_folds)]
    for cls in np.unique(y):
        rows = rng.permutation(np.flatnonzero(y == cls))
        for j, part in enumerate(np.array_split(rows, n_folds)):
            folds[j].extend(part.tolist())
    return [np.sort(np.asarray(f, dtype=np.int64)) for f in folds if f]


def select_ceiling_C(X, y, *, n_classes: int, student: HeadTrainer, Cs=CEILING_CS, n_folds: int = 3,
                     seed: int = 0) -> tuple[float, dict]:
    """C with the best mean stratified K-fold accuracy on gold labels ``y`` (ties: the smaller C).

    Returns
    -------
    (C, scores) : the chosen C and ``{C: mean fold accuracy}``.
    """
    y = np.asarray(y)
    n_folds = int(min(n_folds, np.bincount(y, minlength=n_classes)[np.bincount(y, minlength=n_classes) > 0].min()))
    if n_folds < 2 or len(Cs) == 1:
        return float(Cs[len(Cs) // 2] if n_folds < 2 else Cs[0]), {}
    folds = _stratified_folds(y, n_folds, seed)
    scores = {}
    for C in Cs:
        accs = []
        for held in folds:
            train = np.setdiff1d(np.arange(len(y)), held)
            head = _ceiling_head(student, C).fit(X[train], one_hot(y[train], n_classes))
            accs.append(float(np.mean(head.predict(X[held]) == y[held])))
        scores[float(C)] = float(np.mean(accs))
    best = max(scores.values())
    return min(c for c, s in scores.items() if s >= best - 1e-12), scores


def fit_ceiling(X_strong, y, train_index, *, n_classes: int, student: HeadTrainer, X_eval=None,
                on_record=None, seed: int = 0, Cs=CEILING_CS) -> HeadTrainer:
    """The strong ceiling: the student's head kind trained on gold labels of ``train_index``.

    Loss ``xent`` on hard gold targets, ``CEILING_EPOCHS`` epochs whatever the student's
    epochs, and ``C`` chosen by :func:`select_ceiling_C` (stored as ``ceiling.C_scores_``).
    """
    idx = np.asarray(train_index, dtype=np.int64)
    X, yy = np.asarray(X_strong)[idx], np.asarray(y)[idx]
    C, scores = select_ceiling_C(X, yy, n_classes=n_classes, student=student, Cs=Cs, seed=seed)
    ceiling = _ceiling_head(student, C)
    ceiling.fit(X, one_hot(yy, n_classes), X_eval=X_eval, on_record=on_record)
    ceiling.C_scores_ = scores
    return ceiling


def fit_student(student: HeadTrainer, X_strong, teacher_proba, train_index, *, val_index=(), X_eval=None,
                callbacks=(), on_record=None, stop_event=None) -> HeadTrainer:
    """Train ``student`` on the teacher's probability rows of ``train_index`` (covered rows only).

    ``val_index`` rows (teacher-labelled) give the validation loss and early stopping.
    """
    train = np.asarray(train_index, dtype=np.int64)
    if len(train) == 0:
        raise ValueError("the teacher abstained on every student-train example, so there is nothing to "
                         "train the student on; lower the abstention (abstain_below / abstain_share) or use "
                         "rules that match more texts.")
    val = np.asarray(val_index, dtype=np.int64)
    X_strong = X_strong if isinstance(X_strong, _TextRows) else np.asarray(X_strong)
    if isinstance(X_eval, _TextRows):
        X_eval = X_eval.all()
    student.fit(X_strong[train], teacher_proba[train],
                X_val=X_strong[val] if len(val) else None, y_val_proba=teacher_proba[val] if len(val) else None,
                X_eval=X_eval, callbacks=list(callbacks), on_record=on_record, stop_event=stop_event)
    return student


class _TextRows:
    """Texts indexed like an array (``rows[index_array]`` -> list of str) for text students."""

    def __init__(self, texts):
        self.texts = list(texts)

    def __len__(self):
        return len(self.texts)

    def __getitem__(self, index):
        return [self.texts[int(i)] for i in np.asarray(index).ravel()]

    def all(self):
        return list(self.texts)


def _fit_finetune_ceiling(student, rows, y, train_index, *, n_classes, X_eval=None, on_record=None):
    """The fine-tuning student's ceiling: the same model fine-tuned the same way on gold labels."""
    from .students import make_ceiling

    idx = np.asarray(train_index, dtype=np.int64)
    ceiling = make_ceiling(student)
    ceiling.fit(rows[idx], one_hot(np.asarray(y)[idx], n_classes),
                X_eval=None if X_eval is None else X_eval.all(), on_record=on_record)
    return ceiling


@dataclass
class BurnsOutput:
    """What :func:`burns_protocol` returns: the fitted ``student`` and ``ceiling`` heads."""

    student: HeadTrainer
    ceiling: HeadTrainer


def burns_protocol(X_strong, y, splits, teacher_proba, covered, *, n_classes: int, student=None, seed: int = 0,
                   X_eval=None, callbacks=(), on_record=None, on_ceiling_record=None, before_student=None,
                   stop_event=None, texts=None) -> BurnsOutput:
    """Ceiling on the student-train split's gold labels, then the student on its teacher labels.

    Parameters
    ----------
    X_strong : ndarray of shape (n, d_s)
    y : ndarray of shape (n,)
        Gold labels (only ``splits.student_train``'s are used, by the ceiling).
    splits : Splits
    teacher_proba : ndarray of shape (n, k)
    covered : ndarray of shape (n,) bool
        The student trains on covered student-train rows; validation uses covered val rows.
    student : None, dict or HeadTrainer
        :func:`make_student` input.
    X_eval : ndarray of shape (m, d_s), optional
        Points whose probabilities every epoch record carries.
    before_student : callable(ceiling, student), optional
        Called between the two fits (the Experiment announces training to its callbacks).
    """
    covered = np.asarray(covered, dtype=bool)
    head = make_student(student, seed=seed)
    if getattr(head, "input_kind", "features") == "texts":  # a fine-tuned strong model: texts in
        if texts is None:
            raise ValueError("a fine-tuning student needs the dataset's texts (burns_protocol(texts=...)).")
        X_strong = _TextRows(texts)
        X_eval = None if X_eval is None else X_strong
        ceiling = _fit_finetune_ceiling(head, X_strong, y, splits.student_train, n_classes=n_classes,
                                        X_eval=X_eval, on_record=on_ceiling_record)
    else:
        ceiling = fit_ceiling(X_strong, y, splits.student_train, n_classes=n_classes, student=head, X_eval=X_eval,
                              on_record=on_ceiling_record, seed=seed)
    if before_student is not None:
        before_student(ceiling, head)
    fit_student(head, X_strong, teacher_proba, splits.student_train[covered[splits.student_train]],
                val_index=splits.val[covered[splits.val]], X_eval=X_eval, callbacks=callbacks,
                on_record=on_record, stop_event=stop_event)
    return BurnsOutput(student=head, ceiling=ceiling)


@dataclass
class ProbeRun:
    """:func:`probe_protocol`'s output: every row's probabilities of the three models.

    Attributes
    ----------
    proba : dict with ``weak``, ``teacher``, ``student``, ``ceiling`` arrays of shape (n, k)
    covered : ndarray of shape (n,) bool
    heads : BurnsOutput
    """

    proba: dict
    covered: np.ndarray
    heads: BurnsOutput


def probe_protocol(X_weak, X_strong, y, splits, *, n_classes: int, student=None, seed: int = 0,
                   abstain_share=None) -> ProbeRun:
    """The whole protocol with the probe teacher on arrays: what the theory sweeps run.

    Parameters
    ----------
    X_weak, X_strong : ndarray of shape (n, d_w), (n, d_s)
    y : ndarray of shape (n,)
    splits : Splits
    student : None, dict or HeadTrainer
    abstain_share : float or None
        The probe abstains on this share of rows it is least confident about.
    """
    from .teachers import least_confident  # teachers build on this module

    probe = fit_probe(X_weak, y, splits.weak_train, n_classes=n_classes, seed=seed)
    p_w = probe.predict_proba(X_weak)
    covered = np.ones(len(p_w), dtype=bool)
    if abstain_share:
        covered = ~least_confident(p_w.max(1), abstain_share)
    heads = burns_protocol(X_strong, y, splits, p_w, covered, n_classes=n_classes, student=student, seed=seed)
    proba = {"weak": p_w, "teacher": p_w, "student": heads.student.predict_proba(X_strong),
             "ceiling": heads.ceiling.predict_proba(X_strong)}
    return ProbeRun(proba=proba, covered=covered, heads=heads)
