"""Build -> train -> predict: the suite's four scripts against one plain Keras process, same model and data."""

from __future__ import annotations

import statistics
from pathlib import Path

from benchmarks.common import Context, Run, plain_pipeline, sample_rows, spread, suite_pipeline

OVERHEAD_ROWS = 5000


def overhead(ctx: Context, full: dict[str, Path]) -> dict[str, float]:
    """Build -> train -> predict with the suite's scripts against the plain Keras script, same model and data.

    Returns the ratio for training + prediction, the two jobs that do the deep-learning work; the report also gives
    the ratio for all four jobs (architecture and builder each start TensorFlow once more, to check the model)."""
    tables = sample_rows(full, OVERHEAD_ROWS, ctx.work / "overhead_data")
    suite_runs: list[dict[str, Run]] = []
    plain_seconds: list[float] = []
    for _ in range(ctx.repeats):
        suite_runs.append(suite_pipeline(ctx, tables, 2, ctx.work / "overhead_suite"))
        plain_seconds.append(plain_pipeline(ctx, tables, 2, ctx.work / "overhead_plain").seconds)

    def seconds(*jobs: str) -> list[float]:
        return [sum(runs[job].seconds for job in jobs) for runs in suite_runs]

    all_jobs, deep_learning = seconds(*suite_runs[0]), seconds("training", "prediction")
    ratio_all = statistics.median(all_jobs) / statistics.median(plain_seconds)
    ratio = statistics.median(deep_learning) / statistics.median(plain_seconds)
    ctx.report += [
        "## 1. Train + predict overhead",
        "",
        f"{OVERHEAD_ROWS} training and {OVERHEAD_ROWS} test reviews (500 ids each), the tutorial's model, "
        "2 epochs of 128, seed 0, 10% of the training rows held out and scored. Suite: the architecture, builder, "
        "training and prediction scripts, each in its own process as Galaxy runs them. Plain: "
        "`benchmarks/plain_keras.py`, one process, Keras defaults.",
        "",
        "| | wall time, s: median (min-max) |",
        "|---|---|",
        *[f"| suite: {job} | {spread(seconds(job))} |" for job in suite_runs[0]],
        f"| suite: training + prediction | {spread(deep_learning)} |",
        f"| suite: all four jobs | {spread(all_jobs)} |",
        f"| plain Keras (one process) | {spread(plain_seconds)} |",
        f"| **ratio suite/plain, training + prediction** (`overhead_ratio`) | **{ratio:.3f}** (goal <= 1.03) |",
        f"| ratio suite/plain, all four jobs | {ratio_all:.3f} |",
        "",
    ]
    return {"overhead_ratio": ratio}
