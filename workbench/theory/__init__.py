"""Theory diagnostics: misfit-gain (Charikar et al.), expansion (Lang et al.), calibration
(Yao et al.), a representation-based predictor (Xue et al. style, our operational form),
and the model-pair matrix. Pure numpy/torch functions plus thin runners."""

from .calibration import calibration_over_epochs, teacher_vs_student_calibration
from .expansion import (
                        disagreement_rate,
                        expansion,
                        knn_graph,
                        neighbourhood,
                        robust_mistake_sets,
                        robust_neighbourhood_size,
                        robustness,
                        theorem41_bound,
                        theorem41_conditions,
                        theorem42_bound,
                        theoremB1_bound,
                        theoremB2_bound,
                        theoremB3_bound,
)
from .expansion_check import expansion_table, measure_table, retrain_predictions
from .misfit_gain import fit_line, misfit_gain_sweep, synthetic_kl_check, synthetic_regression_check
from .pair_matrix import burns_protocol, pair_matrix, representation_vs_pgr
from .representation import label_gap, principal_subspace, representation_score

__all__ = [
    "calibration_over_epochs", "teacher_vs_student_calibration", "expansion", "expansion_table", "knn_graph",
    "neighbourhood", "robust_mistake_sets", "robustness", "theorem41_bound", "disagreement_rate",
    "robust_neighbourhood_size", "theorem41_conditions", "theorem42_bound", "theoremB1_bound", "theoremB2_bound",
    "theoremB3_bound", "measure_table", "retrain_predictions", "fit_line", "misfit_gain_sweep",
    "synthetic_kl_check", "synthetic_regression_check", "burns_protocol", "pair_matrix", "representation_vs_pgr",
    "label_gap", "principal_subspace", "representation_score",
]
