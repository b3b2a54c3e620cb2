"""Metrics of a selection beside the rest: a hand-computed 8-point table, the headline on a
real run, the large-n bootstrap, export and bad input."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from workbench import metrics as M
from workbench import selection_metrics as S
from workbench.selection_metrics import export_selection, selection_metrics, selection_rows


def hand_table() -> pd.DataFrame:
    """8 rows, k = 2; row 7 is a training row (left out by split="test")."""
    gold = [1, 0, 0, 1, 1, 0, 0, 1]
    teacher = [1, 1, 1, 1, -1, -1, 0, 1]
    student = [1, 0, 1, 0, 1, 1, 0, 1]
    ceiling = [1, 0, 0, 1, 1, 1, 0, 1]
    conf = [0.9, 0.78, 0.62, 0.71, 0.9, 0.52, 0.95, 1.0]
    covered = [t >= 0 for t in teacher]
    return pd.DataFrame({
        "id": [f"r{i}" for i in range(8)], "split": ["test"] * 7 + ["student_train"], "text": list("abcdefgh"),
        "gold": gold, "teacher_label": teacher, "covered": covered, "student_label": student,
        "student_conf": conf, "ceiling_label": ceiling,
        "category": M.point_categories(gold, teacher, covered, student),
    })


def test_categories_of_the_hand_table_are_the_intended_ones():
    assert list(hand_table()["category"]) == ["both_right", "corrected", "copied", "corrupted", "uncovered_right",
                                              "uncovered_wrong", "both_right", "both_right"]


def test_selected_and_rest_metrics_match_hand_computation():
    t = selection_metrics(hand_table(), [0, 1, 4, 7], n_classes=2)
    sel, rest = t["selection"], t["rest"]
    # selection = test rows {0, 1, 4}; row 7 is not in the test split
    assert sel["n"] == 3 and rest["n"] == 4
    assert sel["teacher_coverage"] == pytest.approx(2 / 3)
    assert sel["teacher_acc_covered"] == pytest.approx(0.5)          # row 0 right, row 1 wrong
    assert sel["weak_acc_all"] == pytest.approx((1 + 0 + 0.5) / 3)   # row 4 abstained: chance 1/2
    assert sel["student_acc"] == 1.0 and sel["ceiling_acc"] == 1.0
    assert sel["pgr"] == pytest.approx((1.0 - 0.5) / (1.0 - 0.5))
    assert sel["ece_student"] == pytest.approx((2 * 0.1 + 0.22) / 3)  # bins: {0.9, 0.9}, {0.78}; all right
    assert sel["student_acc_covered"] == 1.0 and sel["student_acc_uncovered"] == 1.0
    assert (sel["n_both_right"], sel["n_corrected"], sel["n_uncovered_right"], sel["n_copied"]) == (1, 1, 1, 0)
    # rest = {2, 3, 5, 6}
    assert rest["teacher_coverage"] == pytest.approx(3 / 4)
    assert rest["teacher_acc_covered"] == pytest.approx(2 / 3)       # row 2 wrong; 3, 6 right
    assert rest["weak_acc_all"] == pytest.approx((0 + 1 + 0.5 + 1) / 4)
    assert rest["student_acc"] == pytest.approx(0.25)
    assert rest["ceiling_acc"] == pytest.approx(0.75)
    assert rest["pgr"] == pytest.approx((0.25 - 0.625) / (0.75 - 0.625))  # −3: a student below the weak baseline
    assert rest["ece_student"] == pytest.approx((0.62 + 0.71 + 0.52 + 0.05) / 4)  # four bins of one point
    assert rest["student_acc_covered"] == pytest.approx(1 / 3) and rest["student_acc_uncovered"] == 0.0
    assert [rest[f"n_{c}"] for c in M.CATEGORIES] == [1, 1, 0, 1, 0, 1]


def test_pgr_interval_of_the_selection_by_hand():
    # selection scores: weak [1, 0, 0.5], student = ceiling = [1, 1, 1]: every defined resample
    # has PGR 1; a resample of row 0 three times has no gap (prob 1/27 > 2.5%) and counts at +inf.
    t = selection_metrics(hand_table(), [0, 1, 4], n_classes=2, n_boot=4000, seed=1)
    assert t.at["pgr_ci_low", "selection"] == 1.0
    assert t.at["pgr_ci_high", "selection"] == math.inf
    assert t.at["pgr_undefined_share", "selection"] == pytest.approx(1 / 27, abs=0.01)
    ref = M.pgr_interval([1, 0, 0.5], [1, 1, 1], [1, 1, 1], n_boot=4000, seed=1)
    assert t.at["pgr_undefined_share", "selection"] == ref.undefined_share


def test_split_none_counts_every_row_and_a_mask_equals_positions():
    pts = hand_table()
    t = selection_metrics(pts, [0, 1, 4, 7], split=None, n_classes=2)
    assert t.at["n", "selection"] == 4 and t.at["n_both_right", "selection"] == 2
    mask = np.zeros(8, dtype=bool)
    mask[[0, 1, 4, 7]] = True
    pd.testing.assert_frame_equal(selection_metrics(pts, mask, n_classes=2), selection_metrics(pts, [7, 4, 1, 0, 0],
                                                                                               n_classes=2))


def test_empty_selection_is_nan_with_zero_counts():
    t = selection_metrics(hand_table(), [], n_classes=2)
    assert t.at["n", "selection"] == 0 and t.at["n_copied", "selection"] == 0
    assert math.isnan(t.at["student_acc", "selection"]) and math.isnan(t.at["pgr", "selection"])
    assert math.isnan(t.at["pgr_ci_low", "selection"]) and t.at["n", "rest"] == 7


def test_n_classes_is_inferred_from_the_labels():
    pts = hand_table()
    pd.testing.assert_frame_equal(selection_metrics(pts, [0, 4]), selection_metrics(pts, [0, 4], n_classes=2))
    three = selection_metrics(pts, [0, 4], n_classes=3)  # an abstention then scores 1/3
    assert three.at["weak_acc_all", "selection"] == pytest.approx((1 + 1 / 3) / 2)


@pytest.fixture(scope="module")
def run_result(tmp_path_factory):
    from workbench import EmbeddingCache, EncoderPair, Experiment, load_dataset

    synth = load_dataset("synthetic", n=600, n_classes=2, seed=0)
    pair = EncoderPair(weak=synth.features["weak"], strong=synth.features["strong"])
    exp = Experiment(synth, pair, n_gold=40, seed=0, abstain_share=0.3,
                     cache=EmbeddingCache(tmp_path_factory.mktemp("cache")))
    return exp.run(projection=None, progress=False, diagnostics=False)


def test_the_whole_test_split_reproduces_the_runs_headline(run_result):
    pts, m = run_result.points, run_result.metrics
    t = selection_metrics(pts, np.arange(len(pts)), n_classes=2, seed=0)["selection"]
    assert t["n"] == m["n_test"]
    for mine, theirs in [("teacher_acc_covered", "weak_acc"), ("weak_acc_all", "weak_acc_all"),
                         ("student_acc", "student_acc"), ("ceiling_acc", "ceiling_acc"), ("pgr", "pgr"),
                         ("pgr_ci_low", "pgr_ci_low"), ("pgr_ci_high", "pgr_ci_high"),
                         ("pgr_undefined_share", "pgr_undefined_share"), ("ece_student", "ece_student"),
                         ("teacher_coverage", "teacher_coverage"), ("student_acc_uncovered", "student_acc_uncovered"),
                         ("student_acc_covered", "student_acc_covered")]:
        assert t[mine] == pytest.approx(m[theirs], nan_ok=True), mine
    for c in M.CATEGORIES:
        assert t[f"n_{c}"] == m[f"n_{c}_test"]


def test_the_large_n_bootstrap_matches_pgr_interval(monkeypatch):
    rng = np.random.default_rng(0)
    n = 20_000
    covered = rng.random(n) < 0.7
    w = np.where(covered, (rng.random(n) < 0.7).astype(float), 0.5)
    s, c = (rng.random(n) < 0.8).astype(float), (rng.random(n) < 0.9).astype(float)
    ref = M.pgr_interval(w, s, c, n_boot=2000, seed=0)
    mine = S._pgr_interval_counts((w, s, c), n_boot=2000, seed=0)
    assert mine.low == pytest.approx(ref.low, abs=0.02) and mine.high == pytest.approx(ref.high, abs=0.02)
    # selection_metrics switches to it above the budget
    calls = []
    real = S._pgr_interval_counts
    monkeypatch.setattr(S, "BOOTSTRAP_BUDGET", 10)
    monkeypatch.setattr(S, "_pgr_interval_counts", lambda *a, **k: calls.append(1) or real(*a, **k))
    selection_metrics(hand_table(), [0, 1, 4], n_classes=2)
    assert len(calls) == 2


def test_export_writes_the_selected_rows_of_every_split(tmp_path):
    pts = hand_table()
    path = export_selection(pts, [7, 1, 4], tmp_path / "sel.csv")
    back = pd.read_csv(path)
    assert list(back["row"]) == [1, 4, 7] and list(back["id"]) == ["r1", "r4", "r7"]
    assert list(back.columns) == ["row", *pts.columns]
    assert list(back["category"]) == ["corrected", "uncovered_right", "both_right"]


@pytest.mark.parametrize("call, exc, match", [
    (lambda p: selection_metrics(p, [9]), ValueError, r"row positions in \[0, 8\)"),
    (lambda p: selection_metrics(p, [0.5]), TypeError, "integer row positions"),
    (lambda p: selection_metrics(p, np.ones(3, dtype=bool)), ValueError, "one entry per row"),
    (lambda p: selection_metrics(p.drop(columns="covered"), [0]), ValueError, "covered"),
    (lambda p: selection_metrics(p.to_dict(), [0]), TypeError, "DataFrame"),
    (lambda p: selection_metrics(p, [0], n_classes=1), ValueError, "n_classes"),
    (lambda p: selection_metrics(p, [0], n_boot=0), ValueError, "n_boot"),
    (lambda p: export_selection(p, [0], "/no/such/folder/x.csv"), ValueError, "does not exist"),
])
def test_bad_input_is_a_clear_error(call, exc, match):
    with pytest.raises(exc, match=match):
        call(hand_table())


def test_selection_rows_splits_by_split():
    sel, rest = selection_rows(hand_table(), [0, 7])
    assert sel.tolist() == [0] and rest.tolist() == [1, 2, 3, 4, 5, 6]


def test_score_cells_are_the_sorted_unique_triples_with_their_counts():
    rng = np.random.default_rng(3)
    w = rng.choice([0.0, 1.0, 1 / 3], 5000)
    s, c = (rng.random(5000) < 0.7).astype(float), (rng.random(5000) < 0.9).astype(float)
    cells, counts = S._score_cells((w, s, c))
    ref, ref_counts = np.unique(np.stack((w, s, c), axis=1), axis=0, return_counts=True)
    assert np.array_equal(cells, ref) and np.array_equal(counts, ref_counts)
    one = S._score_cells((np.ones(4), np.zeros(4), np.ones(4)))
    assert one[0].tolist() == [[1.0, 0.0, 1.0]] and one[1].tolist() == [4]
