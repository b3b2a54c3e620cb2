"""Precision of HFEncoder: the "auto" rule, the cache key, and (slow) bf16 vs fp32 on real texts."""

from __future__ import annotations

import numpy as np
import pytest

from workbench.cache import EmbeddingCache
from workbench.data import TextDataset
from workbench.encoders import HFEncoder, hf
from workbench.encoders.hf import BF16_CPU_MODELS, BF16_MIN_COSINE, bf16_in_cpuinfo, cpu_has_bf16, resolve_dtype

pytestmark = pytest.mark.usefixtures("single_thread_torch")

TEXTS = ["short", "a somewhat longer sentence about the weather today", "tiny", "medium length text here"]


def _cosines(X, Y):
    return (X * Y).sum(1) / np.linalg.norm(X, axis=1) / np.linalg.norm(Y, axis=1)


def test_auto_is_bf16_only_for_verified_models_on_a_bf16_cpu(tiny_bert_dir, monkeypatch):
    name = str(tiny_bert_dir)
    monkeypatch.setattr(hf, "cpu_has_bf16", lambda: True)
    assert HFEncoder(name, device="cpu").dtype == "float32"  # not in BF16_CPU_MODELS
    monkeypatch.setitem(BF16_CPU_MODELS, name, 0.9999)
    assert HFEncoder(name, device="cpu").dtype == "bfloat16"
    assert HFEncoder(name, device="cpu", dtype="float32").dtype == "float32"  # the flag that turns it off
    assert HFEncoder(name, device="cpu", dtype="fp32").dtype == "float32"
    monkeypatch.setattr(hf, "cpu_has_bf16", lambda: False)  # emulated bf16 is slower: stay fp32
    assert HFEncoder(name, device="cpu").dtype == "float32"
    assert HFEncoder(name, device="cpu", dtype="bf16").dtype == "bfloat16"  # asked for explicitly
    assert resolve_dtype("auto", device="cuda", model="anything") == "bfloat16"


def test_bad_precision_names_the_choices(tiny_bert_dir):
    with pytest.raises(ValueError, match="dtype must be one of.*bf16"):
        HFEncoder(str(tiny_bert_dir), device="cpu", dtype="float16")
    with pytest.raises(ValueError, match="dtype must be one of"):
        resolve_dtype(["bf16"], device="cpu", model="m")


def test_cpuinfo_flags():
    assert bf16_in_cpuinfo("processor\t: 0\nflags\t\t: fpu sse avx2 avx512f avx512_bf16\n")
    assert bf16_in_cpuinfo("flags : fpu amx_bf16 amx_tile\n")
    assert not bf16_in_cpuinfo("flags\t\t: fpu sse avx avx2 fma\n")
    assert not bf16_in_cpuinfo("")
    assert isinstance(cpu_has_bf16(), bool)


def test_fp32_and_bf16_never_share_cache_entries(tiny_bert_dir, cache_dir):
    ds = TextDataset(name="t", ids=[f"t{i}" for i in range(len(TEXTS))], texts=TEXTS,
                     labels=np.array([0, 1, 0, 1]), label_names=("a", "b"))
    cache = EmbeddingCache(cache_dir)
    fp32 = HFEncoder(str(tiny_bert_dir), device="cpu", dtype="fp32")
    bf16 = HFEncoder(str(tiny_bert_dir), device="cpu", dtype="bf16")
    assert fp32.cache_identity()["dtype"] == "float32" and bf16.cache_identity()["dtype"] == "bfloat16"
    folders = {cache.embed(e, ds, progress=False, return_array=False) for e in (fp32, bf16)}
    assert len(folders) == 2
    X, Y = cache.embed(fp32, ds, progress=False), cache.embed(bf16, ds, progress=False)
    assert not np.array_equal(X, Y)  # bf16 vectors really are other numbers ...
    assert _cosines(X, Y).min() > 0.99  # ... close to fp32
    np.testing.assert_array_equal(X, fp32.encode(TEXTS))  # the fp32 entry holds fp32 vectors


# ------------------------------------------------------------------ slow: the real models
@pytest.fixture(scope="module")
def real_folders(tmp_path_factory):
    """Local folders of the models in BF16_CPU_MODELS (resolved once into a module cache)."""
    from workbench.encoders.offline import resolve_model

    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("W2S_CACHE_DIR", str(tmp_path_factory.mktemp("w2s-models")))
        mp.setenv("HF_HUB_OFFLINE", "1")
        return {mid: resolve_model(mid).path for mid in BF16_CPU_MODELS}


@pytest.fixture(scope="module")
def tweets64():
    from workbench.data import load_dataset

    return list(load_dataset("tweets", classes=("negative", "positive"), max_per_class=40, seed=0).texts[:64])


@pytest.mark.slow
@pytest.mark.parametrize("model_id", sorted(BF16_CPU_MODELS))
def test_bf16_autocast_matches_fp32_on_64_tweets(model_id, real_folders, tweets64):
    folder = real_folders[model_id]
    X = HFEncoder(folder, device="cpu", dtype="float32").encode(tweets64)
    Y = HFEncoder(folder, device="cpu", dtype="bfloat16").encode(tweets64)
    cos = _cosines(X, Y)
    assert len(tweets64) == 64 and cos.min() >= BF16_MIN_COSINE, (model_id, cos.min())
