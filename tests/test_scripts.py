"""The entry scripts as Galaxy runs them: exit code 0 or 1, one clean line on stderr, no output left on failure."""

from __future__ import annotations

import json
import subprocess
import warnings
from pathlib import Path

import pytest

import fixture_models as fm
from conftest import run_script
from galaxy_keras.errors import UserInputError, run_tool


def run_training(form: Path, outputs: list[Path], **options) -> subprocess.CompletedProcess:
    """The training script with its three outputs: metrics, model, history."""
    metrics, model, history = outputs
    arguments = ("--inputs", form, "--metrics", metrics, "--model", model, "--history", history)
    return run_script("train_and_evaluate.py", *map(str, arguments), **options)


def test_architecture_script_writes_the_model(tmp_path: Path) -> None:
    form = tmp_path / "form.json"
    form.write_text(json.dumps(fm.TUTORIAL_ARCHITECTURE))
    result = run_script("create_architecture.py", "--inputs", str(form), "--output", str(tmp_path / "model.json"))
    assert result.returncode == 0, result.stderr
    assert result.stderr == "", "TensorFlow's start-up notices must not reach the user"
    assert json.loads((tmp_path / "model.json").read_text())["class_name"] == "Sequential"


def test_failure_is_one_line_exit_1_and_no_output(tmp_path: Path) -> None:
    form = tmp_path / "form.json"
    plan = fm.TEST_DATA / "imdb_lstm_plan.json"
    form.write_text(
        json.dumps(
            {
                "plan": str(plan),
                "features": str(fm.TEST_DATA / "imdb_X_test.tsv"),
                "features_has_header": False,
                "features_columns": {"selection_mode": "all_columns"},
                "targets": str(fm.TEST_DATA / "imdb_y_train.tsv"),
                "targets_has_header": False,
                "targets_columns": {"selection_mode": "all_columns"},
                "scheme": {
                    "scheme_type": "train_val",
                    "split": {"test_size": 0.1, "split_method": {"method": "shuffle"}, "random_state": 0},
                },
            }
        )
    )
    outputs = [tmp_path / name for name in ("metrics.tsv", "model.keras", "history.tsv")]
    for output in outputs:
        output.write_text("stale")  # Galaxy creates the output files before the job runs
    result = run_training(form, outputs)
    assert result.returncode == 1
    assert result.stderr.splitlines() == [
        "Error: the features table has 200 rows but the targets table has 400: give one target per row of "
        "features (check the header options)."
    ]
    assert "Traceback" not in result.stdout + result.stderr
    assert not any(output.exists() for output in outputs)


def test_unexpected_errors_are_one_line_too(tmp_path: Path) -> None:
    result = run_script("predict.py", "--inputs", str(tmp_path / "missing.json"), "--output", str(tmp_path / "out.tsv"))
    assert result.returncode == 1
    assert len(result.stderr.splitlines()) == 1 and result.stderr.startswith("Error: unexpected FileNotFoundError")


def test_training_writes_only_its_outputs_and_cleans_its_temporary_files(tmp_path: Path) -> None:
    """A Galaxy job's folder: the working directory, HOME and TMPDIR inside it; the outputs are the only new files."""
    work, home, temporary, out = (tmp_path / name for name in ("work", "home", "tmp", "out"))
    for folder in (work, home, temporary, out):
        folder.mkdir()
    form = work.parent / "form.json"
    form.write_text(
        json.dumps(
            {
                "plan": str(fm.TEST_DATA / "blobs_classifier_plan.json"),
                "features": str(fm.TEST_DATA / "blobs.tsv"),
                "features_has_header": True,
                "features_columns": {"selection_mode": "by_index", "columns": "1-4"},
                "targets": str(fm.TEST_DATA / "blobs.tsv"),
                "targets_has_header": True,
                "targets_columns": {"selection_mode": "by_header_name", "columns": "species"},
                "scheme": {
                    "scheme_type": "train_val",
                    "split": {"test_size": 0.2, "split_method": {"method": "shuffle"}, "random_state": 0},
                },
            }
        )
    )
    outputs = [out / name for name in ("metrics.tsv", "model.keras", "history.tsv")]
    environment = {"HOME": str(home), "TMPDIR": str(temporary), "GALAXY_SLOTS": "1"}
    result = run_training(form, outputs, cwd=work, environment=environment)
    assert result.returncode == 0, result.stderr
    assert sorted(out.iterdir()) == sorted(outputs)
    assert list(work.iterdir()) == [], "nothing is left in the working directory"
    assert list(temporary.iterdir()) == [], "temporary files are removed"


def architecture_run(tmp_path: Path, environment: dict[str, str]) -> subprocess.CompletedProcess:
    form = tmp_path / "form.json"
    form.write_text(json.dumps(fm.TUTORIAL_ARCHITECTURE))
    output = tmp_path / "model.json"
    output.write_text("stale")
    result = run_script(
        "create_architecture.py", "--inputs", str(form), "--output", str(output), environment=environment
    )
    assert result.returncode == 1
    assert not output.exists()
    return result


def test_a_bad_galaxy_slots_is_one_line_too(tmp_path: Path) -> None:
    result = architecture_run(tmp_path, {"GALAXY_SLOTS": "four"})
    assert result.stderr.splitlines() == [
        "Error: GALAXY_SLOTS is 'four', not a number: ask the Galaxy administrator to fix the job setup."
    ]


def test_when_tensorflow_cannot_start_its_own_output_is_shown_then_one_line(tmp_path: Path) -> None:
    """A broken environment (here: a tensorflow that fails to load its CUDA library) is explained, not silent."""
    broken = tmp_path / "broken" / "tensorflow"
    broken.mkdir(parents=True)
    (broken / "__init__.py").write_text(
        "import sys\n"
        "print('W tensorflow/core: could not load dynamic library libcudart.so.12', file=sys.stderr)\n"
        "raise ImportError('libcudart.so.12: cannot open shared object file')\n"
    )
    scripts = fm.TEST_DATA.parent / "scripts"
    result = architecture_run(tmp_path, {"PYTHONPATH": f"{broken.parent}:{scripts}"})
    assert result.stderr.splitlines() == [
        "W tensorflow/core: could not load dynamic library libcudart.so.12",
        "Error: TensorFlow did not start (ImportError: libcudart.so.12: cannot open shared object file): the lines "
        "above are what it printed; the tools need the environment that tools/macros.xml lists (ask the Galaxy "
        "administrator).",
    ]


def warn_then(failure: Exception | None) -> None:
    warnings.warn("Mean of empty slice", RuntimeWarning, stacklevel=1)
    if failure:
        raise failure


@pytest.mark.parametrize(
    ("failure", "expected_stderr", "status"),
    [
        (None, ["Warning: RuntimeWarning: Mean of empty slice"], 0),
        (UserInputError("the table is empty: give rows."), ["Error: the table is empty: give rows."], 1),
    ],
)
def test_a_library_warning_never_adds_lines_to_an_error(
    failure: Exception | None, expected_stderr: list[str], status: int, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exit_:
        run_tool(lambda: warn_then(failure), outputs=[])
    assert exit_.value.code == status
    assert capsys.readouterr().err.splitlines() == expected_stderr
