"""The offline default run, defined once: the CLI (``w2s run``), the Workbench's Setup tab and
notebook 01 start from these values.

``ABSTAIN_SHARE``: the default teacher abstains on this share of the examples it is least
confident about (Lang et al.'s setting), so the maps show covered-but-unlabelled points and
coverage expansion is measured; ``abstain_share=None`` gives full coverage. The value was
chosen by measurement on the default pair (docs/science.md, "The default teacher").
"""

DATASET = "tweets"
CLASSES = ("negative", "positive")
MAX_PER_CLASS = 1500
WEAK = "sentence-transformers/paraphrase-MiniLM-L3-v2"
STRONG = "sentence-transformers/all-mpnet-base-v2"
TEACHER = "probe"
N_GOLD = 200
SEED = 0
ABSTAIN_SHARE = 0.3
