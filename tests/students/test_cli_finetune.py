"""``w2s run --finetune``: the parser and the student options it hands to Experiment."""

from __future__ import annotations

import pytest

from widgets.cli import build_parser, main, student_options
from workbench.students import FineTuneStudent, make_student
from workbench.train import HeadTrainer


def _args(*extra):
    return build_parser().parse_args(["run", "--out", "runs/x", *extra])


def test_default_run_keeps_the_frozen_head():
    opts = student_options(_args())
    assert opts == {"loss": "xent", "epochs": 30}
    assert isinstance(make_student(opts), HeadTrainer)


def test_finetune_lora_options():
    args = _args("--finetune", "lora", "--strong", "sentence-transformers/all-MiniLM-L6-v2", "--epochs", "2",
                 "--lora-r", "4", "--lr", "1e-3", "--resume", "--device", "cpu")
    opts = student_options(args)
    assert opts["finetune"] == "lora" and opts["epochs"] == 2 and opts["lora_r"] == 4 and opts["lr"] == 1e-3
    assert opts["model"] == "sentence-transformers/all-MiniLM-L6-v2" and opts["resume"] is True
    assert opts["checkpoint_dir"].endswith("checkpoints")
    student = make_student(opts, seed=0)
    assert isinstance(student, FineTuneStudent) and student.lora_r == 4 and student.device == "cpu"
    assert student_options(_args("--finetune", "full"))["epochs"] == 3


@pytest.mark.parametrize("flags, match", [
    (["--lora-r", "4"], "--lora-r applies to fine-tuning"),
    (["--resume"], "--resume continues a fine-tuning run"),
    (["--finetune", "full", "--lora-r", "4"], "not full"),
])
def test_finetune_flags_without_finetune_are_errors(flags, match, capsys):
    with pytest.raises(ValueError, match=match):
        student_options(_args(*flags))


def test_bad_finetune_mode_is_rejected_by_the_parser(capsys):
    with pytest.raises(SystemExit):
        main(["run", "--finetune", "qlora", "--out", "x"])
    assert "invalid choice" in capsys.readouterr().err
