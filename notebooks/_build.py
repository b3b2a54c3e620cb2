"""Build the classroom notebooks from this file (``python notebooks/_build.py``).

The notebooks are stored without outputs. Each runs top to bottom on a CPU laptop; set
``W2S_SMALL=1`` for the reduced size used in CI (fewer seeds, training settings and
encoders; the same tweets and models, because weak-to-strong effects on a few hundred
tweets are within seed noise — we measured PGR from -0.5 to 0.4 across seeds at 400 tweets
per class). Every key claim a notebook makes is checked with ``assert`` in
the notebook itself, so executing it in CI checks the claims.
"""

from __future__ import annotations

from pathlib import Path

import nbformat as nbf

HERE = Path(__file__).resolve().parent

SETUP = '''import os
SMALL = os.environ.get("W2S_SMALL", "0") == "1"   # CI: fewer seeds, settings and models (same data)
WEAK = "sentence-transformers/paraphrase-MiniLM-L3-v2"
STRONG = "sentence-transformers/all-mpnet-base-v2"
PER_CLASS = 1500
SEEDS = range(3) if SMALL else range(5)
from workbench import load_dataset, EncoderPair, Experiment
tweets = load_dataset("tweets", classes=("negative", "positive"), max_per_class=PER_CLASS)
pair = EncoderPair(weak=WEAK, strong=STRONG)
tweets'''


def answer(text: str) -> str:
    return f"<details><summary>Answer</summary>\n\n{text}\n\n</details>"


def nb(cells):
    book = nbf.v4.new_notebook()
    book.cells = [nbf.v4.new_markdown_cell(c[3:]) if c.startswith("md:") else nbf.v4.new_code_cell(c) for c in cells]
    book.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    return book


NOTEBOOKS = {
"01_quickstart": [
"""md:# 01 · Quick start: does a strong student beat its weak teacher?

**Goal.** Run the Burns et al. (2023) weak-to-strong protocol on real tweets with two real
sentence encoders, read the weak / student / ceiling accuracies and the *performance gap
recovered* (PGR), and open the interactive workbench.

The protocol: a **weak** model (a linear probe on small-encoder embeddings) is trained on a
few gold labels; it labels the rest of the training data (*pseudolabels*); a **strong**
student (a linear head on a bigger encoder's embeddings) is trained on those pseudolabels
only. The **ceiling** is the same strong head trained on gold labels.
PGR = (student − weak) / (ceiling − weak): 0 means the student only copies its teacher,
1 means it is as good as if it had gold labels.""",
SETUP,
"""md:Embedding runs once per (model, dataset) and is cached on disk: run the cell twice and
the second time is instant.""",
"""exp = Experiment(tweets, pair, teacher="probe", n_gold=200, seed=0)
exp.embed()
result = exp.run()
print(result.summary())""",
"""md:`result.metrics` is a flat dictionary (also written as JSON by `w2s run`);
`result.points` has one row per tweet: gold label, teacher label and confidence, student
label, ceiling label and the W2S *category* of the point.""",
"""m = result.metrics
{k: round(m[k], 3) for k in ("weak_acc", "student_acc", "ceiling_acc", "pgr", "pgr_ci_low", "pgr_ci_high")}""",
"""result.points.head()""",
"""md:One run is one draw: PGR moves with the random split and the gold sample (its CI is
wide). Repeating over seeds shows the effect honestly.""",
"""import pandas as pd
runs = pd.DataFrame([Experiment(tweets, pair, n_gold=200, seed=s).embed(progress=False)
                     .run(projection=None, progress=False).metrics for s in SEEDS])
runs[["weak_acc", "student_acc", "ceiling_acc", "pgr", "pgr_ci_low", "pgr_ci_high"]].round(3)""",
"""# The claims of this notebook, checked:
assert (runs.ceiling_acc > runs.weak_acc).all(), "the strong encoder carries more signal than the weak one"
assert m["pgr_ci_low"] <= m["pgr"] <= m["pgr_ci_high"]
assert runs.student_acc.mean() > runs.weak_acc.mean(), "on average over seeds the student beats its teacher"
print(f"mean PGR over {len(runs)} seeds: {runs.pgr.mean():.2f} (min {runs.pgr.min():.2f}, max {runs.pgr.max():.2f})")
""",
"""md:## The workbench
Colour the two maps by category, lasso a group of points and look at the table; click a
point to see its nearest neighbours in weak and strong space.""",
"""from widgets import Workbench
Workbench(exp)""",
"""md:## Exercises
1. Re-run with `n_gold=40`. What happens to the teacher's accuracy and to PGR?
""" + answer("The teacher gets worse (fewer gold labels); the student usually still gains over it, "
             "but PGR's confidence interval widens — with few test points and a small gap, PGR is noisy.") + """

2. Why is PGR undefined (NaN) when the ceiling and the teacher have the same accuracy?
""" + answer("PGR divides by ceiling − weak; with no gap there is nothing to recover, and the "
             "workbench returns NaN instead of a huge meaningless number."),
],
"02_pseudolabel_correction": [
"""md:# 02 · Pseudolabel correction: which teacher errors does the student fix?

**Goal.** Separate the student's test predictions into the four covered categories of
Lang et al. (2024): `both_right`, `corrected` (teacher wrong, student right),
`copied` (both wrong: the error was copied) and `corrupted` (teacher right, student
wrong). See why a point was corrected from its neighbours, how training choices change
correction, and a case where weak-to-strong fails.""",
SETUP,
"""exp = Experiment(tweets, pair, n_gold=200, seed=0)
result = exp.embed().run()
counts = result.category_counts(split="test")
counts""",
"""md:Corrected points are teacher errors the student did **not** copy. By definition the
student is right and the teacher wrong on them; the interesting number is how many
there are compared with the copied errors.""",
"""test = result.split("test")
corrected = test[test.category == "corrected"]
corrected[["text", "gold", "teacher_label", "teacher_conf", "student_label", "student_conf"]].head(8)""",
"""assert counts["corrected"] > 0, "the student corrects some teacher errors"
assert counts["corrected"] > counts["corrupted"], "it fixes more teacher errors than it introduces"
""",
"""md:### Why was it corrected? Nearest neighbours
In the strong space a corrected tweet sits among tweets whose (teacher) labels mostly agree
with the gold label, so the student cannot fit the teacher's mistake without paying for it
on the neighbours (Lang et al.'s *expansion* intuition).""",
"""from widgets import EmbeddingExplorer
explorer = EmbeddingExplorer(result, embeddings={"weak": exp.X_weak_, "strong": exp.X_strong_})
row = int(corrected.index[0])
strong_nb = explorer.neighbors(row, space="strong")
weak_nb = explorer.neighbors(row, space="weak")
strong_nb.head(8)""",
"""md:### Training choices
Early stopping on a teacher-labelled validation split, the auxiliary confidence loss
(`logconf`, Burns et al.) and a big MLP trained long on hard labels (which can memorise
the teacher) — same data, same teacher:""",
"""import pandas as pd
settings = {
    "linear, soft labels": dict(student={"epochs": 30}),
    "linear + logconf": dict(student={"epochs": 30, "loss": "logconf"}),
    "early stopping (val 20%)": dict(val_size=0.2, student={"epochs": 60, "patience": 3}),
    "MLP, hard labels, 200 epochs": dict(student={"head": "mlp", "targets": "hard", "epochs": 200, "weight_decay": 0.0}),
}
if SMALL:
    settings.pop("MLP, hard labels, 200 epochs")
rows = []
for name, options in settings.items():
    e = Experiment(tweets, pair, n_gold=200, seed=0, **options)
    r = e.embed(progress=False).run(projection=None, progress=False)
    rows.append({"setting": name, **{k: r.metrics[k] for k in ("student_acc", "pgr", "student_teacher_agreement")},
                 **{k: v for k, v in r.category_counts().items() if k in ("corrected", "copied")}})
table = pd.DataFrame(rows).set_index("setting").round(3)
table""",
"""md:### When weak-to-strong fails
Two honest failures. First, a control: a "student" that sees the *same* representation as
its teacher can only copy it — agreement near 1, no gain. Second, the plain Burns
half/half setting where the teacher gets many gold labels: averaged over seeds the
student recovers almost nothing of the (now small) gap, and single seeds swing both ways.""",
"""same = Experiment(tweets, EncoderPair(weak=WEAK, strong=WEAK), n_gold=200, seed=0).embed(progress=False)
copy = same.run(projection=None, progress=False)
print("same representation:", copy.summary(), "| agreement", round(copy.metrics["student_teacher_agreement"], 3))
assert copy.metrics["student_teacher_agreement"] > 0.9, "the student copies a teacher it cannot out-represent"
assert abs(copy.metrics["student_acc"] - copy.metrics["weak_acc"]) < 0.03""",
"""few = [Experiment(tweets, pair, n_gold=200, seed=s).embed(progress=False).run(projection=None, progress=False)
       for s in SEEDS]
many = [Experiment(tweets, pair, n_gold=int(0.6 * len(tweets)), seed=s).embed(progress=False)
        .run(projection=None, progress=False) for s in SEEDS]
pgr_few = [r.metrics["pgr"] for r in few]
pgr_many = [r.metrics["pgr"] for r in many]
print("PGR, 200 gold labels:  ", [round(p, 2) for p in pgr_few])
print("PGR, 1800 gold labels: ", [round(p, 2) for p in pgr_many])
assert sum(pgr_many) / len(pgr_many) < sum(pgr_few) / len(pgr_few), "with a strong teacher W2S recovers less"
""",
"""md:## Exercises
1. In the table above, which setting has the highest student–teacher agreement, and does it
   correct more or fewer teacher errors?
""" + answer("Typically the long-trained MLP on hard labels: it fits the teacher's labels, including "
             "its mistakes, so it corrects fewer of them (Yao et al.: excessive optimisation on weak "
             "labels undermines generalisation).") + """

2. Look at `weak_nb` vs `strong_nb` for the corrected tweet. Which neighbourhood agrees more
   with the gold label?
""" + answer("Usually the strong one: the strong encoder places the tweet among examples of its true "
             "class, which is what lets the student override the teacher."),
],
"03_coverage_expansion": [
"""md:# 03 · Coverage expansion: learning where the teacher abstains

**Goal.** Let the teacher abstain (Lang et al. 2024): either a confidence threshold on the
weak probe or keyword rules. The student is trained only on covered points, yet it labels
the uncovered ones — how well? And does the data *expand* (do uncovered points have
covered neighbours)?""",
SETUP,
"""exp = Experiment(tweets, pair, n_gold=200, seed=0, abstain_below=0.8)
result = exp.embed().run()
m = result.metrics
print(f"teacher coverage {m['teacher_coverage']:.2f}, teacher accuracy where it labels {m['teacher_acc_covered']:.3f}")
print(f"student accuracy on uncovered test points {m['student_acc_uncovered']:.3f}")
assert 0 < m["teacher_coverage"] < 1
assert m["student_acc_uncovered"] > 0.6, "above chance (0.5) on points the teacher never labelled"
""",
"""md:### A rule teacher
Lang et al.'s IMDb teacher labelled reviews containing *incredible* or *horrible*. On
tweets we use a few sentiment words; most tweets match none and stay uncovered.""",
"""rules = [("love|great|awesome|thank(s| you)|happy|best", "positive"),
         ("hate|worst|awful|terrible|delayed|cancell?ed|rude", "negative")]
rule_exp = Experiment(tweets, pair, teacher="rules", teacher_options={"rules": rules}, n_gold=20, seed=0)
rule_result = rule_exp.embed(progress=False).run(progress=False)
rm = rule_result.metrics
print(f"rule coverage {rm['teacher_coverage']:.2f}, rule accuracy where it fires {rm['teacher_acc_covered']:.3f}, "
      f"student on uncovered {rm['student_acc_uncovered']:.3f}")
assert rm["student_acc_uncovered"] > 0.55""",
"""md:### Per-class table and the expansion estimate
`lang_set_accuracies` gives α_i (the teacher's error rate on the covered points of class
i), the student's error on S_i, and its accuracy on the good, bad and uncovered parts.
`expansion_table` estimates expansion ĉ in the strong embedding space with a kNN
neighbourhood and evaluates Theorem 4.1's bound (our operationalisation, see
`workbench.theory.expansion`).""",
"""from workbench import metrics as M
from workbench.theory import expansion_table
pts = result.split("student_train")
M.lang_set_accuracies(pts.gold, pts.teacher_label, pts.covered, pts.student_label, n_classes=2,
                      label_names=result.label_names)""",
"""rows = pts.index.to_numpy()
table = expansion_table(pts.gold.to_numpy(), result.proba["teacher"][rows].argmax(1), pts.covered.to_numpy(),
                        pts.student_label.to_numpy(), exp.X_strong_[rows], k=10, label_names=result.label_names)
table.round(3)""",
"""from widgets.theory_figures import expansion_figure
expansion_figure(table)""",
"""md:## Exercises
1. Raise `abstain_below` to 0.9. Coverage drops; what happens to accuracy on the uncovered points?
""" + answer("Fewer, but more confident, training labels: the teacher's accuracy on covered points goes "
             "up, and the student often still does well on the larger uncovered set — coverage expansion.") + """

2. Why does `c_cover` measure something different from `c_hat`?
""" + answer("`c_hat` asks whether the teacher's mistakes are surrounded by correctly labelled points "
             "(pseudolabel correction); `c_cover` whether uncovered points have covered neighbours "
             "(coverage expansion)."),
],
"04_misfit_vs_gain": [
"""md:# 04 · Misfit vs gain (Charikar et al. 2024)

**Goal.** With squared loss, the student's gain over its teacher, d(f_w, y) − d(f_sw, y),
is at least its *misfit* d(f_sw, f_w) when the strong head class is convex and contains
the target — and in practice gain ≈ misfit. First the synthetic regression setting where
the theorem holds exactly, then several real weak teachers of different strength.""",
"""from workbench.theory import synthetic_regression_check, fit_line
table = synthetic_regression_check(n=2000, n_teachers=6, seed=0)
print(fit_line(table.misfit, table.gain))
table.round(4)""",
"""assert ((table.gain - table.misfit).abs() < 1e-8).all(), "Pythagoras: gain equals misfit exactly here"
""",
"""md:The KL version (Yao et al. 2025): with a linear-softmax student trained on the teacher's
soft labels and a realisable p*, E KL(p_w‖p*) ≥ E KL(p_sw‖p*) + E KL(p_w‖p_sw).""",
"""from workbench import load_dataset
from workbench.theory import synthetic_kl_check
kl = synthetic_kl_check(load_dataset("synthetic", n=2000, strong_noise=0.0, seed=0), n_gold=100)
assert kl["slack"] > -1e-3
kl""",
"""md:### Real teachers
Weak teachers of different strength: the L3 and L6 MiniLMs, and truncated versions of
them (an earlier hidden layer). One strong student per teacher; each teacher is a point.
On real data p* is unknown, so the KL gain is replaced by the measurable cross-entropy
proxy `gain_xent` (named so everywhere).""",
SETUP,
"""from workbench import EmbeddingCache, make_splits
from workbench.encoders import HFEncoder
from workbench.theory import misfit_gain_sweep
from widgets import figures as F
cache = EmbeddingCache()
strong = cache.embed(HFEncoder(STRONG), tweets)
teachers = {name: cache.embed(HFEncoder(WEAK if "L3" in name else "sentence-transformers/all-MiniLM-L6-v2", layer=layer), tweets)
            for name, layer in [("L3", None), ("L3 layer 1", 1), ("L6 layer 3", 3), ("L6 layer 1", 1)][: 3 if SMALL else 4]}
splits = make_splits(tweets, n_gold=200, seed=0)
sweep, fits = misfit_gain_sweep(strong, tweets.labels, splits, teachers, n_classes=2)
print(fits["sq"])
sweep.round(4)""",
"""import numpy as np
assert np.isfinite(fits["sq"]["slope"]) and (sweep.gain_sq > -0.05).all()
F.misfit_gain(sweep[["misfit_sq", "gain_sq"]].to_numpy(), kind="sq")""",
"""md:## Exercises
1. Which teacher has the largest misfit, and is it also the one with the largest gain?
""" + answer("Usually the weakest teacher: the student disagrees with it most and gains most — the "
             "ordering predicted by gain ≈ misfit.") + """

2. Why can gain fall below misfit on real data?
""" + answer("The assumptions fail: the target is not exactly realisable by a linear head on frozen "
             "embeddings, the student is regularised and trained on finitely many points, and the "
             "numbers are measured on held-out data."),
],
"05_calibration": [
"""md:# 05 · Calibration of weak, student and ceiling (Yao et al. 2025)

**Goal.** How well do the confidences match the accuracies? Top-label ECE (15 equal-width
bins, as torchmetrics), reliability diagrams, and how the student's calibration evolves
over training — against gold labels and against the teacher's labels.""",
SETUP,
"""exp = Experiment(tweets, pair, n_gold=200, seed=0, student={"epochs": 40})
result = exp.embed().run()
{k: round(result.metrics[k], 4) for k in ("ece_weak", "ece_student", "ece_ceiling", "ece_student_vs_teacher")}""",
"""from widgets import figures as F
test = result.split("test")
rows = test.index.to_numpy()
F.reliability_diagram(test.gold.to_numpy(), result.proba["student"][rows], teacher_labels=test.teacher_label.to_numpy())""",
"""from workbench.theory import calibration_over_epochs
over = calibration_over_epochs(result.history["student"], test.gold.to_numpy(), test.teacher_label.to_numpy())
over.round(4).tail()""",
"""from widgets.theory_figures import calibration_over_epochs_figure
calibration_over_epochs_figure(over)""",
"""import numpy as np
from workbench import metrics as M
for role in ("weak", "student", "ceiling"):
    assert 0 <= result.metrics[f"ece_{role}"] <= 1
# the student is better calibrated to the labels it was trained on than to gold
assert over.ece_teacher.iloc[-1] <= over.ece_gold.iloc[-1] + 0.02
assert np.isclose(result.metrics["ece_student"], M.ece(test.gold.to_numpy(), result.proba["student"][rows]))""",
"""md:## Exercises
1. Train 200 epochs with an MLP head (`student={"head": "mlp", "epochs": 200}`). What happens to ECE?
""" + answer("The student becomes over-confident on the teacher's labels: its confidence rises while its "
             "accuracy against gold does not, so ECE against gold grows.") + """

2. Why measure ECE against the teacher's labels at all?
""" + answer("It tells how closely the student reproduces what it was trained on; the gap between the two "
             "ECEs is one view of how much it departs from its teacher."),
],
"06_representations": [
"""md:# 06 · Predicting W2S from representations (Xue et al. style)

**Goal.** Can we tell, from the weak and strong embeddings alone (no labels), how much a
strong student will gain over a weak teacher? We compute the score ‖P_s(I − P_w)‖ —
*our operational form* of Xue et al.'s kernel analysis (their code is not public):
P = K(K + λI)⁻¹ with K = ΦΦᵀ/n from the top principal components (thin SVD). We compare it
with the measured PGR over every (weak, strong) pair of the available encoders.""",
SETUP,
"""from workbench import EmbeddingCache
from workbench.encoders import HFEncoder
cache = EmbeddingCache()
models = {"L3": (WEAK, None), "L3 layer 1": (WEAK, 1), "L6": ("sentence-transformers/all-MiniLM-L6-v2", None),
          "mpnet": (STRONG, None)}
if not SMALL:
    models["L6 layer 3"] = ("sentence-transformers/all-MiniLM-L6-v2", 3)
features = {name: cache.embed(HFEncoder(mid, layer=layer), tweets) for name, (mid, layer) in models.items()}
{name: X.shape for name, X in features.items()}""",
"""from workbench.theory import pair_matrix, representation_vs_pgr
table = pair_matrix(tweets, features, n_gold=200, seed=0)
table, rho, p = representation_vs_pgr(table, features, k=50, ridge=0.1)
print(f"Spearman rank correlation of the score with PGR: {rho:.2f} (p = {p:.2g}, {len(table)} pairs)")
table.round(3)""",
"""import numpy as np
assert len(table) == len(features) * (len(features) - 1)
assert np.isfinite(table.rep_score).all() and (table.rep_score >= 0).all()""",
"""from widgets.theory_figures import pair_matrix_heatmap, score_vs_pgr
pair_matrix_heatmap(table)""",
"""score_vs_pgr(table, rho=rho)""",
"""md:## Exercises
1. Is the score symmetric in (weak, strong)? Should it be?
""" + answer("No: ‖P_s(I − P_w)‖ measures what the strong space has that the weak one lacks; swapping "
             "roles asks the opposite question, just as PGR of (weak → strong) differs from (strong → weak).") + """

2. Change `k` (principal components) and `ridge`. How stable is the rank correlation?
""" + answer("With few pairs the correlation is noisy; report it with its p-value and the number of pairs, "
             "and treat it as a hypothesis to test on more model pairs, not a result."),
],
}


def main():
    for name, cells in NOTEBOOKS.items():
        nbf.write(nb(cells), HERE / f"{name}.ipynb")
        print("wrote", name)


if __name__ == "__main__":
    main()
