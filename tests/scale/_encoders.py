"""Encoders for the Ray tests; a module of their own so Ray workers import them by name."""

from __future__ import annotations

import os
import uuid
from pathlib import Path

import numpy as np


class FileCountingEncoder:
    """Character-statistics features (n, 4); every ``encode`` call leaves a file in ``calls_dir``.

    Calls made inside Ray actors are counted across processes this way. With
    ``crash_text``, the first call whose first text is ``crash_text`` kills its process
    with ``os._exit(1)`` (a dead worker, not an exception) and leaves ``marker`` so a
    retry of that chunk succeeds; without ``marker`` every attempt at that chunk dies.
    """

    name = "test/file-counting"

    def __init__(self, calls_dir, *, crash_text=None, marker=None, delay: float = 0.0):
        self.calls_dir = Path(calls_dir)
        self.crash_text, self.marker, self.delay = crash_text, None if marker is None else Path(marker), delay

    def cache_identity(self):
        return {"kind": "file-counting", "version": 1}

    def encode(self, texts, *, batch_size=None, progress=False):
        texts = list(texts)
        if self.crash_text is not None and texts[0] == self.crash_text:
            if self.marker is None:
                os._exit(1)
            if not self.marker.exists():
                self.marker.write_text(str(os.getpid()))
                os._exit(1)
        if self.delay:
            import time

            time.sleep(self.delay)
        self.calls_dir.mkdir(parents=True, exist_ok=True)
        (self.calls_dir / f"{uuid.uuid4().hex}.call").write_text("\n".join(texts))
        return np.array([[len(t), sum(map(ord, t)) % 97, t.count("e"), 1.0] for t in texts], np.float32)


def calls(calls_dir) -> list[list[str]]:
    """The texts of every recorded ``encode`` call."""
    folder = Path(calls_dir)
    return [p.read_text().split("\n") for p in folder.glob("*.call")] if folder.exists() else []
