"""The masked model in padding-aware batches against Keras defaults, full data: epoch, prediction, accuracy."""

from __future__ import annotations

import statistics
from pathlib import Path

from benchmarks.common import (
    Context,
    epoch_seconds,
    plain_epoch_seconds,
    plain_pipeline,
    plain_printed,
    spread,
    suite_pipeline,
    test_accuracy,
)


def padding_batches(ctx: Context, full: dict[str, Path]) -> dict[str, float]:
    """The masked tutorial model in padding-aware batches against Keras defaults, on the full data."""
    suite, plain, plain_masked = [], [], []
    for repeat in range(max(1, ctx.repeats - 2)):
        folder = ctx.work / "padding" / str(repeat)
        suite.append(suite_pipeline(ctx, full, 2, folder / "suite", mask_padding=True))
        plain.append(plain_pipeline(ctx, full, 1, folder / "plain"))
        plain_masked.append(plain_pipeline(ctx, full, 1, folder / "plain_masked", mask_padding=True))
    suite_epochs = [
        seconds
        for repeat in range(len(suite))
        for seconds in epoch_seconds(ctx.work / "padding" / str(repeat) / "suite" / "history.tsv")
    ]
    plain_epochs = [plain_epoch_seconds(run)[0] for run in plain]
    masked_epochs = [plain_epoch_seconds(run)[0] for run in plain_masked]
    suite_predict = [runs["prediction"].seconds for runs in suite]
    plain_predict = [plain_printed(run, "predict_seconds")[0] for run in plain]
    accuracies = [
        test_accuracy(ctx.work / "padding" / str(repeat) / "suite" / "predictions.tsv", full["y_test"])
        for repeat in range(len(suite))
    ]
    rows = len(full["y_test"].read_text().split())
    figures = {
        "train_speedup": statistics.median(plain_epochs) / statistics.median(suite_epochs),
        "predict_speedup": statistics.median(plain_predict) / statistics.median(suite_predict),
        "masked_test_accuracy": statistics.median(accuracies),
    }
    ctx.report += [
        "## 3. Padding-aware batches",
        "",
        "The full IMDB tables (22,500 training rows after the 10% hold-out, 25,000 test rows, 500 ids each), batch "
        "128. Suite: the tutorial's model with the Embedding's 'Mask padding (id 0)' set, 2 epochs in "
        "padding-aware batches (grouped by length, padding cut), its four scripts as Galaxy runs them. Plain: "
        "`benchmarks/plain_keras.py`, one epoch with Keras defaults, of the tutorial's model and of the same model "
        "masked (so that the batching's own share shows).",
        "",
        "| | seconds per epoch: median (min-max) |",
        "|---|---|",
        f"| suite, masked, grouped batches (both epochs) | {spread(suite_epochs)} |",
        f"| plain Keras, masked model, random batches | {spread(masked_epochs)} |",
        f"| plain Keras, tutorial model | {spread(plain_epochs)} |",
        f"| **`train_speedup`** (plain tutorial / suite masked) | **{figures['train_speedup']:.2f}x** (goal >= 4x) |",
        f"| batching's own share (plain masked / suite masked) | "
        f"{statistics.median(masked_epochs) / statistics.median(suite_epochs):.2f}x |",
        "",
        f"| prediction of the {rows:,} test rows | seconds | rows per second |",
        "|---|---|---|",
        f"| suite: the whole prediction job (start, read, predict, write) | {spread(suite_predict)} | "
        f"{rows / statistics.median(suite_predict):,.0f} |",
        f"| plain: `model.predict` alone, tutorial model | {spread(plain_predict)} | "
        f"{rows / statistics.median(plain_predict):,.0f} |",
        f"| **`predict_speedup`** | **{figures['predict_speedup']:.2f}x** (goal >= 4x) | |",
        "",
        f"`masked_test_accuracy` after 2 epochs: **{figures['masked_test_accuracy']:.4f}** (goal >= 0.87).",
        "",
    ]
    return figures
