"""Plots: exact confusion counts with real class names, every offered colour map, the curves and the diagram."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

import fixture_models as fm
from galaxy_keras import plots

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
        ["a", "b", "b"], ["a", "b", "a"], "true", color_map, color_map, str(image), "png", str(matrix)
    )
    assert image.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_confusion_matrix_counts_and_numeric_label_order(tmp_path: Path) -> None:
    matrix = tmp_path / "cm.tsv"
    true = ["10", "2", "2", "30", "10", "2"]
    predicted = ["10", "2", "10", "30", "2", "2"]
    plots.confusion_matrix_plot(true, predicted, "none", "t", "Blues", str(tmp_path / "cm.svg"), "svg", str(matrix))
    assert matrix.read_text().splitlines() == [
        "true\\predicted\t2\t10\t30",
        "2\t2\t1\t0",
        "10\t1\t1\t0",
        "30\t0\t0\t1",
    ]
    svg = (tmp_path / "cm.svg").read_text()
    assert ">2<" in svg or "2</text>" in svg or "2" in svg


def test_sorted_labels_sorts_numbers_as_numbers_and_text_as_text() -> None:
    assert plots.sorted_labels(["10", "2", "1.5"]) == ["1.5", "2", "10"]
    assert plots.sorted_labels(["neg", "pos", "mixed"]) == ["mixed", "neg", "pos"]


def test_roc_pr_learning_curves_and_diagram_draw(tmp_path: Path) -> None:
    data = fm.TEST_DATA
    truth = [line.split("\t")[4] for line in (data / "blobs.tsv").read_text().splitlines()[1:]]
    plots.roc_pr_plot(
        truth, plots.read_probabilities(str(data / "blobs_probabilities.tsv")), "roc", str(tmp_path / "roc.png"), "png"
    )
    plots.learning_curves_plot(
        plots.read_history(str(data / "blobs_history.tsv")), "lc", str(tmp_path / "lc.pdf"), "pdf"
    )
    plots.model_diagram_plot(str(data / "imdb_lstm_architecture.json"), "model", str(tmp_path / "model.svg"), "svg")
    assert (tmp_path / "roc.png").stat().st_size > 10_000
    assert (tmp_path / "lc.pdf").read_bytes().startswith(b"%PDF")
    diagram = (tmp_path / "model.svg").read_text()
    assert "Total parameters: 373,301" in diagram and "LSTM" in diagram
