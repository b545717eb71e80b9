"""'Hyperparameter search for a deep learning model': candidate training plans, each scored on held-out rows.

A candidate is the user's training plan with some settings changed: the optimizer, its learning rate, the batch
size, the epochs, or a typed field of one layer (units, dropout, mask_zero, ...), its values written in one grammar
(``GRAMMAR``). The candidates are a grid's combinations, drawn one at a time in a seeded order, or Optuna's random
draws or TPE's (which also stops a candidate after an epoch when it scores below the median of the earlier ones).
Each candidate is trained and scored by the suite's own training code, on a held-out part or in k folds: stratified
for classifiers, and with a group column, no group is ever split. With no parameters to search, the one candidate is
the plan as it is: the tool then cross-validates it.

Before anything trains, the plan and each value get the checks training makes before it fits (``check_candidates``),
and the folds theirs; a candidate that still fails is a row of the results with its reason, and one progress line.
"""

from __future__ import annotations

import collections
import copy
import csv
import functools
import itertools
import math
import random
import re
import time
from collections.abc import Iterator, Sequence
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
from galaxy_keras.errors import UserInputError, first_line
from galaxy_keras.plan import TrainingPlan, check_plan, load_plan
from galaxy_keras.runtime import keras
from galaxy_keras.safety import numbered_layers
from galaxy_keras.trained_model import TrainedModel, as_model_input, target_encoding
from galaxy_keras.training import (
    Parts,
    TableInput,
    check_before_fit,
    check_groupable,
    check_stratifiable,
    evaluation_metrics,
    fit,
    output_units,
    read_groups,
    read_training_tables,
)

# The plan's own settings that a search may change; a layer's typed fields come on top.
PLAN_SETTINGS = {"optimizer": str, "learning_rate": float, "batch_size": int, "epochs": int}
# How the results name a setting where its own name is taken: their epochs column holds the epochs each fold ran.
RESULT_NAMES = {"epochs": "max_epochs"}
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
# The most candidates a search runs (the form's maximum), and the most values a list of one setting may hold.
MAX_CANDIDATES = 1000
MAX_VALUES = 100
_CONFIG_FIELDS_NOT_SEARCHED = frozenset({"name", "trainable", "dtype"})

# The one grammar of a setting's values, as the tool's help gives it: a list of values of the setting's type, or a
# range of two numbers with an optional "log". Anything else is refused, naming these forms.
GRAMMAR = (
    "a list of values separated by commas, such as 32, 64, 100 or Adam, RMSprop, or a range of two numbers around "
    "two dots, such as 16 .. 128 or 1e-4 .. 1e-2 log (log: drawn evenly on a log scale)"
)
_NUMBER = r"[+-]?(?:\d+(?:\.\d+)?|\.\d+)(?:[eE][+-]?\d+)?"
# The two dots of a range are never followed by a third, so that '1e-4...1e-2' is refused, not read as 1e-4 .. .1e-2.
_RANGE = re.compile(rf"(?P<low>{_NUMBER})\s*\.\.(?!\.)\s*(?P<high>{_NUMBER})(?:\s+(?P<log>log))?")
_VALUES = {
    bool: (re.compile(r"true|false", re.IGNORECASE), "true or false"),
    int: (re.compile(r"[+-]?\d+"), "a whole number, such as 64"),
    float: (re.compile(_NUMBER), "a number, such as 0.01 or 1e-3"),
    str: (re.compile(r"[A-Za-z_][A-Za-z0-9_]*"), "a name, such as relu or Adam"),
}


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
    layer: int = 0  # for a layer's field: its number, as the architecture form counts (safety.numbered_layers)
    field: str = ""

    def values_to_check(self) -> tuple:
        """The values checked before anything trains: every value of a list, the two ends of a range."""
        return self.choices if self.choices is not None else (self.low, self.high)

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


def searchable_fields(layer: dict) -> list[str]:
    return sorted(
        name
        for name, value in layer["config"].items()
        if name not in _CONFIG_FIELDS_NOT_SEARCHED and isinstance(value, bool | int | float | str)
    )


def layer_parameter_target(plan: TrainingPlan, number: int, field: str) -> tuple[str, type]:
    """(the parameter's name, the field's type) for ``field`` of layer ``number``; refused if the model has none."""
    layers = numbered_layers(plan.model)
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
    """One value of a list, or one end of a range, of ``kind``; anything the grammar does not allow is refused."""
    pattern, expected = _VALUES[kind]
    if not pattern.fullmatch(text):
        shown = f"'{text}'" if text else "an empty value (two commas in a row, or one at the end)"
        raise UserInputError(f"{shown} is not a value of {name}: give {expected}; the values are {GRAMMAR}.")
    if kind is bool:
        return text.lower() == "true"
    return kind(text)


def parse_parameter(plan: TrainingPlan, setting: str, values: str, layer: int = 0, field: str = "") -> Parameter:
    """A search-space entry of the form: a setting (or a layer's field) and its values, a list or a range."""
    if setting == "layer":
        name, kind = layer_parameter_target(plan, layer, field)
    elif setting in PLAN_SETTINGS:
        name, kind = RESULT_NAMES.get(setting, setting), PLAN_SETTINGS[setting]
    else:
        raise UserInputError(
            f"'{setting}' is not a setting the search can change: choose one of {', '.join(PLAN_SETTINGS)}, or layer."
        )
    text = values.strip()
    if not text:
        raise UserInputError(f"the values of {name} are empty: give {GRAMMAR}.")
    if ".." in text and kind not in (int, float):
        raise UserInputError(f"{name} takes a list of values, not a range: list them, separated by commas.")
    matched = _RANGE.fullmatch(text)
    if matched:
        parameter = _range_parameter(name, setting, kind, matched, layer, field)
    elif ".." in text:
        raise UserInputError(f"'{text}' is not a range of {name}: give {GRAMMAR}.")
    else:
        items = text.split(",")
        if len(items) > MAX_VALUES:
            raise UserInputError(
                f"the list of {name} holds {len(items)} values, more than the {MAX_VALUES} a list may hold: give "
                "fewer, or a range."
            )
        choices = tuple(parse_value(item.strip(), kind, name) for item in items)
        if len(set(choices)) < len(choices):
            raise UserInputError(f"the values of {name} repeat one: list each value once.")
        parameter = Parameter(name, setting, kind, choices, layer=layer, field=field)
    for value in parameter.values_to_check():
        check_value(plan, parameter, value)
    return parameter


def _range_parameter(name: str, setting: str, kind: type, matched: re.Match, layer: int, field: str) -> Parameter:
    low, high = (parse_value(matched[end], kind, name) for end in ("low", "high"))
    if not low < high:
        raise UserInputError(f"the range of {name} runs from {low} to {high}: give the smaller value first.")
    if matched["log"] and low <= 0:
        raise UserInputError(f"a log range of {name} must start above 0, not at {low}: use a start such as 1e-5.")
    return Parameter(name, setting, kind, None, low, high, bool(matched["log"]), layer, field)


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
            layers = numbered_layers(candidate.model)
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


def grid_candidates(parameters: Sequence[Parameter], count: int, seed: int) -> Iterator[dict[str, Any]]:
    """``count`` different combinations of the parameters' lists, in a seeded random order, made one at a time.

    A grid of many lists has more combinations than memory holds, and the budget runs at most MAX_CANDIDATES of
    them: each is drawn as a number below the grid's size, then read digit by digit in the lists' sizes.
    """
    sizes = [len(parameter.choices or ()) for parameter in parameters]
    total = math.prod(sizes)
    generator = random.Random(seed)
    drawn: set[int] = set()
    while len(drawn) < min(count, total):
        number = generator.randrange(total)
        if number in drawn:
            continue
        drawn.add(number)
        values = {}
        for parameter, size in zip(parameters, sizes, strict=True):
            number, position = divmod(number, size)
            values[parameter.name] = (parameter.choices or ())[position]
        yield values


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


# The ways out of a split that cannot be made, in the form's terms: a search always stratifies a classifier's rows.
WITHOUT_GROUPS = "set 'Keep rows of one group together?' to No"
MORE_ROWS = "give more rows of each class"


def fold_splits(
    targets: np.ndarray, groups: np.ndarray | None, validation: Validation, stratify: bool
) -> list[tuple[np.ndarray, np.ndarray]]:
    """(fit rows, scored rows) of each fold; stratified for classifiers; a group never on both sides.

    What scikit-learn needs of the rows, classes and groups is checked first, so that it is said in the form's terms.
    """
    n_rows = len(targets)
    if validation.folds == 1:
        n_held = round(validation.held_out * n_rows)
        if not 0 < validation.held_out < 1 or not 1 <= n_held < n_rows:
            raise UserInputError(
                f"a held-out part of {validation.held_out} of {n_rows} rows leaves no rows on one side: "
                "use a fraction between 0 and 1 that keeps rows on each side."
            )
        if groups is not None:
            check_groupable(groups, validation.held_out, "held-out", otherwise=WITHOUT_GROUPS)
            splitter: Any = GroupShuffleSplit(n_splits=1, test_size=validation.held_out, random_state=validation.seed)
        elif stratify:
            check_stratifiable(targets, n_held, "held-out", otherwise=MORE_ROWS)
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
            _check_class_sizes(
                targets, validation.folds, f"{validation.folds} stratified folds need", "use at most {fewest} folds"
            )
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
        share = size / n_rows
        n_groups = len(np.unique(groups))
        if math.floor(share * n_groups) < 1:  # how GroupShuffleSplit counts the groups it keeps
            raise UserInputError(
                f"a sample of {size} of the {n_rows} rows holds no whole group of the {n_groups}: sample at least "
                f"{math.ceil(n_rows / n_groups)} rows, or search on all rows."
            )
        splitter: Any = GroupShuffleSplit(n_splits=1, train_size=share, random_state=validation.seed)
    elif stratify:
        _check_class_sizes(targets, 2, "a stratified sample needs", "search on all rows")
        n_classes = len(np.unique(targets))
        if not n_classes <= size <= n_rows - n_classes:
            raise UserInputError(
                f"a stratified sample of {size} of the {n_rows} rows cannot hold all {n_classes} classes and leave "
                f"rows of each out: sample from {n_classes} to {n_rows - n_classes} rows, or search on all rows."
            )
        splitter = StratifiedShuffleSplit(n_splits=1, train_size=size, random_state=validation.seed)
    else:
        splitter = ShuffleSplit(n_splits=1, train_size=size, random_state=validation.seed)
    chosen, _ = next(splitter.split(np.zeros(n_rows), targets, groups))
    return np.sort(chosen)


def _check_class_sizes(targets: np.ndarray, needed: int, what: str, fix: str) -> None:
    """Refuse when a class has fewer than ``needed`` rows; ``fix`` may name ``{fewest}``, the smallest class's rows."""
    classes, counts = np.unique(targets, return_counts=True)
    smallest = int(counts.argmin())
    if counts[smallest] < needed:
        fewest = max(int(counts[smallest]), 2)
        raise UserInputError(
            f"{what} at least {needed} rows of every class, but class '{classes[smallest]}' has "
            f"{counts[smallest]}: {fix.format(fewest=fewest)}, or give more rows of that class."
        )


def check_scores_defined(targets: np.ndarray, folds: list[tuple[np.ndarray, np.ndarray]], metric: str) -> None:
    """Refuse folds whose score is undefined (NaN): ROC AUC of scored rows that lack a class, R² of one row."""
    classes = np.unique(targets) if metric == "roc_auc" else ()
    for number, (_, scored) in enumerate(folds, start=1):
        where = f"the scored rows of fold {number}" if len(folds) > 1 else "the held-out rows"
        missing = sorted(set(classes) - set(targets[scored]))
        if missing:
            raise UserInputError(
                f"{where} hold no row of class '{missing[0]}', so their ROC AUC is undefined: use fewer folds or a "
                "larger held-out part, or score by accuracy or f1."
            )
        if metric == "r2" and len(scored) < 2:
            raise UserInputError(
                f"{where} are a single row, whose R² is undefined: use fewer folds or a larger held-out part, or score "
                "by mse or mae."
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


@dataclass(frozen=True)
class SearchRows:
    """The rows every candidate is trained and scored on."""

    x: np.ndarray  # the features as read: one row per sample (``as_model_input`` shapes them for a model)
    y: np.ndarray
    folds: list[tuple[np.ndarray, np.ndarray]]  # (fit rows, scored rows) of each fold
    first_line: int  # the features table's line of its first row, for messages


def check_candidate(plan: TrainingPlan, rows: SearchRows) -> None:
    """What training checks before it fits (``check_before_fit``), for a candidate: its model's size against the
    job's memory, its input against the features, its last layer against the targets, its smallest fit part against
    its validation split and callbacks. The model is an outline: nothing is allocated."""
    smallest_fit = min(len(fit_rows) for fit_rows, _ in rows.folds)
    check_before_fit(plan, plan.outline(len(rows.y)), rows.x, rows.y, smallest_fit, False, rows.first_line)


def check_candidates(plan: TrainingPlan, parameters: Sequence[Parameter], rows: SearchRows) -> None:
    """Before anything trains: the plan as it is, and each value of each parameter in it, pass ``check_candidate``.

    A value is named only when it is the value that fails: what fails with the plan as it is is the plan's problem.
    """
    try:
        check_candidate(plan, rows)
        plan_error = None
    except UserInputError as error:
        plan_error = error
    for parameter in parameters:
        for value in parameter.values_to_check():
            try:
                check_candidate(candidate_plan(plan, {parameter: value}), rows)
            except UserInputError as error:
                if plan_error is not None and str(error) == str(plan_error):
                    raise plan_error from None
                raise UserInputError(f"{parameter.name} = {value}: {error}") from None
    if plan_error is not None and not parameters:
        raise plan_error


def score_candidate(plan: TrainingPlan, rows: SearchRows, metric: str, trial: optuna.Trial) -> float:
    """Train the candidate on each fold's fit rows and score the fold's other rows; return the mean score.

    The trial keeps each fold's score and epochs; during fold 1 it may stop (prune) the candidate.
    """
    fold_scores: list[float] = []
    epochs: list[int] = []
    trial.set_user_attr("epochs", epochs)
    for number, (fit_rows, held_rows) in enumerate(rows.folds):
        score, ran = train_fold(plan, rows, fit_rows, held_rows, metric, trial if number == 0 else None)
        fold_scores.append(score)
        epochs.append(ran)
        trial.set_user_attr("epochs", epochs)
    trial.set_user_attr("fold_scores", fold_scores)
    return float(np.mean(fold_scores))


def train_fold(
    plan: TrainingPlan,
    rows: SearchRows,
    fit_rows: np.ndarray,
    held_rows: np.ndarray,
    metric: str,
    trial: optuna.Trial | None,
) -> tuple[float, int]:
    """(score of the held-out rows, epochs run) of one fold; with a trial, it may prune the candidate."""
    runtime.seed_everything(plan.seed)
    model = plan.build_model(rows=len(fit_rows))
    x, y = as_model_input(model, rows.x), rows.y
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


def run_candidate(
    trial: optuna.Trial, plan: TrainingPlan, parameters: Sequence[Parameter], rows: SearchRows, metric: str
) -> tuple[optuna.trial.TrialState, float | None]:
    """Train and score one candidate: (its state, its mean score). A candidate that fails is a failed candidate
    with its reason (``failure_reason``), never the end of the search."""
    values = {parameter: parameter.suggest(trial) for parameter in parameters}
    twin = finished_twin(trial)
    if twin is not None:
        for name in ("fold_scores", "epochs"):
            trial.set_user_attr(name, twin.user_attrs[name])
        trial.set_user_attr("same_as", twin.number + 1)
        return optuna.trial.TrialState.COMPLETE, twin.value
    started = time.perf_counter()
    try:
        candidate = candidate_plan(plan, values)
        check_plan(candidate)  # a combination of values that each passed alone may still fail
        check_candidate(candidate, rows)
        score = score_candidate(candidate, rows, metric, trial)
        if math.isnan(score):  # the checks before the search rule out the known causes; a NaN must not rank
            raise UserInputError(f"its {metric} is undefined (NaN) in a fold: score by another metric.")
        return optuna.trial.TrialState.COMPLETE, score
    except optuna.TrialPruned:
        return optuna.trial.TrialState.PRUNED, None
    except Exception as error:  # noqa: BLE001 - whatever stops a candidate is its row's reason
        trial.set_user_attr("failure", failure_reason(error))
        return optuna.trial.TrialState.FAIL, None
    finally:
        trial.set_user_attr("seconds", time.perf_counter() - started)


def failure_reason(error: Exception) -> str:
    """Why a candidate failed, in one line."""
    if isinstance(error, UserInputError):
        return " ".join(str(error).split())
    if isinstance(error, MemoryError | runtime.tf.errors.ResourceExhaustedError):
        return "the job ran out of memory: use a smaller batch size or model, or ask for more memory."
    return f"{type(error).__name__}: {first_line(error)}"


def run_candidates(
    study: optuna.Study,
    plan: TrainingPlan,
    parameters: Sequence[Parameter],
    rows: SearchRows,
    metric: str,
    grid: Iterator[dict[str, Any]] | None,
    n_candidates: int,
    minutes: float | None,
) -> None:
    """Run up to ``n_candidates`` candidates, none starting after ``minutes``; one progress line each.

    A grid's candidates come from ``grid``; random and TPE search draw theirs from the study's sampler.
    """
    deadline = time.monotonic() + minutes * 60 if minutes else math.inf
    for _ in range(n_candidates):
        if time.monotonic() >= deadline:
            break
        if grid is not None:
            study.enqueue_trial(next(grid))
        trial = study.ask()
        state, value = run_candidate(trial, plan, parameters, rows, metric)
        finished = study.tell(trial, value, state=state)
        print(progress_line(finished, n_candidates, metric), flush=True)


def no_candidate_finished(trials: Sequence[optuna.trial.FrozenTrial]) -> UserInputError:
    """Why a search ends without a result: each reason, counted."""
    failures = collections.Counter(trial.user_attrs["failure"] for trial in trials if "failure" in trial.user_attrs)
    reasons = [f"{count} failed: {reason}" for reason, count in failures.most_common()]
    pruned = sum(trial.state == optuna.trial.TrialState.PRUNED for trial in trials)
    if pruned:
        reasons.append(f"{pruned} stopped early, below the median")
    return UserInputError(f"none of the {len(trials)} candidates finished; {'; '.join(reasons)}")


# ---- the search ------------------------------------------------------------------------------------------------


def make_sampler(strategy: str, seed: int) -> optuna.samplers.BaseSampler:
    """The sampler of random and TPE search; a grid's candidates come from ``grid_candidates`` instead."""
    if strategy not in STRATEGIES:
        raise UserInputError(
            f"'{strategy}' is not a search strategy of this tool: choose one of {', '.join(STRATEGIES)}."
        )
    return optuna.samplers.TPESampler(seed=seed) if strategy == "tpe" else optuna.samplers.RandomSampler(seed=seed)


def planned_candidates(strategy: str, parameters: Sequence[Parameter], budget: Budget) -> int:
    """How many candidates the search runs at most: one without parameters (cross-validation), a grid's size."""
    if budget.candidates < 1:
        raise UserInputError(f"a budget of {budget.candidates} candidates runs nothing: give at least 1.")
    if budget.candidates > MAX_CANDIDATES:
        raise UserInputError(
            f"a budget of {budget.candidates} candidates is more than this tool runs: give at most {MAX_CANDIDATES}."
        )
    if budget.minutes is not None and budget.minutes <= 0:
        raise UserInputError(f"a time budget of {budget.minutes} minutes runs nothing: give more, or leave it empty.")
    if not parameters:
        return 1
    return min(budget.candidates, grid_size(parameters)) if strategy == "grid" else budget.candidates


def read_search_rows(
    plan: TrainingPlan, features: TableInput, targets: TableInput, groups: TableInput | None, validation: Validation
) -> SearchRows:
    """The rows of the tables (or of a sample of them) and the folds they are split into."""
    x, y = read_training_tables(features, targets, plan.task)
    group_values = read_groups(groups, targets, len(y))
    stratify = plan.task == "classifier"
    if validation.rows is not None and validation.rows < len(y):
        chosen = sample_rows(y, group_values, validation, stratify)
        x, y = x[chosen], y[chosen]
        group_values = None if group_values is None else group_values[chosen]
    folds = fold_splits(y, group_values, validation, stratify)
    return SearchRows(x, y, folds, 2 if features.has_header else 1)


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
    """Check everything that can be checked before anything trains, then run the candidates and write the outputs;
    refused in one line, with each reason counted, when no candidate finished."""
    plan = load_plan(plan_path)
    larger_is_better = check_scoring(metric, plan.task)
    parameters = [parse_parameter(plan, **form) for form in parameter_forms]
    names = [parameter.name for parameter in parameters]
    if len(set(names)) < len(names):
        raise UserInputError("the search space names one setting twice: give each setting once, with all its values.")
    n_candidates = planned_candidates(strategy, parameters, budget)
    sampler = make_sampler(strategy, validation.seed)
    rows = read_search_rows(plan, features, targets, groups, validation)
    check_scores_defined(rows.y, rows.folds, metric)
    check_candidates(plan, parameters, rows)

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    pruner = optuna.pruners.MedianPruner(n_startup_trials=2) if strategy == "tpe" else optuna.pruners.NopPruner()
    study = optuna.create_study(
        direction="maximize" if larger_is_better else "minimize", sampler=sampler, pruner=pruner
    )
    grid = grid_candidates(parameters, n_candidates, validation.seed) if strategy == "grid" and parameters else None
    run_candidates(study, plan, parameters, rows, metric, grid, n_candidates, budget.minutes)
    if not any(trial.state == optuna.trial.TrialState.COMPLETE for trial in study.trials):
        raise no_candidate_finished(study.trials)
    write_results(outputs.results, study.trials, parameters, metric, larger_is_better, len(rows.folds))
    best = study.best_trial
    best_plan = candidate_plan(plan, {parameter: best.params[parameter.name] for parameter in parameters})
    with open(outputs.best_plan, "w") as handle:
        handle.write(best_plan.to_json())
    draw_search(outputs.plot, study.trials, parameters, metric)


# ---- what the search writes ---------------------------------------------------------------------------------------


def state(trial: optuna.trial.FrozenTrial) -> str:
    """complete, pruned (stopped in fold 1, scoring below the median), the earlier candidate it repeats, or failed
    with its reason."""
    if "same_as" in trial.user_attrs:
        return f"same as {trial.user_attrs['same_as']}"
    if "failure" in trial.user_attrs:
        return f"failed: {trial.user_attrs['failure']}"
    return trial.state.name.lower()


def progress_line(trial: optuna.trial.FrozenTrial, n_candidates: int, metric: str) -> str:
    values = ", ".join(f"{name}={value}" for name, value in trial.params.items()) or "the plan as it is"
    head = f"candidate {trial.number + 1}/{n_candidates} ({values})"
    if trial.state == optuna.trial.TrialState.FAIL:
        return f"{head}: {state(trial)}"
    if trial.state == optuna.trial.TrialState.PRUNED:
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
