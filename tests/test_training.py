"""Training learns, scores the right rows, writes an honest history, and repeats itself exactly with a seed."""

from __future__ import annotations

import csv
import json
import zipfile
from itertools import combinations
from pathlib import Path

import h5py
import numpy as np
import pytest

import fixture_models as fm
import tool_forms
from galaxy_keras import catalogue
from galaxy_keras.plan import load_plan
from galaxy_keras.prediction import predict_table
from galaxy_keras.tables import ColumnSelection
from galaxy_keras.trained_model import TargetEncoding
from galaxy_keras.training import SCHEMES, Scheme, TableInput, split_parts, split_rows


def read_tsv(path: str) -> list[list[str]]:
    with open(path) as handle:
        return list(csv.reader(handle, delimiter="\t"))


def metrics(path: str) -> dict[str, float]:
    return {row[0]: float(row[1]) for row in read_tsv(path)[1:]}


def weights(model_path: str) -> list[np.ndarray]:
    with zipfile.ZipFile(model_path) as archive, archive.open("model.weights.h5") as handle, h5py.File(handle) as store:
        arrays: list[np.ndarray] = []
        store.visititems(
            lambda name, item: (
                arrays.append(item[()]) if isinstance(item, h5py.Dataset) and "optimizer" not in name else None
            )
        )
        return arrays


@pytest.fixture(scope="module")
def blobs_run(tmp_path_factory: pytest.TempPathFactory):
    folder = tmp_path_factory.mktemp("blobs")
    return fm.train(
        fm.TEST_DATA / "blobs_classifier_plan.json",
        fm.blobs_table(fm.TEST_DATA, "f1,f2,f3,f4"),
        fm.blobs_table(fm.TEST_DATA, "species"),
        Scheme("train_val", 0.25, method="stratified"),
        folder,
        "blobs",
    )


def test_classifier_beats_chance_by_a_clear_margin(blobs_run) -> None:
    scores = metrics(blobs_run.metrics)
    assert scores["accuracy"] >= 0.9, "three classes: chance is 0.33"
    assert scores["roc_auc"] >= 0.95
    assert read_tsv(blobs_run.metrics)[1][2] == "validation (30 rows)"


def test_history_has_one_row_per_epoch(blobs_run) -> None:
    rows = read_tsv(blobs_run.history)
    assert rows[0] == ["epoch", "loss", "acc", "seconds"]
    assert [int(row[0]) for row in rows[1:]] == list(range(1, 31))


def test_predictions_are_the_training_labels(blobs_run, test_data: Path, tmp_path: Path) -> None:
    output = tmp_path / "predicted.tsv"
    predict_table(
        blobs_run.model, str(test_data / "blobs.tsv"), True, ColumnSelection("by_index", "1-4"), "predict", str(output)
    )
    predicted = [row[0] for row in read_tsv(str(output))]
    truth = [row[4] for row in read_tsv(str(test_data / "blobs.tsv"))[1:]]
    assert predicted[0] == "Predicted"
    assert np.mean(np.array(predicted[1:]) == np.array(truth)) >= 0.9


def test_predict_proba_rows_are_probabilities(blobs_run, test_data: Path, tmp_path: Path) -> None:
    output = tmp_path / "probabilities.tsv"
    predict_table(
        blobs_run.model,
        str(test_data / "blobs.tsv"),
        True,
        ColumnSelection("by_index", "1-4"),
        "predict_proba",
        str(output),
    )
    rows = read_tsv(str(output))
    assert rows[0] == ["alpha", "beta", "gamma"]
    probabilities = np.array(rows[1:], dtype=float)
    assert probabilities.shape == (120, 3)
    np.testing.assert_allclose(probabilities.sum(axis=1), 1, atol=1e-4)


def test_early_stopping_history_ends_where_training_stopped(test_data: Path, tmp_path: Path) -> None:
    run = fm.train(
        test_data / "blobs_regressor_plan.json",
        fm.blobs_table(test_data, "f1,f2,f3,f4"),
        fm.blobs_table(test_data, "size"),
        Scheme("train_val_test", 0.2, validation_size=0.2),
        tmp_path,
        "regressor",
    )
    rows = read_tsv(run.history)
    assert rows[0] == ["epoch", "loss", "mse", "val_loss", "val_mse", "seconds"]
    epochs = [int(row[0]) for row in rows[1:]]
    assert epochs == list(range(1, len(epochs) + 1))
    assert len(epochs) < 40, "EarlyStopping (patience 3, min_delta 0.01) should stop before the 40 planned epochs"
    scores = metrics(run.metrics)
    assert scores["r2"] > 0.8
    assert read_tsv(run.metrics)[1][2] == "test (24 rows)"


def test_same_seed_gives_identical_weights_and_predictions(test_data: Path, tmp_path: Path) -> None:
    """Reproducibility on CPU: two trainings with the same seed and inputs give the same model, bit for bit."""
    features = TableInput(str(test_data / "imdb_X_test.tsv"), False, ColumnSelection())
    targets = TableInput(str(test_data / "imdb_y_test.tsv"), False, ColumnSelection())
    plan = fm.write_plan(
        fm.EMBEDDING_ARCHITECTURE, fm.builder_form(epochs=2, batch_size=32, seed=42), tmp_path / "plan.json"
    )
    runs = []
    for name in ("first", "second"):
        (tmp_path / name).mkdir()
        runs.append(fm.train(plan, features, targets, Scheme("train_val", 0.2), tmp_path / name, name))
    for first, second in zip(weights(runs[0].model), weights(runs[1].model), strict=True):
        np.testing.assert_array_equal(first, second)
    predictions = []
    for run in runs:
        output = Path(run.model).with_suffix(".predicted.tsv")
        predict_table(run.model, features.path, False, ColumnSelection(), "predict_proba", str(output))
        predictions.append(output.read_text())
    assert predictions[0] == predictions[1]
    assert Path(runs[0].metrics).read_text() == Path(runs[1].metrics).read_text()


@pytest.mark.parametrize("method", ["shuffle", "stratified", "none"])
def test_split_holds_out_the_asked_fraction(method: str) -> None:
    targets = np.array(["a", "b"] * 50)
    kept, held = split_rows(targets, 20, Scheme("train_val", 0.2, method=method, random_state=3), "validation")
    assert len(held) == 20 and len(kept) == 80
    assert not set(kept) & set(held)
    if method == "none":
        assert list(held) == list(range(80, 100))
    if method == "stratified":
        assert (targets[held] == "a").sum() == 10


def test_train_validate_test_parts_are_the_asked_fractions_of_all_rows() -> None:
    parts = split_parts(np.array(["a", "b"] * 50), Scheme("train_val_test", 0.2, validation_size=0.3))
    assert (len(parts.fit), len(parts.validation), len(parts.evaluated)) == (50, 30, 20)
    assert len(set(parts.fit) | set(parts.validation) | set(parts.evaluated)) == 100


def uneven_groups() -> np.ndarray:
    """Each row's group: 24 groups of 1 to 8 rows (108 rows), their rows scattered over the table."""
    groups = np.repeat([f"g{index:02}" for index in range(24)], [1, 2, 3, 4, 5, 6, 7, 8] * 3)
    return np.random.default_rng(5).permutation(groups)


def group_parts(name: str, random_state: int, groups: np.ndarray) -> list[np.ndarray]:
    """The rows of each part of a group split (test/validation 0.2 each): fit, held out, and validation if any."""
    scheme = Scheme(name, 0.2, 0.2 if name == "train_val_test" else 0.0, method="group", random_state=random_state)
    parts = split_parts(np.array(["a", "b"] * (len(groups) // 2)), scheme, groups)
    return [parts.fit, parts.evaluated] + ([] if parts.validation is None else [parts.validation])


@pytest.mark.parametrize("name", SCHEMES)
@pytest.mark.parametrize("random_state", [0, 1, 2, 3, 42])
def test_a_group_split_never_puts_a_group_on_two_sides(name: str, random_state: int) -> None:
    groups = uneven_groups()
    parts = group_parts(name, random_state, groups)
    assert sorted(np.concatenate(parts)) == list(range(len(groups))), "every row in exactly one part"
    names = [set(groups[rows]) for rows in parts]
    assert all(names), "no part is empty"
    for first, second in combinations(names, 2):
        assert not first & second


@pytest.mark.parametrize("name", SCHEMES)
def test_the_same_random_state_gives_the_same_group_split(name: str) -> None:
    groups = uneven_groups()
    first, again, other = (group_parts(name, random_state, groups) for random_state in (7, 7, 8))
    for rows, same in zip(first, again, strict=True):
        np.testing.assert_array_equal(rows, same)
    assert set(first[1]) != set(other[1]), "another random state holds out other groups"


def test_a_group_split_holds_out_whole_groups_so_its_share_of_rows_is_approximate() -> None:
    groups = np.repeat([f"g{index:02}" for index in range(24)], 5)
    fit, test, validation = group_parts("train_val_test", 0, groups)
    # 0.2 of 120 rows is 24 rows, but of 24 groups 4.8, rounded up to 5 groups: 25 rows; likewise the validation part.
    assert (len(fit), len(test), len(validation)) == (70, 25, 25)


def test_a_group_split_trains_on_some_groups_and_scores_others(test_data: Path, tmp_path: Path) -> None:
    """blobs_groups.tsv: 24 groups of 5 rows of one class each, read as the form gives them."""
    groups = TableInput(str(test_data / "blobs_groups.tsv"), True, ColumnSelection("by_header_name", "group"))
    run = fm.train(
        test_data / "blobs_classifier_plan.json",
        fm.blobs_table(test_data, "f1,f2,f3,f4"),
        fm.blobs_table(test_data, "species"),
        Scheme("train_val_test", 0.2, 0.2, method="group", random_state=1, groups=groups),
        tmp_path,
        "groups",
    )
    assert read_tsv(run.metrics)[1][2] == "test (25 rows)"
    assert metrics(run.metrics)["accuracy"] >= 0.9
    assert read_tsv(run.history)[0] == ["epoch", "loss", "acc", "val_loss", "val_acc", "seconds"]


def test_one_hot_encoding_is_one_unit_per_class_in_sorted_order() -> None:
    encoding = TargetEncoding("classifier", "one-hot", ("alpha", "beta", "gamma"))
    encoded = encoding.encode(np.array(["gamma", "alpha", "beta"]), 3)
    np.testing.assert_array_equal(encoded, [[0, 0, 1], [1, 0, 0], [0, 1, 0]])
    assert list(encoding.decode(np.array([[0.1, 0.7, 0.2]]))) == ["beta"]


@pytest.mark.parametrize("loss", [name for name, kind in catalogue.LOSSES.items() if kind == "one-hot"])
def test_one_hot_losses_train_a_softmax_classifier(loss: str, test_data: Path, tmp_path: Path) -> None:
    form = fm.builder_form(loss=loss, learning_rate=0.01, epochs=30, batch_size=16, seed=1)
    plan = fm.write_plan(fm.BLOBS_CLASSIFIER_ARCHITECTURE, form, tmp_path / "plan.json")
    run = fm.train(
        plan,
        fm.blobs_table(test_data, "f1,f2,f3,f4"),
        fm.blobs_table(test_data, "species"),
        Scheme("train_val", 0.25, method="stratified"),
        tmp_path,
        loss,
    )
    assert metrics(run.metrics)["accuracy"] >= 0.9, "three classes: chance is 0.33"


def two_blobs(folder: Path) -> tuple[TableInput, TableInput]:
    """The blobs of classes alpha and beta: features and labels, as two tables."""
    rows = [line.split("\t") for line in (fm.TEST_DATA / "blobs.tsv").read_text().splitlines()[1:]]
    kept = [row for row in rows if row[4] != "gamma"]
    (folder / "x.tsv").write_text("".join("\t".join(row[:4]) + "\n" for row in kept))
    (folder / "y.tsv").write_text("".join(row[4] + "\n" for row in kept))
    return TableInput(str(folder / "x.tsv"), False, ColumnSelection()), TableInput(
        str(folder / "y.tsv"), False, ColumnSelection()
    )


@pytest.mark.parametrize("loss", [name for name, kind in catalogue.LOSSES.items() if kind == "binary-margin"])
def test_hinge_losses_train_a_margin_classifier_and_predict_its_labels(loss: str, tmp_path: Path) -> None:
    """Labels alpha/beta become 0/1 (Keras' hinge makes them -1/1); the output's sign gives the label back."""
    architecture = fm.sequential(
        "(4,)", fm.layer("Dense", units=16, activation="relu"), fm.layer("Dense", units=1, activation="tanh")
    )
    form = fm.builder_form(loss=loss, learning_rate=0.01, epochs=20, batch_size=16, seed=1)
    features, targets = two_blobs(tmp_path)
    run = fm.train(
        fm.write_plan(architecture, form, tmp_path / "plan.json"),
        features,
        targets,
        Scheme("train_val", 0.25),
        tmp_path,
        loss,
    )
    assert metrics(run.metrics)["accuracy"] >= 0.9
    assert json.loads(zipfile.ZipFile(run.model).read("galaxy_keras.json"))["output_kind"] == "binary-margin"
    output = tmp_path / "predicted.tsv"
    predict_table(run.model, features.path, False, ColumnSelection(), "predict", str(output))
    predicted = [row[0] for row in read_tsv(str(output))[1:]]
    truth = Path(targets.path).read_text().split()
    assert set(predicted) == {"alpha", "beta"}
    assert np.mean(np.array(predicted) == np.array(truth)) >= 0.9


OPTIMIZER_FORMS = {
    when.get("value"): tool_forms.params(when)
    for when in tool_forms.expanded_tool("keras3_model_builder.xml").findall(
        "inputs/conditional[@name='optimizer']/when"
    )
}


@pytest.mark.parametrize("name", sorted(catalogue.OPTIMIZERS))
def test_every_offered_optimizer_takes_a_training_step_with_the_forms_defaults(name: str, tmp_path: Path) -> None:
    form = fm.builder_form(task="regressor", loss="mean_squared_error", metrics=("mse",))
    form["optimizer"] = {"optimizer_type": name} | {
        argument: tool_forms.default(param) for argument, param in OPTIMIZER_FORMS[name].items()
    }
    model = load_plan(str(fm.write_plan(fm.BLOBS_REGRESSOR_ARCHITECTURE, form, tmp_path / "plan.json"))).build_model()
    assert type(model.optimizer).__name__ == name
    before = model.get_weights()
    x = np.random.default_rng(0).normal(size=(8, 4)).astype("float32")
    model.fit(x, x.sum(axis=1), epochs=1, batch_size=8, verbose=0)
    assert int(model.optimizer.iterations) == 1
    assert any(not np.array_equal(old, new) for old, new in zip(before, model.get_weights(), strict=True))


def test_whole_numbers_in_a_hand_written_plan_are_taken_as_floats(tmp_path: Path) -> None:
    """Keras refuses learning_rate=1 and SGD's momentum=0 as integers; the plan's JSON may hold them so."""
    plan = json.loads((fm.TEST_DATA / "blobs_regressor_plan.json").read_text())
    plan["optimizer"] = {"class_name": "SGD", "config": {"learning_rate": 1, "momentum": 0}}
    path = tmp_path / "plan.json"
    path.write_text(json.dumps(plan))
    optimizer = load_plan(str(path)).build_model().optimizer
    assert float(optimizer.learning_rate) == 1.0 and optimizer.momentum == 0.0


def test_reduce_lr_on_plateau_lowers_the_learning_rate_in_the_history(test_data: Path, tmp_path: Path) -> None:
    reduce_lr = {
        "callback_type": "ReduceLROnPlateau",
        "monitor": "loss",
        "mode": "auto",
        "factor": 0.5,
        "patience": 0,
        # No loss falls by 100 in an epoch: every epoch after the first is a plateau, and halves the rate.
        "min_delta": 100.0,
        "cooldown": 0,
        "min_lr": 0.0,
    }
    form = fm.builder_form(
        loss="sparse_categorical_crossentropy", learning_rate=0.01, epochs=4, batch_size=16, callbacks=(reduce_lr,)
    )
    run = fm.train(
        fm.write_plan(fm.BLOBS_CLASSIFIER_ARCHITECTURE, form, tmp_path / "plan.json"),
        fm.blobs_table(test_data, "f1,f2,f3,f4"),
        fm.blobs_table(test_data, "species"),
        Scheme("train_val", 0.25),
        tmp_path,
        "reduce_lr",
    )
    rows = read_tsv(run.history)
    column = rows[0].index("learning_rate")
    # Each epoch's row shows the rate it trained with; the reduction at its end shows in the next row.
    assert [float(row[column]) for row in rows[1:]] == pytest.approx([0.01, 0.01, 0.005, 0.0025])
