"""Create a deep learning model architecture: the Galaxy form (as JSON) -> a Keras model JSON."""

from argparse import Namespace
from pathlib import Path

from galaxy_keras.cli import Output, run_form_tool


def write_architecture(form: dict, args: Namespace) -> None:
    from galaxy_keras.architecture import architecture_json  # uses Keras: imported in the task (see run_form_tool)

    Path(args.output).write_text(architecture_json(form))


if __name__ == "__main__":
    run_form_tool(__doc__, [Output("output", "where to write the model JSON")], write_architecture, runs_keras=True)
