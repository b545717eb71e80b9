"""Prediction with a regressor: one numeric column per output, close to the targets it learned."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pytest

import fixture_models as fm
from galaxy_keras.errors import UserInputError
from galaxy_keras.prediction import predict_table
from galaxy_keras.tables import ColumnSelection
from galaxy_keras.training import Scheme


@pytest.fixture(scope="module")
def regressor(tmp_path_factory: pytest.TempPathFactory) -> str:
    run = fm.train(
        fm.TEST_DATA / "blobs_regressor_plan.json",
        fm.blobs_table(fm.TEST_DATA, "f1,f2,f3,f4"),
        fm.blobs_table(fm.TEST_DATA, "size"),
        Scheme("train_val_test", 0.2, validation_size=0.2),  # its plan stops early on val_loss
        tmp_path_factory.mktemp("regressor"),
        "regressor",
    )
    return run.model


def predict(model: str, method: str, output: Path) -> int:
    features = str(fm.TEST_DATA / "blobs.tsv")
    return predict_table(model, features, True, ColumnSelection("by_index", "1-4"), method, str(output))


def test_a_regressor_predicts_values_close_to_its_targets(regressor: str, tmp_path: Path) -> None:
    output = tmp_path / "predicted.tsv"
    assert predict(regressor, "predict", output) == 120
    rows = list(csv.reader(output.read_text().splitlines(), delimiter="\t"))
    assert rows[0] == ["Predicted"]
    predicted = np.array([float(row[0]) for row in rows[1:]])
    with open(fm.TEST_DATA / "blobs.tsv") as table:
        truth = np.array([float(row["size"]) for row in csv.DictReader(table, delimiter="\t")])
    r2 = 1 - np.sum((truth - predicted) ** 2) / np.sum((truth - truth.mean()) ** 2)
    assert r2 > 0.8, f"R2 {r2:.3f}: the regressor's predictions should follow the targets"


def test_a_regressor_has_no_class_probabilities(regressor: str, tmp_path: Path) -> None:
    with pytest.raises(UserInputError, match="this model is a regressor: use predict"):
        predict(regressor, "predict_proba", tmp_path / "probabilities.tsv")
