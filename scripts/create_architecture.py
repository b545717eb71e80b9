"""Create a deep learning model architecture: the Galaxy form (as JSON) -> a Keras model JSON."""

from pathlib import Path

from galaxy_keras.architecture import architecture_json
from galaxy_keras.cli import Output, run_form_tool

if __name__ == "__main__":
    run_form_tool(
        __doc__,
        [Output("output", "where to write the model JSON")],
        lambda form, args: Path(args.output).write_text(architecture_json(form)),
    )
