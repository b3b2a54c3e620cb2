"""Pure helpers of :mod:`widgets.scatter_maps`: joint colour cells and first-display bytes.

A map is drawn by jupyter-scatter (regl-scatterplot, WebGL), which ships one float32
``(m, 4)`` array per map: x, y and one categorical value per point. To recolour without
re-sending that array, the categorical value is a *joint cell*: the combination of the
point's group in every colour mode (gold, teacher, student, category, covered, split, ...).
A colour mode is then only a colour list with one entry per cell
(:func:`cell_palette`), a message of a few hundred bytes.

Glossary
--------
m : number of drawn points (rows of the table drawn in the map, in drawing order).
K : number of joint cells present among the drawn points.
"""

from __future__ import annotations

import json

import numpy as np

__all__ = ["joint_cells", "cell_palette", "state_bytes", "MAX_CELLS"]

#: Above this many joint cells, a colour mode is drawn from its own codes (a recolour then
#: re-sends the point array); below it a recolour is a colour list only.
MAX_CELLS = 4096


def joint_cells(codes_by_mode: dict) -> tuple:
    """Number the combinations of group codes across colour modes.

    Parameters
    ----------
    codes_by_mode : dict {mode: ndarray of shape (m,), int}
        Group code of every drawn point in every colour mode.

    Returns
    -------
    cells : ndarray of shape (m,), int64
        Cell of every point, in ``0 .. K-1`` (every cell occurs).
    first : ndarray of shape (K,), int64
        One point of every cell (to read the cell's group in each mode).
    """
    if not codes_by_mode:
        raise ValueError("joint_cells needs at least one colour mode.")
    key = None
    for mode, codes in codes_by_mode.items():
        codes = np.asarray(codes, dtype=np.int64)
        if codes.ndim != 1 or (key is not None and codes.shape != key.shape):
            raise ValueError(f"codes of mode {mode!r} must be 1-D and as long as the others; got {codes.shape}.")
        if codes.size and codes.min() < 0:
            raise ValueError(f"codes of mode {mode!r} must be >= 0; got {int(codes.min())}.")
        if key is None:
            key = codes.copy()
        else:  # re-number after each mode so the key stays small (never overflows int64)
            width = int(codes.max()) + 1 if codes.size else 1
            _, key = np.unique(key * width + codes, return_inverse=True)
            key = key.astype(np.int64).ravel()
    values, first, cells = np.unique(key, return_index=True, return_inverse=True)
    return cells.astype(np.int64).ravel(), first.astype(np.int64)


def cell_palette(codes, first, colors) -> list:
    """The colour of every cell in one colour mode.

    Parameters
    ----------
    codes : ndarray of shape (m,), int
        The mode's group code of every drawn point.
    first : ndarray of shape (K,), int
        One point of every cell (:func:`joint_cells`).
    colors : sequence of "#RRGGBB", length G
        The mode's group colours.

    Returns
    -------
    list of str, length K
    """
    codes = np.asarray(codes, dtype=np.int64)
    return [colors[int(g)] for g in codes[np.asarray(first, dtype=np.int64)]]


def state_bytes(widget) -> dict:
    """Bytes of a widget's first display: its state as the kernel sends it to the browser.

    The state (``widget.get_state()``) is split into JSON and binary buffers the way
    ipywidgets does before sending a comm ``open`` message.

    Returns
    -------
    dict with ``json`` (bytes of the JSON part), ``buffers`` (bytes of the binary buffers),
    ``esm`` (bytes of the front-end module inside the JSON, anywidget's ``_esm``) and ``total``.
    """
    from ipywidgets.widgets.widget import _remove_buffers

    state, _, buffers = _remove_buffers(widget.get_state())
    text = json.dumps(state, separators=(",", ":"), default=str)
    esm = state.get("_esm", "")
    n_json, n_buf = len(text.encode()), sum(memoryview(b).nbytes for b in buffers)
    return {"json": n_json, "buffers": n_buf, "esm": len(str(esm).encode()), "total": n_json + n_buf}
