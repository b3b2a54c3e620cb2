"""A synthetic W2S dataset whose true conditional p*(y | x) is known in closed form.

Generative model (seeded; d = ``dim_strong``, k = ``n_classes``):

* latent z ~ N(0, I_d);
* true conditional p*(y | z) = softmax(s · W z), W (k × d) with random unit rows,
  s = ``signal``. The gold label y is *sampled* from p*, so even the Bayes-optimal
  model errs (its accuracy is E max_y p*(y | z));
* strong view x_s = R z + ``strong_noise`` · ε, R a random d × d rotation. With
  ``strong_noise=0`` (the default) z = Rᵀ x_s, so p*(y | x_s) = softmax(s · W Rᵀ x_s)
  exactly: the truth is a linear-softmax head on the strong view (realisable by a
  convex class), which is what the KL misfit–gain inequality needs. With
  ``strong_noise > 0`` ``p_true`` is still p*(y | z), which is then no longer a
  function of x_s alone;
* weak view x_w = B z[:m] + ``weak_noise`` · ε: only the first m = ceil(``weak_keep`` · d)
  latent directions, mixed by a random B (``dim_weak`` × m, entries N(0, 1/m)), plus
  noise — the weak model cannot see everything the strong one can (lossy projection).

ε are independent standard normals. Texts are placeholders (``"synthetic point 17"``)
so hover and tables work; ids are ``"syn-<i>"``.

:func:`make_linear_nonlinear` ("linear-nonlinear") is the linear → nonlinear setting after
Oh, Song & Yun, used by :mod:`workbench.methods.nonlinear` (see its docstring for why).
"""

from __future__ import annotations

import math

import numpy as np

from .._validation import check_int
from .container import TextDataset
from .registry import register_dataset

__all__ = ["make_synthetic", "make_linear_nonlinear", "softmax"]


def softmax(a: np.ndarray) -> np.ndarray:
    """Row-wise softmax of logits (n, k) -> probabilities (n, k)."""
    a = a - a.max(axis=1, keepdims=True)
    e = np.exp(a)
    return e / e.sum(axis=1, keepdims=True)


def _number(value, name: str, *, low: float, strict: bool) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise TypeError(f"{name} must be a number; got {value!r}.")
    value = float(value)
    if not math.isfinite(value) or (value <= low if strict else value < low):
        raise ValueError(f"{name} must be {'>' if strict else '>='} {low}; got {value}.")
    return value


@register_dataset("synthetic")
def make_synthetic(*, n: int = 2000, n_classes: int = 2, dim_strong: int = 32, dim_weak: int = 32,
                   weak_keep: float = 0.5, weak_noise: float = 1.0, strong_noise: float = 0.0,
                   signal: float = 4.0, seed: int = 0) -> TextDataset:
    """Generate the dataset described in the module docstring.

    Parameters
    ----------
    n : int
        Number of examples (>= 4).
    n_classes : int
        k >= 2.
    dim_strong, dim_weak : int
        Dimensions of the strong view (= latent dimension d) and of the weak view.
    weak_keep : float in (0, 1]
        Fraction of latent directions the weak view sees.
    weak_noise, strong_noise : float >= 0
        Standard deviation of the noise added to each view.
    signal : float > 0
        Scale s of the true logits (larger = cleaner labels).
    seed : int

    Returns
    -------
    TextDataset
        ``features = {"weak": (n, dim_weak), "strong": (n, dim_strong)}`` float32,
        ``p_true`` (n, k), labels sampled from ``p_true`` (every class present).
    """
    n = check_int(n, name="n", minimum=4)
    k = check_int(n_classes, name="n_classes", minimum=2)
    d = check_int(dim_strong, name="dim_strong", minimum=1)
    dw = check_int(dim_weak, name="dim_weak", minimum=1)
    seed = check_int(seed, name="seed", minimum=0)
    weak_keep = _number(weak_keep, "weak_keep", low=0.0, strict=True)
    if weak_keep > 1:
        raise ValueError(f"weak_keep must be in (0, 1]; got {weak_keep}.")
    weak_noise = _number(weak_noise, "weak_noise", low=0.0, strict=False)
    strong_noise = _number(strong_noise, "strong_noise", low=0.0, strict=False)
    signal = _number(signal, "signal", low=0.0, strict=True)
    rng = np.random.default_rng(seed)
    W = rng.normal(size=(k, d))
    W /= np.linalg.norm(W, axis=1, keepdims=True)
    for _ in range(50):  # redraw until every class appears (matters for small n or many classes)
        z = rng.normal(size=(n, d))
        p_true = softmax(signal * z @ W.T)
        y = np.array([rng.choice(k, p=p) for p in p_true], dtype=np.int64)
        if len(np.unique(y)) == k:
            break
    else:
        raise ValueError(f"could not draw all {k} classes in n={n} examples; raise n or lower n_classes.")
    R, _ = np.linalg.qr(rng.normal(size=(d, d)))
    x_s = z @ R.T + strong_noise * rng.normal(size=(n, d))
    m = max(1, math.ceil(weak_keep * d))
    B = rng.normal(size=(dw, m)) / math.sqrt(m)
    x_w = z[:, :m] @ B.T + weak_noise * rng.normal(size=(n, dw))
    names = tuple(f"class {chr(ord('a') + i)}" if i < 26 else f"class {i}" for i in range(k))
    return TextDataset(
        name="synthetic", ids=[f"syn-{i}" for i in range(n)], texts=[f"synthetic point {i}" for i in range(n)],
        labels=y, label_names=names,
        features={"weak": x_w.astype(np.float32), "strong": x_s.astype(np.float32)}, p_true=p_true,
    )


@register_dataset("linear-nonlinear")
def make_linear_nonlinear(*, n: int = 1500, easy: float = 0.6, n_easy: int = 4, n_pairs: int = 4,
                          n_noise: int = 24, weak_noise: float = 1.0, seed: int = 0) -> TextDataset:
    """The linear → nonlinear setting (after Oh, Song & Yun), binary labels y, s = 2y − 1.

    Each example has an *easy* signal (``n_easy`` coordinates ``easy`` · s + N(0, 1),
    linearly visible), a *hard* signal (``n_pairs`` pairs (u, v) with sign(u · v) = s, an
    XOR-like pattern a linear model cannot use and a two-layer ReLU network can) and
    ``n_noise`` pure-noise coordinates.

    Returns
    -------
    TextDataset
        ``features = {"weak": (n, n_easy), "strong": (n, n_easy + 2 n_pairs + n_noise)}`` float32:
        the weak view is the easy coordinates plus ``weak_noise`` · N(0, 1); the strong view is
        everything. No ``p_true``.
    """
    n = check_int(n, name="n", minimum=4)
    n_easy = check_int(n_easy, name="n_easy", minimum=1)
    n_pairs = check_int(n_pairs, name="n_pairs", minimum=0)
    n_noise = check_int(n_noise, name="n_noise", minimum=0)
    seed = check_int(seed, name="seed", minimum=0)
    easy = _number(easy, "easy", low=0.0, strict=False)
    weak_noise = _number(weak_noise, "weak_noise", low=0.0, strict=False)
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, n)
    s = 2 * y - 1
    easy_x = easy * s[:, None] + rng.normal(size=(n, n_easy))
    u = np.abs(rng.normal(size=(n, n_pairs))) * rng.choice([-1, 1], size=(n, n_pairs))
    v = np.abs(rng.normal(size=(n, n_pairs))) * np.sign(u) * s[:, None]
    noise = rng.normal(size=(n, n_noise))
    strong = np.hstack([easy_x, u, v, noise]).astype(np.float32)
    weak = (easy_x + weak_noise * rng.normal(size=easy_x.shape)).astype(np.float32)
    return TextDataset(name="linear-nonlinear", ids=[f"ln-{i}" for i in range(n)],
                       texts=[f"point {i}" for i in range(n)], labels=y, label_names=("negative", "positive"),
                       features={"weak": weak, "strong": strong})
