"""``w2s`` options: every option has a help text, compare lists its methods, --precision reaches the encoders."""

from __future__ import annotations

import argparse

import numpy as np
import pandas as pd
import pytest

from widgets.cli import COMPARE_METHODS, PRECISIONS, build_parser, main


def _subparsers(parser):
    action = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return action.choices


def test_every_option_of_every_command_has_a_help_text():
    missing = [f"{name} {'/'.join(a.option_strings)}" for name, sub in _subparsers(build_parser()).items()
               for a in sub._actions if a.option_strings and a.dest != "help" and not a.help]
    assert not missing, f"options without help: {missing}"


def test_compare_help_lists_the_method_names(capsys):
    from workbench.methods.compare import METHODS

    assert tuple(COMPARE_METHODS) == METHODS
    with pytest.raises(SystemExit):
        main(["compare", "--help"])
    out = " ".join(capsys.readouterr().out.split())  # argparse wraps lines
    for name in METHODS:
        assert f"{name} = " in out, name
    assert build_parser().parse_args(["compare"]).methods == ",".join(METHODS)


@pytest.mark.parametrize("command", ["run", "embed"])
def test_precision_option(command):
    extra = ["--out", "x"] if command == "run" else []
    parser = build_parser()
    assert parser.parse_args([command, *extra]).precision == "auto"
    assert parser.parse_args([command, *extra, "--precision", "fp32"]).precision == "fp32"
    with pytest.raises(SystemExit):
        parser.parse_args([command, *extra, "--precision", "fp16"])
    assert PRECISIONS == ("auto", "bf16", "fp32")


def test_run_precision_reaches_the_encoders(tiny_bert_dir, tmp_path, monkeypatch):
    rng = np.random.default_rng(0)
    rows = [{"text": f"{'good' if y else 'bad'} day {i}", "label": "pos" if y else "neg"}
            for i, y in enumerate(rng.integers(0, 2, 60))]
    csv = tmp_path / "small.csv"
    pd.DataFrame(rows).to_csv(csv, index=False)
    seen = []
    import workbench  # run_command imports EncoderPair from here when it runs: spy on it

    real_pair = workbench.EncoderPair

    def spy(*args, **kwargs):
        pair = real_pair(*args, **kwargs)
        seen.append((pair.weak.dtype, pair.strong.dtype))
        return pair

    monkeypatch.setattr(workbench, "EncoderPair", spy)
    for precision in ("bf16", "fp32"):
        code = main(["run", "--dataset", str(csv), "--weak", str(tiny_bert_dir), "--strong", str(tiny_bert_dir),
                     "--n-gold", "10", "--epochs", "2", "--projection", "none", "--no-progress",
                     "--precision", precision, "--out", str(tmp_path / precision)])
        assert code == 0
    assert seen == [("bfloat16", "bfloat16"), ("float32", "float32")]
