"""The weak-to-strong experiment: data → encoders → cache → teacher → student → Result.

Burns et al. protocol (docs/science.md §1): the teacher (weak model) is fitted on ``n_gold``
gold labels of the weak-train split; it labels every row; the ceiling is the strong
head trained on the student-train split's *gold* labels; the student is the same head
trained on the student-train split's *teacher* labels (covered points only). All three
are evaluated on the held-out test split.

Example
-------
>>> from workbench import load_dataset, EncoderPair, Experiment
>>> ds = load_dataset("synthetic", n=600, seed=0)
>>> pair = EncoderPair(weak=ds.features["weak"], strong=ds.features["strong"])
>>> result = Experiment(ds, pair, n_gold=40, seed=0).run()
>>> sorted(result.metrics)[:3]
['ceiling_acc', 'ece_ceiling', 'ece_student']
"""

from __future__ import annotations

import time

import numpy as np

from . import metrics as M
from ._run_metrics import EvalContext, epoch_metrics, final_metrics, points_table, weak_accuracy
from ._run_teacher import check_teacher, read_diagnostics, reviewed, weight_records
from ._validation import check_fraction, check_int, check_matrix
from .cache import EmbeddingCache
from .data import TextDataset, make_splits
from .encoders import EncoderPair
from .encoders.base import PrecomputedEncoder
from .protocol import burns_protocol, make_student
from .results import Result
from .teachers import TeacherViews, is_teacher, make_teacher
from .train import TrainingStart

__all__ = ["Experiment"]


class Experiment:
    """One weak-to-strong run over a dataset and an encoder pair.

    Parameters
    ----------
    dataset : TextDataset
    pair : EncoderPair
    teacher : {"probe", "rules", "fixed"} or teacher object, default "probe"
        A teacher object has ``fit(views, y, *, gold_index, student_index)``,
        ``predict(views)`` and ``diagnostics()`` (:class:`workbench.teachers.Teacher`); the
        run gives it a :class:`~workbench.teachers.TeacherViews` with the weak and strong
        embeddings and the texts, and only the gold labels of the weak-train rows.
    n_gold : int, default 200
        Gold labels the weak teacher is trained on.
    seed : int, default 0
    test_size, val_size : float
        Fractions of the data held out for testing and for (teacher-labelled) early stopping.
    abstain_below : float or None
        Teacher abstains where its top probability is below this threshold.
    abstain_share : float in [0, 1) or None
        Teacher abstains on this share of the examples it is least confident about
        (Lang et al.'s setting; the threshold is a quantile of its own confidence, no
        gold used). ``None``: full coverage unless ``abstain_below`` is set.
    teacher_options : dict or None
        Extra options for :func:`workbench.teachers.make_teacher`.
    student : HeadTrainer or dict or None
        The strong head: HeadTrainer options (see :data:`workbench.protocol.STUDENT_DEFAULTS`).
        The ceiling uses the same head kind on gold labels with its own fixed epochs and a
        cross-validated ``C`` (:func:`workbench.protocol.fit_ceiling`).
    cache : EmbeddingCache or None
        Defaults to ``EmbeddingCache()`` (``$W2S_CACHE_DIR`` or ``~/.cache/w2s-workbench``).

    Attributes
    ----------
    X_weak_, X_strong_ : ndarray of shape (n, d_w), (n, d_s)
        Embeddings, after :meth:`embed`.
    splits_ : Splits
        After :meth:`run`.
    teacher_ : teacher
        The fitted teacher of the last :meth:`run`.
    teacher_diagnostics_ : dict
        Its ``diagnostics()`` (the ``history``/``weights``/``weights_history`` keys go into the result).
    result_ : Result
        The last result of :meth:`run`.
    """

    def __init__(self, dataset, pair, *, teacher="probe", n_gold: int = 200, seed: int = 0,
                 test_size: float = 0.25, val_size: float = 0.0, abstain_below=None, abstain_share=None,
                 teacher_options=None, student=None, cache=None):
        if not isinstance(dataset, TextDataset):
            raise TypeError("dataset must be a TextDataset (from workbench.load_dataset); "
                            f"got {type(dataset).__name__}.")
        if not isinstance(pair, EncoderPair):
            raise TypeError(f"pair must be an EncoderPair; got {type(pair).__name__}. "
                            "Build one with EncoderPair(weak=..., strong=...).")
        self.dataset = dataset
        self.pair = pair
        self.teacher = teacher
        self.n_gold = check_int(n_gold, name="n_gold", minimum=1)
        self.seed = check_int(seed, name="seed", minimum=0)
        self.test_size = check_fraction(test_size, name="test_size")
        self.val_size = check_fraction(val_size, name="val_size", inclusive=True, high=0.9)
        self.abstain_below = _check_abstain(abstain_below, "abstain_below")
        self.abstain_share = _check_abstain(abstain_share, "abstain_share", high_open=True)
        if teacher_options is not None and not isinstance(teacher_options, dict):
            raise TypeError(f"teacher_options must be a dict; got {type(teacher_options).__name__}.")
        self.teacher_options = dict(teacher_options or {})
        check_teacher(teacher, self.teacher_options)
        make_student(student, seed=self.seed)  # validates the student options now, before any embedding
        self.student = student
        self.cache = cache if cache is not None else EmbeddingCache()
        self.on_progress = None  # optional callable(stage: str, fraction: float)
        self.X_weak_ = None
        self.X_strong_ = None
        # Check n_gold against the data now, before any expensive work.
        make_splits(dataset, n_gold=self.n_gold, test_size=self.test_size,
                    val_size=self.val_size, seed=self.seed)

    def __repr__(self) -> str:
        # every option that changes what the teacher labels is shown (the Setup tab prints this)
        options = "".join(f", {name}={value!r}" for name, value in (
            ("abstain_share", self.abstain_share), ("abstain_below", self.abstain_below),
            ("val_size", self.val_size or None)) if value is not None)
        return (f"Experiment(dataset={self.dataset.name!r} ({len(self.dataset)} rows), "
                f"pair={self.pair!r}, teacher={self._teacher_name()!r}, n_gold={self.n_gold}{options}, "
                f"seed={self.seed})")

    # ----------------------------------------------------------------- embed
    def embed(self, *, progress: bool = True, stop_event=None, engine: str = "local", address: str | None = None,
              num_workers: int | None = None) -> "Experiment":
        """Embed the dataset with both encoders (cached on disk; a second call is fast).

        ``stop_event`` (a ``threading.Event``) cancels between chunks; finished chunks
        stay in the cache and the next call resumes from them.

        Parameters
        ----------
        engine : {"local", "ray"}, default "local"
            ``"ray"`` runs the encoders in Ray actors (one per GPU, else per CPU) and
            writes the same cache (:func:`workbench.scale.ray_embed`); needs the
            ``w2s-workbench[ray]`` extra.
        address : str, optional
            Ray cluster to join if Ray is not initialised yet, e.g. ``"ray://head:10001"``.
        num_workers : int, optional
            Ray encoder actors (default: one per GPU, else one per CPU of the cluster).
        """
        from .embedding import require_engine

        engine = require_engine(engine)
        options = dict(engine=engine, address=address, num_workers=num_workers)
        self.X_weak_ = self._embed_one(self.pair.weak, "weak", progress, stop_event, options)
        self.X_strong_ = self._embed_one(self.pair.strong, "strong", progress, stop_event, options)
        if len(self.X_weak_) != len(self.dataset) or len(self.X_strong_) != len(self.dataset):
            raise ValueError(
                f"the encoders returned {len(self.X_weak_)} weak and {len(self.X_strong_)} strong rows "
                f"for {len(self.dataset)} examples; precomputed features must have one row per example."
            )
        return self

    def _embed_one(self, encoder, role, progress, stop_event, options=None):
        self._report(f"embedding ({role})", 0.0)
        if isinstance(encoder, PrecomputedEncoder):
            X = encoder.encode(self._texts_for(encoder))
        else:
            if self.dataset.texts is None:
                raise ValueError(f"dataset {self.dataset.name!r} has no texts, so the {role} model cannot "
                                 "embed it; pass its features as arrays: EncoderPair(weak=X_w, strong=X_s).")
            from .embedding import embed_to_cache

            X = embed_to_cache(self.cache, encoder, self.dataset, progress=progress, stop_event=stop_event,
                               on_chunk=lambda f: self._report(f"embedding ({role})", f), **(options or {}))
        self._report(f"embedding ({role})", 1.0)
        return check_matrix(X, name=f"{role} embeddings")

    def _texts_for(self, encoder):
        return self.dataset.texts if self.dataset.texts is not None else [""] * len(self.dataset)

    # --------------------------------------------------------------- project
    def project(self, *, method: str = "umap", progress: bool = True, sample_size: int | None = None,
                engine: str = "local", address: str | None = None, align: bool = True) -> dict:
        """2-D coordinates of weak and strong embeddings: ``{"weak": (n, 2), "strong": (n, 2)}``.

        Parameters
        ----------
        method : {"umap", "pca"}
        align : bool, default True
            Rotate, reflect, scale and shift the strong map onto the weak one (orthogonal
            Procrustes over the same rows, :func:`workbench.projection_align.align_coords`) so a
            region sits in the same place in both; distances within each map keep their ratios.
            It costs milliseconds (docs/science.md, "Comparable maps"). ``False``: the two
            projections as fitted.
        sample_size : int, optional
            Fit on a seeded sample of this many rows and ``transform`` the rest
            (:func:`workbench.scale.project_at_scale`, for very large datasets); ``None``
            fits on every row.
        engine : {"local", "ray"}
            Where the transform of the rest runs (``"ray"``: parallel Ray tasks).
        address : str, optional
            Ray cluster to join when Ray is not initialised yet.
        """
        from .embedding import check_engine
        from .projection import project

        self._require_embeddings()
        scaled = sample_size is not None or check_engine(engine) == "ray"
        out = {}
        for role, X in (("weak", self.X_weak_), ("strong", self.X_strong_)):
            self._report(f"{method} ({role})", 0.0)
            if scaled:
                from .scale import project_at_scale

                out[role] = project_at_scale(X, sample_size=sample_size or 50_000, method=method, seed=self.seed,
                                             cache=self.cache, engine=engine, address=address, progress=progress,
                                             on_chunk=lambda f, r=role: self._report(f"{method} ({r})", f))
            else:
                out[role] = project(X, method=method, seed=self.seed, cache=self.cache, progress=progress)
        if align:
            from .projection_align import align_coords

            out = align_coords(out, reference="weak")
        return out

    # ------------------------------------------------------------------- run
    def run(self, *, callbacks=(), stop_event=None, projection: str | None = "pca",
            progress: bool = True, diagnostics: bool = True, label_overrides=None, align: bool = True) -> Result:
        """Run the Burns protocol and return a :class:`~workbench.results.Result`.

        Parameters
        ----------
        callbacks : sequence
            Student-training callbacks (``on_train_begin(info)``, ``on_epoch_end(record) -> bool``,
            ``on_train_end(result)``), e.g. ``widgets.TrainingMonitor``.
        stop_event : threading.Event, optional
            Set it to end student training after the current epoch.
        projection : {"pca", "umap", None}
            Fill the ``map_*`` columns of the points table with this projection.
        align : bool, default True
            Align the strong map onto the weak one (see :meth:`project`);
            ``Result.config["alignment"]`` is ``"procrustes"`` then, else ``None``.
        diagnostics : bool, default True
            Add the gold-free teacher diagnostics (:func:`workbench.diagnostics.teacher_diagnostics`):
            the cross-fitted ``teacher_error_score``, the training-dynamics columns and, up to
            50,000 rows, ``knn_jaccard``; their AUROC/AP against gold go into ``metrics``.
        label_overrides : dict {row: label}, optional
            Reviewed labels (e.g. ``ReviewQueue.reviewed_labels()``): the student trains on them in
            place of the teacher's (``label_source = "reviewed"``); the teacher's own columns, the
            weak baseline and the categories stay the teacher's.
        """
        if self.X_weak_ is None:
            self.embed(progress=progress, stop_event=stop_event)
        t0 = time.perf_counter()
        ds, y = self.dataset, self.dataset.labels
        splits = make_splits(ds, n_gold=self.n_gold, test_size=self.test_size,
                             val_size=self.val_size, seed=self.seed)
        self.splits_ = splits

        self._report("teacher", 0.0)
        teacher = self._make_teacher()
        views = self.teacher_views()
        gold = splits.weak_train
        teacher.fit(views, y[gold], gold_index=gold, student_index=splits.student_train)
        t_out = teacher.predict(views)
        self.teacher_, self.teacher_diagnostics_ = teacher, read_diagnostics(teacher)
        t_diag = self.teacher_diagnostics_

        train_out = reviewed(t_out, label_overrides)
        history, epoch_proba = self._fit_heads(splits, t_out, callbacks, stop_event, train_out=train_out)
        student, ceiling = self.heads_.student, self.heads_.ceiling
        inputs = list(ds.texts) if self._finetunes() else self.X_strong_
        proba = {
            "teacher": t_out.proba,
            "weak": t_out.proba,
            "student": student.predict_proba(inputs),
            "ceiling": ceiling.predict_proba(inputs),
        }
        metrics = final_metrics(y, proba, t_out.covered, splits, p_true=ds.p_true, seed=self.seed)
        metrics["seconds_train"] = time.perf_counter() - t0
        metrics["student_epochs"] = len(student.history_)
        metrics["student_best_epoch"] = int(student.best_epoch_)
        metrics["stopped_early"] = bool(getattr(student, "stopped_early_", False))
        metrics["ceiling_C"] = float(getattr(ceiling, "C", float("nan")))
        for name, weight in t_diag.get("weights", {}).items():
            metrics[f"teacher_weight_{name}"] = float(weight)  # ensemble teachers
        points = points_table(ds, splits, t_out, proba)
        if train_out is not t_out:
            points["label_source"] = train_out.extra["label_source"]
            metrics["n_reviewed"] = len(label_overrides)
            metrics["n_relabelled"] = int(sum(int(label) != int(t_out.labels[int(row)])
                                              for row, label in label_overrides.items()))
        if diagnostics and not self._finetunes():  # cross-fitting would fine-tune the model K more times
            self._report("diagnostics", 0.0)
            diag = self._diagnostics(points, train_out, proba, epoch_proba)
            points = points.join(diag.columns)
            metrics.update(diag.metrics)
        result = Result(
            points=points, metrics=metrics,
            history={"weak": list(t_diag.get("history") or []),
                     "ceiling": list(ceiling.history_), "student": history,
                     **({"teacher_weights": weights}
                        if (weights := weight_records(t_diag.get("weights_history"))) else {})},
            proba=proba, label_names=tuple(ds.label_names), config=self.config(), epoch_proba=epoch_proba,
        )
        if projection is not None:
            coords = self.project(method=projection, progress=progress, align=align)
            self.attach_projection(result, coords, method=projection, aligned=align)
        self.result_ = result
        for cb in callbacks:
            if hasattr(cb, "on_train_end"):
                cb.on_train_end(result)
        self._report("done", 1.0)
        return result

    def _finetunes(self) -> bool:
        return getattr(make_student(self.student, seed=self.seed), "input_kind", "features") == "texts"

    def _diagnostics(self, points, train_out, proba, epoch_proba):
        from .diagnostics import teacher_diagnostics

        val = self.splits_.val[train_out.covered[self.splits_.val]]
        fit_options = ({"X_val": self.X_strong_[val], "y_val_proba": train_out.proba[val]}
                       if len(val) and make_student(self.student, seed=self.seed).patience is not None else None)
        return teacher_diagnostics(
            X_strong=self.X_strong_, X_weak=self.X_weak_ if len(points) <= 50_000 else None,
            teacher_proba=train_out.proba, covered=train_out.covered, split=points["split"].to_numpy(),
            student_proba=proba["student"], make_student=lambda: make_student(self.student, seed=self.seed),
            gold=self.dataset.labels, epoch_proba=epoch_proba, seed=self.seed, fit_options=fit_options)

    def _fit_heads(self, splits, t_out, callbacks, stop_event, *, train_out=None):
        """The Burns protocol (:func:`workbench.protocol.burns_protocol`) with this run's callbacks.

        Every epoch record carries the test split's probabilities; the probabilities of all
        rows are kept per epoch (float16) for the training dynamics.
        """
        ds, y, test = self.dataset, self.dataset.labels, splits.test
        ctx = EvalContext(y=y[test], weak=t_out.proba[test], ceiling=np.full_like(t_out.proba[test], np.nan),
                          covered=np.asarray(t_out.covered, bool)[test],
                          p_true=ds.p_true[test] if ds.p_true is not None else None)
        epoch_proba = []

        def on_ceiling_record(record):
            record.proba = record.proba[test]
            record.metrics.update(acc=M.accuracy(ctx.y, record.proba.argmax(1)))

        def before_student(ceiling, student):
            nonlocal ctx
            eval_inputs = ([ds.texts[int(i)] for i in test] if self._finetunes() else self.X_strong_[test])
            ctx = EvalContext(y=ctx.y, weak=ctx.weak, ceiling=ceiling.predict_proba(eval_inputs),
                              covered=ctx.covered, p_true=ctx.p_true)
            start = TrainingStart(label_names=tuple(ds.label_names), n_epochs=student.epochs, y_eval=ctx.y,
                                  teacher_eval=ctx.teacher_labels, covered_eval=ctx.covered,
                                  weak_proba_eval=ctx.weak, ceiling_proba_eval=ctx.ceiling,
                                  weak_acc=weak_accuracy(ctx), weak_acc_all=weak_accuracy(ctx, abstain="chance"),
                                  ceiling_acc=M.accuracy(ctx.y, ctx.ceiling.argmax(1)),
                                  teacher_weights=list(self.teacher_diagnostics_.get("weights_history") or []))
            for cb in callbacks:
                if hasattr(cb, "on_train_begin"):
                    cb.on_train_begin(start)

        def on_record(record):
            epoch_proba.append(record.proba.astype(np.float16))
            record.proba = record.proba[test]
            record.metrics.update(epoch_metrics(record.proba, ctx))
            self._report("student", record.epoch / max(record.n_epochs, 1))

        self._report("ceiling", 0.0)
        train_out = train_out or t_out
        self.heads_ = burns_protocol(
            self.X_strong_, y, splits, train_out.proba, train_out.covered, n_classes=ds.n_classes,
            student=self.student,
            seed=self.seed, X_eval=self.X_strong_, callbacks=callbacks, on_record=on_record,
            on_ceiling_record=on_ceiling_record, before_student=before_student, stop_event=stop_event,
            texts=ds.texts)
        return list(self.heads_.student.history_), np.stack(epoch_proba) if epoch_proba else None

    # ------------------------------------------------------------- helpers
    def attach_projection(self, result: Result, coords: dict, *, method: str, aligned: bool = False) -> Result:
        """Write 2-D coordinates into ``result.points`` (columns ``map_{weak,strong}_{x,y}``).

        ``aligned``: the strong map was aligned onto the weak one (``project(align=True)``);
        recorded as ``result.config["alignment"]``.
        """
        for role in ("weak", "strong"):
            xy = np.asarray(coords[role])
            result.points[f"map_{role}_x"] = xy[:, 0]
            result.points[f"map_{role}_y"] = xy[:, 1]
        result.config["projection"] = method
        result.config["alignment"] = "procrustes" if aligned else None
        return result

    def config(self) -> dict:
        """JSON-able description of this experiment (written next to every result)."""
        return {
            "dataset": self.dataset.name, "n_examples": len(self.dataset),
            "dataset_fingerprint": self.dataset.fingerprint(),
            "weak": self.pair.weak.name, "strong": self.pair.strong.name,
            "teacher": self._teacher_name(), "n_gold": self.n_gold, "seed": self.seed,
            "test_size": self.test_size, "val_size": self.val_size,
            "abstain_below": self.abstain_below, "abstain_share": self.abstain_share,
            "student": self._student_params(),
        }

    def _teacher_name(self) -> str:
        return self.teacher if isinstance(self.teacher, str) else type(self.teacher).__name__

    def teacher_views(self) -> TeacherViews:
        """The views a teacher receives: weak and strong embeddings (after :meth:`embed`) and the texts."""
        self._require_embeddings()
        return TeacherViews.from_dataset(self.dataset, weak=self.X_weak_, strong=self.X_strong_)

    def with_teacher(self, teacher, *, teacher_options=None) -> "Experiment":
        """A new Experiment with the same data, pair, split, options, cache and embeddings, and ``teacher``.

        For comparing teachers on one embedding (:func:`workbench.methods.compare_methods`)
        without embedding again; ``teacher_options`` replace this experiment's.
        """
        other = Experiment(self.dataset, self.pair, teacher=teacher, n_gold=self.n_gold, seed=self.seed,
                           test_size=self.test_size, val_size=self.val_size, abstain_below=self.abstain_below,
                           abstain_share=self.abstain_share, teacher_options=teacher_options, student=self.student,
                           cache=self.cache)
        other.X_weak_, other.X_strong_ = self.X_weak_, self.X_strong_
        return other

    def _make_teacher(self):
        if is_teacher(self.teacher):
            return self.teacher
        options = dict(self.teacher_options)
        if self.abstain_below is not None:
            options.setdefault("abstain_below", self.abstain_below)
        if self.abstain_share is not None:
            options.setdefault("abstain_share", self.abstain_share)
        if self.teacher == "probe":
            options.setdefault("seed", self.seed)
        if self.teacher == "rules":
            options.setdefault("label_names", self.dataset.label_names)
        return make_teacher(self.teacher, **options)

    def _student_params(self) -> dict:
        return {k: v for k, v in make_student(self.student, seed=self.seed).get_params().items()
                if k not in ("device",)}

    def _require_embeddings(self):
        if self.X_weak_ is None or self.X_strong_ is None:
            self.embed()

    def _report(self, stage: str, fraction: float) -> None:
        if self.on_progress is not None:
            self.on_progress(stage, float(fraction))


def _check_abstain(value, name, *, high_open=False):
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError(f"{name} must be a number in [0, 1] or None; got {value!r}.")
    if not (0.0 <= value < 1.0 if high_open else 0.0 <= value <= 1.0):
        meaning = "abstain on the 30% least confident examples" if high_open else "abstain below 30% confidence"
        raise ValueError(f"{name} must be in [0, {'1)' if high_open else '1]'}; got {value!r} "
                         f"({name}=0.3 means: {meaning}).")
    return float(value)
