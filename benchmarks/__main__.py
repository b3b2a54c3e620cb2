"""Run every benchmark and write ``benchmarks/RESULTS.md`` (``python -m benchmarks``).

Options: ``--only embed,train,widgets,memory,e2e,ray`` to run a subset (the Markdown file is
rebuilt from whatever JSON files exist in ``benchmarks/out``).
"""

from __future__ import annotations

import argparse
import importlib
import json
import sys
import time
from pathlib import Path

from ._common import OUT, machine

ALL = ("embed", "train", "widgets", "memory", "e2e", "ray")
RESULTS = Path(__file__).resolve().parent / "RESULTS.md"


def _table(rows: list[dict]) -> str:
    if not rows:
        return "(no rows)\n"
    keys = list(rows[0])
    for r in rows[1:]:
        keys += [k for k in r if k not in keys]
    head = "| " + " | ".join(keys) + " |\n|" + "---|" * len(keys) + "\n"
    return head + "".join("| " + " | ".join(_cell(r.get(k, "")) for k in keys) + " |\n" for r in rows)


def _cell(v) -> str:
    if isinstance(v, float):
        return f"{v:.4g}"
    return str(v)


def write_markdown(command: str) -> Path:
    """Rebuild RESULTS.md from ``benchmarks/out/*.json``."""
    parts = ["# Benchmark results\n",
             f"Command: `{command}`  \nWritten: {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}\n"]
    m = machine()
    parts.append("Machine: " + ", ".join(f"{k} {v}" for k, v in m.items() if k != "date") + "\n")
    for name in ALL:
        path = OUT / f"{name}.json"
        if path.exists():
            data = json.loads(path.read_text())
            parts.append(f"\n## {name}\n\nTaken {data['machine'].get('date')}.\n\n{_table(data['rows'])}")
    RESULTS.write_text("\n".join(parts))
    return RESULTS


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--only", default=",".join(ALL))
    args = parser.parse_args(argv)
    for name in args.only.split(","):
        print(f"== {name}", flush=True)
        importlib.import_module(f"benchmarks.bench_{name}").main([])
    print(write_markdown("python -m benchmarks " + " ".join(sys.argv[1:])))


if __name__ == "__main__":
    main()
