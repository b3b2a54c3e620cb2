"""Experiment and Result on small synthetic data (precomputed weak/strong views)."""

from __future__ import annotations

import json
import threading

import numpy as np
import pandas as pd
import pytest

from workbench import CATEGORIES, POINT_COLUMNS, EncoderPair, Experiment, Result, load_dataset
from workbench import metrics as M


@pytest.fixture(scope="module")
def synth():
    return load_dataset("synthetic", n=800, n_classes=2, seed=0)


@pytest.fixture(scope="module")
def result(synth, tmp_path_factory):
    pair = EncoderPair(weak=synth.features["weak"], strong=synth.features["strong"])
    exp = Experiment(synth, pair, n_gold=40, seed=0, val_size=0.1,
                     cache=_cache(tmp_path_factory.mktemp("cache")))
    return exp.run(projection="pca", progress=False)


def _cache(root):
    from workbench import EmbeddingCache

    return EmbeddingCache(root)


def test_points_table_has_the_contract_columns_and_one_row_per_example(synth, result):
    pts = result.points
    assert tuple(pts.columns[: len(POINT_COLUMNS)]) == POINT_COLUMNS
    assert len(pts) == len(synth)
    assert set(pts["split"]) == {"weak_train", "student_train", "val", "test"}
    assert (pts["gold"].to_numpy() == synth.labels).all()
    assert set(pts["category"]) <= set(CATEGORIES)
    assert pts[["map_weak_x", "map_strong_y"]].notna().all().all()


def test_categories_follow_the_definitions(result):
    pts = result.points
    covered = pts["covered"].to_numpy()
    t_right = pts["teacher_label"].to_numpy() == pts["gold"].to_numpy()
    s_right = pts["student_label"].to_numpy() == pts["gold"].to_numpy()
    cat = pts["category"].to_numpy()
    assert (cat[covered & ~t_right & s_right] == "corrected").all()
    assert (cat[covered & t_right & ~s_right] == "corrupted").all()
    assert (cat[~covered & s_right] == "uncovered_right").all()


def test_metrics_agree_with_the_table(result):
    test = result.split("test")
    m = result.metrics
    assert m["student_acc"] == pytest.approx((test["student_label"] == test["gold"]).mean())
    assert m["ceiling_acc"] == pytest.approx((test["ceiling_label"] == test["gold"]).mean())
    assert m["weak_acc"] == pytest.approx((test["weak_label"] == test["gold"]).mean())
    expected_pgr = M.pgr(m["weak_acc"], m["student_acc"], m["ceiling_acc"])
    assert m["pgr"] == pytest.approx(expected_pgr, nan_ok=True)
    assert m["pgr_ci_low"] <= m["pgr"] <= m["pgr_ci_high"]
    # synthetic data knows p*, so the exact KL gain is defined
    assert np.isfinite(m["gain_kl"]) and np.isfinite(m["misfit_kl"])


def test_strong_view_helps_on_synthetic_data(result):
    m = result.metrics
    assert m["ceiling_acc"] > m["weak_acc"], "the synthetic strong view must carry more signal"


def test_history_has_student_epochs_with_metrics(result):
    student = result.history["student"]
    assert len(student) >= 1
    last = student[-1]
    for key in ("student_acc", "weak_acc", "ceiling_acc", "pgr", "misfit_sq", "gain_sq", "ece_student"):
        assert key in last.metrics
    assert last.proba.shape == (result.metrics["n_test"], 2)


def test_result_round_trips_through_disk_without_pickle(result, tmp_path):
    out = result.save(tmp_path / "run")
    loaded = Result.load(out)
    pd.testing.assert_frame_equal(loaded.points, result.points)
    assert loaded.metrics["student_acc"] == pytest.approx(result.metrics["student_acc"])
    assert loaded.label_names == result.label_names
    np.testing.assert_allclose(loaded.proba["student"], result.proba["student"])
    assert len(loaded.history["student"]) == len(result.history["student"])
    json.loads((out / "metrics.json").read_text())  # strict JSON (NaN written as null)


def test_load_of_a_non_result_folder_is_a_clear_error(tmp_path):
    with pytest.raises(ValueError, match="not a saved result"):
        Result.load(tmp_path)


def test_callbacks_see_begin_epochs_end_and_can_stop(synth, tmp_path):
    events = []

    class Spy:
        def on_train_begin(self, info):
            events.append(("begin", info["n_epochs"], len(info["y_eval"])))

        def on_epoch_end(self, record):
            events.append(("epoch", record.epoch))
            return record.epoch >= 3

        def on_train_end(self, result):
            events.append(("end", len(result.history["student"])))

    pair = EncoderPair(weak=synth.features["weak"], strong=synth.features["strong"])
    exp = Experiment(synth, pair, n_gold=40, seed=0, cache=_cache(tmp_path))
    res = exp.run(callbacks=[Spy()], projection=None, progress=False)
    assert events[0][0] == "begin"
    assert [e for e in events if e[0] == "epoch"] == [("epoch", 1), ("epoch", 2), ("epoch", 3)]
    assert events[-1] == ("end", 3)
    assert res.metrics["student_epochs"] == 3


def test_stop_event_ends_training(synth, tmp_path):
    stop = threading.Event()
    stop.set()
    pair = EncoderPair(weak=synth.features["weak"], strong=synth.features["strong"])
    res = Experiment(synth, pair, n_gold=40, seed=0, cache=_cache(tmp_path)).run(
        stop_event=stop, projection=None, progress=False)
    assert res.metrics["student_epochs"] == 1


def test_same_seed_same_result(synth, tmp_path):
    pair = EncoderPair(weak=synth.features["weak"], strong=synth.features["strong"])
    a = Experiment(synth, pair, n_gold=40, seed=3, cache=_cache(tmp_path)).run(projection=None, progress=False)
    b = Experiment(synth, pair, n_gold=40, seed=3, cache=_cache(tmp_path)).run(projection=None, progress=False)
    np.testing.assert_array_equal(a.points["student_label"], b.points["student_label"])
    assert a.metrics["pgr"] == pytest.approx(b.metrics["pgr"], nan_ok=True)


def test_abstaining_teacher_gives_uncovered_points(synth, tmp_path):
    pair = EncoderPair(weak=synth.features["weak"], strong=synth.features["strong"])
    res = Experiment(synth, pair, n_gold=40, seed=0, abstain_below=0.8,
                     cache=_cache(tmp_path)).run(projection=None, progress=False)
    pts = res.points
    assert (~pts["covered"]).any() and pts["covered"].any()
    assert (pts.loc[~pts["covered"], "teacher_label"] == -1).all()
    assert 0 < res.metrics["teacher_coverage"] < 1
    assert np.isfinite(res.metrics["student_acc_uncovered"])


def test_abstain_share_definitions_follow_the_docs(synth, tmp_path):
    """weak_acc on covered test points, weak_acc_all with abstentions at chance, coverage on the same
    split, agreement on covered points — recomputed here from the points table by hand."""
    pair = EncoderPair(weak=synth.features["weak"], strong=synth.features["strong"])
    res = Experiment(synth, pair, n_gold=40, seed=0, abstain_share=0.3,
                     cache=_cache(tmp_path)).run(projection=None, progress=False)
    test = res.split("test")
    cov = test["covered"].to_numpy()
    gold, teacher, student = (test[c].to_numpy() for c in ("gold", "teacher_label", "student_label"))
    m = res.metrics
    assert m["teacher_coverage"] == pytest.approx(cov.mean())
    assert 0.6 < cov.mean() < 0.8, "about 30% of the rows are abstained on"
    assert m["weak_acc"] == pytest.approx(np.mean(teacher[cov] == gold[cov]))
    assert m["weak_acc_all"] == pytest.approx((np.sum(teacher[cov] == gold[cov]) + 0.5 * np.sum(~cov)) / len(cov))
    assert m["student_teacher_agreement"] == pytest.approx(np.mean(student[cov] == teacher[cov]))
    assert m["pgr"] == pytest.approx(M.pgr(m["weak_acc_all"], m["student_acc"], m["ceiling_acc"]), nan_ok=True)
    assert m["student_acc_uncovered"] == pytest.approx(np.mean(student[~cov] == gold[~cov]))
    assert (teacher[~cov] == -1).all() and m["chance_acc"] == 0.5
    # the teacher's withheld guess on the uncovered points: its own top class there
    hidden = res.proba["teacher"][res.points["split"].to_numpy() == "test"].argmax(1)
    assert m["weak_acc_uncovered"] == pytest.approx(np.mean(hidden[~cov] == gold[~cov]))
    # the monitor's per-epoch metrics use the same definitions
    last = res.history["student"][-1].metrics
    assert last["weak_acc"] == pytest.approx(m["weak_acc"]) and last["weak_acc_all"] == pytest.approx(m["weak_acc_all"])


def test_the_ceiling_does_not_follow_the_students_epochs(synth, tmp_path):
    pair = EncoderPair(weak=synth.features["weak"], strong=synth.features["strong"])
    short = Experiment(synth, pair, n_gold=40, seed=0, student={"epochs": 2}, cache=_cache(tmp_path))
    long = Experiment(synth, pair, n_gold=40, seed=0, student={"epochs": 40}, cache=_cache(tmp_path))
    a, b = (e.run(projection=None, progress=False) for e in (short, long))
    assert len(a.history["student"]) == 2 and len(b.history["student"]) == 40
    np.testing.assert_allclose(a.proba["ceiling"], b.proba["ceiling"])


@pytest.mark.parametrize("bad, exc, match", [
    (dict(teacher="prob"), ValueError, "unknown teacher 'prob'"),
    (dict(student={"epoch": 5}), ValueError, r"unknown student option\(s\) \['epoch'\]"),
    (dict(student={"epochs": 0}), ValueError, "epochs"),
    (dict(student=[1, 2]), TypeError, "student must be"),
    (dict(abstain_below=7), ValueError, "abstain_below must be in"),
    (dict(abstain_share=1.0), ValueError, "abstain_share must be in"),
    (dict(abstain_share="half"), TypeError, "abstain_share must be a number"),
    (dict(teacher="rules"), ValueError, "needs teacher_options"),
])
def test_options_are_validated_in_the_constructor_before_any_embedding(synth, tmp_path, bad, exc, match):
    pair = EncoderPair(weak=synth.features["weak"], strong=synth.features["strong"])
    with pytest.raises(exc, match=match):
        Experiment(synth, pair, n_gold=40, cache=_cache(tmp_path), **bad)


@pytest.mark.parametrize("bad, match", [
    (dict(n_gold=10_000), "n_gold"),
    (dict(n_gold=0), "n_gold"),
    (dict(test_size=1.5), "test_size"),
])
def test_bad_options_are_clear_errors(synth, tmp_path, bad, match):
    pair = EncoderPair(weak=synth.features["weak"], strong=synth.features["strong"])
    with pytest.raises(ValueError, match=match):
        Experiment(synth, pair, cache=_cache(tmp_path), **{"n_gold": 40, **bad})


def test_wrong_types_are_clear_errors(synth):
    with pytest.raises(TypeError, match="TextDataset"):
        Experiment("tweets", None)
    with pytest.raises(TypeError, match="EncoderPair"):
        Experiment(synth, ("a", "b"))


def test_features_with_wrong_row_count_are_rejected(synth, tmp_path):
    pair = EncoderPair(weak=synth.features["weak"][:-5], strong=synth.features["strong"])
    with pytest.raises(ValueError, match="rows"):
        Experiment(synth, pair, n_gold=40, cache=_cache(tmp_path)).embed(progress=False)


def test_project_can_fit_on_a_sample_and_transform_the_rest(synth, tmp_path):
    from workbench.scale import project_at_scale

    pair = EncoderPair(weak=synth.features["weak"], strong=synth.features["strong"])
    exp = Experiment(synth, pair, n_gold=40, seed=0, cache=_cache(tmp_path)).embed(progress=False)
    coords = exp.project(method="pca", sample_size=200, progress=False, align=False)
    for role, X in (("weak", exp.X_weak_), ("strong", exp.X_strong_)):
        assert coords[role].shape == (len(synth), 2)
        np.testing.assert_allclose(coords[role], project_at_scale(X, sample_size=200, method="pca", seed=0),
                                   atol=1e-5)
    # fitted on 200 rows, not on all 800: differs from the whole-data projection
    assert not np.allclose(np.abs(coords["weak"]),
                           np.abs(exp.project(method="pca", progress=False, align=False)["weak"]),
                           atol=1e-3)
    with pytest.raises(ValueError, match="engine"):
        exp.project(method="pca", engine="spark")


def test_run_aligns_the_strong_map_onto_the_weak_one_by_default(synth, tmp_path):
    from workbench.projection_align import mean_pair_distance

    pair = EncoderPair(weak=synth.features["weak"], strong=synth.features["strong"])
    exp = Experiment(synth, pair, n_gold=40, seed=0, cache=_cache(tmp_path)).embed(progress=False)
    plain = exp.project(method="pca", progress=False, align=False)
    aligned = exp.run(projection="pca", progress=False, diagnostics=False)
    pts = aligned.points
    strong = pts[["map_strong_x", "map_strong_y"]].to_numpy()
    np.testing.assert_allclose(pts[["map_weak_x", "map_weak_y"]].to_numpy(), plain["weak"], atol=1e-5)
    assert aligned.config["alignment"] == "procrustes"
    # a similarity transform of the plain strong map: pairwise distances keep their ratios
    d_plain = np.linalg.norm(plain["strong"][1:] - plain["strong"][:-1], axis=1)
    d_aligned = np.linalg.norm(strong[1:] - strong[:-1], axis=1)
    ratio = d_aligned / d_plain
    np.testing.assert_allclose(ratio, ratio.mean(), rtol=1e-3)
    # ... that sits closer to the weak map than the plain one does
    assert mean_pair_distance(plain["weak"], strong) < mean_pair_distance(plain["weak"], plain["strong"])
    off = exp.run(projection="pca", progress=False, diagnostics=False, align=False)
    assert off.config["alignment"] is None
    np.testing.assert_allclose(off.points[["map_strong_x", "map_strong_y"]].to_numpy(), plain["strong"], atol=1e-5)


def test_run_adds_the_gold_free_diagnostics(result):
    pts, m = result.points, result.metrics
    assert {"teacher_error_score", "conf_teacher", "var_teacher", "region", "knn_jaccard"} <= set(pts.columns)
    covered = pts["covered"].to_numpy()
    assert np.isfinite(pts.loc[covered, "teacher_error_score"]).all()
    assert 0 <= m["teacher_error_auroc_test"] <= 1 and 0 <= m["teacher_conf_error_auroc_test"] <= 1
    assert result.epoch_proba.shape == (len(result.history["student"]), len(pts), 2)


def test_reviewed_labels_are_what_the_student_retrains_on(synth, tmp_path):
    """Relabel 60 student-train rows to the opposite class: the student, trained on them, must follow."""
    pair = EncoderPair(weak=synth.features["weak"], strong=synth.features["strong"])
    exp = Experiment(synth, pair, n_gold=40, seed=0, cache=_cache(tmp_path))
    first = exp.run(projection=None, progress=False, diagnostics=False)
    rows = exp.splits_.student_train[:60]
    flipped = {int(r): int(1 - first.points["teacher_label"].iat[int(r)]) for r in rows}
    again = exp.run(projection=None, progress=False, diagnostics=False, label_overrides=flipped)
    assert (again.points["label_source"].to_numpy()[rows] == "reviewed").all()
    assert again.metrics["n_reviewed"] == 60 and again.metrics["n_relabelled"] == 60
    # the teacher's columns stay the teacher's
    np.testing.assert_array_equal(again.points["teacher_label"], first.points["teacher_label"])
    X = synth.features["strong"][rows]
    agree_first = np.mean(exp.heads_.student.predict(X) == np.array(list(flipped.values())))
    assert agree_first > np.mean(first.proba["student"][rows].argmax(1) == np.array(list(flipped.values())))


def test_repr_names_every_option_that_changes_what_the_teacher_labels(synth, tmp_path):
    pair = EncoderPair(weak=synth.features["weak"], strong=synth.features["strong"])
    shown = repr(Experiment(synth, pair, n_gold=40, seed=3, abstain_share=0.3, cache=_cache(tmp_path)))
    assert "abstain_share=0.3" in shown and "n_gold=40" in shown and shown.endswith("seed=3)")
    plain = repr(Experiment(synth, pair, n_gold=40, cache=_cache(tmp_path)))
    assert "abstain" not in plain and "val_size" not in plain
