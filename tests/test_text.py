"""The tokenizer: the tutorial's preprocessing, fit and apply, and its speed-independent details."""

from __future__ import annotations

import gzip
from pathlib import Path

import numpy as np
import pytest

from galaxy_keras.errors import UserInputError
from galaxy_keras.tables import ColumnSelection
from galaxy_keras.text import (
    ReviewTable,
    TokenizerSettings,
    build_vocabulary,
    read_review_table,
    read_vocabulary,
    to_sequences,
    tokenize,
    words,
)


def test_words_are_lowercased_without_line_breaks_or_punctuation() -> None:
    assert words("Great film!<br /><br />I LOVED it, didn't you?") == [
        "great",
        "film",
        "i",
        "loved",
        "it",
        "didnt",
        "you",
    ]
    assert words("well-made (1999)...'classic'") == ["well", "made", "1999", "classic"]


def test_vocabulary_skips_the_most_frequent_and_keeps_ids_below_the_size() -> None:
    texts = [["a"] * 5 + ["b"] * 4 + ["c"] * 3 + ["d"] * 2 + ["e"]]
    vocabulary = build_vocabulary(texts, TokenizerSettings(skip_top=1, vocabulary_size=4))
    assert vocabulary == [("b", 1, 4), ("c", 2, 3), ("d", 3, 2)]
    marked = build_vocabulary(texts, TokenizerSettings(skip_top=1, vocabulary_size=4, unknown="mark"))
    assert marked == [("b", 2, 4), ("c", 3, 3)]


@pytest.mark.parametrize(
    ("padding", "truncating", "expected"),
    [
        ("pre", "pre", [[0, 1, 2], [2, 3, 1]]),
        ("post", "post", [[1, 2, 0], [1, 2, 2]]),
        ("pre", "post", [[0, 1, 2], [1, 2, 2]]),
    ],
)
def test_padding_and_truncating(padding: str, truncating: str, expected: list[list[int]]) -> None:
    settings = TokenizerSettings(sequence_length=3, padding=padding, truncating=truncating)
    ids = {"x": 1, "y": 2, "z": 3}
    rows = to_sequences([["x", "y", "unknown"], ["x", "y", "y", "z", "x"]], ids, settings)
    np.testing.assert_array_equal(rows, expected)


def test_fit_then_apply_gives_the_same_ids(tmp_path: Path) -> None:
    settings = TokenizerSettings(skip_top=0, vocabulary_size=10, sequence_length=4)
    outputs = {
        "sequences": str(tmp_path / "train.tsv"),
        "vocabulary": str(tmp_path / "vocabulary.tsv"),
        "labels": str(tmp_path / "y.tsv"),
    }
    labels = __import__("pandas").Series(["1", "0"])
    tokenize(ReviewTable(["good good film", "bad film"], labels), settings, None, outputs)
    fitted, word_ids = read_vocabulary(outputs["vocabulary"])
    assert fitted == settings and word_ids == {"film": 1, "good": 2, "bad": 3}
    assert Path(outputs["sequences"]).read_text() == "0\t2\t2\t1\n0\t0\t3\t1\n"
    assert Path(outputs["labels"]).read_text() == "1\n0\n"
    tokenize(
        ReviewTable(["bad good unseen"], None),
        settings,
        outputs["vocabulary"],
        {"sequences": str(tmp_path / "test.tsv")},
    )
    assert (tmp_path / "test.tsv").read_text() == "0\t0\t3\t2\n"


def test_apply_with_other_settings_is_refused(tmp_path: Path) -> None:
    settings = TokenizerSettings(skip_top=0, vocabulary_size=10, sequence_length=4)
    vocabulary = tmp_path / "vocabulary.tsv"
    tokenize(
        ReviewTable(["a b"], None),
        settings,
        None,
        {"sequences": str(tmp_path / "x.tsv"), "vocabulary": str(vocabulary)},
    )
    with pytest.raises(UserInputError, match="sequence_length 4 there but 5 here"):
        tokenize(
            ReviewTable(["a b"], None),
            TokenizerSettings(skip_top=0, vocabulary_size=10, sequence_length=5),
            str(vocabulary),
            {"sequences": str(tmp_path / "y.tsv")},
        )


def test_review_tables_are_read_plain_or_gzipped(test_data: Path) -> None:
    for name in ("imdb_reviews_test.tsv", "imdb_reviews_test.tsv.gz"):
        table = read_review_table(
            str(test_data / name),
            True,
            ColumnSelection("by_header_name", "text"),
            ColumnSelection("by_header_name", "label"),
        )
        assert len(table.texts) == 200 and set(table.labels) == {"0", "1"}


def test_texts_with_commas_are_not_taken_for_a_csv_file(write_table) -> None:
    table = read_review_table(write_table("great film, loved it\nbad, dull\n"), False, ColumnSelection(), None)
    assert table.texts == ["great film, loved it", "bad, dull"]


def test_texts_with_a_utf8_byte_order_mark_are_read(tmp_path: Path) -> None:
    path = tmp_path / "reviews.tsv"
    path.write_bytes("\ufefftext\tlabel\ngood film\tNA\n".encode())
    table = read_review_table(
        str(path), True, ColumnSelection("by_header_name", "text"), ColumnSelection("by_header_name", "label")
    )
    assert table.texts == ["good film"] and table.labels.tolist() == ["NA"]


def write_vocabulary_rows(path: Path, settings: TokenizerSettings, rows: str) -> str:
    path.write_text(f"{settings.to_line()}\nword\tindex\tcount\n{rows}")
    return str(path)


def test_an_edited_vocabulary_is_read_when_it_stays_consistent(tmp_path: Path) -> None:
    """Rows reordered, a count changed, a blank line: the ids stay those of the words."""
    settings = TokenizerSettings(skip_top=0, vocabulary_size=10)
    path = write_vocabulary_rows(tmp_path / "v.tsv", settings, "good\t2\t1\n\nfilm\t1\t99\n")
    assert read_vocabulary(path) == (settings, {"good": 2, "film": 1})


def test_marked_unknown_words_keep_id_1_to_themselves(tmp_path: Path) -> None:
    settings = TokenizerSettings(skip_top=0, vocabulary_size=10, unknown="mark")
    path = write_vocabulary_rows(tmp_path / "v.tsv", settings, "film\t1\t5\n")
    with pytest.raises(UserInputError, match="run from 2 to 9 \\(0 is padding, 1 marks unknown words"):
        read_vocabulary(path)


def test_a_gzipped_vocabulary_is_read(tmp_path: Path) -> None:
    settings = TokenizerSettings(skip_top=0, vocabulary_size=10)
    plain = Path(write_vocabulary_rows(tmp_path / "v.tsv", settings, "film\t1\t5\n"))
    packed = tmp_path / "v.tsv.gz"
    packed.write_bytes(gzip.compress(plain.read_bytes()))
    assert read_vocabulary(str(packed)) == read_vocabulary(str(plain))


def test_a_tab_inside_a_text_is_not_taken_for_r_row_names(write_table) -> None:
    with pytest.raises(UserInputError, match="line 2 of the texts table has 2 columns where the lines before have 1"):
        read_review_table(write_table("good film\nbad\tfilm\n"), False, ColumnSelection(), None)
