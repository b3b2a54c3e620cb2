"""EmbeddingExplorer with jupyter-scatter maps (``maps="scatter"``) in JupyterLab + headless
Chromium (software WebGL), drawing one split (the ``filter`` trait hides the other rows).

A notebook cell displays the explorer over a seeded synthetic per-point table; the test
draws a lasso with the mouse in the weak map and checks that the kernel's shared
``Selection`` holds exactly the *shown* points inside the drawn polygon (the test split's
rows; rows of other splits under the lasso are filtered out of the map and must not be
selected): the polygon's data coordinates are read back from the map and the test counts
the inside points itself (even-odd rule, numpy). Both maps must show that selection and the
explorer's table must list it. A click on a point then selects that one shown point and fills
the nearest-neighbour panel.
"""

from __future__ import annotations

import numpy as np
import pytest

from . import bigmap_lab as B

pytestmark = [pytest.mark.browser, pytest.mark.slow]

N = 20_000
REPO = str(__import__("pathlib").Path(__file__).resolve().parents[2])
CELL = f"""import sys; sys.path.insert(0, {REPO!r})
import json, numpy as np
from tests.widgets.conftest import make_embeddings, make_points
from widgets import EmbeddingExplorer
POINTS = make_points({N}, seed=7)
E = EmbeddingExplorer(POINTS, embeddings=make_embeddings(POINTS), label_names=("negative", "positive"), split="test",
                      maps="scatter")
E.scatter_maps.scatters["weak"].mouse("lasso")
E"""

RESULT = """json.dumps({"kind": E.maps_kind, "selected": len(E.selection),
  "strong": int(len(E.scatter_maps.maps["strong"].selection)), "weak": int(len(E.scatter_maps.maps["weak"].selection)),
  "source": E.selection.source, "rows": E.selection.indices.tolist(), "table_rows": len(E.selection_frame()),
  "neighbours": E.neighbors_html.value,
  "polygon": np.asarray(E.scatter_maps.maps["weak"].lasso_selection_polygon
                        if E.scatter_maps.maps["weak"].lasso_selection_polygon is not None else [], dtype=float).tolist()})"""


def test_a_lasso_in_the_explorers_scatter_map_selects_only_shown_points_inside_it(tmp_path):
    from tests.widgets.conftest import make_points

    with B.lasso_in_weak_map(tmp_path / "lab", CELL, RESULT, height=1100) as (page, weak, got, errors):
        # a click near the middle of the weak map (inside the lasso's region, away from its line); the map's
        # box is read again: the selection panels below the maps fill after the lasso and JupyterLab may
        # scroll the notebook (the map moved up 194 px in a run at 1400 x 1100)
        weak = B.map_boxes(page)[0]
        page.mouse.click(weak["x"] + 0.5 * weak["width"], weak["y"] + 0.5 * weak["height"])
        clicked = B.wait_for(page, lambda: (r := B.kernel_eval(page, RESULT))["selected"] == 1 and r, timeout=60,
                             what="the click's one-point selection in the kernel")
    points = make_points(N, seed=7)  # the same seeded table as the kernel's, rebuilt here
    x, y = points["map_weak_x"].to_numpy(float), points["map_weak_y"].to_numpy(float)
    poly = np.asarray(got["polygon"], dtype=float)
    inside = B.inside_polygon(x, y, poly)
    shown = points["split"].to_numpy() == "test"
    expected = np.flatnonzero(inside & shown)
    rows = np.asarray(got["rows"], dtype=np.int64)
    print(f"lasso: {len(poly)} vertices; kernel selected {got['selected']:,}; shown points inside "
          f"{len(expected):,} (hidden inside {int((inside & ~shown).sum()):,}); strong map shows {got['strong']:,}; "
          f"differing rows {len(np.setxor1d(rows, expected)):,}")
    assert got["kind"] == "scatter" and got["source"] == "weak"
    assert len(expected) > 200 and int((inside & ~shown).sum()) > 200  # the lasso also went over hidden rows
    assert not np.isin(rows, np.flatnonzero(~shown)).any()  # no hidden row was selected
    assert got["weak"] == got["selected"] and got["strong"] == got["selected"] and got["table_rows"] == got["selected"]
    # points on the drawn line may fall either side in float32 (the map's precision): allow 0.1 %
    assert len(np.setxor1d(rows, expected)) <= max(3, len(expected) // 1000)
    row = clicked["rows"][0]
    assert shown[row] and clicked["source"] == "weak" and clicked["strong"] == 1
    assert points["id"][row] in clicked["neighbours"] and "strong space" in clicked["neighbours"]
    assert not errors, errors
