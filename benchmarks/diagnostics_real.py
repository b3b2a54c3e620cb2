"""Gold-free teacher-error detection on the offline models and packaged datasets (issue 15).

For each (dataset, weak, strong) configuration: the Burns protocol through ``Experiment``
(L3 probe teacher on 200 gold labels), then

* cross-fitted student probabilities (5 folds of the student's training split, each scored
  by a ``HeadTrainer`` with its defaults that did not train on it; the ordinary student's
  probabilities elsewhere), cleanlab's three label-quality scores on them, and their AUROC /
  average precision for finding the teacher's errors on the test split and on the student's
  training split, next to ``1 - teacher confidence`` and to the same score computed from the
  *in-sample* student (what one gets without cross-fitting);
* the cartography signal ``1 - conf_teacher`` of a student trained once with every point's
  probabilities recorded per epoch, and cleanlab's score on cross-fitted probabilities averaged
  over epochs (``epoch_average=True``);
* neighbourhood change (kNN Jaccard, k = 10, weak vs strong space) of corrected vs copied points;
* a simulated review of the top N training pseudolabels by score (the reviewer = gold):
  pseudolabel accuracy and the retrained student's test accuracy (mean over 3 student seeds).

mpnet runs only where its embeddings are already cached (embedding it costs minutes on CPU).

    python -m benchmarks.diagnostics_real [--datasets tweets,bbc-news,drug-reviews] [--mpnet auto|yes|no]
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from ._common import machine, write_json

L3 = "sentence-transformers/paraphrase-MiniLM-L3-v2"
L6 = "sentence-transformers/all-MiniLM-L6-v2"
MPNET = "sentence-transformers/all-mpnet-base-v2"
DATASETS = {
    "tweets": dict(name="tweets", classes=("negative", "positive"), max_per_class=1500),
    "bbc-news": dict(name="bbc-news"),
    "drug-reviews": dict(name="drug-reviews"),
}
REVIEW_BUDGETS = (50, 100, 200)
RETRAIN_SEEDS = 3  # the retrained head is trained with 3 seeds (its test accuracy moves by points between seeds)


def fully_cached(encoder, ds, cache) -> bool:
    """Whether every embedding chunk of (encoder, ds) is already in the cache (nothing is computed)."""
    folder, texts = cache.prepare(encoder, ds)
    return not cache.missing_chunks(folder, len(texts), 512)


def make_student(seed):
    from workbench.train import HeadTrainer

    return lambda: HeadTrainer(seed=seed)


def detection_rows(label, score, t, gold, covered, conf, split):
    from workbench.diagnostics import error_detection_by_split

    m = error_detection_by_split(score, t, gold, covered, teacher_conf=conf, split=split)
    return {"score": label, **m}


def measure(ds_key, strong_id, *, seed=0, n_folds=5):
    from workbench import EncoderPair, Experiment, load_dataset
    from workbench import diagnostics as D
    from workbench.train import HeadTrainer

    spec = dict(DATASETS[ds_key])
    ds = load_dataset(spec.pop("name"), seed=seed, **spec)
    exp = Experiment(ds, EncoderPair(weak=L3, strong=strong_id, device="cpu"), teacher="probe", n_gold=200, seed=seed)
    t0 = time.perf_counter()
    exp.embed(progress=False)
    embed_s = time.perf_counter() - t0
    result = exp.run(projection=None, progress=False)
    pts, splits = result.points, exp.splits_
    t, gold = pts["teacher_label"].to_numpy(), pts["gold"].to_numpy()
    covered, conf, split = pts["covered"].to_numpy(bool), pts["teacher_conf"].to_numpy(), pts["split"].to_numpy()
    teacher_p, student_p = result.proba["teacher"], result.proba["student"]

    t0 = time.perf_counter()
    oof = D.out_of_sample_proba(exp.X_strong_, teacher_p, covered, splits.student_train, student_p,
                                make_student=make_student(seed), n_folds=n_folds, seed=seed)
    crossfit_s = time.perf_counter() - t0
    rows = [detection_rows(f"cleanlab {m} (cross-fitted)", D.teacher_error_score(t, oof, covered=covered, method=m),
                           t, gold, covered, conf, split) for m in D.METHODS]
    rows.append(detection_rows("self_confidence, in-sample student",
                               D.teacher_error_score(t, student_p, covered=covered), t, gold, covered, conf, split))
    disagree = (oof.argmax(1) != t).astype(float) + 1e-3 * (1 - oof[np.arange(len(t)), np.maximum(t, 0)])
    rows.append(detection_rows("student disagrees (cross-fitted)", disagree, t, gold, covered, conf, split))

    # cartography: one student trained with every point's probabilities recorded per epoch
    train = splits.student_train[covered[splits.student_train]]
    store = D.EpochProbaStore(len(ds), ds.n_classes, max_epochs=HeadTrainer().epochs)
    HeadTrainer(seed=seed).fit(exp.X_strong_[train], teacher_p[train], X_eval=exp.X_strong_, callbacks=[store])
    dyn = D.training_dynamics(store.array, teacher_labels=t, gold=gold)
    rows.append(detection_rows("1 - conf_teacher (cartography, in-sample)", 1 - dyn["conf_teacher"].to_numpy(),
                               t, gold, covered, conf, split))

    # cross-fitted AND averaged over epochs (fold students' held-out probabilities per epoch; elsewhere the
    # epoch-averaged probabilities of the student recorded above)
    oof_avg = D.out_of_sample_proba(exp.X_strong_, teacher_p, covered, splits.student_train,
                                    store.array.astype(np.float64).mean(0) / store.array.astype(np.float64).mean(0)
                                    .sum(1, keepdims=True), make_student=make_student(seed), n_folds=n_folds,
                                    seed=seed, epoch_average=True)
    rows.append(detection_rows("cleanlab self_confidence (cross-fitted, epoch-avg)",
                               D.teacher_error_score(t, oof_avg, covered=covered), t, gold, covered, conf, split))

    score = D.teacher_error_score(t, oof, covered=covered)
    jac = D.knn_jaccard(exp.X_weak_, exp.X_strong_, k=10)
    errors = covered & (t != gold)
    corrected = pts["category"].to_numpy() == "corrected"
    from sklearn.metrics import roc_auc_score
    nb = {"mean_jaccard_corrected": float(jac[corrected].mean()) if corrected.any() else float("nan"),
          "mean_jaccard_copied": float(jac[pts["category"].to_numpy() == "copied"].mean()),
          "mean_jaccard_all": float(jac.mean()),
          "auroc_change_for_correction_among_errors": float(roc_auc_score(corrected[errors], 1 - jac[errors]))
          if 0 < corrected[errors].sum() < errors.sum() else float("nan")}

    in_train = split == "student_train"
    curve = D.budget_curve(score, t, gold, covered & in_train, [0, *REVIEW_BUDGETS], teacher_conf=conf, seed=seed)
    retrain = review_retrain(exp, score, t, gold, covered, teacher_p, seed)
    return {"dataset": ds_key, "strong": strong_id.split("/")[-1], "n": len(ds), "k": ds.n_classes,
            "weak_acc": result.metrics["weak_acc"], "student_acc": result.metrics["student_acc"],
            "ceiling_acc": result.metrics["ceiling_acc"], "embed_seconds": embed_s, "crossfit_seconds": crossfit_s,
            "detection": rows, "neighbourhood": nb, "budget": curve.to_dict("records"), "retrain": retrain,
            "dynamics_corr_memorised": int(np.isfinite(dyn["epoch_memorised"].to_numpy()[in_train]).sum()),
            "dynamics_corr_overridden": int(np.isfinite(dyn["epoch_overridden"].to_numpy()[in_train]).sum())}


def review_retrain(exp, score, t, gold, covered, teacher_p, seed):
    """Review the top N training pseudolabels by score (gold answers), retrain, test accuracy (mean of seeds)."""
    from workbench import diagnostics as D
    from workbench.train import HeadTrainer

    splits, X = exp.splits_, exp.X_strong_
    test = splits.test
    out = []
    for n_review in (0, *REVIEW_BUDGETS):
        queue_rows = splits.student_train[covered[splits.student_train]]
        top = queue_rows[np.argsort(-score[queue_rows], kind="stable")][:n_review]
        proba, cov, _ = D.apply_reviews(teacher_p, covered, {int(r): int(gold[r]) for r in top})
        train = splits.student_train[cov[splits.student_train]]
        accs = [float((HeadTrainer(seed=s).fit(X[train], proba[train]).predict(X[test]) == gold[test]).mean())
                for s in range(seed, seed + RETRAIN_SEEDS)]
        out.append({"reviewed": n_review, "changed": int((t[top] != gold[top]).sum()),
                    "student_test_acc": float(np.mean(accs)), "student_test_acc_per_seed": accs})
    base = out[0]["student_test_acc"]
    for row in out[1:]:
        row["test_acc_gain_per_label"] = (row["student_test_acc"] - base) / row["reviewed"]
    return out


def print_report(res):
    print(f"\n== {res['dataset']} (n={res['n']}, k={res['k']}), weak L3 probe -> strong {res['strong']}: "
          f"weak {res['weak_acc']:.3f}, student {res['student_acc']:.3f}, ceiling {res['ceiling_acc']:.3f}; "
          f"cross-fit {res['crossfit_seconds']:.1f} s")
    d0 = res["detection"][0]
    print(f"teacher errors: test {d0['teacher_errors_test']} ({d0['teacher_error_rate_test']:.3f}), "
          f"student_train {d0['teacher_errors_student_train']} ({d0['teacher_error_rate_student_train']:.3f})")
    print(f"{'score':46s} {'AUROC test':>10s} {'AP test':>8s} {'AUROC train':>11s} {'AP train':>9s}")
    print(f"{'baseline: 1 - teacher confidence':46s} {d0['teacher_conf_error_auroc_test']:10.3f} "
          f"{d0['teacher_conf_error_ap_test']:8.3f} {d0['teacher_conf_error_auroc_student_train']:11.3f} "
          f"{d0['teacher_conf_error_ap_student_train']:9.3f}")
    for r in res["detection"]:
        print(f"{r['score']:46s} {r['teacher_error_auroc_test']:10.3f} {r['teacher_error_ap_test']:8.3f} "
              f"{r['teacher_error_auroc_student_train']:11.3f} {r['teacher_error_ap_student_train']:9.3f}")
    nb = res["neighbourhood"]
    print(f"kNN Jaccard (k=10) weak vs strong: corrected {nb['mean_jaccard_corrected']:.3f}, copied "
          f"{nb['mean_jaccard_copied']:.3f}, all {nb['mean_jaccard_all']:.3f}; AUROC of change for correction "
          f"among teacher errors {nb['auroc_change_for_correction_among_errors']:.3f}")
    print("review budget (student_train pseudolabel accuracy): " + "; ".join(
        f"N={b['budget']}: by score {b['acc_score']:.3f} / by conf {b['acc_conf']:.3f} / random {b['acc_random']:.3f}"
        for b in res["budget"]))
    print(f"retrained student test acc (mean of {RETRAIN_SEEDS} seeds): " + "; ".join(
        f"N={r['reviewed']} ({r['changed']} changed): {r['student_test_acc']:.3f}" for r in res["retrain"]))


def main(argv=None):
    from workbench import EmbeddingCache, load_dataset
    from workbench.encoders import HFEncoder

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--datasets", default=",".join(DATASETS))
    parser.add_argument("--mpnet", choices=("auto", "yes", "no"), default="auto",
                        help="auto: only where the mpnet embeddings are already cached")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    cache, results = EmbeddingCache(), []
    for key in args.datasets.split(","):
        strongs = [L6]
        if args.mpnet != "no":
            spec = dict(DATASETS[key])
            ds = load_dataset(spec.pop("name"), seed=args.seed, **spec)
            if args.mpnet == "yes" or fully_cached(HFEncoder(MPNET, device="cpu"), ds, cache):
                strongs.append(MPNET)
        for strong in strongs:
            res = measure(key, strong, seed=args.seed)
            print_report(res)
            results.append(res)
    path = write_json("diagnostics_real", {"machine": machine(), "results": results})
    print(f"\nwrote {path}")


if __name__ == "__main__":
    main()
