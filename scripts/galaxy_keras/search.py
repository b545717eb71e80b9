"""'Hyperparameter search for a deep learning model': candidate training plans, each scored on held-out rows.

A candidate is the user's training plan with some settings changed: the optimizer, its learning rate, the batch
size, the epochs, or a typed field of one layer (units, dropout, mask_zero, ...). Optuna proposes the candidates
(a grid, random draws, or TPE, which also stops a candidate after an epoch when it scores below the median of
the earlier ones). Each candidate is trained and scored by the suite's own training code, on a held-out part or
in k folds: stratified for classifiers, and with a group column, no group is ever split. With no parameters to
search, the one candidate is the plan as it is: the tool then cross-validates it.
"""

from __future__ import annotations

import copy
import csv
import functools
import itertools
import math
import re
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import optuna
from sklearn.model_selection import (
    GroupKFold,
    GroupShuffleSplit,
    KFold,
    ShuffleSplit,
    StratifiedGroupKFold,
    StratifiedKFold,
    StratifiedShuffleSplit,
)

from galaxy_keras import catalogue, runtime
from galaxy_keras.errors import UserInputError
from galaxy_keras.plan import TrainingPlan, check_plan, load_plan
from galaxy_keras.runtime import keras
from galaxy_keras.trained_model import TrainedModel, shape_features, target_encoding
from galaxy_keras.training import (
    Parts,
    TableInput,
    evaluation_metrics,
    fit,
    output_units,
    read_groups,
    read_training_tables,
)

# The plan's own settings that a search may change; a layer's typed fields come on top.
PLAN_SETTINGS = {"optimizer": str, "learning_rate": float, "batch_size": int, "epochs": int}
# Scoring metrics: the task they fit, and whether a larger value is better.
SCORING = {
    "accuracy": ("classifier", True),
    "f1": ("classifier", True),
    "roc_auc": ("classifier", True),
    "mse": ("regressor", False),
    "mae": ("regressor", False),
    "r2": ("regressor", True),
}
STRATEGIES = ("grid", "random", "tpe")
_RANGE = re.compile(r"^(?P<low>\S+?)\s*\.\.\s*(?P<high>\S+?)(?:\s+(?P<log>log))?$")
_CONFIG_FIELDS_NOT_SEARCHED = frozenset({"name", "trainable", "dtype"})


@dataclass(frozen=True)
class Parameter:
    """One dimension of the search space: what it changes in the plan and the values it takes."""

    name: str  # as the results table shows it: "learning_rate", "layer 2 (LSTM) units"
    setting: str  # a key of PLAN_SETTINGS, or "layer"
    kind: type
    choices: tuple | None = None  # a list of values ...
    low: float = 0.0  # ... or a range
    high: float = 0.0
    log: bool = False
    layer: int = 0  # for a layer's field: its number in the architecture form (1 = the first after the input)
    field: str = ""

    def suggest(self, trial: optuna.Trial) -> Any:
        if self.choices is not None:
            return trial.suggest_categorical(self.name, list(self.choices))
        if self.kind is int:
            return trial.suggest_int(self.name, int(self.low), int(self.high), log=self.log)
        return trial.suggest_float(self.name, self.low, self.high, log=self.log)


@dataclass(frozen=True)
class Validation:
    """How a candidate is scored: on one held-out part (``folds`` 1) or in k folds, seeded; with ``rows``, on a
    seeded sample of that many rows (stratified, whole groups) instead of all."""

    folds: int = 1
    held_out: float = 0.2
    seed: int = 0
    rows: int | None = None


@dataclass(frozen=True)
class Budget:
    candidates: int
    minutes: float | None = None


@dataclass(frozen=True)
class SearchOutputs:
    results: str
    best_plan: str
    plot: str


# ---- the search space -------------------------------------------------------------------------------------------


def model_layers(model_config: dict) -> list[dict]:
    """The model's layers as the architecture form numbers them (the input layer Keras adds is not counted)."""
    return [layer for layer in model_config["config"]["layers"] if layer["class_name"] != "InputLayer"]


def searchable_fields(layer: dict) -> list[str]:
    return sorted(
        name
        for name, value in layer["config"].items()
        if name not in _CONFIG_FIELDS_NOT_SEARCHED and isinstance(value, bool | int | float | str)
    )


def layer_parameter_target(plan: TrainingPlan, number: int, field: str) -> tuple[str, type]:
    """(the parameter's name, the field's type) for ``field`` of layer ``number``; refused if the model has none."""
    layers = model_layers(plan.model)
    if not 1 <= number <= len(layers):
        described = ", ".join(f"{index} ({layer['class_name']})" for index, layer in enumerate(layers, start=1))
        raise UserInputError(
            f"the plan's model has no layer {number}: its layers are {described}; choose one of these numbers."
        )
    layer = layers[number - 1]
    fields = searchable_fields(layer)
    if field not in fields:
        raise UserInputError(
            f"layer {number} ({layer['class_name']}) has no field '{field}': its fields are {', '.join(fields)}."
        )
    return f"layer {number} ({layer['class_name']}) {field}", type(layer["config"][field])


def parse_value(text: str, kind: type, name: str) -> Any:
    text = text.strip()
    try:
        if kind is bool:
            if text.lower() not in ("true", "false"):
                raise ValueError(text)
            return text.lower() == "true"
        if kind is int and float(text) != int(float(text)):
            raise ValueError(text)
        return int(float(text)) if kind is int else kind(text)
    except ValueError:
        expected = {bool: "true or false", int: "a whole number", float: "a number", str: "a word"}[kind]
        raise UserInputError(f"'{text}' is not a value of {name}: give {expected}.") from None


def parse_parameter(plan: TrainingPlan, setting: str, values: str, layer: int = 0, field: str = "") -> Parameter:
    """A search-space entry of the form: a setting (or a layer's field) and its values, a list or a range."""
    if setting == "layer":
        name, kind = layer_parameter_target(plan, layer, field)
    elif setting in PLAN_SETTINGS:
        name, kind = setting, PLAN_SETTINGS[setting]
    else:
        raise UserInputError(
            f"'{setting}' is not a setting the search can change: choose one of {', '.join(PLAN_SETTINGS)}, or layer."
        )
    text = values.strip()
    if not text:
        raise UserInputError(
            f"the values of {name} are empty: give a list such as 32, 64, 100 or a range such as 1e-4 .. 1e-2 log."
        )
    matched = _RANGE.match(text)
    if matched:
        if kind not in (int, float):
            raise UserInputError(f"{name} takes a list of values, not a range: list them, separated by commas.")
        low, high = (parse_value(matched[end], kind, name) for end in ("low", "high"))
        if not low < high:
            raise UserInputError(f"the range of {name} runs from {low} to {high}: give the smaller value first.")
        if matched["log"] and low <= 0:
            raise UserInputError(f"a log range of {name} must start above 0, not at {low}: use a start such as 1e-5.")
        parameter = Parameter(name, setting, kind, None, low, high, bool(matched["log"]), layer, field)
    else:
        choices = tuple(parse_value(item, kind, name) for item in text.split(","))
        if len(set(choices)) < len(choices):
            raise UserInputError(f"the values of {name} repeat one: list each value once.")
        parameter = Parameter(name, setting, kind, choices, layer=layer, field=field)
    for value in parameter.choices if parameter.choices is not None else (parameter.low, parameter.high):
        check_value(plan, parameter, value)
    return parameter


def check_value(plan: TrainingPlan, parameter: Parameter, value: Any) -> None:
    """Refuse a value the plan cannot take (the plan's own checks, a layer field's range), before any training."""
    setting = catalogue.LAYER_FIELD_SETTINGS.get(parameter.field) if parameter.setting == "layer" else None
    if setting is not None and not setting.allows(value):
        raise UserInputError(f"{value} is outside the range of {parameter.name}: use {setting.describe()}.")
    try:
        check_plan(candidate_plan(plan, {parameter: value}))
    except UserInputError as error:
        raise UserInputError(f"{parameter.name} = {value}: {error}") from None


def candidate_plan(plan: TrainingPlan, values: dict[Parameter, Any]) -> TrainingPlan:
    """The plan with the candidate's values; an optimizer comes before its learning rate."""
    candidate = copy.deepcopy(plan)
    for parameter, value in sorted(values.items(), key=lambda item: item[0].setting != "optimizer"):
        if parameter.setting == "optimizer":
            config = candidate.optimizer["config"]
            common = {name: config[name] for name in catalogue.OPTIMIZER_COMMON_ARGUMENTS if name in config}
            candidate.optimizer = {"class_name": value, "config": common}
        elif parameter.setting == "learning_rate":
            candidate.optimizer["config"]["learning_rate"] = value
        elif parameter.setting == "layer":
            layers = model_layers(candidate.model)
            layers[parameter.layer - 1]["config"][parameter.field] = value
            for layer in layers:  # the shapes each layer was built for may change: Keras infers them again
                layer.pop("build_config", None)
        else:
            setattr(candidate, parameter.setting, value)
    return candidate


def grid_size(parameters: Sequence[Parameter]) -> int:
    for parameter in parameters:
        if parameter.choices is None:
            raise UserInputError(
                f"a grid search takes lists of values, but {parameter.name} is a range: list its values, "
                "or choose random or TPE search."
            )
    return math.prod(len(parameter.choices or ()) for parameter in parameters)


# ---- scoring -------------------------------------------------------------------------------------------------


def check_scoring(metric: str, task: str) -> bool:
    """Whether a larger value of ``metric`` is better; refused if it does not fit the plan's task."""
    if metric not in SCORING:
        raise UserInputError(f"'{metric}' is not a scoring metric of this tool: choose one of {', '.join(SCORING)}.")
    metric_task, larger_is_better = SCORING[metric]
    if metric_task != task:
        fitting = ", ".join(name for name, (kind, _) in SCORING.items() if kind == task)
        raise UserInputError(f"{metric} scores a {metric_task}, but the plan's model is a {task}: choose {fitting}.")
    return larger_is_better


def fold_splits(
    targets: np.ndarray, groups: np.ndarray | None, validation: Validation, stratify: bool
) -> list[tuple[np.ndarray, np.ndarray]]:
    """(fit rows, scored rows) of each fold; stratified for classifiers; a group never on both sides."""
    n_rows = len(targets)
    if validation.folds == 1:
        n_held = round(validation.held_out * n_rows)
        if not 0 < validation.held_out < 1 or not 1 <= n_held < n_rows:
            raise UserInputError(
                f"a held-out part of {validation.held_out} of {n_rows} rows leaves no rows on one side: "
                "use a fraction between 0 and 1 that keeps rows on each side."
            )
        if groups is not None:
            splitter: Any = GroupShuffleSplit(n_splits=1, test_size=validation.held_out, random_state=validation.seed)
        elif stratify:
            _check_class_sizes(targets, 2, "a stratified held-out part")
            splitter = StratifiedShuffleSplit(n_splits=1, test_size=n_held, random_state=validation.seed)
        else:
            splitter = ShuffleSplit(n_splits=1, test_size=n_held, random_state=validation.seed)
    else:
        if not 2 <= validation.folds <= n_rows:
            raise UserInputError(
                f"{validation.folds} folds of {n_rows} rows: use from 2 folds up to the number of rows."
            )
        if groups is not None:
            n_groups = len(np.unique(groups))
            if validation.folds > n_groups:
                raise UserInputError(
                    f"{validation.folds} folds need at least {validation.folds} groups, but the group column has "
                    f"{n_groups}: use at most {n_groups} folds."
                )
            splitter = (StratifiedGroupKFold if stratify else GroupKFold)(
                n_splits=validation.folds, shuffle=True, random_state=validation.seed
            )
        elif stratify:
            _check_class_sizes(targets, validation.folds, f"{validation.folds} stratified folds")
            splitter = StratifiedKFold(n_splits=validation.folds, shuffle=True, random_state=validation.seed)
        else:
            splitter = KFold(n_splits=validation.folds, shuffle=True, random_state=validation.seed)
    return list(splitter.split(np.zeros(n_rows), targets, groups))


def sample_rows(targets: np.ndarray, groups: np.ndarray | None, validation: Validation, stratify: bool) -> np.ndarray:
    """The rows of a seeded sample of ``validation.rows`` rows: stratified for classifiers, whole groups (then
    about that many rows)."""
    n_rows, size = len(targets), validation.rows or len(targets)
    if size < 2:
        raise UserInputError(f"a sample of {size} rows cannot be split: search on at least 10 rows, or on all.")
    if groups is not None:
        splitter: Any = GroupShuffleSplit(n_splits=1, train_size=size / n_rows, random_state=validation.seed)
    elif stratify:
        _check_class_sizes(targets, 2, "a stratified sample")
        splitter = StratifiedShuffleSplit(n_splits=1, train_size=size, random_state=validation.seed)
    else:
        splitter = ShuffleSplit(n_splits=1, train_size=size, random_state=validation.seed)
    chosen, _ = next(splitter.split(np.zeros(n_rows), targets, groups))
    return np.sort(chosen)


def _check_class_sizes(targets: np.ndarray, needed: int, what: str) -> None:
    classes, counts = np.unique(targets, return_counts=True)
    smallest = int(counts.argmin())
    if counts[smallest] < needed:
        raise UserInputError(
            f"{what} need at least {needed} rows of every class, but class '{classes[smallest]}' has "
            f"{counts[smallest]}: use at most {max(counts[smallest], 2)} folds, or more rows of that class."
        )


class EpochScores(keras.callbacks.Callback):
    """Scores the held-out rows after every epoch and tells the trial; stops training if Optuna prunes it."""

    def __init__(self, trial: optuna.Trial, score: Any) -> None:
        super().__init__()
        self.trial, self.score, self.pruned = trial, score, False

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        self.trial.report(self.score(), epoch)
        if self.trial.should_prune():
            self.pruned = True
            self.model.stop_training = True


def score_candidate(
    plan: TrainingPlan,
    x: np.ndarray,
    y: np.ndarray,
    folds: list[tuple[np.ndarray, np.ndarray]],
    metric: str,
    trial: optuna.Trial,
) -> float:
    """Train the candidate on each fold's fit rows and score the fold's other rows; return the mean score.

    The trial keeps each fold's score and epochs; during fold 1 it may stop (prune) the candidate.
    """
    fold_scores: list[float] = []
    epochs: list[int] = []
    trial.set_user_attr("epochs", epochs)
    for number, (fit_rows, held_rows) in enumerate(folds):
        score, ran = train_fold(plan, x, y, fit_rows, held_rows, metric, trial if number == 0 else None)
        fold_scores.append(score)
        epochs.append(ran)
        trial.set_user_attr("epochs", epochs)
    trial.set_user_attr("fold_scores", fold_scores)
    return float(np.mean(fold_scores))


def train_fold(
    plan: TrainingPlan,
    x: np.ndarray,
    y: np.ndarray,
    fit_rows: np.ndarray,
    held_rows: np.ndarray,
    metric: str,
    trial: optuna.Trial | None,
) -> tuple[float, int]:
    """(score of the held-out rows, epochs run) of one fold; with a trial, it may prune the candidate."""
    runtime.seed_everything(plan.seed)
    model = plan.build_model()
    trained = TrainedModel(model, target_encoding(y, plan.task, plan.loss, output_units(model), "targets table"))
    encoded_held = trained.encoding.encode(y[held_rows], output_units(model))
    score = functools.partial(held_out_score, trained, x[held_rows], encoded_held, y[held_rows], metric)
    reporter = [EpochScores(trial, score)] if trial is not None else []
    history = fit(trained, plan, x, y, Parts(fit_rows, None, held_rows, ""), extra_callbacks=reporter)
    if trial is not None and reporter[0].pruned:
        trial.set_user_attr("epochs", [len(history.epoch)])
        raise optuna.TrialPruned()
    return score(), len(history.epoch)


def held_out_score(
    trained: TrainedModel, x: np.ndarray, encoded: np.ndarray, targets: np.ndarray, metric: str
) -> float:
    return float(evaluation_metrics(trained, x, encoded, targets)[metric])


def finished_twin(trial: optuna.Trial) -> optuna.trial.FrozenTrial | None:
    """An earlier candidate with the same values that finished: random and TPE search may draw one again."""
    finished = trial.study.get_trials(deepcopy=False, states=(optuna.trial.TrialState.COMPLETE,))
    return next((earlier for earlier in finished if earlier.params == trial.params), None)


# ---- the search ------------------------------------------------------------------------------------------------


def make_sampler(strategy: str, parameters: Sequence[Parameter], seed: int) -> optuna.samplers.BaseSampler:
    if strategy not in STRATEGIES:
        raise UserInputError(
            f"'{strategy}' is not a search strategy of this tool: choose one of {', '.join(STRATEGIES)}."
        )
    if strategy == "grid" and parameters:  # planned_candidates has checked that every parameter is a list
        space = {parameter.name: list(parameter.choices or ()) for parameter in parameters}
        return optuna.samplers.GridSampler(space, seed=seed)
    if strategy == "tpe":
        return optuna.samplers.TPESampler(seed=seed)
    return optuna.samplers.RandomSampler(seed=seed)


def planned_candidates(strategy: str, parameters: Sequence[Parameter], budget: Budget) -> int:
    """How many candidates the search runs at most: one without parameters (cross-validation), a grid's size."""
    if budget.candidates < 1:
        raise UserInputError(f"a budget of {budget.candidates} candidates runs nothing: give at least 1.")
    if budget.minutes is not None and budget.minutes <= 0:
        raise UserInputError(f"a time budget of {budget.minutes} minutes runs nothing: give more, or leave it empty.")
    if not parameters:
        return 1
    return min(budget.candidates, grid_size(parameters)) if strategy == "grid" else budget.candidates


def run_search(
    plan_path: str,
    features: TableInput,
    targets: TableInput,
    groups: TableInput | None,
    parameter_forms: Sequence[dict],
    strategy: str,
    budget: Budget,
    validation: Validation,
    metric: str,
    outputs: SearchOutputs,
) -> None:
    plan = load_plan(plan_path)
    larger_is_better = check_scoring(metric, plan.task)
    parameters = [parse_parameter(plan, **form) for form in parameter_forms]
    names = [parameter.name for parameter in parameters]
    if len(set(names)) < len(names):
        raise UserInputError("the search space names one setting twice: give each setting once, with all its values.")
    n_candidates = planned_candidates(strategy, parameters, budget)
    sampler = make_sampler(strategy, parameters, validation.seed)

    x, y = read_training_tables(features, targets)
    group_values = read_groups(groups, len(y))
    if validation.rows is not None and validation.rows < len(y):
        chosen = sample_rows(y, group_values, validation, stratify=plan.task == "classifier")
        x, y = x[chosen], y[chosen]
        group_values = None if group_values is None else group_values[chosen]
    runtime.seed_everything(plan.seed)
    x = shape_features(plan.build_model(), x, "training features table", 2 if features.has_header else 1)
    folds = fold_splits(y, group_values, validation, stratify=plan.task == "classifier")

    def objective(trial: optuna.Trial) -> float:
        values = {parameter: parameter.suggest(trial) for parameter in parameters}
        twin = finished_twin(trial)
        if twin is not None:
            for name in ("fold_scores", "epochs"):
                trial.set_user_attr(name, twin.user_attrs[name])
            trial.set_user_attr("same_as", twin.number + 1)
            return float(twin.value)
        started = time.perf_counter()
        try:
            return score_candidate(candidate_plan(plan, values), x, y, folds, metric, trial)
        finally:
            trial.set_user_attr("seconds", time.perf_counter() - started)

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    pruner = optuna.pruners.MedianPruner(n_startup_trials=2) if strategy == "tpe" else optuna.pruners.NopPruner()
    study = optuna.create_study(
        direction="maximize" if larger_is_better else "minimize", sampler=sampler, pruner=pruner
    )
    study.optimize(
        objective,
        n_trials=n_candidates,
        timeout=budget.minutes * 60 if budget.minutes else None,
        callbacks=[lambda _, trial: print(progress_line(trial, n_candidates, metric), flush=True)],
    )
    if not any(trial.state == optuna.trial.TrialState.COMPLETE for trial in study.trials):
        raise UserInputError(
            "no candidate finished within the budget: give more minutes, or fewer epochs or rows per candidate."
        )
    write_results(outputs.results, study.trials, parameters, metric, larger_is_better, len(folds))
    best = study.best_trial
    best_plan = candidate_plan(plan, {parameter: best.params[parameter.name] for parameter in parameters})
    with open(outputs.best_plan, "w") as handle:
        handle.write(best_plan.to_json())
    draw_search(outputs.plot, study.trials, parameters, metric)


# ---- what the search writes ---------------------------------------------------------------------------------------


def state(trial: optuna.trial.FrozenTrial) -> str:
    """complete, pruned (stopped in fold 1, scoring below the median), or the earlier candidate it repeats."""
    if "same_as" in trial.user_attrs:
        return f"same as {trial.user_attrs['same_as']}"
    return trial.state.name.lower()


def progress_line(trial: optuna.trial.FrozenTrial, n_candidates: int, metric: str) -> str:
    values = ", ".join(f"{name}={value}" for name, value in trial.params.items()) or "the plan as it is"
    head = f"candidate {trial.number + 1}/{n_candidates} ({values})"
    if trial.state != optuna.trial.TrialState.COMPLETE:
        epochs = trial.user_attrs.get("epochs", [0])[0]
        return f"{head}: {state(trial)} after {epochs} epoch(s), below the median of the earlier candidates"
    scores = trial.user_attrs["fold_scores"]
    summary = f"{metric} {np.mean(scores):.4f} ± {np.std(scores):.4f} over {len(scores)} fold(s)"
    if "same_as" in trial.user_attrs:
        return f"{head}: {summary}, the same as candidate {trial.user_attrs['same_as']}, not trained again"
    return f"{head}: {summary}, {trial.user_attrs['seconds']:.1f} s"


def ranks(trials: Sequence[optuna.trial.FrozenTrial], larger_is_better: bool) -> dict[int, int]:
    """Rank 1 is the best completed candidate; ties share a rank."""
    completed = [trial for trial in trials if trial.state == optuna.trial.TrialState.COMPLETE]
    ordered = sorted(completed, key=lambda trial: -trial.value if larger_is_better else trial.value)
    rank_of: dict[int, int] = {}
    for position, trial in enumerate(ordered, start=1):
        tied = [other for other in ordered[: position - 1] if other.value == trial.value]
        rank_of[trial.number] = rank_of[tied[0].number] if tied else position
    return rank_of


def write_results(
    path: str,
    trials: Sequence[optuna.trial.FrozenTrial],
    parameters: Sequence[Parameter],
    metric: str,
    larger_is_better: bool,
    n_folds: int,
) -> None:
    rank_of = ranks(trials, larger_is_better)
    header = [
        "candidate",
        *(parameter.name for parameter in parameters),
        *(f"{metric}_fold_{number}" for number in range(1, n_folds + 1)),
        f"mean_{metric}",
        f"std_{metric}",
        "epochs",
        "seconds",
        "state",
        "rank",
    ]
    with open(path, "w", newline="") as handle:
        writer = csv.writer(handle, delimiter="\t", lineterminator="\n")
        writer.writerow(header)
        for trial in trials:
            scores = trial.user_attrs.get("fold_scores", [])
            writer.writerow(
                [
                    trial.number + 1,
                    *(_cell(trial.params.get(parameter.name)) for parameter in parameters),
                    *(_cell(score) for score in itertools.islice(itertools.chain(scores, [None] * n_folds), n_folds)),
                    _cell(float(np.mean(scores)) if scores else None),
                    _cell(float(np.std(scores)) if scores else None),
                    ",".join(str(epochs) for epochs in trial.user_attrs.get("epochs", [])),
                    _cell(trial.user_attrs.get("seconds")),
                    state(trial),
                    rank_of.get(trial.number, ""),
                ]
            )


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.6g}"
    return str(value)


def draw_search(
    path: str, trials: Sequence[optuna.trial.FrozenTrial], parameters: Sequence[Parameter], metric: str
) -> None:
    """The score of each candidate; beside it, the score against each of up to two numeric parameters."""
    completed = [trial for trial in trials if trial.state == optuna.trial.TrialState.COMPLETE]
    shown = [parameter for parameter in parameters if parameter.kind in (int, float)][:2]
    figure, axes = plt.subplots(1, 1 + len(shown), figsize=(5 * (1 + len(shown)), 4), squeeze=False)
    numbers = [trial.number + 1 for trial in completed]
    means = [float(np.mean(trial.user_attrs["fold_scores"])) for trial in completed]
    spreads = [float(np.std(trial.user_attrs["fold_scores"])) for trial in completed]
    axes[0][0].errorbar(numbers, means, yerr=spreads, fmt="o", capsize=3)
    axes[0][0].set(xlabel="candidate", ylabel=f"mean {metric}", title="Score of each candidate")
    for axis, parameter in zip(axes[0][1:], shown, strict=True):
        axis.scatter([trial.params[parameter.name] for trial in completed], means)
        if parameter.log or _spans_decades(parameter):
            axis.set_xscale("log")
        axis.set(xlabel=parameter.name, ylabel=f"mean {metric}", title=f"{metric} against {parameter.name}")
    figure.savefig(path, format="png", dpi=120, bbox_inches="tight")
    plt.close(figure)


def _spans_decades(parameter: Parameter) -> bool:
    values = [float(value) for value in parameter.choices or (parameter.low, parameter.high)]
    return min(values) > 0 and max(values) / min(values) >= 100
