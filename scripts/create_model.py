"""Create deep learning model: a model architecture plus the builder form -> a JSON training plan."""

import argparse
import json
from pathlib import Path

from galaxy_keras.errors import run_tool
from galaxy_keras.plan import plan_from_form


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--inputs", required=True, help="the tool form's values, as Galaxy writes them")
    parser.add_argument("--output", required=True, help="where to write the training plan (JSON)")
    args = parser.parse_args()

    def task() -> None:
        form = json.loads(Path(args.inputs).read_text())
        Path(args.output).write_text(plan_from_form(form, form["architecture"]).to_json())

    run_tool(task, outputs=[args.output])


if __name__ == "__main__":
    main()
