"""Loading models from users' files without running their code.

Keras configurations name classes by module and class name, and Keras archives are zip files. Before Keras
sees either, this module checks that every class named is on the catalogue's allow-list (no Lambda layers,
no functions, no modules outside Keras) and that an archive holds only the members Keras writes. Trained
models are then loaded with Keras' ``safe_mode=True``; nothing is ever unpickled.
"""

from __future__ import annotations

import contextlib
import json
import math
import random
import tempfile
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from keras.src.backend.common import global_state  # Keras' list of variables waiting for initialization

from galaxy_keras import catalogue
from galaxy_keras.errors import UserInputError, first_line
from galaxy_keras.files import read_whole_text
from galaxy_keras.job_memory import check_fits, megabytes
from galaxy_keras.runtime import keras

ARCHIVE_METADATA = "galaxy_keras.json"
ARCHIVE_MEMBERS = frozenset({"config.json", "metadata.json", "model.weights.h5", ARCHIVE_METADATA})
MAX_ARCHIVE_BYTES = 8 << 30
# An architecture or a training plan takes kilobytes (the tutorial's plan: 4 KB); a larger file is none of them.
MAX_JSON_BYTES = 16 << 20
# Keras configurations nest about a dozen levels. Python's parser fails near 1000 levels with a RecursionError, and
# walking a configuration (``check_config``) would fail well before that.
MAX_JSON_DEPTH = 64


def _objects(node: Any, path: str = "") -> Iterator[tuple[str, dict]]:
    """Every serialized object (a dict with a ``class_name``) in a configuration, with where it sits."""
    if isinstance(node, dict):
        if "class_name" in node:
            yield path, node
        for key, value in node.items():
            yield from _objects(value, f"{path}/{key}")
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _objects(value, f"{path}/{index}")


def _allowed(module: str | None, class_name: str) -> bool:
    if class_name in catalogue.VALUE_MARKERS:
        return module in (None, "keras")
    if module == "keras.layers":
        return class_name in catalogue.LAYERS
    if module in ("keras", "keras.models") or (module or "").startswith("keras.src.models."):
        return class_name in catalogue.MODELS
    if module in catalogue.NESTED_OBJECT_MODULES:
        return _is_keras_class(module, class_name)
    if module == "keras.optimizers":
        return class_name in catalogue.OPTIMIZERS
    if module in ("keras.losses", "keras.metrics"):
        return _is_keras_class(module, class_name)
    return False


def _is_keras_class(module: str, class_name: str) -> bool:
    namespace = getattr(keras, module.removeprefix("keras."))
    return isinstance(getattr(namespace, class_name, None), type)


def check_config(config: Any, what: str) -> None:
    """Refuse a configuration that names anything outside the allow-list."""
    for path, node in _objects(config):
        class_name, module = node.get("class_name"), node.get("module")
        if node.get("registered_name") not in (None, class_name) or not isinstance(class_name, str):
            raise UserInputError(
                f"the {what} names a custom object '{node.get('registered_name')}' at {path or '/'}: only built-in "
                "Keras layers are allowed; rebuild the model with this suite's tools."
            )
        if not _allowed(module, class_name):
            shown = f"{module}.{class_name}" if module else class_name
            raise UserInputError(
                f"the {what} names '{shown}' at {path or '/'}, which this suite does not load (it could run code or "
                "is not a supported layer): use only the layers the architecture tool offers."
            )


def loads_json(text: str | bytes) -> Any:
    """Parsed JSON; a ValueError says why the text is not usable: the parser's reason, or nesting too deep."""
    too_deep = f"it nests deeper than {MAX_JSON_DEPTH} levels, which no Keras configuration does"
    try:
        value = json.loads(text)
    except RecursionError:
        raise ValueError(too_deep) from None
    level = [value]
    for _ in range(MAX_JSON_DEPTH + 1):  # level by level, not recursively: the point is to avoid deep recursion
        level = [child for node in level for child in _children(node)]
        if not level:
            return value
    raise ValueError(too_deep)


def _children(node: Any) -> Iterable[Any]:
    if isinstance(node, dict):
        return node.values()
    return node if isinstance(node, list) else ()


def parse_json_file(path: str, what: str) -> Any:
    """A user's JSON file, read as tables are (UTF-8, a byte order mark skipped, gzipped or not)."""
    fix = "give the JSON file the suite's tools wrote"
    try:
        return loads_json(read_whole_text(path, what, MAX_JSON_BYTES, "a JSON file", fix))
    except ValueError as error:
        raise UserInputError(f"the {what} is not valid JSON ({error}): {fix}.") from None


def check_model_config(config: Any, what: str) -> dict:
    """A model configuration (as ``model.to_json()`` writes it) that passed the allow-list."""
    if not (
        isinstance(config, dict)
        and config.get("class_name") in catalogue.MODELS
        and isinstance(config.get("config"), dict)
    ):
        raise UserInputError(
            f"the {what} is JSON but not a Keras model configuration: give the output of "
            "'Create a deep learning model architecture'."
        )
    check_config(config, what)
    layers = config["config"].get("layers")
    if not isinstance(layers, list) or not 1 <= len(layers) <= catalogue.MAX_LAYERS:
        raise UserInputError(
            f"the {what} holds {_count(layers, 'layer')} instead of a list of 1 to {catalogue.MAX_LAYERS} layers: "
            "give the output of 'Create a deep learning model architecture'."
        )
    for number, layer in enumerate(layers, start=1):
        if not (isinstance(layer, dict) and isinstance(layer.get("config"), dict) and "name" in layer["config"]):
            raise UserInputError(
                f"entry {number} of the {what}'s layers is not a Keras layer configuration (with a config and a "
                "name): give the output of 'Create a deep learning model architecture'."
            )
    if not numbered_layers(config):
        raise UserInputError(
            f"the {what} has no layer besides its input: add layers with 'Create a deep learning model architecture'."
        )
    return config


def _count(value: object, noun: str) -> str:
    return f"{len(value)} {noun}s" if isinstance(value, list) else f"no list of {noun}s"


def numbered_layers(config: dict) -> list[dict]:
    """A checked model configuration's layers as every tool numbers them: layer N is the architecture form's layer N.

    The form lists a Sequential model's layers after its input shape, so the input layer Keras adds is not counted;
    it lists a Functional model's Input layers among the others. The architecture tool writes the layers in the form's
    order (``architecture.in_form_order``); the model diagram and every message that names a layer count the same way.
    """
    layers = config["config"]["layers"]
    if config["class_name"] == "Sequential":
        return [layer for layer in layers if layer["class_name"] != "InputLayer"]
    return list(layers)


@contextlib.contextmanager
def weightless() -> Iterator[None]:
    """Build Keras models without allocating their weights: layers, shapes and parameter counts only.

    In a StatelessScope Keras defers the initialization of each variable; the next StatelessScope that ends (Keras
    opens one for every symbolic call) would initialize them all, so they are dropped from its list. Making the
    layers draws seeds for their initializers from Python's random generator: its state is put back, so that the
    model built after an outline gets the weights it would have got without one.
    """
    state = random.getstate()
    try:
        with keras.StatelessScope(initialize_variables=False):
            yield
    finally:
        global_state.set_global_attribute("uninitialized_variables", [])
        random.setstate(state)


def model_outline(config: dict, what: str):
    """The model a configuration describes, built without its weights (``weightless``), after the allow-list;
    refused when it has more parameters than the suite builds."""
    check_model_config(config, what)
    # A trained model's configuration asks Keras to compile it, which would create the optimizer's variables (that a
    # StatelessScope refuses); an outline is never trained.
    uncompiled = {key: value for key, value in config.items() if key != "compile_config"}
    with weightless():
        model = _build(uncompiled, what)
    if not model.built:  # a Sequential model without an input layer: Keras knows none of its shapes
        raise UserInputError(
            f"the {what} has no input layer, so its shapes are unknown: give the output of 'Create a deep learning "
            "model architecture', which starts with the input shape."
        )
    sizes = layer_sizes(model, config)
    total = sum(size.parameters for size in sizes)
    if total > catalogue.MAX_PARAMETERS:
        biggest = max(sizes, key=lambda size: size.parameters)
        raise UserInputError(
            f"the {what} has {total:,} parameters, more than the {catalogue.MAX_PARAMETERS:,} this suite builds; "
            f"{biggest.name} holds {biggest.parameters:,} of them: make that layer smaller (fewer units or filters, "
            "a smaller input_dim or output_dim)."
        )
    return model


@dataclass(frozen=True)
class LayerSize:
    name: str  # as messages name a layer: "layer 2 (Dense)"
    parameters: int
    outputs: int  # the values it outputs for one row


def layer_sizes(model, config: dict) -> list[LayerSize]:
    """The size of each numbered layer (``numbered_layers``) of a model built from ``config``."""
    sizes = []
    for number, layer_config in enumerate(numbered_layers(config), start=1):
        layer = model.get_layer(layer_config["config"]["name"])
        outputs = sum(math.prod(size or 1 for size in tensor.shape[1:]) for tensor in keras.tree.flatten(layer.output))
        sizes.append(LayerSize(f"layer {number} ({type(layer).__name__})", layer.count_params(), outputs))
    return sizes


def check_training_memory(model, config: dict, batch_rows: int, what: str) -> None:
    """Refuse a model whose training in batches of ``batch_rows`` rows needs more memory than the job has.

    Training keeps four float32 numbers per parameter (the weight, its gradient, and an optimizer's two averages,
    as Adam's), and two per value a layer outputs for a row of the batch (the value and its gradient). That is a
    lower bound: a recurrent layer keeps more for each step.
    """
    _check_memory(
        [(size, 4 * (4 * size.parameters + 2 * batch_rows * size.outputs)) for size in layer_sizes(model, config)],
        f"training the {what} in batches of {batch_rows} rows",
        "make that layer smaller, use a smaller batch size",
    )


def _check_memory(needs: list[tuple[LayerSize, int]], doing: str, fix: str) -> None:
    """Refuse when the bytes each layer needs add up to more than the job's memory, naming the largest need."""
    biggest, need = max(needs, key=lambda item: item[1])
    parts = f"{biggest.parameters:,} parameters and {biggest.outputs:,} values per row"
    culprit = f"{biggest.name}, with {parts}, needs {megabytes(need)} of it"
    check_fits(sum(need for _, need in needs), doing, culprit, fix)


def model_from_config(config: dict, what: str, batch_rows: int = 1):
    """Rebuild an uncompiled Keras model from a configuration, once its outline (``model_outline``) shows that it
    can be trained in batches of ``batch_rows`` rows in the job's memory."""
    check_training_memory(model_outline(config, what), config, batch_rows, what)
    return _build(config, what)


def _build(config: dict, what: str):
    try:
        with keras.saving.custom_object_scope({}):
            return keras.models.model_from_json(json.dumps(config))
    except (TypeError, ValueError, KeyError) as error:
        raise UserInputError(
            f"the {what} does not describe a model Keras can build: {first_line(_root_cause(error))}"
        ) from None


def _root_cause(error: BaseException) -> BaseException:
    """Keras wraps the real problem (an unknown argument, say) in layers of 'could not be deserialized'."""
    while error.__cause__ or error.__context__:
        error = error.__cause__ or error.__context__
    return error


def open_model_archive(path: str, what: str) -> tuple[dict, dict]:
    """Check a ``.keras`` archive member by member; return its model configuration and the suite's metadata."""
    if not zipfile.is_zipfile(path):
        raise UserInputError(
            f"the {what} is not a Keras model archive (a .keras zip file), or it is truncated: give the trained "
            "model that 'Deep learning training and evaluation' wrote."
        )
    try:
        with zipfile.ZipFile(path) as archive:
            members = archive.infolist()
            _check_members(members, what)
            config = loads_json(archive.read("config.json"))
            metadata = loads_json(archive.read(ARCHIVE_METADATA))
    except (zipfile.BadZipFile, OSError) as error:
        raise UserInputError(f"the {what} is a damaged zip file ({error}): upload the model again.") from None
    except ValueError as error:
        raise UserInputError(f"the {what} is corrupted ({first_line(error)}): upload the model again.") from None
    check_model_config(config, what)
    return config, metadata


def _check_members(members: list[zipfile.ZipInfo], what: str) -> None:
    names = {member.filename for member in members}
    strange = sorted(names - ARCHIVE_MEMBERS)
    if strange:
        raise UserInputError(
            f"the {what} holds '{strange[0]}', which a Keras model archive written by this suite does not: "
            "the file was altered or made elsewhere; train the model with this suite."
        )
    if sum(member.file_size for member in members) > MAX_ARCHIVE_BYTES:
        raise UserInputError(f"the {what} unpacks to more than {MAX_ARCHIVE_BYTES >> 30} GiB: refusing to load it.")
    missing = sorted({"config.json", "model.weights.h5", ARCHIVE_METADATA} - names)
    if missing:
        raise UserInputError(
            f"the {what} lacks '{missing[0]}': it was not written by 'Deep learning training and evaluation' of "
            "this suite; train the model with it."
        )


def load_trained_model(path: str, what: str):
    """The trained Keras model and the suite's metadata about it (task, classes, input width); refused before
    loading when it has more parameters than the suite builds or than the job's memory holds."""
    config, metadata = open_model_archive(path, what)
    # Loading holds each weight twice: in the model, and as read from the file.
    sizes = layer_sizes(model_outline(config, what), config)
    _check_memory([(size, 8 * size.parameters) for size in sizes], f"loading the {what}", "train a smaller model")
    try:
        # Keras recognises its format by the file name; Galaxy's datasets end in .dat.
        with tempfile.TemporaryDirectory() as folder:
            link = Path(folder) / "model.keras"
            link.symlink_to(Path(path).resolve())
            model = keras.saving.load_model(link, compile=False, safe_mode=True)
    except Exception as error:  # noqa: BLE001 - Keras raises many types for a damaged archive
        raise UserInputError(f"the {what} could not be loaded ({first_line(error)}): upload the model again.") from None
    return model, metadata
