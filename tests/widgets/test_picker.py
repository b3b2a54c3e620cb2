"""ModelPairPicker driven headlessly: set values, click Run / Cancel, read the widgets."""

from __future__ import annotations

import threading
from types import SimpleNamespace

import pytest

from widgets import ModelPairPicker
from widgets.cli import DEFAULTS
from widgets.picker import error_html, parse_rules


def test_opens_on_the_offline_default_and_runs_nothing():
    picker = ModelPairPicker()
    cfg = picker.config()
    assert (cfg["dataset"], cfg["weak"], cfg["strong"]) == (DEFAULTS["dataset"], DEFAULTS["weak"], DEFAULTS["strong"])
    assert cfg["classes"] == ("negative", "positive") and cfg["teacher"] == "probe"
    assert DEFAULTS["weak"] in picker.controls["weak"].options
    assert picker.thread_ is None and picker.experiment_ is None and not picker.running
    assert picker.cancel_button.disabled and not picker.run_button.disabled


def test_values_can_be_set_and_are_validated():
    picker = ModelPairPicker(dataset="bbc-news", classes="", n_gold=50, seed=3, abstain_below=0.8,
                             weak="/models/my-encoder", device="cpu")
    cfg = picker.config()
    assert cfg["classes"] == () and cfg["n_gold"] == 50 and cfg["seed"] == 3
    assert cfg["abstain_below"] == pytest.approx(0.8) and cfg["weak"] == "/models/my-encoder"
    picker.controls["abstain"].value = False
    assert picker.config()["abstain_below"] is None and picker.controls["abstain_below"].disabled
    picker.controls["n_gold"].value = 0
    with pytest.raises(ValueError, match="n_gold must be >= 1"):
        picker.config()
    picker.controls["n_gold"].value = 5
    picker.controls["strong"].value = "  "
    with pytest.raises(ValueError, match="choose a strong"):
        picker.config()
    with pytest.raises(TypeError, match="unknown picker values"):
        ModelPairPicker(colour="red")


def test_teacher_kind_shows_its_own_options():
    picker = ModelPairPicker()
    assert picker.controls["rules"].layout.display == "none"
    picker.controls["teacher"].value = "rules"
    assert picker.controls["rules"].layout.display is None
    assert picker.controls["n_gold"].layout.display == "none"


def test_parse_rules():
    text = "# sentiment rules\nlove => positive\n\nnot => good => negative\n"
    assert parse_rules(text, ("negative", "positive")) == [("love", "positive"), ("not => good", "negative")]
    with pytest.raises(ValueError, match="line 1 .* must look like 'pattern => label'"):
        parse_rules("love positive", ("negative", "positive"))
    with pytest.raises(ValueError, match="label 'happy' is not one of"):
        parse_rules("love => happy", ("negative", "positive"))
    with pytest.raises(ValueError, match="at least one"):
        parse_rules("# nothing", ("negative", "positive"))


def test_run_click_runs_the_experiment_and_fills_the_progress_bar(fakes):
    exp = fakes.FakeExperiment(n_epochs=3)
    picker = ModelPairPicker(threaded=False)
    picker.set_experiment(exp)
    assert all(c.disabled for c in picker.controls.values()) and "given in code" in picker.note.value
    picker.run_button.click()
    assert exp.calls[:2] == ["embed", "run"]
    assert picker.result_ is not None and picker.error_ is None
    assert picker.progress_bar.value == 1000 and picker.progress_label.value.startswith("done: 100%")
    assert not picker.run_button.disabled and picker.cancel_button.disabled


def test_cancel_stops_a_threaded_run_and_keeps_what_finished(fakes):
    exp = fakes.FakeExperiment(n_epochs=500, epoch_delay=0.01)
    picker = ModelPairPicker()
    picker.set_experiment(exp)
    picker.run_button.click()
    assert exp.started.wait(10) and picker.running and picker.run_button.disabled
    picker.cancel_button.click()
    picker.thread_.join(10)
    assert not picker.running and picker.stop_event.is_set()
    assert picker.result_ is not None and len(picker.result_.history["student"]) < 500
    assert "stopped" in picker.progress_label.value and picker.error_area.value == ""
    assert not picker.run_button.disabled


def test_cancel_during_embedding_reports_the_cache_is_kept():
    started = threading.Event()

    def on_run(experiment, picker):
        started.set()
        picker.stop_event.wait(10)
        from workbench.cache import EmbeddingCancelled

        raise EmbeddingCancelled("embedding cancelled after 2 finished chunk(s)")  # what a cancelled loop raises

    picker = ModelPairPicker(on_run=on_run)
    picker.set_experiment(SimpleNamespace())
    picker.run()
    assert started.wait(10)
    picker.cancel()
    picker.thread_.join(10)
    assert "cancelled" in picker.progress_label.value and "cache" in picker.progress_label.value
    assert picker.error_area.value == "" and picker.error_ is None


def test_errors_are_shown_as_one_escaped_line_without_a_traceback():
    def on_run(experiment, picker):
        raise ValueError("model <b>x</b> not found; pass a local folder")

    picker = ModelPairPicker(on_run=on_run, threaded=False)
    picker.set_experiment(SimpleNamespace())
    picker.run_button.click()
    assert isinstance(picker.error_, ValueError)
    assert picker.error_area.value == error_html(picker.error_)
    assert "&lt;b&gt;x&lt;/b&gt;" in picker.error_area.value and "Traceback" not in picker.error_area.value
    assert not picker.run_button.disabled


def test_invalid_controls_show_an_error_instead_of_running():
    calls = []
    picker = ModelPairPicker(on_run=lambda e, p: calls.append(e), threaded=False, n_gold=0)
    assert picker.run() is None
    assert calls == [] and "<b>ValueError</b>: n_gold must be &gt;= 1" in picker.error_area.value


def test_progress_hook_shows_stage_elapsed_time_and_estimate(monkeypatch):
    import widgets.picker as P

    clock = iter([100.0, 110.0, 130.0])
    monkeypatch.setattr(P.time, "monotonic", lambda: next(clock))
    picker = ModelPairPicker()  # t0 = 100
    picker.progress(0.0, "embedding (weak)")  # stage starts at 110
    picker.progress(0.25, "embedding (weak)")  # 20 s into the stage, a quarter done
    assert picker.progress_bar.value == 250
    assert picker.progress_label.value == "embedding (weak): 25% · 30 s elapsed · about 60 s left"


def test_dataset_options_follow_the_dataset_like_the_cli():
    from widgets.picker import dataset_options
    from workbench import load_dataset

    picker = ModelPairPicker(max_per_class=100, seed=2)
    assert dataset_options(picker.config()) == {"classes": ("negative", "positive"), "max_per_class": 100, "seed": 2}
    picker.controls["dataset"].value = "bbc-news"
    assert dataset_options(picker.config()) == {"max_per_class": 100, "seed": 2}
    assert picker.controls["classes"].layout.display == "none"
    assert picker.controls["max_per_class"].layout.display is None
    picker.controls["dataset"].value = "synthetic"
    assert dataset_options(picker.config()) == {}
    assert picker.controls["max_per_class"].layout.display == "none"
    assert len(load_dataset("synthetic", **dataset_options(picker.config()))) > 0


def test_estimate_of_a_resumed_stage_uses_the_rate_since_it_resumed(monkeypatch):
    import widgets.picker as P

    clock = iter([0.0, 5.0, 15.0])
    monkeypatch.setattr(P.time, "monotonic", lambda: next(clock))
    picker = ModelPairPicker()
    picker.progress(0.5, "embedding (strong)")  # half the chunks were cached
    assert "left" not in picker.progress_label.value
    picker.progress(0.6, "embedding (strong)")  # 10 % in 10 s -> 40 s for the remaining 40 %
    assert picker.progress_label.value.endswith("about 40 s left")


def test_a_real_error_after_stop_is_shown_as_an_error_not_as_cancelled():
    """Issue 16: once Stop had been pressed, any exception read as "cancelled"."""
    started = threading.Event()

    def on_run(experiment, picker):
        started.set()
        picker.stop_event.wait(10)
        raise ValueError("the UMAP cache is corrupt: delete it")  # a real failure after Stop

    picker = ModelPairPicker(on_run=on_run)
    picker.set_experiment(SimpleNamespace())
    picker.run()
    assert started.wait(10)
    picker.cancel()
    picker.thread_.join(10)
    assert isinstance(picker.error_, ValueError)
    assert "<b>ValueError</b>: the UMAP cache is corrupt" in picker.error_area.value
    assert "cancelled" not in picker.progress_label.value and picker.progress_label.value == "failed"


def test_an_error_clears_the_previous_runs_done_status(fakes):
    exp = fakes.FakeExperiment(n_epochs=2)
    picker = ModelPairPicker(threaded=False)
    picker.set_experiment(exp)
    picker.run_button.click()
    assert picker.progress_label.value.startswith("done: 100%")
    exp.fail = RuntimeError("out of memory")
    exp.X_weak_ = None
    picker.on_run = lambda e, p: e.embed()
    picker.run_button.click()
    assert "done" not in picker.progress_label.value and picker.progress_bar.value == 0
    assert picker.progress_bar.bar_style == "danger" and "out of memory" in picker.error_area.value
    picker.on_run = lambda e, p: "ok"
    picker.run_button.click()
    assert picker.error_area.value == "" and picker.progress_bar.bar_style == ""


def test_the_dataset_box_offers_only_what_runs_offline():
    from workbench.data.hub import HUB_DATASETS

    picker = ModelPairPicker()
    offered = list(picker.controls["dataset"].options)
    assert {"tweets", "bbc-news", "drug-reviews", "synthetic"} <= set(offered)
    assert not {"dataframe", "csv", "parquet"} & set(offered) and not set(HUB_DATASETS) & set(offered)
    assert offered.index("synthetic") > offered.index("tweets")  # texts first, feature data last


def test_feature_datasets_run_on_their_own_features_never_on_placeholder_texts():
    picker = ModelPairPicker(dataset="synthetic", n_gold=20)
    assert picker.controls["weak"].disabled and picker.controls["strong"].disabled
    assert "brings its own weak and strong features" in picker.features_note.value
    exp = picker.build_experiment()
    ds = exp.dataset
    assert type(exp.pair.weak).__name__ == type(exp.pair.strong).__name__ == "PrecomputedEncoder"
    assert (exp.pair.weak.encode(list(ds.texts)) == ds.features["weak"]).all()
    picker.controls["dataset"].value = "tweets"
    assert not picker.controls["weak"].disabled and picker.features_note.value == ""


def test_model_ids_fit_their_boxes():
    picker = ModelPairPicker()
    longest = max(len(m) for m in picker.controls["weak"].options)
    width = int(picker.controls["weak"].layout.width.rstrip("px"))
    assert width - 70 >= 7 * longest  # ~7 px per character at the default font, after the label


def test_the_default_teacher_abstains_on_its_least_confident_share():
    """The Setup tab starts from the offline default run (workbench.defaults), abstention included."""
    from workbench import defaults

    picker = ModelPairPicker()
    assert picker.config()["abstain_share"] == defaults.ABSTAIN_SHARE
    picker.controls["abstain_share"].value = 0.0
    assert picker.config()["abstain_share"] is None  # full coverage is one step away
    assert ModelPairPicker(abstain_share=0.5).config()["abstain_share"] == 0.5
