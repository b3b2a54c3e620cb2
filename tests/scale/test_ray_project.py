"""project_at_scale: fit on a seeded sample, transform the rest; Ray equals local; cached."""

from __future__ import annotations

import numpy as np
import pytest

from workbench.cache import EmbeddingCache
from workbench.projection import Projector
from workbench.scale import project_at_scale
from workbench.scale.ray_project import sample_index


def blobs(n=600, d=8, seed=0):
    rng = np.random.default_rng(seed)
    centres = rng.normal(scale=5, size=(3, d))
    return (centres[np.arange(n) % 3] + rng.normal(size=(n, d))).astype(np.float32)


def test_local_fits_the_sample_and_transforms_the_rest(tmp_path):
    X = blobs()
    coords = project_at_scale(X, sample_size=200, method="pca", transform_chunk=150, seed=3)
    index = sample_index(len(X), 200, seed=3)
    assert coords.shape == (600, 2) and coords.dtype == np.float32 and len(index) == 200
    proj = Projector(method="pca", seed=3).fit(X[index])
    np.testing.assert_allclose(coords[index], proj.embedding_, atol=1e-5)
    np.testing.assert_allclose(coords, proj.transform(X), atol=1e-4)


def test_progress_reports_the_share_placed_after_the_fit_and_every_chunk(capsys):
    X = blobs()
    shares = []
    coords = project_at_scale(X, sample_size=200, method="pca", transform_chunk=150, seed=3,
                              on_chunk=shares.append, progress=True)
    # 200 fitted, then the other 400 rows in chunks of 150, 150 and 100
    assert shares == pytest.approx([200 / 600, 350 / 600, 500 / 600, 1.0])
    assert np.isfinite(coords).all()
    err = capsys.readouterr()
    assert "pca fitted on 200 of 600 points" in err.out and "chunks of 150" in err.out
    assert "400/400" in err.err  # the tqdm bar counts transformed rows


def test_ray_equals_local_and_is_cached(ray_cluster, tmp_path):
    X = blobs()
    cache = EmbeddingCache(tmp_path / "c")
    local = project_at_scale(X, sample_size=200, method="pca", transform_chunk=100)
    remote = project_at_scale(X, sample_size=200, method="pca", transform_chunk=100, engine="ray", n_tasks=2,
                              cache=cache)
    np.testing.assert_allclose(remote, local, atol=1e-6)
    files = sorted(p.name for p in (tmp_path / "c" / "projections").iterdir())
    assert len(files) == 2 and files[0].endswith(".npy")
    (tmp_path / "c" / "projections" / files[0]).touch()
    before = (tmp_path / "c" / "projections" / files[0]).stat().st_mtime_ns
    again = project_at_scale(X, sample_size=200, method="pca", transform_chunk=100, engine="ray", cache=cache)
    np.testing.assert_array_equal(again, remote)
    assert (tmp_path / "c" / "projections" / files[0]).stat().st_mtime_ns == before, "a cache hit writes nothing"
    other = project_at_scale(X, sample_size=300, method="pca", transform_chunk=100, cache=cache)
    assert other.shape == (600, 2)
    assert len(list((tmp_path / "c" / "projections").glob("*.npy"))) == 2, "the sample size is part of the key"


@pytest.mark.slow  # numba compiles UMAP in the driver and again in the Ray worker (~1 min on 2 cores)
def test_umap_with_ray_equals_local(ray_cluster):
    X = blobs(400)
    local = project_at_scale(X, sample_size=150, method="umap", transform_chunk=125)
    remote = project_at_scale(X, sample_size=150, method="umap", transform_chunk=125, engine="ray", n_tasks=1)
    np.testing.assert_allclose(remote, local, atol=1e-4)


def test_bad_options_are_clear_errors():
    X = blobs(50)
    with pytest.raises(ValueError, match="engine must be one of"):
        project_at_scale(X, engine="dask")
    with pytest.raises(ValueError, match="sample_size"):
        project_at_scale(X, sample_size=1)
    with pytest.raises(ValueError, match="n_tasks"):
        project_at_scale(X, n_tasks=0)
