"""The engine registry lives in the core (workbench.embedding); workbench.scale registers "ray".
The join policy (workbench.scale._auth.check_join) with stand-in probes: no cluster needed."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

from tests.scale._encoders import FileCountingEncoder, calls
from tests.scale.conftest import ROOT
from workbench import embedding
from workbench.cache import EmbeddingCache
from workbench.data import TextDataset


def make_ds(n=10):
    return TextDataset(name="toy", ids=[f"r{i}" for i in range(n)], texts=[f"text {i} " * (i + 1) for i in range(n)],
                       labels=np.arange(n) % 2, label_names=("a", "b"))


def test_the_core_embeds_locally_without_importing_the_scale_layer_or_ray():
    code = ("import sys, numpy as np, tempfile; from workbench.embedding import embed_to_cache, engine_names; "
            "from workbench.cache import EmbeddingCache; from workbench.data import TextDataset; "
            "from tests.scale._encoders import FileCountingEncoder; "
            "ds = TextDataset(name='t', ids=['a', 'b'], texts=['x', 'yy'], labels=np.array([0, 1]), "
            "label_names=('n', 'p')); d = tempfile.mkdtemp(); "
            "X = embed_to_cache(EmbeddingCache(d), FileCountingEncoder(d + '/calls'), ds, progress=False); "
            "assert X.shape == (2, 4) and engine_names() == ('local', 'ray'); "
            "sys.exit(10 * ('workbench.scale' in sys.modules) + ('ray' in sys.modules))")
    rc = subprocess.run([sys.executable, "-c", code], cwd=ROOT).returncode
    assert rc == 0, {1: "ray was imported", 10: "workbench.scale was imported", 11: "both were imported"}.get(rc, rc)


def test_local_engine_is_the_cache_loop(tmp_path):
    ds = make_ds()
    X = embedding.embed_to_cache(EmbeddingCache(tmp_path / "a"), FileCountingEncoder(tmp_path / "c1"), ds,
                                 chunk_size=3, progress=False, address="ignored", num_workers=4)
    ref = EmbeddingCache(tmp_path / "b").embed(FileCountingEncoder(tmp_path / "c2"), ds, chunk_size=3, progress=False)
    np.testing.assert_array_equal(X, ref)
    assert len(calls(tmp_path / "c1")) == 4  # 10 rows / 3 = 4 chunks
    folder = embedding.embed_to_cache(EmbeddingCache(tmp_path / "a"), FileCountingEncoder(tmp_path / "c3"), ds,
                                      chunk_size=3, progress=False, return_array=False)
    assert sorted(p.name for p in folder.glob("chunk_*.npy"))[-1] == "chunk_00003.npy"
    assert calls(tmp_path / "c3") == [], "a second call reads the cache"


def test_importing_the_scale_package_registers_ray(tmp_path):
    import workbench.scale as scale

    found = embedding.get_engine("ray")
    assert found.name == "ray" and found.embed is scale.ray_embed
    assert scale.embed_to_cache is embedding.embed_to_cache


def test_a_registered_engine_is_used_and_unknown_names_are_value_errors(tmp_path, monkeypatch):
    seen = []

    def fake(cache, encoder, dataset, **options):
        seen.append(sorted(options))
        return np.zeros((len(dataset), 2), np.float32)

    monkeypatch.setitem(embedding._ENGINES, "fake", embedding.Engine("fake", fake, lambda: None))
    out = embedding.embed_to_cache(EmbeddingCache(tmp_path), FileCountingEncoder(tmp_path / "c"), make_ds(),
                                   engine="fake", progress=False)
    assert out.shape == (10, 2) and seen == [["address", "chunk_size", "num_workers", "on_chunk", "progress",
                                              "return_array", "stop_event"]]
    with pytest.raises(ValueError, match="engine must be one of 'fake', 'local', 'ray'; got 'spark'"):
        embedding.check_engine("spark")
    with pytest.raises(TypeError, match="non-empty string"):
        embedding.register_engine("", fake)
    with pytest.raises(TypeError, match="callable"):
        embedding.register_engine("x", "not callable")


def test_require_engine_fails_before_any_work_without_ray(monkeypatch, tmp_path):
    monkeypatch.setitem(sys.modules, "ray", None)
    with pytest.raises(ImportError, match=r"pip install 'w2s-workbench\[ray\]'"):
        embedding.require_engine("ray")
    assert embedding.require_engine("local") == "local"


# ------------------------------------------------------------- join policy
def test_an_open_cluster_is_refused_unless_named_exactly(monkeypatch, capsys):
    from workbench.scale._auth import ALLOW_ENV, UnauthenticatedClusterError, check_join

    monkeypatch.delenv(ALLOW_ENV, raising=False)
    open_probe = lambda address: ("open", "")  # noqa: E731
    with pytest.raises(UnauthenticatedClusterError, match=r"does NOT enforce token authentication.*"
                                                          r"W2S_RAY_ALLOW_UNAUTHENTICATED=ray://head:10001"):
        check_join("ray://head:10001", probe=open_probe)
    with pytest.raises(UnauthenticatedClusterError):
        check_join("ray://head:10001", allow_unauthenticated="ray://other:10001", probe=open_probe)
    with pytest.raises(TypeError, match="opt in by name"):
        check_join("ray://head:10001", allow_unauthenticated=True, probe=open_probe)
    assert check_join("ray://head:10001", allow_unauthenticated="ray://head:10001", probe=open_probe) == "open"
    monkeypatch.setenv(ALLOW_ENV, "10.0.0.9:6379, ray://head:10001")
    assert check_join("ray://head:10001", probe=open_probe) == "open"
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 2 and all("does NOT enforce" in line and "allowed it by name" in line for line in err)


def test_an_unverifiable_cluster_is_refused_too(monkeypatch):
    from workbench.scale._auth import ALLOW_ENV, UnauthenticatedClusterError, check_join

    monkeypatch.delenv(ALLOW_ENV, raising=False)
    with pytest.raises(UnauthenticatedClusterError, match="could not be checked.*no answer within 120 s"):
        check_join("head:6379", probe=lambda a: ("unknown", "no answer within 120 s"))


def test_an_enforcing_cluster_is_joined_with_one_line(monkeypatch, capsys):
    from workbench.scale import _auth

    monkeypatch.setattr(_auth, "enable_token_auth", lambda *, for_new_cluster: "RAY_AUTH_TOKEN")
    assert _auth.check_join("head:6379", probe=lambda a: ("enforced", "AuthenticationError: ...")) == "enforced"
    err = capsys.readouterr().err.strip().splitlines()
    assert err == ["Ray cluster head:6379: token authentication enforced (a client without the token was refused); "
                   "joining with the token from RAY_AUTH_TOKEN."]


def test_joining_an_enforcing_cluster_without_any_token_is_a_clear_error(monkeypatch, tmp_path):
    pytest.importorskip("ray")
    from workbench.scale import _auth

    for name in (_auth.TOKEN_ENV, _auth.TOKEN_PATH_ENV):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setattr(_auth, "_session_token", None)
    with pytest.raises(_auth.UnauthenticatedClusterError, match="no token for it: set RAY_AUTH_TOKEN"):
        _auth.enable_token_auth(for_new_cluster=False)


def test_connect_checks_a_cluster_before_joining_it(monkeypatch):
    """``address`` or ``$RAY_ADDRESS`` naming a cluster goes through check_join before any
    ``ray.init``: a refusal leaves Ray uninitialised."""
    ray = pytest.importorskip("ray")
    from workbench.scale import _ray
    from workbench.scale._auth import UnauthenticatedClusterError

    seen = []

    def refuse(address, *, allow_unauthenticated=None):
        seen.append((address, allow_unauthenticated))
        raise UnauthenticatedClusterError(f"{address} refused")

    monkeypatch.setattr(_ray, "check_join", refuse)
    monkeypatch.setattr(ray, "is_initialized", lambda: False)  # as in a fresh process, whatever ran before
    monkeypatch.setattr(ray, "init", lambda *a, **k: pytest.fail("ray.init ran before the check"))
    with pytest.raises(UnauthenticatedClusterError, match="head:6379 refused"):
        _ray.connect("head:6379", allow_unauthenticated="other:1")
    monkeypatch.setenv("RAY_ADDRESS", "ray://env-head:10001")
    with pytest.raises(UnauthenticatedClusterError, match="env-head"):
        _ray.connect()
    assert seen == [("head:6379", "other:1"), ("ray://env-head:10001", None)]
    with pytest.raises(TypeError, match="address must be a string"):
        _ray.connect(6379)
