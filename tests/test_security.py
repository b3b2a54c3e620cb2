"""Security of the surfaces that are not Ray (the Ray cluster: tests/scale/test_security.py).

* the HTML report escapes every user string (title, configuration, label names, texts);
* ``make lab`` serves JupyterLab on 127.0.0.1 only, with a token (kept off the command
  line), and passes ``--allow-root`` only when make runs as root.

Model loading without remote code and "no pickle anywhere" are checked in
tests/test_robustness.py; the cache folder's permissions in tests/test_cache.py.
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def test_the_report_escapes_every_user_string():
    """Measured: a report whose title, configuration, label names and texts carry script and
    tag injections contains none of them raw; the only <script> tags are plotly's own."""
    from tests.widgets.conftest import XSS, make_points, make_record
    from widgets.report import report_html
    from workbench.results import Result

    pts = make_points(120)  # its first text is XSS
    y = pts["gold"].to_numpy()[(pts["split"] == "test").to_numpy()]
    history = [make_record(e, 3, y) for e in (1, 2, 3)]
    names = (XSS, "pos</script><img src=x onerror=alert(2)>")
    result = Result(points=pts, metrics=dict(history[-1].metrics), history={"student": history}, proba={},
                    label_names=names, config={"dataset": XSS, XSS: "value"})
    page = report_html(result, title=XSS)
    for raw in ("<script>alert", "<img src=x", "<b>bold</b>", "</script><img"):
        assert raw not in page, f"{raw!r} reached the report unescaped"
    assert page.count("<script") == page.count("</script>") >= 2
    assert "&lt;script&gt;alert(" in page, "the title and configuration are shown, escaped"


def _lab_command(venv: str) -> str:
    out = subprocess.run(["make", "-n", "lab", f"VENV={venv}"], cwd=ROOT, capture_output=True, text=True,
                         check=True).stdout
    recipe = out[out.index("JUPYTER_TOKEN="):]
    return re.sub(r"\\\n\s*", " ", recipe).strip().splitlines()[0]


def test_make_lab_binds_loopback_with_a_token_and_allow_root_only_as_root():
    command = _lab_command(sys.prefix)
    assert "--ServerApp.ip=127.0.0.1" in command
    assert command.startswith("JUPYTER_TOKEN=$(") and "token_urlsafe(32)" in command
    assert ("--allow-root" in command) == (os.getuid() == 0)
    assert "IdentityProvider.token=" not in command and "--ServerApp.token" not in command, "no token in argv"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.slow  # starts JupyterLab (~10-30 s on 2 busy cores)
def test_make_lab_refuses_requests_without_its_token(tmp_path):
    """Runs the ``make lab`` recipe (plus --no-browser and a free port): the server listens
    on 127.0.0.1 only, answers /api/status with 403 without the token and 200 with it."""
    import psutil

    pytest.importorskip("jupyterlab")
    port = _free_port()
    command = _lab_command(sys.prefix) + f" --no-browser --port={port} --ServerApp.port_retries=0"
    env = {**os.environ, "HOME": str(tmp_path), "JUPYTER_CONFIG_DIR": str(tmp_path / "cfg"),
           "JUPYTER_RUNTIME_DIR": str(tmp_path / "rt"), "JUPYTER_DATA_DIR": str(tmp_path / "data")}
    log = open(tmp_path / "lab.log", "w")
    proc = subprocess.Popen(command, shell=True, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
                            start_new_session=True)
    try:
        deadline = time.time() + 180
        while time.time() < deadline and f"127.0.0.1:{port}/lab" not in (tmp_path / "lab.log").read_text():
            assert proc.poll() is None, (tmp_path / "lab.log").read_text()[-2000:]
            time.sleep(0.5)
        text = (tmp_path / "lab.log").read_text()
        assert f"http://127.0.0.1:{port}/lab?token=..." in text, text[-2000:]  # Jupyter masks an env token
        servers = [p for p in psutil.Process(proc.pid).children(recursive=True) if "jupyter" in " ".join(p.cmdline())]
        token = servers[0].environ()["JUPYTER_TOKEN"]  # what the user's shell handed it (same user only)
        assert len(token) >= 40 and token not in " ".join(servers[0].cmdline())
        pids = {p.pid for p in psutil.Process(proc.pid).children(recursive=True)} | {proc.pid}
        binds = {c.laddr.ip for c in psutil.net_connections("inet")
                 if c.status == psutil.CONN_LISTEN and c.laddr.port == port and c.pid in pids}
        assert binds == {"127.0.0.1"}, binds
        url = f"http://127.0.0.1:{port}/api/status"
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(url, timeout=30)
        assert refused.value.code == 403
        with urllib.request.urlopen(urllib.request.Request(url, headers={"Authorization": f"token {token}"}),
                                    timeout=30) as ok:
            assert ok.status == 200
    finally:
        os.killpg(proc.pid, 15)
        proc.wait(timeout=60)
        log.close()
