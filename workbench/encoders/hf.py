"""Sentence embeddings from any Hugging Face encoder (``AutoModel``/``AutoTokenizer``).

Texts are sorted by length and batched with dynamic padding (each batch padded to its
own longest text), so short texts are not padded to the longest text of the corpus;
results come back in the original order. Pooling: ``mean`` (over real tokens), ``cls`` (first token) or ``last``
(the last real token, found from the attention mask — left or right padding alike,
never by assuming a pad id). ``layer`` picks a hidden state (``None`` = the last).

Precision (``dtype``): ``"auto"`` is bfloat16 on CUDA; on CPU it is bfloat16 autocast only
for a model in :data:`BF16_CPU_MODELS` (its bf16 vectors measured at cosine >= 0.999 to fp32,
re-measured by a slow test) and only on a CPU with bf16 matrix instructions
(:func:`cpu_has_bf16`): without them bf16 autocast is several times *slower* than fp32.
The resolved dtype is part of :meth:`HFEncoder.cache_identity`, so fp32 and bf16 vectors
never share a cache entry.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import json
import os
import sys
from pathlib import Path

import numpy as np

from .._validation import check_choice, check_int
from .base import check_texts
from .offline import cache_root, resolve_model

__all__ = ["HFEncoder", "pool", "resolve_device", "resolve_dtype", "cpu_has_bf16", "bf16_in_cpuinfo",
           "BF16_CPU_MODELS", "load_pretrained"]

POOLINGS = ("mean", "cls", "last")
DTYPES = ("auto", "float32", "bfloat16")
_DTYPE_ALIASES = {"fp32": "float32", "bf16": "bfloat16"}

#: Models whose CPU bf16-autocast embeddings are within the bound below of fp32: the minimum
#: cosine to fp32 over 64 tweets, measured here (2 cores, torch 2.13 CPU);
#: tests/encoders/test_precision.py re-measures each one (slow).
BF16_MIN_COSINE = 0.999
BF16_CPU_MODELS = {
    "sentence-transformers/paraphrase-MiniLM-L3-v2": 0.99999,
    "sentence-transformers/all-MiniLM-L6-v2": 0.99997,
    "sentence-transformers/all-mpnet-base-v2": 0.99996,
}


@functools.lru_cache(maxsize=1)
def cpu_has_bf16() -> bool:
    """True when the CPU has bf16 matrix instructions (x86 ``avx512_bf16`` or ``amx_bf16`` in
    ``/proc/cpuinfo``; False elsewhere). Without them bf16 autocast on CPU is emulated and
    slower than fp32 (measured 5-7x slower on an AVX2-only EPYC, benchmarks/bench_embed.py)."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        with open("/proc/cpuinfo") as fh:
            return bf16_in_cpuinfo(fh.read())
    except OSError:
        return False


def bf16_in_cpuinfo(text: str) -> bool:
    """Whether the first ``flags`` line of a ``/proc/cpuinfo`` text lists bf16 matrix instructions."""
    flags = next((line.split(":", 1)[1].split() for line in text.splitlines() if line.startswith("flags")), [])
    return "avx512_bf16" in flags or "amx_bf16" in flags


def resolve_dtype(dtype: str, *, device: str, model: str) -> str:
    """The precision an encoder runs at: ``"float32"`` or ``"bfloat16"``.

    Parameters
    ----------
    dtype : {"auto", "float32", "bfloat16", "fp32", "bf16"}
        ``auto``: bfloat16 on CUDA; on CPU bfloat16 autocast when ``model`` is in
        :data:`BF16_CPU_MODELS` and :func:`cpu_has_bf16`, else float32.
    device : {"cpu", "cuda"}
    model : str
        Canonical model id.
    """
    dtype = _DTYPE_ALIASES.get(dtype, dtype) if isinstance(dtype, str) else dtype
    check_choice(dtype, name="dtype", choices=DTYPES + tuple(_DTYPE_ALIASES))
    if dtype != "auto":
        return dtype
    if device == "cuda":
        return "bfloat16"
    return "bfloat16" if model in BF16_CPU_MODELS and cpu_has_bf16() else "float32"


def resolve_device(device: str = "auto") -> str:
    """``"auto"`` -> ``"cuda"`` when a GPU is visible, else ``"cpu"``."""
    import torch

    check_choice(device, name="device", choices=("auto", "cpu", "cuda"))
    if device == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    if device == "cuda" and not torch.cuda.is_available():
        raise ValueError("device='cuda' but no CUDA GPU is visible to torch; use device='cpu' or 'auto'.")
    return device


def pool(hidden, mask, pooling: str):
    """Pool token states (b, t, h) with the attention mask (b, t) -> (b, h).

    ``last`` takes, per row, the position of the last 1 in the mask (works for left and
    right padding).
    """
    import torch

    check_choice(pooling, name="pooling", choices=POOLINGS)
    mask = mask.to(hidden.dtype)
    if pooling == "mean":
        return (hidden * mask.unsqueeze(-1)).sum(1) / mask.sum(1, keepdim=True).clamp(min=1e-9)
    if pooling == "cls":
        return hidden[:, 0]
    positions = torch.arange(mask.shape[1], device=mask.device).to(hidden.dtype)
    last = (mask * (positions + 1)).argmax(1)
    return hidden[torch.arange(hidden.shape[0], device=hidden.device), last]


def load_pretrained(resolved, *, trust_remote_code: bool = False, revision: str | None = None):
    """Tokenizer and ``AutoModel`` of a :class:`~.offline.ResolvedModel`, quietly.

    Shared by :class:`HFEncoder` and the fine-tuning student (``workbench.students``), so
    both load a model id the same way.

    Returns
    -------
    (tokenizer, model) : the ``AutoTokenizer`` and the ``AutoModel`` (train mode as loaded).

    Raises
    ------
    ValueError
        When ``from_pretrained`` cannot load the folder or id (the message names both).
    """
    from transformers import AutoModel, AutoTokenizer

    kwargs = dict(trust_remote_code=bool(trust_remote_code), revision=revision)
    try:
        with _quiet_transformers():
            tokenizer = AutoTokenizer.from_pretrained(resolved.path, **kwargs)
            model = AutoModel.from_pretrained(resolved.path, **kwargs)
    except OSError as exc:
        raise ValueError(f"could not load model {resolved.model_id!r} from {resolved.path}: {exc}") from None
    return tokenizer, model


class HFEncoder:
    """A frozen transformers encoder with pooling.

    Parameters
    ----------
    model_id : str
        Hub id (packaged ids resolve offline, see :mod:`.offline`) or a local folder.
    pooling : {"mean", "cls", "last"}
    layer : int or None
        Index into ``hidden_states`` (0 = embeddings, -1 = last); None = last hidden state.
    max_length : int
    device : {"auto", "cpu", "cuda"}
    dtype : {"auto", "float32", "bfloat16", "fp32", "bf16"}
        See :func:`resolve_dtype` (``auto``: bf16 on CUDA, and on CPU for the models of
        :data:`BF16_CPU_MODELS` when the CPU has bf16 instructions). ``bfloat16`` on CPU runs
        fp32 weights under bf16 autocast; ``float32`` turns bf16 off.
    batch_size : int
    trust_remote_code : bool
        Off unless you opt in: model code from the hub is not run by default.
    revision : str, optional
    """

    def __init__(self, model_id, *, pooling: str = "mean", layer: int | None = None, max_length: int = 128,
                 device: str = "auto", dtype: str = "auto", batch_size: int = 64, trust_remote_code: bool = False,
                 revision: str | None = None):
        self.model_id = model_id
        self.resolved = resolve_model(model_id)
        self.name = self.resolved.model_id
        self.pooling = check_choice(pooling, name="pooling", choices=POOLINGS)
        self.layer = None if layer is None else check_int(layer, name="layer")
        self.max_length = check_int(max_length, name="max_length", minimum=2)
        self.device = resolve_device(device)
        self.dtype = resolve_dtype(dtype, device=self.device, model=self.name)
        self.batch_size = check_int(batch_size, name="batch_size", minimum=1)
        self.trust_remote_code = bool(trust_remote_code)
        self.revision = revision
        self._model = self._tokenizer = None

    def __repr__(self) -> str:
        layer = "" if self.layer is None else f", layer={self.layer}"
        return (f"HFEncoder({self.name!r}, pooling={self.pooling!r}{layer}, device={self.device!r}, "
                f"dtype={self.dtype!r})")

    def spec(self, *, device: str | None = None) -> dict:
        """Constructor arguments that rebuild this encoder elsewhere (e.g. in a Ray actor).

        Small and picklable: no loaded model travels. ``dtype`` is the resolved one, so the
        rebuilt encoder computes the vectors named by :meth:`cache_identity`; ``device``
        replaces this encoder's device (a GPU actor passes ``"cuda"``).
        """
        return {"model_id": self.model_id, "pooling": self.pooling, "layer": self.layer,
                "max_length": self.max_length, "device": device or self.device, "dtype": self.dtype,
                "batch_size": self.batch_size, "trust_remote_code": self.trust_remote_code,
                "revision": self.revision}

    @classmethod
    def from_spec(cls, spec: dict) -> "HFEncoder":
        """The encoder described by :meth:`spec` (the model loads lazily on first ``encode``)."""
        spec = dict(spec)
        return cls(spec.pop("model_id"), **spec)

    # --------------------------------------------------------------- loading
    def load(self) -> "HFEncoder":
        """Load tokenizer and model (done lazily by :meth:`encode`)."""
        if self._model is not None:
            return self
        import torch

        self._tokenizer, model = load_pretrained(self.resolved, trust_remote_code=self.trust_remote_code,
                                                 revision=self.revision)
        n_layers = getattr(model.config, "num_hidden_layers", None)
        if self.layer is not None and n_layers is not None and not -(n_layers + 1) <= self.layer <= n_layers:
            self._tokenizer = None  # stay unloaded: every later call raises the same clear error
            raise ValueError(f"layer={self.layer} is out of range for {self.name} "
                             f"(hidden states 0..{n_layers}, or negative from the end).")
        if self.device == "cuda" and self.dtype == "bfloat16":
            model = model.to(torch.bfloat16)
        self._model = model.to(self.device).eval()
        return self

    def cache_identity(self) -> dict:
        """Everything that changes the vectors: model + weights digest, pooling, layer, max_length, dtype.

        ``weights`` is the sha256 of the weight files in the folder the model loads from (a
        hub model: its snapshot folder in the hub cache), so two snapshots of one id never
        share cache entries. The digest is memoised per file path, size and mtime.
        """
        folder = self._weights_folder()
        weights = _weights_digest(folder)
        if weights is None:
            raise ValueError(f"no weight files (*.safetensors, *.bin, *.pt, *.onnx) in {folder} for model "
                             f"{self.name!r}, so its cache entries cannot be told apart from other weights; "
                             "pass a folder saved with save_pretrained().")
        return {"kind": "hf", "model": self.name, "weights": weights, "pooling": self.pooling, "layer": self.layer,
                "max_length": self.max_length, "dtype": self.dtype}

    def _weights_folder(self) -> Path:
        """The local folder holding the weights (downloads a hub model first if it is not cached)."""
        if self.resolved.source != "hub":
            return Path(self.resolved.path)
        folder = _hub_snapshot(self.resolved.path, self.revision)
        if folder is None:
            self.load()  # from_pretrained fills the hub cache
            folder = _hub_snapshot(self.resolved.path, self.revision)
        if folder is None:
            raise ValueError(f"model {self.name!r} loaded, but its files are not in the Hugging Face cache; "
                             "save it with save_pretrained() and pass the folder.")
        return folder

    # -------------------------------------------------------------- encoding
    def encode(self, texts, *, batch_size: int | None = None, progress: bool = False) -> np.ndarray:
        """Embed ``texts`` -> float32 array of shape (n, d), in the input order."""
        import torch

        texts = check_texts(texts)
        self.load()
        bs = check_int(batch_size or self.batch_size, name="batch_size", minimum=1)
        # Longest first, by characters (a cheap proxy for tokens, as sentence-transformers does);
        # each batch is tokenised and padded on its own, so short texts stay short.
        order = np.argsort([-len(t) for t in texts], kind="stable")
        out = np.empty((len(texts), self._hidden_size()), dtype=np.float32)
        bar = _progress(progress, len(texts), self.name)
        with torch.inference_mode():
            for start in range(0, len(texts), bs):
                rows = order[start:start + bs]
                batch = self._tokenizer([texts[i] for i in rows], padding=True, truncation=True,
                                        max_length=self.max_length, return_tensors="pt")
                out[rows] = self._forward(batch)
                if bar is not None:
                    bar.update(len(rows))
        if bar is not None:
            bar.close()
        return out

    def _forward(self, batch) -> np.ndarray:
        import torch

        batch = {k: v.to(self.device) for k, v in batch.items()}
        want_hidden = self.layer is not None
        autocast = self.device == "cpu" and self.dtype == "bfloat16"
        with torch.autocast("cpu", dtype=torch.bfloat16, enabled=autocast):
            output = self._model(**batch, output_hidden_states=want_hidden)
        hidden = output.hidden_states[self.layer] if want_hidden else output.last_hidden_state
        return pool(hidden.float(), batch["attention_mask"], self.pooling).cpu().numpy()

    def _hidden_size(self) -> int:
        return int(self._model.config.hidden_size)


@contextlib.contextmanager
def _quiet_transformers():
    """Silence transformers' load report and weight-loading bars (unused pooler weights of
    sentence-transformers checkpoints are expected, not a problem)."""
    from transformers.utils import logging as hf_logging

    level = hf_logging.get_verbosity()
    bars = hf_logging.is_progress_bar_enabled()
    hf_logging.set_verbosity_error()
    hf_logging.disable_progress_bar()
    try:
        yield
    finally:
        hf_logging.set_verbosity(level)
        if bars:
            hf_logging.enable_progress_bar()


def _progress(enabled, total, name):
    if not enabled:
        return None
    from tqdm.auto import tqdm

    return tqdm(total=total, desc=f"embedding ({name.split('/')[-1]})", unit="text")


def _hub_snapshot(model_id: str, revision: str | None) -> Path | None:
    """The snapshot folder of ``model_id`` at ``revision`` (default: main) in the hub cache, or None."""
    from huggingface_hub import try_to_load_from_cache

    path = try_to_load_from_cache(model_id, "config.json", revision=revision)
    return Path(path).parent if isinstance(path, str) else None


def _weights_digest(folder) -> str | None:
    """sha256 over the weight files of a local folder, memoised on (path, size, mtime)."""
    folder = Path(folder)
    files = sorted(p for p in folder.glob("*") if p.suffix in (".safetensors", ".bin", ".pt", ".onnx") and p.is_file())
    if not files:
        return None
    stamp = json.dumps([[str(p.resolve()), p.stat().st_size, p.stat().st_mtime_ns] for p in files])
    memo = cache_root() / "weight-digests" / (hashlib.sha256(stamp.encode()).hexdigest() + ".txt")
    if memo.exists():
        return memo.read_text().strip()
    h = hashlib.sha256()
    for p in files:
        h.update(p.name.encode())
        with open(p, "rb") as fh:
            for block in iter(lambda: fh.read(16 << 20), b""):
                h.update(block)
    digest = h.hexdigest()
    memo.parent.mkdir(parents=True, exist_ok=True)
    tmp = memo.with_suffix(f".{os.getpid()}.tmp")
    tmp.write_text(digest)
    os.replace(tmp, memo)
    return digest
