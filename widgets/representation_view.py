"""The fine-tuned student's representation over training: a map per epoch with a slider.

A fine-tuning student (``workbench.students.FineTuneStudent``) re-embeds a fixed seeded
sample of the evaluation points after every epoch and projects it with one PCA fitted
before training, into ``record.extra["representation"]`` (with the sample's positions in
``record.extra["representation_index"]``; the first record also carries the pre-training
map as ``representation_initial``, shown as epoch 0). Same basis at every epoch, so a
point that moves on the map moved in the student's embedding space — e.g. a *corrected*
point drifting toward its gold class.

* :func:`representation_frames` — the per-epoch maps of a history (pure).
* :func:`representation_figure` — one epoch's map as a ``go.Figure``, coloured by gold
  label or W2S category, on axes fixed across epochs (pure, testable without a browser).
* :class:`RepresentationView` — a thin widget: an epoch slider, a colour choice, one
  ``FigureWidget`` whose traces are updated in place.
"""

from __future__ import annotations

import ipywidgets as W
import numpy as np
import plotly.graph_objects as go

from . import palette as P

__all__ = ["representation_frames", "representation_figure", "RepresentationView"]

# the one palette of the project (colour-blind tested): the same colours as the explorer's maps
_PALETTE = P.LABEL_COLORS
_CATEGORY_COLORS = P.CATEGORY_COLORS


def representation_frames(history) -> list[dict]:
    """The maps in ``history``: ``[{"epoch", "xy" (s, 2), "index" (s,)}, ...]``, epoch 0 first when known.

    Records without ``extra["representation"]`` (a frozen-head student) are skipped.
    """
    frames = []
    for record in history or ():
        extra = getattr(record, "extra", None) or {}
        if "representation" not in extra:
            continue
        index = np.asarray(extra["representation_index"], dtype=np.int64)
        if not frames and "representation_initial" in extra:
            frames.append({"epoch": 0, "xy": np.asarray(extra["representation_initial"], dtype=float), "index": index})
        frames.append({"epoch": int(record.epoch), "xy": np.asarray(extra["representation"], dtype=float),
                       "index": index})
    return frames


def _groups(values, label_names):
    """(name, mask) per colour group of the sample's values (ints -> label names; strings as they are)."""
    values = np.asarray(values)
    if values.dtype.kind in "iu":
        names = list(label_names) if label_names else [str(v) for v in range(int(values.max()) + 1)]
        return [(names[v] if 0 <= v < len(names) else str(v), values == v) for v in np.unique(values)]
    order = [c for c in _CATEGORY_COLORS if c in set(values)] + sorted(set(values) - set(_CATEGORY_COLORS))
    return [(str(c), values == c) for c in order]


def _ranges(frames):
    xy = np.concatenate([f["xy"] for f in frames]) if frames else np.zeros((1, 2))
    lo, hi = xy.min(0), xy.max(0)
    pad = 0.05 * np.maximum(hi - lo, 1e-9)
    return [float(lo[0] - pad[0]), float(hi[0] + pad[0])], [float(lo[1] - pad[1]), float(hi[1] + pad[1])]


def representation_figure(history, *, epoch: int | None = None, color=None, label_names=None,
                          color_name: str = "gold") -> go.Figure:
    """The student's sampled representation at ``epoch`` (default: the last) as a scatter map.

    Parameters
    ----------
    history : sequence of EpochRecord
    epoch : int, optional
        0 = before training (when the history has it).
    color : array of shape (n_eval,), optional
        Per evaluation point: gold labels (ints, named by ``label_names``) or W2S categories
        (strings); indexed by the sample's ``representation_index``. None = one colour.
    color_name : str
        Legend title.

    Returns
    -------
    go.Figure with one ``scattergl`` trace per colour group; axes span every epoch's map.

    Raises
    ------
    ValueError
        No representation in the history, or an epoch it does not have.
    """
    frames = representation_frames(history)
    if not frames:
        raise ValueError("this history has no representation maps: they come from a fine-tuning student "
                         "(student={'finetune': 'lora'|'full'}) with representation_sample > 0.")
    epochs = [f["epoch"] for f in frames]
    epoch = epochs[-1] if epoch is None else int(epoch)
    if epoch not in epochs:
        raise ValueError(f"epoch {epoch} has no map; available epochs: {epochs}.")
    frame = frames[epochs.index(epoch)]
    if color is None:
        groups = [("points", np.ones(len(frame["index"]), bool))]
    else:
        color = np.asarray(color)
        if frame["index"].max(initial=-1) >= len(color):
            raise ValueError(f"color has {len(color)} entries but the sample indexes evaluation point "
                             f"{int(frame['index'].max())}; pass one value per evaluation (test) point.")
        groups = _groups(color[frame["index"]], label_names)
    traces = []
    for i, (name, mask) in enumerate(groups):
        traces.append(go.Scattergl(
            x=frame["xy"][mask, 0], y=frame["xy"][mask, 1], mode="markers", name=name,
            customdata=frame["index"][mask], marker=dict(size=6, opacity=0.8,
                                                         color=_CATEGORY_COLORS.get(name, _PALETTE[i % len(_PALETTE)])),
            hovertemplate="eval point %{customdata}<extra>" + name + "</extra>"))
    xr, yr = _ranges(frames)
    when = "before training" if epoch == 0 else f"epoch {epoch}"
    fig = go.Figure(traces)
    fig.update_layout(title=f"Student representation, {when} ({len(frame['index'])} points, PCA of epoch 0)",
                      xaxis=dict(title="PC 1", range=xr), yaxis=dict(title="PC 2", range=yr),
                      legend_title_text=color_name, template="plotly_white", height=420,
                      margin=dict(l=10, r=10, t=50, b=10))
    return fig


class RepresentationView:
    """Epoch slider + colour choice + one map of the fine-tuned student's representation.

    Parameters
    ----------
    history : sequence of EpochRecord
    gold : array (n_eval,), optional
        Gold labels of the evaluation points.
    categories : array (n_eval,) of str, optional
        W2S categories of the evaluation points (``workbench.metrics.CATEGORIES``).
    label_names : sequence of str, optional
    """

    def __init__(self, history, *, gold=None, categories=None, label_names=None):
        self.history = list(history)
        self.colorings = {name: values for name, values in (("gold", gold), ("category", categories))
                          if values is not None}
        self.label_names = label_names
        self.frames = representation_frames(self.history)
        epochs = [f["epoch"] for f in self.frames]
        if not epochs:
            raise ValueError("no representation maps in this history (fine-tune with representation_sample > 0).")
        self.slider = W.SelectionSlider(options=epochs, value=epochs[-1], description="epoch",
                                        continuous_update=False)
        self.color = W.Dropdown(options=list(self.colorings) or ["none"], description="colour")
        self.figure = go.FigureWidget(self._build())
        self._quiet = self._quiet_color = False
        self.slider.observe(lambda _: None if self._quiet else self.redraw(), names="value")
        self.color.observe(lambda _: None if self._quiet_color else self.redraw(), names="value")
        self.widget = W.VBox([W.HBox([self.slider, self.color]), self.figure])

    def set_history(self, history) -> None:
        """Show a longer history (e.g. live, from a training callback); jumps to its last epoch."""
        self.history = list(history)
        self.frames = representation_frames(self.history)
        epochs = tuple(f["epoch"] for f in self.frames)
        if epochs and epochs != tuple(self.slider.options):
            self._quiet = True  # one redraw below, not one per trait change
            try:
                self.slider.options = epochs
                self.slider.value = epochs[-1]
            finally:
                self._quiet = False
        self.redraw()

    def set_coloring(self, name: str, values) -> None:
        """Add or replace a colouring (e.g. ``"category"`` once the run has its W2S categories), shape (n_eval,)."""
        if not isinstance(name, str) or not name:
            raise TypeError(f"name must be a non-empty str, e.g. 'category'; got {name!r}.")
        self.colorings[name] = np.asarray(values)
        options = list(self.colorings)
        if list(self.color.options) != options:
            current = self.color.value if self.color.value in options else options[0]
            self._quiet_color = True  # one redraw below, not one per trait change
            try:
                self.color.options = options
                self.color.value = current
            finally:
                self._quiet_color = False
        self.redraw()

    def on_epoch_end(self, record) -> bool:
        """A training callback: add ``record`` and show it (never asks to stop)."""
        self.set_history([*self.history, record])
        return False

    def _build(self) -> go.Figure:
        name = self.color.value
        return representation_figure(self.history, epoch=self.slider.value, color=self.colorings.get(name),
                                     label_names=self.label_names, color_name=name)

    def redraw(self) -> None:
        """Show the selected epoch and colouring (traces replaced in one batch)."""
        fig = self._build()
        with self.figure.batch_update():
            names = [t.name for t in fig.data]
            if len(self.figure.data) != len(fig.data) or [t.name for t in self.figure.data] != names:
                self.figure.data = ()
                self.figure.add_traces(list(fig.data))
            else:
                for old, new in zip(self.figure.data, fig.data):
                    old.update(x=new.x, y=new.y, customdata=new.customdata)
            self.figure.layout.title = fig.layout.title
            self.figure.layout.legend.title = fig.layout.legend.title

    def _ipython_display_(self):  # pragma: no cover - display only
        from IPython.display import display

        display(self.widget)
