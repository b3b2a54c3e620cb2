"""Lazy access to Ray: a clear error without it, and one connection per process."""

from __future__ import annotations

from .._validation import check_choice

__all__ = ["ENGINES", "RAY_MISSING", "check_engine", "require_ray", "connect", "cluster_gpus", "cluster_cpus"]

ENGINES = ("local", "ray")
RAY_MISSING = "engine='ray' needs Ray: pip install 'w2s-workbench[ray]'"


def check_engine(engine) -> str:
    """``engine`` if it is ``"local"`` or ``"ray"``; ValueError/TypeError otherwise."""
    return check_choice(engine, name="engine", choices=ENGINES)


def require_ray():
    """The ``ray`` module, or ImportError naming the extra that installs it."""
    try:
        import ray
        import ray.data  # noqa: F401  (the [data] extra: pandas/pyarrow glue of map_batches)
    except ImportError as exc:
        raise ImportError(f"{RAY_MISSING} ({exc})") from None
    return ray


def connect(address: str | None = None):
    """The ``ray`` module, connected: the running session, else ``ray.init(address=address)``.

    ``address=None`` starts (or joins, if ``RAY_ADDRESS`` is set) a local cluster;
    ``"auto"`` joins the cluster of this machine; ``"ray://head:10001"`` a remote one.
    """
    ray = require_ray()
    if address is not None and not isinstance(address, str):
        raise TypeError(f"address must be a string such as 'ray://head:10001' or 'auto'; got {type(address).__name__}.")
    if not ray.is_initialized():
        ray.init(address=address, include_dashboard=False, log_to_driver=False)
    return ray


def cluster_gpus(ray) -> int:
    """Number of GPUs the connected cluster reports (0 on a CPU-only cluster)."""
    return int(ray.cluster_resources().get("GPU", 0))


def cluster_cpus(ray) -> int:
    """Number of CPUs the connected cluster reports (at least 1)."""
    return max(1, int(ray.cluster_resources().get("CPU", 1)))
