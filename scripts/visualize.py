"""Machine Learning Visualization Extension: confusion matrix, ROC/PR curves, regression evaluation, learning curves,
model diagram."""

from argparse import Namespace

from galaxy_keras import plots, regression
from galaxy_keras.cli import Output, run_form_tool
from galaxy_keras.tables import ColumnSelection, read_target_column


def read_column(form: dict, name: str, what: str, labels: bool):
    """The column of the table input ``name``: class labels (or one-hot columns) as written, or values."""
    selection = ColumnSelection.from_form(form[f"{name}_columns"])
    return read_target_column(form[name], form[f"{name}_has_header"], selection, what, labels=labels)


def draw(form: dict, args: Namespace) -> None:
    plot = form["plot"]
    image = plots.ImageFile(args.plot, form["image_format"])
    kind = plot["plot_type"]
    if kind == "confusion_matrix":
        plots.confusion_matrix_plot(
            read_column(plot, "true_labels", "true labels table", labels=True),
            read_column(plot, "predicted_labels", "predicted labels table", labels=True),
            image,
            args.matrix,
            args.report,
            normalize=plot["normalize"],
            title=plot["title"],
            color_map=plot["color_map"],
        )
    elif kind == "roc_pr":
        true_labels = read_column(plot, "true_labels", "true labels table", labels=True)
        plots.roc_pr_plot(true_labels, plots.read_probabilities(plot["probabilities"]), plot["title"], image)
    elif kind == "regression":
        regression.regression_plot(
            read_column(plot, "true_values", "true values table", labels=False),
            read_column(plot, "predicted_values", "predicted values table", labels=False),
            image,
            args.metrics,
            plot["title"],
        )
    elif kind == "learning_curves":
        plots.learning_curves_plot(plots.read_history(plot["history"]), plot["title"], image)
    else:
        plots.model_diagram_plot(plot["architecture"], plot["title"], image)


if __name__ == "__main__":
    run_form_tool(
        __doc__,
        [
            Output("plot", "where to write the image"),
            Output("matrix", "where to write the confusion matrix table", required=False),
            Output("report", "where to write precision, recall, F1 and accuracy from the matrix", required=False),
            Output("metrics", "where to write a regressor's R2, RMSE, MAE, MSE and n", required=False),
        ],
        draw,
    )
