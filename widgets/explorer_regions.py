"""The explorer's "regions" control: density contours per W2S category over both maps.

At a million points single dots merge; the regions control in the explorer's colour
controls draws, over both maps, where the points of chosen W2S categories concentrate
(iso-lines of their binned counts at 10-90 % of each category's peak, in the category
colours of :data:`widgets.palette.CATEGORY_COLORS`), for the rows the explorer draws (its
split, its legend and its ``max_points`` sample). :class:`RegionsControl` is a mixin of
:class:`~widgets.explorer.EmbeddingExplorer`: it builds the dropdown and its one-line note,
and hands the categories to the map pair (``map_pair.show_regions``), which draws them
with its own library and redraws them after a split, legend or coordinates change.
"""

from __future__ import annotations

import html

import ipywidgets as W

from workbench.metrics import CATEGORIES

from .map_regions import check_region_categories
from .palette import CATEGORY_COLORS, MUTED
from .region_figures import LEVELS

__all__ = ["REGION_PRESETS", "RegionsControl", "resolve_regions", "regions_note"]

#: The regions control's choices: preset name -> W2S categories drawn.
REGION_PRESETS = {
    "off": (),
    "uncovered: student right vs wrong": ("uncovered_right", "uncovered_wrong"),
    "corrections: corrected vs corrupted": ("corrected", "corrupted"),
    "all categories": tuple(CATEGORIES),
}


def resolve_regions(choice) -> tuple:
    """``(label, categories)`` of a preset name or a sequence of W2S category names.

    Parameters
    ----------
    choice : str or sequence of str
        A key of :data:`REGION_PRESETS`, or category names (``()``: off).

    Returns
    -------
    label : str
        The preset's name, or ``"custom: a, b"`` for categories that match no preset.
    categories : tuple of str

    Raises
    ------
    ValueError
        An unknown preset or category (the message names the valid ones).
    TypeError
        Neither a str nor a sequence.
    """
    if isinstance(choice, str):
        if choice not in REGION_PRESETS:
            raise ValueError(f"unknown regions preset {choice!r}; choose one of {list(REGION_PRESETS)} "
                             f"or a list of W2S categories from {list(CATEGORIES)}.")
        return choice, REGION_PRESETS[choice]
    if choice is None:
        return "off", ()
    categories = check_region_categories(choice)
    for label, preset in REGION_PRESETS.items():
        if preset == categories:
            return label, preset
    return "custom: " + ", ".join(categories), categories


def regions_note(categories) -> str:
    """One short HTML line saying which regions are drawn (empty when none)."""
    if not categories:
        return ""
    swatches = "".join(
        f"<span style='white-space:nowrap;margin-right:8px'><span style='display:inline-block;width:14px;"
        f"height:3px;vertical-align:middle;background:{CATEGORY_COLORS.get(c, MUTED)};margin-right:3px'></span>"
        f"{html.escape(c)}</span>" for c in categories)
    levels = f"{round(100 * min(LEVELS))}–{round(100 * max(LEVELS))} %"
    return (f"<span class='w2s-regions-note'><b>regions</b>: {swatches}<small>density contours of the drawn "
            f"points ({levels} of each peak)</small></span>")


class RegionsControl:
    """Mixin of the explorer: the ``regions`` dropdown, :meth:`show_regions` and :attr:`regions`.

    Needs ``self.map_pair`` (a map pair with ``show_regions(categories)``).
    """

    def _regions_control(self) -> W.HBox:
        """The dropdown and its note (built once, in the colour-controls row)."""
        self._region_choices = dict(REGION_PRESETS)  # + custom category lists passed to show_regions
        self.regions_dropdown = W.Dropdown(options=list(REGION_PRESETS), value="off", description="regions")
        self.regions_dropdown.observe(self._on_regions_dropdown, names="value")
        self.regions_html = W.HTML(layout=W.Layout(margin="0 0 0 8px"))
        return W.HBox([self.regions_dropdown, self.regions_html], layout=W.Layout(align_items="center"))

    @property
    def regions(self) -> tuple:
        """The W2S categories drawn as regions now (empty: off)."""
        return self.map_pair.regions.shown

    def show_regions(self, choice) -> None:
        """Draw density contours of W2S categories over both maps, or none.

        Parameters
        ----------
        choice : str or sequence of str
            A preset of the regions control (:data:`REGION_PRESETS`: ``"off"``,
            ``"uncovered: student right vs wrong"``, ``"corrections: corrected vs corrupted"``,
            ``"all categories"``) or W2S category names; the control shows it.
        """
        label, categories = resolve_regions(choice)
        dropdown = self.regions_dropdown
        if label not in dropdown.options:  # custom categories get their own entry
            value, self._regions_quiet = dropdown.value, True
            try:  # new options reset the value to the first one: put it back, quietly
                self._region_choices[label] = categories
                dropdown.options, dropdown.value = list(self._region_choices), value
            finally:
                self._regions_quiet = False
        if dropdown.value != label:
            self.regions_dropdown.value = label  # its observer calls back here
            return
        self.map_pair.show_regions(categories)
        self.regions_html.value = regions_note(categories)

    def _on_regions_dropdown(self, change):
        if not getattr(self, "_regions_quiet", False):
            self.show_regions(self._region_choices[change["new"]])
