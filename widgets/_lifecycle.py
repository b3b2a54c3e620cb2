"""Closing a view's widgets, all of them: a closed widget's comm is gone in the kernel and the
front end drops its model, so a rerun cell leaves no live comms behind (and no "No such comm"
messages from stale views)."""

from __future__ import annotations

__all__ = ["close_tree"]


def close_tree(widget, _seen=None) -> None:
    """Close ``widget`` and every widget it holds (children, layout, style, tab titles ...)."""
    import ipywidgets as W

    seen = set() if _seen is None else _seen
    if id(widget) in seen:
        return
    seen.add(id(widget))
    for name in getattr(widget, "keys", ()):
        if name.startswith("_") and name not in ("_titles",):
            continue
        try:
            value = getattr(widget, name)
        except Exception:  # a trait that cannot be read on a closed widget
            continue
        for item in value if isinstance(value, (list, tuple)) else (value,):
            if isinstance(item, W.Widget):
                close_tree(item, seen)
    if isinstance(widget, W.Widget):
        widget.close()
