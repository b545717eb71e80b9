"""Hyperparameter search for a deep learning model: a training plan, tables and a search space -> results, best plan."""

from argparse import Namespace

from galaxy_keras.cli import Output, run_form_tool
from galaxy_keras.tables import ColumnSelection


def search(form: dict, args: Namespace) -> None:
    from galaxy_keras.search import Budget, SearchOutputs, Validation, run_search  # uses Keras (see run_form_tool)
    from galaxy_keras.training import TableInput

    def table(section: dict, name: str) -> TableInput:
        return TableInput(
            section[name], section[f"{name}_has_header"], ColumnSelection.from_form(section[f"{name}_columns"])
        )

    grouping = form["grouping"]
    scoring = form["scoring"]
    validation = scoring["validation"]
    seed = scoring["seed"] if scoring.get("seed") is not None else 0
    budget = form["strategy"]["budget"]
    run_search(
        form["plan"],
        table(form, "features"),
        table(form, "targets"),
        table(grouping, "groups") if grouping["grouped"] == "yes" else None,
        [
            {
                "setting": entry["target"]["setting"],
                "values": entry["values"],
                **(
                    {"layer": entry["target"]["layer"], "field": entry["target"]["field"]}
                    if entry["target"]["setting"] == "layer"
                    else {}
                ),
            }
            for entry in form["parameters"]
        ],
        form["strategy"]["strategy_type"],
        Budget(candidates=budget["candidates"], minutes=budget.get("minutes")),
        Validation(folds=validation["folds"], seed=seed, rows=scoring.get("rows"))
        if validation["validation_type"] == "kfold"
        else Validation(held_out=validation["held_out"], seed=seed, rows=scoring.get("rows")),
        scoring["metric"],
        SearchOutputs(results=args.results, best_plan=args.best_plan, plot=args.plot),
    )


if __name__ == "__main__":
    run_form_tool(
        __doc__,
        [
            Output("results", "where to write the table of candidates"),
            Output("best-plan", "where to write the best candidate's training plan (JSON)"),
            Output("plot", "where to write the plot of the scores (PNG)"),
        ],
        search,
        runs_keras=True,
    )
