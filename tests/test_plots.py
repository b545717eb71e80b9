"""Plots: exact confusion counts with real class names, every offered colour map, the curves and the diagram."""

from __future__ import annotations

import time
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pytest

import fixture_models as fm
from galaxy_keras import plots
from galaxy_keras.errors import UserInputError

TOOL = fm.TEST_DATA.parent / "tools" / "keras3_ml_visualization.xml"


def offered_color_maps() -> list[str]:
    select = next(param for param in ET.parse(TOOL).getroot().iter("param") if param.get("name") == "color_map")
    return [option.get("value") for option in select.iter("option")]


def test_the_form_offers_exactly_the_colour_maps_the_script_knows() -> None:
    assert tuple(offered_color_maps()) == plots.COLOR_MAPS


@pytest.mark.parametrize("color_map", offered_color_maps())
def test_every_offered_colour_map_draws(color_map: str, tmp_path: Path) -> None:
    image, matrix = tmp_path / "cm.png", tmp_path / "cm.tsv"
    plots.confusion_matrix_plot(
        ["a", "b", "b"],
        ["a", "b", "a"],
        plots.ImageFile(str(image)),
        str(matrix),
        str(tmp_path / "r.tsv"),
        normalize="true",
        title=color_map,
        color_map=color_map,
    )
    assert image.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_confusion_matrix_counts_and_numeric_label_order(tmp_path: Path) -> None:
    matrix = tmp_path / "cm.tsv"
    true = ["10", "2", "2", "30", "10", "2"]
    predicted = ["10", "2", "10", "30", "2", "2"]
    report = tmp_path / "report.tsv"
    plots.confusion_matrix_plot(
        true, predicted, plots.ImageFile(str(tmp_path / "cm.svg"), "svg"), str(matrix), str(report)
    )
    assert matrix.read_text().splitlines() == [
        "true\\predicted\t2\t10\t30",
        "2\t2\t1\t0",
        "10\t1\t1\t0",
        "30\t0\t0\t1",
    ]
    assert report.read_text().splitlines() == [
        "class\tprecision\trecall\tf1\tsupport",
        "2\t0.6667\t0.6667\t0.6667\t3",
        "10\t0.5\t0.5\t0.5\t2",
        "30\t1\t1\t1\t1",
        "accuracy\t\t\t0.6667\t6",
        "macro avg\t0.7222\t0.7222\t0.7222\t6",
        "weighted avg\t0.6667\t0.6667\t0.6667\t6",
    ]


def test_sorted_labels_sorts_numbers_as_numbers_and_text_as_text() -> None:
    assert plots.sorted_labels(["10", "2", "1.5"]) == ["1.5", "2", "10"]
    assert plots.sorted_labels(["neg", "pos", "mixed"]) == ["mixed", "neg", "pos"]


def test_roc_pr_learning_curves_and_diagram_draw(tmp_path: Path) -> None:
    data = fm.TEST_DATA
    truth = [line.split("\t")[4] for line in (data / "blobs.tsv").read_text().splitlines()[1:]]
    probabilities = plots.read_probabilities(str(data / "blobs_probabilities.tsv"))
    plots.roc_pr_plot(truth, probabilities, "roc", plots.ImageFile(str(tmp_path / "roc.png")))
    history = plots.read_history(str(data / "blobs_history.tsv"))
    plots.learning_curves_plot(history, "lc", plots.ImageFile(str(tmp_path / "lc.pdf"), "pdf"))
    architecture = str(data / "imdb_lstm_architecture.json")
    plots.model_diagram_plot(architecture, "model", plots.ImageFile(str(tmp_path / "model.svg"), "svg"))
    assert (tmp_path / "roc.png").stat().st_size > 10_000
    assert (tmp_path / "lc.pdf").read_bytes().startswith(b"%PDF")
    diagram = (tmp_path / "model.svg").read_text()
    assert "Total parameters: 373,301" in diagram and "LSTM" in diagram


def test_roc_curve_with_numeric_class_labels(tmp_path: Path, write_table) -> None:
    """predict_proba headers are the class labels; for 0/1 labels the header is all numbers, and that is right."""
    probabilities = write_table("0\t1\n0.9\t0.1\n0.2\t0.8\n0.4\t0.6\n0.7\t0.3\n")
    roc = plots.ImageFile(str(tmp_path / "roc.svg"), "svg")
    plots.roc_pr_plot(["0", "1", "1", "0"], plots.read_probabilities(probabilities), "roc", roc)
    assert "AUC = 1.000" in (tmp_path / "roc.svg").read_text()


def test_the_help_states_the_class_limit() -> None:
    help_text = ET.parse(TOOL).getroot().find("help").text
    assert f"at most {plots.MAX_CLASSES} classes" in help_text


def test_a_regressors_values_are_refused_at_once_before_any_drawing(tmp_path: Path) -> None:
    values = np.random.default_rng(0).normal(size=100_000)
    image = tmp_path / "cm.png"
    for true, predicted in [(values.round(), values), (np.arange(240), np.arange(240))]:
        started = time.perf_counter()
        with pytest.raises(UserInputError):
            plots.confusion_matrix_plot(
                true, predicted, plots.ImageFile(str(image)), str(tmp_path / "m.tsv"), str(tmp_path / "r.tsv")
            )
        assert time.perf_counter() - started < 1
    assert not image.exists()


def test_as_many_classes_as_the_limit_are_drawn(tmp_path: Path) -> None:
    labels = np.arange(plots.MAX_CLASSES)
    matrix = tmp_path / "cm.tsv"
    plots.confusion_matrix_plot(
        labels, labels, plots.ImageFile(str(tmp_path / "cm.png")), str(matrix), str(tmp_path / "r.tsv")
    )
    assert len(matrix.read_text().splitlines()) == plots.MAX_CLASSES + 1


def test_whole_numbers_written_as_floats_are_the_same_classes(tmp_path: Path) -> None:
    """A y_test of 1.0/2.0 against Model Prediction's 1/2: two classes, not four."""
    matrix = tmp_path / "cm.tsv"
    plots.confusion_matrix_plot(
        np.array([1.0, 2.0, 1.0]),
        np.array([1, 2, 2]),
        plots.ImageFile(str(tmp_path / "cm.svg"), "svg"),
        str(matrix),
        str(tmp_path / "r.tsv"),
    )
    assert matrix.read_text().splitlines() == ["true\\predicted\t1\t2", "1\t1\t1", "2\t0\t1"]


def test_an_image_format_is_refused_before_any_drawing(tmp_path: Path) -> None:
    with pytest.raises(UserInputError, match="'jpg' is not an image format this tool writes"):
        plots.ImageFile(str(tmp_path / "cm.jpg"), "jpg")
