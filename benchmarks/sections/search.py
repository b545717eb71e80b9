"""A real hyperparameter search on IMDB: LSTM units and learning rate on a sample, the best plan on all the data."""

from __future__ import annotations

import csv
import time
from pathlib import Path

from benchmarks.common import (
    Context,
    suite_pipeline,
    suite_train_and_predict,
    test_accuracy,
    training_tables_form,
)

SEARCH_ROWS = 10000
CANDIDATES = 10
SPACE = (
    {"target": {"setting": "layer", "layer": 2, "field": "units"}, "values": "32, 64, 100"},
    {"target": {"setting": "learning_rate"}, "values": "1e-4 .. 1e-2 log"},
)


def search_form(plan: Path, tables: dict[str, Path]) -> dict:
    return {
        **training_tables_form(plan, tables),
        "grouping": {"grouped": "no"},
        "parameters": list(SPACE),
        "strategy": {"strategy_type": "random", "budget": {"candidates": CANDIDATES, "minutes": None}},
        "scoring": {
            "metric": "accuracy",
            "validation": {"validation_type": "holdout", "held_out": 0.2},
            "rows": SEARCH_ROWS,
            "seed": 0,
        },
    }


def search(ctx: Context, full: dict[str, Path]) -> dict[str, float]:
    """The masked tutorial plan as it is, against the best plan of a random search, both trained on all the data."""
    folder = ctx.work / "search"
    tutorial = suite_pipeline(ctx, full, 2, folder / "tutorial", mask_padding=True)
    started = time.perf_counter()
    outputs = [folder / name for name in ("results.tsv", "best_plan.json", "scores.png")]
    ctx.script(
        "search_hyperparameters.py",
        search_form(folder / "tutorial" / "plan.json", full),
        "--results",
        outputs[0],
        "--best-plan",
        outputs[1],
        "--plot",
        outputs[2],
    )
    search_seconds = time.perf_counter() - started
    best = suite_train_and_predict(ctx, outputs[1], full, folder / "best")
    figures = {
        "search_tutorial_accuracy": test_accuracy(folder / "tutorial" / "predictions.tsv", full["y_test"]),
        "search_best_accuracy": test_accuracy(folder / "best" / "predictions.tsv", full["y_test"]),
    }
    with open(outputs[0]) as handle:
        rows = list(csv.reader(handle, delimiter="\t"))
    ctx.report += [
        "## Hyperparameter search",
        "",
        f"A random search (seed 0) of {CANDIDATES} candidates of the masked tutorial plan (2 epochs, batch 128) over "
        "the LSTM's units (32, 64, 100) and the learning rate (1e-4 to 1e-2, log scale), each candidate trained on "
        f"80% of a stratified sample of {SEARCH_ROWS:,} training reviews and scored by its accuracy on the other "
        "20%. Then the best plan and the tutorial plan, each trained on all 25,000 training reviews (10% held out) "
        "by the training script, predict the 25,000 test reviews.",
        "",
        "| " + " | ".join(rows[0]) + " |",
        "|" + "---|" * len(rows[0]),
        *("| " + " | ".join(row) + " |" for row in rows[1:]),
        "",
        "| | test accuracy | training seconds |",
        "|---|---|---|",
        f"| tutorial plan (masked) | {figures['search_tutorial_accuracy']:.4f} | {tutorial['training'].seconds:.0f} |",
        f"| best plan of the search | {figures['search_best_accuracy']:.4f} | {best['training'].seconds:.0f} |",
        "",
        f"The search took {search_seconds:.0f} s (the whole job: start, read, {CANDIDATES} candidates, outputs).",
        "",
    ]
    return figures
