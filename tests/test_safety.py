"""Hostile model files are refused before Keras reads them, and nothing outside the job folder is written."""

from __future__ import annotations

import json
import re
import zipfile
from pathlib import Path

import pytest

import fixture_models as fm
from galaxy_keras.architecture import architecture_json
from galaxy_keras.errors import UserInputError
from galaxy_keras.safety import load_trained_model, model_from_config, open_model_archive
from galaxy_keras.trained_model import TrainedModel

PWNED = Path("/tmp/galaxy_keras_pwned")


@pytest.fixture(autouse=True)
def no_side_effect():
    PWNED.unlink(missing_ok=True)
    yield
    assert not PWNED.exists(), "a hostile file ran code"


def test_keras_archive_with_a_lambda_layer_is_refused(tmp_path: Path) -> None:
    archive = fm.write_lambda_archive(tmp_path / "lambda.keras")
    with pytest.raises(UserInputError, match=re.escape("names 'keras.layers.Lambda'")):
        TrainedModel.load(str(archive))


def test_architecture_naming_os_system_is_refused(tmp_path: Path) -> None:
    config = json.loads(fm.write_os_system_json(tmp_path / "os.json").read_text())
    with pytest.raises(UserInputError, match=re.escape("names 'os.system'")):
        model_from_config(config, "model architecture")


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"module": "subprocess", "class_name": "Popen"}, "names 'subprocess.Popen'"),
        (
            {"module": "keras.layers", "class_name": "Dense", "registered_name": "evil_package>Dense"},
            "names a custom object 'evil_package>Dense'",
        ),
        ({"module": "builtins", "class_name": "eval"}, "names 'builtins.eval'"),
        ({"module": None, "class_name": "__lambda__"}, "names '__lambda__'"),
        ({"module": "keras.layers", "class_name": "TFSMLayer"}, "names 'keras.layers.TFSMLayer'"),
    ],
)
def test_configuration_naming_code_outside_keras_is_refused(change: dict, message: str) -> None:
    config = json.loads(architecture_json(fm.TUTORIAL_ARCHITECTURE))
    config["config"]["layers"][-1].update(change)
    with pytest.raises(UserInputError, match=re.escape(message)):
        model_from_config(config, "model architecture")


def test_nested_objects_outside_keras_are_refused() -> None:
    """An initializer is a nested object: it too must be a Keras class, not, say, a function elsewhere."""
    config = json.loads(architecture_json(fm.TUTORIAL_ARCHITECTURE))
    config["config"]["layers"][-1]["config"]["kernel_initializer"] = {
        "module": "os",
        "class_name": "system",
        "config": {"command": f"touch {PWNED}"},
    }
    where = "/config/layers/3/config/kernel_initializer"
    with pytest.raises(UserInputError, match=re.escape(f"names 'os.system' at {where}")):
        model_from_config(config, "model architecture")


def test_zip_with_path_traversal_is_refused_and_writes_nothing(tmp_path: Path, test_data: Path) -> None:
    archive = tmp_path / "traversal.keras"
    with zipfile.ZipFile(test_data / "blobs_classifier.keras") as source, zipfile.ZipFile(archive, "w") as target:
        for member in source.infolist():
            target.writestr(member, source.read(member))
        target.writestr("../../galaxy_keras_escape.txt", "outside")
    before = set(tmp_path.parent.iterdir())
    with pytest.raises(UserInputError, match=re.escape("holds '../../galaxy_keras_escape.txt'")):
        load_trained_model(str(archive), "trained model")
    assert set(tmp_path.parent.iterdir()) == before
    assert not (tmp_path.parent.parent / "galaxy_keras_escape.txt").exists()


def test_archive_without_the_suites_description_is_refused(tmp_path: Path, test_data: Path) -> None:
    archive = tmp_path / "plain.keras"
    with zipfile.ZipFile(test_data / "blobs_classifier.keras") as source, zipfile.ZipFile(archive, "w") as target:
        for member in source.infolist():
            if member.filename != "galaxy_keras.json":
                target.writestr(member, source.read(member))
    with pytest.raises(UserInputError, match=re.escape("lacks 'galaxy_keras.json'")):
        open_model_archive(str(archive), "trained model")


def test_trained_model_reloads_with_plain_keras_in_safe_mode(tmp_path: Path, test_data: Path) -> None:
    """The .keras output is a standard Keras 3 archive: keras.saving.load_model reads it with safe_mode=True."""
    from galaxy_keras.runtime import keras

    copy = tmp_path / "model.keras"
    copy.write_bytes((test_data / "blobs_classifier.keras").read_bytes())
    model = keras.saving.load_model(copy, safe_mode=True)
    assert model.output_shape == (None, 3)
