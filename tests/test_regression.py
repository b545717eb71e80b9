"""Regression evaluation: scikit-learn's scores of a regressor's predictions, three panels, and refusals of inputs
that are not a regressor's values, through the visualization script as Galaxy runs it."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from sklearn import metrics as skmetrics

from conftest import run_script
from galaxy_keras.errors import UserInputError
from galaxy_keras.plots import ImageFile
from galaxy_keras.regression import regression_plot, regression_scores

RNG = np.random.default_rng(7)
TRUE = RNG.normal(50, 10, 40)
PREDICTED = TRUE + RNG.normal(0, 3, 40)


def test_scores_are_scikit_learns() -> None:
    scores = regression_scores(TRUE, PREDICTED)
    mse = skmetrics.mean_squared_error(TRUE, PREDICTED)
    assert scores == pytest.approx(
        {
            "r2": skmetrics.r2_score(TRUE, PREDICTED),
            "rmse": mse**0.5,
            "mae": skmetrics.mean_absolute_error(TRUE, PREDICTED),
            "mse": mse,
            "n": 40,
        }
    )
    assert regression_scores(TRUE, TRUE)["r2"] == 1.0


def test_the_metrics_table_and_the_image(tmp_path: Path) -> None:
    image, table = tmp_path / "plot.svg", tmp_path / "metrics.tsv"
    regression_plot(TRUE, PREDICTED, ImageFile(str(image), "svg"), str(table), "Cars")
    rows = [line.split("\t") for line in table.read_text().splitlines()]
    assert [row[0] for row in rows] == ["metric", "r2", "rmse", "mae", "mse", "n"]
    assert float(rows[1][1]) == pytest.approx(skmetrics.r2_score(TRUE, PREDICTED), abs=1e-5)
    assert rows[-1] == ["n", "40"]
    drawing = image.read_text()
    for text in ("Predicted against true values", "Residuals", "Distribution of the residuals", "Cars"):
        assert text in drawing


@pytest.mark.parametrize(
    ("true", "predicted", "message"),
    [
        (TRUE, PREDICTED[:-1], "the true values have 40 rows but the predicted values have 39"),
        (TRUE[:1], PREDICTED[:1], "there is a single sample"),
        (TRUE, np.array(["pos", "neg"] * 20, dtype=object), "the predicted values table holds text ('pos')"),
        (np.array(["a"] * 40, dtype=object), PREDICTED, "the true values table holds text ('a')"),
        (TRUE, np.array([0, 1] * 20), "the predicted values are 2 whole numbers (0, 1), which are a classifier's"),
    ],
)
def test_what_is_not_a_regressors_values_is_refused(true, predicted, message: str, tmp_path: Path) -> None:
    with pytest.raises(UserInputError, match=message.replace("(", r"\(").replace(")", r"\)")):
        regression_plot(true, predicted, ImageFile(str(tmp_path / "p.png")), str(tmp_path / "m.tsv"), "")


def test_a_regressor_with_whole_valued_predictions_of_many_values_is_accepted(tmp_path: Path) -> None:
    """Prices printed to 6 digits are whole numbers too; a classifier's labels are few."""
    prices = np.round(RNG.normal(250_000, 50_000, 40))
    regression_plot(prices, prices + 1000, ImageFile(str(tmp_path / "p.png")), str(tmp_path / "m.tsv"), "")


def write_form(tmp_path: Path, true_table: str, predicted_table: str) -> Path:
    true_path, predicted_path = tmp_path / "y_test.tsv", tmp_path / "predicted.tsv"
    true_path.write_text(true_table)
    predicted_path.write_text(predicted_table)
    all_columns = {"selection_mode": "all_columns"}
    form = {
        "plot": {
            "plot_type": "regression",
            "true_values": str(true_path),
            "true_values_has_header": False,
            "true_values_columns": all_columns,
            "predicted_values": str(predicted_path),
            "predicted_values_has_header": True,
            "predicted_values_columns": all_columns,
            "title": "",
        },
        "image_format": "png",
    }
    path = tmp_path / "form.json"
    path.write_text(json.dumps(form))
    return path


def run_visualize(form: Path, tmp_path: Path):
    outputs = ("--plot", str(tmp_path / "plot.png"), "--metrics", str(tmp_path / "metrics.tsv"))
    return run_script("visualize.py", "--inputs", str(form), *outputs)


def test_the_script_scores_model_predictions_output(tmp_path: Path) -> None:
    form = write_form(tmp_path, "0.5\n0.25\n1.0\n", "Predicted\n0.5\n0.3\n0.9\n")
    result = run_visualize(form, tmp_path)
    assert result.returncode == 0, result.stderr
    metrics = dict(line.split("\t") for line in (tmp_path / "metrics.tsv").read_text().splitlines()[1:])
    assert float(metrics["mae"]) == pytest.approx(0.05)
    assert metrics["n"] == "3"


def test_the_script_refuses_an_empty_prediction_in_one_line(tmp_path: Path) -> None:
    form = write_form(tmp_path, "0.5\n0.25\n1.0\n", "Predicted\n0.5\nnan\n0.9\n")
    result = run_visualize(form, tmp_path)
    assert result.returncode == 1
    assert result.stderr.count("\n") == 1 and "line 3 of the predicted values table" in result.stderr
    assert not (tmp_path / "metrics.tsv").exists()
