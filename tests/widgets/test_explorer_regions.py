"""The explorer's regions control on both map backends: density contours per W2S category
appear in both maps in the category colours, lie where the test put the category's points
(each map's own coordinates, the drawn split only), follow a split and a coordinates change,
and go away on "off"; what a jupyter-scatter map is sent scales with the grid, not with n."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

pytest.importorskip("jscatter")

from widgets import EmbeddingExplorer  # noqa: E402
from widgets.explorer_regions import REGION_PRESETS, resolve_regions  # noqa: E402
from widgets.palette import CATEGORY_COLORS, hex_to_rgb  # noqa: E402
from widgets.region_figures import REGION_META  # noqa: E402
from widgets.scatter_regions import HALO_COLOR, annotations_bytes, density_lines, region_annotations  # noqa: E402

BACKENDS = ("plotly", "scatter")
UNCOVERED = "uncovered: student right vs wrong"
SIDE = 10.0


def corner_table(n=900, *, seed=0):
    """A table on [0, 10]^2: uncovered_wrong in the weak map's lower-left corner [0, 1]^2 and the
    strong map's upper-right [9, 10]^2 (test rows) or the weak map's upper-left [0, 1] x [9, 10]
    (student_train rows); every other row spread uniformly and uncovered_right."""
    rng = np.random.default_rng(seed)
    cats = np.array(["uncovered_right"] * n, dtype=object)
    wrong = rng.choice(n, n // 6, replace=False)
    cats[wrong] = "uncovered_wrong"
    split = np.where(rng.random(n) < 0.5, "test", "student_train").astype(object)
    weak, strong = rng.uniform(0, SIDE, (n, 2)), rng.uniform(0, SIDE, (n, 2))
    corner = rng.uniform(0, 1, (len(wrong), 2))
    weak[wrong] = np.where((split[wrong] == "test")[:, None], corner, corner + [0, SIDE - 1])
    strong[wrong] = corner + SIDE - 1
    gold = rng.integers(0, 2, n)
    student = np.where(cats == "uncovered_right", gold, 1 - gold)
    return pd.DataFrame({
        "id": [f"p{i}" for i in range(n)], "split": split, "text": [f"text {i}" for i in range(n)],
        "gold": gold, "teacher_label": np.full(n, -1), "teacher_conf": np.full(n, 0.5), "covered": False,
        "student_label": student, "ceiling_label": gold, "student_conf": np.full(n, 0.9), "category": cats,
        "map_weak_x": weak[:, 0], "map_weak_y": weak[:, 1], "map_strong_x": strong[:, 0], "map_strong_y": strong[:, 1],
    })


def region_paths(ex, space, xy=None):
    """{category: [(k, 2) vertices in data coordinates]} of the regions drawn on one map.

    plotly: the cells of each contour trace at or above its lowest level; jupyter-scatter: the
    annotation polylines, mapped back from the widget's [-1, 1] space with the range of the
    coordinates sent to that map (``xy`` (n, 2), default the table's: computed here, not read
    from the widget).
    """
    out = {}
    if ex.maps_kind == "plotly":
        for t in ex.figures[space].data:
            if t.meta == REGION_META:
                z, x, y = np.asarray(t.z), np.asarray(t.x), np.asarray(t.y)
                rows, cols = np.nonzero(z >= t.contours.start)
                out[t.name.split(" ")[0]] = [np.column_stack([x[cols], y[rows]])]
        return out
    xy = ex.points[[f"map_{space}_x", f"map_{space}_y"]].to_numpy() if xy is None else xy
    xy = xy[ex.scatter_maps.drawn_rows()]
    lo, hi = xy.min(axis=0), xy.max(axis=0)
    names = {tuple(np.round(hex_to_rgb(c), 6)): name for name, c in CATEGORY_COLORS.items()}
    for line in ex.scatter_maps.maps[space].annotations or []:
        if tuple(line.line_color) == HALO_COLOR:
            continue
        name = names[tuple(np.round(line.line_color[:3], 6))]
        ndc = np.asarray(line.vertices, dtype=float)
        out.setdefault(name, []).append(lo + (ndc + 1) / 2 * (hi - lo))
    return out


def all_vertices(paths):
    return np.vstack(paths)


@pytest.fixture(params=BACKENDS)
def explorer(request, points, fakes):
    return EmbeddingExplorer(points, label_names=fakes.LABEL_NAMES, split="all", maps=request.param)


def test_the_control_draws_both_maps_in_the_category_colours_and_off_removes_them(explorer):
    ex = explorer
    assert ex.regions_dropdown.value == "off" and ex.regions == () and ex.regions_html.value == ""
    ex.regions_dropdown.value = UNCOVERED
    assert ex.regions == ("uncovered_right", "uncovered_wrong")
    for space in ("weak", "strong"):
        assert set(region_paths(ex, space)) == {"uncovered_right", "uncovered_wrong"}
    if ex.maps_kind == "plotly":
        for fig in ex.figures.values():
            contours = [t for t in fig.data if t.meta == REGION_META]
            assert [t.colorscale[0][1] for t in contours] == [CATEGORY_COLORS["uncovered_right"],
                                                              CATEGORY_COLORS["uncovered_wrong"]]
            assert [t.type for t in fig.data[:2]] == ["scattergl", "scattergl"]  # the points stay first
    else:
        for widget in ex.scatter_maps.maps.values():
            colours = {tuple(np.round(a.line_color[:3], 6)) for a in widget.annotations
                       if tuple(a.line_color) != HALO_COLOR}
            halos = [a for a in widget.annotations if tuple(a.line_color) == HALO_COLOR]
            assert len(halos) == len(widget.annotations) // 2  # one dark halo under every contour
            assert colours == {tuple(np.round(hex_to_rgb(CATEGORY_COLORS[c]), 6))
                               for c in ("uncovered_right", "uncovered_wrong")}
    note = ex.regions_html.value
    assert "uncovered_right" in note and "uncovered_wrong" in note and CATEGORY_COLORS["uncovered_wrong"] in note
    ex.show_regions("corrections: corrected vs corrupted")
    assert ex.regions_dropdown.value == "corrections: corrected vs corrupted"
    assert set(region_paths(ex, "weak")) == {"corrected", "corrupted"}
    ex.regions_dropdown.value = "off"
    assert ex.regions == () and ex.regions_html.value == ""
    for space in ("weak", "strong"):
        assert region_paths(ex, space) == {}
    if ex.maps_kind == "plotly":
        assert all(len(fig.data) == 2 for fig in ex.figures.values())
    else:
        assert all(w.annotations in (None, []) for w in ex.scatter_maps.maps.values())


@pytest.mark.parametrize("maps", BACKENDS)
def test_the_contours_lie_in_the_corner_where_the_category_is_on_each_map(maps):
    ex = EmbeddingExplorer(corner_table(), split="test", maps=maps)
    ex.show_regions(["uncovered_wrong"])
    assert ex.regions_dropdown.value == "custom: uncovered_wrong"
    # the test rows' wrong points sit in [0, 1]^2 (weak) and [9, 10]^2 (strong); smoothing spreads
    # a contour by a few bins (10 / 16 each here), so every vertex is within 3 units of the corner
    weak = all_vertices(region_paths(ex, "weak")["uncovered_wrong"])
    strong = all_vertices(region_paths(ex, "strong")["uncovered_wrong"])
    assert weak.max(axis=0).max() < 3.0 and weak.min() > -1.0
    assert strong.min(axis=0).min() > SIDE - 3.0 and strong.max() < SIDE + 1.0
    # the split moves them: the student_train rows' wrong points are in the weak map's upper-left corner
    ex.show_split("student_train")
    weak = all_vertices(region_paths(ex, "weak")["uncovered_wrong"])
    assert weak[:, 0].max() < 3.0 and weak[:, 1].min() > SIDE - 3.0
    # new coordinates move them too: mirror the weak map left to right
    xy = ex.points[["map_weak_x", "map_weak_y"]].to_numpy()
    mirrored = np.column_stack([SIDE - xy[:, 0], xy[:, 1]])
    ex.set_coords("weak", mirrored, label="mirrored")
    weak = all_vertices(region_paths(ex, "weak", mirrored)["uncovered_wrong"])
    assert weak[:, 0].min() > SIDE - 3.0 and weak[:, 1].min() > SIDE - 3.0


def test_the_innermost_scatter_contour_rings_the_corner_points():
    ex = EmbeddingExplorer(corner_table(), split="test", maps="scatter")
    ex.show_regions(["uncovered_wrong"])
    lines = [a for a in ex.scatter_maps.maps["weak"].annotations if tuple(a.line_color) != HALO_COLOR]
    widths = [a.line_width for a in lines]
    inner = [a for a in lines if a.line_width == max(widths)]
    alphas = sorted({a.line_color[3] for a in lines})
    assert inner and alphas[-1] == pytest.approx(1.0) and alphas[0] < 1.0  # outer levels fainter
    ring = np.asarray(inner[0].vertices)
    assert np.allclose(ring[0], ring[-1])  # closed


def test_a_bad_preset_or_category_is_a_clear_error(explorer):
    with pytest.raises(ValueError, match="off.*uncovered: student right vs wrong.*all categories"):
        explorer.show_regions("uncovered only")
    with pytest.raises(ValueError, match="unknown region categories.*'nonsense'.*uncovered_wrong"):
        explorer.show_regions(["copied", "nonsense"])
    with pytest.raises(TypeError, match="sequence of W2S category names"):
        explorer.show_regions(3)
    assert explorer.regions == () and explorer.regions_dropdown.value == "off"


def test_presets_resolve_and_a_category_list_matching_a_preset_is_that_preset():
    assert resolve_regions(["corrected", "corrupted"]) == ("corrections: corrected vs corrupted",
                                                           REGION_PRESETS["corrections: corrected vs corrupted"])
    assert resolve_regions([]) == ("off", ())
    assert resolve_regions(("corrupted", "corrected", "corrupted")) == ("custom: corrupted, corrected",
                                                                        ("corrupted", "corrected"))


def test_plotly_regions_of_the_same_count_are_one_message_per_map(points, fakes, message_log):
    ex = EmbeddingExplorer(points, label_names=fakes.LABEL_NAMES, split="all", maps="plotly")
    ex.show_regions(UNCOVERED)
    logs = {s: message_log(f) for s, f in ex.figures.items()}
    ex.show_regions("corrections: corrected vs corrupted")
    for space, log in logs.items():
        updates = log.updates()
        assert len(updates) == 1, space  # one restyle of both contour traces, no delete / add
        assert {"colorscale", "contours", "z"} <= set(updates[0]["style_data"])
        names = [t.name for t in ex.figures[space].data if t.meta == REGION_META]
        assert names == ["corrected (counts)", "corrupted (counts)"]


def test_what_a_scatter_map_is_sent_scales_with_the_grid_not_with_the_points():
    from workbench.regions import category_density

    rng = np.random.default_rng(0)
    sizes = {}
    for n in (20_000, 200_000):
        xy = np.vstack([rng.normal(0, 1, (n // 2, 2)), rng.normal(3, 1, (n // 2, 2))])
        cats = np.array(["corrected"] * (n // 2) + ["corrupted"] * (n // 2), dtype=object)
        density = category_density(xy, cats, bins=48, categories_to_show=("corrected", "corrupted"), smooth=1.0)
        lines = density_lines(density)
        sizes[n] = sum(len(v) for *_, v in lines)
        assert {name for name, *_ in lines} == {"corrected", "corrupted"}
    assert sizes[200_000] < 1.5 * sizes[20_000]  # 10x the points, about the same vertices
    ex = EmbeddingExplorer(corner_table(), split="all", maps="scatter")
    ex.show_regions("all categories")
    sent = annotations_bytes(ex.scatter_maps.maps["weak"])
    vertices = sum(len(a.vertices) for a in ex.scatter_maps.maps["weak"].annotations)
    assert 0 < sent < 60 * vertices + 200 * len(ex.scatter_maps.maps["weak"].annotations)


def test_region_annotations_of_nothing_are_empty():
    assert region_annotations(None) == []
