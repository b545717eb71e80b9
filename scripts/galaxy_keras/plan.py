"""'Create deep learning model': an architecture plus how to train it, as one JSON training plan.

The plan is plain JSON (no pickle): the model configuration, the loss, the optimizer and its settings,
the metrics, the fit settings, the callbacks and the random seed. ``load_plan`` checks a plan from a user's
file against the catalogue before anything is built from it.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

from galaxy_keras import catalogue
from galaxy_keras.errors import UserInputError
from galaxy_keras.runtime import keras
from galaxy_keras.safety import check_model_config, model_from_config, parse_json_file

PLAN_FORMAT = "galaxy-keras3-training-plan"
PLAN_VERSION = 1
TASKS = ("classifier", "regressor")
# "grouped": padding-aware batches for models that mask padding (see ``padding``); "random": Keras' own batches.
BATCHING = ("grouped", "random")


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

    def build_model(self):
        """The compiled Keras model this plan describes."""
        model = model_from_config(self.model, "training plan's model")
        optimizer = keras.optimizers.get(
            {"class_name": self.optimizer["class_name"], "config": self.optimizer["config"]}
        )
        model.compile(loss=self.loss, optimizer=optimizer, metrics=list(self.metrics))
        return model

    def build_callbacks(self, has_validation_data: bool) -> list:
        for callback in self.callbacks:
            monitor = callback["config"].get("monitor", "val_loss")
            if callback["class_name"] != "TerminateOnNaN" and monitor.startswith("val_") and not has_validation_data:
                raise UserInputError(
                    f"{callback['class_name']} watches '{monitor}', which needs validation data: set a "
                    "validation split "
                    "above 0 in 'Create deep learning model', use the 'Train, Validate and Test' scheme, "
                    "or watch 'loss'."
                )
        return [getattr(keras.callbacks, callback["class_name"])(**callback["config"]) for callback in self.callbacks]


def _compact(values: Mapping[str, Any], allowed: tuple[str, ...]) -> dict[str, Any]:
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
            "config": _compact(
                optimizer_form, catalogue.OPTIMIZER_COMMON_ARGUMENTS + catalogue.OPTIMIZERS.get(optimizer_name, ())
            ),
        },
        metrics=list(task_form.get("metrics") or []),
        epochs=fit["epochs"],
        batch_size=fit["batch_size"],
        validation_split=fit.get("validation_split") or 0.0,
        shuffle=bool(fit.get("shuffle", True)),
        callbacks=[
            {
                "class_name": entry["callback"]["callback_type"],
                "config": _compact(entry["callback"], catalogue.CALLBACKS.get(entry["callback"]["callback_type"], ())),
            }
            for entry in form.get("callbacks") or []
        ],
        seed=form.get("seed"),
        batching=fit.get("batching") or "grouped",
    )
    check_plan(plan)
    return plan


def check_plan(plan: TrainingPlan) -> None:
    """Refuse a plan that names anything outside the catalogue or cannot train."""
    if plan.task not in TASKS:
        raise UserInputError(f"the training plan's task is '{plan.task}': it must be classifier or regressor.")
    if plan.loss not in catalogue.LOSSES:
        raise UserInputError(
            f"the loss '{plan.loss}' is not one this suite offers: choose one in 'Create deep learning model'."
        )
    is_classification_loss = catalogue.LOSSES[plan.loss] != "value"
    if is_classification_loss != (plan.task == "classifier"):
        raise UserInputError(
            f"the loss '{plan.loss}' is for {'classification' if is_classification_loss else 'regression'}, "
            f"but the model is a {plan.task}: choose a matching loss."
        )
    if plan.optimizer.get("class_name") not in catalogue.OPTIMIZERS:
        raise UserInputError(f"the optimizer '{plan.optimizer.get('class_name')}' is not one this suite offers.")
    unknown_metrics = sorted(set(plan.metrics) - catalogue.METRICS)
    if unknown_metrics:
        raise UserInputError(f"the metric '{unknown_metrics[0]}' is not one this suite offers.")
    for callback in plan.callbacks:
        if callback.get("class_name") not in catalogue.CALLBACKS:
            raise UserInputError(f"the callback '{callback.get('class_name')}' is not one this suite offers.")
    if not isinstance(plan.epochs, int) or plan.epochs <= 0:
        raise UserInputError(f"epochs is {plan.epochs}: train for at least 1 epoch.")
    if not isinstance(plan.batch_size, int) or plan.batch_size <= 0:
        raise UserInputError(f"batch size is {plan.batch_size}: use a batch size of at least 1, such as 32.")
    if plan.batching not in BATCHING:
        raise UserInputError(f"the training plan's batching is '{plan.batching}': it must be grouped or random.")
    if not 0 <= plan.validation_split < 1:
        raise UserInputError(f"validation split is {plan.validation_split}: use a fraction from 0 (none) to below 1.")
    _check_loss_fits_output(plan)


def _check_loss_fits_output(plan: TrainingPlan) -> None:
    model = model_from_config(plan.model, "model architecture")
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
    try:
        plan = TrainingPlan(**{name: value for name, value in data.items() if name not in ("format", "format_version")})
    except TypeError as error:
        raise UserInputError(f"the training plan is incomplete or has unknown fields ({error}).") from None
    check_model_config(plan.model, "training plan's model")
    check_plan(plan)
    return plan
