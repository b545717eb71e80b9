"""'Create deep learning model': an architecture plus how to train it, as one JSON training plan.

The plan is plain JSON (no pickle): the model configuration, the loss, the optimizer and its settings,
the metrics, the fit settings, the callbacks and the random seed. ``load_plan`` checks a plan from a user's
file against the catalogue before anything is built from it.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import MISSING, asdict, dataclass, field, fields
from typing import Any

from galaxy_keras import catalogue
from galaxy_keras.catalogue import Setting
from galaxy_keras.errors import UserInputError
from galaxy_keras.runtime import keras
from galaxy_keras.safety import (
    check_model_config,
    check_training_memory,
    model_from_config,
    model_outline,
    parse_json_file,
)

PLAN_FORMAT = "galaxy-keras3-training-plan"
PLAN_VERSION = 1
TASKS = ("classifier", "regressor")
# "grouped": padding-aware batches for models that mask padding (see ``padding``); "random": Keras' own batches.
BATCHING = ("grouped", "random")
MODEL = "training plan's model"  # as messages name it


@dataclass
class TrainingPlan:
    task: str
    model: dict
    loss: str
    optimizer: dict
    metrics: list[str]
    epochs: int
    batch_size: int
    validation_split: float = 0.0
    shuffle: bool = True
    callbacks: list[dict] = field(default_factory=list)
    seed: int | None = None
    batching: str = "grouped"

    def to_json(self) -> str:
        return json.dumps({"format": PLAN_FORMAT, "format_version": PLAN_VERSION, **asdict(self)}, indent=2)

    def outline(self, rows: int):
        """The model without its weights (``safety.model_outline``), refused when training it on ``rows`` rows in
        the plan's batches does not fit the job's memory: the checks ``build_model`` makes before it builds."""
        model = model_outline(self.model, MODEL)
        check_training_memory(model, self.model, min(self.batch_size, rows), MODEL)
        return model

    def build_model(self, rows: int = 1):
        """The compiled Keras model this plan describes, once it shows that training it on ``rows`` rows fits the
        job's memory."""
        model = model_from_config(self.model, MODEL, batch_rows=min(self.batch_size, rows))
        name = self.optimizer["class_name"]
        arguments = _keras_arguments(self.optimizer["config"], catalogue.optimizer_arguments(name))
        model.compile(
            loss=self.loss,
            optimizer=keras.optimizers.get({"class_name": name, "config": arguments}),
            metrics=list(self.metrics),
        )
        return model

    def check_validation_data(self, has_validation_data: bool) -> None:
        """Refuse callbacks that watch a validation quantity when training gets no validation data."""
        for callback in self.callbacks:
            name = callback["class_name"]
            monitor = callback["config"].get("monitor", "val_loss")
            if "monitor" in catalogue.CALLBACKS[name] and monitor.startswith("val_") and not has_validation_data:
                raise UserInputError(
                    f"{name} watches '{monitor}', which needs validation data: set a validation split above 0 in "
                    "'Create deep learning model' (or, in training, use the 'Train, Validate and Test' scheme), or "
                    "watch 'loss'."
                )

    def build_callbacks(self, has_validation_data: bool) -> list:
        self.check_validation_data(has_validation_data)
        return [
            getattr(keras.callbacks, callback["class_name"])(
                **_keras_arguments(callback["config"], catalogue.CALLBACKS[callback["class_name"]])
            )
            for callback in self.callbacks
        ]


def _keras_arguments(config: Mapping[str, Any], settings: Mapping[str, Setting]) -> dict[str, Any]:
    """Checked arguments as Keras takes them: Keras refuses a whole number where it wants a float (learning_rate)."""
    return {name: float(value) if settings[name].kind is float else value for name, value in config.items()}


def _compact(values: Mapping[str, Any], allowed: Iterable[str]) -> dict[str, Any]:
    """The form values that are set and that the Keras class takes."""
    return {name: values[name] for name in allowed if values.get(name) not in (None, "")}


def plan_from_form(form: Mapping[str, Any], architecture_path: str) -> TrainingPlan:
    """Read the builder form; check everything that can be checked before training."""
    model_config = check_model_config(parse_json_file(architecture_path, "model architecture"), "model architecture")
    task_form = form["learning_task"]
    optimizer_form = form["optimizer"]
    optimizer_name = optimizer_form["optimizer_type"]
    fit = form["fit_parameters"]
    plan = TrainingPlan(
        task=task_form["task"],
        model=model_config,
        loss=task_form["loss"],
        optimizer={
            "class_name": optimizer_name,
            "config": _compact(optimizer_form, catalogue.optimizer_arguments(optimizer_name)),
        },
        metrics=list(task_form.get("metrics") or []),
        epochs=fit["epochs"],
        batch_size=fit["batch_size"],
        validation_split=fit.get("validation_split") or 0.0,
        shuffle=bool(fit.get("shuffle", True)),
        callbacks=[
            {
                "class_name": entry["callback"]["callback_type"],
                "config": _compact(entry["callback"], catalogue.CALLBACKS[entry["callback"]["callback_type"]]),
            }
            for entry in form.get("callbacks") or []
        ],
        seed=form.get("seed"),
        batching=fit.get("batching") or "grouped",
    )
    check_plan(plan)
    return plan


def check_plan(plan: TrainingPlan) -> None:
    """Refuse a plan that names anything outside the catalogue, holds a setting of the wrong type or out of its
    range, or cannot train; the cheap checks first, building the model last."""
    check_setting(plan.task, Setting(str, choices=TASKS), "the training plan's task")
    _check_name(plan.loss, catalogue.LOSSES, "loss", "losses", None)
    is_classification_loss = catalogue.LOSSES[plan.loss] != "value"
    if is_classification_loss != (plan.task == "classifier"):
        raise UserInputError(
            f"the loss '{plan.loss}' is for {'classification' if is_classification_loss else 'regression'}, "
            f"but the model is a {plan.task}: choose a matching loss."
        )
    _check_optimizer(plan.optimizer)
    _check_list(plan.metrics, "metrics")
    for metric in plan.metrics:
        _check_name(metric, sorted(catalogue.METRICS), "metric", "metrics", None)
    repeated = next((metric for number, metric in enumerate(plan.metrics) if metric in plan.metrics[:number]), None)
    if repeated is not None:
        raise UserInputError(f"the training plan's metrics name '{repeated}' twice: list each metric once.")
    _check_metrics_fit_loss(plan)
    for name, setting in catalogue.FIT_SETTINGS.items():
        check_setting(getattr(plan, name), setting, f"the training plan's {name.replace('_', ' ')}")
    check_setting(plan.batching, Setting(str, choices=BATCHING), "the training plan's batching")
    if plan.seed is not None:
        check_setting(plan.seed, catalogue.SEED, "the training plan's seed")
    _check_list(plan.callbacks, "callbacks")
    if len(plan.callbacks) > catalogue.MAX_CALLBACKS:
        raise UserInputError(
            f"the training plan has {len(plan.callbacks)} callbacks, more than the {catalogue.MAX_CALLBACKS} a plan "
            "may have: keep the ones that act on training."
        )
    for callback in plan.callbacks:
        _check_callback(callback, plan)
    _check_loss_fits_output(plan)


# The fields of a serialized Keras object in a plan: the optimizer's and each callback's.
OBJECT_FIELDS = ("class_name", "config")
OBJECT_OPTIONAL_FIELDS = ("module", "registered_name")


def _check_optimizer(optimizer: object) -> None:
    _check_name(optimizer, catalogue.OPTIMIZERS, "optimizer", "optimizers", "keras.optimizers")
    _check_fields(optimizer, OBJECT_FIELDS, OBJECT_OPTIONAL_FIELDS, "the training plan's optimizer")
    name, config = optimizer["class_name"], optimizer["config"]
    _check_arguments(config, catalogue.optimizer_arguments(name), f"the training plan's optimizer {name}")
    if "clipnorm" in config and "clipvalue" in config:
        raise UserInputError(
            f"the training plan's optimizer {name} sets both clipnorm and clipvalue: Keras clips by one of them; "
            "leave the other empty."
        )


def _check_callback(callback: object, plan: TrainingPlan) -> None:
    _check_name(callback, catalogue.CALLBACKS, "callback", "callbacks", "keras.callbacks")
    _check_fields(callback, OBJECT_FIELDS, OBJECT_OPTIONAL_FIELDS, "the training plan's callback")
    name, config = callback["class_name"], callback["config"]
    what = f"the training plan's callback {name}"
    _check_arguments(config, catalogue.CALLBACKS[name], what)
    if "monitor" in catalogue.CALLBACKS[name]:
        # On a quantity training does not report, Keras fails after the first epoch (mode auto) or never acts.
        reported = ["loss", *plan.metrics]
        monitor = config.get("monitor", "val_loss")
        if monitor.removeprefix("val_") not in reported:
            quantities = ", ".join([*reported, *(f"val_{quantity}" for quantity in reported)])
            raise UserInputError(
                f"{what} watches '{monitor}', which training does not report: watch one of {quantities}."
            )
    if name == "EarlyStopping" and config.get("start_from_epoch", 0) >= plan.epochs:
        raise UserInputError(
            f"{what} starts watching after epoch {config['start_from_epoch']}, but training runs {plan.epochs} "
            "epochs, so it can never stop training: lower start_from_epoch, or train for more epochs."
        )
    learning_rate = plan.optimizer["config"].get("learning_rate")
    if name == "ReduceLROnPlateau" and learning_rate is not None and config.get("min_lr", 0) >= learning_rate:
        raise UserInputError(
            f"{what}'s min_lr {config['min_lr']} is not below the optimizer's learning_rate {learning_rate}, so it "
            "can never lower it: use a smaller min_lr."
        )


def _check_name(value: object, allowed: Iterable[str], kind: str, kinds: str, module: str | None) -> None:
    """Refuse a loss, metric, optimizer or callback that is not on the allow-list, however it is written.

    ``module``: where Keras keeps the serialized objects a plan holds for this kind; None where it holds names.
    """
    if module is None and not isinstance(value, str):
        raise UserInputError(
            f"the training plan's {kind} is {_shown(value)}, not the name of one of the allowed {kinds}: choose one "
            f"of {', '.join(allowed)}."
        )
    name = _name_of(value, module or "")
    if name not in allowed:
        raise UserInputError(
            f"the training plan's {kind} '{name}' is not one of the allowed {kinds}: choose one of "
            f"{', '.join(allowed)}."
        )


def _name_of(value: object, module: str) -> str:
    """The name a plan gives something: a plain name, or a serialized object's class, with its module or
    registered name when those are not Keras' own ``module``."""
    if isinstance(value, str):
        return value
    if isinstance(value, dict) and "class_name" in value:
        class_name, registered = value["class_name"], value.get("registered_name")
        if registered not in (None, class_name):
            return str(registered)
        if value.get("module") not in (None, module):
            return f"{value['module']}.{class_name}"
        return class_name if isinstance(class_name, str) else json.dumps(class_name)
    return json.dumps(value)


def _shown(value: object) -> str:
    """A value from a user's file as a message shows it: text in quotes, a serialized object by its class."""
    if isinstance(value, str):
        return f"'{value}'"
    if isinstance(value, dict) and "class_name" in value:
        return f"the object '{_name_of(value, '')}'"
    text = json.dumps(value)
    return text if len(text) <= 40 else f"{text[:37]}..."


def check_setting(value: object, setting: Setting, what: str) -> None:
    if not setting.allows(value):
        raise UserInputError(f"{what} is {_shown(value)}: use {setting.describe()}.")


def _check_list(value: object, field_name: str) -> None:
    if not isinstance(value, list):
        raise UserInputError(
            f"the training plan's {field_name} is {_shown(value)}: use a list, such as [], of what "
            "'Create deep learning model' offers."
        )


def _check_fields(data: object, required: tuple[str, ...], optional: tuple[str, ...], what: str) -> None:
    """Refuse a JSON object with a field that is not one of ``required`` and ``optional``, or lacks a required one."""
    names = ", ".join(required + optional)
    if not isinstance(data, dict):
        raise UserInputError(f"{what} is {_shown(data)}: use a JSON object with the fields {names}.")
    unknown = [name for name in data if name not in required + optional]
    if unknown:
        raise UserInputError(f"{what} has an unknown field '{unknown[0]}': its fields are {names}.")
    missing = [name for name in required if name not in data]
    if missing:
        raise UserInputError(
            f"{what} lacks the field '{missing[0]}': write the plan again with 'Create deep learning model'."
        )


def _check_arguments(config: object, settings: Mapping[str, Setting], what: str) -> None:
    """Each argument of a Keras class: one the form offers, of the right type, in its range."""
    if not isinstance(config, dict):
        raise UserInputError(f"{what}'s config is {_shown(config)}: use a JSON object of its arguments.")
    unknown = [name for name in config if name not in settings]
    if unknown:
        offered = f"its arguments are {', '.join(settings)}" if settings else "it takes no arguments"
        raise UserInputError(f"{what} has no argument '{unknown[0]}': {offered}.")
    for name, value in config.items():
        check_setting(value, settings[name], f"{what}'s {name}")


def _check_metrics_fit_loss(plan: TrainingPlan) -> None:
    fitting = catalogue.METRICS_BY_TARGET_KIND[catalogue.LOSSES[plan.loss]]
    for metric in plan.metrics:
        if metric not in fitting:
            raise UserInputError(
                f"the metric '{metric}' does not work with the loss '{plan.loss}' (Keras would fail at the first "
                f"training step): choose from {', '.join(sorted(fitting))}."
            )


def _check_loss_fits_output(plan: TrainingPlan) -> None:
    model = model_outline(plan.model, "model architecture")
    if len(model.outputs) != 1:
        raise UserInputError(
            f"the model has {len(model.outputs)} outputs; the training tool trains models with one output."
        )
    units = model.outputs[0].shape[-1]
    kind = catalogue.LOSSES[plan.loss]
    if kind.startswith("binary") and units != 1:
        raise UserInputError(
            f"the loss '{plan.loss}' needs an output layer of 1 unit (sigmoid), but the model's last layer "
            f"has {units}: "
            "use 1 unit, or a categorical loss with one unit per class."
        )
    if kind in ("one-hot", "class-index") and units is not None and units < 2:
        raise UserInputError(
            f"the loss '{plan.loss}' needs one output unit per class, but the model's last layer has {units}: "
            "use as many units as classes with softmax, or binary_crossentropy with 1 unit."
        )


def load_plan(path: str) -> TrainingPlan:
    """A training plan from a user's file, checked."""
    data = parse_json_file(path, "training plan")
    if not isinstance(data, dict) or data.get("format") != PLAN_FORMAT:
        raise UserInputError(
            "the model input is not a training plan: give the output of 'Create deep learning model' "
            "(a model architecture JSON must go through that tool first)."
        )
    if data.get("format_version") != PLAN_VERSION:
        raise UserInputError(
            f"the training plan has format version {data.get('format_version')}; this tool reads version "
            f"{PLAN_VERSION}."
        )
    plan_fields = fields(TrainingPlan)
    required = tuple(f.name for f in plan_fields if f.default is MISSING and f.default_factory is MISSING)
    optional = tuple(f.name for f in plan_fields if f.name not in required)
    _check_fields(data, ("format", "format_version", *required), optional, "the training plan")
    plan = TrainingPlan(**{name: value for name, value in data.items() if name not in ("format", "format_version")})
    check_model_config(plan.model, "training plan's model")
    check_plan(plan)
    return plan
