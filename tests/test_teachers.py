"""Weak teachers: probe, rules (with abstention), fixed pseudolabels, make_teacher."""

from __future__ import annotations

import numpy as np
import pytest

from workbench.data import TextDataset
from workbench.teachers import (
    LANG_IMDB_RULES,
    FixedTeacher,
    ProbeTeacher,
    RuleTeacher,
    Teacher,
    TeacherOutput,
    TeacherViews,
    make_teacher,
)

pytestmark = pytest.mark.usefixtures("single_thread_torch")

NAMES = ("negative", "positive")


def views(ds, weak=None):
    """The views a teacher receives for ``ds``: its texts and label names, plus weak features."""
    return TeacherViews.from_dataset(ds, weak=weak)


def fit(teacher, ds, X, gold):
    """``teacher`` fitted through the one interface on the gold rows ``gold`` of ``ds``."""
    return teacher.fit(views(ds, X), ds.labels[gold], gold_index=gold)


def text_ds(texts, labels=None):
    n = len(texts)
    labels = np.arange(n) % 2 if labels is None else labels
    return TextDataset(name="t", ids=[f"r{i}" for i in range(n)], texts=texts, labels=labels, label_names=NAMES)


@pytest.fixture(scope="module")
def separable():
    rng = np.random.default_rng(0)
    n = 600
    y = rng.integers(0, 2, n)
    y[:2] = [0, 1]
    X = rng.normal(size=(n, 5))
    X[:, 0] = np.where(y == 1, 1.0, -1.0) * (1.0 + rng.random(n) * 2)  # margin >= 1 on x0
    ds = TextDataset(name="sep", ids=[str(i) for i in range(n)], texts=None, labels=y, label_names=NAMES,
                     features={"weak": X})
    return ds, X


# ------------------------------------------------------------------ probe
def test_probe_learns_separable(separable):
    ds, X = separable
    gold = np.arange(100)
    teacher = fit(ProbeTeacher(epochs=40, seed=0), ds, X, gold)
    out = teacher.predict(views(ds, X))
    assert isinstance(out, TeacherOutput)
    assert out.proba.shape == (len(ds), 2) and np.allclose(out.proba.sum(1), 1)
    assert out.coverage == 1.0 and (out.labels >= 0).all()
    assert (out.labels[100:] == ds.labels[100:]).mean() > 0.93
    assert teacher.history_[-1].train_loss < teacher.history_[0].train_loss
    assert len(teacher.history_) == 40 and {r.role for r in teacher.history_} == {"weak"}
    again = fit(ProbeTeacher(epochs=40, seed=0), ds, X, gold).predict(views(ds, X))
    np.testing.assert_array_equal(again.proba, out.proba)


def test_probe_abstains_below_threshold(separable):
    ds, X = separable
    Xn = X.copy()
    Xn[:, 0] *= 0.2  # shrink the margin so some points are unsure
    out = fit(ProbeTeacher(abstain_below=0.9, seed=0), ds, Xn, np.arange(60)).predict(views(ds, Xn))
    assert 0.0 < out.coverage < 1.0
    assert (out.labels[~out.covered] == -1).all()
    assert (out.proba.max(1)[out.covered] >= 0.9).all() and (out.proba.max(1)[~out.covered] < 0.9).all()


def test_probe_errors(separable):
    ds, X = separable
    with pytest.raises(ValueError, match="not fitted"):
        ProbeTeacher().predict(views(ds, X))
    with pytest.raises(ValueError, match="abstain_below"):
        ProbeTeacher(abstain_below=1.5)
    with pytest.raises(TypeError, match="abstain_below"):
        ProbeTeacher(abstain_below="high")
    teacher = fit(ProbeTeacher(epochs=2), ds, X, np.arange(50))
    with pytest.raises(ValueError, match="features"):
        teacher.predict(views(ds, X[:, :3]))


# ------------------------------------------------------------------ rules
def rule_teacher(**kw):
    rules = [("great", "positive"), ("fun", "positive"), ("bad|awful", "negative"),
             (lambda t: t.endswith("?"), "negative")]
    return RuleTeacher(rules, label_names=NAMES, **kw)


def test_rules_word_boundaries_and_case():
    texts = ["Great movie!", "the greatest movie", "GREAT", "not BAD at all", "badly made", "awful.", "plain"]
    out = rule_teacher().predict(views(text_ds(texts)))
    assert out.labels.tolist() == [1, -1, 1, 0, -1, 0, -1]
    assert out.covered.tolist() == [True, False, True, True, False, True, False]
    np.testing.assert_allclose(out.proba[~out.covered], 0.5)


def test_rules_ties_abstain_and_vote_shares():
    texts = ["great but bad", "great fun but bad", "fun?", "great fun"]
    teacher = rule_teacher()
    votes = teacher.votes(texts)
    np.testing.assert_array_equal(votes, [[1, 1], [1, 2], [1, 1], [0, 2]])
    out = teacher.predict(views(text_ds(texts)))
    assert out.covered.tolist() == [False, True, False, True]
    np.testing.assert_allclose(out.proba[1], [1 / 3, 2 / 3])
    np.testing.assert_allclose(out.proba[0], [0.5, 0.5])
    strict = rule_teacher(abstain_below=0.75).predict(views(text_ds(texts)))
    assert strict.covered.tolist() == [False, False, False, True]


def test_rules_callable():
    out = rule_teacher().predict(views(text_ds(["is it any good?", "it is good"])))
    assert out.labels.tolist() == [0, -1]


def test_alternation_keeps_word_boundaries():
    teacher = RuleTeacher([("nice|good", "positive")], label_names=NAMES)
    assert teacher.votes(["nicety", "goodness", "so nice", "Good."])[:, 1].tolist() == [0, 0, 1, 1]


def test_lang_imdb_rules():
    teacher = RuleTeacher(LANG_IMDB_RULES, label_names=NAMES)
    texts = ["An incredible film.", "Horrible acting", "incredibly dull", "incredible yet horrible", "meh"]
    out = teacher.predict(views(text_ds(texts)))
    assert out.labels.tolist() == [1, 0, -1, -1, -1]
    assert out.coverage == pytest.approx(0.4)


def test_rules_errors():
    with pytest.raises(ValueError, match="label 'neutral' is not one of"):
        RuleTeacher([("meh", "neutral")], label_names=NAMES)
    with pytest.raises(ValueError, match="at least one rule"):
        RuleTeacher([], label_names=NAMES)
    with pytest.raises(ValueError, match="invalid regex"):
        RuleTeacher([("(unclosed", "positive")], label_names=NAMES)
    with pytest.raises(TypeError, match="pair"):
        RuleTeacher(["great"], label_names=NAMES)
    with pytest.raises(TypeError, match="pattern must be"):
        RuleTeacher([(3, "positive")], label_names=NAMES)
    ds = TextDataset(name="f", ids=["a", "b"], texts=None, labels=[0, 1], label_names=NAMES,
                     features={"w": np.ones((2, 2))})
    with pytest.raises(ValueError, match="needs texts"):
        rule_teacher().predict(views(ds))


# ------------------------------------------------------------------ fixed
def test_fixed_labels_with_abstention():
    ds = text_ds(["a", "b", "c", "d"])
    out = FixedTeacher([1, -1, 0, 1]).predict(views(ds))
    assert out.labels.tolist() == [1, -1, 0, 1]
    assert out.covered.tolist() == [True, False, True, True]
    np.testing.assert_allclose(out.proba, [[0, 1], [0.5, 0.5], [1, 0], [0, 1]])
    masked = FixedTeacher([1, -1, 0, 1], covered=[True, True, False, True]).predict(views(ds))
    assert masked.covered.tolist() == [True, False, False, True]


def test_fixed_proba_input():
    ds = text_ds(["a", "b", "c"])
    P = np.array([[0.9, 0.1], [0.4, 0.6], [0.55, 0.45]])
    out = FixedTeacher(P).predict(views(ds))
    np.testing.assert_allclose(out.proba, P)
    assert out.labels.tolist() == [0, 1, 0] and out.coverage == 1.0
    unsure = FixedTeacher(P, abstain_below=0.6).predict(views(ds))
    assert unsure.covered.tolist() == [True, True, False]


def test_fixed_errors():
    ds = text_ds(["a", "b", "c"])
    with pytest.raises(ValueError, match="2 pseudolabels but the dataset has 3"):
        FixedTeacher([0, 1]).predict(views(ds))
    with pytest.raises(ValueError, match="pseudolabels"):
        FixedTeacher([0, 1, 2]).predict(views(ds))
    with pytest.raises(ValueError, match="sum to 1"):
        FixedTeacher(np.full((3, 2), 0.7)).predict(views(ds))
    with pytest.raises(ValueError, match="3 classes|columns"):
        FixedTeacher(np.full((3, 3), 1 / 3)).predict(views(ds))
    with pytest.raises(ValueError, match="covered has 2 entries"):
        FixedTeacher([0, 1, 0], covered=[True, False]).predict(views(ds))


# ------------------------------------------------------------ make_teacher
def test_make_teacher():
    assert isinstance(make_teacher(), ProbeTeacher)
    probe = make_teacher("probe", abstain_below=0.8, label_names=NAMES, epochs=3)
    assert isinstance(probe, ProbeTeacher) and probe.abstain_below == 0.8 and probe.epochs == 3
    rules = make_teacher("rules", rules=LANG_IMDB_RULES, label_names=NAMES)
    assert isinstance(rules, RuleTeacher) and len(rules.rules) == 2
    fixed = make_teacher("fixed", labels=[0, 1])
    assert isinstance(fixed, FixedTeacher)
    assert make_teacher(fixed) is fixed
    assert isinstance(fixed, Teacher)


def test_make_teacher_errors():
    with pytest.raises(ValueError, match="unknown teacher 'oracle'.*fixed.*probe.*rules"):
        make_teacher("oracle")
    with pytest.raises(ValueError, match="needs teacher_options=\\{'rules'"):
        make_teacher("rules", label_names=NAMES)
    with pytest.raises(ValueError, match="needs teacher_options=\\{'labels'"):
        make_teacher("fixed")
    with pytest.raises(TypeError):
        make_teacher("probe", nonsense=1)
