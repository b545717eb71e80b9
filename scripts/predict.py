"""Model Prediction: a trained model and a feature table -> predictions (labels, values or class probabilities)."""

from argparse import Namespace

from galaxy_keras.cli import Output, run_form_tool
from galaxy_keras.tables import ColumnSelection


def predict(form: dict, args: Namespace) -> None:
    from galaxy_keras.prediction import predict_table  # uses Keras: imported in the task (see run_form_tool)

    columns = ColumnSelection.from_form(form["features_columns"])
    predict_table(form["model"], form["features"], form["features_has_header"], columns, form["method"], args.output)


if __name__ == "__main__":
    run_form_tool(__doc__, [Output("output", "where to write the predictions table")], predict, runs_keras=True)
