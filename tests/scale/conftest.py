"""One local Ray cluster for all the scale tests (2 CPUs, no dashboard), started the way
the workbench starts one: :func:`workbench.scale.start_local_cluster`, token authentication on.

Ray 2.60 binds its gRPC ports on all interfaces (0.0.0.0) and names the node by its eth0
address, so the ports *are* reachable from the network (measured in
tests/scale/test_security.py); the session token is what refuses other clients. The tests
themselves only ever connect to this machine.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="package")
def ray_cluster():
    """``ray``, a token-authenticated local cluster (``num_cpus=2``); shut down after the package's tests.

    The workers get this checkout first on ``PYTHONPATH`` (so they import the same
    ``workbench`` and the test encoders) and the hub switched off.
    """
    ray = pytest.importorskip("ray")
    pytest.importorskip("ray.data")
    if ray.is_initialized():
        ray.shutdown()
    path = os.pathsep.join(p for p in (str(ROOT), os.environ.get("PYTHONPATH", "")) if p)
    env = {"PYTHONPATH": path, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "TOKENIZERS_PARALLELISM": "false"}
    from workbench.scale import start_local_cluster

    start_local_cluster(num_cpus=2, runtime_env={"env_vars": env})
    ctx = ray.data.DataContext.get_current()
    ctx.enable_progress_bars = False
    yield ray
    ray.shutdown()
