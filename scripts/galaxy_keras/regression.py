"""'Machine Learning Visualization Extension' for a regressor: how close its predictions come to the true values.

One image of three panels: the predicted values against the true ones, with the identity line on which a perfect
model puts every point; the residuals (true minus predicted) against the predicted values, where a good model leaves
no pattern around zero; and the residuals' distribution. A table holds R2, RMSE, MAE, MSE and the number of samples,
as scikit-learn computes them.
"""

from __future__ import annotations

import csv

import matplotlib.pyplot as plt
import numpy as np
from sklearn import metrics as skmetrics

from galaxy_keras.errors import UserInputError
from galaxy_keras.plots import MAX_CLASSES, ImageFile, save_figure

# Fewer predictions than this are too few to tell a classifier's labels from a regressor's values.
LABEL_CHECK_MIN_ROWS = 10


def regression_scores(true_values: np.ndarray, predicted: np.ndarray) -> dict[str, float]:
    mse = skmetrics.mean_squared_error(true_values, predicted)
    return {
        "r2": skmetrics.r2_score(true_values, predicted),
        "rmse": float(np.sqrt(mse)),
        "mae": skmetrics.mean_absolute_error(true_values, predicted),
        "mse": mse,
        "n": len(true_values),
    }


def _as_numbers(values: np.ndarray, what: str, fix: str) -> np.ndarray:
    if values.dtype.kind not in "iuf":
        text = next(value for value in values if isinstance(value, str))
        raise UserInputError(f"the {what} holds text ('{text}'), not numbers: {fix}")
    return values.astype(float)


def _check_not_class_labels(predicted: np.ndarray) -> None:
    """A classifier's predictions are a few whole numbers or names; a regressor's are numbers that all differ."""
    distinct = np.unique(predicted)
    whole = np.all(np.mod(predicted, 1) == 0)
    if len(predicted) >= LABEL_CHECK_MIN_ROWS and whole and len(distinct) <= min(MAX_CLASSES, len(predicted) // 2):
        shown = ", ".join(f"{value:g}" for value in distinct[:5]) + (", ..." if len(distinct) > 5 else "")
        raise UserInputError(
            f"the predicted values are {len(distinct)} whole numbers ({shown}), which are a classifier's class labels, "
            "not a regressor's values: give the Model Prediction output of a model trained as a regressor, or plot "
            "a confusion matrix of these labels."
        )


def regression_plot(
    true_values: np.ndarray, predicted_values: np.ndarray, image: ImageFile, metrics_path: str, title: str
) -> None:
    """The three panels into ``image`` and the scores into a two-column table (metric, value)."""
    if len(true_values) != len(predicted_values):
        raise UserInputError(
            f"the true values have {len(true_values)} rows but the predicted values have {len(predicted_values)}: "
            "give the predictions of the same samples, in the same order (check the header switches; Model "
            "Prediction's output has a header)."
        )
    if len(true_values) < 2:
        raise UserInputError("there is a single sample: give the true and predicted values of at least two samples.")
    true = _as_numbers(true_values, "true values table", "give the column of numbers the regressor learnt to predict.")
    predicted = _as_numbers(
        predicted_values,
        "predicted values table",
        "these are a classifier's labels; give the Model Prediction output of a regressor, or plot a confusion matrix.",
    )
    _check_not_class_labels(predicted)
    scores = regression_scores(true, predicted)
    with open(metrics_path, "w", newline="") as handle:
        writer = csv.writer(handle, delimiter="\t", lineterminator="\n")
        writer.writerow(["metric", "value"])
        writer.writerows([name, f"{value:.6g}"] for name, value in scores.items())
    _draw(true, predicted, scores, image, title)


def _draw(true: np.ndarray, predicted: np.ndarray, scores: dict[str, float], image: ImageFile, title: str) -> None:
    residuals = true - predicted
    figure, (fit_axes, residual_axes, spread_axes) = plt.subplots(1, 3, figsize=(16, 5))
    low, high = float(min(true.min(), predicted.min())), float(max(true.max(), predicted.max()))
    fit_axes.scatter(true, predicted, s=14, alpha=0.7)
    fit_axes.plot([low, high], [low, high], linestyle="--", color="grey", label="predicted = true")
    fit_axes.set(xlabel="True value", ylabel="Predicted value", title="Predicted against true values")
    fit_axes.legend(loc="upper left", title=f"R2 = {scores['r2']:.3f}, RMSE = {scores['rmse']:.3g}")
    residual_axes.scatter(predicted, residuals, s=14, alpha=0.7)
    residual_axes.axhline(0, linestyle="--", color="grey")
    residual_axes.set(xlabel="Predicted value", ylabel="Residual (true - predicted)", title="Residuals")
    spread_axes.hist(residuals, bins=min(30, max(5, len(residuals) // 5)), edgecolor="white")
    spread_axes.axvline(0, linestyle="--", color="grey")
    spread_axes.set(xlabel="Residual (true - predicted)", ylabel="Samples", title="Distribution of the residuals")
    figure.suptitle(title)
    save_figure(figure, image)
