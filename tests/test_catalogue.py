"""The forms in tools/ and the catalogue in scripts/ agree: what a form offers, the scripts accept and can build."""

from __future__ import annotations

import inspect
import json
import xml.etree.ElementTree as ET

import pytest

import fixture_models as fm
from galaxy_keras import catalogue
from galaxy_keras.architecture import architecture_json, make_layer
from galaxy_keras.runtime import keras
from galaxy_keras.safety import model_from_config

TOOLS = fm.TEST_DATA.parent / "tools"


def options(file_name: str, param_name: str) -> set[str]:
    root = ET.parse(TOOLS / file_name).getroot()
    return {
        option.get("value")
        for param in root.iter("param")
        if param.get("name") == param_name
        for option in param.iter("option")
    }


def offered_layers() -> set[str]:
    macros = ET.parse(TOOLS / "layer_macros.xml").getroot().iter("xml")
    return {
        option.get("value")
        for macro in macros
        if macro.get("name") in ("common_layer_options", "functional_layer_options")
        for option in macro.iter("option")
    }


def test_every_offered_layer_is_allowed() -> None:
    assert offered_layers() - {"Input"} == catalogue.LAYERS - {"InputLayer"}


@pytest.mark.parametrize("param", ["loss", "metrics", "optimizer_type", "callback_type"])
def test_builder_options_are_in_the_catalogue(param: str) -> None:
    allowed = {
        "loss": set(catalogue.LOSSES),
        "metrics": catalogue.METRICS,
        "optimizer_type": set(catalogue.OPTIMIZERS),
        "callback_type": set(catalogue.CALLBACKS),
    }[param]
    assert options("keras3_model_builder.xml", param) == allowed


@pytest.mark.parametrize("name", sorted(catalogue.OPTIMIZERS))
def test_optimizer_arguments_exist(name: str) -> None:
    accepted = set(inspect.signature(getattr(keras.optimizers, name).__init__).parameters)
    assert set(catalogue.OPTIMIZERS[name]) | set(catalogue.OPTIMIZER_COMMON_ARGUMENTS) <= accepted


# One small Sequential model per layer the form offers: (input shape, the layer's form fields).
SEQUENCE, IMAGE, VECTOR = "(6, 4)", "(6, 6, 2)", "(4,)"
LAYER_EXAMPLES = {
    "Dense": (VECTOR, {"units": 2, "activation": "relu"}),
    "Activation": (VECTOR, {"activation": "tanh"}),
    "Dropout": (VECTOR, {"rate": 0.2}),
    "Flatten": (IMAGE, {}),
    "Reshape": (VECTOR, {"target_shape": "(2, 2)"}),
    "Permute": (SEQUENCE, {"dims": "(2, 1)"}),
    "RepeatVector": (VECTOR, {"n": 3}),
    "Masking": (SEQUENCE, {"mask_value": 0.0}),
    "LeakyReLU": (VECTOR, {"negative_slope": 0.2}),
    "Embedding": ("(5,)", {"input_dim": 20, "output_dim": 3}),
    "SimpleRNN": (SEQUENCE, {"units": 2}),
    "LSTM": (SEQUENCE, {"units": 2, "return_sequences": True}),
    "GRU": (SEQUENCE, {"units": 2}),
    "Conv1D": (SEQUENCE, {"filters": 2, "kernel_size": "3", "padding": "causal"}),
    "Conv2D": (IMAGE, {"filters": 2, "kernel_size": "3,3"}),
    "UpSampling1D": (SEQUENCE, {"size": 2}),
    "ZeroPadding1D": (SEQUENCE, {"padding_size": "1,2"}),
    "MaxPooling1D": (SEQUENCE, {"pool_size": "2"}),
    "MaxPooling2D": (IMAGE, {"pool_size": "2,2"}),
    "AveragePooling1D": (SEQUENCE, {"pool_size": "2", "padding": "same"}),
    "AveragePooling2D": (IMAGE, {"pool_size": "2,2"}),
    "GlobalMaxPooling1D": (SEQUENCE, {}),
    "GlobalMaxPooling2D": (IMAGE, {}),
    "GlobalAveragePooling1D": (SEQUENCE, {}),
    "GlobalAveragePooling2D": (IMAGE, {}),
    "BatchNormalization": (VECTOR, {"momentum": 0.9}),
    "LayerNormalization": (VECTOR, {"epsilon": 0.01}),
    "SpatialDropout1D": (SEQUENCE, {"rate": 0.1}),
    "SpatialDropout2D": (IMAGE, {"rate": 0.1}),
    "GaussianNoise": (VECTOR, {"stddev": 0.1}),
    "GaussianDropout": (VECTOR, {"rate": 0.1}),
    "Bidirectional": (SEQUENCE, {"merge_mode": "concat", "wrapped_layer": {"layer_type": "GRU", "units": 2}}),
}


def test_every_sequential_layer_has_an_example() -> None:
    assert set(LAYER_EXAMPLES) == offered_layers() - {"Input", "MultiHeadAttention"} - catalogue.MERGE_LAYERS


@pytest.mark.parametrize("name", sorted(LAYER_EXAMPLES))
def test_every_offered_layer_round_trips_through_the_json(name: str) -> None:
    """Form -> model JSON -> the safety-checked loader: every layer the form offers comes back as built."""
    input_shape, fields = LAYER_EXAMPLES[name]
    text = architecture_json(fm.sequential(input_shape, fm.layer(name, **fields)))
    model = model_from_config(json.loads(text), "model architecture")
    assert type(model.layers[-1]).__name__ == name


def test_bidirectional_wraps_the_chosen_recurrent_layer() -> None:
    wrapped = {
        "layer_type": "GRU",
        "units": 3,
        "return_sequences": False,
        "activation": "tanh",
        "dropout": 0.0,
        "recurrent_dropout": 0.0,
    }
    layer = make_layer({"layer_type": "Bidirectional", "merge_mode": "sum", "wrapped_layer": wrapped}, 1)
    assert type(layer.forward_layer).__name__ == "GRU" and layer.merge_mode == "sum"
