"""Start JupyterLab and headless Chromium for browser tests (the JupyterLab + Playwright recipe below).

JupyterLab runs on 127.0.0.1 with a random port and token, ``--allow-root``, a temp
root dir holding a *copy* of the notebook, all JUPYTER_*/IPYTHONDIR paths inside the
temp dir, the announcements plugin disabled and ``expose_app_in_browser`` on, so a test
can run ``window.jupyterapp.commands.execute('notebook:run-all-cells')``. Chromium is
Debian's ``/usr/bin/chromium`` driven by Playwright (``playwright install`` is never run).
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def jupyter_lab(root: Path, *, timeout: float = 90.0):
    """Yield ``(base_url, token)`` of a JupyterLab serving ``root``; stopped on exit."""
    root = Path(root)
    port, token = _free_port(), secrets.token_hex(16)
    home = root / ".jupyter-home"
    settings = home / "config" / "labconfig"
    settings.mkdir(parents=True, exist_ok=True)
    (settings / "page_config.json").write_text(json.dumps(
        {"disabledExtensions": {"@jupyterlab/apputils-extension:announcements": True}}))
    venv_share = str(Path(sys.prefix) / "share" / "jupyter")
    # the kernel imports workbench/widgets from this checkout (not from wherever the venv's
    # editable install points, e.g. another worktree sharing the venv)
    repo = str(Path(__file__).resolve().parents[2])
    python_path = os.pathsep.join(p for p in (repo, os.environ.get("PYTHONPATH", "")) if p)
    env = {**os.environ, "PYTHONPATH": python_path,
           "JUPYTER_CONFIG_DIR": str(home / "config"), "JUPYTER_DATA_DIR": str(home / "data"),
           "JUPYTER_RUNTIME_DIR": str(home / "runtime"), "IPYTHONDIR": str(home / "ipython"),
           "JUPYTER_PATH": venv_share, "JUPYTER_PLATFORM_DIRS": "1"}
    log = open(root / "jupyter.log", "wb")
    proc = subprocess.Popen(
        [sys.executable, "-m", "jupyter", "lab", "--no-browser", "--allow-root", f"--port={port}",
         "--ip=127.0.0.1", f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={root}",
         "--LabApp.expose_app_in_browser=True", "--ServerApp.disable_check_xsrf=False",
         "--LabApp.news_url=", "--ServerApp.open_browser=False"],
        env=env, stdout=log, stderr=subprocess.STDOUT, cwd=root)
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_ready(base, token, proc, timeout, root / "jupyter.log")
        yield base, token
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)
        log.close()


def _wait_ready(base, token, proc, timeout, log_path):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"jupyter lab exited with {proc.returncode}:\n{log_path.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(f"{base}/api/status?token={token}", timeout=2) as r:
                if r.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError(f"jupyter lab did not start within {timeout} s:\n{log_path.read_text()[-3000:]}")


@contextlib.contextmanager
def chromium_page():
    """Yield a Playwright page of a fresh headless Chromium profile."""
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        raise RuntimeError(f"{CHROMIUM} is missing: run `bash .ci/install_browser.sh` (apt-get install chromium).")
    with sync_playwright() as p:  # launch() always starts from a new, empty profile
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1500, "height": 1100})
            yield page
        finally:
            browser.close()


def copy_notebook(src: Path, root: Path) -> str:
    """Copy a notebook into the lab root; return its name."""
    root.mkdir(parents=True, exist_ok=True)
    shutil.copy(src, root / src.name)
    return src.name


def wait_for(page, predicate, *, timeout: float = 60.0, what: str = "condition", every_ms: int = 100):
    """Poll ``predicate()`` until truthy; return its value or raise AssertionError naming ``what``."""
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        last = predicate()
        if last:
            return last
        page.wait_for_timeout(every_ms)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}; last value {last!r}")


def kernel_idle(page) -> bool:
    return page.evaluate("""() => {
        const w = window.jupyterapp && window.jupyterapp.shell.currentWidget;
        const k = w && w.sessionContext && w.sessionContext.session && w.sessionContext.session.kernel;
        return !!k && k.status === 'idle';
    }""")
