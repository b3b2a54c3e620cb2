"""ModelPairPicker: choose data, a weak/strong encoder pair and a teacher, then Run.

Run builds a ``workbench.Experiment`` from the controls and runs it in a worker thread
(``on_run(experiment, picker)``; by default embed then run). The engine reports progress
through ``experiment.on_progress(stage, fraction)``, which drives the progress bar with
elapsed time and an estimate of the time left in the stage. Cancel sets
:attr:`ModelPairPicker.stop_event`, which the embedding loop checks between chunks
(finished chunks stay in the cache) and the trainer checks after every epoch. Errors
appear in the widget as one readable line (exception type and message, escaped), never
as a traceback.
"""

from __future__ import annotations

import html
import threading
import time

import ipywidgets as W

from . import student_choice as SC
from .cli import DEFAULTS

__all__ = ["ModelPairPicker", "parse_rules", "error_html", "dataset_options", "default_run", "is_cancellation",
           "uses_own_features", "FEATURE_DATASETS"]


def error_html(exc: BaseException) -> str:
    """A readable, escaped one-line message for ``exc`` (no traceback)."""
    return (f"<div style='color:#b00020'><b>{html.escape(type(exc).__name__)}</b>: "
            f"{html.escape(str(exc))}</div>")


def parse_rules(text: str, label_names) -> list:
    """Parse ``"pattern => label"`` lines into ``[(pattern, label), ...]``.

    Blank lines and lines starting with ``#`` are skipped. Raises ``ValueError`` naming the
    line when the arrow is missing or the label is not one of ``label_names``.
    """
    rules = []
    for number, line in enumerate(str(text).splitlines(), start=1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        pattern, arrow, label = line.rpartition("=>")
        pattern, label = pattern.strip(), label.strip()
        if not arrow or not pattern:
            raise ValueError(f"rule line {number} ({line!r}) must look like 'pattern => label', "
                             "e.g. 'love => positive'.")
        if label_names is not None and label not in label_names:
            raise ValueError(f"rule line {number}: label {label!r} is not one of {list(label_names)}.")
        rules.append((pattern, label))
    if not rules:
        raise ValueError("the rules teacher needs at least one 'pattern => label' line.")
    return rules


def _catalogue() -> list:
    """Model ids of the offline catalogue (installed ones first), for the weak/strong boxes."""
    from workbench.encoders.offline import list_offline_models

    models = sorted(list_offline_models(), key=lambda m: (not m.get("installed", True), m["id"]))
    return [m["id"] for m in models]


#: Packaged datasets that take ``max_per_class``/``seed``; ``tweets`` also takes ``classes`` (as in the CLI).
_SAMPLED = ("tweets", "bbc-news", "drug-reviews")
#: Datasets that bring their own weak and strong feature views (their texts are placeholders):
#: the picker runs them on those features, never through the text encoders.
FEATURE_DATASETS = ("synthetic", "linear-nonlinear")
#: Registered loaders the picker does not offer: they need an argument a box cannot give (a
#: DataFrame; a path, which can be typed instead) or the Hugging Face hub (no network offline).
_NOT_OFFERED = ("dataframe", "csv", "parquet")


def _dataset_names() -> list:
    """Datasets that run offline with any encoder of the catalogue: packaged texts, then feature data."""
    from workbench.data import list_datasets
    from workbench.data.hub import HUB_DATASETS

    names = [n for n in list_datasets() if n not in _NOT_OFFERED and n not in HUB_DATASETS]
    return [n for n in names if n not in FEATURE_DATASETS] + [n for n in FEATURE_DATASETS if n in names]


def uses_own_features(dataset) -> bool:
    """True when ``dataset`` (a name or a TextDataset) carries its own weak and strong features."""
    if isinstance(dataset, str):
        return dataset in FEATURE_DATASETS
    return {"weak", "strong"} <= set(getattr(dataset, "features", {}) or {})


def dataset_options(cfg: dict) -> dict:
    """The ``load_dataset`` options the picker's values give for ``cfg["dataset"]``."""
    options = {}
    if cfg["dataset"] == "tweets" and cfg["classes"]:
        options["classes"] = tuple(cfg["classes"])
    if cfg["dataset"] in _SAMPLED and cfg["max_per_class"]:
        options.update(max_per_class=cfg["max_per_class"], seed=cfg["seed"])
    return options


def is_cancellation(exc: BaseException) -> bool:
    """True only for the exception a cancelled embedding raises (``EmbeddingCancelled``): any
    other error stays an error, even after Cancel or Stop was pressed."""
    from workbench.cache import EmbeddingCancelled

    return isinstance(exc, EmbeddingCancelled)


def default_run(experiment, picker):
    """What Run does unless told otherwise: embed (cancellable), then run."""
    experiment.embed(stop_event=picker.stop_event)
    return experiment.run(stop_event=picker.stop_event)


class ModelPairPicker:
    """Controls to configure and start one weak-to-strong run.

    Parameters
    ----------
    on_run : callable(experiment, picker) -> result, optional
        Does the work of Run in the worker thread; defaults to :func:`default_run`.
    threaded : bool, default True
        Run in a daemon thread (so Cancel works); False runs inline (scripts, tests).
    **values
        Initial control values: ``dataset, classes, max_per_class, weak, strong, teacher,
        n_gold, abstain_below, rules, student ("head" | "lora" | "full"), epochs, device, seed``.

    Attributes
    ----------
    stop_event : threading.Event
    experiment_ : Experiment or None
        The last experiment Run built (or the one given to :meth:`set_experiment`).
    result_, error_ : the last run's result / exception (None if none).
    thread_ : threading.Thread or None
    """

    def __init__(self, *, on_run=None, threaded: bool = True, **values):
        self.on_run = on_run or default_run
        self.threaded = bool(threaded)
        self.stop_event = threading.Event()
        self.experiment_ = self.result_ = self.error_ = self.thread_ = None
        self._fixed_experiment = None
        self._t0 = self._stage_t0 = time.monotonic()
        self._stage_f0 = 0.0
        self._stage = None
        self._build_controls()
        unknown = set(values) - set(self.controls)
        if unknown:
            raise TypeError(f"unknown picker values {sorted(unknown)}; known: {sorted(self.controls)}.")
        for name, value in values.items():
            self._set_value(name, value)
        self._sync_visibility()

    # ----------------------------------------------------------------- construction
    def _build_controls(self):
        models = _catalogue()
        wide = dict(layout=W.Layout(width="460px"), style={"description_width": "70px"})
        right = dict(style={"description_width": "110px"})  # the right column's labels, uncut
        c = self.controls = {
            "dataset": W.Combobox(value=DEFAULTS["dataset"], options=_dataset_names(), ensure_option=False,
                                  description="dataset", placeholder="name or .csv/.parquet path", **wide),
            "classes": W.Text(value=DEFAULTS["classes"], description="classes",
                              placeholder="comma-separated subset; empty = all"),
            "max_per_class": W.IntText(value=DEFAULTS["max_per_class"], description="max / class"),
            "weak": W.Combobox(value=DEFAULTS["weak"], options=models, ensure_option=False, description="weak",
                               placeholder="hub id or local folder", **wide),
            "strong": W.Combobox(value=DEFAULTS["strong"], options=models, ensure_option=False,
                                 description="strong", placeholder="hub id or local folder", **wide),
            "teacher": W.Dropdown(options=["probe", "rules"], value=DEFAULTS["teacher"], description="teacher",
                                  **right),
            "n_gold": W.IntText(value=DEFAULTS["n_gold"], description="n_gold", **right),
            "abstain_share": W.FloatSlider(value=DEFAULTS["abstain_share"], min=0.0, max=0.9, step=0.05,
                                           description="abstain share", readout_format=".0%", **right,
                                           tooltip="the teacher abstains on this share of the points it is least "
                                                   "sure about (0 = it labels every point)"),
            "abstain": W.Checkbox(value=False, description="also abstain below confidence", indent=False,
                                  layout=W.Layout(width="auto", margin="2px 0 2px 114px")),
            "abstain_below": W.FloatSlider(value=0.7, min=0.5, max=0.99, step=0.01, description="below conf", **right),
            "rules": W.Textarea(value="", description="rules", placeholder="love => positive\nawful => negative",
                                **right),
            "student": W.Dropdown(options=list(SC.STUDENTS), value="head", description="student", **right,
                                  tooltip="a head on the frozen strong embeddings, or the strong model itself "
                                          "fine-tuned on the teacher's labels (as w2s run --finetune)"),
            "epochs": W.IntText(value=SC.DEFAULT_EPOCHS["head"], description="epochs", **right),
            "device": W.Dropdown(options=["auto", "cpu", "cuda"], value="auto", description="device", **right),
            "seed": W.IntText(value=DEFAULTS["seed"], description="seed", **right),
        }
        for name in ("teacher", "abstain", "dataset", "student"):
            c[name].observe(lambda _: self._sync_visibility(), names="value")
        c["student"].observe(self._on_student, names="value")
        self.run_button = W.Button(description="Run", icon="play", button_style="success")
        self.cancel_button = W.Button(description="Cancel", icon="stop", disabled=True)
        self.run_button.on_click(lambda _: self.run())
        self.cancel_button.on_click(lambda _: self.cancel())
        self.progress_bar = W.IntProgress(value=0, min=0, max=1000, description="progress",
                                          layout=W.Layout(width="320px"))
        self.progress_label = W.HTML("", layout=W.Layout(margin="0 0 0 8px"))
        self.error_area = W.HTML("")
        self.note = W.HTML("")
        self.features_note = W.HTML("")
        self.student_note = W.HTML("")
        self.form = W.HBox([W.VBox([c["dataset"], c["weak"], c["strong"], self.features_note, c["classes"],
                                    c["max_per_class"]]),
                            W.VBox([c["teacher"], c["n_gold"], c["abstain_share"], c["abstain"], c["abstain_below"],
                                    c["rules"], c["student"], self.student_note,
                                    c["epochs"], c["device"], c["seed"]])], layout=W.Layout(flex_flow="row wrap"))
        self.widget = W.VBox([
            self.note,
            self.form,
            W.HBox([self.run_button, self.cancel_button, self.progress_bar, self.progress_label],
                   layout=W.Layout(flex_flow="row wrap", align_items="center")),
            self.error_area,
        ])

    def _set_value(self, name, value):
        if name == "abstain_share":
            self.controls["abstain_share"].value = float(value or 0.0)
            return
        if name == "abstain_below":
            self.controls["abstain"].value = value is not None
            if value is not None:
                self.controls["abstain_below"].value = float(value)
            return
        self.controls[name].value = value

    def _sync_visibility(self):
        c = self.controls
        c["rules"].layout.display = None if c["teacher"].value == "rules" else "none"
        c["n_gold"].layout.display = None if c["teacher"].value == "probe" else "none"
        c["abstain_below"].disabled = not c["abstain"].value
        c["classes"].layout.display = None if c["dataset"].value == "tweets" else "none"
        c["max_per_class"].layout.display = None if c["dataset"].value in _SAMPLED else "none"
        own = uses_own_features(str(c["dataset"].value).strip())
        if self._fixed_experiment is None:
            c["weak"].disabled = c["strong"].disabled = own
        self.features_note.value = (f"<i>{html.escape(str(c['dataset'].value))} brings its own weak and strong "
                                    "features (its texts are placeholders): the encoder boxes are not used.</i>"
                                    if own else "")
        reason = self._student_reason()
        self.student_note.value = ("" if reason is None else
                                   f"<div style='color:#b00020'>{html.escape(reason)}</div>")

    def _student_reason(self):
        dataset = str(self.controls["dataset"].value).strip()
        return SC.unavailable_reason(self.controls["student"].value, own_features=uses_own_features(dataset),
                                     dataset=dataset)

    def _on_student(self, change):
        """An untouched epochs box follows the student's default (30 for the head, 3 to fine-tune)."""
        epochs = self.controls["epochs"]
        if epochs.value == SC.DEFAULT_EPOCHS[change["old"]]:
            epochs.value = SC.DEFAULT_EPOCHS[change["new"]]

    def _repr_mimebundle_(self, **kwargs):
        return self.widget._repr_mimebundle_(**kwargs)

    # ------------------------------------------------------------------ configuration
    def config(self) -> dict:
        """The current choices as plain values (raises ValueError naming a bad one)."""
        c = self.controls
        out = {name: c[name].value for name in ("dataset", "classes", "max_per_class", "weak", "strong",
                                                 "teacher", "n_gold", "student", "epochs", "device", "seed",
                                                 "rules")}
        for name in ("dataset", "weak", "strong"):
            out[name] = str(out[name]).strip()
            if not out[name]:
                raise ValueError(f"choose a {name}: it is empty.")
        for name, low in (("n_gold", 1), ("epochs", 1), ("seed", 0), ("max_per_class", 0)):
            if out[name] < low:
                raise ValueError(f"{name} must be >= {low}; got {out[name]}.")
        out["abstain_below"] = float(c["abstain_below"].value) if c["abstain"].value else None
        out["abstain_share"] = float(c["abstain_share"].value) or None
        out["classes"] = tuple(s.strip() for s in str(out["classes"]).split(",") if s.strip())
        reason = self._student_reason()
        if reason is not None:
            raise ValueError(reason)
        return out

    def build_experiment(self):
        """Build the ``workbench.Experiment`` the controls describe (loads data; embeds nothing)."""
        cfg = self.config()  # check the controls before importing the engine
        from workbench import EncoderPair, Experiment, load_dataset

        if cfg["dataset"].endswith((".csv", ".parquet")):
            dataset = load_dataset(cfg["dataset"].rsplit(".", 1)[1], path=cfg["dataset"])
        else:
            dataset = load_dataset(cfg["dataset"], **dataset_options(cfg))
        teacher_options = {}
        if cfg["teacher"] == "rules":
            teacher_options["rules"] = parse_rules(cfg["rules"], dataset.label_names)
        if uses_own_features(dataset):  # never embed placeholder texts with a text encoder
            pair = EncoderPair(weak=dataset.features["weak"], strong=dataset.features["strong"])
        else:
            pair = EncoderPair(weak=cfg["weak"], strong=cfg["strong"], device=cfg["device"])
        return Experiment(dataset, pair, teacher=cfg["teacher"], n_gold=cfg["n_gold"], seed=cfg["seed"],
                          abstain_below=cfg["abstain_below"], abstain_share=cfg["abstain_share"],
                          teacher_options=teacher_options,
                          student=SC.student_options(cfg["student"], strong=cfg["strong"], epochs=cfg["epochs"],
                                                     device=cfg["device"]))

    def set_experiment(self, experiment) -> None:
        """Run this already-built experiment instead of building one from the controls."""
        self._fixed_experiment = self.experiment_ = experiment
        for control in self.controls.values():
            control.disabled = True
        self.form.layout.display = "none"  # the boxes would show defaults that are not what runs
        self.note.value = f"<i>Runs the experiment given in code: {html.escape(repr(experiment))}</i>"

    # ------------------------------------------------------------------------ running
    @property
    def running(self) -> bool:
        """True while a run is in progress."""
        return self.thread_ is not None and self.thread_.is_alive()

    def run(self):
        """What the Run button does: build the experiment and start it; returns the experiment
        (None if it could not be built: the reason is shown in the error area)."""
        if self.running:
            return None
        self.clear_status()
        self.stop_event.clear()
        self.result_ = self.error_ = None
        try:
            experiment = self._fixed_experiment or self.build_experiment()
        except Exception as exc:  # shown to the user as one line
            self.show_error(exc)
            return None
        self.experiment_ = experiment
        experiment.on_progress = lambda stage, fraction: self.progress(fraction, stage)
        self._t0, self._stage = time.monotonic(), None
        self._set_running(True)
        if self.threaded:
            self.thread_ = threading.Thread(target=self._work, args=(experiment,), name="w2s-run", daemon=True)
            self.thread_.start()
        else:
            self._work(experiment)
        return experiment

    def _work(self, experiment):
        try:
            self.result_ = self.on_run(experiment, self)
            if self.stop_event.is_set():
                self.progress_label.value = "stopped: the result keeps the epochs trained so far"
            else:
                self.progress(1.0, "done")
        except Exception as exc:
            if self.stop_event.is_set() and is_cancellation(exc):
                self.progress_label.value = ("cancelled: finished embedding chunks stay in the cache; "
                                             "Run again resumes from them")
            else:
                self.show_error(exc)
        finally:
            self._set_running(False)

    def clear_status(self) -> None:
        """Empty the progress bar, its label and the error area (a new run starts clean)."""
        self.error_area.value = self.progress_label.value = ""
        self.progress_bar.value = 0
        self.progress_bar.bar_style = ""

    def show_error(self, exc: BaseException) -> None:
        """Show ``exc`` as one readable line; the previous run's status ("done: 100%") goes away."""
        self.error_ = exc
        self.progress_bar.value, self.progress_bar.bar_style = 0, "danger"
        self.progress_label.value = "failed"
        self.error_area.value = error_html(exc)

    def close(self) -> None:
        """Close every widget of the picker (their comms)."""
        from ._lifecycle import close_tree

        close_tree(self.widget)

    def cancel(self) -> None:
        """What the Cancel button does: stop at the next chunk or epoch, keeping what finished."""
        self.stop_event.set()
        self.cancel_button.disabled = True
        self.progress_label.value = "cancelling…"

    def _set_running(self, running: bool):
        self.run_button.disabled = running
        self.cancel_button.disabled = not running

    def progress(self, fraction: float, message: str = "") -> None:
        """Progress hook: ``fraction`` in [0, 1] of the current stage named ``message``.

        The estimate extrapolates the rate since the stage's first report, so a stage that
        resumes part-way (cached embedding chunks) is not estimated from zero.
        """
        now = time.monotonic()
        fraction = min(max(float(fraction), 0.0), 1.0)
        if message != self._stage:
            self._stage, self._stage_t0, self._stage_f0 = message, now, fraction
        self.progress_bar.value = int(round(fraction * 1000))
        elapsed, spent, done = now - self._t0, now - self._stage_t0, fraction - self._stage_f0
        eta = f" · about {spent * (1 - fraction) / done:.0f} s left" if fraction < 1 and done > 0 and spent > 0 else ""
        self.progress_label.value = f"{html.escape(str(message))}: {fraction:.0%} · {elapsed:.0f} s elapsed{eta}"
