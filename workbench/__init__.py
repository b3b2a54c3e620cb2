"""w2s-workbench engine: datasets, encoders, cache, teachers, training, metrics, projection.

Data flows one way: data -> encoders -> cache -> experiment -> results. This package
never imports ipywidgets, plotly or IPython (the views live in ``widgets``).

>>> from workbench import load_dataset, EncoderPair, Experiment
>>> ds = load_dataset("tweets", classes=("negative", "positive"), max_per_class=1500)
>>> pair = EncoderPair(weak="sentence-transformers/paraphrase-MiniLM-L3-v2",
...                    strong="sentence-transformers/all-mpnet-base-v2")
>>> exp = Experiment(ds, pair, teacher="probe", n_gold=200, seed=0)
>>> result = exp.embed().run()          # doctest: +SKIP

Names are imported lazily (PEP 562) so ``import workbench`` stays cheap and a
sub-module can be used on its own.
"""

from importlib import import_module

__version__ = "0.1.0"

_EXPORTS = {
    "TextDataset": "data", "Splits": "data", "make_splits": "data", "load_dataset": "data",
    "list_datasets": "data", "register_dataset": "data",
    "EncoderPair": "encoders", "HFEncoder": "encoders", "PrecomputedEncoder": "encoders",
    "EmbeddingCache": "cache",
    "ProbeTeacher": "teachers", "RuleTeacher": "teachers", "FixedTeacher": "teachers",
    "TeacherOutput": "teachers", "TeacherViews": "teachers", "Teacher": "teachers", "make_teacher": "teachers",
    "HeadTrainer": "train", "EpochRecord": "train",
    "Experiment": "experiment",
    "Result": "results", "POINT_COLUMNS": "results", "CATEGORIES": "results",
    "Projector": "projection", "project": "projection",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name):
    if name in _EXPORTS:
        value = getattr(import_module(f".{_EXPORTS[name]}", __name__), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'workbench' has no attribute {name!r}")


def __dir__():
    return sorted(list(globals()) + __all__)
