"""What every entry script does: read the output paths and the form JSON Galaxy wrote, then run one task."""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from galaxy_keras.errors import run_tool


@dataclass(frozen=True)
class Output:
    option: str
    help: str
    required: bool = True


def run_form_tool(
    description: str,
    outputs: Sequence[Output],
    task: Callable[[dict[str, Any], argparse.Namespace], None],
    runs_keras: bool = False,
) -> None:
    """Parse ``--inputs`` (the form's values, as Galaxy writes them) and the outputs; run ``task(form, args)``.

    A tool that ``runs_keras`` first loads TensorFlow and sets its threads from ``GALAXY_SLOTS``, inside
    ``run_tool``, so that a broken environment or a bad value is reported like any other error. Its script imports
    the modules that use Keras inside ``task``.
    """
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--inputs", required=True, help="the tool form's values, as Galaxy writes them (JSON)")
    for output in outputs:
        parser.add_argument(f"--{output.option}", required=output.required, help=output.help)
    args = parser.parse_args()
    paths = [path for output in outputs if (path := getattr(args, output.option.replace("-", "_")))]

    def start_and_run() -> None:
        if runs_keras:
            from galaxy_keras.runtime import use_galaxy_slots

            use_galaxy_slots()
        task(json.loads(Path(args.inputs).read_text()), args)

    run_tool(start_and_run, outputs=paths)
