"""The one teacher interface: ``fit(views, y, *, gold_index, student_index)``, ``predict(views)``,
``diagnostics()``; every teacher kind goes through it, and Experiment reads nothing else."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from workbench import EncoderPair, Experiment, load_dataset
from workbench.data import TextDataset
from workbench.methods import EnsemW2STeacher, FilteredTeacher, RavenTeacher, SelectiveTeacher
from workbench.teachers import (
    FixedTeacher,
    ProbeTeacher,
    RuleTeacher,
    Teacher,
    TeacherOutput,
    TeacherViews,
    is_teacher,
)

pytestmark = pytest.mark.usefixtures("single_thread_torch")

NAMES = ("negative", "positive")
INTERFACE = {"fit", "predict", "diagnostics"}


@pytest.fixture(scope="module")
def data():
    """A synthetic set with texts that carry the label 80% of the time (for the rule teacher)."""
    syn = load_dataset("synthetic", n=400, weak_keep=0.8, weak_noise=0.3, seed=0)
    rng = np.random.default_rng(1)
    said = np.where(rng.random(len(syn)) < 0.8, syn.labels, 1 - syn.labels)
    texts = [f"a {'good' if s else 'bad'} point {i}" for i, s in enumerate(said)]
    ds = TextDataset(name="syn-texts", ids=list(syn.ids), texts=texts, labels=syn.labels, label_names=NAMES,
                     features=syn.features)
    views = TeacherViews.from_dataset(ds, weak=ds.features["weak"], strong=ds.features["strong"])
    gold, rest = np.arange(80), np.arange(80, len(ds))
    return ds, views, gold, rest


def _teachers(ds):
    noise = np.random.default_rng(0).normal(size=ds.features["weak"].shape)
    return {
        "probe": ProbeTeacher(seed=0),
        "rules": RuleTeacher([("good", "positive"), ("bad", "negative")], label_names=NAMES),
        "fixed": FixedTeacher(np.where(np.arange(len(ds)) % 10 == 0, -1, ds.labels)),
        "raven": RavenTeacher({"noise": noise}, epochs=4, seed=0),
        "ensemw2s": EnsemW2STeacher(n_rounds=3, seed=0),
        "selective": SelectiveTeacher(pik_threshold=0.6, seed=0),
        "filtered": FilteredTeacher(drop_share=0.2, seed=0),
    }


@pytest.mark.parametrize("kind", ["probe", "rules", "fixed", "raven", "ensemw2s", "selective", "filtered"])
def test_every_teacher_kind_fits_and_labels_through_the_one_interface(data, kind):
    ds, views, gold, rest = data
    teacher = _teachers(ds)[kind]
    assert is_teacher(teacher)
    assert teacher.fit(views, ds.labels[gold], gold_index=gold, student_index=rest) is teacher
    out = teacher.predict(views)
    assert isinstance(out, TeacherOutput)
    assert out.proba.shape == (len(ds), 2) and np.allclose(out.proba.sum(1), 1)
    assert out.covered.shape == (len(ds),) and out.covered.dtype == bool and out.covered[rest].any()
    covered_rest = rest[out.covered[rest]]
    assert np.mean(out.labels[covered_rest] == ds.labels[covered_rest]) > 0.7  # better than chance on unseen rows
    assert isinstance(teacher.diagnostics(), dict)


def test_a_teacher_sees_only_the_gold_labels_it_is_given(data):
    """Changing every non-gold label of the dataset changes nothing: the views carry no labels."""
    ds, views, gold, rest = data
    flipped = TextDataset(name="flipped", ids=list(ds.ids), texts=list(ds.texts),
                          labels=np.r_[ds.labels[gold], 1 - ds.labels[rest]], label_names=NAMES)
    other = TeacherViews.from_dataset(flipped, weak=views.weak, strong=views.strong)
    for kind in ("probe", "selective", "filtered"):
        a = _teachers(ds)[kind].fit(views, ds.labels[gold], gold_index=gold, student_index=rest).predict(views)
        b = _teachers(ds)[kind].fit(other, ds.labels[gold], gold_index=gold, student_index=rest).predict(other)
        np.testing.assert_array_equal(a.proba, b.proba)
        np.testing.assert_array_equal(a.covered, b.covered)


def test_diagnostics_default_is_empty_and_probe_reports_its_history(data):
    ds, views, gold, _ = data
    assert Teacher().diagnostics() == {}
    assert _teachers(ds)["rules"].diagnostics() == {} and _teachers(ds)["fixed"].diagnostics() == {}
    probe = ProbeTeacher(epochs=5, seed=0)
    assert probe.diagnostics() == {}  # nothing before fit
    history = probe.fit(views, ds.labels[gold], gold_index=gold).diagnostics()["history"]
    assert [r.epoch for r in history] == [1, 2, 3, 4, 5] and {r.role for r in history} == {"weak"}


def test_raven_diagnostics_hold_the_weights_per_epoch(data):
    ds, views, gold, rest = data
    teacher = _teachers(ds)["raven"].fit(views, ds.labels[gold], gold_index=gold, student_index=rest)
    diag = teacher.diagnostics()
    assert teacher.member_names_ == ["weak", "noise"]
    assert len(diag["weights_history"]) == 4  # one per epoch
    assert diag["weights_history"][0] == {"weak": 0.5, "noise": 0.5}  # starts uniform
    assert diag["weights_history"] == teacher.weights_history_
    assert diag["weights"] == {"weak": pytest.approx(teacher.weights_[0]), "noise": pytest.approx(teacher.weights_[1])}
    assert diag["weights"]["weak"] > diag["weights"]["noise"]  # the informative view wins
    diag["weights_history"].clear()  # a copy: the teacher's own record is untouched
    assert len(teacher.diagnostics()["weights_history"]) == 4
    boost = _teachers(ds)["ensemw2s"].fit(views, ds.labels[gold], gold_index=gold).diagnostics()
    assert len(boost["alphas"]) == len(boost["round_errors"]) >= 1


def test_the_deprecated_strong_constructor_argument_still_gives_the_same_labels(data):
    ds, views, gold, rest = data
    S, noise = views.strong, np.random.default_rng(0).normal(size=views.weak.shape)
    weak_only = TeacherViews.from_dataset(ds, weak=views.weak)
    pairs = [
        (lambda: RavenTeacher({"weak": views.weak, "noise": noise}, strong=S, epochs=4, seed=0),
         RavenTeacher({"noise": noise}, epochs=4, seed=0)),
        (lambda: SelectiveTeacher(strong=S, pik_threshold=0.6, seed=0), SelectiveTeacher(pik_threshold=0.6, seed=0)),
        (lambda: FilteredTeacher(strong=S, drop_share=0.2, seed=0), FilteredTeacher(drop_share=0.2, seed=0)),
    ]
    for make_old, new in pairs:
        with pytest.warns(DeprecationWarning, match="views.strong"):
            old = make_old()
        a = old.fit(weak_only, ds.labels[gold], gold_index=gold, student_index=rest).predict(weak_only)
        b = new.fit(views, ds.labels[gold], gold_index=gold, student_index=rest).predict(views)
        np.testing.assert_array_equal(a.proba, b.proba)
        np.testing.assert_array_equal(a.covered, b.covered)
        assert {k: list(v) for k, v in a.extra.items()} == {k: list(v) for k, v in b.extra.items()}


def test_views_are_checked_and_missing_views_name_the_teacher(data):
    ds, views, gold, _ = data
    with pytest.raises(ValueError, match="disagree on the number of rows"):
        TeacherViews(label_names=NAMES, weak=np.ones((3, 2)), strong=np.ones((4, 2)))
    with pytest.raises(ValueError, match="at least one view"):
        TeacherViews(label_names=NAMES)
    with pytest.raises(ValueError, match="at least two class names"):
        TeacherViews(label_names=("only",), n_rows=3)
    assert TeacherViews(label_names=list(NAMES), texts=["a", "b"]).n_rows == 2
    weak_only = TeacherViews.from_dataset(ds, weak=views.weak)
    with pytest.raises(ValueError, match="SelectiveTeacher needs the strong view"):
        SelectiveTeacher().fit(weak_only, ds.labels[gold], gold_index=gold)
    with pytest.raises(ValueError, match="ProbeTeacher needs the weak view"):
        ProbeTeacher().fit(TeacherViews.from_dataset(ds), ds.labels[gold], gold_index=gold)
    with pytest.raises(ValueError, match="80 gold rows"):
        ProbeTeacher().fit(views, ds.labels[:5], gold_index=gold)
    with pytest.raises(ValueError, match="outside"):
        ProbeTeacher().fit(views, [0, 1], gold_index=[0, len(ds)])
    with pytest.raises(TypeError, match="TeacherViews.from_dataset"):
        ProbeTeacher(seed=0).fit(views, ds.labels[gold], gold_index=gold).predict(ds)  # the old predict(dataset, X)
    with pytest.raises(ValueError, match="rows it was fitted on"):
        _teachers(ds)["raven"].fit(views, ds.labels[gold], gold_index=gold).predict(
            TeacherViews(label_names=NAMES, weak=views.weak[:10], strong=views.strong[:10]))


class InterfaceOnly:
    """A teacher that is only the interface (no base class) and records every attribute read on it.

    Its labels are the nearest gold centroid on the weak view; its diagnostics name two
    made-up members so the run has something to carry into the result.
    """

    WEIGHTS = [{"a": 0.5, "b": 0.5}, {"a": 0.25, "b": 0.75}]

    def __init__(self):
        vars(self).update(seen=[], calls={})

    def __getattribute__(self, name):
        if not name.startswith("__"):
            object.__getattribute__(self, "__dict__")["seen"].append(name)
        return object.__getattribute__(self, name)

    def fit(self, views, y, *, gold_index, student_index=None):
        state = vars(self)
        state["calls"]["fit"] = (views, np.asarray(y), np.asarray(gold_index), np.asarray(student_index))
        X = views.weak[gold_index]
        state["centroids"] = np.stack([X[np.asarray(y) == c].mean(0) for c in range(views.n_classes)])
        return self

    def predict(self, views):
        state = vars(self)
        state["calls"]["predict"] = views
        dist = ((views.weak[:, None, :] - state["centroids"][None]) ** 2).sum(-1)
        logits = -(dist - dist.min(1, keepdims=True))  # a stable softmax of -distance
        proba = np.exp(logits) / np.exp(logits).sum(1, keepdims=True)
        return TeacherOutput(proba=proba, covered=np.ones(len(proba), dtype=bool))

    def diagnostics(self):
        return {"weights": dict(self.WEIGHTS[-1]), "weights_history": [dict(w) for w in self.WEIGHTS],
                "ignored": "a key Experiment does not read"}


class _Begin:
    """A training callback that keeps the ensemble weights of ``on_train_begin``."""

    def on_train_begin(self, start):
        self.weights = start.teacher_weights

    def on_epoch_end(self, record):
        return False


def test_experiment_reads_a_teacher_only_through_the_interface():
    ds = load_dataset("synthetic", n=300, seed=2)
    pair = EncoderPair(weak=ds.features["weak"], strong=ds.features["strong"])
    teacher, begin = InterfaceOnly(), _Begin()
    exp = Experiment(ds, pair, teacher=teacher, n_gold=40, seed=0, student={"epochs": 3})
    result = exp.run(projection=None, progress=False, diagnostics=False, callbacks=[begin])
    seen = vars(teacher)["seen"]
    assert set(seen) - {"WEIGHTS", "centroids"} <= INTERFACE, seen  # its own WEIGHTS read inside diagnostics
    assert {"fit", "predict", "diagnostics"} <= set(seen)
    views, y, gold, student = vars(teacher)["calls"]["fit"]
    np.testing.assert_array_equal(gold, exp.splits_.weak_train)
    np.testing.assert_array_equal(y, ds.labels[exp.splits_.weak_train])  # only the gold labels
    np.testing.assert_array_equal(student, exp.splits_.student_train)
    np.testing.assert_array_equal(views.weak, exp.X_weak_)
    np.testing.assert_array_equal(views.strong, exp.X_strong_)
    assert list(views.texts) == list(ds.texts) and views.label_names == tuple(ds.label_names)
    assert vars(teacher)["calls"]["predict"] is views
    # the diagnostics reach the result and the monitor's start
    assert result.metrics["teacher_weight_a"] == 0.25 and result.metrics["teacher_weight_b"] == 0.75
    assert [r.metrics for r in result.history["teacher_weights"]] == [
        {"teacher_weight_a": 0.5, "teacher_weight_b": 0.5}, {"teacher_weight_a": 0.25, "teacher_weight_b": 0.75}]
    assert begin.weights == InterfaceOnly.WEIGHTS
    assert result.history["weak"] == [] and exp.teacher_diagnostics_["ignored"].startswith("a key")
    assert result.config["teacher"] == "InterfaceOnly"


def test_experiment_rejects_a_teacher_without_the_interface_before_any_work():
    ds = load_dataset("synthetic", n=200, seed=0)
    pair = EncoderPair(weak=ds.features["weak"], strong=ds.features["strong"])

    class NoDiagnostics:
        def fit(self, views, y, *, gold_index, student_index=None):
            return self

        def predict(self, views):
            raise AssertionError("never reached")

    with pytest.raises(ValueError, match="diagnostics"):
        Experiment(ds, pair, teacher=NoDiagnostics(), n_gold=20)

    class BadDiagnostics(InterfaceOnly):
        def diagnostics(self):
            return [("weights", 1)]

    with pytest.raises(TypeError, match="must return a dict"):
        Experiment(ds, pair, teacher=BadDiagnostics(), n_gold=20, student={"epochs": 2}).run(
            projection=None, progress=False, diagnostics=False)


def test_with_teacher_reuses_split_and_embeddings():
    ds = load_dataset("synthetic", n=300, seed=3)
    pair = EncoderPair(weak=ds.features["weak"], strong=ds.features["strong"])
    base = Experiment(ds, pair, n_gold=40, seed=1, val_size=0.1, abstain_share=0.2, student={"epochs": 3})
    base.embed(progress=False)
    other = base.with_teacher(SelectiveTeacher(seed=1))
    assert other.X_weak_ is base.X_weak_ and other.X_strong_ is base.X_strong_
    assert {k: v for k, v in other.config().items() if k != "teacher"} == \
        {k: v for k, v in base.config().items() if k != "teacher"}
    a, b = base.run(projection=None, progress=False, diagnostics=False), \
        base.with_teacher("probe").run(projection=None, progress=False, diagnostics=False)
    np.testing.assert_array_equal(a.proba["student"], b.proba["student"])
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = other.run(projection=None, progress=False, diagnostics=False)
    assert not [w for w in caught if "views.strong" in str(w.message)]  # the new interface warns of nothing
    assert "label_source" in result.points
