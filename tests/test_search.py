"""Hyperparameter search: the search space as the form gives it, the candidate plans, splits that keep groups whole,
and whole searches on the blobs that find the better plan and repeat themselves with a seed."""

from __future__ import annotations

import csv
import itertools
import json
from pathlib import Path

import numpy as np
import pytest

import fixture_models as fm
from conftest import run_script
from galaxy_keras import search as search_module
from galaxy_keras.errors import UserInputError
from galaxy_keras.plan import load_plan
from galaxy_keras.search import (
    Budget,
    Parameter,
    SearchOutputs,
    Validation,
    candidate_plan,
    fold_splits,
    grid_candidates,
    parse_parameter,
    run_search,
    sample_rows,
)
from galaxy_keras.tables import ColumnSelection
from galaxy_keras.training import TableInput

TUTORIAL_PLAN = str(fm.TEST_DATA / "imdb_lstm_plan.json")
BLOBS_PLAN = str(fm.TEST_DATA / "blobs_classifier_plan.json")


@pytest.fixture(scope="module")
def tutorial_plan():
    return load_plan(TUTORIAL_PLAN)


def test_lists_and_ranges_take_the_type_of_what_they_change(tutorial_plan) -> None:
    units = parse_parameter(tutorial_plan, "layer", "32, 64,100", layer=2, field="units")
    assert (units.name, units.choices) == ("layer 2 (LSTM) units", (32, 64, 100))
    rate = parse_parameter(tutorial_plan, "learning_rate", "1e-4 .. 1e-2 log")
    assert (rate.low, rate.high, rate.log, rate.choices) == (1e-4, 1e-2, True, None)
    assert parse_parameter(tutorial_plan, "layer", "true, false", layer=1, field="mask_zero").choices == (True, False)
    assert parse_parameter(tutorial_plan, "optimizer", "Adam, RMSprop").choices == ("Adam", "RMSprop")
    assert parse_parameter(tutorial_plan, "batch_size", "16..256").kind is int


def test_a_candidate_changes_only_its_values(tutorial_plan) -> None:
    units = parse_parameter(tutorial_plan, "layer", "32, 64", layer=2, field="units")
    optimizer = parse_parameter(tutorial_plan, "optimizer", "Adam, RMSprop")
    rate = parse_parameter(tutorial_plan, "learning_rate", "0.01, 0.02")
    candidate = candidate_plan(tutorial_plan, {rate: 0.02, units: 32, optimizer: "RMSprop"})
    assert candidate.model["config"]["layers"][2]["config"]["units"] == 32  # [0] is the input layer Keras adds
    assert candidate.optimizer == {"class_name": "RMSprop", "config": {"learning_rate": 0.02}}
    assert tutorial_plan.model["config"]["layers"][2]["config"]["units"] == 100, "the plan itself is unchanged"
    assert candidate.epochs == tutorial_plan.epochs and candidate.loss == tutorial_plan.loss


@pytest.mark.parametrize(
    ("setting", "values", "expected"),
    [
        ("batch_size", " 32 ,64,  100 ", (32, 64, 100)),
        ("batch_size", "+16", (16,)),
        ("learning_rate", "1e-3, .5, +2E-2, 0.01", (0.001, 0.5, 0.02, 0.01)),
        ("optimizer", "Adam,RMSprop", ("Adam", "RMSprop")),
    ],
)
def test_a_list_is_values_of_the_settings_type_separated_by_commas(
    tutorial_plan, setting: str, values: str, expected: tuple
) -> None:
    assert parse_parameter(tutorial_plan, setting, values).choices == expected


@pytest.mark.parametrize(
    ("setting", "values", "expected"),
    [
        ("batch_size", "16..128", (16, 128, False)),
        ("batch_size", "16 .. 128", (16, 128, False)),
        ("learning_rate", " 1e-4 .. 1e-2 log ", (1e-4, 1e-2, True)),
        ("learning_rate", "0.001 .. .01", (0.001, 0.01, False)),
    ],
)
def test_a_range_is_two_numbers_around_two_dots(tutorial_plan, setting: str, values: str, expected: tuple) -> None:
    parameter = parse_parameter(tutorial_plan, setting, values)
    assert (parameter.low, parameter.high, parameter.log) == expected and parameter.choices is None


def test_the_help_shows_the_grammar_the_search_reads() -> None:
    help_text = (fm.TEST_DATA.parent / "tools" / "keras3_hyperparameter_search.xml").read_text()
    assert "a **list**, its values separated by commas" in help_text and "a **range** of two numbers" in help_text
    for example in ("32, 64, 100", "16 .. 128", "1e-4 .. 1e-2 log", "1e-4 - 1e-2", "1e-4...1e-2"):
        assert example in help_text


@pytest.mark.parametrize(
    ("setting", "values", "where", "message"),
    [
        ("layer", "8", {"layer": 2, "field": "unit"}, "layer 2 (LSTM) has no field 'unit': its fields are activation,"),
        ("layer", "8", {"layer": 4, "field": "units"}, "has no layer 4: its layers are 1 (Embedding), 2 (LSTM), 3"),
        ("layer", "", {"layer": 2, "field": "units"}, "the values of layer 2 (LSTM) units are empty: give a list"),
        (
            "layer",
            "32, ten",
            {"layer": 2, "field": "units"},
            "'ten' is not a value of layer 2 (LSTM) units: give a whole",
        ),
        ("layer", "0.5, 1.5", {"layer": 2, "field": "dropout"}, "1.5 is outside the range of layer 2 (LSTM) dropout"),
        ("layer", "0, 32", {"layer": 2, "field": "units"}, "0 is outside the range of layer 2 (LSTM) units"),
        ("layer", "relu .. tanh", {"layer": 2, "field": "activation"}, "takes a list of values, not a range"),
        ("learning_rate", "0.01 .. 0.001", {}, "the range of learning_rate runs from 0.01 to 0.001: give the smaller"),
        ("learning_rate", "0 .. 0.01 log", {}, "a log range of learning_rate must start above 0, not at 0.0"),
        ("learning_rate", "0, 0.01", {}, "learning_rate = 0.0: "),
        ("batch_size", "32, 32", {}, "the values of batch_size repeat one: list each value once."),
        ("optimizer", "Adam, Adamm", {}, "optimizer = Adamm: "),
        ("momentum", "0.9", {}, "'momentum' is not a setting the search can change"),
    ],
)
def test_a_search_space_the_plan_cannot_take_is_refused_before_training(
    tutorial_plan, setting: str, values: str, where: dict, message: str
) -> None:
    with pytest.raises(UserInputError) as refusal:
        parse_parameter(tutorial_plan, setting, values, **where)
    assert message in str(refusal.value)


@pytest.mark.parametrize("folds", [1, 4])
@pytest.mark.parametrize("stratify", [True, False])
def test_no_group_is_split_between_the_training_and_the_scored_rows(folds: int, stratify: bool) -> None:
    rng = np.random.default_rng(0)
    groups = np.repeat([f"film {number}" for number in range(30)], rng.integers(1, 6, size=30))
    targets = rng.choice(["neg", "pos"], size=len(groups))
    splits = fold_splits(targets, groups, Validation(folds=folds, held_out=0.25, seed=3), stratify)
    assert len(splits) == folds
    for fit_rows, scored_rows in splits:
        assert not set(groups[fit_rows]) & set(groups[scored_rows])
        assert len(fit_rows) + len(scored_rows) == len(groups)


def test_folds_are_stratified_and_seeded() -> None:
    targets = np.array(["a"] * 40 + ["b"] * 10)
    splits = fold_splits(targets, None, Validation(folds=5, seed=1), stratify=True)
    assert [list(targets[scored]).count("b") for _, scored in splits] == [2] * 5
    again = fold_splits(targets, None, Validation(folds=5, seed=1), stratify=True)
    assert all((first[1] == second[1]).all() for first, second in zip(splits, again, strict=True))


@pytest.mark.parametrize(
    ("targets", "groups", "validation", "message"),
    [
        (["a"] * 10 + ["b"] * 3, None, Validation(folds=5), "class 'b' has 3: use at most 3 folds"),
        (["a", "b"] * 6, ["g1", "g2", "g3"] * 4, Validation(folds=4), "the group column has 3: use at most 3 folds"),
        (["a", "b"] * 6, None, Validation(held_out=0.0), "a held-out part of 0.0 of 12 rows leaves no rows"),
    ],
)
def test_splits_that_cannot_be_made_are_refused(targets, groups, validation: Validation, message: str) -> None:
    with pytest.raises(UserInputError) as refusal:
        fold_splits(np.array(targets), None if groups is None else np.array(groups), validation, stratify=True)
    assert message in str(refusal.value)


def search(tmp_path: Path, parameters: list[dict], strategy: str = "grid", **options) -> dict[str, Path]:
    outputs = {
        name: tmp_path / f"{name}.{ext}" for name, ext in (("results", "tsv"), ("plan", "json"), ("plot", "png"))
    }
    run_search(
        options.get("plan", BLOBS_PLAN),
        fm.blobs_table(fm.TEST_DATA, "f1,f2,f3,f4"),
        options.get("targets") or fm.blobs_table(fm.TEST_DATA, options.get("target", "species")),
        None,
        parameters,
        strategy,
        options.get("budget", Budget(candidates=10)),
        options.get("validation", Validation(held_out=0.25, seed=0)),
        options.get("metric", "accuracy"),
        SearchOutputs(str(outputs["results"]), str(outputs["plan"]), str(outputs["plot"])),
    )
    return outputs


def read_rows(path: Path) -> list[dict[str, str]]:
    with open(path) as handle:
        return list(csv.DictReader(handle, delimiter="\t"))


def regressor_plan_without_callbacks(folder: Path) -> str:
    """The blobs regressor's plan without its EarlyStopping, which watches validation data a search does not give."""
    plan = json.loads((fm.TEST_DATA / "blobs_regressor_plan.json").read_text())
    (folder / "regressor_plan.json").write_text(json.dumps({**plan, "callbacks": []}))
    return str(folder / "regressor_plan.json")


DIVERGED = (
    "the model's outputs for the scored rows are not finite numbers (NaN or infinite), so training diverged: use a "
    "smaller learning rate, clip the gradients (clipnorm), or add the TerminateOnNaN callback."
)


def test_a_grid_search_finds_the_usable_learning_rate(tmp_path: Path) -> None:
    outputs = search(tmp_path, [{"setting": "learning_rate", "values": "0.000001, 0.01"}])
    rows = read_rows(outputs["results"])
    assert sorted(row["learning_rate"] for row in rows) == ["0.01", "1e-06"]
    best = next(row for row in rows if row["rank"] == "1")
    worst = next(row for row in rows if row["rank"] == "2")
    assert best["learning_rate"] == "0.01" and float(best["mean_accuracy"]) >= 0.9
    assert float(worst["mean_accuracy"]) < float(best["mean_accuracy"])
    plan = json.loads(outputs["plan"].read_text())
    assert plan["optimizer"]["config"]["learning_rate"] == 0.01
    assert load_plan(str(outputs["plan"])).epochs == 30, "the best plan is a training plan that training reads"
    assert outputs["plot"].read_bytes().startswith(b"\x89PNG")


def test_the_same_seed_gives_the_same_candidates_and_scores(tmp_path: Path) -> None:
    space = [{"setting": "learning_rate", "values": "1e-3 .. 1e-1 log"}, {"setting": "batch_size", "values": "8..64"}]
    tables = []
    for name in ("first", "second"):
        (tmp_path / name).mkdir()
        outputs = search(tmp_path / name, space, "random", budget=Budget(candidates=3))
        tables.append(
            [{key: value for key, value in row.items() if key != "seconds"} for row in read_rows(outputs["results"])]
        )
    assert tables[0] == tables[1]
    assert len(tables[0]) == 3 and len({row["learning_rate"] for row in tables[0]}) == 3


def test_cross_validation_alone_is_one_candidate_with_a_score_per_fold(tmp_path: Path) -> None:
    outputs = search(tmp_path, [], validation=Validation(folds=5, seed=0))
    (row,) = read_rows(outputs["results"])
    scores = [float(row[f"accuracy_fold_{fold}"]) for fold in range(1, 6)]
    assert float(row["mean_accuracy"]) == pytest.approx(np.mean(scores), abs=1e-5)
    assert float(row["std_accuracy"]) == pytest.approx(np.std(scores), abs=1e-5)
    assert row["epochs"] == "30,30,30,30,30" and row["state"] == "complete" and row["rank"] == "1"


def test_tpe_stops_candidates_that_score_below_the_median(tmp_path: Path) -> None:
    space = [{"setting": "learning_rate", "values": "0.000001, 0.00001, 0.01, 0.05"}]
    outputs = search(tmp_path, space, "tpe", budget=Budget(candidates=8))
    rows = read_rows(outputs["results"])
    assert len(rows) == 8
    pruned = [row for row in rows if row["state"] == "pruned"]
    assert pruned and all(int(row["epochs"]) < 30 and row["rank"] == "" for row in pruned)
    assert all(float(row["learning_rate"]) < 0.01 for row in pruned), "only the useless rates are stopped"
    repeats = [row for row in rows if row["state"].startswith("same as ")]
    assert all(row["seconds"] == "" for row in repeats), "a candidate drawn again is not trained again"
    best = next(row for row in rows if row["rank"] == "1")
    assert float(best["learning_rate"]) >= 0.01


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"budget": Budget(candidates=0)}, "a budget of 0 candidates runs nothing: give at least 1."),
        ({"budget": Budget(candidates=2, minutes=0)}, "a time budget of 0 minutes runs nothing"),
        (
            {"metric": "roc_auc", "plan": str(fm.TEST_DATA / "blobs_regressor_plan.json"), "target": "size"},
            "roc_auc scores a classifier, but the plan's model is a regressor: choose mse, mae, r2.",
        ),
        (
            {"metric": "mse"},
            "mse scores a regressor, but the plan's model is a classifier: choose accuracy, f1, roc_auc.",
        ),
    ],
)
def test_a_search_that_cannot_run_is_refused(tmp_path: Path, options: dict, message: str) -> None:
    with pytest.raises(UserInputError) as refusal:
        search(tmp_path, [{"setting": "learning_rate", "values": "0.01, 0.1"}], **options)
    assert message in str(refusal.value)


def test_a_grid_needs_lists(tmp_path: Path) -> None:
    with pytest.raises(UserInputError, match="a grid search takes lists of values, but learning_rate is a range"):
        search(tmp_path, [{"setting": "learning_rate", "values": "0.001 .. 0.1"}])


def test_a_sample_is_seeded_stratified_and_keeps_groups_whole() -> None:
    targets = np.array(["a"] * 80 + ["b"] * 20)
    chosen = sample_rows(targets, None, Validation(seed=2, rows=50), stratify=True)
    assert len(chosen) == 50 and list(targets[chosen]).count("b") == 10
    assert (chosen == sample_rows(targets, None, Validation(seed=2, rows=50), stratify=True)).all()
    groups = np.repeat(np.arange(20), 5).astype(str)
    chosen = sample_rows(targets, groups, Validation(seed=2, rows=50), stratify=True)
    picked = set(groups[chosen])
    assert len(chosen) == 50 and all((groups[chosen] == group).sum() == 5 for group in picked)


def test_a_search_on_a_sample_splits_only_the_sample(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    split_sizes = []
    original = search_module.fold_splits
    monkeypatch.setattr(
        search_module,
        "fold_splits",
        lambda targets, *rest, **options: split_sizes.append(len(targets)) or original(targets, *rest, **options),
    )
    outputs = search(tmp_path, [], validation=Validation(held_out=0.25, seed=0, rows=60))
    assert split_sizes == [60]
    assert read_rows(outputs["results"])[0]["state"] == "complete"


def test_a_grid_is_drawn_one_candidate_at_a_time_in_a_seeded_order() -> None:
    """Twelve lists of ten values make 10**12 combinations: the grid is never built, only its drawn candidates."""
    many = [Parameter(f"setting {number}", "batch_size", int, tuple(range(1, 11))) for number in range(12)]
    drawn = list(grid_candidates(many, 5, seed=3))
    assert len({tuple(values.values()) for values in drawn}) == 5
    assert drawn == list(grid_candidates(many, 5, seed=3)) != list(grid_candidates(many, 5, seed=4))
    small = [Parameter("a", "batch_size", int, (1, 2)), Parameter("b", "optimizer", str, ("x", "y", "z"))]
    every = list(grid_candidates(small, 100, seed=0))
    assert sorted((values["a"], values["b"]) for values in every) == sorted(itertools.product((1, 2), "xyz"))


def test_a_candidate_that_fails_is_one_row_and_one_line_and_the_search_goes_on(
    tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    """Gradient descent at a learning rate of 1 diverges on the blobs' sizes; at 0.01 it trains."""
    space = [{"setting": "optimizer", "values": "SGD"}, {"setting": "learning_rate", "values": "0.01, 1"}]
    outputs = search(tmp_path, space, plan=regressor_plan_without_callbacks(tmp_path), target="size", metric="mse")
    rows = {row["learning_rate"]: row for row in read_rows(outputs["results"])}
    assert rows["0.01"]["state"] == "complete" and rows["0.01"]["rank"] == "1"
    assert rows["1"]["state"] == f"failed: {DIVERGED}" and rows["1"]["rank"] == rows["1"]["mean_mse"] == ""
    assert load_plan(str(outputs["plan"])).optimizer["config"]["learning_rate"] == 0.01
    printed = capfd.readouterr()
    progress = [line for line in printed.out.splitlines() if line.startswith("candidate ")]
    assert len(progress) == 2 and sum(line.endswith(f": failed: {DIVERGED}") for line in progress) == 1
    assert "Trial" not in printed.err and "Traceback" not in printed.err


def test_a_search_whose_candidates_all_fail_prints_a_line_for_each_and_one_closing_line(tmp_path: Path) -> None:
    """Gradient descent at a learning rate of 1 or 5 diverges on the blobs' sizes: both candidates fail."""
    blobs = str(fm.TEST_DATA / "blobs.tsv")
    form = {
        "plan": regressor_plan_without_callbacks(tmp_path),
        "features": blobs,
        "features_has_header": True,
        "features_columns": {"selection_mode": "by_index", "columns": "1-4"},
        "targets": blobs,
        "targets_has_header": True,
        "targets_columns": {"selection_mode": "by_header_name", "columns": "size"},
        "grouping": {"grouped": "no"},
        "parameters": [
            {"target": {"setting": "optimizer"}, "values": "SGD"},
            {"target": {"setting": "learning_rate"}, "values": "1, 5"},
        ],
        "strategy": {"strategy_type": "grid", "budget": {"candidates": 10, "minutes": None}},
        "scoring": {"metric": "mse", "validation": {"validation_type": "holdout", "held_out": 0.25}, "seed": 0},
    }
    (tmp_path / "form.json").write_text(json.dumps(form))
    outputs = {name: tmp_path / name for name in ("results.tsv", "best.json", "plot.png")}
    for output in outputs.values():
        output.write_text("stale")  # Galaxy creates the output files before the job runs
    result = run_script(
        "search_hyperparameters.py",
        *("--inputs", str(tmp_path / "form.json"), "--results", str(outputs["results.tsv"])),
        *("--best-plan", str(outputs["best.json"]), "--plot", str(outputs["plot.png"])),
    )
    assert result.returncode == 1
    progress = [line for line in result.stdout.splitlines() if line.startswith("candidate ")]
    assert [line.split(" (")[0] for line in progress] == ["candidate 1/2", "candidate 2/2"]
    assert all(line.endswith(f": failed: {DIVERGED}") for line in progress)
    assert {line.split("(")[1].split(")")[0] for line in progress} == {
        "optimizer=SGD, learning_rate=1.0",
        "optimizer=SGD, learning_rate=5.0",
    }
    assert result.stderr.splitlines() == [f"Error: none of the 2 candidates finished; 2 failed: {DIVERGED}"]
    assert "Traceback" not in result.stdout + result.stderr
    assert not any(output.exists() for output in outputs.values())


def test_one_hot_targets_are_searched_as_the_labels_they_encode(tmp_path: Path) -> None:
    """The species as one-hot columns named by their header (as the To categorical tool writes them) give the same
    candidates and scores as the species column: one class per column, in the columns' order."""
    species = [line.split("\t")[4] for line in (fm.TEST_DATA / "blobs.tsv").read_text().splitlines()[1:]]
    names = sorted(set(species))
    rows = ["\t".join("1" if name == label else "0" for name in names) for label in species]
    (tmp_path / "one_hot.tsv").write_text("\n".join(["\t".join(names), *rows]) + "\n")
    space = [{"setting": "learning_rate", "values": "0.000001, 0.01"}]
    one_hot = TableInput(str(tmp_path / "one_hot.tsv"), True, ColumnSelection())
    (tmp_path / "labels").mkdir()
    (tmp_path / "columns").mkdir()
    by_label = read_rows(search(tmp_path / "labels", space)["results"])
    by_columns = read_rows(search(tmp_path / "columns", space, targets=one_hot)["results"])
    assert [row["state"] for row in by_columns] == ["complete", "complete"]
    untimed = [{**row, "seconds": ""} for row in by_columns], [{**row, "seconds": ""} for row in by_label]
    assert untimed[0] == untimed[1]
