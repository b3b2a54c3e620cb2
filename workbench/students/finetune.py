"""FineTuneStudent: the strong transformer itself trained on the teacher's labels (LoRA or full).

The protocol the field runs (openai/weak-to-strong: full fine-tuning; EleutherAI/w2s: LoRA
by default) trains the strong *model*, not a head on its frozen embeddings, so the strong
representation moves. This student implements the same interface as
:class:`workbench.train.HeadTrainer` — ``fit`` with callbacks, ``predict_proba``,
``history_`` of :class:`~workbench.train.EpochRecord`, ``best_epoch_``, ``stopped_early_``
— but takes **texts** (``input_kind = "texts"``) instead of feature arrays.

* Network: the encoder loaded like the frozen encoders (offline ids resolve to packaged
  folders), pooled like them (mean by default), plus a linear head (:mod:`._net`).
* ``mode="lora"``: peft LoRA adapters on the attention projections (per architecture,
  :data:`._net.LORA_TARGETS`), the head fully trained; ``mode="full"``: every weight.
* Losses: :func:`workbench.train.xent_loss` / :func:`~workbench.train.logconf_loss` with
  ``step_frac`` = optimiser step / total steps; soft or hard (argmax) targets.
* AdamW (encoder at ``lr``, head at ``head_lr``), linear decay to 0 after an optional warm-up.
* On CUDA: bf16 autocast and gradient checkpointing (both switchable; bf16 autocast also
  runs on CPU when asked).
* After every epoch: a record with ``proba`` on ``X_eval``, ``train_loss``, ``val_loss``
  (against the teacher-labelled validation targets) and, in ``extra``, the student's own
  pooled embeddings of a fixed seeded sample of ``X_eval`` projected by one PCA fitted
  before training (``representation``, ``representation_index``; the first record also has
  ``representation_initial``, the pre-training map).
* ``checkpoint_dir``: a checkpoint after every epoch; ``resume=True`` continues after the
  last finished one (same options and data, else a ValueError).
* Data parallel: ``fit(..., accelerator=Accelerator(...))`` under ``accelerate launch``
  (:mod:`.launch`).
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import torch

from .._validation import check_choice, check_int, check_proba
from ..encoders.base import check_texts
from ..train import LOSSES
from . import checkpoint as ckpt
from ._net import build_net
from ._runtime import AccelerateRuntime, LocalRuntime

__all__ = ["FineTuneStudent", "MODES"]

MODES = ("lora", "full")
_DEFAULT_LR = {"lora": 5e-4, "full": 5e-5}


class FineTuneStudent:
    """A transformer + linear head fine-tuned on (soft or hard) target rows.

    Parameters
    ----------
    mode : {"lora", "full"}
    model : str
        Hub id (packaged ids resolve offline) or a local folder saved with ``save_pretrained``.
    pooling : {"mean", "cls", "last"}
    loss : {"xent", "logconf"}
    targets : {"soft", "hard"}
    epochs : int
    lr : float or None
        Encoder learning rate; None = 5e-4 (lora) or 5e-5 (full).
    head_lr : float
        Learning rate of the freshly initialised head.
    weight_decay, lr_warmup_frac : float
        AdamW weight decay; share of steps with a linear learning-rate warm-up.
    batch_size, eval_batch_size, max_length : int
        Per-process training batch, prediction batch, token limit.
    lora_r, lora_alpha, lora_dropout : LoRA rank, scale and dropout.
    lora_target_modules : list of str or None
        None = per architecture (:data:`workbench.students._net.LORA_TARGETS`).
    aux_weight, warmup_frac, warmup : ``logconf`` settings (as :class:`~workbench.train.HeadTrainer`).
    precision : {"auto", "float32", "bf16"}
        ``auto``: bf16 autocast on CUDA, float32 on CPU.
    gradient_checkpointing : bool or None
        None = on CUDA only.
    representation_sample : int
        Size of the re-embedded sample of ``X_eval`` (0 = none).
    stop_check_steps : int or None
        Also check the stop event every this many steps (ends the epoch early).
    checkpoint_dir : str or Path or None
    resume : bool
        Continue from the newest checkpoint in ``checkpoint_dir``.
    keep_checkpoints : int
    seed : int
    device : {"auto", "cpu", "cuda"}
    trust_remote_code : bool
    revision : str or None

    Attributes
    ----------
    net_ : StudentNet ; tokenizer_ ; n_classes_ : int
    history_ : list of EpochRecord ; best_epoch_ : int ; stopped_early_ : bool
    resumed_from_ : int (0 when not resumed) ; n_steps_ : int
    representation_index_ : ndarray (s,) ; pca_ : Pca2 or None
    """

    input_kind = "texts"

    def __init__(self, *, mode: str = "lora", model: str = "sentence-transformers/all-MiniLM-L6-v2",
                 pooling: str = "mean", loss: str = "xent", targets: str = "soft", epochs: int = 3,
                 lr: float | None = None, head_lr: float = 1e-3, weight_decay: float = 0.01,
                 lr_warmup_frac: float = 0.0, batch_size: int = 32, eval_batch_size: int = 128,
                 max_length: int = 128, lora_r: int = 8, lora_alpha: float = 16.0, lora_dropout: float = 0.1,
                 lora_target_modules=None, aux_weight: float = 0.5, warmup_frac: float = 0.1,
                 warmup: str = "linear", precision: str = "auto", gradient_checkpointing: bool | None = None,
                 representation_sample: int = 300, stop_check_steps: int | None = None,
                 checkpoint_dir=None, resume: bool = False, keep_checkpoints: int = 1, seed: int = 0,
                 device: str = "auto", trust_remote_code: bool = False, revision: str | None = None):
        from ..encoders.hf import POOLINGS

        self.mode = check_choice(mode, name="mode", choices=MODES)
        if not isinstance(model, (str, Path)) or not str(model):
            raise TypeError(f"model must be a hub id or a local folder (str); got {model!r}.")
        self.model = str(model)
        self.pooling = check_choice(pooling, name="pooling", choices=POOLINGS)
        self.loss = check_choice(loss, name="loss", choices=tuple(LOSSES))
        self.targets = check_choice(targets, name="targets", choices=("soft", "hard"))
        self.epochs = check_int(epochs, name="epochs", minimum=1)
        self.lr = None if lr is None else _positive(lr, "lr")
        self.head_lr = _positive(head_lr, "head_lr")
        self.weight_decay = _non_negative(weight_decay, "weight_decay")
        self.lr_warmup_frac = _non_negative(lr_warmup_frac, "lr_warmup_frac")
        self.batch_size = check_int(batch_size, name="batch_size", minimum=1)
        self.eval_batch_size = check_int(eval_batch_size, name="eval_batch_size", minimum=1)
        self.max_length = check_int(max_length, name="max_length", minimum=2)
        self.lora_r = check_int(lora_r, name="lora_r", minimum=1)
        self.lora_alpha = _positive(lora_alpha, "lora_alpha")
        self.lora_dropout = _non_negative(lora_dropout, "lora_dropout")
        if lora_target_modules is not None and (isinstance(lora_target_modules, str) and lora_target_modules
                                                != "all-linear" or not isinstance(lora_target_modules, (str, list,
                                                                                                         tuple))):
            raise TypeError("lora_target_modules must be None, 'all-linear' or a list of module names, e.g. "
                            f"['query', 'value']; got {lora_target_modules!r}.")
        self.lora_target_modules = (list(lora_target_modules) if isinstance(lora_target_modules, (list, tuple))
                                    else lora_target_modules)
        self.aux_weight, self.warmup_frac = float(aux_weight), float(warmup_frac)
        self.warmup = check_choice(warmup, name="warmup", choices=("linear", "reference"))
        self.precision = check_choice(precision, name="precision", choices=("auto", "float32", "bf16"))
        self.gradient_checkpointing = None if gradient_checkpointing is None else bool(gradient_checkpointing)
        self.representation_sample = check_int(representation_sample, name="representation_sample", minimum=0)
        self.stop_check_steps = (None if stop_check_steps is None
                                 else check_int(stop_check_steps, name="stop_check_steps", minimum=1))
        self.checkpoint_dir = None if checkpoint_dir is None else str(checkpoint_dir)
        self.resume = bool(resume)
        if self.resume and self.checkpoint_dir is None:
            raise ValueError("resume=True needs checkpoint_dir (the folder the interrupted run wrote).")
        self.keep_checkpoints = check_int(keep_checkpoints, name="keep_checkpoints", minimum=1)
        self.seed = check_int(seed, name="seed", minimum=0)
        self.device = check_choice(device, name="device", choices=("auto", "cpu", "cuda"))
        self.trust_remote_code = bool(trust_remote_code)
        self.revision = revision

    # --------------------------------------------------------------- params
    def get_params(self) -> dict:
        """The constructor arguments (scikit-learn style)."""
        return {name: getattr(self, name) for name in PARAMS}

    def clone(self, **changes) -> "FineTuneStudent":
        """An unfitted student with these options changed (e.g. the ceiling: ``loss="xent", targets="hard"``)."""
        return FineTuneStudent(**{**self.get_params(), **changes})

    def __repr__(self) -> str:
        return f"FineTuneStudent(mode={self.mode!r}, model={self.model!r}, epochs={self.epochs}, loss={self.loss!r})"

    # ----------------------------------------------------------------- build
    def _build(self, n_classes: int, device: str) -> None:
        from ..encoders.hf import load_pretrained
        from ..encoders.offline import resolve_model

        self.resolved_ = resolve_model(self.model)
        tokenizer, encoder = load_pretrained(self.resolved_, trust_remote_code=self.trust_remote_code,
                                             revision=self.revision)
        if tokenizer.pad_token is None:  # decoder tokenizers (GPT-2, Llama) have no pad token
            tokenizer.pad_token = tokenizer.eos_token
        checkpointing = self.gradient_checkpointing
        if checkpointing is None:
            checkpointing = device.startswith("cuda")
        lora = dict(r=self.lora_r, alpha=self.lora_alpha, dropout=self.lora_dropout,
                    target_modules=self.lora_target_modules)
        self.tokenizer_, self.n_classes_ = tokenizer, int(n_classes)
        self.net_ = build_net(encoder, n_classes, mode=self.mode, pooling=self.pooling, lora=lora, seed=self.seed,
                              gradient_checkpointing=checkpointing)
        self._device = torch.device(device)
        self._bf16 = self.precision == "bf16" or (self.precision == "auto" and device.startswith("cuda"))

    def _optimizer(self, steps_total: int):
        head = [p for p in self.net_.head.parameters()]
        body = [p for n, p in self.net_.named_parameters() if p.requires_grad and not n.startswith("head.")]
        lr = self.lr if self.lr is not None else _DEFAULT_LR[self.mode]
        opt = torch.optim.AdamW([{"params": body, "lr": lr}, {"params": head, "lr": self.head_lr}],
                                weight_decay=self.weight_decay)
        warm = int(round(self.lr_warmup_frac * steps_total))

        def factor(step):
            if warm and step < warm:
                return (step + 1) / warm
            return max(0.0, (steps_total - step) / max(1, steps_total - warm))

        return opt, torch.optim.lr_scheduler.LambdaLR(opt, [factor, factor])

    # ----------------------------------------------------------- tokenising
    def _batch(self, texts):
        enc = self.tokenizer_(list(texts), padding=True, truncation=True, max_length=self.max_length,
                              return_tensors="pt")
        return enc["input_ids"].to(self._device), enc["attention_mask"].to(self._device)

    def _autocast(self):
        return torch.autocast(self._device.type, dtype=torch.bfloat16, enabled=self._bf16)

    def _map(self, texts, fn, width: int) -> np.ndarray:
        """``fn(net, ids, mask) -> (b, width)`` over length-sorted batches, in input order."""
        net = self.net_
        order = np.argsort([-len(t) for t in texts], kind="stable")
        out = np.empty((len(texts), width), dtype=np.float64)
        was_training = net.training
        net.eval()
        with torch.inference_mode(), self._autocast():
            for start in range(0, len(texts), self.eval_batch_size):
                rows = order[start:start + self.eval_batch_size]
                ids, mask = self._batch([texts[i] for i in rows])
                out[rows] = fn(net, ids, mask).double().cpu().numpy()
        net.train(was_training)
        return out

    # ------------------------------------------------------------- predict
    def predict_proba(self, texts) -> np.ndarray:
        """Class probabilities of ``texts`` (n,), shape (n, k) float64."""
        self._check_fitted()
        texts = list(check_texts(texts))
        return self._map(texts, lambda net, i, m: torch.softmax(net(i, m).double(), -1), self.n_classes_)

    def predict(self, texts) -> np.ndarray:
        """Most probable class, shape (n,)."""
        return self.predict_proba(texts).argmax(1)

    def embed(self, texts) -> np.ndarray:
        """The current encoder's pooled embeddings of ``texts``, shape (n, hidden) float32."""
        self._check_fitted()
        texts = list(check_texts(texts))
        return self._map(texts, lambda net, i, m: net.embed(i, m), int(self.net_.head.in_features)).astype(np.float32)

    def _check_fitted(self):
        if not hasattr(self, "net_"):
            raise ValueError("this FineTuneStudent is not fitted yet; call fit(texts, y_proba) first "
                             "(or FineTuneStudent.load(folder)).")

    # ----------------------------------------------------------------- fit
    def fit(self, X, y_proba, *, X_val=None, y_val_proba=None, X_eval=None, callbacks=(), on_record=None,
            stop_event=None, accelerator=None) -> "FineTuneStudent":
        """Fine-tune on texts ``X`` (n,) with target rows ``y_proba`` (n, k).

        Parameters
        ----------
        X_val, y_val_proba : texts (m,), array (m, k), optional
            Teacher-labelled validation data for ``val_loss``.
        X_eval : texts (n_eval,), optional
            Points whose probabilities (and sampled representation) each record carries.
        callbacks : sequence
            ``on_epoch_end(record) -> bool`` objects or callables; True stops after the epoch.
        on_record : callable, optional
            Called with each record before the callbacks (fills ``record.metrics``).
        stop_event : threading.Event, optional
            Checked after each epoch (and every ``stop_check_steps`` steps).
        accelerator : accelerate.Accelerator, optional
            Data parallel over the processes of ``accelerate launch``; callbacks run on the
            main process only and its stop decision is shared with all.
        """
        from ._fit import run_fit

        texts, Y = self._check_data(X, y_proba)
        val = self._check_val(X_val, y_val_proba, Y.shape[1])
        X_eval = None if X_eval is None else list(check_texts(X_eval))
        if accelerator is not None:
            self._runtime = AccelerateRuntime(accelerator)
            device = str(self._runtime.device)
        else:
            from ..encoders.hf import resolve_device

            device = resolve_device(self.device)
            self._runtime = LocalRuntime(device)
        self._build(Y.shape[1], device)
        run_fit(self, texts, Y, val, X_eval, list(callbacks), on_record, stop_event)
        return self

    def _check_data(self, X, y_proba):
        texts = list(check_texts(X))
        Y = check_proba(y_proba, name="y_proba")
        if len(texts) != len(Y):
            raise ValueError(f"lengths differ: X has {len(texts)} texts, y_proba has {len(Y)} rows.")
        if not texts:
            raise ValueError("X has no texts: there is nothing to train on.")
        if self.targets == "hard":
            Y = np.eye(Y.shape[1], dtype=np.float32)[Y.argmax(1)]
        return texts, Y.astype(np.float32)

    def _check_val(self, X_val, y_val_proba, k):
        if X_val is None and y_val_proba is None:
            return None
        if X_val is None or y_val_proba is None:
            raise ValueError("pass both X_val and y_val_proba, or neither.")
        texts = list(check_texts(X_val))
        Y = check_proba(y_val_proba, name="y_val_proba", n_classes=k)
        if len(texts) != len(Y):
            raise ValueError(f"lengths differ: X_val has {len(texts)} texts, y_val_proba has {len(Y)} rows.")
        if not texts:
            return None
        return texts, (np.eye(k, dtype=np.float32)[Y.argmax(1)] if self.targets == "hard" else Y.astype(np.float32))

    # ----------------------------------------------------------- save/load
    def save(self, folder) -> Path:
        """Write ``student.json`` (options, classes, history) and ``weights.safetensors`` (trainable weights)."""
        from safetensors.torch import save_file

        self._check_fitted()
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        save_file(ckpt.trainable_state(self.net_), str(folder / "weights.safetensors"))
        params = {**self.get_params(), "checkpoint_dir": None, "resume": False}
        ckpt.write_json(folder / "student.json", {
            "kind": "FineTuneStudent", "params": params, "n_classes": self.n_classes_,
            "best_epoch": self.best_epoch_, "stopped_early": self.stopped_early_,
            "history": [ckpt.record_to_json(r) for r in self.history_]})
        return folder

    @classmethod
    def load(cls, folder, *, device: str = "auto") -> "FineTuneStudent":
        """The student saved by :meth:`save` (the pretrained model is rebuilt from its id)."""
        from safetensors.torch import load_file

        from ..encoders.hf import resolve_device

        folder = Path(folder)
        if not (folder / "student.json").exists():
            raise ValueError(f"{folder} has no student.json: it is not a folder written by FineTuneStudent.save().")
        data = ckpt.read_json(folder / "student.json")
        student = cls(**{**data["params"], "device": device})
        dev = resolve_device(device)
        student._runtime = LocalRuntime(dev)
        student._build(int(data["n_classes"]), dev)
        ckpt.load_trainable(student.net_, load_file(str(folder / "weights.safetensors")))
        student.net_.to(dev).eval()
        student.history_ = [ckpt.record_from_json(r) for r in data["history"]]
        student.best_epoch_, student.stopped_early_ = int(data["best_epoch"]), bool(data["stopped_early"])
        return student


PARAMS = ("mode", "model", "pooling", "loss", "targets", "epochs", "lr", "head_lr", "weight_decay",
          "lr_warmup_frac", "batch_size", "eval_batch_size", "max_length", "lora_r", "lora_alpha", "lora_dropout",
          "lora_target_modules", "aux_weight", "warmup_frac", "warmup", "precision", "gradient_checkpointing",
          "representation_sample", "stop_check_steps", "checkpoint_dir", "resume", "keep_checkpoints", "seed",
          "device", "trust_remote_code", "revision")
#: Options that change the trained weights (a resume must match them).
TRAINING_PARAMS = tuple(p for p in PARAMS if p not in ("checkpoint_dir", "resume", "keep_checkpoints", "device",
                                                       "stop_check_steps", "eval_batch_size"))


def _positive(value, name):
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) or value <= 0:
        raise ValueError(f"{name} must be a positive finite number; got {value!r}.")
    return float(value)


def _non_negative(value, name):
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) or value < 0:
        raise ValueError(f"{name} must be a finite number >= 0; got {value!r}.")
    return float(value)

