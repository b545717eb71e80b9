"""Architectures, training plans and trained models made through the suite's own code, for tests and test-data/.

Each form below is what Galaxy would hand the scripts for a filled-in tool form.
"""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

from galaxy_keras.architecture import architecture_json
from galaxy_keras.plan import plan_from_form
from galaxy_keras.prediction import predict_table
from galaxy_keras.safety import ARCHIVE_METADATA
from galaxy_keras.tables import ColumnSelection
from galaxy_keras.training import Scheme, TableInput, TrainingOutputs, train_and_evaluate

TEST_DATA = Path(__file__).resolve().parent.parent / "test-data"


def layer(layer_type: str, **arguments: object) -> dict:
    return {"layer_selection": {"layer_type": layer_type, **arguments}}


def sequential(input_shape: str, *layers: dict) -> dict:
    return {"model": {"model_type": "sequential", "input_shape": input_shape, "layers": list(layers)}}


# The tutorial's model (Embedding 10000x32, LSTM 100, Dense 1 sigmoid), as the form fills it; the benchmarks use it too.
TUTORIAL_ARCHITECTURE = json.loads((TEST_DATA / "imdb_lstm_architecture_form.json").read_text())
EMBEDDING_ARCHITECTURE = sequential(
    "(500,)",
    layer("Embedding", input_dim=10000, output_dim=4),
    layer("GlobalAveragePooling1D"),
    layer("Dense", units=1, activation="sigmoid"),
)
# The tutorial's model with padding masked (small, for unit tests): trained in padding-aware batches.
MASKED_ARCHITECTURE = sequential(
    "(500,)",
    layer("Embedding", input_dim=10000, output_dim=8, mask_zero=True),
    layer("LSTM", units=8),
    layer("Dense", units=1, activation="sigmoid"),
)
BLOBS_CLASSIFIER_ARCHITECTURE = sequential(
    "(4,)", layer("Dense", units=16, activation="relu"), layer("Dense", units=3, activation="softmax")
)
BLOBS_REGRESSOR_ARCHITECTURE = sequential("(4,)", layer("Dense", units=16, activation="relu"), layer("Dense", units=1))
# The CNN tutorial's model for 8 x 8 digits instead of 28 x 28 MNIST images: rows of 64 pixels reshaped to images.
DIGITS_CNN_ARCHITECTURE = sequential(
    "(64,)",
    layer("Reshape", target_shape="(8, 8, 1)"),
    layer("Conv2D", filters=64, kernel_size="3", activation="relu", padding="same"),
    layer("MaxPooling2D", pool_size="2,2"),
    layer("Conv2D", filters=32, kernel_size="3", activation="relu"),
    layer("MaxPooling2D", pool_size="2,2"),
    layer("Flatten"),
    layer("Dense", units=10, activation="softmax"),
)


def builder_form(
    task: str = "classifier",
    loss: str = "binary_crossentropy",
    metrics: tuple[str, ...] = ("acc",),
    learning_rate: float = 0.001,
    epochs: int = 2,
    batch_size: int = 128,
    validation_split: float = 0.0,
    callbacks: tuple[dict, ...] = (),
    seed: int | None = 0,
    batching: str = "grouped",
) -> dict:
    return {
        "learning_task": {"task": task, "loss": loss, "metrics": list(metrics)},
        "optimizer": {
            "optimizer_type": "Adam",
            "learning_rate": learning_rate,
            "beta_1": 0.9,
            "beta_2": 0.999,
            "epsilon": 1e-07,
            "amsgrad": False,
            "clipnorm": None,
            "clipvalue": None,
        },
        "fit_parameters": {
            "epochs": epochs,
            "batch_size": batch_size,
            "validation_split": validation_split,
            "shuffle": True,
            "batching": batching,
        },
        "callbacks": [{"callback": callback} for callback in callbacks],
        "seed": seed,
    }


def early_stopping(patience: int = 3, min_delta: float = 0.0) -> dict:
    return {
        "callback_type": "EarlyStopping",
        "monitor": "val_loss",
        "mode": "auto",
        "min_delta": min_delta,
        "patience": patience,
        "restore_best_weights": False,
        "start_from_epoch": 0,
    }


def write_architecture(form: dict, path: Path) -> Path:
    path.write_text(architecture_json(form))
    return path


def write_plan(architecture_form: dict, form: dict, path: Path) -> Path:
    architecture = write_architecture(architecture_form, path.with_suffix(".architecture.json"))
    path.write_text(plan_from_form(form, str(architecture)).to_json())
    architecture.unlink()
    return path


def train(
    plan: Path, features: TableInput, targets: TableInput, scheme: Scheme, folder: Path, name: str
) -> TrainingOutputs:
    outputs = TrainingOutputs(
        metrics=str(folder / f"{name}_metrics.tsv"),
        model=str(folder / f"{name}.keras"),
        history=str(folder / f"{name}_history.tsv"),
    )
    train_and_evaluate(str(plan), features, targets, scheme, outputs)
    return outputs


def blobs_table(folder: Path, columns: str, mode: str = "by_header_name") -> TableInput:
    return TableInput(str(folder / "blobs.tsv"), True, ColumnSelection(mode, columns))


def write_lambda_archive(path: Path) -> Path:
    """A real Keras archive whose model holds a Lambda layer (Python bytecode), with the suite's metadata added."""
    from galaxy_keras.runtime import keras

    model = keras.Sequential([keras.Input((4,)), keras.layers.Lambda(lambda x: x * 2), keras.layers.Dense(1)])
    keras_path = path.with_suffix(".tmp.keras")
    model.save(keras_path)
    with zipfile.ZipFile(keras_path, "a") as archive:
        archive.writestr(ARCHIVE_METADATA, json.dumps({"task": "regressor", "output_kind": "value", "classes": []}))
    keras_path.rename(path)
    return path


def write_os_system_json(path: Path) -> Path:
    """An architecture JSON whose layer names the Python function os.system."""
    config = json.loads(architecture_json(BLOBS_REGRESSOR_ARCHITECTURE))
    config["config"]["layers"][1].update(
        {"module": "os", "class_name": "system", "config": {"command": "touch /tmp/pwned"}}
    )
    path.write_text(json.dumps(config, indent=2))
    return path


def write_gtn_plans(folder: Path) -> None:
    """Training plans for the Galaxy tests of the GTN tutorials' models on their stand-in data (make_test_data.py)."""
    write_plan(
        DIGITS_CNN_ARCHITECTURE,
        builder_form(loss="categorical_crossentropy", epochs=10, batch_size=32),
        folder / "digits_cnn_plan.json",
    )


def write_model_files(folder: Path) -> None:
    """The architectures, plans and models the Galaxy tool tests use."""
    write_architecture(TUTORIAL_ARCHITECTURE, folder / "imdb_lstm_architecture.json")
    write_plan(TUTORIAL_ARCHITECTURE, builder_form(validation_split=0.1), folder / "imdb_lstm_plan.json")
    classifier_plan = write_plan(
        BLOBS_CLASSIFIER_ARCHITECTURE,
        builder_form(loss="sparse_categorical_crossentropy", learning_rate=0.01, epochs=30, batch_size=16, seed=1),
        folder / "blobs_classifier_plan.json",
    )
    write_plan(
        BLOBS_REGRESSOR_ARCHITECTURE,
        builder_form(
            task="regressor",
            loss="mean_squared_error",
            metrics=("mse",),
            learning_rate=0.02,
            epochs=40,
            batch_size=16,
            callbacks=(early_stopping(patience=3, min_delta=0.01),),
            seed=1,
        ),
        folder / "blobs_regressor_plan.json",
    )
    scratch = folder / "scratch"
    scratch.mkdir(exist_ok=True)
    blobs = train(
        classifier_plan,
        blobs_table(folder, "f1,f2,f3,f4"),
        blobs_table(folder, "species"),
        Scheme("train_val", 0.2, method="stratified"),
        scratch,
        "blobs",
    )
    Path(blobs.model).rename(folder / "blobs_classifier.keras")
    Path(blobs.history).rename(folder / "blobs_history.tsv")
    predict_table(
        str(folder / "blobs_classifier.keras"),
        str(folder / "blobs.tsv"),
        True,
        ColumnSelection("by_index", "1-4"),
        "predict_proba",
        str(folder / "blobs_probabilities.tsv"),
    )
    species = (folder / "blobs.tsv").read_text().splitlines()[1:]
    (folder / "blobs_predicted.tsv").write_text("Predicted\n" + "".join(line.split("\t")[4] + "\n" for line in species))

    embedding_plan = write_plan(
        EMBEDDING_ARCHITECTURE, builder_form(epochs=8, batch_size=32), scratch / "embedding_plan.json"
    )
    imdb = train(
        embedding_plan,
        TableInput(str(folder / "imdb_X_train.tsv"), False, ColumnSelection()),
        TableInput(str(folder / "imdb_y_train.tsv"), False, ColumnSelection()),
        Scheme("train_val", 0.1),
        scratch,
        "imdb",
    )
    Path(imdb.model).rename(folder / "imdb_embedding.keras")
    write_lambda_archive(folder / "hostile_lambda.keras")
    write_os_system_json(folder / "hostile_os_system.json")
    for leftover in scratch.iterdir():
        leftover.unlink()
    scratch.rmdir()
