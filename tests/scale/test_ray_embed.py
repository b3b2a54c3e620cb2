"""Embedding through Ray writes the local path's cache: same keys, same vectors; it resumes
after an interrupted driver and survives a killed worker; clear errors without Ray."""

from __future__ import annotations

import importlib
import subprocess
import sys
import threading

import numpy as np
import pytest

from tests.conftest import snapshot
from tests.scale._encoders import FileCountingEncoder, calls
from workbench.cache import EmbeddingCache, EmbeddingCancelled, load_checked
from workbench.data import TextDataset
from workbench.scale import embed_to_cache, ray_embed

CHUNK = 8


def make_ds(n=44):
    texts = [f"tweet {i}: {'great' if i % 2 else 'awful'} day number {i * 7}" + " !" * (i % 5) for i in range(n)]
    return TextDataset(name="toy", ids=[f"r{i}" for i in range(n)], texts=texts, labels=np.arange(n) % 2,
                       label_names=("neg", "pos"))


def chunk_files(folder):
    return sorted(p.name for p in folder.iterdir() if p.name.startswith("chunk_"))


def test_ray_cache_equals_local_cache_and_a_later_local_session_reads_it(ray_cluster, tiny_bert_dir, tmp_path,
                                                                         capsys, monkeypatch):
    from workbench.encoders import HFEncoder

    ds = make_ds()
    enc = HFEncoder(tiny_bert_dir, device="cpu", batch_size=4)
    local, remote = EmbeddingCache(tmp_path / "local"), EmbeddingCache(tmp_path / "ray")
    X_local = local.embed(enc, ds, chunk_size=CHUNK, progress=False)
    X_ray = ray_embed(remote, enc, ds, chunk_size=CHUNK, progress=False, num_workers=1)  # 2 actors: killed-worker test
    assert X_ray.dtype == np.float32 and X_ray.shape == X_local.shape == (len(ds), 32)
    np.testing.assert_allclose(X_ray, X_local, atol=1e-5, rtol=0)
    a, b = snapshot(local.root / "embeddings"), snapshot(remote.root / "embeddings")
    assert sorted(a) == sorted(b), "the same cache key folder and the same chunk files"
    assert len([k for k in a if k.endswith(".npy")]) == 6  # 44 rows / 8 = 5 full chunks + 1
    manifest = next(k for k in a if k.endswith("manifest.json"))
    assert a[manifest] == b[manifest]
    for key in a:
        if key.endswith(".npy"):
            np.testing.assert_allclose(load_checked(remote.root / "embeddings" / key),
                                       load_checked(local.root / "embeddings" / key), atol=1e-5, rtol=0)
    identical = sum(a[k] == b[k] for k in a)
    with capsys.disabled():
        print(f"\n[ray cache] {identical}/{len(a)} files byte-identical to the local cache")

    # A later local session (new cache object, same root) reads the Ray-written cache as is.
    def no_encoding(*args, **kwargs):
        raise AssertionError("the local session re-encoded a chunk the Ray run had cached")

    monkeypatch.setattr(HFEncoder, "encode", no_encoding)
    before = snapshot(remote.root / "embeddings")
    X_later = EmbeddingCache(tmp_path / "ray").embed(HFEncoder(tiny_bert_dir, device="cpu", batch_size=4), ds,
                                                     chunk_size=CHUNK, progress=False)
    np.testing.assert_array_equal(X_later, X_ray)
    assert snapshot(remote.root / "embeddings") == before


def test_a_cache_hit_needs_no_cluster(tmp_path, monkeypatch):
    pytest.importorskip("ray")
    ds, cache = make_ds(), EmbeddingCache(tmp_path / "cache")
    X = cache.embed(FileCountingEncoder(tmp_path / "calls"), ds, chunk_size=CHUNK, progress=False)
    RE = importlib.import_module("workbench.scale.ray_embed")  # the module; the package exports a function so named

    monkeypatch.setattr(RE, "connect", lambda address=None: pytest.fail("a full cache must not start Ray"))
    again = embed_to_cache(cache, FileCountingEncoder(tmp_path / "calls2"), ds, engine="ray", chunk_size=CHUNK,
                           progress=False)
    np.testing.assert_array_equal(again, X)
    assert calls(tmp_path / "calls2") == []


def test_interrupted_driver_keeps_finished_chunks_and_resumes(ray_cluster, tmp_path):
    ds, cache = make_ds(), EmbeddingCache(tmp_path / "cache")
    stop, seen = threading.Event(), []

    def on_chunk(fraction):
        seen.append(fraction)
        if len(seen) == 2:
            stop.set()

    enc = FileCountingEncoder(tmp_path / "calls", delay=0.2)
    with pytest.raises(EmbeddingCancelled, match="stay cached"):
        ray_embed(cache, enc, ds, chunk_size=CHUNK, progress=False, stop_event=stop, on_chunk=on_chunk,
                  num_workers=1)
    folder = cache.folder_for(enc, ds, chunk_size=CHUNK)
    kept = [f for f in chunk_files(folder) if f.endswith(".npy")]
    assert 2 <= len(kept) < 6
    n_first = len(calls(tmp_path / "calls"))
    enc2 = FileCountingEncoder(tmp_path / "calls2")
    X = ray_embed(cache, enc2, ds, chunk_size=CHUNK, progress=False)
    assert len(calls(tmp_path / "calls2")) == 6 - len(kept), "only the missing chunks are computed again"
    assert n_first >= len(kept)
    np.testing.assert_array_equal(X, EmbeddingCache(tmp_path / "ref").embed(enc2, ds, chunk_size=CHUNK,
                                                                             progress=False))


@pytest.mark.slow  # 20-45 s on 2 busy cores: the restarted actor starts a new Python process
def test_a_killed_worker_is_restarted_or_the_rerun_resumes(ray_cluster, tmp_path):
    ds, cache = make_ds(), EmbeddingCache(tmp_path / "cache")
    crash_on = ds.texts[3 * CHUNK]  # the first text of chunk 3
    enc = FileCountingEncoder(tmp_path / "calls", crash_text=crash_on, marker=tmp_path / "crashed")
    reference = EmbeddingCache(tmp_path / "ref").embed(FileCountingEncoder(tmp_path / "calls-ref"), ds,
                                                       chunk_size=CHUNK, progress=False)
    try:
        X = ray_embed(cache, enc, ds, chunk_size=CHUNK, progress=False, num_workers=2)
        outcome = "restarted"
    except EmbeddingCancelled:
        raise
    except Exception:  # noqa: BLE001  (Ray gave up on the dead actor: the rerun must resume)
        outcome = "failed"
        done = len([f for f in chunk_files(cache.folder_for(enc, ds, chunk_size=CHUNK)) if f.endswith(".npy")])
        rerun = FileCountingEncoder(tmp_path / "calls-rerun")
        X = ray_embed(cache, rerun, ds, chunk_size=CHUNK, progress=False)
        assert len(calls(tmp_path / "calls-rerun")) == 6 - done
    assert (tmp_path / "crashed").exists(), "the worker really died"
    np.testing.assert_array_equal(X, reference)
    assert outcome == "restarted", "Ray Data restarts a dead map actor and retries its chunk (Ray 2.60)"


@pytest.mark.slow  # ~4 actor starts
def test_a_chunk_that_always_kills_its_worker_fails_the_run_and_the_rerun_resumes(ray_cluster, tmp_path):
    ds, cache = make_ds(), EmbeddingCache(tmp_path / "cache")
    poison = FileCountingEncoder(tmp_path / "calls", crash_text=ds.texts[5 * CHUNK])  # the last chunk, every time
    with pytest.raises(RuntimeError, match="stay cached in .*run again to compute only the rest"):
        ray_embed(cache, poison, ds, chunk_size=CHUNK, progress=False, num_workers=1)  # bounded restarts, no hang
    folder = cache.folder_for(poison, ds, chunk_size=CHUNK)
    done = len([f for f in chunk_files(folder) if f.endswith(".npy")])
    assert 1 <= done <= 5, "chunks finished before the failure are cached; the poisoned one is not"
    healthy = FileCountingEncoder(tmp_path / "calls2")
    X = ray_embed(cache, healthy, ds, chunk_size=CHUNK, progress=False, num_workers=1)
    recomputed = [c[0] for c in calls(tmp_path / "calls2")]
    assert len(recomputed) == 6 - done and ds.texts[5 * CHUNK] in recomputed, "only the missing chunks"
    np.testing.assert_array_equal(X, EmbeddingCache(tmp_path / "ref").embed(healthy, ds, chunk_size=CHUNK,
                                                                             progress=False))


def test_import_workbench_does_not_import_ray():
    code = ("import sys, workbench, workbench.scale, workbench.experiment, widgets.cli; "
            "sys.exit('ray' in sys.modules)")
    from tests.scale.conftest import ROOT

    assert subprocess.run([sys.executable, "-c", code], cwd=ROOT).returncode == 0


def test_without_ray_the_error_names_the_extra(monkeypatch, tmp_path):
    from workbench import EncoderPair, Experiment

    monkeypatch.setitem(sys.modules, "ray", None)
    ds = make_ds()
    enc = FileCountingEncoder(tmp_path / "calls")
    with pytest.raises(ImportError, match=r"w2s-workbench\[ray\]"):
        embed_to_cache(EmbeddingCache(tmp_path / "c"), enc, ds, engine="ray", progress=False)
    exp = Experiment(ds, EncoderPair(weak=enc, strong=enc), n_gold=10, cache=EmbeddingCache(tmp_path / "c"))
    with pytest.raises(ImportError, match=r"pip install 'w2s-workbench\[ray\]'"):
        exp.embed(engine="ray", progress=False)
    assert calls(tmp_path / "calls") == [], "nothing was embedded"


def test_cli_without_ray_is_one_readable_error(monkeypatch, tmp_path, capsys):
    from widgets.cli import main

    monkeypatch.setitem(sys.modules, "ray", None)
    csv = tmp_path / "data.csv"
    csv.write_text("text,label\n" + "".join(f"t{i},{'ab'[i % 2]}\n" for i in range(6)))
    rc = main(["embed", "--dataset", str(csv), "--weak", "not/loaded", "--strong", "not/loaded", "--engine", "ray"])
    assert rc == 2
    assert "pip install 'w2s-workbench[ray]'" in capsys.readouterr().err


def test_bad_engine_and_workers_are_value_errors(tmp_path):
    from workbench import EncoderPair, Experiment

    ds = make_ds()
    enc = FileCountingEncoder(tmp_path / "calls")
    exp = Experiment(ds, EncoderPair(weak=enc, strong=enc), n_gold=10, cache=EmbeddingCache(tmp_path / "c"))
    with pytest.raises(ValueError, match="engine must be one of 'local', 'ray'; got 'spark'"):
        exp.embed(engine="spark", progress=False)
    with pytest.raises(ValueError, match="engine"):
        embed_to_cache(EmbeddingCache(tmp_path / "c"), enc, ds, engine="Ray")
    pytest.importorskip("ray")
    with pytest.raises(ValueError, match="num_workers"):
        ray_embed(EmbeddingCache(tmp_path / "c"), enc, ds, num_workers=0)


def test_experiment_embed_with_ray_equals_local(ray_cluster, tmp_path):
    from workbench import EncoderPair, Experiment

    ds = make_ds(30)
    pair = EncoderPair(weak=FileCountingEncoder(tmp_path / "w"), strong=FileCountingEncoder(tmp_path / "s"))
    a = Experiment(ds, pair, n_gold=10, cache=EmbeddingCache(tmp_path / "a")).embed(progress=False)
    stages = []
    b = Experiment(ds, pair, n_gold=10, cache=EmbeddingCache(tmp_path / "b"))
    b.on_progress = lambda stage, f: stages.append((stage, f))
    b.embed(engine="ray", progress=False, num_workers=1)
    np.testing.assert_array_equal(a.X_weak_, b.X_weak_)
    np.testing.assert_array_equal(a.X_strong_, b.X_strong_)
    assert ("embedding (weak)", 1.0) in stages and ("embedding (strong)", 1.0) in stages


def test_cli_embed_with_ray_prints_the_cache_folders(ray_cluster, tiny_bert_dir, tmp_path, capsys, cache_dir):
    from widgets.cli import main

    csv = tmp_path / "data.csv"
    ds = make_ds(20)
    csv.write_text("text,label\n" + "".join(f"\"{t}\",{['neg', 'pos'][y]}\n" for t, y in zip(ds.texts, ds.labels)))
    rc = main(["embed", "--dataset", str(csv), "--weak", str(tiny_bert_dir), "--strong", str(tiny_bert_dir),
               "--device", "cpu", "--engine", "ray", "--workers", "1", "--chunk-size", "8", "--no-progress"])
    out = capsys.readouterr().out
    assert rc == 0, out
    folders = [line.split(": ", 1)[1].split(" (")[0] for line in out.splitlines()
               if line.startswith(("weak", "strong"))]
    assert len(folders) == 2 and all(str(cache_dir) in f for f in folders)
    from pathlib import Path

    assert sorted(p.name for p in Path(folders[0]).glob("chunk_*.npy")) == [f"chunk_{i:05d}.npy" for i in range(3)]


def test_hf_encoder_spec_round_trips_without_a_loaded_model(tiny_bert_dir):
    import pickle

    from workbench.encoders import HFEncoder

    enc = HFEncoder(tiny_bert_dir, device="cpu", pooling="cls", layer=1, max_length=16, batch_size=3)
    enc.encode(["loaded here"])
    spec = enc.spec(device="cpu")
    assert len(pickle.dumps(spec)) < 2_000, "the spec carries arguments, not weights"
    again = HFEncoder.from_spec(spec)
    assert again._model is None and again.cache_identity() == enc.cache_identity()
    np.testing.assert_array_equal(again.encode(["a text", "another"]), enc.encode(["a text", "another"]))


def test_cli_embed_locally_fills_the_cache(tiny_bert_dir, tmp_path, capsys, cache_dir):
    from widgets.cli import main

    csv = tmp_path / "data.csv"
    ds = make_ds(12)
    csv.write_text("text,label\n" + "".join(f"\"{t}\",{['neg', 'pos'][y]}\n" for t, y in zip(ds.texts, ds.labels)))
    args = ["embed", "--dataset", str(csv), "--weak", str(tiny_bert_dir), "--strong", str(tiny_bert_dir),
            "--device", "cpu", "--chunk-size", "5", "--no-progress"]
    assert main(args) == 0
    out = capsys.readouterr().out
    assert "engine local" in out and out.count(str(cache_dir)) == 2
    with pytest.raises(SystemExit):
        main(args + ["--engine", "spark"])
