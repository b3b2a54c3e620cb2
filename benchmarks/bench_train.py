"""Student training: our HeadTrainer vs sklearn LogisticRegression, same features.

The linear head on CPU trains in NumPy (``workbench._linear_lbfgs``: torch's L-BFGS ported,
the objective as two BLAS products); the torch path is kept for MLP heads, AdamW and GPUs.

Synthetic Gaussian-mixture features (384-d, 2 classes, noisy) at 5k, 50k and 200k
points; time to fit (median of 3, ours and sklearn alternated) and held-out accuracy for
both, in the same process. Both minimise the same L2-regularised objective (C = 1) with
L-BFGS; ours runs 30 epochs of 4 iterations (the default student), once with its default
tolerance (``tol=1e-7``: to the optimum) and once with scikit-learn's (``tol=1e-4`` on the
largest gradient entry, the criterion both use).

    python -m benchmarks.bench_train [--sizes 5000,50000,200000]
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from ._common import machine, write_json


def make_data(n, *, d=384, seed=0):
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, size=n)
    w = rng.normal(size=d) / np.sqrt(d)
    X = rng.normal(size=(n, d)).astype(np.float32) + np.outer(2 * y - 1, w * 3).astype(np.float32)
    return X, y


def bench_size(n, *, epochs=30, seed=0, repeats=3):
    """Median fit time of ours and sklearn's LBFGS (alternated, ``repeats`` times each)."""
    from sklearn.linear_model import LogisticRegression

    from workbench.train import HeadTrainer

    X, y = make_data(n + 5000, seed=seed)
    Xtr, ytr, Xte, yte = X[:n], y[:n], X[n:], y[n:]
    targets = np.eye(2, dtype=np.float32)[ytr]
    times = {"ours": [], "ours_tol4": [], "sklearn": []}
    for _ in range(repeats):
        t0 = time.perf_counter()
        ours = HeadTrainer(head="linear", epochs=epochs, seed=seed).fit(Xtr, targets)
        times["ours"].append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        sk = LogisticRegression(max_iter=1000).fit(Xtr, ytr)
        times["sklearn"].append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        ours4 = HeadTrainer(head="linear", epochs=epochs, seed=seed, tol=1e-4).fit(Xtr, targets)
        times["ours_tol4"].append(time.perf_counter() - t0)
    t_ours, t_sk = float(np.median(times["ours"])), float(np.median(times["sklearn"]))
    t_ours4 = float(np.median(times["ours_tol4"]))
    return {"n": n, "epochs": epochs, "ours_s": t_ours, "ours_tol1e-4_s": t_ours4, "sklearn_s": t_sk,
            "ratio_sklearn_over_ours": t_sk / t_ours, "ratio_sklearn_over_ours_tol1e-4": t_sk / t_ours4,
            "ours_acc": float((ours.predict(Xte) == yte).mean()),
            "ours_tol1e-4_acc": float((ours4.predict(Xte) == yte).mean()),
            "sklearn_acc": float((sk.predict(Xte) == yte).mean()),
            "ours_iterations": int(ours.n_iter_), "ours_tol1e-4_iterations": int(ours4.n_iter_),
            "sklearn_iterations": int(sk.n_iter_[0])}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", default="5000,50000,200000")
    args = parser.parse_args(argv)
    rows = []
    for n in map(int, args.sizes.split(",")):
        rows.append(bench_size(n))
        print(rows[-1], flush=True)
    write_json("train", {"machine": machine(), "rows": rows})
    return rows


if __name__ == "__main__":
    main()
