"""Dataset registry: ``load_dataset(name, **options)``.

Loaders register themselves with :func:`register_dataset`; each takes keyword-only
options and returns a :class:`~workbench.data.container.TextDataset`.
"""

from __future__ import annotations

import difflib
import inspect
from typing import Callable

__all__ = ["register_dataset", "load_dataset", "list_datasets"]

_REGISTRY: dict[str, Callable] = {}


def register_dataset(name: str):
    """Decorator registering ``fn(**options) -> TextDataset`` under ``name``.

    Examples
    --------
    >>> @register_dataset("my-data")          # doctest: +SKIP
    ... def load_mine(*, seed=0): ...
    """
    if not isinstance(name, str) or not name.strip():
        raise TypeError(f"a dataset name must be a non-empty string; got {name!r}.")

    def decorator(fn):
        if not callable(fn):
            raise TypeError(f"register_dataset({name!r}) decorates a loader function; got {type(fn).__name__}.")
        _REGISTRY[name] = fn
        return fn

    return decorator


def list_datasets() -> list[str]:
    """Names :func:`load_dataset` accepts, sorted."""
    _ensure_loaded()
    return sorted(_REGISTRY)


def load_dataset(name: str, **options):
    """Load a dataset by name.

    Parameters
    ----------
    name : str
        One of :func:`list_datasets`: ``"tweets"``, ``"bbc-news"``, ``"drug-reviews"``,
        ``"synthetic"``, user data ``"csv"``, ``"parquet"``, ``"dataframe"``, and the hub
        datasets ``"sciq"``, ``"boolq"``, ``"amazon_polarity"``, ``"cosmos_qa"``,
        ``"anthropic_hh"``, ``"sst2"``, ``"imdb"``.
    **options
        Passed to the loader (see its docstring, e.g. ``classes=``, ``max_per_class=``).

    Returns
    -------
    TextDataset

    Raises
    ------
    ValueError
        Unknown name (the message lists the known names and close matches).
    TypeError
        An option the loader does not take (the message lists those it takes).
    """
    _ensure_loaded()
    if not isinstance(name, str):
        raise TypeError(f"name must be a string; got {type(name).__name__}.")
    if name not in _REGISTRY:
        close = difflib.get_close_matches(name, _REGISTRY, n=3, cutoff=0.5)
        hint = f" Did you mean {', '.join(map(repr, close))}?" if close else ""
        raise ValueError(f"unknown dataset {name!r}.{hint} Known datasets: {', '.join(sorted(_REGISTRY))}.")
    loader = _REGISTRY[name]
    _check_options(name, loader, options)
    return loader(**options)


def _check_options(name: str, loader: Callable, options: dict) -> None:
    try:
        params = inspect.signature(loader).parameters
    except (TypeError, ValueError):  # builtins / C callables: let the call decide
        return
    if any(p.kind is p.VAR_KEYWORD for p in params.values()):
        return
    accepted = [p for p, v in params.items() if v.kind in (v.KEYWORD_ONLY, v.POSITIONAL_OR_KEYWORD)]
    unknown = sorted(set(options) - set(accepted))
    if unknown:
        raise TypeError(f"dataset {name!r} does not take option(s) {unknown}; it takes: "
                        f"{', '.join(accepted) or 'no options'}.")


def _ensure_loaded():
    # Import the loader modules for their @register_dataset side effects.
    from . import hub, packaged, synthetic, user  # noqa: F401
