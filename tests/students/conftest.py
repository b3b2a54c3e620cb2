"""A tiny random BERT (2 layers, hidden 32) with a word-level tokenizer, saved with
``save_pretrained`` into a temp folder, and a small two-class text set whose class is
carried by its words: fine-tuning it takes seconds on a CPU."""

from __future__ import annotations

import numpy as np
import pytest

POSITIVE = ["good", "great", "nice", "lovely", "happy", "fine", "super", "best"]
NEGATIVE = ["bad", "awful", "sad", "worst", "poor", "ugly", "angry", "boring"]
NEUTRAL = ["the", "a", "movie", "day", "food", "it", "was", "is", "today", "really", "very", "this"]


def build_tiny_bert(folder):
    """Save a random tiny BertModel + BertTokenizerFast to ``folder``; returns the folder."""
    import torch
    from tokenizers import Tokenizer, models, normalizers, pre_tokenizers, processors
    from transformers import BertConfig, BertModel, PreTrainedTokenizerFast

    folder.mkdir(parents=True, exist_ok=True)
    vocab = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", *POSITIVE, *NEGATIVE, *NEUTRAL]
    backend = Tokenizer(models.WordPiece({w: i for i, w in enumerate(vocab)}, unk_token="[UNK]"))
    backend.normalizer = normalizers.BertNormalizer(lowercase=True)
    backend.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    backend.post_processor = processors.TemplateProcessing(
        single="[CLS] $A [SEP]", pair="[CLS] $A [SEP] $B [SEP]", special_tokens=[("[CLS]", 2), ("[SEP]", 3)])
    tok = PreTrainedTokenizerFast(tokenizer_object=backend, unk_token="[UNK]", pad_token="[PAD]",
                                  cls_token="[CLS]", sep_token="[SEP]", mask_token="[MASK]")
    tok.save_pretrained(folder)
    config = BertConfig(vocab_size=len(vocab), hidden_size=32, num_hidden_layers=2, num_attention_heads=2,
                        intermediate_size=64, max_position_embeddings=64)
    torch.manual_seed(0)
    BertModel(config).save_pretrained(folder)
    return folder


def make_texts(n, *, seed=0, flip=0.0):
    """``n`` short texts, label 1 when they carry positive words; ``flip`` of the labels flipped."""
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, n)
    texts = []
    for label in y:
        words = list(rng.choice(NEUTRAL, 4)) + list(rng.choice(POSITIVE if label else NEGATIVE, 2))
        rng.shuffle(words)
        texts.append(" ".join(words))
    noisy = np.where(rng.random(n) < flip, 1 - y, y)
    return texts, y.astype(np.int64), noisy.astype(np.int64)


@pytest.fixture(scope="session")
def tiny_model(tmp_path_factory):
    return str(build_tiny_bert(tmp_path_factory.mktemp("tiny-bert")))


@pytest.fixture(scope="session")
def tiny_data():
    texts, y, noisy = make_texts(240, seed=0, flip=0.1)
    eval_texts, y_eval, _ = make_texts(80, seed=1)
    return {"texts": texts, "y": y, "teacher": np.eye(2, dtype=np.float32)[noisy], "eval": eval_texts,
            "y_eval": y_eval}


@pytest.fixture(autouse=True)
def one_torch_thread():
    """One torch thread: the tiny model's matmuls are far too small to gain from more, and the
    test machine is shared."""
    import torch

    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


#: Options that make the tiny model learn in a few epochs.
FAST = {"lora": dict(lr=2e-2, head_lr=3e-2), "full": dict(lr=3e-3, head_lr=3e-2)}


@pytest.fixture(scope="session")
def fast():
    return FAST
