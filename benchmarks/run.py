"""tox -e bench: the suite against plain Keras 3 and other tools, side by side on this machine; writes BENCHMARKS.md.

    python -m benchmarks.run [--sections overhead,training,...] [--repeats 3]

Every comparison alternates A and B and repeats them; the report gives medians and the min-max spread, and ratios,
because single times mean little on a shared machine. The last line printed is ``overhead_ratio=<suite/plain>``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from localgalaxy.environments import REPO_ROOT, ensure_galaxy_env, ensure_tools_env

BENCH = REPO_ROOT / "benchmarks"
SCRIPTS = REPO_ROOT / "scripts"
SHARED_IMDB = REPO_ROOT.parent / "shared" / "data" / "imdb"
SECTIONS = (
    "overhead",
    "training",
    "padding",
    "prediction",
    "reading",
    "tokenizer",
    "scaling",
    "streaming",
    "end-to-end",
)
# The closing figures, each measured by one section; overhead_ratio is printed last.
FIGURES = ("train_speedup", "predict_speedup", "masked_test_accuracy", "e2e_ratio", "overhead_ratio")
OVERHEAD_ROWS = 5000


@dataclass
class Run:
    seconds: float
    peak_mb: float
    output: dict = field(default_factory=dict)
    stdout: str = ""


@dataclass
class Context:
    python: Path
    work: Path
    cores: int
    repeats: int
    report: list[str] = field(default_factory=list)

    def environment(self) -> dict[str, str]:
        return {**os.environ, "GALAXY_SLOTS": str(self.cores), "TF_CPP_MIN_LOG_LEVEL": "3", "PYTHONPATH": str(SCRIPTS)}

    def run(self, *command: str | Path) -> Run:
        """Run one process; its wall time and its own peak memory (ru_maxrss, from os.wait4)."""
        with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
            started = time.perf_counter()
            process = subprocess.Popen([str(part) for part in command], stdout=out, stderr=err, env=self.environment())
            _, status, usage = os.wait4(process.pid, 0)
            seconds = time.perf_counter() - started
            process.returncode = os.waitstatus_to_exitcode(status)
            out.seek(0)
            err.seek(0)
            stdout, stderr = out.read(), err.read()
        if process.returncode:
            raise RuntimeError(f"{' '.join(map(str, command))} failed: {stderr.strip()[-800:]}")
        last = stdout.strip().splitlines()[-1] if stdout.strip() else ""
        return Run(seconds, usage.ru_maxrss / 1024, json.loads(last) if last.startswith("{") else {}, stdout)

    def measure(self, *arguments: str | Path) -> Run:
        return self.run(self.python, BENCH / "measure.py", *arguments)

    def script(self, name: str, form: dict, *outputs: str | Path) -> Run:
        form_path = self.work / f"{name}.form.json"
        form_path.write_text(json.dumps(form))
        return self.run(self.python, SCRIPTS / name, "--inputs", form_path, *outputs)


def spread(values: list[float]) -> str:
    return f"{statistics.median(values):.2f} ({min(values):.2f}-{max(values):.2f})"


def alternate(first: Callable[[], float], second: Callable[[], float], repeats: int) -> tuple[list[float], list[float]]:
    """Run A, B, A, B, ... and collect each side's figures."""
    a, b = [], []
    for _ in range(repeats):
        a.append(first())
        b.append(second())
    return a, b


# ---- data and the suite's tool forms ----------------------------------------------------------------------------

# The tutorial's architecture as the form fills it (the tests use the same file).
TUTORIAL_ARCHITECTURE = json.loads((REPO_ROOT / "test-data" / "imdb_lstm_architecture_form.json").read_text())
ALL_COLUMNS = {"selection_mode": "all_columns"}


def tokenize_imdb(ctx: Context, sequence_length: int = 500) -> dict[str, Path]:
    """The full IMDB tables in the tutorial's format, made by the suite's tokenizer (fit on train, apply to test)."""
    folder = ctx.work / f"imdb_{sequence_length}"
    paths = {name: folder / f"{name}.tsv" for name in ("X_train", "y_train", "X_test", "y_test", "vocabulary")}
    if all(path.exists() for path in paths.values()):
        return paths
    folder.mkdir(parents=True, exist_ok=True)
    settings = {
        "skip_top": 50,
        "vocabulary_size": 10000,
        "sequence_length": sequence_length,
        "padding": "pre",
        "truncating": "pre",
        "unknown": "drop",
    }
    for part, mode in (
        ("train", {"mode_type": "fit"}),
        ("test", {"mode_type": "apply", "vocabulary": str(paths["vocabulary"])}),
    ):
        form = {
            "mode": mode,
            "texts": str(SHARED_IMDB / f"{part}.tsv.gz"),
            "texts_has_header": True,
            "text_column": {"selection_mode": "by_header_name", "columns": "text"},
            "labels": {"has_labels": "yes", "label_column": {"selection_mode": "by_header_name", "columns": "label"}},
            "settings": settings,
        }
        outputs = ["--sequences", paths[f"X_{part}"], "--labels", paths[f"y_{part}"]]
        ctx.script(
            "tokenize_text.py", form, *outputs, *(["--vocabulary", paths["vocabulary"]] if part == "train" else [])
        )
    return paths


def sample_rows(paths: dict[str, Path], rows: int, folder: Path, seed: int = 0) -> dict[str, Path]:
    """A random sample of the rows of each table, in random order (the full tables are sorted by label)."""
    import random

    folder.mkdir(parents=True, exist_ok=True)
    sampled = {}
    for part in ("train", "test"):
        x_lines = paths[f"X_{part}"].read_text().splitlines(keepends=True)
        y_lines = paths[f"y_{part}"].read_text().splitlines(keepends=True)
        chosen = random.Random(seed).sample(range(len(x_lines)), min(rows, len(x_lines)))
        for name, lines in ((f"X_{part}", x_lines), (f"y_{part}", y_lines)):
            sampled[name] = folder / f"{name}.tsv"
            sampled[name].write_text("".join(lines[i] for i in chosen))
    return sampled


def masked(architecture: dict) -> dict:
    """The same architecture with the Embedding's 'Mask padding (id 0)' set."""
    layers = [
        {"layer_selection": {**entry["layer_selection"], "mask_zero": True}}
        if entry["layer_selection"]["layer_type"] == "Embedding"
        else entry
        for entry in architecture["model"]["layers"]
    ]
    return {"model": {**architecture["model"], "layers": layers}}


def suite_pipeline(
    ctx: Context, tables: dict[str, Path], epochs: int, folder: Path, mask_padding: bool = False
) -> dict[str, Run]:
    """The suite's four scripts, each in its own process as Galaxy runs them."""
    folder.mkdir(parents=True, exist_ok=True)
    with open(tables["X_train"]) as table:
        width = len(table.readline().split("\t"))
    architecture = {"model": {**TUTORIAL_ARCHITECTURE["model"], "input_shape": f"({width},)"}}
    architecture = masked(architecture) if mask_padding else architecture
    architecture_path = folder / "architecture.json"
    runs = {"architecture": ctx.script("create_architecture.py", architecture, "--output", architecture_path)}
    builder = {
        "architecture": str(architecture_path),
        "learning_task": {"task": "classifier", "loss": "binary_crossentropy", "metrics": ["acc"]},
        "optimizer": {"optimizer_type": "Adam", "learning_rate": 0.001},
        "fit_parameters": {"epochs": epochs, "batch_size": 128, "validation_split": 0.0, "shuffle": True},
        "callbacks": [],
        "seed": 0,
    }
    runs["builder"] = ctx.script("create_model.py", builder, "--output", folder / "plan.json")
    training = {
        "plan": str(folder / "plan.json"),
        "features": str(tables["X_train"]),
        "features_has_header": False,
        "features_columns": ALL_COLUMNS,
        "targets": str(tables["y_train"]),
        "targets_has_header": False,
        "targets_columns": ALL_COLUMNS,
        "scheme": {"scheme_type": "train_val", "split": {"test_size": 0.1, "method": "shuffle", "random_state": 0}},
    }
    runs["training"] = ctx.script(
        "train_and_evaluate.py",
        training,
        "--metrics",
        folder / "metrics.tsv",
        "--model",
        folder / "model.keras",
        "--history",
        folder / "history.tsv",
    )
    prediction = {
        "model": str(folder / "model.keras"),
        "features": str(tables["X_test"]),
        "features_has_header": False,
        "features_columns": ALL_COLUMNS,
        "method": "predict",
    }
    runs["prediction"] = ctx.script("predict.py", prediction, "--output", folder / "predictions.tsv")
    return runs


def plain_pipeline(ctx: Context, tables: dict[str, Path], epochs: int, folder: Path, mask_padding: bool = False) -> Run:
    folder.mkdir(parents=True, exist_ok=True)
    return ctx.run(
        ctx.python,
        BENCH / "plain_keras.py",
        "--x-train",
        tables["X_train"],
        "--y-train",
        tables["y_train"],
        "--x-test",
        tables["X_test"],
        "--predictions",
        folder / "predictions.tsv",
        "--epochs",
        epochs,
        *(["--mask-zero"] if mask_padding else []),
    )


def plain_printed(run: Run, name: str) -> list[float]:
    """The values the plain script printed as ``name=value`` lines."""
    return [float(line.split("=")[1]) for line in run.stdout.splitlines() if line.startswith(f"{name}=")]


def test_accuracy(predictions: Path, y_test: Path) -> float:
    predicted = predictions.read_text().split()[1:]
    truth = y_test.read_text().split()
    return sum(p == t for p, t in zip(predicted, truth, strict=True)) / len(truth)


def epoch_seconds(history: Path) -> list[float]:
    rows = [line.split("\t") for line in history.read_text().splitlines()]
    column = rows[0].index("seconds")
    return [float(row[column]) for row in rows[1:]]


def plain_epoch_seconds(run: Run) -> list[float]:
    return plain_printed(run, "epoch_seconds")


# ---- the sections ------------------------------------------------------------------------------------------------


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


CONFIG_ROWS = 3000


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


def tokenizer(ctx: Context) -> None:
    reviews = ctx.work / "train_reviews.tsv"
    if not reviews.exists():
        import gzip

        reviews.write_bytes(gzip.decompress((SHARED_IMDB / "train.tsv.gz").read_bytes()))
    results = {name: [] for name in ("suite", "textvectorization", "countvectorizer")}
    for _ in range(ctx.repeats):
        for name in results:
            output = ctx.measure(f"tokenize-{name}", reviews).output
            results[name].append(output["reviews"] / output["seconds"])
    suite = statistics.median(results["suite"])
    ctx.report += [
        "## 6. Tokenizer throughput",
        "",
        "The 25,000 training reviews: build the vocabulary and turn every review into ids (reading excluded). "
        "TextVectorization (adapt + call, 10,000 tokens, 500 per review) and CountVectorizer (fit_transform, 10,000 "
        "features) do the same vocabulary work.",
        "",
        "| | reviews per second: median (min-max) | suite is faster by |",
        "|---|---|---|",
        f"| suite | {spread(results['suite'])} | |",
        f"| keras.layers.TextVectorization | {spread(results['textvectorization'])} | "
        f"{suite / statistics.median(results['textvectorization']):.2f}x |",
        f"| sklearn CountVectorizer | {spread(results['countvectorizer'])} | "
        f"{suite / statistics.median(results['countvectorizer']):.2f}x |",
        "",
    ]


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


def machine() -> str:
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    memory = next(
        int(line.split()[1]) for line in Path("/proc/meminfo").read_text().splitlines() if line.startswith("MemTotal")
    )
    system = f"{platform.platform()}, Python {platform.python_version()}"
    return f"{cpu}, {os.cpu_count()} cores, {memory / 2**20:.0f} GiB, {system}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sections", default=",".join(SECTIONS), help=f"comma-separated, from: {', '.join(SECTIONS)}")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--work", type=Path, default=REPO_ROOT / ".bench")
    args = parser.parse_args()
    sections = args.sections.split(",")
    ctx = Context(ensure_tools_env(), args.work, os.cpu_count() or 1, args.repeats)
    ctx.work.mkdir(parents=True, exist_ok=True)
    full = tokenize_imdb(ctx)
    steps: dict[str, Callable[[], dict[str, float] | None]] = {
        "overhead": lambda: overhead(ctx, full),
        "training": lambda: training(ctx, full),
        "padding": lambda: padding_batches(ctx, full),
        "prediction": lambda: prediction_throughput(ctx),
        "reading": lambda: reading(ctx),
        "tokenizer": lambda: tokenizer(ctx),
        "scaling": lambda: scaling(ctx),
        "streaming": lambda: streaming(ctx),
        "end-to-end": lambda: end_to_end(ctx),
    }
    for name in SECTIONS:
        if name in sections:
            print(f"[bench] {name} ...", flush=True)
            record_section(ctx, name, steps[name])
            write_report(ctx.work / "sections")
    print("\n".join(ctx.report), flush=True)
    print("\n".join(closing_figures(ctx.work / "sections")), flush=True)
    return 0


def closing_figures(sections: Path) -> list[str]:
    """The goal figures, each from the latest measurement of its section (nan where it was never measured)."""
    measured: dict[str, float] = {}
    for path in sorted(sections.glob("*.json")):
        measured.update(json.loads(path.read_text()))
    return [f"{name}={measured.get(name, float('nan')):.3f}" for name in FIGURES]


def record_section(ctx: Context, name: str, step: Callable[[], dict[str, float] | None]) -> None:
    """Run one section and keep its report and figures, stamped, so that measuring one section again keeps the
    others."""
    first, started = len(ctx.report), time.perf_counter()
    figures = step()
    heading, *body = ctx.report[first:]
    stamp = (
        f"_Measured {time.strftime('%Y-%m-%d %H:%M')} in {time.perf_counter() - started:.0f} s: "
        f"`python -m benchmarks.run --sections {name} --repeats {ctx.repeats}`._"
    )
    folder = ctx.work / "sections"
    folder.mkdir(exist_ok=True)
    (folder / f"{name}.md").write_text("\n".join([heading, "", stamp, *body]) + "\n")
    if figures:
        (folder / f"{name}.json").write_text(json.dumps(figures))


def write_report(sections: Path) -> None:
    """BENCHMARKS.md from the latest report of every section, in order."""
    header = [
        "# Benchmarks",
        "",
        "Command: `tox -e bench` measures every section; `tox -e bench -- --sections NAME[,NAME]` measures some again "
        "and keeps the others. Each section says when and how it was measured.",
        "",
        f"Machine: {machine()}.",
        "",
        "A and B alternate within one run; figures are medians with the min-max spread. This machine is shared: "
        "compare the ratios, not the absolute times.",
        "",
    ]
    reports = [(sections / f"{name}.md").read_text() for name in SECTIONS if (sections / f"{name}.md").exists()]
    closing = ["## Closing figures", "", "```", *closing_figures(sections), "```", ""]
    (REPO_ROOT / "BENCHMARKS.md").write_text("\n".join(header) + "\n" + "\n".join(reports) + "\n" + "\n".join(closing))


if __name__ == "__main__":
    sys.exit(main())
