"""Lazy access to Ray: a clear error without it, one authenticated connection per process."""

from __future__ import annotations

import os

from ..embedding import check_engine
from ._auth import check_join, enable_token_auth

__all__ = ["ENGINES", "RAY_MISSING", "check_engine", "require_ray", "connect", "start_local_cluster",
           "cluster_gpus", "cluster_cpus"]

ENGINES = ("local", "ray")
RAY_MISSING = "engine='ray' needs Ray: pip install 'w2s-workbench[ray]'"
_LOCAL = (None, "", "local")


def require_ray():
    """The ``ray`` module, or ImportError naming the extra that installs it."""
    try:
        import ray
        import ray.data  # noqa: F401  (the [data] extra: pandas/pyarrow glue of map_batches)
    except ImportError as exc:
        raise ImportError(f"{RAY_MISSING} ({exc})") from None
    return ray


def connect(address: str | None = None, *, allow_unauthenticated: str | None = None):
    """The ``ray`` module, connected: the running session, else a new or joined cluster.

    ``address=None`` (and no ``$RAY_ADDRESS``) or ``"local"`` starts a local cluster with
    token authentication (:func:`start_local_cluster`). Any other address (``"auto"``:
    the cluster of this machine, ``"host:6379"``, ``"ray://head:10001"``) is joined after
    :func:`workbench.scale._auth.check_join` has printed whether it enforces
    authentication; one that does not is refused unless named in
    ``allow_unauthenticated`` or ``$W2S_RAY_ALLOW_UNAUTHENTICATED``. An already
    initialised Ray session (your own ``ray.init``) is used as it is.
    """
    ray = require_ray()
    if address is not None and not isinstance(address, str):
        raise TypeError(f"address must be a string such as 'ray://head:10001' or 'auto'; got {type(address).__name__}.")
    if ray.is_initialized():
        return ray
    target = address if address is not None else os.environ.get("RAY_ADDRESS")
    if target in _LOCAL:
        return start_local_cluster()
    check_join(target, allow_unauthenticated=allow_unauthenticated)
    ray.init(address=target, log_to_driver=False)
    return ray


def start_local_cluster(**init_options):
    """Start a local Ray cluster with token authentication switched on explicitly; returns ``ray``.

    ``RAY_AUTH_MODE=token`` is set (overriding a ``disabled`` in the environment) and,
    unless ``RAY_AUTH_TOKEN`` / ``RAY_AUTH_TOKEN_PATH`` is set, a random token for this
    session (environment only; no file). ``init_options`` go to ``ray.init`` (defaults:
    no dashboard, no worker logs on the driver). Ray binds its gRPC ports on all
    interfaces regardless (measured, see docs/security.md): the token is what keeps
    other machines out.
    """
    ray = require_ray()
    if ray.is_initialized():
        raise RuntimeError("Ray is already initialised in this process; call ray.shutdown() first.")
    enable_token_auth(for_new_cluster=True)
    options = {"include_dashboard": False, "log_to_driver": False, **init_options}
    ray.init(address="local", **options)
    return ray


def cluster_gpus(ray) -> int:
    """Number of GPUs the connected cluster reports (0 on a CPU-only cluster)."""
    return int(ray.cluster_resources().get("GPU", 0))


def cluster_cpus(ray) -> int:
    """Number of CPUs the connected cluster reports (at least 1)."""
    return max(1, int(ray.cluster_resources().get("CPU", 1)))
