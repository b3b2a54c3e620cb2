"""Self-contained HTML report of one run, built from the figure builders.

The page embeds plotly.js once (no network needed to open it), a table of the headline
metrics and the main figures: both embedding spaces coloured by W2S category, the
category counts, accuracy over epochs, misfit vs gain and the student's reliability
diagram.
"""

from __future__ import annotations

import html
import math
from pathlib import Path

import numpy as np

from . import figures as F

__all__ = ["write_report", "report_html", "report_figures"]

_HEADLINE = (
    ("teacher_coverage", "teacher coverage (test)"), ("weak_acc", "teacher accuracy on the points it covers"),
    ("weak_acc_all", "weak baseline, whole test set (abstention = chance)"), ("chance_acc", "chance (1/k)"),
    ("student_acc", "student accuracy"), ("student_acc_uncovered", "student accuracy on uncovered points"),
    ("weak_acc_uncovered", "teacher's withheld guess on uncovered points"),
    ("ceiling_acc", "strong ceiling accuracy"), ("pgr", "PGR (vs the whole-set weak baseline)"),
    ("pgr_ci_low", "PGR 95% CI low"), ("pgr_ci_high", "PGR 95% CI high"),
    ("pgr_undefined_share", "share of bootstrap resamples with undefined PGR"),
    ("student_teacher_agreement", "student-teacher agreement (covered test points)"),
    ("misfit_sq", "misfit (squared)"), ("gain_sq", "gain (squared)"), ("misfit_kl", "misfit (KL)"),
    ("gain_kl", "gain (KL, needs true p*)"), ("gain_xent", "gain (cross-entropy proxy)"),
    ("ece_weak", "ECE weak"), ("ece_student", "ECE student"), ("ece_ceiling", "ECE ceiling"),
    ("ece_student_vs_teacher", "ECE student vs teacher labels"),
    ("teacher_error_auroc_test", "teacher-error score (gold-free): AUROC for the teacher's test errors"),
    ("teacher_conf_error_auroc_test", "baseline: 1 − teacher confidence, AUROC"),
    ("teacher_error_ap_test", "teacher-error score: average precision"),
    ("teacher_conf_error_ap_test", "baseline: 1 − teacher confidence, average precision"),
    ("teacher_error_auroc_student_train", "teacher-error score: AUROC on the student's training points"),
    ("teacher_conf_error_auroc_student_train", "baseline AUROC on the student's training points"),
)


def report_figures(result) -> dict:
    """The report's figures by title: ``{title: go.Figure}``."""
    pts = result.points
    names = result.label_names
    figs = {}
    if not pts[["map_weak_x", "map_strong_x"]].isna().all().all():
        projection = str(result.config.get("projection", "2-D")).upper()
        for space in ("weak", "strong"):
            figs[f"{space} space"] = F.scatter_embedding(pts, space=space, color_by="category",
                                                         label_names=names, projection=projection,
                                                         aligned=space == "strong"
                                                         and result.config.get("alignment") == "procrustes")
    figs["categories"] = F.category_bar(pts)
    student = result.history.get("student", [])
    if student:
        figs["accuracy"] = F.accuracy_curves(result.history, weak_acc=result.metrics.get("weak_acc_all"),
                                             ceiling_acc=result.metrics.get("ceiling_acc"))
        kind = "kl" if _finite(result.metrics.get("gain_kl")) else "xent"
        figs["misfit vs gain (squared)"] = F.misfit_gain(result.history, kind="sq")
        figs[f"misfit vs gain ({kind})"] = F.misfit_gain(result.history, kind=kind)
    test = (pts["split"] == "test").to_numpy()
    if "student" in result.proba and test.any():
        teacher = pts.loc[test, "teacher_label"].to_numpy()
        figs["reliability"] = F.reliability_diagram(pts.loc[test, "gold"].to_numpy(),
                                                    result.proba["student"][test], teacher_labels=teacher)
    if {"conf_teacher", "var_teacher"} <= set(pts.columns):
        from .dynamics_view import dynamics_figure

        figs["training dynamics (toward the teacher's label)"] = dynamics_figure(pts[pts["split"] == "test"],
                                                                                label_names=names)
    return figs


def report_html(result, *, title: str = "Weak-to-strong run") -> str:
    """The whole report as one HTML string (plotly.js inlined once)."""
    parts = [f"<h1>{html.escape(title)}</h1>", _config_html(result.config), _metrics_html(result.metrics)]
    for i, (name, fig) in enumerate(report_figures(result).items()):
        parts.append(f"<h2>{html.escape(name)}</h2>")
        parts.append(fig.to_html(full_html=False, include_plotlyjs=(i == 0), default_height="440px"))
    body = "\n".join(parts)
    return (
        "<!DOCTYPE html><html><head><meta charset='utf-8'>"
        f"<title>{html.escape(title)}</title>"
        "<style>body{font-family:system-ui,sans-serif;max-width:1100px;margin:2em auto;padding:0 1em}"
        "table{border-collapse:collapse}td,th{border:1px solid #ddd;padding:4px 10px;text-align:left}"
        "</style></head><body>" + body + "</body></html>"
    )


def write_report(result, path, *, title: str = "Weak-to-strong run") -> Path:
    """Write :func:`report_html` to ``path`` and return it."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(report_html(result, title=title), encoding="utf-8")
    return path


def _finite(x) -> bool:
    return isinstance(x, (int, float, np.floating)) and math.isfinite(float(x))


def _fmt(x) -> str:
    if isinstance(x, bool) or not isinstance(x, (int, float, np.floating, np.integer)):
        return html.escape(str(x))
    return f"{x:.4f}" if _finite(x) and not float(x).is_integer() else ("n/a" if not _finite(x) else str(int(x)))


def _metrics_html(metrics: dict) -> str:
    rows = "".join(f"<tr><th>{label}</th><td>{_fmt(metrics.get(key))}</td></tr>"
                   for key, label in _HEADLINE if key in metrics)
    return f"<h2>Metrics (test split)</h2><table>{rows}</table>"


def _config_html(config: dict) -> str:
    rows = "".join(f"<tr><th>{html.escape(str(k))}</th><td>{html.escape(str(v))}</td></tr>"
                   for k, v in config.items() if k != "dataset_fingerprint")
    return f"<h2>Configuration</h2><table>{rows}</table>"
