"""Everything the suite writes, it reads back as it wrote it: architectures, plans, vocabularies (with long tokens),
id tables and labels, trained models, metrics, histories, predictions, probabilities, and the search's outputs."""

from __future__ import annotations

import codecs
import dataclasses
import gzip
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import fixture_models as fm
from galaxy_keras.plan import load_plan, plan_from_form
from galaxy_keras.plots import read_history, read_probabilities
from galaxy_keras.prediction import predict_table
from galaxy_keras.safety import model_outline, parse_json_file
from galaxy_keras.search import Budget, SearchOutputs, Validation, run_search
from galaxy_keras.tables import LABELS, ColumnSelection, read_feature_matrix, read_target_column, read_text_table
from galaxy_keras.text import ReviewTable, TokenizerSettings, read_vocabulary, tokenize
from galaxy_keras.trained_model import TrainedModel
from galaxy_keras.training import Scheme, TableInput

ALL = ColumnSelection()
# A token longer than the 128 KiB field that Python's csv module reads (a sequence or a blob without spaces).
LONG_TOKEN = "acgt" * 50_000


def test_an_architecture_and_its_plan_read_back_as_written(tmp_path: Path) -> None:
    architecture = fm.write_architecture(fm.TUTORIAL_ARCHITECTURE, tmp_path / "architecture.json")
    config = parse_json_file(str(architecture), "model architecture")
    assert model_outline(config, "model architecture").count_params() == 373_301
    plan = plan_from_form(fm.builder_form(), str(architecture))
    assert plan.model == config, "the builder keeps the architecture as written, its layer order included"
    (tmp_path / "plan.json").write_text(plan.to_json())
    assert load_plan(str(tmp_path / "plan.json")) == plan


@pytest.mark.parametrize("packing", ["byte order mark", "gzip"])
def test_a_plan_saved_by_an_editor_reads_as_a_table_would(tmp_path: Path, packing: str) -> None:
    """A byte order mark (Windows editors write one) and gzip are accepted in plans as in tables."""
    text = (fm.TEST_DATA / "blobs_classifier_plan.json").read_bytes()
    edited = codecs.BOM_UTF8 + text if packing == "byte order mark" else gzip.compress(text)
    (tmp_path / "plan.json").write_bytes(edited)
    assert load_plan(str(tmp_path / "plan.json")) == load_plan(str(fm.TEST_DATA / "blobs_classifier_plan.json"))


def test_the_tokenizers_outputs_read_back_long_tokens_included(tmp_path: Path) -> None:
    settings = TokenizerSettings(skip_top=0, vocabulary_size=10, sequence_length=4)
    outputs = {name: str(tmp_path / f"{name}.tsv") for name in ("sequences", "labels", "vocabulary")}
    texts = [f"{LONG_TOKEN} café film", f"film {LONG_TOKEN}", "naïve film"]
    tokenize(ReviewTable(texts, pd.Series(["pos", "NA", "neg "])), settings, None, outputs)
    fitted, word_ids = read_vocabulary(outputs["vocabulary"])
    assert fitted == settings and word_ids == {LONG_TOKEN: 2, "film": 1, "café": 3, "naïve": 4}
    written = read_feature_matrix(outputs["sequences"], False, ALL, "sequences")
    np.testing.assert_array_equal(written, [[0, 2, 3, 1], [0, 0, 1, 2], [0, 0, 4, 1]])
    assert list(read_target_column(outputs["labels"], False, ALL, "labels")) == ["pos", "NA", "neg "]
    tokenize(ReviewTable(texts, None), settings, outputs["vocabulary"], {"sequences": str(tmp_path / "again.tsv")})
    np.testing.assert_array_equal(read_feature_matrix(str(tmp_path / "again.tsv"), False, ALL, "sequences"), written)


def test_trainings_and_predictions_outputs_read_back_the_labels_as_written(tmp_path: Path) -> None:
    """Class labels that look like numbers are taken as written too: '01' stays '01', in the model and its outputs."""
    written_as = {"alpha": "01", "beta": "02", "gamma": "10"}
    rows = (fm.TEST_DATA / "blobs.tsv").read_text().splitlines()[1:]
    (tmp_path / "labels.tsv").write_text("".join(f"{written_as[row.split()[4]]}\n" for row in rows))
    outputs = fm.train(
        fm.TEST_DATA / "blobs_classifier_plan.json",
        fm.blobs_table(fm.TEST_DATA, "f1,f2,f3,f4"),
        TableInput(str(tmp_path / "labels.tsv"), False, ALL),
        Scheme("train_val", 0.25),
        tmp_path,
        "blobs",
    )
    metrics = read_text_table(outputs.metrics, True, "metrics table", LABELS)
    assert list(metrics.columns) == ["metric", "value", "evaluated_on"] and "accuracy" in set(metrics["metric"])
    history = read_history(outputs.history)
    assert list(history["epoch"]) == list(range(1, 31)) and "loss" in history.columns
    trained = TrainedModel.load(outputs.model)
    assert trained.encoding.classes == ("01", "02", "10")
    features = str(fm.TEST_DATA / "blobs.tsv")
    for method in ("predict", "predict_proba"):
        predict_table(outputs.model, features, True, ColumnSelection("by_index", "1-4"), method, str(tmp_path / method))
    predicted = read_target_column(str(tmp_path / "predict"), True, ALL, "predicted labels table", labels=True)
    assert len(predicted) == 120 and set(predicted) == {"01", "02", "10"}
    probabilities = read_probabilities(str(tmp_path / "predict_proba"))
    assert list(probabilities.columns) == ["01", "02", "10"]
    np.testing.assert_allclose(probabilities.sum(axis=1), 1, atol=1e-4)


@pytest.mark.parametrize(
    ("written", "read"),
    [
        ("1\n2\n10\n", [1, 2, 10]),
        ("01\n02\n10\n", ["01", "02", "10"]),
        ("1\n1.0\n2\n", ["1", "1.0", "2"]),
        ("0\n1\nnan\n", ["0", "1", "nan"]),
        ("neg\nNA\n", ["neg", "NA"]),
    ],
)
def test_class_labels_are_taken_as_written(tmp_path: Path, written: str, read: list) -> None:
    (tmp_path / "labels.tsv").write_text(written)
    assert list(read_target_column(str(tmp_path / "labels.tsv"), False, ALL, "labels", labels=True)) == read


def test_the_searchs_outputs_read_back(tmp_path: Path) -> None:
    outputs = SearchOutputs(*(str(tmp_path / name) for name in ("results.tsv", "best.json", "plot.png")))
    run_search(
        str(fm.TEST_DATA / "blobs_classifier_plan.json"),
        fm.blobs_table(fm.TEST_DATA, "f1,f2,f3,f4"),
        fm.blobs_table(fm.TEST_DATA, "species"),
        None,
        [{"setting": "epochs", "values": "2, 3"}],
        "grid",
        Budget(candidates=2),
        Validation(held_out=0.25),
        "accuracy",
        outputs,
    )
    results = read_text_table(outputs.results, True, "results table", LABELS)
    assert list(results.columns) == [
        "candidate",
        "max_epochs",
        "accuracy_fold_1",
        "mean_accuracy",
        "std_accuracy",
        "epochs",
        "seconds",
        "state",
        "rank",
    ]
    assert sorted(results["max_epochs"]) == sorted(results["epochs"]) == ["2", "3"]
    assert set(results["state"]) == {"complete"}
    best = load_plan(outputs.best_plan)
    assert dataclasses.replace(best, epochs=30) == load_plan(str(fm.TEST_DATA / "blobs_classifier_plan.json"))
