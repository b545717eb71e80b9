"""Rows per second in memory: the suite's prediction loop against model.predict with its defaults."""

from __future__ import annotations

import statistics

from benchmarks.common import Context, alternate, sample_rows, spread, suite_pipeline, tokenize_imdb


def prediction_throughput(ctx: Context) -> None:
    model, features = ctx.work / "training_suite" / "model.keras", tokenize_imdb(ctx)["X_test"]
    if not model.exists():
        suite_pipeline(
            ctx, sample_rows(tokenize_imdb(ctx), 2000, ctx.work / "prediction_data"), 1, ctx.work / "training_suite"
        )
    suite, keras_default = alternate(
        lambda: ctx.measure("predict-suite", model, features).output["rows_per_second"],
        lambda: ctx.measure("predict-keras", model, features).output["rows_per_second"],
        ctx.repeats,
    )
    ctx.report += [
        "## 4. Prediction throughput",
        "",
        "25,000 test reviews through the trained tutorial model, in memory (reading excluded): the suite's prediction "
        "loop against `model.predict` with its defaults (batch 32).",
        "",
        "| | rows per second: median (min-max) |",
        "|---|---|",
        f"| suite | {spread(suite)} |",
        f"| `model.predict` defaults | {spread(keras_default)} |",
        f"| **ratio** | **{statistics.median(suite) / statistics.median(keras_default):.2f}x** (goal >= 2x) |",
        "",
    ]
