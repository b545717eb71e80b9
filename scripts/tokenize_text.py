"""Tokenize text into integer sequences: a table of texts -> rows of word ids (+ labels, + vocabulary)."""

from argparse import Namespace

from galaxy_keras.cli import Output, run_form_tool
from galaxy_keras.tables import ColumnSelection
from galaxy_keras.text import TokenizerSettings, read_review_table, tokenize


def tokenize_texts(form: dict, args: Namespace) -> None:
    labels = form["labels"]
    table = read_review_table(
        form["texts"],
        form["texts_has_header"],
        ColumnSelection.from_form(form["text_column"]),
        ColumnSelection.from_form(labels["label_column"]) if labels["has_labels"] == "yes" else None,
    )
    mode = form["mode"]
    vocabulary = mode["vocabulary"] if mode["mode_type"] == "apply" else None
    outputs = {"sequences": args.sequences, "labels": args.labels, "vocabulary": args.vocabulary}
    tokenize(table, TokenizerSettings(**form["settings"]), vocabulary, outputs)


if __name__ == "__main__":
    run_form_tool(
        __doc__,
        [
            Output("sequences", "where to write the id table (X)"),
            Output("labels", "where to write the label column (y)", required=False),
            Output("vocabulary", "where to write the vocabulary (fit mode)", required=False),
        ],
        tokenize_texts,
    )
