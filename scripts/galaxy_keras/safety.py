"""Loading models from users' files without running their code.

Keras configurations name classes by module and class name, and Keras archives are zip files. Before Keras
sees either, this module checks that every class named is on the catalogue's allow-list (no Lambda layers,
no functions, no modules outside Keras) and that an archive holds only the members Keras writes. Trained
models are then loaded with Keras' ``safe_mode=True``; nothing is ever unpickled.
"""

from __future__ import annotations

import json
import tempfile
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from galaxy_keras import catalogue
from galaxy_keras.errors import UserInputError, first_line
from galaxy_keras.runtime import keras

ARCHIVE_METADATA = "galaxy_keras.json"
ARCHIVE_MEMBERS = frozenset({"config.json", "metadata.json", "model.weights.h5", ARCHIVE_METADATA})
MAX_ARCHIVE_BYTES = 8 << 30


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


def parse_json_file(path: str, what: str) -> Any:
    try:
        with open(path, encoding="utf-8") as handle:
            return json.load(handle)
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise UserInputError(
            f"the {what} is not valid JSON ({error}): give the JSON file the suite's tools wrote."
        ) from None


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
    return config


def model_from_config(config: dict, what: str):
    """Rebuild an uncompiled Keras model from a checked configuration."""
    check_model_config(config, what)
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


def open_model_archive(path: str, what: str) -> tuple[zipfile.ZipFile, dict]:
    """Check a ``.keras`` archive member by member; return it open with the suite's metadata."""
    if not zipfile.is_zipfile(path):
        raise UserInputError(
            f"the {what} is not a Keras model archive (a .keras zip file), or it is truncated: give the trained "
            "model that 'Deep learning training and evaluation' wrote."
        )
    try:
        archive = zipfile.ZipFile(path)
        members = archive.infolist()
    except (zipfile.BadZipFile, OSError) as error:
        raise UserInputError(f"the {what} is a damaged zip file ({error}): upload the model again.") from None
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
    try:
        config = json.loads(archive.read("config.json"))
        metadata = json.loads(archive.read(ARCHIVE_METADATA))
    except (zipfile.BadZipFile, json.JSONDecodeError, UnicodeDecodeError, OSError) as error:
        raise UserInputError(f"the {what} is corrupted ({first_line(error)}): upload the model again.") from None
    check_model_config(config, what)
    return archive, metadata


def load_trained_model(path: str, what: str):
    """The trained Keras model and the suite's metadata about it (task, classes, input width)."""
    archive, metadata = open_model_archive(path, what)
    archive.close()
    try:
        # Keras recognises its format by the file name; Galaxy's datasets end in .dat.
        with tempfile.TemporaryDirectory() as folder:
            link = Path(folder) / "model.keras"
            link.symlink_to(Path(path).resolve())
            model = keras.saving.load_model(link, compile=False, safe_mode=True)
    except Exception as error:  # noqa: BLE001 - Keras raises many types for a damaged archive
        raise UserInputError(f"the {what} could not be loaded ({first_line(error)}): upload the model again.") from None
    return model, metadata
