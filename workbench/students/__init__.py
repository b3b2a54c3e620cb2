"""Students behind one interface: the frozen-feature head and the fine-tuned strong model.

Every student has ``fit(X, y_proba, *, X_val, y_val_proba, X_eval, callbacks, on_record,
stop_event) -> self``, ``predict_proba(X)``, ``history_``, ``best_epoch_``,
``stopped_early_`` and ``input_kind``: ``"features"`` (:class:`workbench.train.HeadTrainer`,
X = strong embeddings) or ``"texts"`` (:class:`FineTuneStudent`, X = lists of strings).

* :func:`make_student` builds a student from user options: a plain dict of HeadTrainer
  options -> HeadTrainer; a dict with ``"finetune": "lora" | "full"`` -> FineTuneStudent.
* :func:`make_ceiling` builds the ceiling that matches a student: a fine-tuning student's
  ceiling is the same model fine-tuned the same way on gold labels (``xent``, hard targets),
  so PGR compares like with like.

``peft`` (LoRA) and ``accelerate`` (multi-process) are the optional extra
``pip install 'w2s-workbench[finetune]'``; nothing here imports them until a LoRA student is
built or ``accelerate launch`` runs :mod:`workbench.students.launch`.
"""

from __future__ import annotations

import copy

from .finetune import MODES, PARAMS, FineTuneStudent

__all__ = ["FineTuneStudent", "make_student", "make_ceiling", "input_kind", "FINETUNE_OPTIONS", "MODES"]

#: Options a ``{"finetune": ...}`` dict may hold (FineTuneStudent's parameters, ``mode`` given as "finetune").
FINETUNE_OPTIONS = tuple(p for p in PARAMS if p not in ("mode", "seed"))


def input_kind(student) -> str:
    """``"texts"`` for students that take texts, ``"features"`` for heads on embeddings."""
    return getattr(student, "input_kind", "features")


def make_student(student_options=None, *, seed: int = 0, device: str = "auto"):
    """A fresh student from options.

    Parameters
    ----------
    student_options : None, dict, HeadTrainer or FineTuneStudent
        None or a dict without ``"finetune"``: HeadTrainer options (see
        ``workbench.protocol.STUDENT_DEFAULTS``). A dict with ``"finetune": "lora" | "full"``:
        FineTuneStudent options (``model``, ``epochs``, ``lr``, ``lora_r`` ...). A student
        object is copied (unfitted options kept).
    seed : int
        Used unless the options set their own.
    device : {"auto", "cpu", "cuda"}
        Used unless the options set their own.

    Raises
    ------
    TypeError, ValueError
        Wrong type, unknown option names (the valid names are listed) or invalid values.
    """
    if isinstance(student_options, FineTuneStudent):
        return student_options.clone()
    if student_options is not None and not isinstance(student_options, dict):
        from ..train import HeadTrainer

        if isinstance(student_options, HeadTrainer):
            return copy.deepcopy(student_options)
        raise TypeError("student must be None, a dict of options (add 'finetune': 'lora' or 'full' to fine-tune "
                        f"the strong model), a HeadTrainer or a FineTuneStudent; got {type(student_options).__name__}.")
    options = dict(student_options or {})
    if "finetune" not in options:
        return _head_student(options, seed=seed, device=device)
    mode = options.pop("finetune")
    if mode not in MODES:
        raise ValueError(f"student['finetune'] must be one of {list(MODES)}; got {mode!r}.")
    unknown = sorted(set(options) - set(FINETUNE_OPTIONS))
    if unknown:
        raise ValueError(f"unknown fine-tuning option(s) {unknown}; valid options: {sorted(FINETUNE_OPTIONS)}.")
    return FineTuneStudent(**{"device": device, **options, "mode": mode, "seed": seed})


def _head_student(options: dict, *, seed: int, device: str):
    from ..encoders.hf import resolve_device
    from ..protocol import make_student as make_head  # lazy: the protocol may import this package

    if "device" not in options and device != "cpu":
        options["device"] = resolve_device(device)
    return make_head(options, seed=seed)


def make_ceiling(student, *, checkpoint_dir=None):
    """An unfitted fine-tuning ceiling for ``student``: same options, ``xent`` on hard gold targets.

    ``checkpoint_dir`` (default: ``<student's checkpoint_dir>/ceiling``) keeps its
    checkpoints apart from the student's. HeadTrainer students keep the protocol's
    ceiling (``workbench.protocol.fit_ceiling``, cross-validated C).
    """
    if not isinstance(student, FineTuneStudent):
        raise TypeError(f"make_ceiling builds the fine-tuning ceiling; got {type(student).__name__} (the head's "
                        "ceiling is workbench.protocol.fit_ceiling).")
    if checkpoint_dir is None and student.checkpoint_dir is not None:
        from pathlib import Path

        checkpoint_dir = str(Path(student.checkpoint_dir) / "ceiling")
    return student.clone(loss="xent", targets="hard", checkpoint_dir=checkpoint_dir,
                         resume=student.resume and checkpoint_dir is not None)
