"""W2S methods on synthetic data where their advantage is checkable."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import sparse

from workbench import EncoderPair, Experiment, load_dataset
from workbench.methods import (
    NONLINEAR_STUDENT,
    EnsemW2STeacher,
    FilteredTeacher,
    RavenTeacher,
    SelectiveTeacher,
    make_linear_nonlinear,
    oracle_best_epoch,
    smooth_labels,
)
from workbench.teachers import TeacherViews


@pytest.fixture(scope="module")
def syn():
    return load_dataset("synthetic", n=900, weak_keep=0.8, weak_noise=0.3, seed=0)


def _pair(ds):
    return EncoderPair(weak=ds.features["weak"], strong=ds.features["strong"])


def test_raven_weights_the_good_teacher_over_an_adversarial_one(syn):
    rng = np.random.default_rng(0)
    adversarial = rng.normal(size=syn.features["weak"].shape)  # a view with no signal: its probe guesses
    teacher = RavenTeacher({"noise": adversarial}, weak_name="good", epochs=15, seed=0)  # the pair's weak view: "good"
    result = Experiment(syn, _pair(syn), teacher=teacher, n_gold=60, seed=0).run(projection=None, progress=False)
    assert teacher.weights_[0] > 0.8, teacher.weights_history_[-1]
    assert teacher.weights_history_[0]["good"] == pytest.approx(0.5)
    assert result.metrics["teacher_weight_good"] > result.metrics["teacher_weight_noise"]
    assert set(result.points["labelled_by"]) <= {"good", "noise"}
    assert (result.points["labelled_by"] == "good").mean() > 0.8


def test_ensemw2s_boosting_beats_its_first_weak_learner():
    ds = load_dataset("synthetic", n=1500, weak_keep=1.0, weak_noise=0.2, dim_weak=8, seed=5)
    gold = np.arange(300)
    views = TeacherViews.from_dataset(ds, weak=ds.features["weak"])
    boosted = EnsemW2STeacher(n_rounds=6, seed=0).fit(views, ds.labels[gold], gold_index=gold)
    first = boosted.probes_[0]
    rest = np.arange(300, 1500)
    acc_first = np.mean(first.predict(ds.features["weak"][rest]) == ds.labels[rest])
    out = boosted.predict(views)
    acc_boost = np.mean(out.labels[rest] == ds.labels[rest])
    assert len(boosted.alphas_) >= 2 and all(a > 0 for a in boosted.alphas_)
    assert acc_boost >= acc_first - 0.01


def test_graph_smoothing_flips_an_isolated_wrong_label_in_a_homogeneous_cluster():
    n = 10
    graph = sparse.csr_matrix(np.ones((n, n)) - np.eye(n))  # one cluster, everyone linked
    proba = np.tile([0.9, 0.1], (n, 1))
    proba[3] = [0.2, 0.8]  # the odd one out
    out = smooth_labels(proba, graph, smooth=0.7)
    assert out.argmax(1).tolist() == [0] * n
    assert (out[np.arange(n) != 3].argmax(1) == 0).all()


def test_selective_teacher_uses_strong_labels_where_pik_is_high(syn):
    teacher = SelectiveTeacher(pik_threshold=0.6, seed=0)
    result = Experiment(syn, _pair(syn), teacher=teacher, n_gold=120, seed=0).run(projection=None, progress=False)
    src = result.points["label_source"]
    assert set(src) <= {"weak", "strong_self", "smoothed"} and (src == "strong_self").any()
    knows = teacher.pik() >= 0.6
    own = teacher.strong_probe_.predict(syn.features["strong"])
    assert (result.points["teacher_label"].to_numpy()[knows] == own[knows]).all()


def test_filtering_removes_low_confidence_and_disputed_labels(syn):
    teacher = FilteredTeacher(drop_share=0.25, seed=0)
    result = Experiment(syn, _pair(syn), teacher=teacher, n_gold=60, seed=0).run(projection=None, progress=False)
    pts = result.points
    assert set(pts["label_source"]) <= {"kept", "low_confidence", "disputed"}
    assert not pts.loc[pts["label_source"] != "kept", "covered"].any()
    assert (pts["label_source"] == "disputed").any() and (pts["label_source"] == "low_confidence").any()
    assert (pts["label_source"] == "low_confidence").mean() == pytest.approx(0.25, abs=0.002)  # the drop share
    assert result.metrics["teacher_coverage"] < 1


def test_linear_to_nonlinear_student_corrects_early_then_degrades():
    ds = make_linear_nonlinear(n=600, seed=0)  # data-scarce: 350 student-train points
    result = Experiment(ds, _pair(ds), n_gold=100, seed=0, student=NONLINEAR_STUDENT).run(projection=None, progress=False)
    history = result.history["student"]
    acc = np.array([r.metrics["student_acc"] for r in history])
    best = oracle_best_epoch(history)
    assert best < len(history), "the best epoch comes before the end"
    assert acc.max() > result.metrics["weak_acc"], "early on the student corrects the teacher"
    assert acc.max() - acc[-1] >= 0.02, "over-training on the teacher's labels degrades it"
