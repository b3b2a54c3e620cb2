"""The Burns et al. / EleutherAI datasets, loaded with Hugging Face ``datasets``.

Each dataset has a pure *formatter*: an iterable of ``(index, record)`` pairs (records
are dicts shaped like the hub dataset's rows; ids keep the record's index in the source)
and a ``random.Random`` in, ``(id, text, label)`` triples out. By default
the formatters reproduce openai/weak-to-strong (``weak_to_strong/datasets.py``) exactly,
including its random draws for the same seed and record order:

=================  ===========================================  ==========================
name               text                                         label
=================  ===========================================  ==========================
sciq               ``Q: {question} A: {candidate}``             candidate correct? (coin flip
                                                                correct / random distractor)
boolq              ``Passage: {passage}\\nQuestion: {question}``  answer
amazon_polarity    ``{title} {content}``                        label (negative/positive)
cosmos_qa          ``Context: ..\\nQuestion: ..\\nAnswer: ..``     candidate correct? (coin flip;
                                                                "None of the above" -> 0)
anthropic_hh       the ``chosen`` or the ``rejected`` dialogue  chosen? (coin flip)
sst2 / imdb        ``sentence`` / ``text``                      label
=================  ===========================================  ==========================

Options: ``paired=True`` (sciq, cosmos_qa, anthropic_hh) emits *both* rows per record
(the correct answer and one random distractor; chosen and rejected) instead of the coin
flip: classes are exactly balanced, but the two rows of one question can land in
different splits, so the question leaks from train to test. ``support=True`` (sciq)
prefixes the supporting paragraph, which often states the answer.

Offline use: ``data_files=`` reads a local copy in the hub's record format (json, jsonl,
csv, tsv or parquet, read with pandas: ``datasets`` is not needed then). Without it,
``datasets`` must be installed and the hub (or its local cache) reachable; otherwise a
ValueError says what to install or pass instead.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable

import numpy as np
import pandas as pd

from .container import TextDataset
from .registry import register_dataset

__all__ = ["HUB_DATASETS", "HubSpec", "format_records", "read_records"]

NONE_OF_THE_ABOVE = "None of the above choices"


# ---------------------------------------------------------------- formatters
def _sciq(records, rng, *, paired=False, support=False):
    for i, r in records:
        wrong = [r[f"distractor{j}"] for j in (1, 2, 3) if r[f"distractor{j}"]]
        context = f"{r['support'].strip()}\n" if support and r.get("support") else ""
        q = f"{context}Q: {r['question']} A: "
        if paired:
            yield f"sciq-{i}-correct", q + r["correct_answer"], 1
            if wrong:
                yield f"sciq-{i}-wrong", q + rng.choice(wrong), 0
            continue
        label = int(rng.random() < 0.5) or int(not wrong)
        yield f"sciq-{i}", q + (r["correct_answer"] if label else rng.choice(wrong)), label


def _cosmos_qa(records, rng, *, paired=False):
    for i, r in records:
        answers = [r[f"answer{j}"] for j in range(4)]
        true = answers[int(r["label"])]
        wrong = [a for a in answers if a != true]
        q = f"Context: {r['context']}\nQuestion: {r['question']}\nAnswer: "
        none_above = true.startswith(NONE_OF_THE_ABOVE)
        if paired:
            if not none_above:
                yield f"cosmos-{i}-correct", q + true, 1
            yield f"cosmos-{i}-wrong", q + rng.choice(wrong), 0
            continue
        label = 0 if none_above else int(rng.random() < 0.5)
        yield f"cosmos-{i}", q + (true if label else rng.choice(wrong)), label


def _anthropic_hh(records, rng, *, paired=False):
    for i, r in records:
        if paired:
            yield f"hh-{i}-chosen", r["chosen"], 1
            yield f"hh-{i}-rejected", r["rejected"], 0
            continue
        label = int(rng.random() < 0.5)
        yield f"hh-{i}", r["chosen"] if label else r["rejected"], label


def _boolq(records, rng):
    for i, r in records:
        yield f"boolq-{i}", f"Passage: {r['passage']}\nQuestion: {r['question']}", int(bool(r["answer"]))


def _amazon_polarity(records, rng):
    for i, r in records:
        yield f"amazon-{i}", f"{r['title']} {r['content']}", _binary(r["label"], i)


def _text_label(prefix, text_key):
    def fmt(records, rng):
        for i, r in records:
            yield f"{prefix}-{i}", r[text_key], _binary(r["label"], i)
    return fmt


def _binary(label, i: int) -> int:
    value = int(label)
    if value not in (0, 1):
        raise ValueError(f"record {i} has label {label!r}; this split has no gold labels (hub test splits "
                         "of sst2 and imdb's 'unsupervised' split use -1). Use split='train' or 'validation'.")
    return value


@dataclass(frozen=True)
class HubSpec:
    """Where a hub dataset lives and how to format it."""

    path: str                    # hub id for datasets.load_dataset
    config: str | None
    split: str                   # default split
    formatter: Callable
    label_names: tuple
    fields: tuple                # record fields the formatter reads
    options: tuple = ()          # formatter options it accepts ("paired", "support")


HUB_DATASETS: dict[str, HubSpec] = {
    "sciq": HubSpec("allenai/sciq", None, "train", _sciq, ("incorrect", "correct"),
                    ("question", "correct_answer", "distractor1", "distractor2", "distractor3"),
                    ("paired", "support")),
    "boolq": HubSpec("google/boolq", None, "train", _boolq, ("false", "true"), ("passage", "question", "answer")),
    "amazon_polarity": HubSpec("fancyzhx/amazon_polarity", None, "test", _amazon_polarity,
                               ("negative", "positive"), ("title", "content", "label")),
    "cosmos_qa": HubSpec("allenai/cosmos_qa", None, "train", _cosmos_qa, ("incorrect", "correct"),
                         ("context", "question", "answer0", "answer1", "answer2", "answer3", "label"), ("paired",)),
    "anthropic_hh": HubSpec("Anthropic/hh-rlhf", None, "train", _anthropic_hh, ("rejected", "chosen"),
                            ("chosen", "rejected"), ("paired",)),
    "sst2": HubSpec("stanfordnlp/sst2", None, "train", _text_label("sst2", "sentence"), ("negative", "positive"),
                    ("sentence", "label")),
    "imdb": HubSpec("stanfordnlp/imdb", None, "train", _text_label("imdb", "text"), ("negative", "positive"),
                    ("text", "label")),
}


def _subsample(records, max_examples, seed):
    """``(index, record)`` pairs of a seeded sample of at most ``max_examples`` records, in source order."""
    if max_examples is None:
        return enumerate(records)
    if isinstance(max_examples, bool) or not isinstance(max_examples, (int, np.integer)) or max_examples < 1:
        raise ValueError(f"max_examples must be a positive integer or None; got {max_examples!r}.")
    if not hasattr(records, "__len__"):
        records = list(records)
    if max_examples >= len(records):
        return enumerate(records)
    keep = np.sort(np.random.default_rng(seed).permutation(len(records))[:max_examples]).tolist()
    if hasattr(records, "select"):  # a datasets.Dataset: select without materialising
        return zip(keep, records.select(keep))
    return ((i, records[i]) for i in keep)


def format_records(name: str, records: Iterable[dict], *, max_examples: int | None = None, seed: int = 0,
                   paired: bool = False, support: bool = False) -> TextDataset:
    """Turn hub-format records into a :class:`TextDataset` with the dataset's formatter.

    Parameters
    ----------
    name : str
        A key of :data:`HUB_DATASETS`.
    records : iterable of dict
        Rows shaped like the hub dataset's (a ``datasets.Dataset`` works too).
    max_examples : int, optional
        Seeded sample of at most this many *records* (source order and indices kept in
        the ids); with ``paired=True`` each record gives up to two rows.
    seed : int
        Seeds the sample and the formatter's ``random.Random``.
    paired, support : bool
        See the module docstring; only for the datasets that take them.

    Returns
    -------
    TextDataset
    """
    if name not in HUB_DATASETS:
        raise ValueError(f"no formatter for {name!r}; known: {sorted(HUB_DATASETS)}.")
    spec = HUB_DATASETS[name]
    options = {k: v for k, v in (("paired", paired), ("support", support)) if v}
    bad = sorted(set(options) - set(spec.options))
    if bad:
        raise ValueError(f"{name} does not take {bad}; only {list(spec.options) or 'no'} formatter options.")
    pairs = _subsample(records, max_examples, seed)
    try:
        rows = list(spec.formatter(pairs, random.Random(seed), **options))
    except (KeyError, TypeError) as exc:
        raise ValueError(f"{name}: a record does not have the fields of {spec.path} ({exc!r}); each record "
                         f"needs {list(spec.fields)}.") from None
    if not rows:
        raise ValueError(f"{name}: no records to format.")
    ids, texts, labels = zip(*rows)
    return TextDataset(name=name, ids=ids, texts=texts, labels=np.asarray(labels, dtype=np.int64),
                       label_names=spec.label_names)


# ------------------------------------------------------------------ loading
def read_records(data_files) -> list[dict]:
    """Records from local file(s): ``.json`` / ``.jsonl`` / ``.csv`` / ``.tsv`` / ``.parquet`` (with pandas)."""
    paths = [data_files] if isinstance(data_files, (str, Path)) else list(data_files)
    frames = []
    for p in map(Path, paths):
        if not p.is_file():
            raise ValueError(f"data_files: file not found: {p}.")
        suffix = p.suffix.lower()
        if suffix == ".jsonl":
            frames.append(pd.read_json(p, lines=True))
        elif suffix == ".json":
            try:
                frames.append(pd.read_json(p))
            except ValueError:
                frames.append(pd.read_json(p, lines=True))
        elif suffix in (".csv", ".tsv"):
            frames.append(pd.read_csv(p, sep="\t" if suffix == ".tsv" else ","))
        elif suffix == ".parquet":
            frames.append(pd.read_parquet(p))
        else:
            raise ValueError(f"data_files: cannot read {p.name}; use .json, .jsonl, .csv, .tsv or .parquet.")
    return pd.concat(frames, ignore_index=True).to_dict("records")


def _offline_message(name, hub_path, reason):
    return (f"dataset {name!r} needs the Hugging Face hub ({hub_path}) and could not be loaded: {reason}. "
            "Without a network, pass a local copy instead: load_dataset("
            f"{name!r}, data_files='path/to/{name}.jsonl') for a file with the hub's fields, or "
            "load_dataset('csv', path=..., text_column=..., label_column=...) for your own file. "
            "Offline datasets that always work: tweets, bbc-news, drug-reviews, synthetic.")


def _from_hub(name: str, split: str | None):
    spec = HUB_DATASETS[name]
    try:
        import datasets
    except ImportError:
        raise ValueError(f"dataset {name!r} comes from the Hugging Face hub and needs the `datasets` package: "
                         "pip install datasets (or pip install 'w2s-workbench[hub]'). Or pass a local copy "
                         f"with load_dataset({name!r}, data_files='path/to/{name}.jsonl').") from None
    try:
        return datasets.load_dataset(spec.path, spec.config, split=split or spec.split)
    except Exception as exc:  # connection errors and missing caches surface as many types
        import os

        offline = os.environ.get("HF_HUB_OFFLINE", "0").strip().lower() in ("1", "on", "yes", "true")
        reason = f"{type(exc).__name__}: {exc}" + (" (HF_HUB_OFFLINE is set)" if offline else "")
        raise ValueError(_offline_message(name, spec.path, reason)) from None


def _register(name):
    @register_dataset(name)
    def loader(*, split: str | None = None, data_files=None, max_examples: int | None = None, seed: int = 0,
               paired: bool = False, support: bool = False) -> TextDataset:
        records = read_records(data_files) if data_files is not None else _from_hub(name, split)
        return format_records(name, records, max_examples=max_examples, seed=seed, paired=paired, support=support)

    spec = HUB_DATASETS[name]
    loader.__name__ = f"load_{name}"
    loader.__doc__ = (f"{name} from the hub ({spec.path}, default split {spec.split!r}) via `datasets`, or from "
                      f"local data_files with fields {list(spec.fields)}; see the module docstring.")
    return loader


for _name in HUB_DATASETS:
    _register(_name)
