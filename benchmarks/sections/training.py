"""Seconds per epoch: the suite's training settings against Keras defaults, then each setting on its own."""

from __future__ import annotations

import statistics
from pathlib import Path

from benchmarks.common import (
    Context,
    epoch_seconds,
    plain_epoch_seconds,
    plain_pipeline,
    sample_rows,
    spread,
    suite_pipeline,
)
from benchmarks.sections.overhead import OVERHEAD_ROWS

CONFIG_ROWS = 3000


def training_speed(ctx: Context, full: dict[str, Path]) -> None:
    """Seconds per epoch on the full 25k x 500 training table: the suite's settings against Keras defaults."""
    suite_runs, plain_runs = [], []
    for _ in range(max(1, ctx.repeats - 1)):
        runs = suite_pipeline(ctx, full, 1, ctx.work / "training_suite")
        suite_runs.append(epoch_seconds(ctx.work / "training_suite" / "history.tsv")[0])
        plain_runs.append(plain_epoch_seconds(plain_pipeline(ctx, full, 1, ctx.work / "training_plain"))[0])
    accuracy = next(
        line.split("\t")[1]
        for line in (ctx.work / "training_suite" / "metrics.tsv").read_text().splitlines()
        if line.startswith("accuracy")
    )
    ratio = statistics.median(plain_runs) / statistics.median(suite_runs)
    ctx.report += [
        "## 2. Training speed",
        "",
        "One epoch of the tutorial's model on the full training table (22,500 rows after the 10% "
        "hold-out), batch 128, "
        f"`GALAXY_SLOTS={ctx.cores}`. The suite's time is its history's `seconds` column; plain Keras's is "
        "measured the same way.",
        "",
        "| | seconds per epoch: median (min-max) |",
        "|---|---|",
        f"| suite | {spread(suite_runs)} |",
        f"| plain Keras defaults | {spread(plain_runs)} |",
        f"| **speed-up plain/suite** | **{ratio:.2f}x** (goal >= 1.3x) |",
        "",
        f"Held-out accuracy after this one epoch: {accuracy}; the prediction of the 25,000 test reviews took "
        f"{runs['prediction'].seconds:.0f} s in the same run.",
        "",
    ]


def training_configurations(ctx: Context, full: dict[str, Path]) -> None:
    """Each setting that leaves the model's math alone, one at a time against Keras defaults, on a sample."""
    from benchmarks.measure import EPOCH_CONFIGS

    tables = sample_rows(full, OVERHEAD_ROWS, ctx.work / "overhead_data")
    runs: dict[str, list[dict]] = {config: [] for config in EPOCH_CONFIGS}
    for _ in range(max(2, ctx.repeats - 1)):
        for config in EPOCH_CONFIGS:
            runs[config].append(
                ctx.measure("epoch", config, tables["X_train"], tables["y_train"], str(CONFIG_ROWS)).output
            )
    default_second = statistics.median(run["second"] for run in runs["keras-defaults"])
    ctx.report += [
        "### Settings tried",
        "",
        f"Two epochs of the tutorial's model on {CONFIG_ROWS} sampled rows, batch 128, each setting in its own "
        "process, the settings taking turns. The first epoch includes tracing (and XLA compilation); the second is "
        "the steady state.",
        "",
        "| setting | first epoch, s | second epoch, s | second-epoch speed-up over defaults |",
        "|---|---|---|---|",
        *[
            f"| {description} | {spread([run['first'] for run in runs[config]])} | "
            f"{spread([run['second'] for run in runs[config]])} | "
            f"{default_second / statistics.median(run['second'] for run in runs[config]):.2f}x |"
            for config, description in EPOCH_CONFIGS.items()
        ],
        "",
    ]


def training(ctx: Context, full: dict[str, Path]) -> None:
    training_speed(ctx, full)
    training_configurations(ctx, full)
