"""w2s-workbench views: ipywidgets + plotly ``FigureWidget`` over the engine in ``workbench``.

>>> from widgets import Workbench
>>> Workbench()        # doctest: +SKIP

Each view also works on its own: :class:`ModelPairPicker`, :class:`TrainingMonitor`
(a training callback), :class:`EmbeddingExplorer`, all linked by one :class:`Selection`.
The pure figure builders are in :mod:`widgets.figures`. Names are imported lazily so
``import widgets`` (and the ``w2s`` CLI) does not load ipywidgets; ``nbformat`` (with
jsonschema and its slow ``rfc3987_syntax`` parsers, pulled in by plotly) is loaded on first
use (:mod:`widgets._deferred`).
"""

from importlib import import_module

from . import _deferred  # noqa: F401  (nbformat loads on first use: plotly needs it only for fig.show())

_EXPORTS = {
    "Workbench": "app", "EmbeddingExplorer": "explorer", "TrainingMonitor": "monitor",
    "ModelPairPicker": "picker", "Selection": "selection",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name):
    if name in _EXPORTS:
        value = getattr(import_module(f".{_EXPORTS[name]}", __name__), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'widgets' has no attribute {name!r}")


def __dir__():
    return sorted(list(globals()) + __all__)
