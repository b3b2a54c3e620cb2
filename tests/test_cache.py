"""EmbeddingCache / ArrayStore: hits, resume after interrupt, cancel, corruption,
concurrent writers, and no pickle anywhere."""

from __future__ import annotations

import hashlib
import io
import multiprocessing as mp
import pickle
import threading
import time

import numpy as np
import pytest

from tests.conftest import snapshot
from workbench.cache import ArrayStore, EmbeddingCache, EmbeddingCancelled, cache_key, load_checked
from workbench.data import TextDataset

N, CHUNK = 10, 3  # 4 chunks: 3 + 3 + 3 + 1


class FakeEncoder:
    """Deterministic text features (character statistics), shape (n, 4)."""

    name = "fake/encoder"

    def __init__(self, version: int = 1, delay: float = 0.0):
        self.version, self.delay = version, delay

    def cache_identity(self):
        return {"kind": "fake", "version": self.version}

    def encode(self, texts, *, batch_size=None, progress=False):
        if self.delay:
            time.sleep(self.delay)
        return np.array([[len(t), sum(map(ord, t)) % 97, t.count("e"), self.version] for t in texts], np.float32)


class Counting:
    """Wraps an encoder; counts calls and texts; optionally raises on call ``fail_on``."""

    def __init__(self, inner, *, fail_on=None, exc=KeyboardInterrupt):
        self.inner, self.fail_on, self.exc = inner, fail_on, exc
        self.name = inner.name
        self.calls = 0
        self.texts = []

    def cache_identity(self):
        return self.inner.cache_identity()

    def encode(self, texts, **kw):
        self.calls += 1
        if self.fail_on is not None and self.calls == self.fail_on:
            raise self.exc()
        self.texts.extend(texts)
        return self.inner.encode(texts, **kw)


def make_ds(n=N, tag=""):
    return TextDataset(name="toy", ids=[f"r{i}" for i in range(n)], texts=[f"text number {i}{tag}" for i in range(n)],
                       labels=np.arange(n) % 2, label_names=("a", "b"))


def expected(ds):
    return FakeEncoder().encode(list(ds.texts))


def chunk_files(folder):
    return sorted(folder.glob("chunk_*.npy"))


# ------------------------------------------------------------------ hits
def test_miss_then_hit(cache_dir):
    ds, cache = make_ds(), EmbeddingCache()
    assert cache.root == cache_dir
    enc = Counting(FakeEncoder())
    first = cache.embed(enc, ds, chunk_size=CHUNK, progress=False)
    assert enc.calls == 4 and enc.texts == list(ds.texts)
    np.testing.assert_array_equal(first, expected(ds))
    assert first.dtype == np.float32 and first.shape == (N, 4)
    folder = cache.folder_for(enc, ds, chunk_size=CHUNK)
    assert len(chunk_files(folder)) == 4 and (folder / "manifest.json").exists()

    again = Counting(FakeEncoder())
    t0 = time.perf_counter()
    second = cache.embed(again, ds, chunk_size=CHUNK, progress=False)
    elapsed = time.perf_counter() - t0
    assert again.calls == 0
    np.testing.assert_array_equal(second, first)
    assert elapsed < 0.5


def test_key_depends_on_encoder_data_and_chunk_size():
    cache, ds = EmbeddingCache(), make_ds()
    base = cache.folder_for(FakeEncoder(), ds, chunk_size=CHUNK)
    assert cache.folder_for(FakeEncoder(), make_ds(), chunk_size=CHUNK) == base
    assert cache.folder_for(FakeEncoder(version=2), ds, chunk_size=CHUNK) != base
    assert cache.folder_for(FakeEncoder(), make_ds(tag="!"), chunk_size=CHUNK) != base
    assert cache.folder_for(FakeEncoder(), ds, chunk_size=4) != base
    assert cache_key({"a": 1, "b": 2}, "f", 3) == cache_key({"b": 2, "a": 1}, "f", 3)
    # a changed encoder never returns stale vectors
    cache.embed(FakeEncoder(), ds, chunk_size=CHUNK, progress=False)
    v2 = cache.embed(FakeEncoder(version=2), ds, chunk_size=CHUNK, progress=False)
    assert (v2[:, 3] == 2).all()


def test_on_chunk_progress_and_return_folder():
    fractions = []
    folder = EmbeddingCache().embed(FakeEncoder(), make_ds(), chunk_size=CHUNK, progress=False,
                                    on_chunk=fractions.append, return_array=False)
    assert fractions == [0.25, 0.5, 0.75, 1.0]
    assert len(chunk_files(folder)) == 4
    assert np.concatenate([load_checked(p) for p in chunk_files(folder)]).shape == (N, 4)


def test_progress_bar(capsys):
    EmbeddingCache().embed(FakeEncoder(), make_ds(), chunk_size=CHUNK, progress=True)
    assert "embedding (encoder)" in capsys.readouterr().err


# --------------------------------------------------------- interruption
@pytest.mark.parametrize("k", [0, 1, 3])
def test_keyboard_interrupt_keeps_chunks_and_resumes(k, tmp_path):
    ds, cache = make_ds(), EmbeddingCache()
    enc = Counting(FakeEncoder(), fail_on=k + 1)
    with pytest.raises(KeyboardInterrupt):
        cache.embed(enc, ds, chunk_size=CHUNK, progress=False)
    folder = cache.folder_for(enc, ds, chunk_size=CHUNK)
    assert len(chunk_files(folder)) == k
    assert not list(folder.glob(".*.tmp"))

    resume = Counting(FakeEncoder())
    out = cache.embed(resume, ds, chunk_size=CHUNK, progress=False)
    assert resume.calls == 4 - k
    assert resume.texts == list(ds.texts[k * CHUNK:])
    uninterrupted = EmbeddingCache(tmp_path / "other").embed(FakeEncoder(), ds, chunk_size=CHUNK, progress=False)
    np.testing.assert_array_equal(out, uninterrupted)


def test_stop_event_cancels_between_chunks():
    ds, cache = make_ds(), EmbeddingCache()
    stop = threading.Event()
    enc = Counting(FakeEncoder())

    def on_chunk(fraction):
        if fraction >= 0.5:
            stop.set()

    with pytest.raises(EmbeddingCancelled, match="after 2 finished chunk"):
        cache.embed(enc, ds, chunk_size=CHUNK, progress=False, stop_event=stop, on_chunk=on_chunk)
    assert enc.calls == 2
    assert len(chunk_files(cache.folder_for(enc, ds, chunk_size=CHUNK))) == 2
    assert issubclass(EmbeddingCancelled, RuntimeError)
    # already-cached chunks are returned even with the event set; missing ones are not computed
    idle = Counting(FakeEncoder())
    with pytest.raises(EmbeddingCancelled, match="after 2 finished chunk"):
        cache.embed(idle, ds, chunk_size=CHUNK, progress=False, stop_event=stop)
    assert idle.calls == 0
    stop.clear()
    resume = Counting(FakeEncoder())
    np.testing.assert_array_equal(cache.embed(resume, ds, chunk_size=CHUNK, progress=False, stop_event=stop),
                                  expected(ds))
    assert resume.calls == 2


# ------------------------------------------------------------- corruption
def _corrupt_and_reembed(mutate):
    ds, cache = make_ds(), EmbeddingCache()
    good = cache.embed(FakeEncoder(), ds, chunk_size=CHUNK, progress=False)
    path = chunk_files(cache.folder_for(FakeEncoder(), ds, chunk_size=CHUNK))[1]
    mutate(path)
    enc = Counting(FakeEncoder())
    out = cache.embed(enc, ds, chunk_size=CHUNK, progress=False)
    np.testing.assert_array_equal(out, good)
    assert enc.calls == 1 and enc.texts == list(ds.texts[CHUNK:2 * CHUNK])
    assert load_checked(path) is not None  # rewritten and valid again
    return path


def test_truncated_chunk_recomputed():
    _corrupt_and_reembed(lambda p: p.write_bytes(p.read_bytes()[:-5]))


def test_bit_flipped_chunk_recomputed():
    def flip(p):
        data = bytearray(p.read_bytes())
        data[-3] ^= 0x01  # inside the float data: still a loadable .npy, wrong values
        p.write_bytes(bytes(data))
        flipped = np.load(p, allow_pickle=False)
        assert flipped.shape == (3, 4)  # would load fine without the checksum

    _corrupt_and_reembed(flip)


def test_missing_sidecar_recomputed():
    _corrupt_and_reembed(lambda p: p.with_suffix(".sha256").unlink())


def _write_with_checksum(path, data: bytes):
    path.write_bytes(data)
    path.with_suffix(".sha256").write_text(hashlib.sha256(data).hexdigest())


def test_wrong_shape_chunk_with_valid_checksum_recomputed():
    buf = io.BytesIO()
    np.save(buf, np.zeros((2, 4), np.float32))
    _corrupt_and_reembed(lambda p: _write_with_checksum(p, buf.getvalue()))


def test_garbage_chunk_with_valid_checksum_recomputed():
    _corrupt_and_reembed(lambda p: _write_with_checksum(p, b"not an npy file at all"))


# ---------------------------------------------------------------- no pickle
def _object_npy() -> bytes:
    buf = io.BytesIO()
    np.save(buf, np.array([{"evil": 1}, None], dtype=object), allow_pickle=True)
    return buf.getvalue()


def test_crafted_object_array_refused(monkeypatch):
    def no_unpickling(*a, **k):
        raise AssertionError("the cache must never unpickle")

    monkeypatch.setattr(pickle, "load", no_unpickling)
    monkeypatch.setattr(pickle, "loads", no_unpickling)
    path = _corrupt_and_reembed(lambda p: _write_with_checksum(p, _object_npy()))
    assert np.load(path, allow_pickle=False).dtype == np.float32

    store = ArrayStore(path.parent.parent / "evil")
    store.folder.mkdir()
    _write_with_checksum(store.folder / "x.npy", _object_npy())
    assert store.load("x") is None
    assert not (store.folder / "x.npy").exists()


def test_all_cache_files_load_without_pickle(cache_dir):
    cache = EmbeddingCache()
    cache.embed(FakeEncoder(), make_ds(), chunk_size=CHUNK, progress=False)
    cache.arrays("projections").save("umap", np.ones((N, 2)))
    files = list(cache_dir.rglob("*.npy"))
    assert len(files) == 5
    for p in files:
        arr = np.load(p, allow_pickle=False)
        assert arr.dtype != object


# -------------------------------------------------------------- ArrayStore
def test_array_store_round_trip_and_corruption(tmp_path):
    store = ArrayStore(tmp_path / "proj")
    assert store.load("missing") is None
    a = np.random.default_rng(0).normal(size=(7, 2))
    store.save("k", a)
    out = store.load("k")
    np.testing.assert_array_equal(out, a)
    assert out.dtype == np.float64
    store.save("k", a * 2)  # overwrite
    np.testing.assert_array_equal(store.load("k"), a * 2)
    path = tmp_path / "proj" / "k.npy"
    path.write_bytes(path.read_bytes()[:-1])
    assert store.load("k") is None
    assert not path.exists() and not path.with_suffix(".sha256").exists()
    assert EmbeddingCache(tmp_path).arrays("proj").folder == tmp_path / "proj"


# ------------------------------------------------------------------ errors
class NaNEncoder(FakeEncoder):
    def encode(self, texts, **kw):
        out = super().encode(texts)
        out[0, 0] = np.nan
        return out


class ShortEncoder(FakeEncoder):
    def encode(self, texts, **kw):
        return super().encode(texts)[:-1]


@pytest.mark.parametrize("encoder,msg", [(NaNEncoder(), "NaN/inf embeddings.*nothing was cached"),
                                         (ShortEncoder(), "returned shape")])
def test_bad_encoder_output_caches_nothing(encoder, msg):
    cache, ds = EmbeddingCache(), make_ds()
    with pytest.raises(ValueError, match=msg):
        cache.embed(encoder, ds, chunk_size=CHUNK, progress=False)
    assert chunk_files(cache.folder_for(encoder, ds, chunk_size=CHUNK)) == []


def test_bad_arguments_change_nothing(cache_dir):
    cache = EmbeddingCache()
    before = snapshot(cache_dir)
    with pytest.raises(ValueError, match="chunk_size"):
        cache.embed(FakeEncoder(), make_ds(), chunk_size=0)
    features_only = TextDataset(name="f", ids=["a", "b"], texts=None, labels=[0, 1], label_names=("x", "y"),
                                features={"w": np.ones((2, 2))})
    with pytest.raises(ValueError, match="has no texts"):
        cache.embed(FakeEncoder(), features_only)
    assert snapshot(cache_dir) == before


# --------------------------------------------------------------- processes
def _worker(root, queue):
    ds = make_ds(40)
    out = EmbeddingCache(root).embed(FakeEncoder(delay=0.02), ds, chunk_size=CHUNK, progress=False)
    queue.put(out.tobytes())


def test_two_processes_same_key(tmp_path):
    ctx = mp.get_context("spawn")
    queue = ctx.Queue()
    procs = [ctx.Process(target=_worker, args=(str(tmp_path), queue)) for _ in range(2)]
    for p in procs:
        p.start()
    results = [queue.get(timeout=120) for _ in procs]
    for p in procs:
        p.join(timeout=60)
        assert p.exitcode == 0
    ds = make_ds(40)
    want = expected(ds)
    for r in results:
        np.testing.assert_array_equal(np.frombuffer(r, np.float32).reshape(want.shape), want)
    cache = EmbeddingCache(tmp_path)
    folder = cache.folder_for(FakeEncoder(), ds, chunk_size=CHUNK)
    files = chunk_files(folder)
    assert len(files) == 14 and all(load_checked(p) is not None for p in files)
    assert not list(folder.glob(".*.tmp"))
    enc = Counting(FakeEncoder())
    np.testing.assert_array_equal(cache.embed(enc, ds, chunk_size=CHUNK, progress=False), want)
    assert enc.calls == 0


# ------------------------------------------------------------ permissions
def _mode(path) -> int:
    import os
    import stat

    return stat.S_IMODE(os.stat(path).st_mode)


def test_the_default_root_and_every_folder_are_private_and_files_are_0600(tmp_path, monkeypatch):
    """Measured: a fresh ``~/.cache/w2s-workbench`` (HOME = an empty folder, umask 022) and
    its ``embeddings/<key>`` and ``projections`` folders are 0700, every file 0600."""
    import os

    monkeypatch.delenv("W2S_CACHE_DIR", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    old = os.umask(0o022)
    try:
        cache = EmbeddingCache()
        assert cache.root == tmp_path / "home" / ".cache" / "w2s-workbench"
        cache.embed(FakeEncoder(), make_ds(), chunk_size=CHUNK, progress=False)
        cache.arrays("projections").save("k", np.zeros((3, 2), np.float32))
    finally:
        os.umask(old)
    folders = [cache.root.parent, cache.root] + [p for p in cache.root.rglob("*") if p.is_dir()]
    files = [p for p in cache.root.rglob("*") if p.is_file()]
    assert len(folders) == 5 and len(files) == 2 * 4 + 1 + 2  # .cache, root, embeddings, <key>, projections
    assert {str(p): oct(_mode(p)) for p in folders} == {str(p): "0o700" for p in folders}
    assert {str(p): oct(_mode(p)) for p in files} == {str(p): "0o600" for p in files}


def test_an_existing_loose_default_root_is_tightened_a_named_root_is_not(tmp_path, monkeypatch):
    """Older versions created ``~/.cache/w2s-workbench`` 0755: the cache makes it 0700. A root
    the user names (``root=`` or ``$W2S_CACHE_DIR``) keeps the mode the user gave it."""
    monkeypatch.delenv("W2S_CACHE_DIR", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    default = tmp_path / "home" / ".cache" / "w2s-workbench"
    default.mkdir(parents=True)
    default.chmod(0o755)
    EmbeddingCache().embed(FakeEncoder(), make_ds(), chunk_size=CHUNK, progress=False)
    assert _mode(default) == 0o700

    named = tmp_path / "shared-cache"
    named.mkdir()
    named.chmod(0o750)
    cache = EmbeddingCache(named)
    cache.embed(FakeEncoder(), make_ds(), chunk_size=CHUNK, progress=False)
    assert _mode(named) == 0o750, "a root the user chose keeps its mode"
    assert _mode(named / "embeddings") == 0o700, "what the cache creates inside it is private"
    monkeypatch.setenv("W2S_CACHE_DIR", str(named))
    EmbeddingCache().arrays("projections")
    assert _mode(named) == 0o750


def test_private_mkdir_refuses_a_file_in_the_way(tmp_path):
    from workbench.cache import private_mkdir

    (tmp_path / "plain").write_text("not a folder")
    with pytest.raises((ValueError, FileExistsError, NotADirectoryError)):
        private_mkdir(tmp_path / "plain")
    assert private_mkdir(tmp_path / "a" / "b") == tmp_path / "a" / "b"
    assert _mode(tmp_path / "a") == _mode(tmp_path / "a" / "b") == 0o700
