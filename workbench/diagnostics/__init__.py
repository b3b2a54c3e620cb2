"""Gold-free diagnostics of the teacher: error score, training dynamics, neighbourhood change, review.

Pure functions over arrays and the per-point table (numpy, pandas, scikit-learn, cleanlab);
no UI imports. Glossary used throughout:

n : number of points (rows of the per-point table); k : number of classes;
E : number of recorded epochs.
teacher_labels : (n,) int64, the teacher's argmax label, -1 where it abstained.
covered : (n,) bool, the teacher gave a label.
gold : (n,) int64, true labels (only for evaluation, never for the scores themselves).
oof_proba : (n, k) student probabilities that are *out of sample* for every row: from a
    student that never trained on that row (:func:`crossfit_proba`).
epoch_proba : (E, n, k) the student's probabilities for every point after each epoch.

Modules: ``crossfit`` (out-of-fold student probabilities), ``teacher_error`` (cleanlab's
label-quality scores and their AUROC/AP against gold), ``dynamics`` (dataset cartography
toward the teacher's and the gold label), ``neighbourhood`` (kNN overlap between the weak
and strong spaces), ``review`` (a review queue's state and the budget curve), ``pipeline``
(all of them for one run: :func:`teacher_diagnostics`).
"""

from .crossfit import CrossFit, crossfit, crossfit_proba, fold_assignment, out_of_sample_proba
from .dynamics import (
    EpochProbaStore,
    cartography_region,
    cartography_thresholds,
    stack_epoch_proba,
    training_dynamics,
)
from .neighbourhood import change_by_category, change_groups, knn_indices, knn_jaccard, most_changed
from .pipeline import DIAGNOSTIC_COLUMNS, Diagnostics, teacher_diagnostics
from .review import ReviewQueue, apply_reviews, budget_curve
from .teacher_error import (
    METHODS,
    error_detection_by_split,
    error_detection_metrics,
    teacher_error_score,
)

__all__ = [
    "CrossFit", "crossfit", "crossfit_proba", "fold_assignment", "out_of_sample_proba",
    "EpochProbaStore", "cartography_region", "cartography_thresholds", "stack_epoch_proba",
    "training_dynamics", "change_by_category", "change_groups", "knn_indices", "knn_jaccard", "most_changed",
    "ReviewQueue", "apply_reviews", "budget_curve", "DIAGNOSTIC_COLUMNS", "Diagnostics", "teacher_diagnostics",
    "METHODS", "error_detection_by_split", "error_detection_metrics", "teacher_error_score",
]
