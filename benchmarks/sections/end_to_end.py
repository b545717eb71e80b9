"""The main job in a local Galaxy (python -m localgalaxy imdb) against the plain Keras script from the review texts."""

from __future__ import annotations

from benchmarks.common import BENCH, SHARED_IMDB, Context
from localgalaxy.environments import ensure_galaxy_env


def end_to_end(ctx: Context) -> dict[str, float]:
    """The main job (tox -e imdb) against the plain script doing the same work from the review texts."""
    main_job = ctx.run(ensure_galaxy_env(), "-m", "localgalaxy", "imdb", "--results", ctx.work / "imdb_results")
    plain = ctx.run(
        ctx.python,
        BENCH / "plain_keras.py",
        "--texts",
        SHARED_IMDB / "train.tsv.gz",
        SHARED_IMDB / "test.tsv.gz",
        "--predictions",
        ctx.work / "plain_text_predictions.tsv",
    )
    accuracy = next(line for line in main_job.stdout.splitlines() if "test accuracy" in line)
    ctx.report += [
        "## End to end in Galaxy",
        "",
        "`python -m localgalaxy imdb` (start Galaxy, upload the 50,000 reviews, run the from-text "
        "workflow, download the "
        "outputs, stop Galaxy) against `benchmarks/plain_keras.py --texts` (TextVectorization, the same "
        "model, 2 epochs).",
        "",
        "| | wall time, s |",
        "|---|---|",
        f"| main job in Galaxy | {main_job.seconds:.0f} |",
        f"| plain Keras script | {plain.seconds:.0f} |",
        f"| **`e2e_ratio`** | **{main_job.seconds / plain.seconds:.2f}** (goal <= 1.0) |",
        "",
        f"Main job: {accuracy.strip()}",
        "",
    ]
    return {"e2e_ratio": main_job.seconds / plain.seconds}
