"""Embedding into the cache with a choice of engine: a small registry, ``"local"`` built in.

The core path never imports an optional layer: ``engine="local"`` is
:meth:`EmbeddingCache.embed` (the chunked, checksummed loop of :mod:`workbench.cache`).
Other engines register themselves with :func:`register_engine` when their package is
imported; :data:`PROVIDERS` names the package of each known optional engine, which is
imported on first use (``"ray"``: :mod:`workbench.scale`, which does not import Ray
until a Ray engine actually runs). So ``import workbench`` stays light and
``engine="ray"`` without the extra fails with the extra's own ImportError.

An engine is two callables:

* ``embed(cache, encoder, dataset, *, chunk_size, progress, stop_event, on_chunk,
  return_array, **options)`` — same result as :meth:`EmbeddingCache.embed`;
* ``ready()`` — raises (ImportError naming the extra) when the engine cannot run here;
  called before any work.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import Callable

from ._validation import check_choice

__all__ = ["Engine", "PROVIDERS", "register_engine", "engine_names", "check_engine", "require_engine",
           "get_engine", "embed_to_cache"]

#: Optional engines and the package that registers each when imported.
PROVIDERS = {"ray": "workbench.scale"}


@dataclass(frozen=True)
class Engine:
    """One embedding engine: ``embed`` fills the cache, ``ready`` fails early when it cannot run."""

    name: str
    embed: Callable
    ready: Callable[[], None]


def _local_embed(cache, encoder, dataset, *, chunk_size=512, progress=True, stop_event=None, on_chunk=None,
                 return_array=True, **options):
    # Cluster options (address, num_workers) mean nothing in this process: ignored, as documented.
    return cache.embed(encoder, dataset, chunk_size=chunk_size, progress=progress, stop_event=stop_event,
                       on_chunk=on_chunk, return_array=return_array)


def _always_ready() -> None:
    return None


_ENGINES: dict = {"local": Engine("local", _local_embed, _always_ready)}


def register_engine(name: str, embed: Callable, *, ready: Callable[[], None] = _always_ready) -> Engine:
    """Register (or replace) the engine ``name``; returns its :class:`Engine`."""
    if not isinstance(name, str) or not name:
        raise TypeError(f"an engine name must be a non-empty string; got {name!r}.")
    if not callable(embed) or not callable(ready):
        raise TypeError(f"engine {name!r} needs callable embed and ready functions.")
    _ENGINES[name] = Engine(name, embed, ready)
    return _ENGINES[name]


def engine_names() -> tuple:
    """Names accepted as ``engine``: the registered ones and the known optional ones, sorted."""
    return tuple(sorted(set(_ENGINES) | set(PROVIDERS)))


def check_engine(engine) -> str:
    """``engine`` if it names a registered or known engine; ValueError/TypeError otherwise."""
    return check_choice(engine, name="engine", choices=engine_names())


def get_engine(engine) -> Engine:
    """The :class:`Engine` called ``engine``, importing its provider package on first use."""
    name = check_engine(engine)
    if name not in _ENGINES:
        importlib.import_module(PROVIDERS[name])  # registers it (imports no optional library)
    if name not in _ENGINES:
        raise RuntimeError(f"package {PROVIDERS[name]!r} did not register engine {name!r}.")
    return _ENGINES[name]


def require_engine(engine) -> str:
    """``engine``, checked and ready to run here (e.g. ImportError naming the Ray extra)."""
    found = get_engine(engine)
    found.ready()
    return found.name


def embed_to_cache(cache, encoder, dataset, *, engine: str = "local", address: str | None = None,
                   num_workers: int | None = None, chunk_size: int = 512, progress: bool = True,
                   stop_event=None, on_chunk=None, return_array: bool = True):
    """:meth:`EmbeddingCache.embed` with a choice of engine (same arguments, same result).

    Parameters
    ----------
    cache : EmbeddingCache
    encoder : Encoder
    dataset : TextDataset
        Its ``texts`` (n,) are embedded.
    engine : str, default "local"
        ``"local"`` embeds in this process; ``"ray"`` in Ray actors
        (:func:`workbench.scale.ray_embed`, needs the ``w2s-workbench[ray]`` extra).
    address, num_workers :
        Cluster options of a distributed engine (ignored by ``"local"``).
    chunk_size, progress, stop_event, on_chunk, return_array :
        As :meth:`EmbeddingCache.embed`.

    Returns
    -------
    ndarray of shape (n, d) float32, or the cache folder when ``return_array=False``.
    """
    found = get_engine(engine)
    found.ready()
    return found.embed(cache, encoder, dataset, address=address, num_workers=num_workers, chunk_size=chunk_size,
                       progress=progress, stop_event=stop_event, on_chunk=on_chunk, return_array=return_array)
