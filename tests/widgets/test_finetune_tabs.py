"""The Setup tab's student choice and the Training tab's representation view, driven on a tiny
random BERT (2 layers, hidden 32; tests/students/conftest.py) over a CSV of short texts."""

from __future__ import annotations

import sys

import numpy as np
import pandas as pd
import pytest

from tests.students.conftest import build_tiny_bert, make_texts
from widgets import ModelPairPicker, Workbench
from widgets.cli import build_parser
from widgets.cli import student_options as cli_student_options
from workbench import Result


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    """``{"model": tiny BERT folder, "csv": a 200-row text,label CSV}``."""
    root = tmp_path_factory.mktemp("tiny-finetune")
    texts, y, _ = make_texts(200, seed=3)
    csv = root / "tiny-texts.csv"
    pd.DataFrame({"text": texts, "label": np.where(y == 1, "positive", "negative")}).to_csv(csv, index=False)
    return {"model": str(build_tiny_bert(root / "bert")), "csv": str(csv)}


@pytest.fixture(autouse=True)
def one_torch_thread():
    """One torch thread: the tiny model gains nothing from more, and the machine is shared."""
    import torch

    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


def test_the_student_choice_builds_the_options_w2s_run_finetune_passes(tiny, tmp_path):
    picker = ModelPairPicker(threaded=False, dataset=tiny["csv"], weak=tiny["model"], strong=tiny["model"], n_gold=30)
    c = picker.controls
    assert c["student"].value == "head" and c["epochs"].value == 30
    assert picker.build_experiment().student == {"epochs": 30}
    for mode in ("lora", "full"):
        c["student"].value = mode
        assert c["epochs"].value == 3                             # the untouched box follows: 3 to fine-tune
        args = build_parser().parse_args(["run", "--finetune", mode, "--strong", tiny["model"],
                                          "--out", str(tmp_path / "out")])
        expected = {k: v for k, v in cli_student_options(args).items() if k not in ("checkpoint_dir", "resume")}
        assert picker.build_experiment().student == expected == {
            "finetune": mode, "model": tiny["model"], "loss": "xent", "epochs": 3, "device": "auto"}
    c["epochs"].value = 2
    c["student"].value = "head"
    assert c["epochs"].value == 2                                 # a chosen number is kept
    assert picker.build_experiment().student == {"epochs": 2}


def test_choices_that_cannot_run_say_why_and_run_nothing(tiny, monkeypatch):
    monkeypatch.setitem(sys.modules, "peft", None)                # peft not installed
    picker = ModelPairPicker(threaded=False, dataset=tiny["csv"], weak=tiny["model"], strong=tiny["model"], n_gold=30)
    picker.controls["student"].value = "lora"
    assert "peft" in picker.student_note.value and "w2s-workbench[finetune]" in picker.student_note.value
    assert picker.run() is None and picker.experiment_ is None
    assert "peft" in picker.error_area.value and "fine-tune full" in picker.error_area.value
    picker.controls["student"].value = "full"                     # full fine-tuning needs no peft
    assert picker.student_note.value == "" and picker.config()["student"] == "full"
    picker.controls["dataset"].value = "synthetic"
    assert "brings its own feature views" in picker.student_note.value
    with pytest.raises(ValueError, match="choose a text dataset or the frozen head"):
        picker.build_experiment()


def test_run_fine_tunes_and_the_training_tab_shows_the_representation_live(tiny, tmp_path, monkeypatch):
    monkeypatch.setenv("W2S_CACHE_DIR", str(tmp_path / "cache"))
    wb = Workbench(threaded=False, projection="pca", min_interval=0, dataset=tiny["csv"], weak=tiny["model"],
                   strong=tiny["model"], student="full", epochs=2, n_gold=30, device="cpu", abstain_share=0.0)
    seen, epoch_end = [], wb.representation.on_epoch_end

    def spy(record):  # what the Training tab shows after each epoch, while training runs
        out = epoch_end(record)
        view = wb.representation.view
        seen.append((record.epoch, tuple(view.slider.options), view.slider.value,
                     view.figure.layout.title.text, wb.monitor.records[-1] is record))
        return out

    wb.representation.on_epoch_end = spy
    wb.picker.run_button.click()
    assert wb.picker.error_area.value == "", wb.picker.error_area.value
    result = wb.result_
    assert result.config["student"]["mode"] == "full" and len(result.history["student"]) == 2
    assert [s[:3] for s in seen] == [(1, (0, 1), 1), (2, (0, 1, 2), 2)]
    assert "epoch 1" in seen[0][3] and "epoch 2" in seen[1][3] and all(s[4] for s in seen)
    view = wb.representation.view
    training_tab = wb.tabs.children[1]
    assert wb.representation.widget in training_tab.children and view.widget in wb.representation.widget.children
    assert list(view.color.options) == ["gold", "category"]       # categories added when the run ended
    index = result.history["student"][0].extra["representation_index"]
    assert sum(len(t.x) for t in view.figure.data) == len(index) == len(result.points)
    view.color.value = "category"
    shown = {t.name for t in view.figure.data}
    assert shown == set(result.points["category"].to_numpy()[index])
    view.slider.value = 0
    first = result.history["student"][0].extra["representation_initial"]
    drawn = np.concatenate([np.c_[t.x, t.y] for t in view.figure.data])
    assert np.allclose(np.sort(drawn, axis=0), np.sort(first, axis=0), atol=1e-5)
    # fine-tuned students skip the diagnostics: the Dynamics and Review tabs say so
    assert "fine-tuned students skip" in wb.dynamics.widget.children[0].value
    assert "fine-tuned students skip" in wb.review.widget.children[0].value
    # the saved result keeps the maps: a Workbench on the loaded result shows them again
    loaded = Result.load(result.save(tmp_path / "run"))
    again = Workbench(loaded)
    frames, saved = again.representation.view.frames, view.frames
    assert [f["epoch"] for f in frames] == [0, 1, 2]
    for a, b in zip(frames, saved):
        np.testing.assert_array_equal(a["index"], b["index"])
        np.testing.assert_allclose(a["xy"], b["xy"])


def test_a_frozen_head_leaves_the_training_tab_without_a_representation(fakes):
    wb = Workbench(fakes.FakeExperiment(n_epochs=2), threaded=False, min_interval=0)
    wb.run()
    assert wb.representation.view is None and wb.representation.widget.children == ()
