"""The architecture form becomes the Keras model asked for; shapes typed as text are parsed, never evaluated."""

from __future__ import annotations

import json
import re

import pytest

import fixture_models as fm
from galaxy_keras.architecture import architecture_json, parse_shape
from galaxy_keras.errors import UserInputError
from galaxy_keras.runtime import keras


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("(500,)", (500,)),
        ("(500, )", (500,)),
        ("3", 3),
        ("3,3", (3, 3)),
        ("(28, 28, 1)", (28, 28, 1)),
        ("[None, 8]", (None, 8)),
    ],
)
def test_parse_shape(text: str, expected: object) -> None:
    assert parse_shape(text, "shape") == expected


@pytest.mark.parametrize("text", ["", "()", "(-1,)", "(2**40,)", "__import__('os')", "1.5"])
def test_parse_shape_refuses_anything_but_whole_numbers(text: str) -> None:
    with pytest.raises(UserInputError):
        parse_shape(text, "shape")


def test_tutorial_model_rebuilds_with_model_from_json() -> None:
    model = keras.models.model_from_json(architecture_json(fm.TUTORIAL_ARCHITECTURE))
    assert [type(layer).__name__ for layer in model.layers] == ["Embedding", "LSTM", "Dense"]
    assert model.input_shape == (None, 500) and model.output_shape == (None, 1)
    embedding, lstm, dense = model.layers
    assert (embedding.input_dim, embedding.output_dim, lstm.units, dense.units) == (10000, 32, 100, 1)
    assert dense.get_config()["activation"] == "sigmoid"


def test_functional_model_with_merge_and_attention() -> None:
    form = {
        "model": {
            "model_type": "functional",
            "outputs": "6",
            "layers": [
                {**fm.layer("Input", shape="(10,)"), "inbound_layers": ""},
                {**fm.layer("Embedding", input_dim=50, output_dim=8), "inbound_layers": "1"},
                {**fm.layer("MultiHeadAttention", num_heads=2, key_dim=4), "inbound_layers": "2,2"},
                {**fm.layer("Add"), "inbound_layers": "2,3"},
                {**fm.layer("GlobalAveragePooling1D"), "inbound_layers": "4"},
                {**fm.layer("Dense", units=3, activation="softmax"), "inbound_layers": "5"},
            ],
        }
    }
    model = keras.models.model_from_json(architecture_json(form))
    assert model.output_shape == (None, 3)
    assert {type(layer).__name__ for layer in model.layers} >= {"MultiHeadAttention", "Add", "Embedding"}


def test_functional_model_refuses_a_forward_reference() -> None:
    form = {
        "model": {
            "model_type": "functional",
            "outputs": "2",
            "layers": [
                {**fm.layer("Input", shape="(4,)"), "inbound_layers": ""},
                {**fm.layer("Dense", units=2), "inbound_layers": "3"},
            ],
        }
    }
    with pytest.raises(UserInputError, match="only layers 1 to 1 can be used there"):
        architecture_json(form)


def test_advanced_arguments_reach_the_layer() -> None:
    form = fm.sequential(
        "(6,)", fm.layer("Dense", units=2, advanced_arguments='{"use_bias": false, "kernel_regularizer": "l2"}')
    )
    dense = json.loads(architecture_json(form))["config"]["layers"][1]["config"]
    assert dense["use_bias"] is False and dense["kernel_regularizer"]["class_name"] == "L2"


def test_advanced_arguments_cannot_smuggle_code() -> None:
    form = fm.sequential(
        "(6,)",
        fm.layer(
            "Dense",
            units=2,
            advanced_arguments='{"kernel_initializer": {"module": "os", "class_name": "system", "config": {}}}',
        ),
    )
    with pytest.raises(UserInputError, match=re.escape("names 'os.system'")):
        architecture_json(form)
