"""Scale out on a Ray cluster: embedding into the same cache, projection of millions of points.

Ray is an optional extra (``pip install 'w2s-workbench[ray]'``); nothing here imports it
until a function runs with ``engine="ray"``, so ``import workbench`` stays light.

* :func:`embed_to_cache` — ``engine="local"`` is :meth:`EmbeddingCache.embed`;
  ``engine="ray"`` runs the same encoder in Ray actors and writes the same chunks.
* :func:`project_at_scale` — fit on a seeded sample, transform the rest in chunks
  (Ray tasks with ``engine="ray"``).
"""

from __future__ import annotations

from ._ray import ENGINES, RAY_MISSING, check_engine, require_ray
from .ray_embed import embed_to_cache, ray_embed
from .ray_project import project_at_scale

__all__ = ["ENGINES", "RAY_MISSING", "check_engine", "require_ray", "embed_to_cache", "ray_embed",
           "project_at_scale"]
