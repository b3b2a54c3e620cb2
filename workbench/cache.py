"""Content-addressed, chunked, atomic embedding cache (no pickle anywhere).

Layout under the root (``$W2S_CACHE_DIR`` or ``~/.cache/w2s-workbench``)::

    embeddings/<key>/manifest.json       identity, n, chunk size
    embeddings/<key>/chunk_00000.npy     rows [0, chunk_size)
    embeddings/<key>/chunk_00000.sha256  checksum of the .npy bytes
    projections/<key>.npy (+ .sha256)    ArrayStore entries (2-D coordinates)

``key`` = sha256 of the encoder's ``cache_identity()`` (model id, weights digest,
pooling, layer, max_length, dtype), the dataset fingerprint and the chunk size. Every
file is written to a temporary name in the same folder, fsynced and moved into place
with ``os.replace``, so readers see a whole file or none, an interrupted run keeps its
finished chunks, and two processes writing the same key write identical bytes. Every
load checks the sha256: a truncated or bit-flipped file is deleted and recomputed,
never returned. Arrays are read with ``np.load(allow_pickle=False)``.

Permissions: every folder the cache creates is private to the user (mode 0700,
:func:`private_mkdir`), and every file is written through ``mkstemp`` (0600). The
default root is also tightened to 0700 when it exists with looser bits (older versions
created it 0755); a root you name yourself keeps the mode you gave it.
"""

from __future__ import annotations

import hashlib
import json
import os
import stat
import tempfile
from pathlib import Path

import numpy as np

from .encoders.offline import cache_root

__all__ = ["EmbeddingCache", "ArrayStore", "EmbeddingCancelled", "cache_key", "chunk_path", "check_vectors",
           "private_mkdir", "tighten_private"]

PRIVATE_DIR_MODE = 0o700


def private_mkdir(folder) -> Path:
    """Create ``folder`` and every missing parent with mode 0700 (``mkdir -p`` would use 0777 - umask).

    Existing folders are left as they are. Returns ``folder`` as a Path.
    """
    folder = Path(folder)
    missing = []
    probe = folder
    while not probe.exists():
        missing.append(probe)
        if probe.parent == probe:
            break
        probe = probe.parent
    for path in reversed(missing):
        try:
            path.mkdir(mode=PRIVATE_DIR_MODE)
        except FileExistsError:  # another process made it first; its mode is its business
            pass
    if not folder.is_dir():
        raise ValueError(f"cache path {folder} exists but is not a folder; point W2S_CACHE_DIR elsewhere.")
    return folder


def tighten_private(folder) -> bool:
    """chmod ``folder`` to 0700 if it is ours and readable by others; True when it changed."""
    try:
        info = os.stat(folder)
    except FileNotFoundError:
        return False
    if not stat.S_ISDIR(info.st_mode) or info.st_uid != os.getuid():
        return False
    if stat.S_IMODE(info.st_mode) & 0o077 == 0:
        return False
    os.chmod(folder, PRIVATE_DIR_MODE)
    return True


class EmbeddingCancelled(RuntimeError):
    """Raised when a stop event ends embedding between chunks (finished chunks are kept)."""


def cache_key(identity: dict, fingerprint: str, chunk_size: int) -> str:
    """sha256 of the canonical JSON of the encoder identity, dataset fingerprint and chunk size."""
    blob = json.dumps({"encoder": identity, "dataset": fingerprint, "chunk_size": chunk_size},
                      sort_keys=True, default=str)
    return hashlib.sha256(blob.encode()).hexdigest()


def _atomic_write_bytes(path: Path, data: bytes) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def _npy_bytes(array: np.ndarray) -> bytes:
    import io

    buf = io.BytesIO()
    np.save(buf, np.ascontiguousarray(array), allow_pickle=False)
    return buf.getvalue()


def save_checked(path: Path, array: np.ndarray) -> None:
    """Write ``path`` (.npy) and its ``.sha256`` sidecar atomically (data first)."""
    data = _npy_bytes(array)
    _atomic_write_bytes(path, data)
    _atomic_write_bytes(path.with_suffix(".sha256"), hashlib.sha256(data).hexdigest().encode())


def load_checked(path: Path) -> np.ndarray | None:
    """Load ``path`` if its checksum matches; delete it and return None if it does not."""
    sidecar = path.with_suffix(".sha256")
    if not path.exists() or not sidecar.exists():
        return None
    data = path.read_bytes()
    if hashlib.sha256(data).hexdigest() != sidecar.read_text().strip():
        for p in (path, sidecar):
            try:
                p.unlink()
            except FileNotFoundError:
                pass
        return None
    import io

    try:
        return np.load(io.BytesIO(data), allow_pickle=False)
    except ValueError:
        path.unlink(missing_ok=True)
        return None


class ArrayStore:
    """Named float arrays under ``<root>/<namespace>/<key>.npy``, atomic and checksummed."""

    def __init__(self, folder):
        self.folder = Path(folder)

    def load(self, key: str) -> np.ndarray | None:
        """The stored array, or None when missing or corrupt (a corrupt file is removed)."""
        return load_checked(self.folder / f"{key}.npy")

    def save(self, key: str, array) -> None:
        private_mkdir(self.folder)
        save_checked(self.folder / f"{key}.npy", np.asarray(array))


class EmbeddingCache:
    """Embeddings on disk, keyed by content; resumable chunk by chunk.

    Parameters
    ----------
    root : path, optional
        Defaults to ``$W2S_CACHE_DIR`` or ``~/.cache/w2s-workbench``. Folders the cache
        creates are 0700; an existing default ``~/.cache/w2s-workbench`` is tightened to
        0700 on first use (a root you name keeps its mode).
    """

    def __init__(self, root=None):
        self._default_root = root is None and not os.environ.get("W2S_CACHE_DIR")
        self.root = Path(root) if root is not None else cache_root()
        self._secured = False

    def __repr__(self) -> str:
        return f"EmbeddingCache({str(self.root)!r})"

    def arrays(self, namespace: str) -> ArrayStore:
        """An :class:`ArrayStore` for other cached arrays (e.g. ``"projections"``)."""
        self._secure_root(create=False)
        return ArrayStore(self.root / namespace)

    def _secure_root(self, *, create: bool) -> None:
        """Create the root 0700 (``create``) and tighten the default root once per object."""
        if create:
            private_mkdir(self.root)
        if not self._secured and self._default_root and self.root.exists():
            tighten_private(self.root)
            self._secured = True

    def folder_for(self, encoder, dataset, *, chunk_size: int = 512) -> Path:
        """The folder of one (encoder, dataset) entry."""
        return self.root / "embeddings" / cache_key(encoder.cache_identity(), dataset.fingerprint(), chunk_size)

    def prepare(self, encoder, dataset, *, chunk_size: int = 512):
        """Check the inputs, create the entry's folder and write its manifest.

        Returns
        -------
        folder : Path
            Where the chunks ``chunk_00000.npy``, ... of this (encoder, dataset) live.
        texts : tuple of str
            ``dataset.texts`` (n,), never empty.
        """
        if not isinstance(chunk_size, int) or isinstance(chunk_size, bool) or chunk_size < 1:
            raise ValueError(f"chunk_size must be a positive integer; got {chunk_size!r}.")
        texts = dataset.texts
        if texts is None:
            raise ValueError(f"dataset {getattr(dataset, 'name', '')!r} has no texts to embed.")
        n = len(texts)
        if n == 0:
            raise ValueError("the dataset is empty; nothing to embed.")
        folder = self.folder_for(encoder, dataset, chunk_size=chunk_size)
        self._secure_root(create=True)
        private_mkdir(folder)
        manifest = {"identity": encoder.cache_identity(), "fingerprint": dataset.fingerprint(), "n": n,
                    "chunk_size": chunk_size}
        _atomic_write_bytes(folder / "manifest.json", json.dumps(manifest, indent=2, default=str).encode())
        return folder, texts

    @staticmethod
    def missing_chunks(folder, n: int, chunk_size: int) -> list:
        """``[(i, start, stop), ...]`` of the chunks of ``n`` rows not yet in ``folder`` (or corrupt).

        Every present chunk is checksum-verified; a corrupt one is deleted and listed.
        """
        out = []
        for i, start in enumerate(range(0, n, chunk_size)):
            stop = min(start + chunk_size, n)
            cached = load_checked(chunk_path(folder, i))
            if cached is None or cached.shape[0] != stop - start:
                out.append((i, start, stop))
        return out

    def embed(self, encoder, dataset, *, chunk_size: int = 512, progress: bool = True, stop_event=None,
              on_chunk=None, return_array: bool = True):
        """Embeddings of ``dataset.texts`` with ``encoder``, shape (n, d) float32.

        Finished chunks are loaded (checksum-verified); missing or corrupt ones are
        computed and written atomically. ``stop_event`` (a ``threading.Event``) cancels
        between chunks with :class:`EmbeddingCancelled`; a ``KeyboardInterrupt`` keeps the
        finished chunks too. ``on_chunk(fraction)`` reports progress. With
        ``return_array=False`` the chunks are only ensured on disk and the folder is
        returned (memory stays bounded by one chunk).
        """
        folder, texts = self.prepare(encoder, dataset, chunk_size=chunk_size)
        n = len(texts)
        starts = list(range(0, n, chunk_size))
        bar = _bar(progress, n, getattr(encoder, "name", "encoder"))
        chunks = [] if return_array else None
        try:
            for i, start in enumerate(starts):
                chunk = self._chunk(folder, i, start, min(start + chunk_size, n), encoder, texts, stop_event)
                if chunks is not None:
                    chunks.append(chunk)
                if bar is not None:
                    bar.update(len(chunk))
                if on_chunk is not None:
                    on_chunk((i + 1) / len(starts))
        finally:
            if bar is not None:
                bar.close()
        return np.concatenate(chunks).astype(np.float32, copy=False) if chunks is not None else folder

    def _chunk(self, folder, i, start, stop, encoder, texts, stop_event):
        path = chunk_path(folder, i)
        cached = load_checked(path)
        if cached is not None and cached.shape[0] == stop - start:
            return cached
        if stop_event is not None and stop_event.is_set():
            raise EmbeddingCancelled(f"embedding cancelled after {i} finished chunk(s); they stay cached in {folder}.")
        vectors = check_vectors(encoder.encode(list(texts[start:stop])), encoder, start, stop)
        save_checked(path, vectors)
        return vectors


def chunk_path(folder, i: int) -> Path:
    """The file of chunk ``i`` (rows ``[i * chunk_size, (i + 1) * chunk_size)``) in an entry folder."""
    return Path(folder) / f"chunk_{i:05d}.npy"


def check_vectors(vectors, encoder, start: int, stop: int) -> np.ndarray:
    """``vectors`` as float32 (stop - start, d); ValueError for a wrong shape or NaN/inf."""
    vectors = np.asarray(vectors, dtype=np.float32)
    if vectors.ndim != 2 or len(vectors) != stop - start:
        raise ValueError(f"encoder {encoder!r} returned shape {vectors.shape} for {stop - start} texts.")
    if not np.isfinite(vectors).all():
        raise ValueError(f"encoder {encoder!r} returned NaN/inf embeddings for rows {start}..{stop - 1}; "
                         "nothing was cached. Try dtype='float32'.")
    return vectors


def _bar(enabled, total, name):
    if not enabled:
        return None
    from tqdm.auto import tqdm

    return tqdm(total=total, desc=f"embedding ({str(name).split('/')[-1]})", unit="text")
