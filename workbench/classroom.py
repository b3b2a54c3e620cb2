"""What every classroom notebook starts from, in one importable place.

The notebooks in ``notebooks/`` are the source (edit them in JupyterLab); their first code
cell imports these names. ``W2S_SMALL=1`` (the tests) keeps the same data and models and
runs fewer seeds and settings.
"""

from __future__ import annotations

import os

from . import defaults as _defaults

__all__ = ["SMALL", "WEAK", "STRONG", "PER_CLASS", "SEEDS", "ABSTAIN_SHARE", "load_tweets", "default_pair"]

SMALL = os.environ.get("W2S_SMALL", "0") == "1"
WEAK = _defaults.WEAK
STRONG = _defaults.STRONG
PER_CLASS = _defaults.MAX_PER_CLASS
SEEDS = range(3) if SMALL else range(5)
ABSTAIN_SHARE = _defaults.ABSTAIN_SHARE


def load_tweets():
    """The default dataset: tweets, negative vs positive, ``PER_CLASS`` per class."""
    from .data import load_dataset

    return load_dataset(_defaults.DATASET, classes=_defaults.CLASSES, max_per_class=PER_CLASS)


def default_pair():
    """The default encoder pair (weak L3, strong mpnet)."""
    from .encoders import EncoderPair

    return EncoderPair(weak=WEAK, strong=STRONG)
