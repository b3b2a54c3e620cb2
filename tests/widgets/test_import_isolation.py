"""The engine never imports UI packages; the views load them only when used."""

from __future__ import annotations

import json
import pkgutil
import subprocess
import sys
import textwrap

import workbench

UI = ("ipywidgets", "plotly", "IPython", "anywidget")


def _run(code: str) -> dict:
    out = subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout.strip().splitlines()[-1])


def _engine_modules() -> list:
    return sorted(m.name for m in pkgutil.walk_packages(workbench.__path__, prefix="workbench."))


def test_import_workbench_works_with_ui_packages_blocked():
    modules = _engine_modules()
    probe = f"""
        import importlib, json, sys
        blocked = {UI!r}
        if BLOCK:
            for name in blocked:
                sys.modules[name] = None  # any import of it raises ImportError
        import workbench
        ok, failed = [], {{}}
        for name in {modules!r}:
            try:
                importlib.import_module(name)
                ok.append(name)
            except Exception as exc:
                failed[name] = f"{{type(exc).__name__}}: {{exc}}"
        loaded = [m for m in blocked if sys.modules.get(m) is not None]
        print(json.dumps({{"version": workbench.__version__, "ok": ok, "failed": failed, "loaded": loaded}}))
    """
    free = _run("BLOCK = False\n" + textwrap.dedent(probe))
    blocked = _run("BLOCK = True\n" + textwrap.dedent(probe))
    assert blocked["version"] == workbench.__version__
    # Every engine module that imports normally also imports with the UI packages blocked,
    # and importing the whole engine loads none of them.
    assert blocked["ok"] == free["ok"], blocked["failed"]
    assert free["loaded"] == [] and "workbench" in sys.modules
    assert free["failed"] == {} and {"workbench.experiment", "workbench.train", "workbench.encoders"} <= set(free["ok"])


def test_import_widgets_is_lazy():
    state = _run("""
        import json, sys
        import widgets, widgets.cli
        before = [m for m in ("ipywidgets", "plotly") if m in sys.modules]
        widgets.Selection
        print(json.dumps({"before": before, "all": sorted(widgets.__all__)}))
    """)
    assert state["before"] == []
    assert state["all"] == ["EmbeddingExplorer", "ModelPairPicker", "Selection", "TrainingMonitor", "Workbench"]
