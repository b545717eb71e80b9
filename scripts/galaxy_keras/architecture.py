"""'Create a deep learning model architecture': the Galaxy form's layers become a Keras model JSON.

The form's field names are the Keras argument names, so a layer's arguments are its form fields, plus an
optional JSON object of further arguments. Shapes and sizes typed as text (``(500,)``, ``3,3``) are parsed
as lists of integers; nothing the user types is ever evaluated. Layers are numbered as the form lists them, and the
JSON keeps that order, so that every tool's "layer N" is the form's (``safety.numbered_layers``).
"""

from __future__ import annotations

import inspect
import json
import re
from collections.abc import Mapping
from typing import Any

from galaxy_keras import catalogue
from galaxy_keras.errors import UserInputError, first_line
from galaxy_keras.runtime import keras
from galaxy_keras.safety import check_config, loads_json, model_outline, weightless

# Form fields holding a shape or size, typed as text; the value becomes an integer or a tuple of integers.
SHAPE_FIELDS = frozenset({"shape", "target_shape", "dims", "kernel_size", "strides", "pool_size", "padding_size"})
# Arguments that every layer passes on to keras.layers.Layer.
BASE_LAYER_ARGUMENTS = frozenset({"name", "dtype", "trainable", "autocast", "activity_regularizer"})
# Form fields that are not layer arguments.
FORM_ONLY_FIELDS = frozenset({"layer_type", "advanced_arguments", "inbound_layers", "wrapped_layer"})


def parse_shape(text: str, field: str) -> int | tuple[int | None, ...]:
    """'(500,)' -> (500,); '3' -> 3; '28, 28, 1' -> (28, 28, 1). 'None' is allowed for a variable size."""
    stripped = text.strip()
    body = stripped.strip("()[] ")
    parts = [part.strip() for part in body.split(",")]
    is_tuple = "," in stripped or stripped.startswith(("(", "["))
    if parts and parts[-1] == "":
        parts.pop()
    values: list[int | None] = []
    for part in parts:
        if part == "None":
            values.append(None)
        elif re.fullmatch(r"\d+", part) and int(part) > 0:
            values.append(int(part))
        else:
            raise UserInputError(
                f"'{text}' is not a valid {field}: write positive whole numbers separated by commas, such "
                "as (500,) or 3,3."
            )
    if not values:
        raise UserInputError(f"the {field} is empty: write positive whole numbers separated by commas, such as (500,).")
    if not is_tuple and len(values) == 1:
        return values[0]  # type: ignore[return-value]
    return tuple(values)


def _advanced_arguments(text: str | None, layer_type: str, position: int) -> dict[str, Any]:
    if not text or not text.strip():
        return {}
    try:
        arguments = loads_json(text)
    except ValueError as error:
        raise UserInputError(
            f"the additional arguments of layer {position} ({layer_type}) are not valid JSON ({first_line(error)}): "
            'write a JSON object such as {"kernel_regularizer": "l2"}.'
        ) from None
    if not isinstance(arguments, dict):
        raise UserInputError(
            f"the additional arguments of layer {position} ({layer_type}) must be a JSON object such as "
            '{"use_bias": false}.'
        )
    check_config(arguments, f"additional arguments of layer {position}")
    return arguments


def layer_arguments_accepted(class_name: str) -> frozenset[str]:
    """The argument names a layer's constructor takes, its base classes' included (LSTM passes some to RNN)."""
    names = set(BASE_LAYER_ARGUMENTS)
    for klass in getattr(keras.layers, class_name).__mro__:
        if "__init__" in vars(klass) and issubclass(klass, keras.layers.Layer):
            parameters = inspect.signature(klass.__init__).parameters.values()
            names |= {
                parameter.name
                for parameter in parameters
                if parameter.kind in (parameter.POSITIONAL_OR_KEYWORD, parameter.KEYWORD_ONLY)
            }
    return frozenset(names - {"self"})


def _check_argument_names(layer_type: str, arguments: Mapping[str, Any], position: int) -> None:
    accepted = layer_arguments_accepted(layer_type)
    unknown = sorted(set(arguments) - accepted)
    if "input_length" in unknown:
        raise UserInputError(
            f"layer {position} ({layer_type}) has no argument 'input_length': Keras 3 dropped it. The model's "
            "input shape says how many ids a sample has: set input_shape to (500,) for rows of 500 ids, and remove "
            "input_length from the additional arguments."
        )
    if unknown:
        raise UserInputError(
            f"layer {position} ({layer_type}) has no argument '{unknown[0]}'; its own arguments are: "
            f"{', '.join(sorted(accepted - BASE_LAYER_ARGUMENTS))}. "
            "Fix the additional arguments."
        )


def layer_arguments(entry: Mapping[str, Any], position: int) -> tuple[str, dict[str, Any]]:
    """The Keras class name and constructor arguments of one form layer entry."""
    layer_type = entry["layer_type"]
    if layer_type not in catalogue.LAYERS and layer_type != "Input":
        raise UserInputError(f"layer {position} has the unknown type '{layer_type}': choose a layer the form offers.")
    arguments: dict[str, Any] = {}
    for field, value in entry.items():
        if field in FORM_ONLY_FIELDS or field.startswith("__") or value is None or value == "":
            continue
        arguments[field] = parse_shape(value, field) if field in SHAPE_FIELDS else value
    if "padding_size" in arguments:  # ZeroPadding1D's 'padding' is a size, unlike the 'padding' mode of convolutions
        arguments["padding"] = arguments.pop("padding_size")
    arguments.update(_advanced_arguments(entry.get("advanced_arguments"), layer_type, position))
    return layer_type, arguments


def make_layer(entry: Mapping[str, Any], position: int):
    layer_type, arguments = layer_arguments(entry, position)
    if layer_type == "Bidirectional":
        wrapped_type, wrapped_arguments = layer_arguments({**entry["wrapped_layer"]}, position)
        if wrapped_type not in catalogue.RECURRENT_LAYERS:
            raise UserInputError(
                f"layer {position} (Bidirectional) must wrap SimpleRNN, LSTM or GRU, not {wrapped_type}."
            )
        arguments["layer"] = _construct(getattr(keras.layers, wrapped_type), wrapped_arguments, wrapped_type, position)
    return _construct(getattr(keras.layers, layer_type), arguments, layer_type, position)


def _construct(layer_class: type, arguments: dict[str, Any], layer_type: str, position: int):
    _check_argument_names(layer_type, arguments, position)
    try:
        return layer_class(**arguments)
    except (TypeError, ValueError) as error:
        raise UserInputError(f"layer {position} ({layer_type}) cannot be made: {first_line(error)}") from None


def build_sequential(input_shape: str, entries: list[Mapping[str, Any]]):
    model = keras.Sequential()
    model.add(keras.Input(shape=_as_shape(parse_shape(input_shape, "input shape"))))
    for position, entry in enumerate(entries, start=1):
        layer = make_layer(entry["layer_selection"], position)
        try:
            model.add(layer)
        except (TypeError, ValueError) as error:
            raise UserInputError(
                f"layer {position} ({type(layer).__name__}) does not fit the output of the layer before it: "
                f"{first_line(error)} Change the layer order or the shapes."
            ) from None
    return model


def _as_shape(value: int | tuple[int | None, ...]) -> tuple[int | None, ...]:
    return value if isinstance(value, tuple) else (value,)


def _layer_numbers(text: str | None, last: int, what: str) -> list[int]:
    """Parse '2' or '2,3': numbers of layers from 1 to ``last``."""
    if not text or not text.strip():
        raise UserInputError(f"{what} is empty: give layer numbers, such as 2 or 2,3.")
    numbers = []
    for part in text.replace(" ", "").split(","):
        if not part.isdigit() or not 1 <= int(part) <= last:
            raise UserInputError(
                f"{what} names layer '{part}', but only layers 1 to {last} can be used there: fix the number."
            )
        numbers.append(int(part))
    return numbers


def build_functional(entries: list[Mapping[str, Any]], outputs: str) -> tuple[Any, list[str]]:
    """The model, and the names of its layers in the form's order (see ``in_form_order``)."""
    tensors: dict[int, Any] = {}
    inputs = []
    for position, entry in enumerate(entries, start=1):
        selection = entry["layer_selection"]
        if selection["layer_type"] == "Input":
            tensors[position] = keras.Input(shape=_as_shape(parse_shape(selection["shape"], "input shape")))
            inputs.append(tensors[position])
            continue
        layer = make_layer(selection, position)
        inbound = _layer_numbers(entry.get("inbound_layers"), position - 1, f"the input of layer {position}")
        sources = [tensors[source] for source in inbound]
        tensors[position] = _call_layer(layer, sources, selection["layer_type"], position)
    if not inputs:
        raise UserInputError("a Functional model needs at least one Input layer: add one as layer 1.")
    output_tensors = [tensors[number] for number in _layer_numbers(outputs, len(entries), "the output layers field")]
    try:
        model = keras.Model(inputs=inputs, outputs=output_tensors if len(output_tensors) > 1 else output_tensors[0])
    except (TypeError, ValueError) as error:
        raise UserInputError(
            f"the layers do not form one model: {first_line(error)} Check the input layer numbers."
        ) from None
    names = [tensors[position]._keras_history.operation.name for position in range(1, len(entries) + 1)]
    in_model = {layer.name for layer in model.layers}
    for position, name in enumerate(names, start=1):
        if name not in in_model:  # Keras leaves out a layer that leads to no output, and so would shift the numbers
            raise UserInputError(
                f"layer {position} ({entries[position - 1]['layer_selection']['layer_type']}) leads to none of the "
                "output layers: give it as the input of a later layer, add it to the output layers, or remove it."
            )
    return model, names


def in_form_order(config: dict, names: list[str]) -> dict:
    """The configuration with its layers in the form's order, so that the form's layer N is the configuration's.

    Keras lists a Functional model's layers by their distance from the inputs (a branch may come before the layer
    above it in the form); it reads them back in any order.
    """
    position = {name: number for number, name in enumerate(names)}
    config["config"]["layers"].sort(key=lambda layer: position[layer["config"]["name"]])
    return config


def _call_layer(layer, sources: list, layer_type: str, position: int):
    try:
        if layer_type in catalogue.MERGE_LAYERS:
            if len(sources) < 2:
                raise UserInputError(
                    f"layer {position} ({layer_type}) merges layers: give at least two input layers, such as 2,3."
                )
            return layer(sources)
        if layer_type == "MultiHeadAttention":
            if len(sources) not in (2, 3):
                raise UserInputError(
                    f"layer {position} (MultiHeadAttention) takes query,value or query,value,key layers, such as 2,2."
                )
            return layer(*sources)
        if len(sources) != 1:
            raise UserInputError(f"layer {position} ({layer_type}) takes exactly one input layer, not {len(sources)}.")
        return layer(sources[0])
    except (TypeError, ValueError) as error:
        raise UserInputError(
            f"layer {position} ({layer_type}) does not fit its input layers: {first_line(error)} Check the shapes."
        ) from None


def architecture_json(form: Mapping[str, Any]) -> str:
    """The model JSON for a filled-in architecture form; the model is built without its weights (``weightless``)
    and refused when it is larger than the suite builds (``model_outline``)."""
    model_form = form["model"]
    with weightless():
        if model_form["model_type"] == "sequential":
            config = json.loads(build_sequential(model_form["input_shape"], model_form["layers"]).to_json())
        else:
            model, names = build_functional(model_form["layers"], model_form["outputs"])
            config = in_form_order(json.loads(model.to_json()), names)
    model_outline(config, "model architecture")
    return json.dumps(config, indent=2)
