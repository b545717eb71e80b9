"""'Deep learning training and evaluation': split, fit, score the held-out rows, save model and history.

Schemes:
- ``train_val``: hold out ``test_size`` of the rows; fit on the rest (with the plan's own validation split for
  per-epoch validation); the metrics table scores the held-out rows.
- ``train_val_test``: hold out a test part and a validation part; fit on the rest with the validation part as
  per-epoch validation data; the metrics table scores the test part.
"""

from __future__ import annotations

import csv
import time
from dataclasses import dataclass
from typing import Any

import numpy as np
from sklearn import metrics as skmetrics
from sklearn.model_selection import ShuffleSplit, StratifiedShuffleSplit

from galaxy_keras import runtime
from galaxy_keras.errors import UserInputError
from galaxy_keras.padding import grouped_dataset, masks_padding
from galaxy_keras.plan import TrainingPlan, load_plan
from galaxy_keras.prediction import predict_rows
from galaxy_keras.runtime import keras
from galaxy_keras.tables import ColumnSelection, read_feature_matrix, read_target_column
from galaxy_keras.trained_model import TargetEncoding, TrainedModel, shape_features, target_encoding

SPLIT_METHODS = ("shuffle", "stratified", "none")


@dataclass(frozen=True)
class TableInput:
    path: str
    has_header: bool
    columns: ColumnSelection


@dataclass(frozen=True)
class Scheme:
    name: str  # "train_val" or "train_val_test"
    test_size: float
    validation_size: float = 0.0
    method: str = "shuffle"
    random_state: int | None = 0


@dataclass(frozen=True)
class TrainingOutputs:
    metrics: str
    model: str
    history: str


def split_rows(targets: np.ndarray, size: float, scheme: Scheme, part: str) -> tuple[np.ndarray, np.ndarray]:
    """(kept, held-out) row indices; the held-out part is ``size`` of the rows."""
    n_rows = len(targets)
    n_held = round(size * n_rows)
    if not 0 < size < 1 or n_held < 1 or n_held >= n_rows:
        raise UserInputError(
            f"a {part} size of {size} of {n_rows} rows leaves no rows for training or for the {part} part: "
            "use a fraction between 0 and 1 that keeps at least one row on each side."
        )
    if scheme.method == "none":
        return np.arange(n_rows - n_held), np.arange(n_rows - n_held, n_rows)
    if scheme.method == "stratified":
        _, counts = np.unique(targets, return_counts=True)
        if counts.min() < 2:
            raise UserInputError(
                "a stratified split needs at least two rows of every class: use a plain shuffle split."
            )
        splitter = StratifiedShuffleSplit(n_splits=1, test_size=n_held, random_state=scheme.random_state)
    else:
        splitter = ShuffleSplit(n_splits=1, test_size=n_held, random_state=scheme.random_state)
    try:
        kept, held = next(splitter.split(np.zeros(n_rows), targets))
    except ValueError as error:
        raise UserInputError(
            f"the rows cannot be split that way: {error}. Use a larger {part} size or a plain shuffle."
        ) from None
    return kept, held


def evaluation_metrics(
    trained: TrainedModel, features: np.ndarray, encoded: np.ndarray, targets: np.ndarray
) -> dict[str, float]:
    """The Keras loss and the scikit-learn scores of the held-out rows, all from one prediction of them."""
    model, encoding = trained.model, trained.encoding
    outputs = predict_rows(trained, features)
    # The compiled loss plus any regularization losses: what model.evaluate reports, without predicting twice.
    scores: dict[str, float] = {"loss": float(model.compute_loss(y=encoded, y_pred=outputs, training=False))}
    if encoding.task == "regressor":
        predicted = outputs[:, 0]
        scores["mse"] = skmetrics.mean_squared_error(targets, predicted)
        scores["mae"] = skmetrics.mean_absolute_error(targets, predicted)
        scores["r2"] = skmetrics.r2_score(targets, predicted) if len(targets) > 1 else float("nan")
        return scores
    predicted = encoding.decode(outputs).astype(targets.dtype)
    binary = len(encoding.classes) == 2
    average = "binary" if binary else "macro"
    positive = {"pos_label": encoding.classes[1]} if binary else {}
    scores["accuracy"] = skmetrics.accuracy_score(targets, predicted)
    scores["precision"] = skmetrics.precision_score(targets, predicted, average=average, zero_division=0, **positive)
    scores["recall"] = skmetrics.recall_score(targets, predicted, average=average, zero_division=0, **positive)
    scores["f1"] = skmetrics.f1_score(targets, predicted, average=average, zero_division=0, **positive)
    scores["roc_auc"] = _roc_auc(targets, encoding, outputs)
    return scores


def _roc_auc(targets: np.ndarray, encoding: TargetEncoding, outputs: np.ndarray) -> float:
    if len(np.unique(targets)) < len(encoding.classes):
        return float("nan")  # undefined when a class is absent from the held-out rows
    class_scores = encoding.class_scores(outputs)
    if len(encoding.classes) == 2:
        return skmetrics.roc_auc_score(targets == encoding.classes[1], class_scores[:, 1])
    probabilities = class_scores / class_scores.sum(axis=1, keepdims=True)
    return skmetrics.roc_auc_score(targets, probabilities, multi_class="ovr", labels=list(encoding.classes))


def write_metrics(path: str, scores: dict[str, float], evaluated_on: str) -> None:
    with open(path, "w", newline="") as handle:
        writer = csv.writer(handle, delimiter="\t", lineterminator="\n")
        writer.writerow(["metric", "value", "evaluated_on"])
        for name, value in scores.items():
            writer.writerow([name, f"{value:.6g}", evaluated_on])


class EpochTimer(keras.callbacks.Callback):
    """Adds each epoch's wall time to the logs, so that the history table shows it."""

    COLUMN = "seconds"

    def on_epoch_begin(self, epoch: int, logs: dict | None = None) -> None:
        self.started = time.perf_counter()

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        if logs is not None:
            logs[self.COLUMN] = time.perf_counter() - self.started


def write_history(path: str, history: Any) -> None:
    """One row per epoch that actually ran (EarlyStopping may end training early)."""

    def order(name: str) -> tuple[bool, bool, bool, str]:
        base = name.removeprefix("val_")
        return name == EpochTimer.COLUMN, name.startswith("val_"), base != "loss", base

    names = sorted(history.history, key=order)
    with open(path, "w", newline="") as handle:
        writer = csv.writer(handle, delimiter="\t", lineterminator="\n")
        writer.writerow(["epoch", *names])
        for row, epoch in enumerate(history.epoch):
            writer.writerow([epoch + 1, *(f"{float(history.history[name][row]):.6g}" for name in names)])


@dataclass(frozen=True)
class Parts:
    """Which rows train the model, which validate it per epoch (if the scheme says), and which score it."""

    fit: np.ndarray
    validation: np.ndarray | None
    evaluated: np.ndarray
    evaluated_on: str


def split_parts(targets: np.ndarray, scheme: Scheme) -> Parts:
    if scheme.name == "train_val":
        fit, evaluated = split_rows(targets, scheme.test_size, scheme, "validation")
        return Parts(fit, None, evaluated, f"validation ({len(evaluated)} rows)")
    kept, evaluated = split_rows(targets, scheme.test_size, scheme, "test")
    fit, validation = split_rows(targets[kept], scheme.validation_size / (1 - scheme.test_size), scheme, "validation")
    return Parts(kept[fit], kept[validation], evaluated, f"test ({len(evaluated)} rows)")


def read_training_tables(features: TableInput, targets: TableInput) -> tuple[np.ndarray, np.ndarray]:
    x = read_feature_matrix(features.path, features.has_header, features.columns, "training features table")
    y = read_target_column(targets.path, targets.has_header, targets.columns, "targets table")
    if len(x) != len(y):
        raise UserInputError(
            f"the features table has {len(x)} rows but the targets table has {len(y)}: "
            "give one target per row of features (check the header options)."
        )
    return x, y


def fit(trained: TrainedModel, plan: TrainingPlan, x: np.ndarray, y: np.ndarray, parts: Parts) -> Any:
    """Train on the fit rows; per-epoch validation comes from the scheme's part or the plan's validation split."""
    units = _units(trained.model)
    if parts.validation is not None:
        validation: dict[str, Any] = {
            "validation_data": (x[parts.validation], trained.encoding.encode(y[parts.validation], units))
        }
    else:
        if plan.validation_split and len(parts.fit) * plan.validation_split < 1:
            raise UserInputError(
                f"a validation split of {plan.validation_split} of {len(parts.fit)} training rows is empty: "
                "raise it or use more rows."
            )
        validation = {"validation_split": plan.validation_split}
    callbacks = [
        *plan.build_callbacks(has_validation_data=parts.validation is not None or plan.validation_split > 0),
        EpochTimer(),
    ]
    encoded = trained.encoding.encode(y[parts.fit], units)
    if plan.batching == "grouped" and masks_padding(trained.model):
        return _fit_grouped(trained.model, plan, x[parts.fit], encoded, validation, callbacks)
    return trained.model.fit(
        x[parts.fit],
        encoded,
        epochs=plan.epochs,
        batch_size=plan.batch_size,
        shuffle=plan.shuffle,
        callbacks=callbacks,
        verbose=2,
        **validation,
    )


def _fit_grouped(model, plan: TrainingPlan, x: np.ndarray, y: np.ndarray, validation: dict, callbacks: list) -> Any:
    """Fit in padding-aware batches (see ``padding``); per-epoch validation is batched the same way, in order."""
    if "validation_split" in validation:
        # As Keras splits arrays: the last fraction of the rows, before any shuffling.
        split_at = int(len(x) * (1 - plan.validation_split)) if plan.validation_split else len(x)
        x, y, validation_x, validation_y = x[:split_at], y[:split_at], x[split_at:], y[split_at:]
    else:
        validation_x, validation_y = validation["validation_data"]
    per_epoch_validation: dict[str, Any] = {}
    if len(validation_x):
        dataset, steps = grouped_dataset(validation_x, validation_y, plan.batch_size, seed=None, shuffle=False)
        per_epoch_validation = {"validation_data": dataset, "validation_steps": steps}
    dataset, steps = grouped_dataset(x, y, plan.batch_size, plan.seed, plan.shuffle)
    return model.fit(
        dataset,
        steps_per_epoch=steps,
        shuffle=False,  # the dataset regroups the rows itself at every epoch
        epochs=plan.epochs,
        callbacks=callbacks,
        verbose=2,
        **per_epoch_validation,
    )


def train_and_evaluate(
    plan_path: str, features: TableInput, targets: TableInput, scheme: Scheme, outputs: TrainingOutputs
) -> None:
    plan = load_plan(plan_path)
    if scheme.method == "stratified" and plan.task != "classifier":
        raise UserInputError("a stratified split needs class labels: use a shuffle split for a regressor.")
    runtime.seed_everything(plan.seed)
    x, y = read_training_tables(features, targets)
    model = plan.build_model()
    x = shape_features(model, x, "training features table", 2 if features.has_header else 1)
    trained = TrainedModel(model, target_encoding(y, plan.task, plan.loss, _units(model), "targets table"))
    parts = split_parts(y, scheme)
    history = fit(trained, plan, x, y, parts)
    rows = parts.evaluated
    scores = evaluation_metrics(trained, x[rows], trained.encoding.encode(y[rows], _units(model)), y[rows])
    write_metrics(outputs.metrics, scores, parts.evaluated_on)
    write_history(outputs.history, history)
    trained.save(outputs.model)


def _units(model) -> int:
    return int(model.outputs[0].shape[-1])
