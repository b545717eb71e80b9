"""Create deep learning model: a model architecture plus the builder form -> a JSON training plan."""

from argparse import Namespace
from pathlib import Path

from galaxy_keras.cli import Output, run_form_tool


def write_plan(form: dict, args: Namespace) -> None:
    from galaxy_keras.plan import plan_from_form  # uses Keras: imported in the task (see run_form_tool)

    Path(args.output).write_text(plan_from_form(form, form["architecture"]).to_json())


if __name__ == "__main__":
    run_form_tool(__doc__, [Output("output", "where to write the training plan (JSON)")], write_plan, runs_keras=True)
