"""More weak-to-strong methods from the literature, as Teachers that plug into Experiment.

Names are imported lazily (PEP 562): the dataset registry imports
``workbench.methods.nonlinear`` and must not pull in torch through the teachers.
"""

from importlib import import_module

_EXPORTS = {
    "RavenTeacher": "ensembles", "EnsemW2STeacher": "ensembles",
    "SelectiveTeacher": "selective", "FilteredTeacher": "selective", "smooth_labels": "selective",
    "make_linear_nonlinear": "nonlinear", "oracle_best_epoch": "nonlinear", "NONLINEAR_STUDENT": "nonlinear",
    "compare_methods": "compare", "METHODS": "compare",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name):
    if name in _EXPORTS:
        value = getattr(import_module(f".{_EXPORTS[name]}", __name__), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'workbench.methods' has no attribute {name!r}")
