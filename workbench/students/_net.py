"""The fine-tuned network: a transformers encoder, pooling and a linear classification head.

The encoder is loaded exactly like the frozen encoders (:func:`workbench.encoders.hf.load_pretrained`
on :func:`workbench.encoders.offline.resolve_model`, so packaged offline ids resolve to their
local folders) and pooled with the same :func:`workbench.encoders.hf.pool`. ``peft`` and
``accelerate`` are optional (``pip install 'w2s-workbench[finetune]'``) and imported only here,
when a LoRA student is built.
"""

from __future__ import annotations

import warnings

import torch

__all__ = ["StudentNet", "build_net", "enable_checkpointing", "is_checkpointing", "default_target_modules",
           "require_peft", "LORA_TARGETS"]

#: LoRA target modules per ``config.model_type`` (the attention projections); other types
#: fall back to peft's ``"all-linear"``.
LORA_TARGETS = {
    "bert": ["query", "key", "value"],
    "roberta": ["query", "key", "value"],
    "xlm-roberta": ["query", "key", "value"],
    "electra": ["query", "key", "value"],
    "mpnet": ["q", "k", "v"],
    "distilbert": ["q_lin", "k_lin", "v_lin"],
    "deberta-v2": ["query_proj", "key_proj", "value_proj"],
    "gpt2": ["c_attn"],
    "llama": ["q_proj", "k_proj", "v_proj", "o_proj"],
    "mistral": ["q_proj", "k_proj", "v_proj", "o_proj"],
    "qwen2": ["q_proj", "k_proj", "v_proj", "o_proj"],
    "qwen3": ["q_proj", "k_proj", "v_proj", "o_proj"],
}

_EXTRA = "pip install 'w2s-workbench[finetune]'"


def require_peft():
    """The ``peft`` module, or an ImportError naming the extra that installs it."""
    try:
        import peft
    except ImportError:
        raise ImportError(f"mode='lora' needs the `peft` package: {_EXTRA} (or use mode='full').") from None
    return peft


def default_target_modules(model_type: str):
    """LoRA target modules for a transformers ``model_type`` (:data:`LORA_TARGETS`, else ``"all-linear"``)."""
    return list(LORA_TARGETS.get(str(model_type), ())) or "all-linear"


class StudentNet(torch.nn.Module):
    """Encoder + pooling + linear head.

    Parameters
    ----------
    encoder : transformers ``PreTrainedModel`` (optionally wrapped by peft)
    n_classes : int
    pooling : {"mean", "cls", "last"}
    """

    def __init__(self, encoder, n_classes: int, *, pooling: str = "mean"):
        super().__init__()
        self.encoder = encoder
        self.pooling = pooling
        self.head = torch.nn.Linear(int(encoder.config.hidden_size), int(n_classes))

    def embed(self, input_ids, attention_mask, **extra):
        """Pooled token states, shape (b, hidden) float32."""
        from ..encoders.hf import pool

        out = self.encoder(input_ids=input_ids, attention_mask=attention_mask, **extra)
        return pool(out.last_hidden_state.float(), attention_mask, self.pooling)

    def forward(self, input_ids, attention_mask, **extra):
        """Logits, shape (b, n_classes) float32."""
        return self.head(self.embed(input_ids, attention_mask, **extra)).float()


def _freeze_unused(encoder) -> None:
    """Freeze parameters no forward of ours uses (BERT-style ``pooler``): they would get no
    gradient, which distributed data parallel reports as an error."""
    for name, param in encoder.named_parameters():
        if name.split(".")[0] == "pooler":
            param.requires_grad_(False)


def enable_checkpointing(encoder) -> None:
    """Gradient (activation) checkpointing, non-reentrant (needs no input grads under LoRA).
    transformers 5 names it ``activation_checkpointing_enable``; older ones ``gradient_...``."""
    kwargs = {"use_reentrant": False}
    if hasattr(encoder, "activation_checkpointing_enable"):
        encoder.activation_checkpointing_enable(activation_checkpointing_kwargs=kwargs)
    else:
        encoder.gradient_checkpointing_enable(gradient_checkpointing_kwargs=kwargs)


def is_checkpointing(encoder) -> bool:
    """Whether ``encoder`` (or the model inside a peft wrapper) checkpoints activations."""
    base = getattr(encoder, "get_base_model", lambda: encoder)()
    flag = getattr(base, "is_activation_checkpointing", None)
    if flag is None:
        flag = getattr(base, "is_gradient_checkpointing", False)
    return bool(flag() if callable(flag) else flag)


def build_net(encoder, n_classes: int, *, mode: str, pooling: str, lora: dict, seed: int,
              gradient_checkpointing: bool) -> StudentNet:
    """Wrap a loaded encoder for training in ``mode`` ("lora" or "full"); the head is seeded.

    Parameters
    ----------
    lora : dict with ``r``, ``alpha``, ``dropout``, ``target_modules`` (None = per architecture)
    """
    if gradient_checkpointing:
        enable_checkpointing(encoder)
    if mode == "lora":
        peft = require_peft()
        targets = lora["target_modules"] or default_target_modules(encoder.config.model_type)
        config = peft.LoraConfig(r=lora["r"], lora_alpha=lora["alpha"], lora_dropout=lora["dropout"],
                                 target_modules=targets, bias="none")
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(seed)
            with warnings.catch_warnings():
                # peft (0.21) reads transformers 5's deprecated `is_gradient_checkpointing` while
                # wrapping; the warning is about peft's code, not ours (we read the new name)
                warnings.filterwarnings("ignore", message=".*is_gradient_checkpointing.*", category=FutureWarning)
                encoder = peft.get_peft_model(encoder, config)
    else:
        _freeze_unused(encoder)
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        return StudentNet(encoder, n_classes, pooling=pooling)
