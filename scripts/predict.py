"""Model Prediction: a trained model and a feature table -> predictions (labels, values or class probabilities)."""

import argparse
import json
from pathlib import Path

from galaxy_keras.errors import run_tool
from galaxy_keras.prediction import predict_table
from galaxy_keras.tables import ColumnSelection


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--inputs", required=True, help="the tool form's values, as Galaxy writes them")
    parser.add_argument("--output", required=True, help="where to write the predictions table")
    args = parser.parse_args()

    def task() -> None:
        form = json.loads(Path(args.inputs).read_text())
        predict_table(
            form["model"],
            form["features"],
            form["features_has_header"],
            ColumnSelection.from_form(form["features_columns"]),
            form["method"],
            args.output,
        )

    run_tool(task, outputs=[args.output])


if __name__ == "__main__":
    main()
