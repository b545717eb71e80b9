"""Wide tables, as two GTN tutorials give them: fruit 360's images as rows of 30,000 pixel values (5,000 x 30,000
integers, 100 x 100 x 3) and the introduction's gene expression (72 x 7,129 decimals with a header). Reading against
pandas.read_csv, then one training epoch and one prediction of each, through the tools' own scripts.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from pathlib import Path

from benchmarks.common import ALL_COLUMNS, Context, Run, spread

# fruit 360's tables: 5,015 training images of 100 x 100 x 3 pixels, 10 classes; the introduction's: 38 + 34 samples.
IMAGE_ROWS, IMAGE_SHAPE, IMAGE_CLASSES = 5000, (100, 100, 3), 10
GENE_ROWS, GENES = 72, 7129


def layer(layer_type: str, **arguments: object) -> dict:
    return {"layer_selection": {"layer_type": layer_type, **arguments}}


# fruit 360's network (the tutorial's, with its Reshape of each row of pixels into an image).
FRUIT_ARCHITECTURE = {
    "model": {
        "model_type": "sequential",
        "input_shape": f"({math.prod(IMAGE_SHAPE)},)",
        "layers": [
            layer("Reshape", target_shape=str(IMAGE_SHAPE)),
            layer("Conv2D", filters=16, kernel_size="5", activation="relu"),
            layer("MaxPooling2D", pool_size="2,2"),
            layer("Conv2D", filters=32, kernel_size="5", activation="relu"),
            layer("MaxPooling2D", pool_size="2,2"),
            layer("Conv2D", filters=64, kernel_size="5", activation="relu"),
            layer("MaxPooling2D", pool_size="2,2"),
            layer("Flatten"),
            layer("Dense", units=256, activation="relu"),
            layer("Dense", units=IMAGE_CLASSES, activation="softmax"),
        ],
    }
}
# The introduction's network.
GENE_ARCHITECTURE = {
    "model": {
        "model_type": "sequential",
        "input_shape": f"({GENES},)",
        "layers": [
            layer("Dense", units=16, activation="elu"),
            layer("Dense", units=16, activation="elu"),
            layer("Dense", units=1, activation="sigmoid"),
        ],
    }
}


def write_lines(path: Path, header: bytes, rows) -> Path:
    """Write ``rows`` (byte strings, one a line) after ``header``, through a temporary name, so that an interrupted
    run never leaves a short table behind."""
    partial = path.with_suffix(".partial")
    with open(partial, "wb") as handle:
        handle.write(header)
        for row in rows:
            handle.write(row)
    partial.rename(path)
    return path


def gene_value(rng: random.Random) -> float:
    """An expression level as microarrays give them: log-normal, one in ten negative (background subtracted)."""
    return rng.lognormvariate(6, 1.5) * (-1 if rng.random() < 0.1 else 1)


def wide_tables(folder: Path) -> dict[str, Path]:
    """The two tables and their targets, made once from a fixed seed."""
    folder.mkdir(parents=True, exist_ok=True)
    tables = {name: folder / f"{name}.tsv" for name in ("pixels", "pixel_classes", "genes", "gene_classes")}
    rng = random.Random(0)  # the benchmark's own process has the standard library only
    if not tables["pixels"].exists():
        cells = [str(value).encode() for value in range(256)]
        width = math.prod(IMAGE_SHAPE)
        rows = (b"\t".join(rng.choices(cells, k=width)) + b"\n" for _ in range(IMAGE_ROWS))
        write_lines(tables["pixels"], b"", rows)
        classes = [rng.randrange(IMAGE_CLASSES) for _ in range(IMAGE_ROWS)]
        write_lines(tables["pixel_classes"], b"", (f"{label}\n".encode() for label in classes))
    if not tables["genes"].exists():
        header = "\t".join(f"gene_{index:04d}" for index in range(GENES)).encode() + b"\n"
        rows = ("\t".join(f"{gene_value(rng):.2f}" for _ in range(GENES)).encode() + b"\n" for _ in range(GENE_ROWS))
        write_lines(tables["genes"], header, rows)
        classes = [rng.randrange(2) for _ in range(GENE_ROWS)]
        write_lines(tables["gene_classes"], b"label\n", (f"{label}\n".encode() for label in classes))
    return tables


def plan(ctx: Context, architecture: dict, loss: str, batch_size: int, folder: Path) -> Path:
    """The architecture and builder scripts: one epoch of the architecture, Adam, accuracy, seed 0."""
    ctx.script("create_architecture.py", architecture, "--output", folder / "architecture.json")
    builder = {
        "architecture": str(folder / "architecture.json"),
        "learning_task": {"task": "classifier", "loss": loss, "metrics": ["acc"]},
        "optimizer": {"optimizer_type": "Adam", "learning_rate": 0.001},
        "fit_parameters": {"epochs": 1, "batch_size": batch_size, "validation_split": 0.0, "shuffle": True},
        "callbacks": [],
        "seed": 0,
    }
    ctx.script("create_model.py", builder, "--output", folder / "plan.json")
    return folder / "plan.json"


def train_and_predict(ctx: Context, plan_path: Path, x: Path, y: Path, header: bool, folder: Path) -> dict[str, Run]:
    """One epoch on 90% of the rows (the rest scored), then a prediction of every row: the two jobs' processes."""
    training = {
        "plan": str(plan_path),
        "features": str(x),
        "features_has_header": header,
        "features_columns": ALL_COLUMNS,
        "targets": str(y),
        "targets_has_header": header,
        "targets_columns": ALL_COLUMNS,
        "scheme": {
            "scheme_type": "train_val",
            "split": {"test_size": 0.1, "split_method": {"method": "shuffle"}, "random_state": 0},
        },
    }
    outputs = ("--metrics", folder / "metrics.tsv", "--model", folder / "model.keras", "--history", folder / "h.tsv")
    runs = {"training": ctx.script("train_and_evaluate.py", training, *outputs)}
    prediction = {
        "model": str(folder / "model.keras"),
        "features": str(x),
        "features_has_header": header,
        "features_columns": ALL_COLUMNS,
        "method": "predict",
    }
    runs["prediction"] = ctx.script("predict.py", prediction, "--output", folder / "predictions.tsv")
    return runs


@dataclass(frozen=True)
class WideCase:
    name: str
    features: str  # of wide_tables()
    classes: str
    header: bool
    architecture: dict
    loss: str
    batch_size: int


CASES = (
    WideCase(
        "fruit 360 pixels", "pixels", "pixel_classes", False, FRUIT_ARCHITECTURE, "sparse_categorical_crossentropy", 50
    ),
    WideCase("gene expression", "genes", "gene_classes", True, GENE_ARCHITECTURE, "binary_crossentropy", 4),
)


def measure_case(ctx: Context, case: WideCase, tables: dict[str, Path]) -> str:
    """Reading (suite and pandas, alternating), then the two jobs: one row of the report."""
    x, header = tables[case.features], "header" if case.header else "no-header"
    suite, pandas = [], []
    for _ in range(ctx.repeats):
        suite.append(ctx.measure("read-suite", x, header).output)
        pandas.append(ctx.measure("read-pandas", x, header).output)
    folder = ctx.work / "wide" / case.features
    folder.mkdir(parents=True, exist_ok=True)
    plan_path = plan(ctx, case.architecture, case.loss, case.batch_size, folder)
    jobs = train_and_predict(ctx, plan_path, x, tables[case.classes], case.header, folder)
    rows, columns = suite[0]["shape"]

    def read(key: str) -> str:
        return f"{spread([run[key] for run in suite])} / {spread([run[key] for run in pandas])}"

    return (
        f"| {case.name}: {rows:,} x {columns:,}, {x.stat().st_size / 1e6:.0f} MB, read as {suite[0]['dtype']} | "
        f"{read('seconds')} | {read('peak_growth_mb')} | "
        f"{jobs['training'].seconds:.0f} s, {jobs['training'].peak_mb:.0f} MB | "
        f"{jobs['prediction'].seconds:.0f} s, {jobs['prediction'].peak_mb:.0f} MB |"
    )


def wide_table_section(ctx: Context) -> None:
    tables = wide_tables(ctx.work / "wide")
    rows = [measure_case(ctx, case, tables) for case in CASES]
    ctx.report += [
        "## Wide tables",
        "",
        "The widest tables of the GTN deep-learning tutorials, made from a fixed seed with their shapes: fruit 360's "
        f"images ({IMAGE_ROWS:,} rows of {math.prod(IMAGE_SHAPE):,} pixel values 0-255, no header) and the "
        f"introduction's gene expression ({GENE_ROWS} rows of {GENES:,} decimals, with a header). Reading: the suite's "
        "reader against `pandas.read_csv` defaults (seconds, and how far the read raised the process's peak resident "
        "memory above its imports). Then the tutorial's network of each trained for one epoch on 90% of the rows "
        "(the rest scored) and a prediction of every row, each through the tool's script in its own process, as "
        "Galaxy runs it: wall time and the process's peak resident memory, which is what a job's memory limit "
        "(the tools declare `ram_min` 4096 MB for training, 2048 MB for prediction) has to hold.",
        "",
        "| table | read seconds, suite / pandas | read peak growth MB, suite / pandas | training job (1 epoch) | "
        "prediction job |",
        "|---|---|---|---|---|",
        *rows,
        "",
    ]
