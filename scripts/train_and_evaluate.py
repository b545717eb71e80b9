"""Deep learning training and evaluation: a training plan and feature/target tables -> metrics, model, history."""

import argparse
import json
from pathlib import Path

from galaxy_keras.errors import run_tool
from galaxy_keras.tables import ColumnSelection
from galaxy_keras.training import Scheme, TableInput, TrainingOutputs, train_and_evaluate


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--inputs", required=True, help="the tool form's values, as Galaxy writes them")
    parser.add_argument("--metrics", required=True, help="where to write the metrics table")
    parser.add_argument("--model", required=True, help="where to write the trained model (.keras)")
    parser.add_argument("--history", required=True, help="where to write the per-epoch history table")
    args = parser.parse_args()
    outputs = TrainingOutputs(metrics=args.metrics, model=args.model, history=args.history)

    def task() -> None:
        form = json.loads(Path(args.inputs).read_text())
        scheme_form = form["scheme"]
        split = scheme_form["split"]
        train_and_evaluate(
            form["plan"],
            TableInput(
                form["features"], form["features_has_header"], ColumnSelection.from_form(form["features_columns"])
            ),
            TableInput(form["targets"], form["targets_has_header"], ColumnSelection.from_form(form["targets_columns"])),
            Scheme(
                name=scheme_form["scheme_type"],
                test_size=split["test_size"],
                validation_size=split.get("validation_size") or 0.0,
                method=split["method"],
                random_state=split.get("random_state"),
            ),
            outputs,
        )

    run_tool(task, outputs=[outputs.metrics, outputs.model, outputs.history])


if __name__ == "__main__":
    main()
