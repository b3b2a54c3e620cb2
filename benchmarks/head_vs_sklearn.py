"""The student head against scikit-learn on real embeddings (accuracy, smoothness; not speed).

    python -m benchmarks.head_vs_sklearn tweets mpnet     # or: bbc-news L6, drug-reviews L6, tweets L6

Weak probe (the protocol's, 200 gold labels of L3) vs sklearn LogisticRegression on the same gold;
student (protocol default: soft targets; and hard targets) vs sklearn LogisticRegression(C=1) on the teacher's
hard labels; ceiling (3-fold CV over C) vs LogisticRegressionCV on gold; same split, seed 0.
"""

from __future__ import annotations

import sys
import time

import numpy as np

MODELS = {"L3": "sentence-transformers/paraphrase-MiniLM-L3-v2", "L6": "sentence-transformers/all-MiniLM-L6-v2",
          "mpnet": "sentence-transformers/all-mpnet-base-v2"}


def main(argv=None):
    from sklearn.linear_model import LogisticRegression, LogisticRegressionCV

    from workbench import EncoderPair, Experiment, load_dataset
    from workbench.data import make_splits
    from workbench.protocol import fit_ceiling, fit_probe, make_student

    name, strong = (argv or sys.argv[1:]) or ("tweets", "mpnet")
    opts = dict(classes=("negative", "positive"), max_per_class=1500) if name == "tweets" else {}
    ds = load_dataset(name, **opts)
    exp = Experiment(ds, EncoderPair(weak=MODELS["L3"], strong=MODELS[strong]), n_gold=200, seed=0).embed(progress=False)
    Xw, Xs, y = exp.X_weak_, exp.X_strong_, ds.labels
    sp = make_splits(ds, n_gold=200, test_size=0.25, seed=0)
    k, tr, te = ds.n_classes, sp.student_train, sp.test
    pw = fit_probe(Xw, y, sp.weak_train, n_classes=k).predict_proba(Xw)
    sk_probe = LogisticRegression(max_iter=5000).fit(Xw[sp.weak_train], y[sp.weak_train])
    print(f"{name} {strong}: weak probe ours {np.mean(pw[te].argmax(1) == y[te]):.3f} "
          f"sklearn {sk_probe.score(Xw[te], y[te]):.3f}")
    student = make_student(None)
    t0 = time.perf_counter()
    student.fit(Xs[tr], pw[tr], X_eval=Xs[te])
    t_ours = time.perf_counter() - t0
    accs = [np.mean(r.proba.argmax(1) == y[te]) for r in student.history_]
    sk = LogisticRegression(max_iter=5000)
    t0 = time.perf_counter()
    sk.fit(Xs[tr], pw[tr].argmax(1))
    t_sk = time.perf_counter() - t0
    print(f"  student ours(default, {student.targets}) {accs[-1]:.3f} (TV {np.sum(np.abs(np.diff(accs))):.3f}, "
          f"{t_ours:.2f}s) sklearn(hard, C=1) {sk.score(Xs[te], y[te]):.3f} ({t_sk:.2f}s)")
    other = "hard" if student.targets == "soft" else "soft"
    alt = make_student({"targets": other}).fit(Xs[tr], pw[tr], X_eval=Xs[te])
    alt_accs = [np.mean(r.proba.argmax(1) == y[te]) for r in alt.history_]
    print(f"  student ours({other}) {alt_accs[-1]:.3f} (TV {np.sum(np.abs(np.diff(alt_accs))):.3f})")
    print("  per-epoch acc", " ".join(f"{a:.3f}" for a in accs[:12]), "...")
    ceiling = fit_ceiling(Xs, y, tr, n_classes=k, student=make_student(None))
    cv = LogisticRegressionCV(max_iter=5000).fit(Xs[tr], y[tr])
    print(f"  ceiling ours {np.mean(ceiling.predict(Xs[te]) == y[te]):.3f} (C={ceiling.C}) "
          f"sklearn CV {cv.score(Xs[te], y[te]):.3f} (C={cv.C_[0]:.3g})")


if __name__ == "__main__":
    main()
