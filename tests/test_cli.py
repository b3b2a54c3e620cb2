"""The ``w2s`` command line on a small CSV with a tiny BERT (the real from_pretrained path)."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from widgets.cli import main


@pytest.fixture
def small_csv(tmp_path):
    rng = np.random.default_rng(0)
    pos = ["good", "great", "lovely", "fine", "nice"]
    neg = ["bad", "awful", "poor", "sad", "worse"]
    rows = [{"text": f"{rng.choice(pos if y else neg)} day number {i}", "label": "pos" if y else "neg"}
            for i, y in enumerate(rng.integers(0, 2, 120))]
    path = tmp_path / "small.csv"
    pd.DataFrame(rows).to_csv(path, index=False)
    return path


def test_run_writes_points_metrics_and_a_self_contained_report(small_csv, tiny_bert_dir, tmp_path, capsys):
    out = tmp_path / "run"
    code = main(["run", "--dataset", str(small_csv), "--weak", str(tiny_bert_dir), "--strong", str(tiny_bert_dir),
                 "--n-gold", "20", "--epochs", "5", "--projection", "pca", "--no-progress", "--out", str(out)])
    assert code == 0
    points = pd.read_parquet(out / "points.parquet")
    metrics = json.loads((out / "metrics.json").read_text())
    assert len(points) == 120 and {"weak_acc", "student_acc", "ceiling_acc", "pgr"} <= set(metrics)
    # the default teacher abstains on its least confident 30%, and the gold-free diagnostics are written
    assert 0.6 <= metrics["teacher_coverage"] <= 0.8 and (points["teacher_label"] == -1).any()
    assert {"teacher_error_score", "conf_teacher", "var_teacher", "region"} <= set(points.columns)
    assert "teacher_error_auroc_test" in metrics
    html = (out / "report.html").read_text()
    assert "training dynamics" in html and "teacher-error score" in html
    assert "plotly" in html.lower() and "<script src=\"http" not in html  # plotly.js inlined, no CDN
    assert "report:" in capsys.readouterr().out


def test_user_errors_are_one_line_with_exit_code_2(small_csv, tmp_path, capsys):
    code = main(["run", "--dataset", "no-such-dataset", "--out", str(tmp_path / "x")])
    assert code == 2
    err = capsys.readouterr().err
    assert err.startswith("w2s: error: unknown dataset") and "Traceback" not in err
    code = main(["run", "--dataset", str(small_csv), "--n-gold", "100000", "--weak", "x", "--strong", "y",
                 "--out", str(tmp_path / "y")])
    assert code == 2 and "w2s: error:" in capsys.readouterr().err


def test_datasets_and_models_listings(capsys):
    assert main(["datasets"]) == 0
    names = capsys.readouterr().out.split()
    assert {"tweets", "bbc-news", "drug-reviews", "synthetic", "csv"} <= set(names)
    assert main(["models"]) == 0
    assert "all-mpnet-base-v2" in capsys.readouterr().out


def test_compare_prints_one_row_per_method(small_csv, tiny_bert_dir, tmp_path, capsys):
    out = tmp_path / "compare.csv"
    code = main(["compare", "--dataset", str(small_csv), "--weak", str(tiny_bert_dir), "--strong", str(tiny_bert_dir),
                 "--extra-weak", str(tiny_bert_dir), "--methods", "plain,filtered,ensemw2s", "--n-gold", "20",
                 "--out", str(out)])
    assert code == 0
    table = pd.read_csv(out)
    assert table["method"].tolist() == ["plain", "filtered", "ensemw2s"]
