"""The prediction tool's peak memory on the test table against ten copies of it."""

from __future__ import annotations

from benchmarks.common import ALL_COLUMNS, Context, sample_rows, suite_pipeline, tokenize_imdb


def streaming(ctx: Context) -> None:
    """Prediction memory does not grow with the rows: the test table, and ten copies of it."""
    model = ctx.work / "training_suite" / "model.keras"
    if not model.exists():
        suite_pipeline(
            ctx, sample_rows(tokenize_imdb(ctx), 2000, ctx.work / "prediction_data"), 1, ctx.work / "training_suite"
        )
    single = tokenize_imdb(ctx)["X_test"]
    tenfold = ctx.work / "X_test_x10.tsv"
    if not tenfold.exists():
        with open(tenfold, "w") as handle:
            for _ in range(10):
                handle.write(single.read_text())
    runs = {}
    for name, table in (("25,000 rows", single), ("250,000 rows", tenfold)):
        form = {
            "model": str(model),
            "features": str(table),
            "features_has_header": False,
            "features_columns": ALL_COLUMNS,
            "method": "predict",
        }
        runs[name] = ctx.script("predict.py", form, "--output", ctx.work / "streamed.tsv")
    ctx.report += [
        "## Prediction in bounded memory",
        "",
        "The prediction tool on the 25,000-row test table and on ten copies of it (250,000 x 500): it "
        "reads, predicts and "
        "writes chunks of 8,192 rows, so the peak memory stays the same.",
        "",
        "| table | seconds | peak memory, MB |",
        "|---|---|---|",
        *[f"| {name} | {run.seconds:.0f} | {run.peak_mb:.0f} |" for name, run in runs.items()],
        "",
    ]
