"""Padding-aware batches: exact for masked models, repeatable with a seed, and only for models that mask."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

import fixture_models as fm
from galaxy_keras import padding, training
from galaxy_keras.architecture import architecture_json
from galaxy_keras.padding import masks_padding, predict_trimmed, shuffled_dataset, trimmed_batch, used_steps
from galaxy_keras.runtime import keras, tf
from galaxy_keras.safety import model_from_config
from galaxy_keras.tables import ColumnSelection, read_feature_matrix
from galaxy_keras.training import Scheme, TableInput
from test_training import weights


def model_of(form: dict):
    return model_from_config(json.loads(architecture_json(form)), "architecture")


def test_trimming_moves_the_ids_of_pre_post_and_inner_padded_rows_to_the_start() -> None:
    rows = np.array([[0, 0, 0, 4, 5], [6, 7, 0, 0, 0], [0, 0, 0, 0, 0], [0, 8, 0, 9, 0]], dtype=np.int32)
    assert used_steps(rows).sum(axis=1).tolist() == [2, 2, 0, 2]
    trimmed = trimmed_batch(rows)
    # Padding only on the right, as cuDNN requires; the width is the longest row, rounded up and capped.
    assert trimmed.shape == (4, 5)
    assert trimmed.tolist() == [[4, 5, 0, 0, 0], [6, 7, 0, 0, 0], [0, 0, 0, 0, 0], [8, 9, 0, 0, 0]]
    # Where cuDNN may run (a GPU), a row with no ids gets one step, so that no row is masked entirely.
    assert trimmed_batch(rows, unmask_empty=True)[2].tolist() == [1, 0, 0, 0, 0]


def test_trimming_rows_of_feature_vectors_keeps_the_vectors() -> None:
    rows = np.zeros((2, 4, 3), np.float32)
    rows[0, 2:] = [[1, 0, 0], [0, 0, 2]]
    rows[1, 1] = [0, 3, 0]
    trimmed = trimmed_batch(rows)
    assert trimmed.shape == (2, 4, 3)
    np.testing.assert_array_equal(trimmed[0, :2], rows[0, 2:])
    np.testing.assert_array_equal(trimmed[1, 0], rows[1, 1])
    assert not trimmed[0, 2:].any() and not trimmed[1, 1:].any()


def test_a_batch_is_cut_to_its_longest_row_rounded_to_the_length_step() -> None:
    rows = np.zeros((2, 500), np.int32)
    rows[0, -40:] = 3
    rows[1, -7:] = 2
    trimmed = trimmed_batch(rows)
    assert trimmed.shape == (2, 2 * padding.LENGTH_STEP)
    assert (trimmed[0, :40] == 3).all() and not trimmed[0, 40:].any() and (trimmed[1, :7] == 2).all()


def test_only_models_that_mask_padding_get_trimmed_batches() -> None:
    assert masks_padding(model_of(fm.MASKED_ARCHITECTURE))
    assert not masks_padding(model_of(fm.TUTORIAL_ARCHITECTURE))  # the tutorial's own model: no mask
    flattened = fm.sequential(
        "(500,)",
        fm.layer("Embedding", input_dim=100, output_dim=4, mask_zero=True),
        fm.layer("Flatten"),
        fm.layer("Dense", units=1),
    )
    assert not masks_padding(model_of(flattened))  # Flatten needs all 500 steps


def test_the_forms_mask_field_reaches_the_model() -> None:
    config = json.loads(architecture_json(fm.MASKED_ARCHITECTURE))
    embedding = next(layer for layer in config["config"]["layers"] if layer["class_name"] == "Embedding")
    assert embedding["config"]["mask_zero"] is True


def test_trimmed_prediction_equals_untrimmed_prediction(test_data: Path) -> None:
    keras.utils.set_random_seed(1)
    model = model_of(fm.MASKED_ARCHITECTURE)
    rows = read_feature_matrix(str(test_data / "imdb_X_test.tsv"), False, ColumnSelection(), "table")
    rows = np.concatenate([rows, np.zeros((1, 500), rows.dtype)])  # and an empty review
    untrimmed = np.asarray(model.predict_on_batch(rows))
    trimmed = predict_trimmed(model, rows, batch_size=64)
    np.testing.assert_allclose(trimmed, untrimmed, atol=1e-5, rtol=0)
    assert ((trimmed >= 0.5) == (untrimmed >= 0.5)).all()
    post_padded = trimmed_batch(rows)  # the same reviews padded on the right instead
    np.testing.assert_allclose(predict_trimmed(model, post_padded, batch_size=64), untrimmed, atol=1e-5, rtol=0)
    inner_padded = rows.copy()  # and with padding between the ids, which a masked model skips
    inner_padded[:, ::3] = 0
    np.testing.assert_allclose(
        predict_trimmed(model, inner_padded, batch_size=64), np.asarray(model.predict_on_batch(inner_padded)), atol=1e-5
    )
    as_on_a_gpu = predict_trimmed(model, rows, batch_size=64, unmask_empty=True)
    np.testing.assert_allclose(as_on_a_gpu[:-1], untrimmed[:-1], atol=1e-5, rtol=0)  # only the empty review differs


def imdb_tables(test_data: Path) -> tuple[TableInput, TableInput]:
    return (
        TableInput(str(test_data / "imdb_X_train.tsv"), False, ColumnSelection()),
        TableInput(str(test_data / "imdb_y_train.tsv"), False, ColumnSelection()),
    )


def test_grouped_batches_with_a_seed_give_identical_weights(test_data: Path, tmp_path: Path) -> None:
    form = fm.builder_form(epochs=2, batch_size=32, seed=7, validation_split=0.1)
    plan = fm.write_plan(fm.MASKED_ARCHITECTURE, form, tmp_path / "plan.json")
    runs = []
    for name in ("first", "second"):
        (tmp_path / name).mkdir()
        runs.append(fm.train(plan, *imdb_tables(test_data), Scheme("train_val", 0.2), tmp_path / name, name))
    for first, second in zip(weights(runs[0].model), weights(runs[1].model), strict=True):
        np.testing.assert_array_equal(first, second)
    assert "val_loss" in Path(runs[0].history).read_text().splitlines()[0].split("\t")  # the plan's validation split


@pytest.mark.parametrize(
    ("architecture", "batching", "grouped"),
    [
        (fm.MASKED_ARCHITECTURE, "grouped", True),
        (fm.MASKED_ARCHITECTURE, "random", False),
        (fm.EMBEDDING_ARCHITECTURE, "grouped", False),  # no mask: plain shuffled batches, whatever the plan says
    ],
)
def test_grouped_batches_only_for_masked_models_and_when_the_plan_says(
    architecture: dict, batching: str, grouped: bool, test_data: Path, tmp_path: Path, monkeypatch
) -> None:
    calls = []
    original = training.grouped_dataset
    monkeypatch.setattr(training, "grouped_dataset", lambda *args: calls.append(1) or original(*args))
    plan = fm.write_plan(architecture, fm.builder_form(epochs=1, batch_size=64, batching=batching), tmp_path / "p.json")
    fm.train(plan, *imdb_tables(test_data), Scheme("train_val", 0.2), tmp_path, "run")
    assert bool(calls) == grouped


@pytest.mark.parametrize(
    "architecture", [fm.MASKED_ARCHITECTURE, fm.EMBEDDING_ARCHITECTURE], ids=["grouped batches", "shuffled batches"]
)
def test_fit_reads_datasets_without_tf_data_autotuning(
    architecture: dict, test_data: Path, tmp_path: Path, monkeypatch
) -> None:
    """Destroying a tf.data iterator whose autotuning is on waited, in some runs, up to 40 s for tf.data's autotuning
    thread (see padding.repeating_dataset): fit returned that long after its last epoch. So fit never gets arrays
    (Keras would make such a pipeline of them), and its training and validation datasets have autotuning off."""
    received = []
    original = keras.Model.fit

    def spy(model, x=None, *args, **kwargs):
        received.append((x, kwargs.get("validation_data")))
        return original(model, x, *args, **kwargs)

    monkeypatch.setattr(keras.Model, "fit", spy)
    form = fm.builder_form(epochs=2, batch_size=64, validation_split=0.2)
    plan = fm.write_plan(architecture, form, tmp_path / "plan.json")
    fm.train(plan, *imdb_tables(test_data), Scheme("train_val", 0.2), tmp_path, "run")
    [(training_data, validation_data)] = received
    for dataset in (training_data, validation_data):
        assert isinstance(dataset, tf.data.Dataset)
        assert dataset.options().autotune.enabled is False


def test_shuffled_batches_hold_every_row_once_an_epoch_in_a_new_order_the_same_for_a_seed() -> None:
    x = np.arange(30, dtype=np.int32).reshape(10, 3)
    y = np.arange(10, dtype=np.float32)

    def epochs(seed: int | None, shuffle: bool) -> list[list[float]]:
        dataset, steps = shuffled_dataset(x, y, 4, seed, shuffle)
        assert steps == 3  # the last batch holds the 2 rows left
        batches = list(dataset.take(2 * steps).as_numpy_iterator())
        for features, targets in batches:
            np.testing.assert_array_equal(features, x[targets.astype(int)])  # whole rows, each with its target
        return [
            np.concatenate([targets for _, targets in batches[n * steps : (n + 1) * steps]]).tolist() for n in (0, 1)
        ]

    first, second = epochs(seed=7, shuffle=True)
    assert sorted(first) == sorted(second) == list(range(10)) and first != second
    assert epochs(seed=7, shuffle=True) == [first, second]
    assert epochs(seed=None, shuffle=False) == [list(range(10))] * 2
