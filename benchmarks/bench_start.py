"""A warm start: seconds from a fresh Python process to the first figure, and what they go to.

Two ways to the first plot, each in a fresh process (one untimed round, then 3 repeats
alternated with the peer, median):

* ``saved run``: ``Result.load(run_dir)`` and the explorer's first FigureWidget (what a
  notebook does to look at a finished ``w2s run``);
* ``warm experiment``: ``load_dataset`` + ``Experiment.embed()`` from the warm cache +
  ``run(projection="pca")`` + the explorer (what notebook 00 does on a second visit).

The peer is the floor any plot of the table pays: a fresh process that imports pandas and
plotly, reads the same ``points.parquet`` and builds one ``FigureWidget`` scatter of it.
``python -X importtime`` of the saved-run path gives the cumulative import seconds of the
heavy packages (torch, plotly's widget stack, ...), so the report says what dominates.

The run folder is made once with ``w2s run`` (L3 -> L6 on 600 tweets, PCA) into a
temporary cache, unless ``--run-dir`` names an existing one.

    python -m benchmarks.bench_start [--run-dir runs/demo] [--max-per-class 300] [--paths "saved run,peer"]

``--paths`` times a subset (e.g. only the saved run and the peer, when the warm
experiment's embeddings are not cached and embedding them would load the machine).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time

from ._common import machine, write_json

SAVED_RUN = r"""
import time
t0 = time.perf_counter()
from workbench.results import Result
from widgets import EmbeddingExplorer
explorer = EmbeddingExplorer(Result.load({run_dir!r}))
n = sum(len(t.x) for t in explorer.figures["weak"].data if t.x is not None)
print("SECONDS", time.perf_counter() - t0, n)
"""

WARM_EXPERIMENT = r"""
import time
t0 = time.perf_counter()
from workbench import load_dataset, EncoderPair, Experiment
from widgets import EmbeddingExplorer
ds = load_dataset("tweets", classes=("negative", "positive"), max_per_class={mpc}, seed=0)
exp = Experiment(ds, EncoderPair(weak={weak!r}, strong={strong!r}), n_gold={n_gold}, seed=0)
exp.embed(progress=False)
result = exp.run(projection="pca", progress=False)
explorer = EmbeddingExplorer(result, embeddings={{"weak": exp.X_weak_, "strong": exp.X_strong_}})
n = sum(len(t.x) for t in explorer.figures["weak"].data if t.x is not None)
print("SECONDS", time.perf_counter() - t0, n)
"""

PEER = r"""
import time
t0 = time.perf_counter()
import pandas as pd
import plotly.graph_objects as go
points = pd.read_parquet({points!r})
fig = go.FigureWidget(go.Scattergl(x=points.index.to_numpy(), y=points["teacher_conf"].to_numpy(), mode="markers"))
print("SECONDS", time.perf_counter() - t0, len(fig.data[0].x))
"""

HEAVY = ("torch", "torch._dynamo", "transformers", "plotly.basewidget", "nbformat", "jsonschema", "rfc3987_syntax",
         "pandas", "pyarrow", "ipywidgets", "anywidget", "sklearn", "scipy", "umap", "workbench.results",
         "workbench.train", "widgets.explorer", "widgets.figures")


def _python(code: str, env: dict, *, importtime: bool = False) -> tuple[float, float, str]:
    """(wall seconds of the process, seconds it printed, stderr) of ``python -c code``."""
    cmd = [sys.executable, *(["-X", "importtime"] if importtime else []), "-c", code]
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True)
    wall = time.perf_counter() - t0
    if proc.returncode != 0:
        raise RuntimeError(f"benchmark process failed:\n{proc.stderr[-3000:]}")
    inner = float(next(line.split()[1] for line in proc.stdout.splitlines() if line.startswith("SECONDS")))
    return wall, inner, proc.stderr


def import_seconds(stderr: str, names=HEAVY) -> dict[str, float]:
    """Cumulative import seconds of ``names`` from ``-X importtime`` output (first import of each)."""
    out = {}
    for line in stderr.splitlines():
        if not line.startswith("import time:") or "|" not in line:
            continue
        _, cumulative, name = (part.strip() for part in line[len("import time:"):].split("|"))
        if name in names and name not in out and cumulative.isdigit():
            out[name] = int(cumulative) / 1e6
    return out


def _make_run(tmp: str, env: dict, args) -> str:
    run_dir = os.path.join(tmp, "run")
    subprocess.run([sys.executable, "-m", "widgets.cli", "run", "--max-per-class", str(args.max_per_class),
                    "--weak", args.weak, "--strong", args.strong, "--n-gold", str(args.n_gold),
                    "--projection", "pca", "--no-progress", "--out", run_dir],
                   env=env, check=True, capture_output=True)
    return run_dir


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--run-dir", default=None, help="an existing `w2s run` folder (default: make one)")
    parser.add_argument("--max-per-class", type=int, default=300)
    parser.add_argument("--n-gold", type=int, default=200)
    parser.add_argument("--weak", default="sentence-transformers/paraphrase-MiniLM-L3-v2")
    parser.add_argument("--strong", default="sentence-transformers/all-MiniLM-L6-v2")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--paths", default="saved run,warm experiment,peer",
                        help="comma-separated subset of: saved run, warm experiment, peer")
    args = parser.parse_args(argv)
    chosen = [p.strip() for p in args.paths.split(",") if p.strip()]
    unknown = sorted(set(chosen) - {"saved run", "warm experiment", "peer"})
    if unknown or "peer" not in chosen:
        parser.error(f"--paths takes 'saved run', 'warm experiment' and 'peer' (peer always); got {args.paths!r}")
    with tempfile.TemporaryDirectory() as tmp:
        env = {**os.environ, "HF_HUB_OFFLINE": "1"}
        if args.run_dir is None:
            env["W2S_CACHE_DIR"] = os.path.join(tmp, "cache")
            run_dir = _make_run(tmp, env, args)  # also warms the embedding cache for WARM_EXPERIMENT
        else:
            run_dir = args.run_dir
        scripts = {"saved run": SAVED_RUN.format(run_dir=run_dir),
                   "warm experiment": WARM_EXPERIMENT.format(mpc=args.max_per_class, weak=args.weak,
                                                             strong=args.strong, n_gold=args.n_gold),
                   "peer": PEER.format(points=os.path.join(run_dir, "points.parquet"))}
        scripts = {name: code for name, code in scripts.items() if name in chosen}
        for code in scripts.values():  # once untimed: "warm" includes the OS file cache
            _python(code, env)
        times = {name: [] for name in scripts}
        for _ in range(args.repeats):
            for name, code in scripts.items():
                times[name].append(_python(code, env)[:2])
        stderr = _python(scripts["saved run"], env, importtime=True)[2] if "saved run" in scripts else ""
    peer_wall = statistics.median(w for w, _ in times["peer"])
    rows = []
    for name in [p for p in ("saved run", "warm experiment") if p in scripts]:
        wall = statistics.median(w for w, _ in times[name])
        rows.append({"path": name, "first_plot_process_s": wall,
                     "first_plot_in_process_s": statistics.median(i for _, i in times[name]),
                     "peer_process_s": peer_wall, "ratio_vs_peer": wall / peer_wall, "target_s": 5.0})
    imports = import_seconds(stderr)
    rows.append({"path": "saved run: cumulative import seconds", **{k: round(v, 3) for k, v in imports.items()}})
    for row in rows:
        print(row, flush=True)
    write_json("start", {"machine": machine(), "load_average": os.getloadavg(), "rows": rows})
    return rows


if __name__ == "__main__":
    main()
