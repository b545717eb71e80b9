"""Every kind of bad input ends in a UserInputError whose one-line message names the problem, where, and the fix.

Run as a script to print the table of cases and messages:  python tests/test_bad_input.py
"""

from __future__ import annotations

import json
import os
import zipfile
from collections.abc import Callable, Sequence
from pathlib import Path

import pytest

import fixture_models as fm
from galaxy_keras.architecture import architecture_json
from galaxy_keras.errors import UserInputError
from galaxy_keras.plan import load_plan, plan_from_form
from galaxy_keras.plots import ImageFile, confusion_matrix_plot, model_diagram_plot, read_probabilities, roc_pr_plot
from galaxy_keras.prediction import predict_table
from galaxy_keras.regression import regression_plot
from galaxy_keras.safety import model_from_config, numbered_layers, parse_json_file
from galaxy_keras.search import Budget, SearchOutputs, Validation, parse_parameter, run_search
from galaxy_keras.tables import ColumnSelection, read_feature_matrix, read_target_column
from galaxy_keras.text import ReviewTable, TokenizerSettings, read_review_table, tokenize
from galaxy_keras.training import Scheme, TableInput, TrainingOutputs, train_and_evaluate

TEST_DATA = fm.TEST_DATA
ALL = ColumnSelection()


def features(text: str, tmp: Path, has_header: bool = False, columns: ColumnSelection = ALL) -> None:
    path = tmp / "x.tsv"
    path.write_text(text)
    read_feature_matrix(str(path), has_header, columns, "training features table")


def targets(text: str, tmp: Path, has_header: bool = False) -> None:
    path = tmp / "y.tsv"
    path.write_text(text)
    read_target_column(str(path), has_header, ALL, "targets table")


def train(
    tmp: Path, x_text: str, y_text: str, plan: str = "blobs_classifier_plan.json", plan_path: Path | None = None
) -> None:
    (tmp / "x.tsv").write_text(x_text)
    (tmp / "y.tsv").write_text(y_text)
    outputs = TrainingOutputs(str(tmp / "metrics.tsv"), str(tmp / "model.keras"), str(tmp / "history.tsv"))
    train_and_evaluate(
        str(plan_path or TEST_DATA / plan),
        TableInput(str(tmp / "x.tsv"), False, ALL),
        TableInput(str(tmp / "y.tsv"), False, ALL),
        Scheme("train_val", 0.25),
        outputs,
    )


def blob_rows(n: int, labels: list[str]) -> tuple[str, str]:
    x = "".join(f"{i % 3}\t{i % 5}\t{i % 7}\t{i % 2}\n" for i in range(n))
    return x, "".join(f"{labels[i % len(labels)]}\n" for i in range(n))


def plan_with(tmp: Path, **changes: object) -> Path:
    plan = json.loads((TEST_DATA / "blobs_classifier_plan.json").read_text())
    plan.update(changes)
    path = tmp / "plan.json"
    path.write_text(json.dumps(plan))
    return path


def binary_plan(tmp: Path) -> Path:
    """A plan for the 4-column blob rows with one sigmoid unit and binary cross-entropy."""
    architecture = fm.sequential("(4,)", fm.layer("Dense", units=1, activation="sigmoid"))
    return plan_with(tmp, model=json.loads(architecture_json(architecture)), loss="binary_crossentropy", epochs=1)


def write_json(tmp: Path, content: object, raw: str | None = None) -> str:
    path = tmp / "architecture.json"
    path.write_text(raw if raw is not None else json.dumps(content))
    return str(path)


def tutorial_config() -> dict:
    return json.loads(architecture_json(fm.TUTORIAL_ARCHITECTURE))


def with_layer_change(**changes: object) -> dict:
    config = tutorial_config()
    config["config"]["layers"][-1].update(changes)
    return config


def with_dense_argument(name: str, value: object) -> dict:
    config = tutorial_config()
    config["config"]["layers"][-1]["config"][name] = value
    return config


def predict(tmp: Path, model: Path, x_text: str) -> None:
    (tmp / "x.tsv").write_text(x_text)
    predict_table(str(model), str(tmp / "x.tsv"), False, ALL, "predict", str(tmp / "out.tsv"))


def truncated_model(tmp: Path) -> Path:
    data = (TEST_DATA / "blobs_classifier.keras").read_bytes()
    path = tmp / "truncated.keras"
    path.write_bytes(data[: len(data) // 2])
    return path


def corrupted_model(tmp: Path) -> Path:
    path = tmp / "corrupted.keras"
    with zipfile.ZipFile(TEST_DATA / "blobs_classifier.keras") as source, zipfile.ZipFile(path, "w") as target:
        for member in source.infolist():
            target.writestr(member, b"{not json" if member.filename == "config.json" else source.read(member))
    return path


def tokenizer(tmp: Path, text: str, column: str = "text") -> None:
    path = tmp / "reviews.tsv"
    path.write_text(text)
    table = read_review_table(str(path), True, ColumnSelection("by_header_name", column), None)
    tokenize(
        table, TokenizerSettings(skip_top=0), None, {"sequences": str(tmp / "x.tsv"), "vocabulary": str(tmp / "v.tsv")}
    )


def tokenizer_with(tmp: Path, settings: TokenizerSettings) -> None:
    """Tokenize one text in fit mode with ``settings``."""
    outputs = {"sequences": str(tmp / "x.tsv"), "vocabulary": str(tmp / "v.tsv")}
    tokenize(ReviewTable(["good film"], None), settings, None, outputs)


# Helpers of the cases on settings, plans and plots (issue 12).
def plan_without(tmp: Path, field_name: str) -> Path:
    plan = json.loads((TEST_DATA / "blobs_classifier_plan.json").read_text())
    del plan[field_name]
    path = tmp / "plan.json"
    path.write_text(json.dumps(plan))
    return path


def adam(**config: object) -> dict:
    return {"class_name": "Adam", "config": {"learning_rate": 0.01, **config}}


def one_callback(class_name: str, **config: object) -> list[dict]:
    return [{"class_name": class_name, "config": config}]


def train_split(tmp: Path, scheme: Scheme, plan_path: Path | None = None) -> None:
    """Train the 40 blob rows with the given scheme."""
    (tmp / "x.tsv").write_text(BLOB_X)
    (tmp / "y.tsv").write_text(BLOB_Y)
    outputs = TrainingOutputs(str(tmp / "metrics.tsv"), str(tmp / "model.keras"), str(tmp / "history.tsv"))
    table = TableInput(str(tmp / "x.tsv"), False, ALL), TableInput(str(tmp / "y.tsv"), False, ALL)
    train_and_evaluate(str(plan_path or TEST_DATA / "blobs_classifier_plan.json"), *table, scheme, outputs)


def confusion(tmp: Path, true_labels: list, predicted_labels: list) -> None:
    image = ImageFile(str(tmp / "cm.png"))
    confusion_matrix_plot(true_labels, predicted_labels, image, str(tmp / "m.tsv"), str(tmp / "r.tsv"))


def roc(tmp: Path, true_labels: list, probabilities_text: str) -> None:
    path = tmp / "probabilities.tsv"
    path.write_text(probabilities_text)
    roc_pr_plot(true_labels, read_probabilities(str(path)), "roc", ImageFile(str(tmp / "roc.png")))


# Helpers of the cases on tables, texts and labels (issue 12).
def written(tmp: Path, content: bytes) -> str:
    path = tmp / "table.dat"
    path.write_bytes(content)
    return str(path)


def review_table(path: str) -> None:
    read_review_table(path, True, ColumnSelection("by_header_name", "text"), None)


def half_of_gzipped_reviews() -> bytes:
    """The first half of a gzipped table: the lines beyond the first few thousand words are cut off."""
    data = (TEST_DATA / "imdb_reviews_test.tsv.gz").read_bytes()
    return data[: len(data) // 2]


def apply_vocabulary(tmp: Path, rows: str) -> None:
    """Tokenize in apply mode with a vocabulary (size 10) whose rows below the header are ``rows``."""
    settings = TokenizerSettings(skip_top=0, vocabulary_size=10)
    vocabulary = tmp / "vocabulary.tsv"
    vocabulary.write_text(f"{settings.to_line()}\nword\tindex\tcount\n{rows}")
    (tmp / "reviews.tsv").write_text("text\ngood film\n")
    table = read_review_table(str(tmp / "reviews.tsv"), True, ColumnSelection("by_header_name", "text"), None)
    tokenize(table, settings, str(vocabulary), {"sequences": str(tmp / "x.tsv")})


# Helper of the group split cases (issue 13).
def group_split(
    tmp: Path, groups_text: str, scheme: str = "train_val", sizes: tuple[float, float] = (0.25, 0.0)
) -> None:
    """Train the 40 blob rows with a group split, each row's group read from ``groups_text``."""
    (tmp / "groups.tsv").write_text(groups_text)
    groups = TableInput(str(tmp / "groups.tsv"), False, ALL)
    train_split(tmp, Scheme(scheme, sizes[0], sizes[1], method="group", groups=groups))


# Helpers of the cases on the search and on hand-edited plans (issue 20).
BLOB_SPECIES = [line.split("\t")[4] for line in (TEST_DATA / "blobs.tsv").read_text().splitlines()[1:]]
QUARTER_HELD_OUT = Validation(held_out=0.25)
FOUR_CANDIDATES = Budget(candidates=4)


def search_blobs(
    tmp: Path,
    parameters: Sequence[dict] = (),
    plan_path: Path | None = None,
    validation: Validation = QUARTER_HELD_OUT,
    groups_text: str | None = None,
    target: str = "species",
    metric: str = "accuracy",
    budget: Budget = FOUR_CANDIDATES,
) -> None:
    """A grid search on the 120 rows of test-data/blobs.tsv (three species of 40 rows, and a size)."""
    groups = None
    if groups_text is not None:
        (tmp / "groups.tsv").write_text(groups_text)
        groups = TableInput(str(tmp / "groups.tsv"), False, ALL)
    outputs = SearchOutputs(str(tmp / "results.tsv"), str(tmp / "best.json"), str(tmp / "plot.png"))
    run_search(
        str(plan_path or TEST_DATA / "blobs_classifier_plan.json"),
        fm.blobs_table(TEST_DATA, "f1,f2,f3,f4"),
        fm.blobs_table(TEST_DATA, target),
        groups,
        list(parameters),
        "grid",
        budget,
        validation,
        metric,
        outputs,
    )


def setting(name: str, values: str, layer: int | None = None, field: str | None = None) -> dict:
    """One entry of the search space, as the form gives it."""
    return {"setting": name, "values": values, **({"layer": layer, "field": field} if layer is not None else {})}


def regressor_plan(tmp: Path, **changes: object) -> Path:
    """The blobs regressor's plan without its EarlyStopping (which watches val_loss), with ``changes``."""
    plan = json.loads((TEST_DATA / "blobs_regressor_plan.json").read_text())
    plan.update({"callbacks": [], **changes})
    path = tmp / "regressor_plan.json"
    path.write_text(json.dumps(plan))
    return path


def tutorial_values(setting_name: str, values: str) -> None:
    parse_parameter(load_plan(str(TEST_DATA / "imdb_lstm_plan.json")), setting_name, values)


def functional_plan(tmp: Path, inputs_of_output: str = "2", outputs: str = "3") -> Path:
    """The blobs classifier as a Functional model: 1 Input, 2 Dense 16, 3 Dense 3 (softmax)."""
    form = {
        "model": {
            "model_type": "functional",
            "outputs": outputs,
            "layers": [
                {**fm.layer("Input", shape="(4,)"), "inbound_layers": ""},
                {**fm.layer("Dense", units=16, activation="relu"), "inbound_layers": "1"},
                {**fm.layer("Dense", units=3, activation="softmax"), "inbound_layers": inputs_of_output},
            ],
        }
    }
    return plan_with(tmp, model=json.loads(architecture_json(form)))


def huge_model() -> dict:
    """The blobs classifier's model with 200 million units in its first Dense layer: 1.6 billion parameters."""
    model = json.loads((TEST_DATA / "blobs_classifier_plan.json").read_text())["model"]
    numbered_layers(model)[0]["config"]["units"] = 200_000_000
    for layer in numbered_layers(model):  # built for 16 inputs; Keras infers the new shapes
        layer.pop("build_config", None)
    return model


def model_of_layers(edit: Callable[[list[dict]], list[dict]]) -> dict:
    """The blobs classifier's model with its list of layers (the input layer Keras adds first) edited."""
    model = json.loads((TEST_DATA / "blobs_classifier_plan.json").read_text())["model"]
    model["config"]["layers"] = edit(model["config"]["layers"])
    return model


def model_without_input() -> dict:
    """The blobs classifier's model without its input layer, and so without the shapes Keras built it for."""
    model = model_of_layers(lambda layers: layers[1:])
    for layer in model["config"]["layers"]:
        layer.pop("build_config", None)
    model["config"].pop("build_input_shape", None)
    model.pop("build_config", None)
    return model


def model_with_config(tmp: Path, config: object, raw: str | None = None) -> Path:
    """The blobs classifier's archive with another config.json."""
    path = tmp / "edited.keras"
    with zipfile.ZipFile(TEST_DATA / "blobs_classifier.keras") as source, zipfile.ZipFile(path, "w") as target:
        for member in source.infolist():
            replaced = raw if raw is not None else json.dumps(config)
            target.writestr(member, replaced if member.filename == "config.json" else source.read(member))
    return path


def with_job_memory(megabytes: str, action: Callable[[], None]) -> None:
    """Run ``action`` as a job that Galaxy gave ``megabytes`` of memory (GALAXY_MEMORY_MB)."""
    os.environ["GALAXY_MEMORY_MB"] = megabytes
    try:
        action()
    finally:
        del os.environ["GALAXY_MEMORY_MB"]


def written_plan(tmp: Path, content: bytes) -> str:
    path = tmp / "plan.json"
    path.write_bytes(content)
    return str(path)


def species_groups(group_of: Callable[[int, str], str]) -> str:
    """A groups table for the blobs rows: ``group_of(row, species)`` names each row's group."""
    return "".join(f"{group_of(row, species)}\n" for row, species in enumerate(BLOB_SPECIES))


# Helpers of the cases on one-hot targets and regression evaluation (issue 19).
ONE_HOT_ROWS = ["1\t0\t0\n", "0\t1\t0\n", "0\t0\t1\n"]


def one_hot_targets(fifth_row: str | None = None) -> str:
    """One-hot targets of the 40 blob rows (classes 0, 1, 2 in turn), the fifth row replaced by ``fifth_row``."""
    rows = [ONE_HOT_ROWS[row % 3] for row in range(40)]
    rows[4] = fifth_row or rows[4]
    return "".join(rows)


def regression_of(tmp: Path, true_text: str, predicted_text: str) -> None:
    """The regression plot of two one-column tables without header, read as the visualization script reads them."""
    (tmp / "true.tsv").write_text(true_text)
    (tmp / "predicted.tsv").write_text(predicted_text)
    true = read_target_column(str(tmp / "true.tsv"), False, ALL, "true values table")
    predicted = read_target_column(str(tmp / "predicted.tsv"), False, ALL, "predicted values table")
    regression_plot(true, predicted, ImageFile(str(tmp / "regression.png")), str(tmp / "metrics.tsv"), "")


TRUE_VALUES = "".join(f"{value / 10:.1f}\n" for value in range(15, 55))


BLOB_X, BLOB_Y = blob_rows(40, ["a", "b", "c"])
IMDB_X_ROW = "\t".join(["5"] * 500) + "\n"

# (case, action, part of the expected message)
CASES: list[tuple[str, Callable[[Path], None], str]] = [
    ("empty feature table", lambda t: features("", t), "the training features table is empty"),
    ("header only", lambda t: features("a\tb\n", t, has_header=True), "has a header row but no data rows"),
    (
        "header row read as data",
        lambda t: features("a\tb\n1\t2\n", t),
        "line 1, column 1 of the training features table is 'a', not a number: this looks like a header row",
    ),
    (
        "data read as header",
        lambda t: features("1\t2\n3\t4\n", t, has_header=True),
        "looks like data, not a header: set the table's header option to No",
    ),
    (
        "non-numeric cell",
        lambda t: features("1\t2\n3\tabc\n", t),
        "line 2, column 2 of the training features table is 'abc', not a number",
    ),
    (
        "ragged row, extra column",
        lambda t: features("1\t2\n3\t4\t5\n", t),
        "line 2 of the training features table has 3 columns where the lines before have 2",
    ),
    (
        "ragged row, missing column",
        lambda t: features("1\t2\t3\n4\t5\n", t),
        "line 2, column 3 of the training features table is empty",
    ),
    (
        "NaN in features",
        lambda t: features("1\t2\n3\tNaN\n", t),
        "line 2, column 2 of the training features table is empty or NaN",
    ),
    (
        "inf in features",
        lambda t: features("1\t2\n3\tinf\n", t),
        "line 2, column 2 of the training features table is infinite",
    ),
    ("NaN in targets", lambda t: targets("1\n\n0\nNaN\n", t), "line 3 of the targets table has no target value"),
    ("inf in targets", lambda t: targets("1.5\ninf\n", t), "line 2 of the targets table is infinite"),
    (
        "header of targets read as data",
        lambda t: targets("label\n1\n0\n", t),
        "line 1 of the targets table is 'label' and all other lines are numbers",
    ),
    (
        "column index out of range",
        lambda t: features("1\t2\n", t, columns=ColumnSelection("by_index", "1,9")),
        "has 2 columns, so column 9 does not exist",
    ),
    (
        "column name without header",
        lambda t: features("1\t2\n", t, columns=ColumnSelection("by_header_name", "age")),
        "chosen by header name, but the table is read without a header row",
    ),
    (
        "unknown column name",
        lambda t: features("age\tweight\n1\t2\n", t, True, ColumnSelection("by_header_name", "height")),
        "has no column named 'height'",
    ),
    (
        "X and y row counts differ",
        lambda t: train(t, BLOB_X, BLOB_Y + "a\n"),
        "the features table has 40 rows but the targets table has 41",
    ),
    ("single class", lambda t: train(t, BLOB_X, "a\n" * 40), "holds a single class ('a')"),
    (
        "three labels for a binary loss",
        lambda t: train(t, BLOB_X, BLOB_Y, plan_path=binary_plan(t)),
        "holds 3 classes, but the loss 'binary_crossentropy' with one sigmoid unit separates two",
    ),
    (
        "more classes than output units",
        lambda t: train(t, *blob_rows(40, ["a", "b", "c", "d"])),
        "holds 4 classes, but the output layer has 3 units",
    ),
    (
        "token id >= Embedding input_dim",
        lambda t: train(t, IMDB_X_ROW * 3 + "\t".join(["10000"] * 500) + "\n", "0\n1\n0\n1\n", "imdb_lstm_plan.json"),
        "line 4, column 1 of the training features table holds token id 10000, but the Embedding layer's "
        "input_dim is 10000",
    ),
    (
        "feature width does not fit the model",
        lambda t: train(t, "1\t2\t3\n" * 8, "0\n1\n" * 4, "imdb_lstm_plan.json"),
        "has 3 columns, but the model takes 500 values per sample",
    ),
    (
        "architecture not JSON",
        lambda t: parse_json_file(write_json(t, None, "{'layers': [}"), "model architecture"),
        "the model architecture is not valid JSON",
    ),
    (
        "JSON that is not a model",
        lambda t: model_from_config(json.loads(Path(write_json(t, {"layers": []})).read_text()), "model architecture"),
        "is JSON but not a Keras model configuration",
    ),
    (
        "unknown layer",
        lambda t: model_from_config(with_layer_change(class_name="Conv3DTranspose"), "model architecture"),
        "names 'keras.layers.Conv3DTranspose'",
    ),
    (
        "unknown layer argument in JSON",
        lambda t: model_from_config(with_dense_argument("unitz", 3), "model architecture"),
        "Unrecognized keyword arguments passed to Dense: {'unitz': 3}",
    ),
    (
        "unknown layer argument in the form",
        lambda t: architecture_json(
            fm.sequential("(4,)", fm.layer("Dense", units=2, advanced_arguments='{"unitz": 3}'))
        ),
        "layer 1 (Dense) has no argument 'unitz'",
    ),
    (
        "Keras 2's input_length on the Embedding",
        lambda t: architecture_json(
            fm.sequential(
                "(500,)",
                fm.layer("Embedding", input_dim=100, output_dim=4, advanced_arguments='{"input_length": 500}'),
                fm.layer("GlobalAveragePooling1D"),
            )
        ),
        "layer 1 (Embedding) has no argument 'input_length': Keras 3 dropped it. The model's input shape",
    ),
    (
        "advanced arguments not JSON",
        lambda t: architecture_json(
            fm.sequential("(4,)", fm.layer("Dense", units=2, advanced_arguments="use_bias=False"))
        ),
        "the additional arguments of layer 1 (Dense) are not valid JSON",
    ),
    (
        "input shape not numbers",
        lambda t: architecture_json(fm.sequential("(500, x)", fm.layer("Dense", units=2))),
        "'(500, x)' is not a valid input shape",
    ),
    ("epochs 0", lambda t: load_plan(str(plan_with(t, epochs=0))), "epochs is 0: use a whole number from 1 to 10000"),
    ("batch size -1", lambda t: load_plan(str(plan_with(t, batch_size=-1))), "batch size is -1"),
    (
        "val_ monitor without validation data",
        lambda t: plan_from_form(
            fm.builder_form(callbacks=(fm.early_stopping(),)), str(TEST_DATA / "imdb_lstm_architecture.json")
        ).build_callbacks(False),
        "EarlyStopping watches 'val_loss', which needs validation data",
    ),
    (
        "loss does not fit the output layer",
        lambda t: plan_from_form(
            fm.builder_form(loss="sparse_categorical_crossentropy"), str(TEST_DATA / "imdb_lstm_architecture.json")
        ),
        "needs one output unit per class, but the model's last layer has 1",
    ),
    (
        "truncated model file",
        lambda t: predict(t, truncated_model(t), "1\t2\t3\t4\n"),
        "is not a Keras model archive (a .keras zip file), or it is truncated",
    ),
    (
        "corrupted model file",
        lambda t: predict(t, corrupted_model(t), "1\t2\t3\t4\n"),
        "the trained model is corrupted",
    ),
    (
        "another format given as a model",
        lambda t: predict(t, TEST_DATA / "blobs.tsv", "1\t2\t3\t4\n"),
        "is not a Keras model archive",
    ),
    (
        "predict with a model of another width",
        lambda t: predict(t, TEST_DATA / "blobs_classifier.keras", IMDB_X_ROW),
        "has 500 columns, but the model takes 4 values per sample",
    ),
    (
        "confusion matrix lengths differ",
        lambda t: confusion_matrix_plot(
            ["a", "b", "a"], ["a", "b"], ImageFile(str(t / "p.png")), str(t / "m.tsv"), str(t / "r.tsv")
        ),
        "the true labels have 3 rows but the predicted labels have 2",
    ),
    (
        "tokenizer text column missing",
        lambda t: tokenizer(t, "id\treview\n1\tgood film\n"),
        "has no column named 'text'",
    ),
    ("tokenizer text column empty", lambda t: tokenizer(t, "id\ttext\n1\t\n2\t \n"), "is empty in every row"),
    ("tokenizer empty file", lambda t: tokenizer(t, ""), "the texts table is empty"),
    # Settings, plans and plots (issue 12)
    (
        "EarlyStopping that starts after the last epoch",
        lambda t: load_plan(
            str(
                plan_with(
                    t,
                    epochs=5,
                    callbacks=[{"class_name": "EarlyStopping", "config": {"monitor": "loss", "start_from_epoch": 5}}],
                )
            )
        ),
        "the training plan's callback EarlyStopping starts watching after epoch 5, but training runs 5 epochs, so it "
        "can never stop training: lower start_from_epoch, or train for more epochs.",
    ),
    (
        "a metric Keras cannot compute from class indices",
        lambda t: load_plan(str(plan_with(t, metrics=["acc", "precision"]))),
        "the metric 'precision' does not work with the loss 'sparse_categorical_crossentropy' (Keras would fail at "
        "the first training step): choose from acc, sparse_categorical_accuracy.",
    ),
    (
        "a metric Keras cannot compute from one-hot targets",
        lambda t: load_plan(
            str(plan_with(t, loss="categorical_crossentropy", metrics=["sparse_categorical_accuracy"]))
        ),
        "the metric 'sparse_categorical_accuracy' does not work with the loss 'categorical_crossentropy'",
    ),
    (
        "confusion matrix of a regressor's values",
        lambda t: confusion(t, [1, 2, 3], [0.137, 2.71, 1.0]),
        "the predicted labels hold 0.137, which is not a class label: give class labels (names or whole numbers)",
    ),
    (
        "confusion matrix of more classes than it can show",
        lambda t: confusion(t, list(range(240)), list(range(240))),
        "the true and predicted labels together hold 240 classes, more than the 50 a plot can show",
    ),
    (
        "ROC of more classes than it can show",
        lambda t: roc(t, list(range(60)), "a\tb\n" + "0.5\t0.5\n" * 60),
        "the true labels hold 60 classes, more than the 50 a plot can show",
    ),
    (
        "probability outside 0 to 1",
        lambda t: roc(t, ["a", "b"], "a\tb\n0.2\t0.8\n1.7\t-0.7\n"),
        "line 3, column 'a' of the probabilities table holds 1.7, which is not a probability from 0 to 1",
    ),
    (
        "two probability columns for one class",
        lambda t: roc(t, ["a", "b"], "a\ta\n0.2\t0.8\n0.7\t0.3\n"),
        "the probabilities table has more than one column named 'a': give the predict_proba output",
    ),
    (
        "ROC of a single true class",
        lambda t: roc(t, ["a", "a"], "a\tb\n0.9\t0.1\n0.8\t0.2\n"),
        "the true labels hold a single class ('a'), so no curve can be drawn",
    ),
    (
        "learning rate 0 in the builder form",
        lambda t: plan_from_form(fm.builder_form(learning_rate=0.0), str(TEST_DATA / "imdb_lstm_architecture.json")),
        "the training plan's optimizer Adam's learning_rate is 0.0: use a number above 0 and at most 10",
    ),
    (
        "learning rate 20 in a plan",
        lambda t: load_plan(str(plan_with(t, optimizer=adam(learning_rate=20)))),
        "the training plan's optimizer Adam's learning_rate is 20: use a number above 0 and at most 10",
    ),
    (
        "epochs as text",
        lambda t: load_plan(str(plan_with(t, epochs="ten"))),
        "epochs is 'ten': use a whole number from 1 to 10000",
    ),
    (
        "epochs not whole",
        lambda t: load_plan(str(plan_with(t, epochs=2.5))),
        "epochs is 2.5: use a whole number from 1 to 10000",
    ),
    (
        "batch size true",
        lambda t: load_plan(str(plan_with(t, batch_size=True))),
        "batch size is true: use a whole number, 1 or more",
    ),
    (
        "validation split 1",
        lambda t: load_plan(str(plan_with(t, validation_split=1))),
        "validation split is 1: use a number from 0 to below 1",
    ),
    (
        "seed out of NumPy's range",
        lambda t: load_plan(str(plan_with(t, seed=-1))),
        "the training plan's seed is -1: use a whole number from 0 to 4294967295",
    ),
    (
        "unknown field in a plan",
        lambda t: load_plan(str(plan_with(t, epoch=5))),
        "the training plan has an unknown field 'epoch': its fields are format, format_version, task, model, loss",
    ),
    (
        "missing field in a plan",
        lambda t: load_plan(str(plan_without(t, "loss"))),
        "the training plan lacks the field 'loss': write the plan again with 'Create deep learning model'",
    ),
    (
        "unknown optimizer argument",
        lambda t: load_plan(str(plan_with(t, optimizer=adam(lr=0.01)))),
        "the training plan's optimizer Adam has no argument 'lr': its arguments are learning_rate, clipnorm, "
        "clipvalue, beta_1, beta_2, epsilon, amsgrad",
    ),
    (
        "optimizer argument of the wrong type",
        lambda t: load_plan(str(plan_with(t, optimizer=adam(amsgrad="yes")))),
        "the training plan's optimizer Adam's amsgrad is 'yes': use true or false",
    ),
    (
        "both gradient clippings",
        lambda t: load_plan(str(plan_with(t, optimizer=adam(clipnorm=1.0, clipvalue=0.5)))),
        "the training plan's optimizer Adam sets both clipnorm and clipvalue: Keras clips by one of them",
    ),
    (
        "learning rate schedule object",
        lambda t: load_plan(
            str(
                plan_with(
                    t,
                    optimizer=adam(
                        learning_rate={
                            "module": "keras.optimizers.schedules",
                            "class_name": "ExponentialDecay",
                            "config": {},
                        }
                    ),
                )
            )
        ),
        "learning_rate is the object 'keras.optimizers.schedules.ExponentialDecay': use a number above 0",
    ),
    (
        "optimizer naming os.system",
        lambda t: load_plan(
            str(plan_with(t, optimizer={"module": "os", "class_name": "system", "config": {"command": "id"}}))
        ),
        "the training plan's optimizer 'os.system' is not one of the allowed optimizers: choose one of SGD, RMSprop, "
        "Adam",
    ),
    (
        "optimizer with a custom registered name",
        lambda t: load_plan(str(plan_with(t, optimizer={**adam(), "registered_name": "mine>Adam"}))),
        "the training plan's optimizer 'mine>Adam' is not one of the allowed optimizers",
    ),
    (
        "loss as a serialized object",
        lambda t: load_plan(str(plan_with(t, loss={"module": "builtins", "class_name": "eval", "config": {}}))),
        "the training plan's loss is the object 'builtins.eval', not the name of one of the allowed losses: choose "
        "one of binary_crossentropy",
    ),
    (
        "metric not allowed",
        lambda t: load_plan(str(plan_with(t, metrics=["acc", "f1_score"]))),
        "the training plan's metric 'f1_score' is not one of the allowed metrics: choose one of acc, auc",
    ),
    (
        "callback naming os.system",
        lambda t: load_plan(str(plan_with(t, callbacks=[{"module": "os", "class_name": "system", "config": {}}]))),
        "the training plan's callback 'os.system' is not one of the allowed callbacks: choose one of EarlyStopping",
    ),
    (
        "unknown callback argument",
        lambda t: load_plan(str(plan_with(t, callbacks=one_callback("EarlyStopping", patient=3)))),
        "the training plan's callback EarlyStopping has no argument 'patient': its arguments are monitor, min_delta, "
        "patience, mode, restore_best_weights, start_from_epoch",
    ),
    (
        "callback argument of the wrong type",
        lambda t: load_plan(str(plan_with(t, callbacks=one_callback("EarlyStopping", patience="3")))),
        "the training plan's callback EarlyStopping's patience is '3': use a whole number, 0 or more",
    ),
    (
        "ReduceLROnPlateau factor 1",
        lambda t: load_plan(str(plan_with(t, callbacks=one_callback("ReduceLROnPlateau", monitor="loss", factor=1)))),
        "the training plan's callback ReduceLROnPlateau's factor is 1: use a number above 0 and below 1",
    ),
    (
        "ReduceLROnPlateau min_lr not below the learning rate",
        lambda t: load_plan(str(plan_with(t, callbacks=one_callback("ReduceLROnPlateau", monitor="loss", min_lr=0.1)))),
        "ReduceLROnPlateau's min_lr 0.1 is not below the optimizer's learning_rate 0.01, so it can never lower it",
    ),
    (
        "callback watches a quantity training does not report",
        lambda t: load_plan(str(plan_with(t, callbacks=one_callback("EarlyStopping", monitor="val_accuracy")))),
        "EarlyStopping watches 'val_accuracy', which training does not report: watch one of loss, acc, val_loss, "
        "val_acc",
    ),
    (
        "test and validation sizes leave nothing to train on",
        lambda t: train_split(t, Scheme("train_val_test", 0.5, validation_size=0.5)),
        "test 0.5 + validation 0.5 leaves nothing to train on: make their sum less than 1",
    ),
    (
        "validation size too small for a row",
        lambda t: train_split(t, Scheme("train_val", 0.01)),
        "a validation size of 0.01 holds none of the 40 rows: raise it to at least 0.025 (one row)",
    ),
    (
        "test size out of range",
        lambda t: train_split(t, Scheme("train_val_test", 1.5, validation_size=0.1)),
        "the test size is 1.5: use a number above 0 and below 1",
    ),
    (
        "split method not offered",
        lambda t: train_split(t, Scheme("train_val", 0.25, method="kfold")),
        "the split method is 'kfold': use one of shuffle, stratified, none",
    ),
    (
        "random state out of range",
        lambda t: train_split(t, Scheme("train_val", 0.25, random_state=-1)),
        "the random state of the split is -1: use a whole number from 0 to 4294967295",
    ),
    (
        "stratified part too small for every class",
        lambda t: train_split(t, Scheme("train_val", 0.05, method="stratified")),
        "a stratified split of the 40 rows into 38 and a validation part of 2 cannot put all 3 classes on both sides",
    ),
    (
        "plan's validation split leaves nothing to train on",
        lambda t: train_split(t, Scheme("train_val", 0.25), plan_with(t, validation_split=0.99)),
        "a validation split of 0.99 of the 30 rows left for training leaves no row to train on: lower it",
    ),
    # Tables, texts and labels (issue 12)
    (
        "R's write.table: row names under a header one name short",
        lambda t: features("a\tb\n1\t2\t3\n4\t5\t6\n", t, has_header=True),
        "the header of the training features table has 2 names but its rows have 3 fields, which is how R's "
        "write.table writes row names: write the table with write.table(..., row.names = FALSE)",
    ),
    (
        "R's quoted row names, the header option at No",
        lambda t: targets('"label"\n"1"\t"pos"\n"2"\t"neg"\n', t),
        "has 1 name but its rows have 2 fields, which is how R's write.table writes row names: write the table "
        "with write.table(..., row.names = FALSE), or add a name for the first column, and set the header option",
    ),
    (
        "header two names short",
        lambda t: features("a\tb\n1\t2\t3\t4\n", t, has_header=True),
        "the header of the training features table has 2 names but its first row has 4 fields: give every column a "
        "name",
    ),
    (
        "damaged gzip",
        lambda t: read_feature_matrix(written(t, b"\x1f\x8b" + b"not deflate" * 9), False, ALL, "features table"),
        "the features table is a damaged or incomplete gzip file: upload it again, or compress it again",
    ),
    (
        "gzip cut in the middle",
        lambda t: review_table(written(t, half_of_gzipped_reviews())),
        "the texts table is a damaged or incomplete gzip file: upload it again",
    ),
    (
        "the tokenizer's vocabulary as features",
        lambda t: features((TEST_DATA / "imdb_vocabulary_short.tsv").read_text(), t),
        "the training features table looks like the tokenizer's vocabulary, not a feature table: give the "
        "tokenized feature table (the tokenizer's other output)",
    ),
    (
        "the vocabulary without its settings line as features",
        lambda t: features("word\tindex\tcount\nfilm\t1\t9\n", t, has_header=True),
        "looks like the tokenizer's vocabulary, not a feature table",
    ),
    (
        "the vocabulary as targets",
        lambda t: targets((TEST_DATA / "imdb_vocabulary_short.tsv").read_text(), t, has_header=True),
        "the targets table looks like the tokenizer's vocabulary, not a table of targets: give the labels",
    ),
    (
        "UTF-16 features",
        lambda t: read_feature_matrix(written(t, "1\t2\n".encode("utf-16")), False, ALL, "features table"),
        "the features table is UTF-16, not UTF-8: save it as UTF-8",
    ),
    (
        "comma-separated features",
        lambda t: features("1,2\n3,4\n", t, columns=ColumnSelection("by_index", "2")),
        "the training features table looks comma-separated, not tab-separated: change its datatype to csv "
        "(Galaxy then converts it), or convert it with Galaxy's 'Convert delimiters to TAB' tool",
    ),
    (
        "semicolon-separated targets",
        lambda t: targets("id;label\n1;pos\n2;neg\n", t, has_header=True),
        "the targets table looks semicolon-separated, not tab-separated: convert it with Galaxy's 'Convert "
        "delimiters to TAB' tool",
    ),
    (
        "a Keras model archive as features",
        lambda t: read_feature_matrix(str(TEST_DATA / "blobs_classifier.keras"), False, ALL, "features table"),
        "the features table looks like a binary file (a Keras model archive?), not a table",
    ),
    (
        "a binary file as targets",
        lambda t: read_target_column(written(t, bytes(range(256))), False, ALL, "targets table"),
        "the targets table looks like a binary file, not a table",
    ),
    (
        "texts table in UTF-16",
        lambda t: review_table(written(t, "text\ngood film\n".encode("utf-16"))),
        "the texts table is UTF-16, not UTF-8",
    ),
    (
        "comma-separated texts table",
        lambda t: tokenizer(t, 'id,text,label\n1,"good, fun",1\n2,bad,0\n'),
        "the texts table (text column) looks comma-separated, not tab-separated",
    ),
    (
        "texts table written by R with row names",
        lambda t: tokenizer(t, "text\tlabel\n1\tgood film\t1\n"),
        "the header of the texts table has 2 names but its rows have 3 fields, which is how R's write.table",
    ),
    (
        "a column of texts as features",
        lambda t: features("id\treview\n1\tgood film\n2\tbad film\n", t, has_header=True),
        "line 2, column 2 of the training features table is 'good film', not a number: the column holds text, "
        "and a feature table holds numbers only: turn texts into word ids with 'Tokenize text into integer",
    ),
    (
        "decimal commas",
        lambda t: features("1\t2,5\n3\t4,5\n", t),
        "line 1, column 2 of the training features table is '2,5', not a number: write decimals with a point",
    ),
    (
        "'NA' in a regressor's targets",
        lambda t: train(t, BLOB_X, "1.5\n" * 20 + "NA\n" + "2.5\n" * 19, "blobs_regressor_plan.json"),
        "the targets table holds text ('NA'), but a regressor needs numbers",
    ),
    (
        "classes differing only in a space",
        lambda t: train(t, *blob_rows(40, ["neg", "pos", "pos "]), plan_path=binary_plan(t)),
        "holds 3 classes, but the loss 'binary_crossentropy' with one sigmoid unit separates two; the classes are "
        "('neg', 'pos', 'pos '): 'pos' and 'pos ' differ only in case or spaces: write them the same",
    ),
    (
        "more than ten classes",
        lambda t: train(t, *blob_rows(60, [f"c{i:02}" for i in range(12)])),
        "holds 12 classes, but the output layer has 3 units; the classes are ('c00', 'c01', 'c02', 'c03', 'c04', "
        "'c05', 'c06', 'c07', 'c08', 'c09', ... and 2 more): give the last Dense layer 12 units",
    ),
    (
        "an id column as targets",
        lambda t: train(t, BLOB_X, "".join(f"sample{i}\n" for i in range(40))),
        "every row of the targets table has a different value, so it looks like an id column, not class labels: "
        "choose the column that holds the labels",
    ),
    (
        "an id column of a few rows",
        lambda t: train(t, *blob_rows(8, [f"s{i}" for i in range(8)])),
        "looks like an id column",
    ),
    (
        "a column name given twice",
        lambda t: features("a\tx\tb\tc\tx\n1\t2\t3\t4\t5\n", t, True, ColumnSelection("by_header_name", "x")),
        "the header of the training features table names column 'x' twice (columns 2 and 5): choose it by "
        "number, or rename one",
    ),
    (
        "vocabulary: a word given twice",
        lambda t: apply_vocabulary(t, "film\t1\t9\nfilm\t2\t3\n"),
        "line 4 of the vocabulary table repeats the word 'film' of line 3: remove one of the two rows",
    ),
    (
        "vocabulary: two words with one id",
        lambda t: apply_vocabulary(t, "film\t1\t9\ngood\t1\t3\n"),
        "line 4 of the vocabulary table gives the word 'good' the id 1, which line 3 gives 'film' already",
    ),
    (
        "vocabulary: an id beyond the vocabulary size",
        lambda t: apply_vocabulary(t, "film\t1\t9\ngood\t10\t3\n"),
        "line 4 of the vocabulary table gives the word 'good' the id 10, but word ids run from 1 to 9",
    ),
    (
        "vocabulary: id 0",
        lambda t: apply_vocabulary(t, "film\t0\t9\n"),
        "line 3 of the vocabulary table gives the word 'film' the id 0, but word ids run from 1 to 9 (0 is padding",
    ),
    (
        "vocabulary: an index that is not a number",
        lambda t: apply_vocabulary(t, "film\tone\t9\n"),
        "line 3 of the vocabulary table is not a word, a whole-number index and a count",
    ),
    # Group splits (issue 13)
    (
        "group split without a groups table",
        lambda t: train_split(t, Scheme("train_val", 0.25, method="group")),
        "a group split needs a groups table: give the column that names each row's group, or use a shuffle split.",
    ),
    (
        "groups table of another row count",
        lambda t: group_split(t, "p1\np2\n" * 15),
        "the groups table has 30 rows but the targets table has 40: give one group per row (check the header options).",
    ),
    (
        "a single group",
        lambda t: group_split(t, "p1\n" * 40),
        "all 40 rows belong to one group ('p1'): a group split needs at least two groups; check the groups column, "
        "or use a shuffle split.",
    ),
    (
        "group split: the held-out part takes every group",
        lambda t: group_split(t, "p1\np2\n" * 20, sizes=(0.6, 0.0)),
        "the validation part of a group split takes all 2 groups of the 40 rows, leaving none to train on: lower the "
        "validation size, or give more groups.",
    ),
    (
        "group split: one group left after the test part",
        lambda t: group_split(t, "p1\np2\n" * 20, "train_val_test", (0.25, 0.25)),
        "all 20 rows left after holding out the test part belong to one group ('p",
    ),
    # A candidate of the search fails before training, with the checks training makes (issue 20)
    (
        "search: a value of the last layer's units that does not fit the classes",
        lambda t: search_blobs(t, [setting("layer", "2, 3", 2, "units")]),
        "layer 2 (Dense) units = 2: the targets table holds 3 classes, but the output layer has 2 units",
    ),
    (
        "search: a callback that watches validation data the search does not give",
        lambda t: search_blobs(t, plan_path=TEST_DATA / "blobs_regressor_plan.json", target="size", metric="mse"),
        "EarlyStopping watches 'val_loss', which needs validation data: set a validation split above 0",
    ),
    (
        "search: ROC AUC of folds that lack a class",
        lambda t: search_blobs(
            t, validation=Validation(folds=3), groups_text=species_groups(lambda _, name: name), metric="roc_auc"
        ),
        "the scored rows of fold 1 hold no row of class",
    ),
    (
        "search: R² of folds of one row",
        lambda t: search_blobs(
            t, plan_path=regressor_plan(t), validation=Validation(folds=120), target="size", metric="r2"
        ),
        "the scored rows of fold 1 are a single row, whose R² is undefined: use fewer folds or a larger held-out part",
    ),
    (
        "search: the plan's validation split leaves a fold nothing to train on",
        lambda t: search_blobs(t, plan_path=plan_with(t, validation_split=0.99)),
        "a validation split of 0.99 of the 90 rows left for training leaves no row to train on",
    ),
    (
        "search: every candidate diverges",
        lambda t: search_blobs(
            t,
            [setting("optimizer", "SGD"), setting("learning_rate", "1, 5")],
            plan_path=regressor_plan(t),
            target="size",
            metric="mse",
        ),
        "none of the 2 candidates finished; 2 failed: the model's outputs for the scored rows are not finite numbers "
        "(NaN or infinite), so training diverged: use a smaller learning rate",
    ),
    # The one grammar of search values (issue 20)
    (
        "search values: a range with three dots",
        lambda t: tutorial_values("learning_rate", "1e-4...1e-2"),
        "'1e-4...1e-2' is not a range of learning_rate: give a list of values separated by commas",
    ),
    (
        "search values: a range with a hyphen",
        lambda t: tutorial_values("learning_rate", "1e-4 - 1e-2"),
        "'1e-4 - 1e-2' is not a value of learning_rate: give a number, such as 0.01 or 1e-3; the values are a list",
    ),
    (
        "search values: a range with 'to'",
        lambda t: tutorial_values("batch_size", "16 to 128"),
        "'16 to 128' is not a value of batch_size: give a whole number, such as 64; the values are a list",
    ),
    (
        "search values: a decimal for a whole-number setting",
        lambda t: tutorial_values("batch_size", "32, 64.5"),
        "'64.5' is not a value of batch_size: give a whole number",
    ),
    (
        "search values: a comma at the end",
        lambda t: tutorial_values("batch_size", "32, 64,"),
        "an empty value (two commas in a row, or one at the end) is not a value of batch_size",
    ),
    (
        "search values: nan as a number",
        lambda t: tutorial_values("learning_rate", "nan, 0.01"),
        "'nan' is not a value of learning_rate: give a number",
    ),
    (
        "search values: a list in brackets",
        lambda t: tutorial_values("batch_size", "[32, 64]"),
        "'[32' is not a value of batch_size: give a whole number",
    ),
    (
        "search values: LOG in capitals",
        lambda t: tutorial_values("learning_rate", "1e-4 .. 1e-2 LOG"),
        "'1e-4 .. 1e-2 LOG' is not a range of learning_rate: give a list of values",
    ),
    (
        "search values: a list longer than a list may be",
        lambda t: tutorial_values("batch_size", ", ".join(str(size) for size in range(1, 102))),
        "the list of batch_size holds 101 values, more than the 100 a list may hold: give fewer, or a range.",
    ),
    # One layer numbering in every tool (issue 20)
    (
        "architecture: a Functional layer that leads to no output",
        lambda t: functional_plan(t, inputs_of_output="1"),
        "layer 2 (Dense) leads to none of the output layers: give it as the input of a later layer, add it to the "
        "output layers, or remove it.",
    ),
    (
        "search: a Functional model's layer 1 is its Input",
        lambda t: parse_parameter(load_plan(str(functional_plan(t))), "layer", "8, 16", layer=1, field="units"),
        "layer 1 (InputLayer) has no field 'units'",
    ),
    (
        "search: layer 0",
        lambda t: search_blobs(t, [setting("layer", "8, 16", 0, "units")]),
        "the plan's model has no layer 0: its layers are 1 (Dense), 2 (Dense); choose one of these numbers.",
    ),
    # Models and lists too large for the suite or the job's memory (issue 20)
    (
        "architecture: a Dense layer of a billion parameters",
        lambda t: architecture_json(fm.sequential("(1000,)", fm.layer("Dense", units=1_000_000))),
        "the model architecture has 1,001,000,000 parameters, more than the 250,000,000 this suite builds; layer 1 "
        "(Dense) holds 1,001,000,000 of them: make that layer smaller",
    ),
    (
        "a plan whose model has 1.6 billion parameters",
        lambda t: load_plan(str(plan_with(t, model=huge_model()))),
        "has 1,600,000,003 parameters, more than the 250,000,000 this suite builds; layer 1 (Dense) holds "
        "1,000,000,000 of them",
    ),
    (
        "builder: an architecture of 1.6 billion parameters",
        lambda t: plan_from_form(fm.builder_form(loss="sparse_categorical_crossentropy"), write_json(t, huge_model())),
        "the model architecture has 1,600,000,003 parameters, more than the 250,000,000 this suite builds",
    ),
    (
        "diagram of a model of 1.6 billion parameters",
        lambda t: model_diagram_plot(write_json(t, huge_model()), "model", ImageFile(str(t / "model.png"))),
        "the model architecture has 1,600,000,003 parameters, more than the 250,000,000 this suite builds",
    ),
    (
        "predict with a trained model of 1.6 billion parameters",
        lambda t: predict(t, model_with_config(t, huge_model()), "1\t2\t3\t4\n"),
        "the trained model has 1,600,000,003 parameters, more than the 250,000,000 this suite builds",
    ),
    (
        "training a model too big for the job's memory",
        lambda t: with_job_memory("4", lambda: train(t, IMDB_X_ROW * 4, "0\n1\n" * 2, "imdb_lstm_plan.json")),
        "training the training plan's model in batches of 4 rows needs at least 7 MB of memory, but the job has 4 MB "
        "(GALAXY_MEMORY_MB); layer 1 (Embedding), with 320,000 parameters and 16,000 values per row, needs 6 MB of "
        "it: make that layer smaller, use a smaller batch size, or ask for more memory.",
    ),
    (
        "GALAXY_MEMORY_MB not a number",
        lambda t: with_job_memory("8G", lambda: train(t, BLOB_X, BLOB_Y)),
        "GALAXY_MEMORY_MB is '8G', not a number of megabytes: ask the Galaxy administrator to fix the job setup.",
    ),
    (
        "search: a candidate too big for the job's memory",
        lambda t: with_job_memory("64", lambda: search_blobs(t, [setting("layer", "16, 2000000", 1, "units")])),
        "layer 1 (Dense) units = 2000000: training the training plan's model in batches of 16 rows needs at least",
    ),
    (
        "tokenizer: texts of more words than the job's memory holds",
        lambda t: tokenizer_with(t, TokenizerSettings(skip_top=0, sequence_length=10**10)),
        "an id table of 10,000,000,000 ids per text for 1 text(s) needs at least 38,147 MB of memory, but the job "
        "has 8,192 MB (the tools' default where Galaxy does not set GALAXY_MEMORY_MB): use fewer words per text, or "
        "ask for more memory.",
    ),
    (
        "a plan of eleven callbacks",
        lambda t: load_plan(str(plan_with(t, callbacks=one_callback("TerminateOnNaN") * 11))),
        "the training plan has 11 callbacks, more than the 10 a plan may have: keep the ones that act on training.",
    ),
    (
        "a plan that names a metric twice",
        lambda t: load_plan(str(plan_with(t, metrics=["acc", "acc"]))),
        "the training plan's metrics name 'acc' twice: list each metric once.",
    ),
    (
        "a model of more layers than the suite builds",
        lambda t: model_from_config(
            {**huge_model(), "config": {**huge_model()["config"], "layers": numbered_layers(huge_model()) * 251}},
            "model architecture",
        ),
        "the model architecture holds 502 layers instead of a list of 1 to 500 layers",
    ),
    (
        "search: more candidates than the tool runs",
        lambda t: search_blobs(t, budget=Budget(candidates=1001)),
        "a budget of 1001 candidates is more than this tool runs: give at most 1000.",
    ),
    # Library errors said in the suite's terms (issue 20)
    (
        "a plan nested deeper than Python's JSON parser goes",
        lambda t: load_plan(written_plan(t, b"[" * 100_000)),
        "the training plan is not valid JSON (it nests deeper than 64 levels, which no Keras configuration does)",
    ),
    (
        "an architecture nested 100 levels deep",
        lambda t: parse_json_file(write_json(t, None, '{"a": ' * 100 + "1" + "}" * 100), "model architecture"),
        "the model architecture is not valid JSON (it nests deeper than 64 levels",
    ),
    (
        "additional arguments nested too deep",
        lambda t: architecture_json(
            fm.sequential("(4,)", fm.layer("Dense", units=2, advanced_arguments="[" * 5000 + "]" * 5000))
        ),
        "the additional arguments of layer 1 (Dense) are not valid JSON (it nests deeper than 64 levels",
    ),
    (
        "a trained model whose configuration is nested too deep",
        lambda t: predict(t, model_with_config(t, None, raw="[" * 100_000), "1\t2\t3\t4\n"),
        "the trained model is corrupted (it nests deeper than 64 levels",
    ),
    (
        "a plan whose model lost its input layer",
        lambda t: load_plan(str(plan_with(t, model=model_without_input()))),
        "has no input layer, so its shapes are unknown: give the output of 'Create a deep learning model "
        "architecture', which starts with the input shape.",
    ),
    (
        "a plan whose model has only its input layer",
        lambda t: load_plan(str(plan_with(t, model=model_of_layers(lambda layers: layers[:1])))),
        "the training plan's model has no layer besides its input: add layers with 'Create a deep learning model",
    ),
    (
        "a Keras model archive given as a plan",
        lambda t: load_plan(str(TEST_DATA / "blobs_classifier.keras")),
        "the training plan looks like a binary file (a Keras model archive?), not a JSON file: give the JSON file",
    ),
    (
        "a plan in UTF-16",
        lambda t: load_plan(written_plan(t, (TEST_DATA / "blobs_classifier_plan.json").read_text().encode("utf-16"))),
        "the training plan is UTF-16, not UTF-8: save it as UTF-8",
    ),
    (
        "a plan in Latin-1",
        lambda t: load_plan(written_plan(t, '{"format": "caf\u00e9"}'.encode("latin-1"))),
        "the training plan is not UTF-8 text: save it as UTF-8, or give the JSON file the suite's tools wrote.",
    ),
    (
        "a plan larger than any plan",
        lambda t: load_plan(written_plan(t, b" " * (17 << 20))),
        "the training plan is larger than 16 MiB, far larger than a JSON file can be",
    ),
    (
        "search: a stratified held-out part smaller than the classes",
        lambda t: search_blobs(t, validation=Validation(held_out=0.02)),
        "a stratified split of the 120 rows into 118 and a held-out part of 2 cannot put all 3 classes on both sides",
    ),
    (
        "search: a held-out part that takes every group",
        lambda t: search_blobs(t, validation=Validation(held_out=0.6), groups_text=species_groups(lambda r, _: r % 2)),
        "the held-out part of a group split takes all 2 groups of the 120 rows, leaving none to train on",
    ),
    (
        "search: a single group",
        lambda t: search_blobs(t, groups_text="p1\n" * 120),
        "all 120 rows belong to one group ('p1'): a group split needs at least two groups; check the groups column, "
        "or set 'Keep rows of one group together?' to No.",
    ),
    (
        "search: a sample smaller than the classes",
        lambda t: search_blobs(t, validation=Validation(rows=2)),
        "a stratified sample of 2 of the 120 rows cannot hold all 3 classes and leave rows of each out: sample from 3 "
        "to 117 rows",
    ),
    (
        "search: a sample of no whole group",
        lambda t: search_blobs(t, validation=Validation(rows=10), groups_text=species_groups(lambda r, _: f"p{r % 3}")),
        "a sample of 10 of the 120 rows holds no whole group of the 3: sample at least 40 rows, or search on all rows.",
    ),
    # Class labels taken as written, also when they look like numbers (issue 20)
    (
        "a classifier's labels '1' and '1.0' are two classes",
        lambda t: train(t, *blob_rows(40, ["0", "1", "1.0"]), plan_path=binary_plan(t)),
        "the targets table holds 3 classes, but the loss 'binary_crossentropy' with one sigmoid unit separates two; "
        "the classes are ('0', '1', '1.0')",
    ),
    (
        "a classifier's label 'nan' is a class",
        lambda t: train(t, *blob_rows(40, ["0", "1", "nan"]), plan_path=binary_plan(t)),
        "the targets table holds 3 classes, but the loss 'binary_crossentropy' with one sigmoid unit separates two; "
        "the classes are ('0', '1', 'nan')",
    ),
    # Row counts that differ, with the reason (issue 20)
    (
        "groups table with an empty line",
        lambda t: group_split(t, "p1\n\n" + "p2\np1\n" * 19),
        "the groups table has 39 rows but the targets table has 40: give one group per row (line 2 of the groups "
        "table is empty, and an empty line is skipped, not read as a row: fill in its value or remove the line).",
    ),
    (
        "targets with an empty line",
        lambda t: train(t, BLOB_X, "a\n\n" + "".join(BLOB_Y.splitlines(keepends=True)[2:])),
        "the features table has 40 rows but the targets table has 39: give one target per row of features (line 2 of "
        "the targets table is empty, and an empty line is skipped, not read as a row: fill in its value or remove the "
        "line).",
    ),
    (
        "groups table read with a header it does not have",
        lambda t: train_split(
            t,
            Scheme("train_val", 0.25, method="group", groups=TableInput(written(t, b"p1\np2\n" * 20), True, ALL)),
        ),
        "the groups table has 39 rows but the targets table has 40: give one group per row (the groups table is read "
        "with a header row and the targets table without: check the header options).",
    ),
    (
        "one-hot targets, a row without a 1",
        lambda t: train(t, BLOB_X, one_hot_targets("0\t0\t0\n")),
        "line 5 of the targets table has no 1 in its 3 one-hot columns: each row needs a 1 in the column of its class",
    ),
    (
        "one-hot targets, a row with two 1s",
        lambda t: train(t, BLOB_X, one_hot_targets("1\t0\t1\n")),
        "line 5 of the targets table has a 1 in 2 one-hot columns (0, 2): the tools learn one class per row",
    ),
    (
        "several target columns that are not one-hot",
        lambda t: train(t, BLOB_X, one_hot_targets("0\t2\t0\n")),
        "3 columns of the targets table are selected, but they are not one-hot columns (0 or 1, one 1 per row): "
        "select the one column that holds the targets.",
    ),
    (
        "a regressor's values from one-hot columns",
        lambda t: train(t, BLOB_X, one_hot_targets(), plan_path=regressor_plan(t)),
        "3 columns of the targets table are selected, but values to predict come from one column (several are read "
        "as one-hot class labels only for a classifier): select the column of values.",
    ),
    (
        "regression plot of a classifier's predictions",
        lambda t: regression_of(t, TRUE_VALUES, "0\n1\n" * 20),
        "the predicted values are 2 whole numbers (0, 1), which are a classifier's class labels, not a regressor's "
        "values: give the Model Prediction output of a model trained as a regressor",
    ),
    (
        "regression plot of text labels",
        lambda t: regression_of(t, TRUE_VALUES, "pos\nneg\n" * 20),
        "the predicted values table holds text ('pos'), not numbers",
    ),
    (
        "regression plot, predictions read with their header as data",
        lambda t: regression_of(t, TRUE_VALUES, "Predicted\n" + TRUE_VALUES),
        "line 1 of the predicted values table is 'Predicted' and all other lines are numbers: it looks like a header "
        "row; set the table's header option to Yes.",
    ),
    (
        "regression plot, a prediction missing",
        lambda t: regression_of(t, TRUE_VALUES, TRUE_VALUES.replace("2.0\n", "NaN\n", 1)),
        "line 6 of the predicted values table has no target value",
    ),
]


@pytest.mark.parametrize(("action", "expected"), [case[1:] for case in CASES], ids=[case[0] for case in CASES])
def test_bad_input_is_refused_with_a_clear_message(
    action: Callable[[Path], None], expected: str, tmp_path: Path
) -> None:
    with pytest.raises(UserInputError) as refusal:
        action(tmp_path)
    message = str(refusal.value)
    assert expected in message
    assert ": " in message, "the message should say how to fix the problem after naming it"


def test_binary_labels_other_than_0_1_are_mapped_not_refused(tmp_path: Path) -> None:
    """Labels 1/2 (or pos/neg) with a sigmoid output are mapped to 0/1 and back: not an error."""
    x, y = blob_rows(40, ["1", "2"])
    train(tmp_path, x, y, plan_path=binary_plan(tmp_path))
    assert json.loads(zipfile.ZipFile(tmp_path / "model.keras").read("galaxy_keras.json"))["classes"] == [1, 2]


if __name__ == "__main__":
    import tempfile

    print("| case | message |\n|---|---|")
    for name, action, _ in CASES:
        with tempfile.TemporaryDirectory() as folder:
            try:
                action(Path(folder))
            except UserInputError as error:
                print(f"| {name} | {error} |")
