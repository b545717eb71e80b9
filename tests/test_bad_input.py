"""Every kind of bad input ends in a UserInputError whose one-line message names the problem, where, and the fix.

Run as a script to print the table of cases and messages:  python tests/test_bad_input.py
"""

from __future__ import annotations

import json
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest

import fixture_models as fm
from galaxy_keras.architecture import architecture_json
from galaxy_keras.errors import UserInputError
from galaxy_keras.plan import load_plan, plan_from_form
from galaxy_keras.plots import ImageFile, confusion_matrix_plot
from galaxy_keras.prediction import predict_table
from galaxy_keras.safety import model_from_config, parse_json_file
from galaxy_keras.tables import ColumnSelection, read_feature_matrix, read_target_column
from galaxy_keras.text import TokenizerSettings, read_review_table, tokenize
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
    ("epochs 0", lambda t: load_plan(str(plan_with(t, epochs=0))), "epochs is 0: train for at least 1 epoch"),
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
