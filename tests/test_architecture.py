"""The architecture form becomes the Keras model asked for; shapes typed as text are parsed, never evaluated."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

import fixture_models as fm
from galaxy_keras.architecture import architecture_json, parse_shape
from galaxy_keras.errors import UserInputError
from galaxy_keras.plan import plan_from_form
from galaxy_keras.plots import ImageFile, model_diagram_plot
from galaxy_keras.runtime import keras
from galaxy_keras.safety import numbered_layers
from galaxy_keras.search import candidate_plan, parse_parameter


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


# Layer 3 branches off the input and feeds layer 4: Keras lists it before layer 2, by its distance from the input.
BRANCHED = {
    "model": {
        "model_type": "functional",
        "outputs": "6",
        "layers": [
            {**fm.layer("Input", shape="(4,)"), "inbound_layers": ""},
            {**fm.layer("Dense", units=5), "inbound_layers": "1"},
            {**fm.layer("Dense", units=6), "inbound_layers": "1"},
            {**fm.layer("Dense", units=7), "inbound_layers": "3"},
            {**fm.layer("Concatenate"), "inbound_layers": "2,4"},
            {**fm.layer("Dense", units=3, activation="softmax"), "inbound_layers": "5"},
        ],
    }
}


def test_the_forms_layer_numbers_are_every_tools(tmp_path: Path) -> None:
    """The architecture JSON, the search and the model diagram all call the form's layer 4 (7 units) layer 4."""
    architecture = fm.write_architecture(BRANCHED, tmp_path / "architecture.json")
    config = json.loads(architecture.read_text())
    assert [layer["config"].get("units") for layer in numbered_layers(config)] == [None, 5, 6, 7, None, 3]
    in_keras_order = [layer.name for layer in keras.models.model_from_json(json.dumps(config)).layers]
    assert in_keras_order != [layer["config"]["name"] for layer in numbered_layers(config)], "Keras reorders them"

    plan = plan_from_form(fm.builder_form(loss="sparse_categorical_crossentropy"), str(architecture))
    units = parse_parameter(plan, "layer", "8, 9", layer=4, field="units")
    assert units.name == "layer 4 (Dense) units"
    assert [layer["config"].get("units") for layer in numbered_layers(candidate_plan(plan, {units: 9}).model)] == [
        None,
        5,
        6,
        9,
        None,
        3,
    ]

    model_diagram_plot(str(architecture), "model", ImageFile(str(tmp_path / "model.svg"), "svg"))
    diagram = (tmp_path / "model.svg").read_text()
    boxes = [diagram.index(f"layer {number}: ") for number in range(1, 7)]
    assert boxes == sorted(boxes)
    assert boxes[3] < diagram.index("output (batch, 7), 49 parameters") < boxes[4]
