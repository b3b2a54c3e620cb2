"""Pure ``go.Figure`` builders from the per-point table and the training history.

Every function here takes data (the points table of ``docs/ARCHITECTURE.md``, a list of
``EpochRecord``-like objects, arrays) and returns a new ``plotly.graph_objects.Figure``;
none keeps widget state. The widgets (``explorer``, ``monitor``), the CLI's HTML report
and the tests all draw with these builders.

Glossary
--------
points : pandas.DataFrame, one row per example (columns ``id, split, text, gold,
    teacher_label, teacher_conf, covered, student_label, student_conf, ..., category,
    map_weak_x/y, map_strong_x/y``).
record : object with ``epoch`` (int, 1-based) and ``metrics`` (dict), e.g.
    ``workbench.train.EpochRecord``.
"""

from __future__ import annotations

import html
import math
import re

import numpy as np
import plotly.graph_objects as go

from workbench._validation import check_choice
from workbench.metrics import ece as _ece
from workbench.metrics import reliability_curve as _reliability_curve

from . import palette as P

__all__ = [
    "COLOR_MODES", "CATEGORY_COLORS", "color_groups", "hover_text", "sample_rows", "resolve_label_names",
    "scatter_coords", "scatter_title", "discrete_colorscale", "legend_entry",
    "scatter_embedding", "accuracy_curves", "misfit_gain", "reliability_diagram",
    "pgr_gauge", "pgr_text", "category_bar", "SOURCE_COLUMNS", "SCORE_COLUMNS", "color_modes", "score_groups",
    "coord_columns", "has_coords", "finite_or_none", "marker_style", "SPLITS",
]

COLOR_MODES = ("gold", "teacher", "student", "category", "covered", "split")
#: The protocol's splits in reading order (``workbench.data.Splits.split_column``).
SPLITS = ("test", "student_train", "weak_train", "val")
#: Per-point columns some teachers add (``workbench.methods``): which member labelled a point,
#: where its training label came from. Each is a colour mode when the table has it.
SOURCE_COLUMNS = ("labelled_by", "label_source")
#: Per-point scores (workbench.diagnostics) offered as colour modes, binned by rank into
#: :data:`SCORE_BINS` (share of the finite rows in each group, lowest first).
SCORE_COLUMNS = ("teacher_error_score", "knn_jaccard")
SCORE_BINS = ((0.0, 0.5), (0.5, 0.8), (0.8, 0.9), (0.9, 1.0))
_SCORE_COLORS = ("#C6DBEF", "#6BAED6", "#2171B5", "#08306B")  # one hue, light -> dark
_SOURCE_COLORS = P.SOURCE_COLORS
SPACES = ("weak", "strong")

#: Fixed colours of the W2S categories (same in every view and the report; see :mod:`widgets.palette`).
CATEGORY_COLORS = P.CATEGORY_COLORS
_LABEL_COLORS = P.LABEL_COLORS
MUTED = P.MUTED  # abstained / uncovered / unused legend entries
_WRAP = re.compile(r".{1,60}(?:\s+|$)|\S{61,}")


# --------------------------------------------------------------------------- helpers
def coord_columns(space: str) -> tuple:
    """The points-table columns ``(x, y)`` of the 2-D map of ``space``: the one place that names them."""
    check_choice(space, name="space", choices=SPACES)
    return f"map_{space}_x", f"map_{space}_y"


def has_coords(points, space: str) -> bool:
    """True when the points table has finite 2-D coordinates for every row of ``space``."""
    cols = coord_columns(space)
    if any(c not in getattr(points, "columns", ()) for c in cols):
        return False
    return bool(np.isfinite(points[list(cols)].to_numpy(np.float64)).all())


def finite_or_none(values) -> list:
    """``values`` as a list of float, with every NaN / inf replaced by ``None`` (a gap in plotly).

    NaN and inf are not JSON: a widget message holding one is dropped by the kernel
    ("Out of range float values are not JSON compliant"), so builders clean at the source.
    """
    out = []
    for v in np.asarray([] if values is None else values, dtype=float).ravel().tolist():
        out.append(v if math.isfinite(v) else None)
    return out


def marker_style(n: int) -> dict:
    """Marker size (px) and opacity for a map of ``n`` points: big and opaque for a class of
    a few hundred, small and translucent for 100k (so dense regions show density, not the last
    colour drawn)."""
    n = max(int(n), 1)
    size = float(np.clip(10.0 - 1.6 * math.log10(max(n, 100) / 100), 3.0, 10.0))
    opacity = float(np.clip(0.95 - 0.17 * math.log10(max(n, 300) / 300), 0.35, 0.95))
    return {"size": round(size, 1), "opacity": round(opacity, 2)}


def resolve_label_names(points, label_names=None) -> tuple:
    """``label_names`` as a tuple of str, or ``("0", "1", ...)`` covering every label in ``points``."""
    if label_names:
        return tuple(str(n) for n in label_names)
    k = int(max(points["gold"].max(), points["student_label"].max(), points["teacher_label"].max())) + 1
    return tuple(str(i) for i in range(max(k, 1)))


def _label_color(i: int) -> str:
    return _LABEL_COLORS[i % len(_LABEL_COLORS)]


def color_modes(points) -> tuple:
    """The colour modes ``points`` supports: :data:`COLOR_MODES` plus the :data:`SOURCE_COLUMNS`
    and :data:`SCORE_COLUMNS` it has."""
    columns = getattr(points, "columns", ())
    return COLOR_MODES + tuple(c for c in SOURCE_COLUMNS + SCORE_COLUMNS if c in columns)


def score_groups(values):
    """Rank-based groups of a score: lowest 50 %, 50–80 %, 80–90 %, top 10 % (:data:`SCORE_BINS`).

    Ties are split by row order, so each group holds its share of the finite rows; a group is
    named by its share and the range of values it holds. Missing values (NaN: e.g. points the
    score does not cover) form a last, muted group ``"no score"``.

    Parameters
    ----------
    values : array-like of shape (n,)

    Returns
    -------
    codes : ndarray (n,) uint8
    names : tuple of str
    colors : tuple of str
    """
    values = np.asarray(values, dtype=np.float64)
    finite = np.flatnonzero(np.isfinite(values))
    codes = np.full(len(values), len(SCORE_BINS), np.uint8)
    order = finite[np.argsort(values[finite], kind="stable")]
    m = len(order)
    names = []
    for g, (lo, hi) in enumerate(SCORE_BINS):
        rows = order[int(round(lo * m)):int(round(hi * m))]
        codes[rows] = g
        share = f"lowest {hi:.0%}" if lo == 0 else (f"top {1 - lo:.0%}" if hi == 1 else f"{lo:.0%}–{hi:.0%}")
        span = f"{values[rows].min():.2f}–{values[rows].max():.2f}" if len(rows) else "none"
        names.append(f"{share} ({span})")
    return codes, tuple(names) + ("no score",), _SCORE_COLORS + (MUTED,)


def _source_groups(values):
    """Colour groups of a categorical source column (missing values -> ``"none"``)."""
    values = np.asarray(["none" if v is None or v != v else str(v) for v in values], dtype=object)
    names = tuple(sorted(set(values.tolist())))
    lookup = {v: i for i, v in enumerate(names)}
    codes = np.fromiter((lookup[v] for v in values), np.uint8 if len(names) < 255 else np.uint16, len(values))
    colors = tuple(MUTED if n == "none" else _SOURCE_COLORS[i % len(_SOURCE_COLORS)] for i, n in enumerate(names))
    return codes, names, colors


def color_groups(points, color_by: str, *, label_names=None):
    """Split the rows into colour groups.

    Parameters
    ----------
    points : DataFrame with n rows
    color_by : {"gold", "teacher", "student", "category", "covered", "split"} or a column of
        :data:`SOURCE_COLUMNS` (``labelled_by``, ``label_source``) or :data:`SCORE_COLUMNS`
        (``teacher_error_score``, ``knn_jaccard``: :func:`score_groups`) that ``points`` has.
    label_names : sequence of str, optional

    Returns
    -------
    codes : ndarray of shape (n,), uint8 (uint16 above 254 classes)
        Group index of every row.
    names : tuple of str, length G
    colors : tuple of str, length G
        Hex colours of the groups.
    """
    check_choice(color_by, name="color_by", choices=color_modes(points))
    if color_by in SOURCE_COLUMNS:
        return _source_groups(points[color_by].tolist())
    if color_by in SCORE_COLUMNS:
        return score_groups(points[color_by].to_numpy(np.float64))
    labels = resolve_label_names(points, label_names)
    if color_by == "category":
        names = tuple(CATEGORY_COLORS)
        lookup = {c: i for i, c in enumerate(names)}
        codes = np.fromiter((lookup.get(c, 0) for c in points["category"]), np.uint8, len(points))
        return codes, names, tuple(CATEGORY_COLORS.values())
    if color_by == "covered":
        codes = np.where(points["covered"].to_numpy(bool), 0, 1).astype(np.uint8)
        return codes, ("covered", "uncovered"), (P.CATEGORY_COLORS["corrected"], MUTED)
    if color_by == "split":
        present = set(points["split"].astype(str))
        names = tuple(s for s in SPLITS if s in present) + tuple(sorted(present - set(SPLITS)))
        lookup = {v: i for i, v in enumerate(names)}
        codes = np.fromiter((lookup[v] for v in points["split"].astype(str)), np.uint8, len(points))
        return codes, names, tuple(P.SPLIT_COLORS.get(s, MUTED) for s in names)
    column = {"gold": "gold", "teacher": "teacher_label", "student": "student_label"}[color_by]
    values = points[column].to_numpy(np.int64)
    if values.size and values.max() >= len(labels):
        raise ValueError(f"points[{column!r}] holds class {int(values.max())} but there are only {len(labels)} "
                         "label names; pass the full label_names.")
    colors = tuple(_label_color(i) for i in range(len(labels)))
    dtype = np.uint8 if len(labels) < 255 else np.uint16
    if color_by == "teacher":  # -1 = abstained gets its own, last group
        codes = np.where(values < 0, len(labels), values).astype(dtype)
        return codes, labels + ("abstained",), colors + (MUTED,)
    return values.astype(dtype), labels, colors


def shorten(text, max_chars: int) -> str:
    """``text`` on one line, cut to ``max_chars`` with "…"; unescaped once (tweets carry "&amp;"),
    so the caller escapes it exactly once."""
    text = " ".join(html.unescape(str(text)).split())
    return text if len(text) <= max_chars else text[: max_chars - 1].rstrip() + "…"


def _wrap(text: str, max_chars: int) -> str:
    text = shorten(text, max_chars)
    return "<br>".join(html.escape(line.strip()) for line in _WRAP.findall(text) if line.strip())


def hover_text(points, *, label_names=None, max_chars: int = 160) -> list:
    """One hover string per row: escaped, truncated text plus gold/teacher/student labels.

    The example's text and id are HTML-escaped (``html.escape``), so ``<script>`` in a
    tweet is shown as text; only the ``<b>``/``<br>`` tags added here are markup.

    Returns
    -------
    list of str, length n
    """
    labels = resolve_label_names(points, label_names)
    name = lambda i: html.escape(labels[i]) if 0 <= i < len(labels) else "abstained"  # noqa: E731
    cols = [points[c].tolist() for c in ("id", "split", "text", "gold", "teacher_label",
                                          "teacher_conf", "student_label", "student_conf", "category")]
    sources = [c for c in SOURCE_COLUMNS if c in points.columns]
    notes = ([""] * len(points) if not sources else
             [" · " + " · ".join(f"{c.replace('_', ' ')}: {html.escape(str(v))}" for c, v in zip(sources, vals))
              for vals in zip(*(points[c].tolist() for c in sources))])
    return [
        f"<b>{html.escape(str(i))}</b> · {html.escape(str(sp))}<br>{_wrap(t, max_chars)}<br>"
        f"gold: {name(g)} · teacher: {name(tl)} ({tc:.2f}) · student: {name(sl)} ({sc:.2f})"
        f"<br><i>{html.escape(str(c))}</i>{note}"
        for i, sp, t, g, tl, tc, sl, sc, c, note in zip(*cols, notes)
    ]


def sample_rows(n: int, max_points: int, *, seed: int = 0) -> np.ndarray:
    """Row positions to draw: all of them, or a seeded sorted sample of ``max_points``.

    Returns
    -------
    ndarray of shape (min(n, max_points),), int64, sorted
    """
    if max_points < 1:
        raise ValueError(f"max_points must be >= 1; got {max_points}.")
    if n <= max_points:
        return np.arange(n, dtype=np.int64)
    return np.sort(np.random.default_rng(seed).choice(n, size=max_points, replace=False))


def scatter_coords(points, space: str, coords=None) -> np.ndarray:
    """The (n, 2) float32 coordinates of one space: ``coords`` if given, else the :func:`coord_columns`."""
    if coords is not None:
        xy = np.asarray(coords, dtype=np.float32)
        if xy.shape != (len(points), 2):
            raise ValueError(f"coords must have shape ({len(points)}, 2) (one x, y per row); got {xy.shape}.")
        return xy
    cols = coord_columns(space)
    xy = points[list(cols)].to_numpy(np.float32)
    if np.isnan(xy).all():
        raise ValueError(f"the points table has no 2-D coordinates for the {space} space ({cols[0]}/{cols[1]} "
                         "are NaN); run the experiment with projection='pca' or 'umap', or pass coords=(n, 2).")
    return xy


def scatter_embedding(points, *, space: str = "weak", color_by: str = "category", label_names=None,
                      coords=None, max_points: int = 200_000, seed: int = 0, selected=None,
                      groups: str = "traces", projection: str = "UMAP", legend_slots: int = 0,
                      hover=None, aligned: bool = False) -> go.Figure:
    """Scatter of one embedding space, coloured by label or W2S category.

    Parameters
    ----------
    points : DataFrame with n rows
    space : {"weak", "strong"}
    color_by : {"gold", "teacher", "student", "category", "covered"}
    label_names : sequence of str, optional
    coords : array of shape (n, 2), optional
        Coordinates to draw instead of the :func:`coord_columns` (e.g. a PCA preview).
    max_points : int, default 200_000
        Above this, a seeded random sample is drawn and the title says so.
    selected : array of row positions, optional
        Highlighted rows (``selectedpoints``).
    groups : {"traces", "colors"}
        ``"traces"``: one ``Scattergl`` per colour group (legend clicks hide a group; used by
        the report). ``"colors"``: one ``Scattergl`` with all points coloured per point plus
        legend-only entries, so recolouring or selecting is a one-array restyle (the explorer).
    legend_slots : int
        ``groups="colors"`` only: at least this many legend entries (spares are hidden).
    hover : list of str, optional
        Precomputed :func:`hover_text` for all n rows.
    aligned : bool, default False
        The map was aligned onto the weak map (``Result.config["alignment"]``); the title says so.

    Returns
    -------
    go.Figure
        Every point trace carries ``customdata`` = row positions into ``points``.
    """
    check_choice(space, name="space", choices=SPACES)
    check_choice(groups, name="groups", choices=("traces", "colors"))
    xy = scatter_coords(points, space, coords)
    rows = sample_rows(len(points), max_points, seed=seed)
    codes, names, colors = color_groups(points, color_by, label_names=label_names)
    text = np.asarray(hover if hover is not None else hover_text(points, label_names=label_names), dtype=object)
    counts = np.bincount(codes, minlength=len(names))
    fig = go.Figure()
    sel = None if selected is None else np.asarray(selected, dtype=np.int64)
    if groups == "traces":
        for g, (name, color) in enumerate(zip(names, colors)):
            r = rows[codes[rows] == g]
            fig.add_trace(_points_trace(xy, r, text, name=f"{name} ({counts[g]:,})", color=color,
                                        selected=None if sel is None else np.flatnonzero(np.isin(r, sel))))
    else:
        trace = _points_trace(xy, rows, text, name="points", color=codes[rows],
                              selected=None if sel is None else np.flatnonzero(np.isin(rows, sel)))
        trace.update(showlegend=False, marker=discrete_colorscale(colors))
        fig.add_trace(trace)
        for g in range(max(len(names), legend_slots)):
            fig.add_trace(legend_entry(names[g] if g < len(names) else "", colors[g] if g < len(names) else MUTED,
                                       int(counts[g]) if g < len(names) else 0, visible=g < len(names)))
        fig.update_layout(legend=dict(itemclick=False, itemdoubleclick=False))
    fig.update_layout(title=dict(text=scatter_title(space, projection, len(rows), len(points), seed,
                                                       aligned=aligned), font_size=14),
                      dragmode="select", height=440, margin=dict(l=10, r=10, t=50, b=10),
                      xaxis=dict(title=f"{projection} 1", showticklabels=False, zeroline=False),
                      yaxis=dict(title=f"{projection} 2", showticklabels=False, zeroline=False),
                      legend=dict(title_text=color_by), template="plotly_white")
    return fig


def scatter_title(space: str, projection: str, shown: int, total: int, seed: int = 0, *,
                  aligned: bool = False) -> str:
    """Title of an embedding scatter; names the sample when not every point is drawn."""
    title = f"{space} space ({projection})" + (", aligned to weak" if aligned else "")
    if shown < total:
        return f"{title}: random sample of {shown:,} of {total:,} points (seed {seed})"
    return f"{title}: {total:,} points"


def discrete_colorscale(colors) -> dict:
    """``marker`` settings that map integer codes 0..G-1 to ``colors`` exactly."""
    g = max(len(colors), 1)
    scale = []
    for i, c in enumerate(colors):
        scale += [[i / g, c], [(i + 1) / g, c]]
    return dict(colorscale=scale, cmin=-0.5, cmax=g - 0.5, showscale=False)


def legend_entry(name: str, color: str, count: int, *, visible: bool = True) -> go.Scattergl:
    """A legend-only trace ``"name (count)"`` with no points."""
    return go.Scattergl(x=[None], y=[None], mode="markers", name=f"{name} ({count:,})",
                        marker=dict(color=color, size=10), hoverinfo="skip", showlegend=True,
                        visible=True if visible else False)


def _points_trace(xy, rows, text, *, name, color, selected):
    return go.Scattergl(
        x=xy[rows, 0], y=xy[rows, 1], mode="markers", name=name,
        customdata=rows.astype(np.int32), text=text[rows].tolist(), hovertemplate="%{text}<extra></extra>",
        marker=dict(color=color, size=5, opacity=0.8),
        selectedpoints=None if selected is None else selected.astype(np.int32),
        selected=dict(marker=dict(opacity=1.0)), unselected=dict(marker=dict(opacity=0.12)),
    )


# ------------------------------------------------------------------- training history
def _records(history):
    if isinstance(history, dict):
        history = history.get("student", [])
    return list(history or [])


def _series(records, key):
    return [math.nan if (v := r.metrics.get(key)) is None else float(v) for r in records]


def accuracy_curves(history, *, weak_acc=None, ceiling_acc=None, pgr=None, pgr_label=None) -> go.Figure:
    """Test accuracy of weak teacher, student and ceiling against the student's epoch.

    Parameters
    ----------
    history : list of records or dict with key ``"student"``
        ``record.metrics`` holds ``student_acc`` and, where known, ``weak_acc``/``ceiling_acc``.
    weak_acc, ceiling_acc : float, optional
        Used where the records lack them (e.g. from ``on_train_begin``'s ``info``).
    pgr : float, optional
        The PGR for the title; default the last finite ``pgr`` of the records.
    pgr_label : str, optional
        The whole PGR part of the title (e.g. ``"PGR 0.26 (final)"``), overriding ``pgr``.

    Returns
    -------
    go.Figure with traces ``student``, ``weak (teacher)``, ``ceiling`` in that order.
    """
    records = _records(history)
    epochs = [int(r.epoch) for r in records]
    student = _series(records, "student_acc")
    # the weak line is PGR's baseline: the whole test set with abstentions at chance (weak_acc_all),
    # which equals the teacher's accuracy when it covers every point
    weak_key = "weak_acc_all" if any("weak_acc_all" in r.metrics for r in records) else "weak_acc"
    weak = _last_finite(_series(records, weak_key), weak_acc)
    ceiling = _last_finite(_series(records, "ceiling_acc"), ceiling_acc)
    span = [min(epochs), max(epochs)] if epochs else []
    fig = go.Figure([
        go.Scatter(x=epochs, y=finite_or_none(student), mode="lines+markers", name="student",
                   line=dict(color=P.LABEL_COLORS[0])),
        go.Scatter(x=span, y=finite_or_none([weak] * len(span)), mode="lines", name="weak (teacher)",
                   line=dict(color=P.LABEL_COLORS[1], dash="dash")),
        go.Scatter(x=span, y=finite_or_none([ceiling] * len(span)), mode="lines", name="ceiling",
                   line=dict(color=P.LABEL_COLORS[2], dash="dash")),
    ])
    pgr = _last_finite(_series(records, "pgr"), None) if pgr is None else pgr
    fig.update_layout(title=f"Test accuracy · {pgr_label or pgr_text(pgr)}", xaxis_title="epoch",
                      yaxis_title="test accuracy", height=340, template="plotly_white",
                      margin=dict(l=10, r=10, t=50, b=10))
    return fig


def _last_finite(values, default):
    finite = [v for v in values if v is not None and math.isfinite(v)]
    if finite:
        return finite[-1]
    return math.nan if default is None else float(default)


_MISFIT_KEYS = {"sq": ("misfit_sq", "gain_sq", "squared loss"), "kl": ("misfit_kl", "gain_kl", "KL"),
                "xent": ("misfit_kl", "gain_xent", "KL misfit vs cross-entropy gain (proxy)")}


def misfit_gain(history, *, kind: str = "sq") -> go.Figure:
    """Misfit (x) against gain (y) per epoch, with the y = x line (Charikar et al.).

    Parameters
    ----------
    history : list of records, dict with key ``"student"``, or array of shape (m, 2)
        Records give ``misfit_<kind>``/``gain_<kind>`` per epoch; an array gives
        (misfit, gain) pairs directly.
    kind : {"sq", "kl", "xent"}
        ``"xent"`` plots KL misfit against the measurable cross-entropy gain proxy
        (use it when the true p* is unknown and ``gain_kl`` is NaN).

    Returns
    -------
    go.Figure with traces ``y = x``, ``trajectory``, ``last epoch``.
    """
    misfit_key, gain_key, label = _MISFIT_KEYS[check_choice(kind, name="kind", choices=tuple(_MISFIT_KEYS))]
    if isinstance(history, np.ndarray):
        pairs = np.asarray(history, dtype=float).reshape(-1, 2)
        misfit, gain, epochs = pairs[:, 0].tolist(), pairs[:, 1].tolist(), list(range(1, len(pairs) + 1))
    else:
        records = _records(history)
        misfit, gain = _series(records, misfit_key), _series(records, gain_key)
        epochs = [int(r.epoch) for r in records]
    finite = [v for v in misfit + gain if math.isfinite(v)]
    top = max(finite + [0.0]) * 1.1 or 1.0
    low = min(finite + [0.0])
    fig = go.Figure([
        go.Scatter(x=[low, top], y=[low, top], mode="lines", name="y = x", line=dict(color="#7f7f7f", dash="dot")),
        go.Scatter(x=finite_or_none(misfit), y=finite_or_none(gain), mode="lines+markers", name="trajectory",
                   text=[f"epoch {e}" for e in epochs],
                   hovertemplate="%{text}<br>misfit %{x:.4f}<br>gain %{y:.4f}<extra></extra>",
                   line=dict(color=P.LABEL_COLORS[0])),
        go.Scatter(x=finite_or_none(misfit[-1:]), y=finite_or_none(gain[-1:]), mode="markers", name="last epoch",
                   marker=dict(size=12, color=P.CATEGORY_COLORS["corrupted"], symbol="star")),
    ])
    fig.update_layout(title=f"Misfit vs gain ({label})", xaxis_title=f"misfit ({misfit_key})",
                      yaxis_title=f"gain ({gain_key})", height=340, template="plotly_white",
                      margin=dict(l=10, r=10, t=50, b=10))
    return fig


def reliability_diagram(y, proba, *, n_bins: int = 15, teacher_labels=None) -> go.Figure:
    """Reliability diagram of top-label confidence, against gold and against teacher labels.

    Parameters
    ----------
    y : array of shape (n,), int
        Gold labels.
    proba : array of shape (n, k)
        Predicted probabilities (e.g. the student's on the test split).
    n_bins : int, default 15
        Equal-width confidence bins.
    teacher_labels : array of shape (n,), int, optional
        Teacher labels, -1 where the teacher abstained (those rows are left out).

    Returns
    -------
    go.Figure with traces ``perfect calibration``, ``vs gold`` and, when ``teacher_labels``
    is given, ``vs teacher``; the ECE values are in the title (short names keep the legend
    inside its panel).
    """
    proba = np.asarray(proba, dtype=np.float64)
    y = np.asarray(y, dtype=np.int64)
    fig = go.Figure([go.Scatter(x=[0, 1], y=[0, 1], mode="lines", name="perfect calibration",
                                line=dict(color="#7f7f7f", dash="dot"))])
    parts = []
    targets = [("gold", y, np.ones(len(y), bool), P.LABEL_COLORS[0])]
    if teacher_labels is not None:
        t = np.asarray(teacher_labels, dtype=np.int64)
        targets.append(("teacher", t, t >= 0, P.LABEL_COLORS[1]))
    for name, labels, keep, color in targets:
        conf, acc, count, e = _calibration(labels[keep], proba[keep], n_bins)
        parts.append(f"ECE vs {name} {_fmt(e)}")
        fig.add_trace(go.Scatter(x=finite_or_none(conf), y=finite_or_none(acc), mode="lines+markers", name=f"vs {name}",
                                 customdata=count, line=dict(color=color),
                                 hovertemplate="confidence %{x:.3f}<br>accuracy %{y:.3f}<br>%{customdata} points"
                                               "<extra></extra>"))
    fig.update_layout(title="Reliability · " + " · ".join(parts), xaxis_title="confidence (top label)",
                      yaxis_title="accuracy", xaxis_range=[0, 1], yaxis_range=[0, 1.02], height=340,
                      template="plotly_white", margin=dict(l=10, r=10, t=50, b=10))
    return fig


def _calibration(labels, proba, n_bins):
    if len(labels) == 0:
        return [], [], [], math.nan
    curve = _reliability_curve(labels, proba, n_bins=n_bins)
    conf, acc, count = curve.bin_confidence, curve.bin_accuracy, curve.bin_count
    keep = np.asarray(count) > 0
    return (np.asarray(conf)[keep].tolist(), np.asarray(acc)[keep].tolist(),
            np.asarray(count)[keep].astype(int).tolist(), float(_ece(labels, proba, n_bins=n_bins)))


def _fmt(x, digits: int = 3) -> str:
    return "n/a" if x is None or not math.isfinite(x) else f"{x:.{digits}f}"


# ------------------------------------------------------------------------- summaries
def pgr_text(pgr, *, ci=None) -> str:
    """``"PGR 0.47 (95% CI 0.31 to 0.60)"``, or a note when PGR is undefined (NaN)."""
    if pgr is None or not math.isfinite(pgr):
        return "PGR n/a (ceiling ≈ weak, or not trained yet)"
    text = f"PGR {pgr:.2f}"
    if ci is not None and all(c is not None and math.isfinite(c) for c in ci):
        text += f" (95% CI {ci[0]:.2f} to {ci[1]:.2f})"
    return text


def pgr_gauge(pgr, *, ci=None) -> go.Figure:
    """Gauge of the performance gap recovered (0 = student as weak, 1 = as ceiling)."""
    defined = pgr is not None and math.isfinite(pgr)
    fig = go.Figure(go.Indicator(
        mode="gauge+number", value=pgr if defined else None, number=dict(valueformat=".2f"),
        title=dict(text=pgr_text(pgr, ci=ci)),
        gauge=dict(axis=dict(range=[-0.5, 1.5]), bar=dict(color="#2ca02c"),
                   steps=[dict(range=[0, 1], color="#eeeeee")],
                   threshold=dict(line=dict(color="#1f77b4", width=3), value=1.0)),
    ))
    fig.update_layout(height=260, margin=dict(l=20, r=20, t=60, b=10))
    return fig


def category_bar(points, *, split: str | None = "test") -> go.Figure:
    """Bar chart of the W2S categories (counts) on one split (``None`` = all rows)."""
    frame = points if split is None else points[points["split"] == split]
    counts = frame["category"].value_counts()
    names = list(CATEGORY_COLORS)
    values = [int(counts.get(c, 0)) for c in names]
    fig = go.Figure(go.Bar(x=names, y=values, text=values, marker_color=list(CATEGORY_COLORS.values())))
    where = "all rows" if split is None else f"{split} split"
    fig.update_layout(title=f"W2S categories ({where}, n = {len(frame):,})", yaxis_title="points",
                      height=320, template="plotly_white", margin=dict(l=10, r=10, t=50, b=10))
    return fig
