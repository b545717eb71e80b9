"""Training learns, scores the right rows, writes an honest history, and repeats itself exactly with a seed."""

from __future__ import annotations

import csv
import zipfile
from pathlib import Path

import h5py
import numpy as np
import pytest

import fixture_models as fm
from galaxy_keras.prediction import predict_table
from galaxy_keras.tables import ColumnSelection
from galaxy_keras.training import Scheme, TableInput, split_rows


def read_tsv(path: str) -> list[list[str]]:
    with open(path) as handle:
        return list(csv.reader(handle, delimiter="\t"))


def metrics(path: str) -> dict[str, float]:
    return {row[0]: float(row[1]) for row in read_tsv(path)[1:]}


def weights(model_path: str) -> list[np.ndarray]:
    with zipfile.ZipFile(model_path) as archive, archive.open("model.weights.h5") as handle, h5py.File(handle) as store:
        arrays: list[np.ndarray] = []
        store.visititems(
            lambda name, item: (
                arrays.append(item[()]) if isinstance(item, h5py.Dataset) and "optimizer" not in name else None
            )
        )
        return arrays


@pytest.fixture(scope="module")
def blobs_run(tmp_path_factory: pytest.TempPathFactory):
    folder = tmp_path_factory.mktemp("blobs")
    return fm.train(
        fm.TEST_DATA / "blobs_classifier_plan.json",
        fm.blobs_table(fm.TEST_DATA, "f1,f2,f3,f4"),
        fm.blobs_table(fm.TEST_DATA, "species"),
        Scheme("train_val", 0.25, method="stratified"),
        folder,
        "blobs",
    )


def test_classifier_beats_chance_by_a_clear_margin(blobs_run) -> None:
    scores = metrics(blobs_run.metrics)
    assert scores["accuracy"] >= 0.9, "three classes: chance is 0.33"
    assert scores["roc_auc"] >= 0.95
    assert read_tsv(blobs_run.metrics)[1][2] == "validation (30 rows)"


def test_history_has_one_row_per_epoch(blobs_run) -> None:
    rows = read_tsv(blobs_run.history)
    assert rows[0] == ["epoch", "loss", "acc", "seconds"]
    assert [int(row[0]) for row in rows[1:]] == list(range(1, 31))


def test_predictions_are_the_training_labels(blobs_run, test_data: Path, tmp_path: Path) -> None:
    output = tmp_path / "predicted.tsv"
    predict_table(
        blobs_run.model, str(test_data / "blobs.tsv"), True, ColumnSelection("by_index", "1-4"), "predict", str(output)
    )
    predicted = [row[0] for row in read_tsv(str(output))]
    truth = [row[4] for row in read_tsv(str(test_data / "blobs.tsv"))[1:]]
    assert predicted[0] == "Predicted"
    assert np.mean(np.array(predicted[1:]) == np.array(truth)) >= 0.9


def test_predict_proba_rows_are_probabilities(blobs_run, test_data: Path, tmp_path: Path) -> None:
    output = tmp_path / "probabilities.tsv"
    predict_table(
        blobs_run.model,
        str(test_data / "blobs.tsv"),
        True,
        ColumnSelection("by_index", "1-4"),
        "predict_proba",
        str(output),
    )
    rows = read_tsv(str(output))
    assert rows[0] == ["alpha", "beta", "gamma"]
    probabilities = np.array(rows[1:], dtype=float)
    assert probabilities.shape == (120, 3)
    np.testing.assert_allclose(probabilities.sum(axis=1), 1, atol=1e-4)


def test_early_stopping_history_ends_where_training_stopped(test_data: Path, tmp_path: Path) -> None:
    run = fm.train(
        test_data / "blobs_regressor_plan.json",
        fm.blobs_table(test_data, "f1,f2,f3,f4"),
        fm.blobs_table(test_data, "size"),
        Scheme("train_val_test", 0.2, validation_size=0.2),
        tmp_path,
        "regressor",
    )
    rows = read_tsv(run.history)
    assert rows[0] == ["epoch", "loss", "mse", "val_loss", "val_mse", "seconds"]
    epochs = [int(row[0]) for row in rows[1:]]
    assert epochs == list(range(1, len(epochs) + 1))
    assert len(epochs) < 40, "EarlyStopping (patience 3, min_delta 0.01) should stop before the 40 planned epochs"
    scores = metrics(run.metrics)
    assert scores["r2"] > 0.8
    assert read_tsv(run.metrics)[1][2] == "test (24 rows)"


def test_same_seed_gives_identical_weights_and_predictions(test_data: Path, tmp_path: Path) -> None:
    """Reproducibility on CPU: two trainings with the same seed and inputs give the same model, bit for bit."""
    features = TableInput(str(test_data / "imdb_X_test.tsv"), False, ColumnSelection())
    targets = TableInput(str(test_data / "imdb_y_test.tsv"), False, ColumnSelection())
    plan = fm.write_plan(
        fm.EMBEDDING_ARCHITECTURE, fm.builder_form(epochs=2, batch_size=32, seed=42), tmp_path / "plan.json"
    )
    runs = []
    for name in ("first", "second"):
        (tmp_path / name).mkdir()
        runs.append(fm.train(plan, features, targets, Scheme("train_val", 0.2), tmp_path / name, name))
    for first, second in zip(weights(runs[0].model), weights(runs[1].model), strict=True):
        np.testing.assert_array_equal(first, second)
    predictions = []
    for run in runs:
        output = Path(run.model).with_suffix(".predicted.tsv")
        predict_table(run.model, features.path, False, ColumnSelection(), "predict_proba", str(output))
        predictions.append(output.read_text())
    assert predictions[0] == predictions[1]
    assert Path(runs[0].metrics).read_text() == Path(runs[1].metrics).read_text()


@pytest.mark.parametrize("method", ["shuffle", "stratified", "none"])
def test_split_holds_out_the_asked_fraction(method: str) -> None:
    targets = np.array(["a", "b"] * 50)
    kept, held = split_rows(targets, 0.2, Scheme("train_val", 0.2, method=method, random_state=3), "validation")
    assert len(held) == 20 and len(kept) == 80
    assert not set(kept) & set(held)
    if method == "none":
        assert list(held) == list(range(80, 100))
    if method == "stratified":
        assert (targets[held] == "a").sum() == 10
