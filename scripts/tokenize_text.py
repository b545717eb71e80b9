"""Tokenize text into integer sequences: a table of texts -> rows of word ids (+ labels, + vocabulary)."""

import argparse
import json
from pathlib import Path

from galaxy_keras.errors import run_tool
from galaxy_keras.tables import ColumnSelection
from galaxy_keras.text import TokenizerSettings, read_review_table, tokenize


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--inputs", required=True, help="the tool form's values, as Galaxy writes them")
    parser.add_argument("--sequences", required=True, help="where to write the id table (X)")
    parser.add_argument("--labels", help="where to write the label column (y)")
    parser.add_argument("--vocabulary", help="where to write the vocabulary (fit mode)")
    args = parser.parse_args()
    outputs = {"sequences": args.sequences, "labels": args.labels, "vocabulary": args.vocabulary}

    def task() -> None:
        form = json.loads(Path(args.inputs).read_text())
        mode = form["mode"]
        labels = form["labels"]
        table = read_review_table(
            form["texts"],
            form["texts_has_header"],
            ColumnSelection.from_form(form["text_column"]),
            ColumnSelection.from_form(labels["label_column"]) if labels["has_labels"] == "yes" else None,
        )
        settings = TokenizerSettings(**form["settings"])
        tokenize(table, settings, mode.get("vocabulary") if mode["mode_type"] == "apply" else None, outputs)

    run_tool(task, outputs=[path for path in outputs.values() if path])


if __name__ == "__main__":
    main()
