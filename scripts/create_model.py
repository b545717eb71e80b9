"""Create deep learning model: a model architecture plus the builder form -> a JSON training plan."""

from pathlib import Path

from galaxy_keras.cli import Output, run_form_tool
from galaxy_keras.plan import plan_from_form

if __name__ == "__main__":
    run_form_tool(
        __doc__,
        [Output("output", "where to write the training plan (JSON)")],
        lambda form, args: Path(args.output).write_text(plan_from_form(form, form["architecture"]).to_json()),
    )
