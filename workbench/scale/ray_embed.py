"""Embedding on a Ray cluster into the same chunked, content-addressed cache.

The driver (this process) computes the cache folder exactly as
:meth:`EmbeddingCache.embed` does, lists the chunks not yet on disk, and sends one Ray
Data row per missing chunk (``chunk``, ``start``, ``stop``, the chunk's texts) through
``map_batches`` to a pool of encoder actors: one per GPU (``num_gpus=1``) on a GPU
cluster, one per CPU otherwise. Each actor rebuilds the encoder from a small spec
(:meth:`HFEncoder.spec`; other encoders travel as pickled objects) and calls the same
``encode``. The vectors come back to the driver, which writes each chunk with the cache's
own atomic, checksummed ``save_checked`` as it arrives, so the workers need no shared
filesystem, a later local session reads the cache unchanged, and an interrupted run
keeps every finished chunk and resumes from them.
"""

from __future__ import annotations

import warnings

import numpy as np

from .._validation import check_int
from ..cache import EmbeddingCancelled, _bar, check_vectors, chunk_path, save_checked
from ._ray import cluster_cpus, cluster_gpus, connect, require_ray

__all__ = ["ray_embed", "encoder_factory"]

_MAX_RESTARTS = 3


def ray_embed(cache, encoder, dataset, *, address: str | None = None, num_workers: int | None = None,
              chunk_size: int = 512, progress: bool = True, stop_event=None, on_chunk=None,
              return_array: bool = True, allow_unauthenticated: str | None = None):
    """Embed ``dataset.texts`` with ``encoder`` in Ray actors; same cache as the local path.

    Parameters
    ----------
    cache : EmbeddingCache
        Written by this (driver) process only.
    encoder : Encoder
        An :class:`HFEncoder` is rebuilt in each actor from :meth:`HFEncoder.spec` (on
        ``cuda`` when the cluster has GPUs); any other encoder is pickled to the actors.
    dataset : TextDataset
    address : str, optional
        Ray cluster to join when Ray is not initialised yet (``None``: a new local cluster
        with token authentication, or ``$RAY_ADDRESS``; ``"ray://head:10001"``; ``"auto"``).
        A joined cluster must enforce token authentication (see :func:`connect`).
    allow_unauthenticated : str, optional
        The address of a cluster you accept without authentication (opt in by name).
    num_workers : int, optional
        Encoder actors; default one per GPU of the cluster, else one per CPU.
    chunk_size, progress, stop_event, on_chunk, return_array :
        As :meth:`EmbeddingCache.embed`. ``stop_event`` is checked after every finished
        chunk: :class:`EmbeddingCancelled` is raised and the finished chunks stay cached.

    Returns
    -------
    ndarray of shape (n, d) float32, or the cache folder when ``return_array=False``.
    """
    require_ray()  # fail before any work when the extra is missing
    if num_workers is not None:
        num_workers = check_int(num_workers, name="num_workers", minimum=1)
    folder, texts = cache.prepare(encoder, dataset, chunk_size=chunk_size)
    n = len(texts)
    n_chunks = -(-n // chunk_size)
    todo = cache.missing_chunks(folder, n, chunk_size)
    if todo:
        if stop_event is not None and stop_event.is_set():
            raise EmbeddingCancelled(f"embedding cancelled after {n_chunks - len(todo)} finished chunk(s); "
                                     f"they stay cached in {folder}.")
        ray = connect(address, allow_unauthenticated=allow_unauthenticated)
        _run(ray, encoder, texts, todo, folder, n=n, n_chunks=n_chunks, num_workers=num_workers,
             progress=progress, stop_event=stop_event, on_chunk=on_chunk)
    elif on_chunk is not None:
        on_chunk(1.0)
    if not return_array:
        return folder
    return cache.embed(encoder, dataset, chunk_size=chunk_size, progress=False, return_array=True)


def encoder_factory(encoder, *, device: str):
    """``(factory, argument)`` with ``factory(argument)`` = the encoder, rebuilt in a worker."""
    from ..encoders.hf import HFEncoder

    if isinstance(encoder, HFEncoder):
        return type(encoder).from_spec, encoder.spec(device=device)
    return _same, encoder


def _same(encoder):
    return encoder


class _EncoderActor:
    """A Ray Data callable class: one encoder per actor, one chunk per call."""

    def __init__(self, factory, argument):
        self.encoder = factory(argument)

    def __call__(self, batch: dict) -> dict:
        out = {"chunk": [], "start": [], "stop": [], "rows": [], "dim": [], "data": []}
        for i, start, stop, texts in zip(batch["chunk"], batch["start"], batch["stop"], batch["texts"]):
            vectors = np.ascontiguousarray(self.encoder.encode([str(t) for t in texts]), dtype=np.float32)
            if vectors.ndim != 2:
                vectors = vectors.reshape(len(vectors), -1)
            for key, value in (("chunk", i), ("start", start), ("stop", stop), ("rows", vectors.shape[0]),
                               ("dim", vectors.shape[1])):
                out[key].append(int(value))
            out["data"].append(vectors.tobytes())
        result = {k: np.asarray(v, dtype=np.int64) for k, v in out.items() if k != "data"}
        result["data"] = np.array(out["data"], dtype=object)  # object: numpy 'S' would strip trailing NULs
        return result


def _run(ray, encoder, texts, todo, folder, *, n, n_chunks, num_workers, progress, stop_event, on_chunk):
    gpus = cluster_gpus(ray)
    workers = num_workers or (gpus or cluster_cpus(ray))
    workers = max(1, min(workers, len(todo)))
    factory, argument = encoder_factory(encoder, device="cuda" if gpus else "cpu")
    items = [{"chunk": i, "start": start, "stop": stop, "texts": list(texts[start:stop])}
             for i, start, stop in todo]
    ds = ray.data.from_items(items, override_num_blocks=len(items))  # one block per chunk: results stream
    with warnings.catch_warnings():
        # Ray 2.60 warns that extra remote args go away in 2.64, but max_restarts has no named
        # parameter yet; pyproject pins ray < 2.64 until it has one.
        warnings.filterwarnings("ignore", message="`ray_remote_args` is deprecated")
        mapped = ds.map_batches(
            _EncoderActor, fn_constructor_args=(factory, argument), batch_size=1, batch_format="numpy",
            compute=ray.data.ActorPoolStrategy(size=workers), num_gpus=1 if gpus else 0, num_cpus=1,
            # A dead actor (OOM, a crashed GPU) is restarted and its chunk retried, but not forever: a
            # chunk that kills every actor ends the run with Ray's error, and the rerun resumes.
            max_restarts=_MAX_RESTARTS, max_task_retries=_MAX_RESTARTS,
        )
    done = n_chunks - len(todo)
    bar = _bar(progress, n, getattr(encoder, "name", "encoder"))
    if bar is not None:
        bar.update(n - sum(stop - start for _, start, stop in todo))
    rows = iter(mapped.iter_rows())
    try:
        for row in rows:
            i, start, stop = int(row["chunk"]), int(row["start"]), int(row["stop"])
            shape = (int(row["rows"]), int(row["dim"]))
            vectors = np.frombuffer(row["data"], dtype=np.float32).reshape(shape)
            save_checked(chunk_path(folder, i), check_vectors(vectors, encoder, start, stop))
            done += 1
            if bar is not None:
                bar.update(stop - start)
            if on_chunk is not None:
                on_chunk(done / n_chunks)
            if stop_event is not None and stop_event.is_set() and done < n_chunks:
                raise EmbeddingCancelled(f"embedding cancelled after {done} finished chunk(s); "
                                         f"they stay cached in {folder}.")
    except ray.exceptions.RayError as exc:
        if isinstance(exc, (ValueError, TypeError)):  # the encoder's own error, raised in an actor
            raise
        raise RuntimeError(f"the Ray run stopped after {done} of {n_chunks} chunk(s): {type(exc).__name__} "
                           f"(e.g. a worker died {_MAX_RESTARTS + 1} times on one chunk). The finished chunks "
                           f"stay cached in {folder}; run again to compute only the rest.") from exc
    finally:
        close = getattr(rows, "close", None)
        if close is not None:
            close()
        if bar is not None:
            bar.close()
