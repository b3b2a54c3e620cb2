"""The workbench's colours stay distinct for colour-blind viewers and on a white projector screen.

Distances are CIEDE2000 under the Machado et al. (2009) full-severity dichromacy
simulations (``widgets.palette``). ΔE00 ≈ 1 is a just-noticeable difference for large
patches; small scatter markers need far more, so the palette must keep every pair at
least :data:`MIN_DE` apart in every vision type.
"""

from __future__ import annotations

import numpy as np
import pytest

from widgets import palette as P
from workbench.metrics import CATEGORIES

VISION = ("normal", "protanopia", "deuteranopia", "tritanopia")
MIN_DE = 15.0


@pytest.mark.parametrize(("lab1", "lab2", "expected"), [
    # Sharma, Wu & Dalal (2005), Table 1: pairs 1, 7, 17, 18, 19
    ((50.0, 2.6772, -79.7751), (50.0, 0.0, -82.7485), 2.0425),
    ((50.0, 0.0, 0.0), (50.0, -1.0, 2.0), 2.3669),
    ((50.0, 2.5, 0.0), (73.0, 25.0, -18.0), 27.1492),
    ((50.0, 2.5, 0.0), (61.0, -5.0, 29.0), 22.8977),
    ((50.0, 2.5, 0.0), (56.0, -27.0, -3.0), 31.9030),
])
def test_ciede2000_matches_sharmas_published_test_data(lab1, lab2, expected):
    assert float(P.delta_e2000(np.array(lab1), np.array(lab2))) == pytest.approx(expected, abs=1e-4)


def test_lab_of_white_black_and_the_simulation_keeps_greys_grey():
    assert np.allclose(P.rgb_to_lab(np.ones(3)), [100, 0, 0], atol=1e-3)
    assert np.allclose(P.rgb_to_lab(np.zeros(3)), [0, 0, 0], atol=1e-6)
    grey = P.hex_to_rgb("#808080")
    for kind in P.CVD_MATRICES:  # Machado's matrices map white to white (rows sum to 1)
        assert np.allclose(P.simulate_cvd(grey, kind), grey, atol=2e-3)
    red, green = P.hex_to_rgb("#FF0000"), P.hex_to_rgb("#00FF00")
    lab = lambda c, k: P.rgb_to_lab(P.simulate_cvd(c, k))  # noqa: E731
    # the classic trap: red and green collapse for a deuteranope far more than for normal vision
    assert P.delta_e2000(lab(red, "deuteranopia"), lab(green, "deuteranopia")) < \
        0.5 * P.delta_e2000(lab(red, "normal"), lab(green, "normal"))


def test_every_category_has_a_colour_and_a_definition():
    assert tuple(P.CATEGORY_COLORS) == tuple(CATEGORIES) == tuple(P.CATEGORY_DEFINITIONS)
    assert all(len(d) < 80 for d in P.CATEGORY_DEFINITIONS.values())  # one line beside the maps


@pytest.mark.parametrize("kind", VISION)
def test_category_colours_stay_apart_and_off_white_in_every_vision_type(kind):
    colours = list(P.CATEGORY_COLORS.values())
    d, pair = P.min_distance(colours, kind=kind)
    assert d >= MIN_DE, (kind, [list(P.CATEGORY_COLORS)[i] for i in pair], d)
    d_white, _ = P.min_distance(colours + ["#FFFFFF"], kind=kind)
    assert d_white >= MIN_DE, (kind, d_white)


@pytest.mark.parametrize("kind", VISION)
def test_label_split_colours_stay_apart(kind):
    for k in (2, 3, 4):  # the first k class colours, with the grey of 'abstained'
        assert P.min_distance(list(P.LABEL_COLORS[:k]) + [P.MUTED], kind=kind)[0] >= MIN_DE, (k, kind)
    assert P.min_distance(list(P.SPLIT_COLORS.values()), kind=kind)[0] >= MIN_DE


def test_the_old_tab10_categories_fail_the_same_check():
    """The check has teeth: the palette of the issue (two greens, red vs pink) does not pass it."""
    old = ["#9ecae1", "#ff7f0e", "#2ca02c", "#d62728", "#98df8a", "#e377c2"]
    worst = min(P.min_distance([c.upper() for c in old], kind=k)[0] for k in VISION)
    assert worst < MIN_DE


def test_bad_input_is_named():
    with pytest.raises(ValueError, match="RRGGBB"):
        P.hex_to_rgb("red")
    with pytest.raises(ValueError, match="kind must be"):
        P.simulate_cvd(np.ones(3), "achromatopsia")
    with pytest.raises(ValueError, match="at least two"):
        P.min_distance(["#000000"])
