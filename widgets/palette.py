"""Colours of the workbench, and the colour-vision checks they are chosen by.

Every view (maps, legend, bar charts, report) takes its colours from here. The W2S
category colours come from the colour-blind-safe palettes of Okabe & Ito (2008) and Paul
Tol (blues where the student is right, warm colours where it is wrong, a neutral grey for
the common case ``both_right``), picked by a search over those palettes that maximised the
smallest pairwise distance below; ``tests/widgets/test_palette.py``
checks that every pair stays apart for normal vision and under simulated protanopia,
deuteranopia and tritanopia (:func:`min_distance`).

Simulation: the full-severity (1.0) matrices of Machado, Oliveira & Fernandes (2009),
"A Physiologically-based Model for Simulation of Color Vision Deficiency", IEEE TVCG
15(6), applied to *linear* sRGB (as ``colorspacious`` does). Distance: CIEDE2000
(Sharma, Wu & Dalal 2005) between CIELAB values under the D65 white point.

Glossary
--------
rgb : array of shape (..., 3), sRGB in [0, 1] (gamma-encoded, as in a hex colour).
lab : array of shape (..., 3), CIELAB (L*, a*, b*), D65.
"""

from __future__ import annotations

import itertools

import numpy as np

__all__ = ["CATEGORY_COLORS", "CATEGORY_DEFINITIONS", "LABEL_COLORS", "SPLIT_COLORS", "SOURCE_COLORS", "MUTED",
           "CVD_MATRICES", "hex_to_rgb", "rgb_to_lab", "simulate_cvd", "delta_e2000", "min_distance"]

#: The W2S category colours (one per ``workbench.metrics.CATEGORIES`` entry).
CATEGORY_COLORS = {
    "both_right": "#AAAAAA",       # grey: the common, unremarkable case recedes
    "copied": "#E69F00",           # orange: the teacher's error copied
    "corrected": "#0072B2",        # blue: the teacher's error fixed
    "corrupted": "#CC3311",        # red: a right teacher label broken
    "uncovered_right": "#33BBEE",  # cyan: no teacher label, student right
    "uncovered_wrong": "#882255",  # wine: no teacher label, student wrong
}

#: One line per category, shown beside the maps ("what do the colours mean").
CATEGORY_DEFINITIONS = {
    "both_right": "teacher labelled it right and the student is right",
    "copied": "teacher labelled it wrong and the student copied the error",
    "corrected": "teacher labelled it wrong but the student is right",
    "corrupted": "teacher labelled it right but the student is wrong",
    "uncovered_right": "teacher abstained (no label); the student is right",
    "uncovered_wrong": "teacher abstained (no label); the student is wrong",
}

#: Class colours (gold / teacher / student labels), greedily ordered so the first few are farthest apart.
LABEL_COLORS = ("#0072B2", "#E69F00", "#000000", "#882255", "#33BBEE", "#CC3311", "#009E73", "#332288",
                "#F0E442", "#999933")
#: Where a row belongs in the protocol.
SPLIT_COLORS = {"test": "#0072B2", "student_train": "#E69F00", "weak_train": "#882255", "val": "#33BBEE"}
SOURCE_COLORS = ("#882255", "#44AA99", "#999933", "#332288", "#CC6677", "#117733", "#88CCEE", "#DDCC77")
MUTED = "#AAAAAA"  # abstained / uncovered / unknown

#: Machado et al. (2009), severity 1.0, acting on linear sRGB column vectors.
CVD_MATRICES = {
    "protanopia": np.array([[0.152286, 1.052583, -0.204868],
                            [0.114503, 0.786281, 0.099216],
                            [-0.003882, -0.048116, 1.051998]]),
    "deuteranopia": np.array([[0.367322, 0.860646, -0.227968],
                              [0.280085, 0.672501, 0.047413],
                              [-0.011820, 0.042940, 0.968881]]),
    "tritanopia": np.array([[1.255528, -0.076749, -0.178779],
                            [-0.078411, 0.930809, 0.147602],
                            [0.004733, 0.691367, 0.303900]]),
}

_SRGB_TO_XYZ = np.array([[0.4124564, 0.3575761, 0.1804375],
                         [0.2126729, 0.7151522, 0.0721750],
                         [0.0193339, 0.1191920, 0.9503041]])
_D65 = np.array([0.95047, 1.0, 1.08883])


def hex_to_rgb(color: str) -> np.ndarray:
    """``"#RRGGBB"`` -> sRGB in [0, 1], shape (3,)."""
    text = str(color).lstrip("#")
    if len(text) != 6:
        raise ValueError(f"colours must be '#RRGGBB' hex strings; got {color!r}.")
    return np.array([int(text[i:i + 2], 16) for i in (0, 2, 4)], dtype=float) / 255.0


def _to_linear(rgb):
    rgb = np.asarray(rgb, dtype=float)
    return np.where(rgb <= 0.04045, rgb / 12.92, ((rgb + 0.055) / 1.055) ** 2.4)


def _to_gamma(lin):
    lin = np.clip(lin, 0.0, 1.0)
    return np.where(lin <= 0.0031308, 12.92 * lin, 1.055 * lin ** (1 / 2.4) - 0.055)


def rgb_to_lab(rgb) -> np.ndarray:
    """sRGB (..., 3) in [0, 1] -> CIELAB (..., 3) under D65."""
    xyz = _to_linear(rgb) @ _SRGB_TO_XYZ.T / _D65
    f = np.where(xyz > (6 / 29) ** 3, np.cbrt(xyz), xyz / (3 * (6 / 29) ** 2) + 4 / 29)
    return np.stack([116 * f[..., 1] - 16, 500 * (f[..., 0] - f[..., 1]), 200 * (f[..., 1] - f[..., 2])], axis=-1)


def simulate_cvd(rgb, kind: str) -> np.ndarray:
    """How a dichromat sees sRGB colours (..., 3): ``kind`` in :data:`CVD_MATRICES` or ``"normal"``."""
    if kind == "normal":
        return np.asarray(rgb, dtype=float)
    if kind not in CVD_MATRICES:
        raise ValueError(f"kind must be 'normal' or one of {sorted(CVD_MATRICES)}; got {kind!r}.")
    return _to_gamma(_to_linear(rgb) @ CVD_MATRICES[kind].T)


def delta_e2000(lab1, lab2) -> np.ndarray:
    """CIEDE2000 colour difference (Sharma et al. 2005) of CIELAB arrays (..., 3) -> (...)."""
    L1, a1, b1 = np.moveaxis(np.asarray(lab1, dtype=float), -1, 0)
    L2, a2, b2 = np.moveaxis(np.asarray(lab2, dtype=float), -1, 0)
    c_bar = (np.hypot(a1, b1) + np.hypot(a2, b2)) / 2
    g = 0.5 * (1 - np.sqrt(c_bar ** 7 / (c_bar ** 7 + 25.0 ** 7)))
    a1p, a2p = (1 + g) * a1, (1 + g) * a2
    c1p, c2p = np.hypot(a1p, b1), np.hypot(a2p, b2)
    h1p = np.degrees(np.arctan2(b1, a1p)) % 360
    h2p = np.degrees(np.arctan2(b2, a2p)) % 360
    dLp, dCp = L2 - L1, c2p - c1p
    dh = h2p - h1p
    dh = np.where(c1p * c2p == 0, 0.0, np.where(dh > 180, dh - 360, np.where(dh < -180, dh + 360, dh)))
    dHp = 2 * np.sqrt(c1p * c2p) * np.sin(np.radians(dh) / 2)
    L_bar, C_bar = (L1 + L2) / 2, (c1p + c2p) / 2
    h_sum = h1p + h2p
    h_bar = np.where(c1p * c2p == 0, h_sum,
                     np.where(np.abs(h1p - h2p) <= 180, h_sum / 2,
                              np.where(h_sum < 360, (h_sum + 360) / 2, (h_sum - 360) / 2)))
    t = (1 - 0.17 * np.cos(np.radians(h_bar - 30)) + 0.24 * np.cos(np.radians(2 * h_bar))
         + 0.32 * np.cos(np.radians(3 * h_bar + 6)) - 0.20 * np.cos(np.radians(4 * h_bar - 63)))
    d_theta = 30 * np.exp(-(((h_bar - 275) / 25) ** 2))
    r_c = 2 * np.sqrt(C_bar ** 7 / (C_bar ** 7 + 25.0 ** 7))
    s_l = 1 + 0.015 * (L_bar - 50) ** 2 / np.sqrt(20 + (L_bar - 50) ** 2)
    s_c, s_h = 1 + 0.045 * C_bar, 1 + 0.015 * C_bar * t
    r_t = -np.sin(np.radians(2 * d_theta)) * r_c
    return np.sqrt((dLp / s_l) ** 2 + (dCp / s_c) ** 2 + (dHp / s_h) ** 2 + r_t * (dCp / s_c) * (dHp / s_h))


def min_distance(colors, *, kind: str = "normal") -> tuple:
    """Smallest CIEDE2000 distance between any two of ``colors`` as seen with ``kind`` vision.

    Parameters
    ----------
    colors : sequence of "#RRGGBB", length m >= 2
    kind : {"normal", "protanopia", "deuteranopia", "tritanopia"}

    Returns
    -------
    (distance, (i, j)) : float and the positions of the closest pair
    """
    colors = list(colors)
    if len(colors) < 2:
        raise ValueError(f"min_distance needs at least two colours; got {len(colors)}.")
    lab = rgb_to_lab(simulate_cvd(np.stack([hex_to_rgb(c) for c in colors]), kind))
    pairs = list(itertools.combinations(range(len(colors)), 2))
    d = [float(delta_e2000(lab[i], lab[j])) for i, j in pairs]
    k = int(np.argmin(d))
    return d[k], pairs[k]
