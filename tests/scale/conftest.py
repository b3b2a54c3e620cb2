"""One local Ray cluster for all the scale tests (2 CPUs, no dashboard, this machine only).

Ray 2.60 binds its ports on all interfaces and names the node by its eth0 address even
with ``_node_ip_address="127.0.0.1"`` (measured), but every process it talks to runs on
this machine; nothing goes beyond the host.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="package")
def ray_cluster():
    """``ray``, initialised with ``num_cpus=2`` on this machine; shut down after the package's tests.

    The workers get this checkout first on ``PYTHONPATH`` (so they import the same
    ``workbench`` and the test encoders) and the hub switched off.
    """
    ray = pytest.importorskip("ray")
    pytest.importorskip("ray.data")
    if ray.is_initialized():
        ray.shutdown()
    path = os.pathsep.join(p for p in (str(ROOT), os.environ.get("PYTHONPATH", "")) if p)
    env = {"PYTHONPATH": path, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "TOKENIZERS_PARALLELISM": "false"}
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False, runtime_env={"env_vars": env})
    ctx = ray.data.DataContext.get_current()
    ctx.enable_progress_bars = False
    yield ray
    ray.shutdown()
