"""What the sections share: running and timing one process (Context, Run), medians with their spread, the IMDB
tables, the suite's four scripts and the plain Keras script as pipelines, and the machine's description.
"""

from __future__ import annotations

import json
import os
import platform
import statistics
import subprocess
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from localgalaxy.environments import REPO_ROOT

BENCH = REPO_ROOT / "benchmarks"
SCRIPTS = REPO_ROOT / "scripts"
SHARED_IMDB = REPO_ROOT.parent / "shared" / "data" / "imdb"


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
    runs = suite_plan(ctx, tables, epochs, folder, mask_padding)
    return runs | suite_train_and_predict(ctx, folder / "plan.json", tables, folder)


def suite_plan(
    ctx: Context, tables: dict[str, Path], epochs: int, folder: Path, mask_padding: bool = False
) -> dict[str, Run]:
    """The architecture and builder scripts: the tutorial's plan for these tables (its model masked if asked) in
    folder/plan.json."""
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
    return runs


def training_tables_form(plan: Path, tables: dict[str, Path]) -> dict:
    """The form fields training and the search share: the plan, and all columns of X_train and y_train."""
    return {
        "plan": str(plan),
        "features": str(tables["X_train"]),
        "features_has_header": False,
        "features_columns": ALL_COLUMNS,
        "targets": str(tables["y_train"]),
        "targets_has_header": False,
        "targets_columns": ALL_COLUMNS,
    }


def training_form(plan: Path, tables: dict[str, Path]) -> dict:
    """The training script's form in the suite's pipelines: 10% of the rows held out (shuffle split) and scored."""
    return {
        **training_tables_form(plan, tables),
        "scheme": {
            "scheme_type": "train_val",
            "split": {"test_size": 0.1, "split_method": {"method": "shuffle"}, "random_state": 0},
        },
    }


def training_outputs(folder: Path) -> list[str | Path]:
    """The training script's output options: metrics, model and history in folder."""
    return ["--metrics", folder / "metrics.tsv", "--model", folder / "model.keras", "--history", folder / "history.tsv"]


def suite_train_and_predict(ctx: Context, plan: Path, tables: dict[str, Path], folder: Path) -> dict[str, Run]:
    """The training and prediction scripts on a training plan: metrics, model, history and predictions in folder."""
    folder.mkdir(parents=True, exist_ok=True)
    runs = {"training": ctx.script("train_and_evaluate.py", training_form(plan, tables), *training_outputs(folder))}
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
