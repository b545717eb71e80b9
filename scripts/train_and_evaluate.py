"""Deep learning training and evaluation: a training plan and feature/target tables -> metrics, model, history."""

from argparse import Namespace

from galaxy_keras.cli import Output, run_form_tool
from galaxy_keras.tables import ColumnSelection


def train(form: dict, args: Namespace) -> None:
    from galaxy_keras.training import Scheme, TableInput, TrainingOutputs, train_and_evaluate  # uses Keras (see cli)

    def table(values: dict, name: str) -> TableInput:
        return TableInput(
            values[name], values[f"{name}_has_header"], ColumnSelection.from_form(values[f"{name}_columns"])
        )

    split = form["scheme"]["split"]
    method = split["split_method"]
    scheme = Scheme(
        name=form["scheme"]["scheme_type"],
        test_size=split["test_size"],
        validation_size=split.get("validation_size") or 0.0,
        method=method["method"],
        random_state=split.get("random_state"),
        groups=table(method, "groups") if method["method"] == "group" else None,
    )
    outputs = TrainingOutputs(metrics=args.metrics, model=args.model, history=args.history)
    train_and_evaluate(form["plan"], table(form, "features"), table(form, "targets"), scheme, outputs)


if __name__ == "__main__":
    run_form_tool(
        __doc__,
        [
            Output("metrics", "where to write the metrics table"),
            Output("model", "where to write the trained model (.keras)"),
            Output("history", "where to write the per-epoch history table"),
        ],
        train,
        runs_keras=True,
    )
