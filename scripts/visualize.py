"""Machine Learning Visualization Extension: confusion matrix, ROC/PR curves, learning curves, model diagram."""

import argparse
import json
from pathlib import Path

from galaxy_keras import plots
from galaxy_keras.errors import run_tool
from galaxy_keras.tables import ColumnSelection, read_target_column


def labels(form: dict, name: str, what: str):
    return read_target_column(
        form[name], form[f"{name}_has_header"], ColumnSelection.from_form(form[f"{name}_columns"]), what
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--inputs", required=True, help="the tool form's values, as Galaxy writes them")
    parser.add_argument("--plot", required=True, help="where to write the image")
    parser.add_argument("--matrix", help="where to write the confusion matrix table")
    args = parser.parse_args()

    def task() -> None:
        form = json.loads(Path(args.inputs).read_text())
        plot = form["plot"]
        image_format = form["image_format"]
        kind = plot["plot_type"]
        if kind == "confusion_matrix":
            plots.confusion_matrix_plot(
                labels(plot, "true_labels", "true labels table"),
                labels(plot, "predicted_labels", "predicted labels table"),
                plot["normalize"],
                plot["title"],
                plot["color_map"],
                args.plot,
                image_format,
                args.matrix,
            )
        elif kind == "roc_pr":
            plots.roc_pr_plot(
                labels(plot, "true_labels", "true labels table"),
                plots.read_probabilities(plot["probabilities"]),
                plot["title"],
                args.plot,
                image_format,
            )
        elif kind == "learning_curves":
            plots.learning_curves_plot(plots.read_history(plot["history"]), plot["title"], args.plot, image_format)
        else:
            plots.model_diagram_plot(plot["architecture"], plot["title"], args.plot, image_format)

    run_tool(task, outputs=[path for path in (args.plot, args.matrix) if path])


if __name__ == "__main__":
    main()
