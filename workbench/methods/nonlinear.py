"""The linear → nonlinear synthetic setting (after Oh, Song & Yun).

Binary labels y ∈ {0, 1}, s = 2y − 1. Each example has

* an *easy* signal: a few coordinates equal to ``easy`` · s + noise (linearly visible);
* a *hard* signal: pairs of coordinates (u, v) with sign(u · v) = s (an XOR-like pattern a
  linear model cannot use, a two-layer ReLU network can);
* pure noise coordinates.

The weak view is the easy coordinates plus noise (a linear model on it is the weak
teacher); the strong view is everything (a two-layer ReLU head is the strong student).
With few student-train points (data-scarce) a wide MLP trained long on the teacher's
hard labels first corrects the teacher (it learns the shared signal) and then memorises
the teacher's mistakes, so its test accuracy rises and later falls; with many points
(data-abundant) memorising costs more and the late drop is smaller.
:func:`oracle_best_epoch` marks the epoch with the best *test gold* accuracy of a history:
an oracle no practitioner has (it looks at gold test labels), shown only to mark how far
the teacher-labelled early stop (``HeadTrainer(patience=...)`` with a validation split) is
from the best possible epoch.
"""

from __future__ import annotations

import numpy as np

from ..data.synthetic import make_linear_nonlinear  # the generator lives with the other datasets

__all__ = ["make_linear_nonlinear", "oracle_best_epoch", "NONLINEAR_STUDENT"]

#: A student that can memorise: wide MLP, hard labels, no weight decay, many epochs.
NONLINEAR_STUDENT = dict(head="mlp", hidden=512, targets="hard", optimizer="adamw", weight_decay=0.0, epochs=150,
                         lr=3e-3, batch_size=64)


def oracle_best_epoch(history, key: str = "student_acc") -> int:
    """ORACLE: the epoch (1-based) with the best ``record.metrics[key]`` — by default the
    student's accuracy on gold *test* labels, which no real run can see. Use it to mark
    the best possible epoch next to the teacher-labelled early stop, never to choose one."""
    values = [r.metrics.get(key, np.nan) for r in history]
    if not values or np.all(np.isnan(values)):
        raise ValueError(f"no {key!r} in the history; run the student with X_eval so epochs are evaluated.")
    return int(history[int(np.nanargmax(values))].epoch)
