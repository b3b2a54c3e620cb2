"""Scale out on a Ray cluster: embedding into the same cache, projection of millions of points.

Ray is an optional extra (``pip install 'w2s-workbench[ray]'``); nothing here imports it
until a function runs with ``engine="ray"``, so ``import workbench`` stays light.
Importing this package registers the ``"ray"`` embedding engine with
:mod:`workbench.embedding` (which imports it on first use of ``engine="ray"``).

* :func:`ray_embed` — the same encoder in Ray actors, writing the same cache chunks;
  :func:`embed_to_cache` (from :mod:`workbench.embedding`) chooses the engine.
* :func:`project_at_scale` — fit on a seeded sample, transform the rest in chunks
  (Ray tasks with ``engine="ray"``).
* Every cluster started here runs with token authentication; a joined cluster must
  enforce it or be allowed by name (:func:`connect`, docs/security.md).
"""

from __future__ import annotations

from ..embedding import embed_to_cache, register_engine
from ._auth import UnauthenticatedClusterError, probe_cluster_auth
from ._ray import ENGINES, RAY_MISSING, check_engine, connect, require_ray, start_local_cluster
from .ray_embed import ray_embed
from .ray_project import project_at_scale

__all__ = ["ENGINES", "RAY_MISSING", "check_engine", "require_ray", "connect", "start_local_cluster",
           "UnauthenticatedClusterError", "probe_cluster_auth", "embed_to_cache", "ray_embed", "project_at_scale"]


def _ray_ready() -> None:
    require_ray()


register_engine("ray", ray_embed, ready=_ray_ready)
