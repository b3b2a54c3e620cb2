"""Nobody without the token gets in: the Ray cluster the workbench starts refuses other clients.

What these tests measure (Ray 2.60, one machine; every connection goes to this machine):

* the cluster's processes listen on all interfaces (0.0.0.0), so the ports are
  reachable from the network: Ray offers no loopback-only bind for them;
* a second Python process with no token (no ``RAY_AUTH_TOKEN*``, ``HOME`` an empty
  folder so ``~/.ray/auth_token`` is not found) cannot submit a task: ``ray.init`` fails
  with Ray's authentication error (``AuthenticationError``: "Authentication token is
  missing or incorrect", possibly wrapped in a RuntimeError) and the task's marker file is
  never written; with a wrong token, the same;
* this process (the workbench's own connection) runs the same task and writes its marker;
* joining a cluster first probes it without a token: ours is reported "enforced"; a
  cluster started with ``RAY_AUTH_MODE=disabled`` is reported "open" and refused unless
  named in ``allow_unauthenticated``.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

import pytest

from workbench.scale import _auth
from workbench.scale._auth import UnauthenticatedClusterError, check_join, probe_cluster_auth

# A client that tries to run code on the cluster: a task that writes a marker file.
INTRUDER = textwrap.dedent(r"""
    import sys
    address, marker = sys.argv[1], sys.argv[2]
    import ray
    try:
        ray.init(address=address, log_to_driver=False)

        @ray.remote
        def touch(path):
            open(path, "w").write("ran")
            return "ran"

        print("RESULT submitted", ray.get(touch.remote(marker), timeout=120))
    except Exception as exc:  # Ray wraps the GCS's refusal (ConnectionError from RuntimeError): read the chain
        chain, seen = [], exc
        while seen is not None and len(chain) < 5:
            chain.append(f"{type(seen).__name__}: {seen}")
            seen = seen.__cause__ or seen.__context__
        text = " <- ".join(chain)
        auth = "AuthenticationError" in text or "InvalidAuthToken" in text
        print("RESULT", "refused-auth" if auth else "refused-other", text.replace("\n", " ")[:1500])
""")


def _env_without_token(home, **extra):
    env = {k: v for k, v in os.environ.items() if not k.startswith("RAY_")}
    # One connection attempt instead of ~20 (each waits ~10 s for the refusal).
    env.update(HOME=str(home), RAY_gcs_server_port_wait_time_s="1", **extra)
    return env


def _intrude(address, marker, env):
    out = subprocess.run([sys.executable, "-c", INTRUDER, address, str(marker)], env=env, capture_output=True,
                         text=True, timeout=300)
    lines = [line for line in out.stdout.splitlines() if line.startswith("RESULT ")]
    assert lines, f"the client printed no result:\n{out.stdout[-2000:]}\n{out.stderr[-2000:]}"
    return lines[-1]


def _loopback(ray):
    """The GCS address with this machine's loopback host (the GCS listens on every interface)."""
    return "127.0.0.1:" + ray.get_runtime_context().gcs_address.rsplit(":", 1)[1]


def test_the_workbench_starts_its_cluster_with_token_auth(ray_cluster):
    """Measured in this process: RAY_AUTH_MODE=token was set explicitly, Ray's driver uses
    token mode, and the session token (64 hex digits) is in no process's command line."""
    import psutil

    assert os.environ["RAY_AUTH_MODE"] == "token"
    assert _auth.driver_auth_mode() == "token"
    token = os.environ["RAY_AUTH_TOKEN"]
    assert len(token) == 64
    shown = []
    for proc in psutil.process_iter(["cmdline"]):
        if token in " ".join(proc.info["cmdline"] or ()):
            shown.append(proc.pid)
    assert shown == [], "the token must never appear on a command line (ps shows those to every user)"


def test_cluster_ports_listen_on_every_interface_so_the_token_matters(ray_cluster, capsys):
    """Measured: the GCS port of the local cluster is bound on 0.0.0.0 (all interfaces),
    not 127.0.0.1 — Ray 2.60 has no loopback-only bind for it; docs/security.md says so."""
    import psutil

    port = int(ray_cluster.get_runtime_context().gcs_address.rsplit(":", 1)[1])
    listening = {}
    for conn in psutil.net_connections("inet"):
        if conn.status == psutil.CONN_LISTEN:
            listening.setdefault(conn.laddr.port, set()).add(conn.laddr.ip)
    assert port in listening, f"the GCS port {port} is not listening"
    ray_pids = {p.pid for p in psutil.Process().children(recursive=True)}
    binds = sorted({(c.laddr.ip, c.laddr.port) for c in psutil.net_connections("inet")
                    if c.status == psutil.CONN_LISTEN and c.pid in ray_pids})
    with capsys.disabled():
        print(f"\n[ray binds] GCS {sorted(listening[port])}:{port}; all cluster listeners: "
              f"{sorted({ip for ip, _ in binds})} on {len(binds)} port(s)")
    assert listening[port] & {"0.0.0.0", "::"}, (
        f"Ray now binds the GCS on {listening[port]}: update docs/security.md and the README")


@pytest.mark.slow  # two client processes, each importing Ray and retrying for ~10 s before giving up
def test_a_process_without_the_token_cannot_submit_work(ray_cluster, tmp_path):
    """A second process with no token, then one with a wrong token, tries to run a task that
    writes a marker: both are refused with Ray's AuthenticationError and no marker appears.
    This process, holding the session token, runs the same task: its marker appears."""
    address = _loopback(ray_cluster)
    (tmp_path / "empty-home").mkdir()

    no_token = _intrude(address, tmp_path / "no-token.marker", _env_without_token(tmp_path / "empty-home"))
    assert no_token.startswith("RESULT refused-auth"), no_token
    wrong = _intrude(address, tmp_path / "wrong.marker",
                     _env_without_token(tmp_path / "empty-home", RAY_AUTH_MODE="token", RAY_AUTH_TOKEN="0" * 64))
    assert wrong.startswith("RESULT refused-auth"), wrong
    assert not (tmp_path / "no-token.marker").exists() and not (tmp_path / "wrong.marker").exists()

    @ray_cluster.remote
    def touch(path):
        with open(path, "w") as fh:
            fh.write("ran")
        return "ran"

    assert ray_cluster.get(touch.remote(str(tmp_path / "ours.marker")), timeout=120) == "ran"
    assert (tmp_path / "ours.marker").read_text() == "ran", "the workbench's own connection works"


@pytest.mark.slow  # the probe process retries for ~10 s before the cluster's refusal is final
def test_joining_probes_the_cluster_and_reports_ours_as_enforced(ray_cluster):
    """The probe (no token, empty HOME) gets an authentication refusal from our cluster."""
    verdict, detail = probe_cluster_auth(_loopback(ray_cluster))
    assert verdict == "enforced", detail


@pytest.mark.slow  # starts a second, unauthenticated cluster in a child process (~20-60 s on 2 busy cores)
def test_an_unauthenticated_cluster_is_refused_unless_named(ray_cluster, tmp_path, capsys):
    """A cluster started with RAY_AUTH_MODE=disabled answers the probe ("open"); joining it
    raises UnauthenticatedClusterError naming the opt-in, and succeeds only when named."""
    (tmp_path / "home").mkdir()
    code = ("import ray, sys; ray.init(address='local', num_cpus=1, include_dashboard=False, log_to_driver=False); "
            "print('GCS', ray.get_runtime_context().gcs_address, flush=True); sys.stdin.read(); ray.shutdown()")
    child = subprocess.Popen([sys.executable, "-c", code], env=_env_without_token(tmp_path / "home",
                                                                                   RAY_AUTH_MODE="disabled"),
                             stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        line = child.stdout.readline()
        assert line.startswith("GCS "), f"the open cluster did not start: {line!r}"
        address = "127.0.0.1:" + line.split()[1].rsplit(":", 1)[1]
        verdict, detail = probe_cluster_auth(address)
        assert verdict == "open", detail
        with pytest.raises(UnauthenticatedClusterError, match=rf"does NOT enforce.*allow_unauthenticated='{address}'"):
            check_join(address, probe=lambda a: (verdict, detail))
        assert check_join(address, allow_unauthenticated=address, probe=lambda a: (verdict, detail)) == "open"
        assert "joining because you allowed it by name" in capsys.readouterr().err
    finally:
        child.stdin.close()
        child.wait(timeout=120)
