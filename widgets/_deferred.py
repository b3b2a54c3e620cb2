"""Third-party modules the views load on first use, not at import (a fast first plot).

plotly's renderer module (imported by the first ``FigureWidget``) runs
``import_module("nbformat")``; nbformat imports jsonschema, whose format checkers import
``rfc3987_syntax``, which builds three Earley parsers when it is imported: seconds before
any figure exists. plotly uses nbformat only inside ``fig.show()`` (a version check).

So ``nbformat`` starts as a stand-in module (:class:`_OnFirstUse`) that holds the real
module's spec: an ``import nbformat`` returns it at once, and the first attribute it does
not have (``nbformat.__version__``, ``nbformat.read``, ``nbformat.__path__`` for a
sub-module import) imports the real nbformat, unchanged, which then replaces the stand-in
in ``sys.modules``. (:class:`importlib.util.LazyLoader` does not help here: on Python
3.11 the import system reads the lazy module's ``__spec__``, which loads it.) A module
that is imported already is left as it is.
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
import types

__all__ = ["defer", "DEFERRED"]

#: Modules :func:`defer` registers when ``widgets`` is imported.
DEFERRED = ("nbformat",)


class _OnFirstUse(types.ModuleType):
    """Stands in for a module until an attribute it lacks is read; then imports and forwards to it."""

    def __getattr__(self, attr):
        name = self.__name__
        if sys.modules.get(name) is self:
            del sys.modules[name]  # let the import system load the real module
        try:
            real = importlib.import_module(name)
        except BaseException:
            sys.modules.setdefault(name, self)
            raise
        return getattr(real, attr)


def defer(name: str):
    """Register a stand-in for ``name`` (or return the module if it is imported); None if not installed."""
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.find_spec(name)
    if spec is None:
        return None
    stand_in = _OnFirstUse(name)
    stand_in.__spec__ = spec
    stand_in.__loader__ = spec.loader
    sys.modules[name] = stand_in
    return stand_in


for _name in DEFERRED:
    defer(_name)
