"""The picker's student choice: a frozen head on the strong embeddings, or the strong model
itself fine-tuned (LoRA or full), with the same options ``w2s run --finetune`` passes.

* :data:`STUDENTS` — the dropdown's ``(label, value)`` pairs; the value is what
  ``w2s run --finetune`` takes (``"lora"``, ``"full"``) or ``"head"``.
* :func:`student_options` — the ``Experiment(student=...)`` dict of a choice: the frozen
  head gets ``{"epochs"}``; a fine-tune gets ``{"finetune", "model", "loss", "epochs",
  "device"}`` exactly as :func:`widgets.cli.student_options` builds it (without the
  ``--out`` checkpoints: the picker has no output folder; use ``w2s run`` to checkpoint
  and resume).
* :func:`unavailable_reason` — why a choice cannot run here (a missing package, named with
  the extra that installs it; or a dataset without texts), or None.
"""

from __future__ import annotations

import importlib.util
import sys

__all__ = ["STUDENTS", "DEFAULT_EPOCHS", "student_options", "unavailable_reason", "module_available"]

#: Dropdown ``(label, value)`` pairs, the frozen head first (the default).
STUDENTS = (("frozen head", "head"), ("fine-tune LoRA", "lora"), ("fine-tune full", "full"))
#: Epochs when the user has not chosen: as ``w2s run`` (30 for the head, 3 with ``--finetune``).
DEFAULT_EPOCHS = {"head": 30, "lora": 3, "full": 3}
_VALUES = tuple(v for _, v in STUDENTS)
_EXTRA = "pip install 'w2s-workbench[finetune]'"


def _check(student: str) -> str:
    if student not in _VALUES:
        raise ValueError(f"student must be one of {list(_VALUES)}; got {student!r}.")
    return student


def module_available(name: str) -> bool:
    """True when ``name`` can be imported (without importing it); a ``None`` in ``sys.modules``
    (an import blocked on purpose) counts as missing."""
    if name in sys.modules:
        return sys.modules[name] is not None
    try:
        return importlib.util.find_spec(name) is not None
    except (ImportError, ValueError):
        return False


def unavailable_reason(student: str, *, own_features: bool = False, dataset: str = "") -> str | None:
    """Why ``student`` cannot run with this install and dataset, or None when it can.

    Parameters
    ----------
    student : {"head", "lora", "full"}
    own_features : bool
        The dataset brings its own weak/strong features (its texts are placeholders).
    dataset : str
        Its name, for the message.
    """
    if _check(student) == "head":
        return None
    if own_features:
        return (f"fine-tuning trains the strong model on the texts, but {dataset or 'this dataset'} brings its "
                "own feature views (its texts are placeholders): choose a text dataset or the frozen head.")
    for module in ("torch", "transformers"):
        if not module_available(module):
            return f"fine-tuning needs the `{module}` package: {_EXTRA}."
    if student == "lora" and not module_available("peft"):
        return f"fine-tune LoRA needs the `peft` package: {_EXTRA} (or choose fine-tune full)."
    return None


def student_options(student: str, *, strong: str, epochs: int, device: str = "auto") -> dict:
    """The ``Experiment(student=...)`` options of a choice (as ``w2s run [--finetune MODE]``)."""
    if _check(student) == "head":
        return {"epochs": int(epochs)}
    return {"finetune": student, "model": str(strong), "loss": "xent", "epochs": int(epochs), "device": device}
