"""'Machine Learning Visualization Extension': confusion matrix, ROC and precision-recall curves, learning
curves, and a diagram of a model architecture.

Plots are drawn with matplotlib's Agg backend into PNG, SVG or PDF. Class names on the axes are the real labels,
sorted as numbers when they all are numbers, otherwise as text.
"""

from __future__ import annotations

import csv
from collections.abc import Sequence
from dataclasses import dataclass

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from sklearn import metrics as skmetrics

from galaxy_keras.errors import UserInputError
from galaxy_keras.tables import iter_table_chunks

# Every colour map offered in the form; tests draw each one.
COLOR_MAPS = (
    "Blues",
    "Greens",
    "Greys",
    "Oranges",
    "Purples",
    "Reds",
    "viridis",
    "cividis",
    "magma",
    "summer",
    "autumn",
    "winter",
)
NORMALIZATIONS = {"none": None, "true": "true", "pred": "pred", "all": "all"}
IMAGE_FORMATS = ("png", "svg", "pdf")
# More classes than this make a matrix or a legend that nobody can read, and a matrix that takes minutes to draw
# (240 classes did); so many distinct labels are rarely classes anyway, but a regressor's values.
MAX_CLASSES = 50


@dataclass(frozen=True)
class ImageFile:
    path: str
    format: str = "png"

    def __post_init__(self) -> None:
        # Checked here, before anything is drawn, rather than when the drawing is saved.
        if self.format not in IMAGE_FORMATS:
            raise UserInputError(f"'{self.format}' is not an image format this tool writes: choose png, svg or pdf.")


def save_figure(figure: plt.Figure, image: ImageFile) -> None:
    figure.savefig(image.path, format=image.format, dpi=150, bbox_inches="tight")
    plt.close(figure)


def sorted_labels(values: np.ndarray) -> list:
    """Distinct labels, in numeric order when all are numbers (so 2 comes before 10)."""
    distinct = pd.unique(pd.Series(values).astype(str))
    numbers = pd.to_numeric(pd.Series(distinct), errors="coerce")
    if numbers.notna().all():
        return [label for _, label in sorted(zip(numbers, distinct, strict=True))]
    return sorted(distinct)


def _class_labels(values: Sequence | np.ndarray, what: str) -> np.ndarray:
    """The labels as text, once checked to be class labels: names or whole numbers, 1.0 written as 1."""
    series = pd.Series(values)
    numbers = pd.to_numeric(series, errors="coerce")
    if numbers.isna().any():
        return series.astype(str).to_numpy()
    fractional = (numbers % 1 != 0).to_numpy()
    if fractional.any():
        value = numbers.iloc[int(fractional.argmax())]
        raise UserInputError(
            f"the {what} hold {value:g}, which is not a class label: give class labels (names or whole numbers), "
            "such as a classifier's predictions, not a regressor's values."
        )
    if numbers.dtype.kind == "f":
        return numbers.map("{:.0f}".format).to_numpy()
    return numbers.astype(str).to_numpy()


def _check_class_count(n_classes: int, what: str) -> None:
    if n_classes > MAX_CLASSES:
        raise UserInputError(
            f"the {what} hold {n_classes} classes, more than the {MAX_CLASSES} a plot can show: give the labels of a "
            f"classifier with at most {MAX_CLASSES} classes, not a regressor's values."
        )


def confusion_matrix_plot(
    true_labels: np.ndarray,
    predicted_labels: np.ndarray,
    image: ImageFile,
    matrix_path: str,
    report_path: str,
    normalize: str = "none",
    title: str = "",
    color_map: str = "Blues",
) -> None:
    if len(true_labels) != len(predicted_labels):
        raise UserInputError(
            f"the true labels have {len(true_labels)} rows but the predicted labels have {len(predicted_labels)}: give "
            "tables of the same samples (check the header switches, as the prediction output has a header; an empty "
            "line is skipped, not read as a row)."
        )
    if color_map not in COLOR_MAPS:
        raise UserInputError(
            f"'{color_map}' is not a colour map this tool offers: choose one of {', '.join(COLOR_MAPS)}."
        )
    if normalize not in NORMALIZATIONS:
        raise UserInputError(
            f"'{normalize}' is not a normalization this tool offers: choose one of {', '.join(NORMALIZATIONS)}."
        )
    true_text = _class_labels(true_labels, "true labels")
    predicted_text = _class_labels(predicted_labels, "predicted labels")
    labels = sorted_labels(np.concatenate([true_text, predicted_text]))
    _check_class_count(len(labels), "true and predicted labels together")
    counts = skmetrics.confusion_matrix(true_text, predicted_text, labels=labels)
    shown = skmetrics.confusion_matrix(true_text, predicted_text, labels=labels, normalize=NORMALIZATIONS[normalize])
    _write_matrix(matrix_path, labels, counts)
    _write_report(report_path, labels, counts)

    size = max(4.0, 0.6 * len(labels) + 3)
    figure, axes = plt.subplots(figsize=(size + 1, size))
    heatmap = axes.imshow(shown, cmap=color_map)
    figure.colorbar(heatmap, ax=axes)
    axes.set_xticks(
        range(len(labels)),
        labels=labels,
        rotation=45 if max(map(len, labels)) > 3 else 0,
        ha="right" if max(map(len, labels)) > 3 else "center",
    )
    axes.set_yticks(range(len(labels)), labels=labels)
    threshold = (shown.max() + shown.min()) / 2
    for row in range(len(labels)):
        for column in range(len(labels)):
            text = f"{shown[row, column]:.2f}" if normalize != "none" else str(counts[row, column])
            colour = "white" if shown[row, column] > threshold else "black"
            axes.text(column, row, text, ha="center", va="center", color=colour)
    axes.set_xlabel("Predicted label")
    axes.set_ylabel("True label")
    axes.set_title(title)
    save_figure(figure, image)


def _write_matrix(path: str, labels: Sequence[str], counts: np.ndarray) -> None:
    """Rows are true labels, columns predicted labels: the first column names the true label."""
    with open(path, "w", newline="") as handle:
        writer = csv.writer(handle, delimiter="\t", lineterminator="\n")
        writer.writerow(["true\\predicted", *labels])
        for label, row in zip(labels, counts, strict=True):
            writer.writerow([label, *(int(count) for count in row)])


def _write_report(path: str, labels: Sequence[str], counts: np.ndarray) -> None:
    """Precision, recall, F1 and support per class, then accuracy and averages, computed from the matrix itself."""
    true_totals, predicted_totals, hits = counts.sum(axis=1), counts.sum(axis=0), np.diag(counts)
    precision = np.divide(hits, predicted_totals, out=np.zeros(len(labels)), where=predicted_totals > 0)
    recall = np.divide(hits, true_totals, out=np.zeros(len(labels)), where=true_totals > 0)
    f1 = np.divide(2 * precision * recall, precision + recall, out=np.zeros(len(labels)), where=precision + recall > 0)
    total = int(counts.sum())
    weights = true_totals / total
    rows = [[label, precision[i], recall[i], f1[i], int(true_totals[i])] for i, label in enumerate(labels)]
    rows.append(["accuracy", "", "", hits.sum() / total, total])
    rows.append(["macro avg", precision.mean(), recall.mean(), f1.mean(), total])
    rows.append(["weighted avg", precision @ weights, recall @ weights, f1 @ weights, total])
    with open(path, "w", newline="") as handle:
        writer = csv.writer(handle, delimiter="\t", lineterminator="\n")
        writer.writerow(["class", "precision", "recall", "f1", "support"])
        writer.writerows([[f"{value:.4g}" if isinstance(value, float) else value for value in row] for row in rows])


def roc_pr_plot(true_labels: np.ndarray, probabilities: pd.DataFrame, title: str, image: ImageFile) -> None:
    """ROC and precision-recall curves, one per class (one-vs-rest), AUC and average precision in the legends."""
    if len(true_labels) != len(probabilities):
        raise UserInputError(
            f"the true labels have {len(true_labels)} rows but the probabilities have "
            f"{len(probabilities)}: give tables of the same samples (check the true labels' header switch, as the "
            "probabilities have a header; an empty line is skipped, not read as a row)."
        )
    true_text = _class_labels(true_labels, "true labels")
    _check_class_count(len(set(true_text)), "true labels")
    classes = [str(name) for name in probabilities.columns]
    _check_probabilities(probabilities, classes)
    unknown = sorted(set(true_text) - set(classes))
    if unknown:
        raise UserInputError(
            f"the true label '{unknown[0]}' has no column in the probabilities table (columns: "
            f"{', '.join(classes)}): give the "
            "predict_proba output of the same model, with its header."
        )
    if len(set(true_text)) < 2:
        raise UserInputError(
            f"the true labels hold a single class ('{true_text[0]}'), so no curve can be drawn: give the true labels "
            "of samples of at least two classes."
        )
    shown = classes[1:] if len(classes) == 2 else classes
    figure, (roc_axes, pr_axes) = plt.subplots(1, 2, figsize=(11, 5))
    for name in shown:
        is_class = true_text == name
        scores = probabilities[name].to_numpy(dtype=float)
        if is_class.all() or not is_class.any():
            continue
        false_positive, true_positive, _ = skmetrics.roc_curve(is_class, scores)
        roc_axes.plot(
            false_positive, true_positive, label=f"{name} (AUC = {skmetrics.auc(false_positive, true_positive):.3f})"
        )
        precision, recall, _ = skmetrics.precision_recall_curve(is_class, scores)
        average = skmetrics.average_precision_score(is_class, scores)
        pr_axes.plot(recall, precision, label=f"{name} (AP = {average:.3f})")
    roc_axes.plot([0, 1], [0, 1], linestyle="--", color="grey", label="chance")
    roc_axes.set(xlabel="False positive rate", ylabel="True positive rate", title="ROC curve")
    pr_axes.set(xlabel="Recall", ylabel="Precision", title="Precision-recall curve", ylim=(0, 1.05))
    roc_axes.legend(loc="lower right")
    pr_axes.legend(loc="lower left")
    figure.suptitle(title)
    save_figure(figure, image)


def _check_probabilities(probabilities: pd.DataFrame, classes: list[str]) -> None:
    """One column per class, each holding probabilities, as Model Prediction's predict_proba writes them."""
    _check_class_count(len(classes), "probabilities table's columns")
    repeated = sorted({name for name in classes if classes.count(name) > 1})
    if repeated:
        raise UserInputError(
            f"the probabilities table has more than one column named '{repeated[0]}': give the predict_proba output "
            "of Model Prediction, one column per class."
        )
    values = probabilities.to_numpy(dtype=float)
    outside = ~((values >= 0) & (values <= 1))  # NaN, from an empty cell, is outside too
    if outside.any():
        row, column = np.argwhere(outside)[0]
        value = values[row, column]
        shown = "is empty" if np.isnan(value) else f"holds {value:g}"
        raise UserInputError(
            f"line {row + 2}, column '{classes[column]}' of the probabilities table {shown}, which is not a "
            "probability from 0 to 1: give the predict_proba output of a model whose last layer is softmax or sigmoid."
        )


def learning_curves_plot(history: pd.DataFrame, title: str, image: ImageFile) -> None:
    """One panel per quantity (loss, each metric), training and validation curves together."""
    if "epoch" not in history.columns or "loss" not in history.columns:
        raise UserInputError(
            "the history table lacks 'epoch' and 'loss' columns: give the history output of the training tool."
        )
    quantities = [name for name in history.columns if name not in ("epoch", "seconds") and not name.startswith("val_")]
    figure, axes_list = plt.subplots(1, len(quantities), figsize=(5 * len(quantities), 4), squeeze=False)
    for axes, name in zip(axes_list[0], quantities, strict=True):
        axes.plot(history["epoch"], history[name], marker="o", label="training")
        if f"val_{name}" in history.columns:
            axes.plot(history["epoch"], history[f"val_{name}"], marker="o", label="validation")
        axes.set(xlabel="Epoch", ylabel=name, title=name)
        axes.legend()
    figure.suptitle(title)
    save_figure(figure, image)


def read_history(path: str) -> pd.DataFrame:
    chunks = list(iter_table_chunks(path, True, "history table"))
    return pd.concat(chunks) if len(chunks) > 1 else chunks[0]


def read_probabilities(path: str) -> pd.DataFrame:
    chunks = list(iter_table_chunks(path, True, "probabilities table", numeric_header=True))
    table = pd.concat(chunks) if len(chunks) > 1 else chunks[0]
    if not all(pd.api.types.is_numeric_dtype(dtype) for dtype in table.dtypes):
        raise UserInputError(
            "the probabilities table holds text: give the predict_proba output of Model Prediction, with its header."
        )
    return table


def model_diagram_plot(architecture_path: str, title: str, image: ImageFile) -> None:
    """One box per layer, top to bottom, numbered as the architecture form numbers them (``numbered_layers``): name
    and type, output shape, parameter count, and the numbers of the layers it merges."""
    # Imported here: only this plot needs TensorFlow, and loading it takes seconds.
    from galaxy_keras.safety import model_outline, numbered_layers, parse_json_file

    config = parse_json_file(architecture_path, "model architecture")
    model = model_outline(config, "model architecture")
    names = [layer["config"]["name"] for layer in numbered_layers(config)]
    number_of = {name: number for number, name in enumerate(names, start=1)}
    sources = _layer_sources(config["config"])
    rows = [
        _layer_row(number, model.get_layer(name), [number_of[source] for source in sources.get(name, [])])
        for number, name in enumerate(names, start=1)
    ]
    figure, axes = plt.subplots(figsize=(7, 1.1 * len(rows) + 1.2))
    axes.set_axis_off()
    axes.set_xlim(0, 1)
    axes.set_ylim(-len(rows) - 0.2, 0.6)
    for index, (heading, details) in enumerate(rows):
        axes.text(
            0.5,
            -index,
            f"{heading}\n{details}",
            ha="center",
            va="center",
            fontsize=9,
            bbox={"boxstyle": "round,pad=0.5", "facecolor": "#dbe9f6", "edgecolor": "#2c5d8a"},
        )
        if index:
            axes.annotate("", xy=(0.5, -index + 0.32), xytext=(0.5, -index + 0.68), arrowprops={"arrowstyle": "->"})
    axes.text(
        0.5, -len(rows) + 0.1, f"Total parameters: {model.count_params():,}", ha="center", fontsize=10, weight="bold"
    )
    axes.set_title(title)
    save_figure(figure, image)


def _layer_sources(config: dict) -> dict[str, list[str]]:
    """Layer name -> names of the layers it takes input from (Functional models; empty for Sequential)."""

    def history_names(node: object) -> list[str]:
        if isinstance(node, dict):
            if node.get("class_name") == "__keras_tensor__":
                return [node["config"]["keras_history"][0]]
            return [name for value in node.values() for name in history_names(value)]
        if isinstance(node, list):
            return [name for value in node for name in history_names(value)]
        return []

    return {
        layer["name"]: history_names(layer.get("inbound_nodes", []))
        for layer in config.get("layers", [])
        if "name" in layer
    }


def _layer_row(number: int, layer, sources: list[int]) -> tuple[str, str]:
    shape = tuple(layer.output.shape) if hasattr(layer, "output") else ()
    origin = f"  <- layers {', '.join(map(str, sources))}" if len(sources) > 1 else ""
    shape_text = str(shape).replace("None", "batch")
    heading = f"layer {number}: {layer.name} ({type(layer).__name__}){origin}"
    return heading, f"output {shape_text}, {layer.count_params():,} parameters"
