"""Reading the 25,000 x 500 training table: the suite's reader against pandas.read_csv defaults, time and memory."""

from __future__ import annotations

import statistics

from benchmarks.common import Context, spread, tokenize_imdb


def reading(ctx: Context) -> None:
    table = tokenize_imdb(ctx)["X_train"]
    suite_runs, pandas_runs = [], []
    for _ in range(ctx.repeats):
        suite_runs.append(ctx.measure("read-suite", table).output)
        pandas_runs.append(ctx.measure("read-pandas", table).output)

    def figures(runs: list[dict], key: str) -> list[float]:
        return [run[key] for run in runs]

    def ratio(key: str) -> float:
        return statistics.median(figures(suite_runs, key)) / statistics.median(figures(pandas_runs, key))

    ctx.report += [
        "## 5. Table reading",
        "",
        f"The 25,000 x 500 training table ({table.stat().st_size / 1e6:.0f} MB of text) into one array. Memory is "
        "how far the read raised the process's peak resident size above what its imports took.",
        "",
        "| | seconds | peak memory growth, MB | array |",
        "|---|---|---|---|",
        *[
            f"| {name} | {spread(figures(runs, 'seconds'))} | {spread(figures(runs, 'peak_growth_mb'))} | "
            f"{runs[0]['dtype']} |"
            for name, runs in (("suite", suite_runs), ("`pandas.read_csv` defaults", pandas_runs))
        ],
        f"| **ratio suite/pandas** | {ratio('seconds'):.2f} (goal <= 1) | {ratio('peak_growth_mb'):.2f} "
        "(goal <= 0.5) | |",
        "",
    ]
