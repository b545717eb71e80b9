"""A trained model and what it needs to be used: its classes, its kind of output, its input shape.

Training writes it as a Keras 3 ``.keras`` archive with one more member, ``galaxy_keras.json``, that holds the
class labels in training order; prediction reads it back through ``safety`` and turns the network's outputs
into those labels.
"""

from __future__ import annotations

import json
import shutil
import tempfile
import zipfile
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from galaxy_keras import catalogue
from galaxy_keras.errors import UserInputError
from galaxy_keras.runtime import keras
from galaxy_keras.safety import ARCHIVE_METADATA, load_trained_model

# Classes named in a message; the rest are counted.
CLASSES_SHOWN = 10
# Rows from which a column of targets, all different, is taken for an id column rather than for class labels.
ID_COLUMN_MIN_ROWS = 20


@dataclass(frozen=True)
class TargetEncoding:
    """How targets map to the network's output: ``output_kind`` is the loss's kind (see ``catalogue.LOSSES``)."""

    task: str
    output_kind: str
    classes: tuple = ()

    def encode(self, targets: np.ndarray, output_units: int) -> np.ndarray:
        """Class labels -> what the loss expects (0/1, class index, or one-hot); regression values -> float32."""
        if self.task == "regressor":
            return targets.astype(np.float32)
        indices = np.searchsorted(np.asarray(self.classes), targets).astype(np.int32)
        if self.output_kind == "one-hot":
            return np.eye(output_units, dtype=np.float32)[indices]
        return indices

    def decode(self, outputs: np.ndarray) -> np.ndarray:
        """Network outputs -> class labels (classifier) or values (regressor)."""
        if self.task == "regressor":
            return outputs
        if self.output_kind in ("binary", "binary-margin"):
            threshold = 0.0 if self.output_kind == "binary-margin" else 0.5
            indices = (outputs[:, 0] >= threshold).astype(int)
        else:
            indices = outputs.argmax(axis=1)
        return np.asarray(self.classes, dtype=object)[indices]

    def class_scores(self, outputs: np.ndarray) -> np.ndarray:
        """One column per class: the probability of each class (the positive-class score for margins)."""
        if self.output_kind == "binary":
            return np.column_stack([1.0 - outputs[:, 0], outputs[:, 0]])
        if self.output_kind == "binary-margin":
            return np.column_stack([-outputs[:, 0], outputs[:, 0]])
        return outputs


def target_encoding(targets: np.ndarray, task: str, loss: str, output_units: int, what: str) -> TargetEncoding:
    """Check the targets against the loss and the output layer; return how to encode them."""
    kind = catalogue.LOSSES[loss]
    if task == "regressor":
        if targets.dtype.kind not in "iuf":
            raise UserInputError(
                f"the {what} holds text ('{_first_text(targets)}'), but a regressor needs numbers: fix the targets "
                "or train a classifier."
            )
        return TargetEncoding(task=task, output_kind=kind)
    classes = [_plain(value) for value in np.unique(targets)]
    if len(classes) < 2:
        raise UserInputError(
            f"the {what} holds a single class ({classes[0]!r}): a classifier needs at least two classes; "
            "check the target column."
        )
    binary = kind.startswith("binary")
    separable = 2 if binary else output_units
    if len(classes) == len(targets) and (len(targets) >= ID_COLUMN_MIN_ROWS or len(classes) > separable):
        raise UserInputError(
            f"every row of the {what} has a different value, so it looks like an id column, not class labels: "
            "choose the column that holds the labels."
        )
    if len(classes) != separable:
        problem = (
            f"the loss '{loss}' with one sigmoid unit separates two"
            if binary
            else f"the output layer has {output_units} units"
        )
        fix = (
            f"use categorical or sparse_categorical_crossentropy with a softmax layer of {len(classes)} units."
            if binary
            else f"give the last Dense layer {len(classes)} units."
        )
        raise UserInputError(
            f"the {what} holds {len(classes)} classes, but {problem}; the classes are {_shown_classes(classes)}: "
            f"{_fix_for_classes(classes, fix)}"
        )
    return TargetEncoding(task=task, output_kind=kind, classes=tuple(classes))


def _shown_classes(classes: list) -> str:
    """('neg', 'pos', 'pos '): quoted, so that labels differing only in spaces can be told apart."""
    shown = [repr(label) for label in classes[:CLASSES_SHOWN]]
    if len(classes) > CLASSES_SHOWN:
        shown.append(f"... and {len(classes) - CLASSES_SHOWN} more")
    return f"({', '.join(shown)})"


def _fix_for_classes(classes: list, fix: str) -> str:
    """The fix; first, where two labels differ only in case or spaces (a typing slip), to write them the same."""
    seen: dict[str, object] = {}
    for label in classes:
        key = str(label).strip().casefold()
        if key in seen:
            return f"{seen[key]!r} and {label!r} differ only in case or spaces: write them the same, or {fix}"
        seen[key] = label
    return fix


def _first_text(targets: np.ndarray) -> object:
    """The first value that is not a number."""
    text = pd.to_numeric(pd.Series(targets), errors="coerce").isna().to_numpy()
    return targets[int(np.argmax(text))]


def _plain(value: object) -> object:
    """A numpy scalar as the plain Python value JSON can hold."""
    return value.item() if isinstance(value, np.generic) else value


class TrainedModel:
    """A Keras model with its target encoding."""

    def __init__(self, model, encoding: TargetEncoding) -> None:
        self.model = model
        self.encoding = encoding

    @classmethod
    def load(cls, path: str) -> TrainedModel:
        model, metadata = load_trained_model(path, "trained model")
        try:
            encoding = TargetEncoding(
                task=metadata["task"], output_kind=metadata["output_kind"], classes=tuple(metadata["classes"])
            )
        except (KeyError, TypeError):
            raise UserInputError(
                "the trained model's description is incomplete: train the model again with this suite."
            ) from None
        return cls(model, encoding)

    def save(self, path: str) -> None:
        """Write the ``.keras`` archive with the target encoding inside."""
        with tempfile.TemporaryDirectory() as folder:
            archive = Path(folder) / "model.keras"
            self.model.save(archive)
            with zipfile.ZipFile(archive, "a") as bundle:
                bundle.writestr(
                    ARCHIVE_METADATA, json.dumps({**asdict(self.encoding), "classes": list(self.encoding.classes)})
                )
            shutil.move(archive, path)

    def check_features(self, features: np.ndarray, what: str, first_line: int) -> None:
        check_features(self.model, features, what, first_line)


def shape_features(model, features: np.ndarray, what: str, first_line: int) -> np.ndarray:
    """Check a block of feature rows against the model's input; return it shaped for that input."""
    check_features(model, features, what, first_line)
    return as_model_input(model, features)


def as_model_input(model, features: np.ndarray) -> np.ndarray:
    """Rows of features, one per sample, in the shape of the model's input (28 x 28 for 784 columns, say)."""
    sample_shape = tuple(model.inputs[0].shape[1:])
    return features.reshape((-1, *sample_shape)) if len(sample_shape) > 1 else features


def check_features(model, features: np.ndarray, what: str, first_line: int) -> None:
    """Refuse rows that do not fit the model's input: another width, or token ids outside its vocabulary."""
    sample_shape = tuple(model.inputs[0].shape[1:])
    n_features = None if any(size is None for size in sample_shape) else int(np.prod(sample_shape))
    if n_features is not None and features.shape[1] != n_features:
        raise UserInputError(
            f"the {what} has {features.shape[1]} columns, but the model takes {n_features} values per sample "
            f"(input shape {sample_shape}): select the right columns, or use a model built for this table."
        )
    token_limit = _embedding_input_dim(model)
    if token_limit is not None:
        _check_token_ids(features, token_limit, what, first_line)


def _embedding_input_dim(model) -> int | None:
    """The vocabulary size of an Embedding layer that reads the model's input directly, if there is one."""
    for layer in model.layers:
        if isinstance(layer, keras.layers.Embedding) and any(layer.input is tensor for tensor in model.inputs):
            return int(layer.input_dim)
    return None


def _check_token_ids(features: np.ndarray, limit: int, what: str, first_line: int) -> None:
    # TensorFlow on a GPU reads zeros for ids outside the vocabulary instead of failing: check them here.
    if features.dtype.kind == "f" and not np.all(np.mod(features, 1) == 0):
        row, column = np.argwhere(np.mod(features, 1) != 0)[0]
        raise UserInputError(
            f"line {first_line + row}, column {column + 1} of the {what} is {features[row, column]}, but the model's "
            "Embedding layer takes whole-number token ids: give the tokenized table."
        )
    bad = (features < 0) | (features >= limit)
    if bad.any():
        row, column = np.argwhere(bad)[0]
        raise UserInputError(
            f"line {first_line + row}, column {column + 1} of the {what} holds token id "
            f"{int(features[row, column])}, but "
            f"the Embedding layer's input_dim is {limit}, so ids must be 0 to {limit - 1}: raise input_dim or tokenize "
            "with a smaller vocabulary."
        )
