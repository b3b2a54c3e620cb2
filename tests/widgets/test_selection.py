"""Selection: the one shared state object of the linked views."""

from __future__ import annotations

import numpy as np
import pytest
import traitlets

from widgets import Selection


def test_set_get_clear_and_observers_see_each_change_once():
    sel = Selection(n_rows=10)
    seen = []
    sel.on_change(lambda rows, source: seen.append((rows.tolist(), source)))
    sel.set([5, 2, 5], source="weak")
    sel.set([2, 5], source="strong")  # same rows: no notification
    sel.set(np.array([True] + [False] * 9), source="code")
    sel.clear(source="table")
    assert seen == [([2, 5], "weak"), ([0], "code"), ([], "table")]
    assert sel.get().dtype == np.int64 and len(sel) == 0


def test_indices_are_read_only():
    sel = Selection(n_rows=3)
    sel.set([1])
    with pytest.raises(ValueError):
        sel.get()[0] = 2
    with pytest.raises(traitlets.TraitError):
        sel.indices = np.array([0])


@pytest.mark.parametrize("bad, error, message", [
    ([10], ValueError, "out of range for a table of 10 rows"),
    ([-1], ValueError, "must be >= 0"),
    (["a"], TypeError, "integer row positions"),
    ([[1, 2]], TypeError, "1-D"),
    (np.ones(4, bool), ValueError, "one entry per row"),
])
def test_bad_indices_are_rejected_with_a_clear_message(bad, error, message):
    with pytest.raises(error, match=message):
        Selection(n_rows=10).set(bad)


def test_n_rows_must_be_a_count():
    with pytest.raises(ValueError, match="n_rows"):
        Selection(n_rows=-1)
