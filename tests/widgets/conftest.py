"""Fixtures for the headless widget tests: a synthetic per-point table with exactly the
contract columns (``workbench.results.POINT_COLUMNS``, categories by
``workbench.metrics.point_categories``), real ``EpochRecord``/``Result`` objects, and a
fast fake experiment that follows the callback protocol of ``docs/ARCHITECTURE.md``
(the real ``Experiment`` is driven in ``test_engine_integration.py``)."""

from __future__ import annotations

import threading
import time
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from workbench.metrics import point_categories
from workbench.results import POINT_COLUMNS, Result
from workbench.train import EpochRecord

LABEL_NAMES = ("negative", "positive")
XSS = "<script>alert('x')</script> & <b>bold</b>"


def make_points(n=300, *, k=2, seed=0, coords=True):
    """A per-point table with the contract columns and consistent categories."""
    rng = np.random.default_rng(seed)
    gold = rng.integers(0, k, n)
    covered = rng.random(n) < 0.8
    teacher = np.where(rng.random(n) < 0.75, gold, (gold + rng.integers(1, k, n)) % k) if k > 1 else gold
    student = np.where(rng.random(n) < 0.85, gold, (gold + 1) % k)
    teacher_label = np.where(covered, teacher, -1)
    texts = [f"example {i} about topic {gold[i]}" for i in range(n)]
    texts[0] = XSS
    centres = rng.normal(0, 4, (k, 2))
    weak_xy = centres[gold] + rng.normal(0, 2.5, (n, 2))
    strong_xy = centres[gold] + rng.normal(0, 1.0, (n, 2))
    nan = np.full(n, np.nan)
    frame = pd.DataFrame({
        "id": [f"ex{i}" for i in range(n)],
        "split": rng.choice(["weak_train", "student_train", "test"], n, p=[0.1, 0.6, 0.3]).astype(object),
        "text": texts,
        "gold": gold.astype(np.int64),
        "teacher_label": teacher_label.astype(np.int64),
        "teacher_conf": rng.uniform(0.5, 1.0, n),
        "covered": covered,
        "student_label": student.astype(np.int64),
        "student_conf": rng.uniform(0.5, 1.0, n),
        "weak_label": teacher.astype(np.int64),
        "ceiling_label": gold.astype(np.int64),
        "ceiling_conf": rng.uniform(0.5, 1.0, n),
        "category": point_categories(gold, teacher_label, covered, student),
        "map_weak_x": weak_xy[:, 0] if coords else nan,
        "map_weak_y": weak_xy[:, 1] if coords else nan,
        "map_strong_x": strong_xy[:, 0] if coords else nan,
        "map_strong_y": strong_xy[:, 1] if coords else nan,
    })
    return frame[list(POINT_COLUMNS)]


def make_embeddings(points, *, seed=0):
    """Weak (n, 8) and strong (n, 16) float32 embeddings clustered by gold label."""
    rng = np.random.default_rng(seed)
    gold = points["gold"].to_numpy()
    k = int(gold.max()) + 1
    out = {}
    for space, d, noise in (("weak", 8, 2.0), ("strong", 16, 0.5)):
        centres = rng.normal(0, 1, (k, d))
        out[space] = (centres[gold] + rng.normal(0, noise, (len(gold), d))).astype(np.float32)
    return out


def make_record(epoch, n_epochs, y_eval, *, k=2, seed=0):
    """An epoch record whose student gets better with every epoch."""
    rng = np.random.default_rng(seed + epoch)
    right = rng.random(len(y_eval)) < 0.6 + 0.3 * epoch / n_epochs
    pred = np.where(right, y_eval, (y_eval + 1) % k)
    conf = rng.uniform(0.55, 0.99, len(y_eval))
    proba = np.full((len(y_eval), k), 0.0)
    proba[np.arange(len(y_eval)), pred] = conf
    proba[np.arange(len(y_eval)), (pred + 1) % k] += 1 - conf
    acc = float(right.mean())
    metrics = {"student_acc": acc, "weak_acc": 0.7, "ceiling_acc": 0.9, "pgr": (acc - 0.7) / 0.2,
               "misfit_sq": 0.01 * epoch, "gain_sq": 0.011 * epoch, "misfit_kl": 0.02 * epoch,
               "gain_kl": float("nan"), "gain_xent": 0.018 * epoch, "ece_student": 0.05,
               "ece_student_vs_teacher": 0.04, "train_loss": 1.0 / epoch, "val_loss": None}
    return EpochRecord(epoch, n_epochs, 1.0 / epoch, None, proba, metrics)


class FakeExperiment:
    """A fast experiment with the engine's run/embed/project API and callback protocol."""

    def __init__(self, points=None, *, n_epochs=5, epoch_delay=0.0, fail=None, label_names=LABEL_NAMES):
        self.points = points if points is not None else make_points(200, coords=False)
        self.embeddings = make_embeddings(self.points)
        self.n_epochs, self.epoch_delay, self.fail = n_epochs, epoch_delay, fail
        self.label_names = label_names
        self.on_progress = None
        self.X_weak_ = self.X_strong_ = None
        self.started = threading.Event()
        self.calls = []

    def _report(self, stage, fraction):
        if self.on_progress is not None:
            self.on_progress(stage, fraction)

    def embed(self, *, progress=True, stop_event=None):
        self.calls.append("embed")
        for role in ("weak", "strong"):
            for f in (0.0, 0.5, 1.0):
                self._report(f"embedding ({role})", f)
        if self.fail is not None:
            raise self.fail
        self.X_weak_, self.X_strong_ = self.embeddings["weak"], self.embeddings["strong"]
        return self

    def project(self, *, method="umap", progress=True):
        self.calls.append(f"project:{method}")
        rng = np.random.default_rng(1)
        return {s: rng.normal(size=(len(self.points), 2)).astype(np.float32) for s in ("weak", "strong")}

    def run(self, *, callbacks=(), stop_event=None, projection="pca", progress=True):
        self.calls.append("run")
        if self.X_weak_ is None:
            self.embed(progress=progress, stop_event=stop_event)
        test = self.points.index[self.points["split"] == "test"].to_numpy()
        y_eval = self.points["gold"].to_numpy()[test]
        teacher_eval = self.points["teacher_label"].to_numpy()[test]
        info = {"label_names": self.label_names, "n_epochs": self.n_epochs, "y_eval": y_eval,
                "teacher_eval": teacher_eval, "weak_acc": 0.7, "ceiling_acc": 0.9,
                "weak_proba_eval": None, "ceiling_proba_eval": None}
        for cb in callbacks:
            if hasattr(cb, "on_train_begin"):
                cb.on_train_begin(info)
        self.started.set()
        history = []
        for epoch in range(1, self.n_epochs + 1):
            record = make_record(epoch, self.n_epochs, y_eval)
            history.append(record)
            self._report("student", epoch / self.n_epochs)
            stop = any(bool(cb.on_epoch_end(record)) for cb in callbacks if hasattr(cb, "on_epoch_end"))
            if stop or (stop_event is not None and stop_event.is_set()):
                break
            time.sleep(self.epoch_delay)
        points = self.points.copy()
        if projection is not None:
            coords = self.project(method=projection)
            for s in ("weak", "strong"):
                points[f"map_{s}_x"], points[f"map_{s}_y"] = coords[s][:, 0], coords[s][:, 1]
        result = Result(points=points, metrics={**history[-1].metrics, "student_epochs": len(history)},
                            history={"student": history}, proba={}, label_names=self.label_names,
                            config={"projection": projection})
        for cb in callbacks:
            if hasattr(cb, "on_train_end"):
                cb.on_train_end(result)
        return result


@pytest.fixture
def fakes():
    """The helpers of this module as one namespace (tests never import conftest)."""
    return SimpleNamespace(make_points=make_points, make_embeddings=make_embeddings, make_record=make_record,
                           FakeExperiment=FakeExperiment, Result=Result, LABEL_NAMES=LABEL_NAMES, XSS=XSS)


@pytest.fixture
def points():
    return make_points(300)


@pytest.fixture
def embeddings(points):
    return make_embeddings(points)


class MessageLog:
    """Captures what a widget sends to the front end (its comm messages)."""

    def __init__(self, widget):
        self.messages = []
        widget.comm.send = lambda data=None, buffers=None, **kw: self.messages.append((data, buffers or []))

    def updates(self):
        """The plotly ``_py2js_update`` payloads sent so far (None resets left out)."""
        return [d["state"]["_py2js_update"] for d, _ in self.messages
                if d.get("method") == "update" and d["state"].get("_py2js_update")]


@pytest.fixture
def message_log():
    return MessageLog


@pytest.fixture(scope="module")
def synth():
    """A small synthetic dataset with weak and strong features (the real-experiment widget tests)."""
    from workbench import load_dataset

    return load_dataset("synthetic", n=400, n_classes=2, seed=0)
