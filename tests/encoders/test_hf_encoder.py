"""HFEncoder on a tiny saved BERT (the real from_pretrained path), PrecomputedEncoder,
check_texts and EncoderPair."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from tests.conftest import snapshot
from workbench.encoders import EncoderPair, HFEncoder, PrecomputedEncoder, check_texts, resolve_device

pytestmark = pytest.mark.usefixtures("single_thread_torch")

TEXTS = [
    "short",
    "a somewhat longer sentence about the weather today",
    "tiny",
    "the quick brown fox jumps over the lazy dog and keeps on running far away",
    "medium length text here",
    "ok",
    "another sentence with several more words in it",
]


@pytest.fixture(scope="module")
def encoder(tiny_bert_dir):
    return HFEncoder(str(tiny_bert_dir), device="cpu", batch_size=3).load()


def reference(tiny_bert_dir, texts, *, layer=None, pooling="mean", max_length=128):
    """Independent per-text forward pass with transformers (no batching, no padding)."""
    from transformers import AutoModel, AutoTokenizer

    tok = AutoTokenizer.from_pretrained(tiny_bert_dir)
    model = AutoModel.from_pretrained(tiny_bert_dir).eval()
    out = []
    with torch.inference_mode():
        for t in texts:
            enc = tok(t, return_tensors="pt", truncation=True, max_length=max_length)
            o = model(**enc, output_hidden_states=True)
            h = (o.last_hidden_state if layer is None else o.hidden_states[layer])[0]
            out.append({"mean": h.mean(0), "cls": h[0], "last": h[-1]}[pooling].numpy())
    return np.stack(out)


def test_loads_local_folder_with_from_pretrained(encoder, tiny_bert_dir):
    assert encoder.resolved.source == "local" and encoder.resolved.path == str(tiny_bert_dir)
    assert type(encoder._model).__name__ == "BertModel"
    assert encoder._model.config.hidden_size == 32 and not encoder._model.training
    assert encoder.device == "cpu" and encoder.dtype == "float32"
    assert "pooling='mean'" in repr(encoder)


def test_encode_shape_dtype_and_reference(encoder, tiny_bert_dir):
    X = encoder.encode(TEXTS)
    assert X.shape == (len(TEXTS), 32) and X.dtype == np.float32 and np.isfinite(X).all()
    np.testing.assert_allclose(X, reference(tiny_bert_dir, TEXTS), atol=1e-5)


def test_sorted_batching_equals_one_by_one_and_keeps_order(encoder):
    batched = encoder.encode(TEXTS, batch_size=4)
    single = encoder.encode(TEXTS, batch_size=1)
    np.testing.assert_allclose(batched, single, atol=1e-5)
    reordered = encoder.encode(TEXTS[::-1], batch_size=4)
    np.testing.assert_allclose(reordered, batched[::-1], atol=1e-5)
    # every row is its own text's vector: rows for different texts differ
    assert np.abs(batched[0] - batched[1]).max() > 1e-3


@pytest.mark.parametrize("pooling", ["cls", "last"])
def test_pooling_choices(tiny_bert_dir, pooling):
    enc = HFEncoder(str(tiny_bert_dir), device="cpu", pooling=pooling)
    np.testing.assert_allclose(enc.encode(TEXTS, batch_size=3), reference(tiny_bert_dir, TEXTS, pooling=pooling),
                               atol=1e-5)


def test_layer_choice(tiny_bert_dir, encoder):
    last = encoder.encode(TEXTS)
    first = HFEncoder(str(tiny_bert_dir), device="cpu", layer=0).encode(TEXTS)
    assert np.abs(first - last).max() > 1e-2
    np.testing.assert_allclose(first, reference(tiny_bert_dir, TEXTS, layer=0), atol=1e-5)
    np.testing.assert_allclose(HFEncoder(str(tiny_bert_dir), device="cpu", layer=-1).encode(TEXTS), last, atol=1e-5)
    np.testing.assert_allclose(HFEncoder(str(tiny_bert_dir), device="cpu", layer=2).encode(TEXTS), last, atol=1e-5)
    mid = HFEncoder(str(tiny_bert_dir), device="cpu", layer=1).encode(TEXTS)
    np.testing.assert_allclose(mid, reference(tiny_bert_dir, TEXTS, layer=1), atol=1e-5)


@pytest.mark.parametrize("layer", [3, -4, 99])
def test_layer_out_of_range(tiny_bert_dir, layer):
    enc = HFEncoder(str(tiny_bert_dir), device="cpu", layer=layer)
    for _ in range(2):  # a second call gives the same clear error, not an IndexError inside torch
        with pytest.raises(ValueError, match=f"layer={layer} is out of range.*0..2"):
            enc.encode(["x"])


def test_max_length_truncates(tiny_bert_dir):
    enc = HFEncoder(str(tiny_bert_dir), device="cpu", max_length=6)
    np.testing.assert_allclose(enc.encode(TEXTS), reference(tiny_bert_dir, TEXTS, max_length=6), atol=1e-5)


def test_bfloat16_on_cpu_close_to_float32(tiny_bert_dir, encoder):
    bf = HFEncoder(str(tiny_bert_dir), device="cpu", dtype="bfloat16")
    assert bf.dtype == "bfloat16"
    X, Y = bf.encode(TEXTS), encoder.encode(TEXTS)
    cos = (X * Y).sum(1) / np.linalg.norm(X, axis=1) / np.linalg.norm(Y, axis=1)
    assert X.dtype == np.float32 and cos.min() > 0.99


@pytest.mark.parametrize("opts,exc,msg", [
    (dict(pooling="max"), ValueError, "pooling must be one of"),
    (dict(dtype="float16"), ValueError, "dtype must be one of"),
    (dict(device="tpu"), ValueError, "device must be one of"),
    (dict(max_length=1), ValueError, "max_length must be >= 2"),
    (dict(batch_size=0), ValueError, "batch_size must be >= 1"),
    (dict(layer=1.5), TypeError, "layer must be an integer"),
])
def test_option_validation(tiny_bert_dir, opts, exc, msg):
    with pytest.raises(exc, match=msg):
        HFEncoder(str(tiny_bert_dir), **{"device": "cpu", **opts})


def test_cuda_without_gpu(tiny_bert_dir, monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    with pytest.raises(ValueError, match="device='cuda' but no CUDA GPU"):
        HFEncoder(str(tiny_bert_dir), device="cuda")
    assert resolve_device("auto") == "cpu"
    assert HFEncoder(str(tiny_bert_dir)).device == "cpu"


def test_trust_remote_code_off_by_default(tiny_bert_dir, monkeypatch):
    import transformers

    seen = []
    real_model, real_tok = transformers.AutoModel.from_pretrained, transformers.AutoTokenizer.from_pretrained

    def spy(real):
        def wrapped(*args, **kwargs):
            seen.append(kwargs.get("trust_remote_code"))
            return real(*args, **kwargs)
        return wrapped

    monkeypatch.setattr(transformers.AutoModel, "from_pretrained", spy(real_model))
    monkeypatch.setattr(transformers.AutoTokenizer, "from_pretrained", spy(real_tok))
    enc = HFEncoder(str(tiny_bert_dir), device="cpu")
    assert enc.trust_remote_code is False
    enc.load()
    assert seen == [False, False]
    HFEncoder(str(tiny_bert_dir), device="cpu", trust_remote_code=True).load()
    assert seen[2:] == [True, True]


def test_cache_identity(tiny_bert_dir, tmp_path):
    base = HFEncoder(str(tiny_bert_dir), device="cpu").cache_identity()
    assert base == HFEncoder(str(tiny_bert_dir), device="cpu").cache_identity()
    assert base["kind"] == "hf" and len(base["weights"]) == 64
    for opts in (dict(pooling="cls"), dict(layer=1), dict(max_length=64), dict(dtype="bfloat16")):
        assert HFEncoder(str(tiny_bert_dir), device="cpu", **opts).cache_identity() != base, opts
    # same architecture, other weights -> other digest
    from transformers import BertModel

    other = tmp_path / "other"
    model = BertModel.from_pretrained(tiny_bert_dir)
    with torch.no_grad():
        model.embeddings.word_embeddings.weight[0, 0] += 1.0
    model.save_pretrained(other)
    for f in ("tokenizer.json", "tokenizer_config.json", "vocab.txt"):
        (other / f).write_bytes((tiny_bert_dir / f).read_bytes())
    assert HFEncoder(str(other), device="cpu").cache_identity()["weights"] != base["weights"]


def test_encode_bad_texts(encoder):
    with pytest.raises(ValueError, match="texts is empty"):
        encoder.encode([])
    with pytest.raises(TypeError, match="not one string"):
        encoder.encode("hello")
    with pytest.raises(TypeError, match=r"texts\[1\] is NoneType"):
        encoder.encode(["a", None])
    with pytest.raises(TypeError, match="sequence of strings"):
        check_texts(3)
    assert check_texts(("a", "b")) == ["a", "b"]


def test_weird_texts_encode(encoder):
    X = encoder.encode(["", "\U0001F600" * 3, "x " * 5000, "<script>alert(1)</script>"])
    assert X.shape == (4, 32) and np.isfinite(X).all()


def test_progress_bar(encoder, capsys):
    X = encoder.encode(TEXTS, progress=True)
    assert X.shape == (len(TEXTS), 32)
    assert "embedding" in capsys.readouterr().err


# ---------------------------------------------------------------- precomputed
def test_precomputed_encoder():
    A = np.arange(12.0).reshape(4, 3)
    enc = PrecomputedEncoder(A, name="mine")
    assert enc.dim == 3 and enc.encode(["a"] * 4).dtype == np.float32
    np.testing.assert_array_equal(enc.encode(["a"] * 4), A)
    ident = enc.cache_identity()
    assert ident["shape"] == [4, 3] and ident == PrecomputedEncoder(A.copy(), name="mine").cache_identity()
    B = A.copy()
    B[0, 0] = 99
    assert PrecomputedEncoder(B, name="mine").cache_identity() != ident
    with pytest.raises(ValueError, match="have 4 rows but the dataset has 3"):
        enc.encode(["a"] * 3)


@pytest.mark.parametrize("bad", [np.nan, np.inf])
def test_precomputed_rejects_nan_inf(bad, cache_dir):
    A = np.ones((4, 3))
    A[1, 2] = bad
    before = snapshot(cache_dir)
    with pytest.raises(ValueError, match="NaN|inf|finite"):
        PrecomputedEncoder(A)
    assert snapshot(cache_dir) == before


def test_precomputed_rejects_bad_shapes():
    with pytest.raises(ValueError, match="2-D"):
        PrecomputedEncoder(np.ones(5))
    with pytest.raises(TypeError):
        PrecomputedEncoder([["a", "b"]])


# ------------------------------------------------------------------- pair
def test_encoder_pair_accepts_str_array_encoder(tiny_bert_dir):
    custom = PrecomputedEncoder(np.ones((3, 2)), name="custom")
    pair = EncoderPair(str(tiny_bert_dir), np.zeros((3, 5)), device="cpu", pooling="cls", layer_weak=1,
                       max_length=32)
    assert isinstance(pair.weak, HFEncoder) and pair.weak.layer == 1 and pair.weak.pooling == "cls"
    assert pair.weak.max_length == 32
    assert isinstance(pair.strong, PrecomputedEncoder) and pair.strong.name == "strong-features"
    pair2 = EncoderPair(custom, str(tiny_bert_dir), device="cpu", layer_strong=0)
    assert pair2.weak is custom and pair2.strong.layer == 0
    assert "custom" in repr(pair2)


@pytest.mark.parametrize("bad", [3, None, {"a": 1}, b"model"])
def test_encoder_pair_rejects_other(bad):
    with pytest.raises(TypeError, match="weak must be a model id"):
        EncoderPair(bad, np.zeros((3, 2)))


def _save_tiny(src, dst, *, bump: float):
    """A copy of the tiny BERT at ``dst`` with one weight moved by ``bump`` (same shapes, same size)."""
    from transformers import BertModel

    model = BertModel.from_pretrained(src)
    with torch.no_grad():
        model.embeddings.LayerNorm.bias[0] += bump  # changes every vector
    model.save_pretrained(dst)
    for f in ("tokenizer.json", "tokenizer_config.json", "vocab.txt"):
        (dst / f).write_bytes((src / f).read_bytes())


def test_same_folder_new_weights_new_identity_and_the_digest_is_memoised(tiny_bert_dir, tmp_path, cache_dir):
    import time

    folder = tmp_path / "model"
    _save_tiny(tiny_bert_dir, folder, bump=1.0)
    first = HFEncoder(str(folder), device="cpu").cache_identity()["weights"]
    memos = list((cache_dir / "weight-digests").iterdir())
    assert len(memos) == 1 and memos[0].read_text() == first
    # memoised per path + size + mtime: a second encoder reads the memo instead of hashing again
    memos[0].write_text("f" * 64)
    assert HFEncoder(str(folder), device="cpu").cache_identity()["weights"] == "f" * 64
    memos[0].write_text(first)
    time.sleep(0.05)  # a new mtime even on a coarse file-system clock
    _save_tiny(tiny_bert_dir, folder, bump=2.0)  # same id, same path, same file sizes, other weights
    second = HFEncoder(str(folder), device="cpu").cache_identity()["weights"]
    assert second != first and len(second) == 64


def _hub_snapshot_dir(hub_cache, repo_id, commit, src):
    repo = hub_cache / f"models--{repo_id.replace('/', '--')}"
    snap = repo / "snapshots" / commit
    _save_tiny(src, snap, bump=float(int(commit[0], 16) + 1))
    (repo / "refs").mkdir(parents=True, exist_ok=True)
    (repo / "refs" / "main").write_text(commit)
    return snap


def test_hub_snapshots_of_one_id_get_their_own_identity(tiny_bert_dir, tmp_path, monkeypatch):
    # Two snapshots of the same hub id (e.g. the model was updated on the hub): the identity is
    # the weight files' digest, never a shared "unknown", and it needs no model load.
    import huggingface_hub.constants

    from workbench.encoders import offline

    hub_cache = tmp_path / "hub"
    monkeypatch.setattr(huggingface_hub.constants, "HF_HUB_CACHE", str(hub_cache))
    monkeypatch.setattr(offline, "_hub_offline", lambda: False)
    old, new = "1" * 40, "2" * 40
    _hub_snapshot_dir(hub_cache, "someone/tiny", old, tiny_bert_dir)
    enc = HFEncoder("someone/tiny", device="cpu")
    assert enc.resolved.source == "hub"
    first = enc.cache_identity()
    assert enc._model is None and len(first["weights"]) == 64
    assert HFEncoder("someone/tiny", device="cpu").cache_identity() == first
    _hub_snapshot_dir(hub_cache, "someone/tiny", new, tiny_bert_dir)  # refs/main now points at the new one
    second = HFEncoder("someone/tiny", device="cpu").cache_identity()
    assert second["weights"] != first["weights"] and second["model"] == first["model"]
    assert HFEncoder("someone/tiny", device="cpu", revision=old).cache_identity() == first
    # and the vectors differ too: the identity tells apart what really differs
    a = HFEncoder("someone/tiny", device="cpu", revision=old).encode(TEXTS[:2])
    b = HFEncoder("someone/tiny", device="cpu").encode(TEXTS[:2])
    assert not np.allclose(a, b)


def test_folder_without_weight_files_has_no_identity(tiny_bert_dir, tmp_path):
    folder = tmp_path / "no-weights"
    folder.mkdir()
    (folder / "config.json").write_text((tiny_bert_dir / "config.json").read_text())
    with pytest.raises(ValueError, match="no weight files"):
        HFEncoder(str(folder), device="cpu").cache_identity()
