"""Embedding throughput: our HFEncoder vs sentence-transformers vs a naive HF loop.

Same texts, same model, same process. The naive peer is what most notebooks do: the
texts in their original order, batches padded to ``max_length``, no length sorting.
Reports texts/s, the ratios, and the max abs difference of the L2-normalised embeddings
(the sentence-transformers checkpoints end in a Normalize module; ours returns the raw
mean-pooled vectors).

Precision rows: ours in bf16 autocast vs ours in fp32 on CPU (alternated, 3 repeats,
median), the speed-up and the minimum cosine between the two, plus whether this CPU has
bf16 instructions and what ``dtype="auto"`` picks here.

    python -m benchmarks.bench_embed [--n 2000] [--models l6,mpnet] [--precision-n 256] [--only precision]
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from ._common import bbc_texts, machine, tweets_texts, write_json

MODELS = {
    "l3": "sentence-transformers/paraphrase-MiniLM-L3-v2",
    "l6": "sentence-transformers/all-MiniLM-L6-v2",
    "mpnet": "sentence-transformers/all-mpnet-base-v2",
}


def _naive_hf(path, texts, *, batch_size, max_length):
    import torch
    from transformers import AutoModel, AutoTokenizer

    tok = AutoTokenizer.from_pretrained(path)
    model = AutoModel.from_pretrained(path).eval()
    out = []
    with torch.inference_mode():
        for i in range(0, len(texts), batch_size):
            enc = tok(list(texts[i:i + batch_size]), padding="max_length", truncation=True,
                      max_length=max_length, return_tensors="pt")
            hidden = model(**enc).last_hidden_state
            mask = enc["attention_mask"].unsqueeze(-1).to(hidden.dtype)
            out.append(((hidden * mask).sum(1) / mask.sum(1).clamp(min=1e-9)).numpy())
    return np.concatenate(out)


def _timed(fn):
    t0 = time.perf_counter()
    value = fn()
    return value, time.perf_counter() - t0


def bench_model(key, texts, *, corpus, batch_size=64, max_length=128):
    """One row per (model, corpus): throughput of ours, sentence-transformers and naive."""
    from sentence_transformers import SentenceTransformer

    from workbench.encoders import HFEncoder
    from workbench.encoders.offline import resolve_model

    model_id = MODELS[key]
    path = str(resolve_model(model_id).path)
    ours = HFEncoder(model_id, pooling="mean", max_length=max_length, device="cpu", batch_size=batch_size)
    ours.encode(texts[:8])  # load + warm
    st = SentenceTransformer(path, device="cpu")
    st.max_seq_length = max_length
    st.encode(list(texts[:8]))
    e_ours, t_ours = _timed(lambda: ours.encode(texts))
    e_st, t_st = _timed(lambda: st.encode(list(texts), batch_size=batch_size, convert_to_numpy=True,
                                          normalize_embeddings=False))
    e_naive, t_naive = _timed(lambda: _naive_hf(path, texts, batch_size=batch_size, max_length=max_length))
    n = len(texts)
    unit = lambda E: E / np.linalg.norm(E, axis=1, keepdims=True)  # noqa: E731  (ST models end in Normalize)
    return {
        "model": model_id, "corpus": corpus, "n": n, "max_length": max_length, "batch_size": batch_size,
        "ours_texts_per_s": n / t_ours, "st_texts_per_s": n / t_st, "naive_texts_per_s": n / t_naive,
        "ratio_vs_st": t_st / t_ours, "ratio_vs_naive": t_naive / t_ours,
        "max_abs_diff_vs_st": float(np.abs(unit(e_ours) - unit(e_st)).max()),
        "max_abs_diff_vs_naive": float(np.abs(unit(e_ours) - unit(e_naive)).max()),
    }


def bench_precision(key, texts, *, repeats=3, batch_size=64, max_length=128):
    """One row per model: bf16 autocast vs fp32 on CPU, alternated ``repeats`` times (median)."""
    from workbench.encoders import HFEncoder
    from workbench.encoders.hf import cpu_has_bf16

    model_id = MODELS[key]
    fp32, bf16 = (HFEncoder(model_id, device="cpu", dtype=d, batch_size=batch_size, max_length=max_length)
                  for d in ("float32", "bfloat16"))
    fp32.encode(texts[:8]), bf16.encode(texts[:8])  # load + warm
    t32, t16 = [], []
    for _ in range(repeats):
        X, t = _timed(lambda: fp32.encode(texts))
        t32.append(t)
        Y, t = _timed(lambda: bf16.encode(texts))
        t16.append(t)
    cos = (X * Y).sum(1) / np.linalg.norm(X, axis=1) / np.linalg.norm(Y, axis=1)
    n, m32, m16 = len(texts), float(np.median(t32)), float(np.median(t16))
    return {"model": model_id, "corpus": "tweets", "n": n, "precision": "bf16 vs fp32 (cpu)",
            "fp32_texts_per_s": n / m32, "bf16_texts_per_s": n / m16, "bf16_speedup": m32 / m16,
            "min_cosine_bf16_fp32": float(cos.min()), "cpu_has_bf16": cpu_has_bf16(),
            "auto_dtype_here": HFEncoder(model_id, device="cpu").dtype}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--n", type=int, default=2000, help="number of tweets")
    parser.add_argument("--n-long", type=int, default=200, help="number of BBC articles")
    parser.add_argument("--models", default="l6,mpnet")
    parser.add_argument("--precision-n", type=int, default=256, help="number of tweets of the bf16 vs fp32 rows")
    parser.add_argument("--only", choices=("all", "throughput", "precision"), default="all")
    args = parser.parse_args(argv)
    rows = []
    for key in args.models.split(","):
        if args.only in ("all", "throughput"):
            rows.append(bench_model(key, tweets_texts(args.n), corpus="tweets"))
            rows.append(bench_model(key, bbc_texts(args.n_long), corpus="bbc-news (long)", max_length=256))
            print(rows[-2], rows[-1], sep="\n", flush=True)
        if args.only in ("all", "precision"):
            rows.append(bench_precision(key, tweets_texts(args.precision_n)))
            print(rows[-1], flush=True)
    write_json("embed" if args.only == "all" else f"embed_{args.only}", {"machine": machine(), "rows": rows})
    return rows


if __name__ == "__main__":
    main()
