"""The suite's training and prediction jobs, time and peak memory, as rows and ids per row grow; draws scaling.png."""

from __future__ import annotations

import json

from benchmarks.common import Context, sample_rows, suite_pipeline, tokenize_imdb
from localgalaxy.environments import REPO_ROOT


def scaling(ctx: Context) -> None:
    points = [(rows, 500) for rows in (1000, 5000, 25000)] + [(5000, length) for length in (100, 250)]
    figures = []
    for rows, length in points:
        tables = sample_rows(tokenize_imdb(ctx, length), rows, ctx.work / f"scaling_{rows}_{length}")
        runs = suite_pipeline(ctx, tables, 1, ctx.work / f"scaling_{rows}_{length}" / "suite")
        figures.append(
            {
                "rows": rows,
                "length": length,
                "train_s": runs["training"].seconds,
                "train_mb": runs["training"].peak_mb,
                "predict_s": runs["prediction"].seconds,
                "predict_mb": runs["prediction"].peak_mb,
            }
        )
    (ctx.work / "scaling.json").write_text(json.dumps(figures))
    ctx.measure("plot-scaling", ctx.work / "scaling.json", REPO_ROOT / "benchmarks" / "scaling.png")
    ctx.report += [
        "## 7. Scaling",
        "",
        "One epoch of training (90% of the rows) and the prediction of as many test rows, each a separate process.",
        "",
        "| rows | ids per row | train, s | train peak MB | predict, s | predict peak MB | train s per 100,000 ids |",
        "|---|---|---|---|---|---|---|",
        *[
            f"| {f['rows']} | {f['length']} | {f['train_s']:.1f} | {f['train_mb']:.0f} | "
            f"{f['predict_s']:.1f} | {f['predict_mb']:.0f} | "
            f"{f['train_s'] / (f['rows'] * f['length']) * 1e5:.2f} |"
            for f in figures
        ],
        "",
        "![scaling](benchmarks/scaling.png)",
        "",
    ]
