"""The forms in tools/ and the catalogue in scripts/ agree: what a form offers, the scripts accept and can build."""

from __future__ import annotations

import inspect
import json
import xml.etree.ElementTree as ET

import numpy as np
import pytest

import fixture_models as fm
import tool_forms
from galaxy_keras import catalogue
from galaxy_keras.architecture import architecture_json, make_layer
from galaxy_keras.catalogue import Setting
from galaxy_keras.plan import BATCHING
from galaxy_keras.runtime import keras
from galaxy_keras.safety import model_from_config
from galaxy_keras.search import MAX_CANDIDATES
from galaxy_keras.training import SCHEMES, SPLIT_METHODS

TOOLS = fm.TEST_DATA.parent / "tools"


def options(file_name: str, param_name: str) -> set[str]:
    root = ET.parse(TOOLS / file_name).getroot()
    return {
        option.get("value")
        for param in root.iter("param")
        if tool_forms.param_name(param) == param_name
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
    assert set(catalogue.optimizer_arguments(name)) <= accepted


@pytest.mark.parametrize("name", sorted(catalogue.CALLBACKS))
def test_callback_arguments_exist(name: str) -> None:
    accepted = set(inspect.signature(getattr(keras.callbacks, name).__init__).parameters)
    assert set(catalogue.CALLBACKS[name]) <= accepted


def builder_settings() -> dict[str, tuple[dict[str, ET.Element], dict[str, Setting]]]:
    """Each group of the builder's settings: (the form's params, the catalogue's settings)."""
    inputs = tool_forms.expanded_tool("keras3_model_builder.xml").find("inputs")
    groups = {}
    for when in inputs.findall("conditional[@name='optimizer']/when"):
        name = when.get("value")
        groups[f"optimizer {name}"] = (tool_forms.params(when), catalogue.optimizer_arguments(name))
    for when in inputs.findall("repeat[@name='callbacks']/conditional[@name='callback']/when"):
        name = when.get("value")
        groups[f"callback {name}"] = (tool_forms.params(when), catalogue.CALLBACKS[name])
    fit = tool_forms.params(inputs.find("section[@name='fit_parameters']"))
    groups["fit parameters"] = (fit, {**catalogue.FIT_SETTINGS, "batching": Setting(str, choices=BATCHING)})
    return groups


def split_settings() -> dict[str, tuple[dict[str, ET.Element], dict[str, Setting]]]:
    """The training tool's split settings of each scheme: (the form's params, the catalogue's settings)."""
    inputs = tool_forms.expanded_tool("keras3_train_and_eval.xml").find("inputs")
    groups = {}
    for when in inputs.findall("conditional[@name='scheme']/when"):
        names = ["test_size", "random_state"] + (["validation_size"] if when.get("value") == "train_val_test" else [])
        expected = {name: catalogue.SPLIT_SETTINGS[name] for name in names}
        expected["method"] = Setting(str, choices=SPLIT_METHODS)
        section = when.find("section")
        form = tool_forms.params(section) | tool_forms.params(section.find("conditional[@name='split_method']"))
        groups[f"scheme {when.get('value')}"] = (form, expected)
    return groups


FORM_SETTINGS = builder_settings() | split_settings()


@pytest.mark.parametrize("group", sorted(FORM_SETTINGS))
def test_the_forms_offer_the_catalogues_settings_and_ranges(group: str) -> None:
    """Same names, types and options; each number's min/max and in_range validators are the catalogue's range."""
    params, expected = FORM_SETTINGS[group]
    assert {name: tool_forms.form_setting(param) for name, param in params.items()} == expected


@pytest.mark.parametrize("group", sorted(FORM_SETTINGS))
def test_the_forms_defaults_are_in_range(group: str) -> None:
    params, expected = FORM_SETTINGS[group]
    for name, param in params.items():
        value = tool_forms.default(param)
        assert value is None or expected[name].allows(value), f"{name} starts at {value!r}"


def test_the_training_form_offers_the_schemes_the_script_knows() -> None:
    scheme = tool_forms.expanded_tool("keras3_train_and_eval.xml").find("inputs/conditional[@name='scheme']/param")
    assert tool_forms.form_setting(scheme).choices == SCHEMES


@pytest.mark.parametrize(
    ("setting", "allowed", "refused", "described"),
    [
        (Setting(int, 1, 10000), [1, 10000], [0, 10001, 2.5, True, "3", None], "a whole number from 1 to 10000"),
        (catalogue.LEARNING_RATE, [1e-9, 1, 10.0], [0, -1, 10.5, float("nan"), float("inf")], "above 0 and at most 10"),
        (catalogue.DECAY, [0, 0.999], [1, 1.0, -0.1], "a number from 0 to below 1"),
        (catalogue.FRACTION, [0.5], [0, 1], "a number above 0 and below 1"),
        (catalogue.COUNT, [0, 10**30], [-1, 1.0], "a whole number, 0 or more"),
        (Setting(float, high=0), [-0.5, 0], [0.1], "a number at most 0"),
        (catalogue.FLAG, [True, False], [1, 0, "true"], "true or false"),
        (catalogue.MODE, ["min"], ["minimum", 1], "one of auto, min, max"),
    ],
)
def test_a_setting_allows_its_type_and_range_only(
    setting: Setting, allowed: list, refused: list, described: str
) -> None:
    assert all(setting.allows(value) for value in allowed)
    assert not any(setting.allows(value) for value in refused)
    assert described in setting.describe()


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


def test_the_layer_forms_number_fields_have_the_catalogues_ranges() -> None:
    """The hyperparameter search checks candidate layer values against catalogue.LAYER_FIELD_SETTINGS."""
    macros = ET.parse(tool_forms.TOOLS / "layer_macros.xml").getroot()
    ranged = [param for param in macros.iter("param") if tool_forms.param_name(param) in catalogue.LAYER_FIELD_SETTINGS]
    assert {tool_forms.param_name(param) for param in ranged} == set(catalogue.LAYER_FIELD_SETTINGS)
    for param in ranged:
        name = tool_forms.param_name(param)
        assert tool_forms.form_setting(param) == catalogue.LAYER_FIELD_SETTINGS[name], name


@pytest.mark.parametrize("kind", sorted(catalogue.METRICS_BY_TARGET_KIND))
def test_every_metric_allowed_for_a_kind_of_target_trains(kind: str) -> None:
    """One training step with every metric the catalogue allows for targets of this kind (and its loss)."""
    loss = next(name for name, loss_kind in catalogue.LOSSES.items() if loss_kind == kind)
    rng = np.random.default_rng(0)
    targets = {
        "binary": rng.integers(0, 2, 16).astype("float32"),
        "binary-margin": rng.integers(0, 2, 16).astype("float32"),
        "one-hot": np.eye(3, dtype="float32")[rng.integers(0, 3, 16)],
        "class-index": rng.integers(0, 3, 16),
        "value": rng.normal(size=(16, 2)).astype("float32"),
    }[kind]
    units = 1 if kind.startswith("binary") else targets.shape[1] if targets.ndim == 2 else 3
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(units, activation="sigmoid")])
    model.compile(loss=loss, optimizer="adam", metrics=sorted(catalogue.METRICS_BY_TARGET_KIND[kind]))
    history = model.fit(rng.normal(size=(16, 4)).astype("float32"), targets, epochs=1, verbose=0)
    assert np.isfinite(history.history["loss"][0])


def test_the_search_forms_budget_is_the_most_candidates_the_search_runs() -> None:
    inputs = tool_forms.expanded_tool("keras3_hyperparameter_search.xml").find("inputs")
    budgets = inputs.findall("conditional[@name='strategy']/when/section[@name='budget']")
    assert budgets and all(
        tool_forms.form_setting(tool_forms.params(budget)["candidates"]).high == MAX_CANDIDATES for budget in budgets
    )
