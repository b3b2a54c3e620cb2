"""A fast first plot: showing a saved result imports neither torch nor transformers, nor the
jsonschema/rfc3987_syntax stack plotly pulls in through nbformat (issue 16, point 7).

Each check runs in a fresh interpreter and reads its ``sys.modules``.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
HEAVY = ("torch", "transformers", "sentence_transformers", "umap", "sklearn", "jsonschema", "rfc3987_syntax", "lark")


def _fresh(code: str) -> dict:
    """Run ``code`` in a fresh Python at the repository root; it prints one JSON line, returned here."""
    env = {**os.environ, "PYTHONPATH": str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    proc = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=300)
    if proc.returncode != 0:
        raise AssertionError(f"the fresh interpreter failed:\n{proc.stderr[-3000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


LOADED = "import json, sys; print(json.dumps(sorted(m for m in {heavy!r} if m in sys.modules)))"


def test_importing_widgets_and_results_loads_no_torch_or_transformers():
    loaded = _fresh("import widgets, workbench, workbench.results\n" + LOADED.format(heavy=HEAVY))
    assert loaded == []


@pytest.fixture(scope="module")
def saved_run(tmp_path_factory):
    from workbench import EncoderPair, Experiment, load_dataset

    ds = load_dataset("synthetic", n=300, seed=0)
    pair = EncoderPair(weak=ds.features["weak"], strong=ds.features["strong"])
    result = Experiment(ds, pair, n_gold=40, seed=0, student={"epochs": 3}).run(projection="pca", progress=False,
                                                                              diagnostics=False)
    folder = tmp_path_factory.mktemp("saved") / "run"
    result.save(folder)
    return folder


@pytest.mark.parametrize("view", ["EmbeddingExplorer", "Workbench"])
def test_the_first_plot_of_a_saved_result_loads_none_of_the_heavy_stack(saved_run, view):
    figures = "explorer.figures" if view == "EmbeddingExplorer" else "explorer.explorer.figures"
    code = (f"from workbench.results import Result\nfrom widgets import {view}\n"
            f"explorer = {view}(Result.load({str(saved_run)!r}))\n"
            f"assert sum(len(t.x) for t in {figures}['weak'].data if t.x is not None) > 0\n"
            + LOADED.format(heavy=HEAVY))
    assert _fresh(code) == []


def test_nbformat_still_works_when_used_after_the_views_deferred_it():
    code = """
import json, sys
import widgets, plotly.io._renderers as R
before = type(sys.modules["nbformat"]).__name__
version = R.nbformat.__version__          # what plotly's fig.show() reads
import nbformat, nbformat.v4
text = nbformat.writes(nbformat.v4.new_notebook())
print(json.dumps([before, version, type(sys.modules["nbformat"]).__name__, nbformat.reads(text, as_version=4).nbformat,
                  "jsonschema" in sys.modules]))
"""
    before, version, after, major, jsonschema_loaded = _fresh(code)
    assert before == "_OnFirstUse" and after == "module"
    assert version.count(".") >= 1 and major == 4 and jsonschema_loaded  # the real nbformat, fully loaded
