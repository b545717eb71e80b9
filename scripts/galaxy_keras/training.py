"""'Deep learning training and evaluation': split, fit, score the held-out rows, save model and history.

Schemes:
- ``train_val``: hold out ``test_size`` of the rows; fit on the rest (with the plan's own validation split for
  per-epoch validation); the metrics table scores the held-out rows.
- ``train_val_test``: hold out a test part and a validation part; fit on the rest with the validation part as
  per-epoch validation data; the metrics table scores the test part.

A group split (GroupShuffleSplit) holds out whole groups, so the rows of one group (the reviews of one film, the samples
of one patient) are never on both sides; it counts groups, not rows, so each part's share of the rows is approximate.
"""

from __future__ import annotations

import csv
import math
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from sklearn import metrics as skmetrics
from sklearn.model_selection import GroupShuffleSplit, ShuffleSplit, StratifiedShuffleSplit

from galaxy_keras import catalogue, runtime
from galaxy_keras.catalogue import Setting
from galaxy_keras.errors import UserInputError
from galaxy_keras.files import RowCount, check_same_row_counts
from galaxy_keras.padding import DatasetMaker, grouped_dataset, masks_padding, shuffled_dataset
from galaxy_keras.plan import TrainingPlan, check_setting, load_plan
from galaxy_keras.prediction import predict_rows
from galaxy_keras.runtime import keras
from galaxy_keras.tables import ColumnSelection, read_feature_matrix, read_target_column
from galaxy_keras.trained_model import TargetEncoding, TrainedModel, as_model_input, check_features, target_encoding

SCHEMES = ("train_val", "train_val_test")
SPLIT_METHODS = ("shuffle", "stratified", "none", "group")


@dataclass(frozen=True)
class TableInput:
    path: str
    has_header: bool
    columns: ColumnSelection


@dataclass(frozen=True)
class Scheme:
    name: str  # one of SCHEMES
    test_size: float  # the held-out part, scored at the end; the form calls it 'validation size' for train_val
    validation_size: float = 0.0  # train_val_test only
    method: str = "shuffle"  # one of SPLIT_METHODS
    random_state: int | None = 0
    groups: TableInput | None = None  # the column naming each row's group: the group method only

    @property
    def held_out_part(self) -> str:
        """What the form calls the part scored at the end."""
        return "validation" if self.name == "train_val" else "test"


def check_scheme(scheme: Scheme) -> None:
    """The split settings as the user gave them, checked before any table is read."""
    check_setting(scheme.name, Setting(str, choices=SCHEMES), "the scheme")
    check_setting(scheme.method, Setting(str, choices=SPLIT_METHODS), "the split method")
    if scheme.method == "group" and scheme.groups is None:
        raise UserInputError(
            "a group split needs a groups table: give the column that names each row's group, or use a shuffle split."
        )
    sizes = catalogue.SPLIT_SETTINGS
    check_setting(scheme.test_size, sizes["test_size"], f"the {scheme.held_out_part} size")
    if scheme.name == "train_val_test":
        check_setting(scheme.validation_size, sizes["validation_size"], "the validation size")
        if scheme.test_size + scheme.validation_size >= 1:
            raise UserInputError(
                f"test {scheme.test_size} + validation {scheme.validation_size} leaves nothing to train on: make "
                "their sum less than 1."
            )
    if scheme.random_state is not None:
        check_setting(scheme.random_state, sizes["random_state"], "the random state of the split")


@dataclass(frozen=True)
class TrainingOutputs:
    metrics: str
    model: str
    history: str


def split_rows(
    targets: np.ndarray,
    n_held: int,
    scheme: Scheme,
    part: str,
    rows: str = "rows",
    groups: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """(kept, held-out) row indices: ``n_held`` of the ``rows`` (as messages call them) are held out.

    The group method holds out that share of the groups (``groups``: each row's group), whatever their row counts.
    """
    n_rows = len(targets)
    if scheme.method == "none":
        return np.arange(n_rows - n_held), np.arange(n_rows - n_held, n_rows)
    if scheme.method == "group":
        if groups is None:
            raise TypeError("the group method needs each row's group")
        check_groupable(groups, n_held / n_rows, part, rows)
        splitter: Any = GroupShuffleSplit(n_splits=1, test_size=n_held / n_rows, random_state=scheme.random_state)
    elif scheme.method == "stratified":
        check_stratifiable(targets, n_held, part, rows)
        splitter = StratifiedShuffleSplit(n_splits=1, test_size=n_held, random_state=scheme.random_state)
    else:
        splitter = ShuffleSplit(n_splits=1, test_size=n_held, random_state=scheme.random_state)
    kept, held = next(splitter.split(np.zeros(n_rows), targets, groups))
    return kept, held


def check_groupable(
    groups: np.ndarray, share: float, part: str, rows: str = "rows", otherwise: str = "use a shuffle split"
) -> None:
    """What GroupShuffleSplit needs to keep a group on each side, said in rows and groups rather than in its terms;
    ``otherwise``: the way out without groups."""
    names = np.unique(groups)
    if len(names) < 2:
        raise UserInputError(
            f"all {len(groups)} {rows} belong to one group ('{names[0]}'): a group split needs at least two groups; "
            f"check the groups column, or {otherwise}."
        )
    n_held = math.ceil(share * len(names))  # how GroupShuffleSplit counts the held-out groups
    if n_held >= len(names):
        raise UserInputError(
            f"the {part} part of a group split takes all {len(names)} groups of the {len(groups)} {rows}, leaving "
            f"none to train on: lower the {part} size, or give more groups."
        )


def check_stratifiable(
    targets: np.ndarray, n_held: int, part: str, rows: str = "rows", otherwise: str = "use a shuffle split"
) -> None:
    """What scikit-learn needs to keep every class on both sides, said in rows rather than in its own terms."""
    classes, counts = np.unique(targets, return_counts=True)
    if counts.min() < 2:
        raise UserInputError(
            f"class '{classes[counts.argmin()]}' has a single row among the {rows}: a stratified split needs at least "
            f"two rows of every class; {otherwise}."
        )
    n_kept = len(targets) - n_held
    if min(n_held, n_kept) < len(classes):
        raise UserInputError(
            f"a stratified split of the {len(targets)} {rows} into {n_kept} and a {part} part of {n_held} cannot "
            f"put all {len(classes)} classes on both sides: choose a {part} size that keeps at least "
            f"{len(classes)} rows on each side, or {otherwise}."
        )


def _part_rows(size: float, n_rows: int, part: str) -> int:
    """How many of the rows a part of ``size`` holds."""
    n_part = round(size * n_rows)
    if n_part < 1:
        raise UserInputError(
            f"a {part} size of {size} holds none of the {n_rows} rows: raise it to at least {1 / n_rows:.3g} (one row)."
        )
    return n_part


def evaluation_metrics(
    trained: TrainedModel, features: np.ndarray, encoded: np.ndarray, targets: np.ndarray
) -> dict[str, float]:
    """The Keras loss and the scikit-learn scores of the held-out rows, all from one prediction of them."""
    model, encoding = trained.model, trained.encoding
    outputs = predict_rows(trained, features)
    if not np.isfinite(outputs).all():
        raise UserInputError(
            "the model's outputs for the scored rows are not finite numbers (NaN or infinite), so training diverged: "
            "use a smaller learning rate, clip the gradients (clipnorm), or add the TerminateOnNaN callback."
        )
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


def split_parts(targets: np.ndarray, scheme: Scheme, groups: np.ndarray | None = None) -> Parts:
    """The scheme's parts; with the group method (``groups``: each row's group) every part holds whole groups."""
    n_rows, part = len(targets), scheme.held_out_part
    n_evaluated = _part_rows(scheme.test_size, n_rows, part)
    if scheme.name == "train_val":
        if n_evaluated >= n_rows:
            raise UserInputError(
                f"a validation size of {scheme.test_size} of {n_rows} rows leaves no row to train on: lower it."
            )
        fit, evaluated = split_rows(targets, n_evaluated, scheme, part, groups=groups)
        return Parts(fit, None, evaluated, f"validation ({len(evaluated)} rows)")
    n_validation = _part_rows(scheme.validation_size, n_rows, "validation")
    if n_evaluated + n_validation >= n_rows:
        raise UserInputError(
            f"test {scheme.test_size} + validation {scheme.validation_size} of {n_rows} rows leave no row to train "
            "on: make their sum smaller."
        )
    kept, evaluated = split_rows(targets, n_evaluated, scheme, part, groups=groups)
    after_test = "rows left after holding out the test part"
    kept_groups = None if groups is None else groups[kept]
    fit, validation = split_rows(targets[kept], n_validation, scheme, "validation", after_test, kept_groups)
    return Parts(kept[fit], kept[validation], evaluated, f"test ({len(evaluated)} rows)")


def read_training_tables(features: TableInput, targets: TableInput, task: str) -> tuple[np.ndarray, np.ndarray]:
    """The features, and the targets: a classifier's class labels as written (``tables.labels_as_written``)."""
    x = read_feature_matrix(features.path, features.has_header, features.columns, "training features table")
    labels = task == "classifier"
    y = read_target_column(targets.path, targets.has_header, targets.columns, "targets table", labels=labels)
    check_same_row_counts(
        RowCount("features table", len(x), features.path, features.has_header),
        RowCount("targets table", len(y), targets.path, targets.has_header),
        "give one target per row of features",
    )
    return x, y


def read_groups(groups: TableInput | None, targets: TableInput, n_rows: int) -> np.ndarray | None:
    """Each row's group, as written in the groups table, or None without one; ``n_rows`` rows of ``targets``."""
    if groups is None:
        return None
    values = read_target_column(groups.path, groups.has_header, groups.columns, "groups table", labels=True)
    check_same_row_counts(
        RowCount("groups table", len(values), groups.path, groups.has_header),
        RowCount("targets table", n_rows, targets.path, targets.has_header),
        "give one group per row",
    )
    return values.astype(str)


def fit(
    trained: TrainedModel,
    plan: TrainingPlan,
    x: np.ndarray,
    y: np.ndarray,
    parts: Parts,
    extra_callbacks: Sequence[keras.callbacks.Callback] = (),
) -> Any:
    """Train on the fit rows; per-epoch validation comes from the scheme's part or the plan's validation split.

    ``extra_callbacks`` run after the plan's (the hyperparameter search reports each epoch's score with one).
    """
    units = output_units(trained.model)
    if parts.validation is not None:
        validation: dict[str, Any] = {
            "validation_data": (x[parts.validation], trained.encoding.encode(y[parts.validation], units))
        }
    else:
        _check_validation_split(plan.validation_split, len(parts.fit))
        validation = {"validation_split": plan.validation_split}
    callbacks = [
        *plan.build_callbacks(has_validation_data=parts.validation is not None or plan.validation_split > 0),
        EpochTimer(),
        *extra_callbacks,
    ]
    encoded = trained.encoding.encode(y[parts.fit], units)
    # padding-aware batches (see ``padding``) for a model that masks its padding, when the plan asks for them
    grouped = plan.batching == "grouped" and masks_padding(trained.model)
    make_dataset = grouped_dataset if grouped else shuffled_dataset
    return _fit_datasets(trained.model, plan, x[parts.fit], encoded, validation, callbacks, make_dataset)


def _keras_split_at(n_rows: int, validation_split: float) -> int:
    """How many rows Keras trains on with a validation split: the first ones, before any shuffling."""
    return math.floor(n_rows * (1.0 - validation_split))


def _check_validation_split(validation_split: float, n_rows: int) -> None:
    """Refuse, before training, a plan's validation split that Keras would find empty or all-consuming."""
    if not validation_split:
        return
    split_at = _keras_split_at(n_rows, validation_split)
    if split_at == n_rows:
        raise UserInputError(
            f"a validation split of {validation_split} of the {n_rows} rows left for training is empty: raise it "
            "or use more rows."
        )
    if split_at == 0:
        raise UserInputError(
            f"a validation split of {validation_split} of the {n_rows} rows left for training leaves no row to "
            "train on: lower it or use more rows."
        )


def _fit_datasets(
    model,
    plan: TrainingPlan,
    x: np.ndarray,
    y: np.ndarray,
    validation: dict,
    callbacks: list,
    make_dataset: DatasetMaker,
) -> Any:
    """Fit on the dataset that ``make_dataset`` makes of the rows, with per-epoch validation on one it makes of the
    validation rows, in order. Never on arrays: Keras' own pipeline of arrays has tf.data's autotuning on, and then
    stalls (see ``padding.repeating_dataset``)."""
    if "validation_split" in validation:
        split_at = _keras_split_at(len(x), plan.validation_split)
        x, y, validation_x, validation_y = x[:split_at], y[:split_at], x[split_at:], y[split_at:]
    else:
        validation_x, validation_y = validation["validation_data"]
    per_epoch_validation: dict[str, Any] = {}
    if len(validation_x):
        dataset, steps = make_dataset(validation_x, validation_y, plan.batch_size, None, False)
        per_epoch_validation = {"validation_data": dataset, "validation_steps": steps}
    dataset, steps = make_dataset(x, y, plan.batch_size, plan.seed, plan.shuffle)
    return model.fit(
        dataset,
        steps_per_epoch=steps,
        shuffle=False,  # the dataset orders the rows itself at every epoch
        epochs=plan.epochs,
        callbacks=callbacks,
        verbose=2,
        **per_epoch_validation,
    )


def check_before_fit(
    plan: TrainingPlan, model, x: np.ndarray, y: np.ndarray, n_fit_rows: int, has_validation_part: bool, first_line: int
) -> TargetEncoding:
    """What training checks before it fits, on the built model or its outline (``TrainingPlan.outline``): the
    features against the model's input, the targets against the loss and the last layer, and the rows it fits on
    against the plan's validation split and its callbacks. Returns how the targets are encoded."""
    check_features(model, x, "training features table", first_line)
    encoding = target_encoding(y, plan.task, plan.loss, output_units(model), "targets table")
    _check_validation_split(plan.validation_split, n_fit_rows)
    plan.check_validation_data(has_validation_part or plan.validation_split > 0)
    return encoding


def train_and_evaluate(
    plan_path: str, features: TableInput, targets: TableInput, scheme: Scheme, outputs: TrainingOutputs
) -> None:
    check_scheme(scheme)
    plan = load_plan(plan_path)
    if scheme.method == "stratified" and plan.task != "classifier":
        raise UserInputError("a stratified split needs class labels: use a shuffle split for a regressor.")
    runtime.seed_everything(plan.seed)
    x, y = read_training_tables(features, targets, plan.task)
    groups = read_groups(scheme.groups, targets, len(y))
    model = plan.build_model(rows=len(y))
    parts = split_parts(y, scheme, groups)
    first_line = 2 if features.has_header else 1
    encoding = check_before_fit(plan, model, x, y, len(parts.fit), parts.validation is not None, first_line)
    trained = TrainedModel(model, encoding)
    x = as_model_input(model, x)
    history = fit(trained, plan, x, y, parts)
    rows = parts.evaluated
    scores = evaluation_metrics(trained, x[rows], trained.encoding.encode(y[rows], output_units(model)), y[rows])
    write_metrics(outputs.metrics, scores, parts.evaluated_on)
    write_history(outputs.history, history)
    trained.save(outputs.model)


def output_units(model) -> int:
    return int(model.outputs[0].shape[-1])
