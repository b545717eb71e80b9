"""Image models on rows of pixels, with one-hot targets: the CNN tutorial's path on the 8 x 8 digits stand-in."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

import fixture_models as fm
from galaxy_keras import plots
from galaxy_keras.prediction import predict_table
from galaxy_keras.tables import ColumnSelection, read_target_column
from galaxy_keras.training import Scheme, TableInput

DIGITS = {part: fm.TEST_DATA / f"digits_{part}.tsv" for part in ("X_train", "y_train_onehot", "X_test", "y_test")}


def test_a_cnn_learns_digits_from_one_hot_targets_and_predicts_their_classes(tmp_path: Path) -> None:
    plan = fm.write_plan(
        fm.DIGITS_CNN_ARCHITECTURE,
        fm.builder_form(loss="categorical_crossentropy", epochs=4, batch_size=32),
        tmp_path / "plan.json",
    )
    trained = fm.train(
        plan,
        TableInput(str(DIGITS["X_train"]), False, ColumnSelection()),
        TableInput(str(DIGITS["y_train_onehot"]), False, ColumnSelection()),
        Scheme("train_val", 0.1),
        tmp_path,
        "digits",
    )
    predicted, probabilities = tmp_path / "predicted.tsv", tmp_path / "probabilities.tsv"
    for kind, path in (("predict", predicted), ("predict_proba", probabilities)):
        predict_table(trained.model, str(DIGITS["X_test"]), False, ColumnSelection(), kind, str(path))
    labels = pd.read_csv(predicted, sep="\t")["Predicted"]
    truth = pd.read_csv(DIGITS["y_test"], header=None)[0]
    assert set(labels) <= set(range(10))
    assert (labels == truth).mean() > 0.8, "four epochs learn most digits"
    assert pd.read_csv(probabilities, sep="\t").columns.tolist() == [str(digit) for digit in range(10)]


def test_a_confusion_matrix_takes_one_hot_true_labels_named_by_the_header(tmp_path: Path, write_table) -> None:
    one_hot = write_table("cat\tdog\n1\t0\n0\t1\n0\t1\n")
    true = read_target_column(one_hot, True, ColumnSelection(), "true labels table", labels=True)
    matrix = tmp_path / "matrix.tsv"
    plots.confusion_matrix_plot(
        true,
        np.array(["cat", "cat", "dog"]),
        plots.ImageFile(str(tmp_path / "m.png")),
        str(matrix),
        str(tmp_path / "r"),
    )
    assert matrix.read_text().splitlines() == ["true\\predicted\tcat\tdog", "cat\t1\t0", "dog\t1\t1"]
