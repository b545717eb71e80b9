"""Create a deep learning model architecture: the Galaxy form (as JSON) -> a Keras model JSON."""

import argparse
import json
from pathlib import Path

from galaxy_keras.architecture import architecture_json
from galaxy_keras.errors import run_tool


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--inputs", required=True, help="the tool form's values, as Galaxy writes them")
    parser.add_argument("--output", required=True, help="where to write the model JSON")
    args = parser.parse_args()

    def task() -> None:
        form = json.loads(Path(args.inputs).read_text())
        Path(args.output).write_text(architecture_json(form))

    run_tool(task, outputs=[args.output])


if __name__ == "__main__":
    main()
