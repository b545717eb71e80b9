"""Tables are read as compact arrays, plain or gzipped, in chunks, with the columns the user selected."""

from __future__ import annotations

import gzip
import re
from pathlib import Path

import numpy as np
import pytest

from galaxy_keras import files, tables
from galaxy_keras.errors import UserInputError
from galaxy_keras.tables import (
    ColumnSelection,
    iter_feature_chunks,
    iter_table_chunks,
    read_feature_matrix,
    read_target_column,
)

ROWS = "".join(f"{i}\t{i * 2}\t{i % 7}\n" for i in range(10_000))


def test_integer_tables_take_the_narrowest_integer_type_of_their_values(write_table) -> None:
    matrix = read_feature_matrix(write_table(ROWS), False, ColumnSelection(), "table")
    assert matrix.dtype == np.uint16 and matrix.shape == (10_000, 3)
    assert matrix[9_999].tolist() == [9_999, 19_998, 9_999 % 7]
    pixels = read_feature_matrix(write_table("0\t255\n17\t3\n"), False, ColumnSelection(), "table")
    assert pixels.dtype == np.uint8 and pixels.tolist() == [[0, 255], [17, 3]]
    signed = read_feature_matrix(write_table("-1\t40000\n"), False, ColumnSelection(), "table")
    assert signed.dtype == np.int32 and signed.tolist() == [[-1, 40000]]


def test_chunks_of_a_wide_table_hold_about_as_many_cells_as_those_of_a_narrow_one(write_table) -> None:
    wide = "".join("\t".join(["1"] * 20_000) + "\n" for _ in range(300))
    chunks = list(iter_feature_chunks(write_table(wide), False, ColumnSelection(), "table"))
    assert [len(chunk) for chunk in chunks] == [tables.PARSE_CHUNK_CELLS // 20_000] * 2 + [300 - 2 * 102]
    matrix = read_feature_matrix(write_table(wide), False, ColumnSelection(), "table")
    assert matrix.shape == (300, 20_000) and matrix.dtype == np.uint8


def test_a_float_anywhere_makes_the_table_float32(write_table) -> None:
    matrix = read_feature_matrix(write_table(ROWS + "0.5\t1\t2\n"), False, ColumnSelection(), "table")
    assert matrix.dtype == np.float32 and matrix.shape == (10_001, 3) and matrix[-1, 0] == 0.5


def test_gzipped_tables_read_the_same(tmp_path: Path, write_table) -> None:
    plain = write_table("a\tb\tc\n" + ROWS)
    packed = tmp_path / "table.tsv.gz"
    packed.write_bytes(gzip.compress(Path(plain).read_bytes()))
    selection = ColumnSelection("by_header_name", "c,a")
    np.testing.assert_array_equal(
        read_feature_matrix(str(packed), True, selection, "table"), read_feature_matrix(plain, True, selection, "table")
    )


def test_chunks_cover_every_row_once(write_table) -> None:
    chunks = list(
        iter_feature_chunks(write_table(ROWS), False, ColumnSelection("by_index", "2"), "table", chunk_cells=9000)
    )
    assert [len(chunk) for chunk in chunks] == [3000, 3000, 3000, 1000]
    assert np.concatenate(chunks)[:, 0].tolist() == [2 * i for i in range(10_000)]


@pytest.mark.parametrize(
    ("mode", "columns", "expected"),
    [
        ("by_index", "3,1", [2, 0]),
        ("by_index", "1-2", [0, 1]),
        ("all_but_by_index", "2", [0, 2]),
        ("by_header_name", "c", [2]),
        ("all_but_by_header_name", "a,b", [2]),
        ("all_columns", "", [0, 1, 2]),
    ],
)
def test_column_selection(mode: str, columns: str, expected: list[int]) -> None:
    assert ColumnSelection(mode, columns).indices(["a", "b", "c"], "table", True) == expected


def test_targets_keep_text_labels_and_numbers(write_table) -> None:
    assert read_target_column(write_table("label\npos\nneg\n"), True, ColumnSelection(), "t").tolist() == ["pos", "neg"]
    assert read_target_column(write_table("1\n2\n"), False, ColumnSelection(), "t").tolist() == [1, 2]


def test_numpys_blocks_and_pandas_blocks_agree(write_table) -> None:
    path = write_table("a\tb\tc\n" + ROWS[:5000] + "\n" + ROWS[5000:])  # a blank line inside, skipped by both
    columns, chunk = [2, 0], tables.rows_per_chunk(3, 3000)
    fast = np.concatenate([block[:, columns] for block in tables._fast_feature_chunks(path, True, 3, chunk, "table")])
    careful = np.concatenate(list(tables._careful_feature_chunks(path, True, columns, "table", chunk)))
    assert fast.dtype == careful.dtype == np.int32
    np.testing.assert_array_equal(fast, careful)


def test_rows_numpy_read_are_not_read_again_when_pandas_takes_over(write_table) -> None:
    """A decimal with a comma in the last chunk: NumPy cannot parse it, pandas names it after the rows read."""
    rows = "".join(f"{i}\t{i}\n" for i in range(10)) + "1,5\t2\n"
    with pytest.raises(UserInputError, match="line 11, column 1 of the table is '1,5', not a number"):
        list(iter_feature_chunks(write_table(rows), False, ColumnSelection(), "table", chunk_cells=8))
    blocks = list(iter_feature_chunks(write_table(rows.replace("1,5", "  7")), False, ColumnSelection(), "t", 8))
    assert np.concatenate(blocks)[:, 0].tolist() == [*range(10), 7]


@pytest.mark.parametrize(
    ("bad_cells", "expected"),
    [
        (["1"] * 501, "line {line} of the table has 501 columns where the lines before have 500"),
        (["1", "", *["3"] * 498], "line {line}, column 2 of the table is empty or NaN"),
        (["1", "x", *["3"] * 498], "line {line}, column 2 of the table is 'x', not a number"),
    ],
)
def test_a_bad_row_at_the_start_of_a_chunk_is_named(write_table, bad_cells: list[str], expected: str) -> None:
    chunk = tables.rows_per_chunk(500)
    row = "\t".join(str(cell) for cell in range(500)) + "\n"
    path = write_table(row * chunk + "\t".join(bad_cells) + "\n" + row * 3)
    with pytest.raises(UserInputError, match=re.escape(expected.format(line=chunk + 1))):
        read_feature_matrix(path, False, ColumnSelection(), "table")


def test_a_number_beyond_int32_makes_the_table_float32(write_table) -> None:
    matrix = read_feature_matrix(write_table("1\t2\n3000000000\t4\n"), False, ColumnSelection(), "table")
    assert matrix.dtype == np.float32 and matrix[1, 0] == 3e9


def test_class_labels_are_taken_as_written(write_table) -> None:
    """'NA', 'null' or 'None' are classes like any other; pandas would read them as missing."""
    labels = ["NA", "nan", "N/A", "null", "None", "#N/A", "pos", "pos "]
    path = write_table("label\n" + "".join(f"{label}\n" for label in labels))
    assert read_target_column(path, True, ColumnSelection(), "t").tolist() == labels
    assert read_target_column(write_table("1\nNA\n2\n"), False, ColumnSelection(), "t").tolist() == ["1", "NA", "2"]


def test_only_an_empty_cell_is_a_missing_label(write_table) -> None:
    path = write_table("id\tlabel\n1\tNA\n2\t\n")
    with pytest.raises(UserInputError, match="line 3 of the t has no target value"):
        read_target_column(path, True, ColumnSelection("by_header_name", "label"), "t")


def test_a_column_of_numbers_still_refuses_nan(write_table) -> None:
    """A regressor's missing value, written as pandas writes one."""
    with pytest.raises(UserInputError, match="line 2 of the t has no target value"):
        read_target_column(write_table("1.5\nnan\n2.5\n"), False, ColumnSelection(), "t")


@pytest.mark.parametrize("rows", ["1\t2\n3\t4\n", "1\t2.5\n3\t4\n"], ids=["integers", "decimals"])
def test_a_utf8_byte_order_mark_is_accepted(tmp_path: Path, rows: str) -> None:
    """Both readers (NumPy's for integers, pandas' otherwise) skip it, so the first name matches."""
    path = tmp_path / "table.tsv"
    path.write_bytes(("\ufeffa\tb\n" + rows).encode("utf-8"))
    matrix = read_feature_matrix(str(path), True, ColumnSelection("by_header_name", "a"), "table")
    assert matrix[:, 0].tolist() == [1, 3]
    assert read_target_column(str(path), True, ColumnSelection("by_header_name", "a"), "t").tolist() == [1, 3]


def test_repeated_header_names_are_kept_as_written(write_table) -> None:
    """pandas would rename the second 'x' to 'x.1', a name the user never wrote; by number it can be chosen."""
    path = write_table("x\ty\tx\n1\t2\t3\n")
    assert list(next(iter_table_chunks(path, True, "table")).columns) == ["x", "y", "x"]
    assert read_feature_matrix(path, True, ColumnSelection("by_index", "3"), "table").tolist() == [[3]]


def test_a_header_longer_than_the_sample_is_read_whole(write_table) -> None:
    names = [f"feature_{index}" for index in range(files.SAMPLE_BYTES // 8)]
    path = write_table("\t".join(names) + "\n" + "\t".join(["1"] * len(names)) + "\n")
    assert read_feature_matrix(path, True, ColumnSelection("by_header_name", names[-1]), "table").tolist() == [[1]]


def test_a_gzipped_table_damaged_beyond_its_first_lines_is_named(tmp_path: Path) -> None:
    packed = gzip.compress(ROWS.encode())
    path = tmp_path / "table.tsv.gz"
    path.write_bytes(packed[: len(packed) * 2 // 3])
    with pytest.raises(UserInputError, match="the table is a damaged or incomplete gzip file"):
        read_feature_matrix(str(path), False, ColumnSelection(), "table")


def test_a_gzipped_binary_file_is_not_a_table(tmp_path: Path) -> None:
    path = tmp_path / "table.tsv.gz"
    path.write_bytes(gzip.compress(bytes(range(256)) * 4))
    with pytest.raises(UserInputError, match="the table looks like a binary file, not a table"):
        read_feature_matrix(str(path), False, ColumnSelection(), "table")


@pytest.mark.parametrize(
    ("lines", "separator"),
    [
        (["1,2,3", "4,5,6"], "comma"),
        (["1;2", "3;4"], "semicolon"),
        (["0.5,1e-3,7"], "comma"),  # a single row of numbers
        (["great film, loved it"], None),  # a single row of text: a label or a text with a comma
        (["a, b", "c"], None),  # not the same number of commas in every row
        (["1\t2,5", "3\t4,5"], None),  # tab-separated, with decimal commas
    ],
)
def test_a_file_with_another_separator_is_recognised(lines: list[str], separator: str | None) -> None:
    assert files.other_separator(lines) == separator


ONE_HOT = "0\t1\t0\n1\t0\t0\n0\t0\t1\n0\t1\t0\n"


def test_one_hot_columns_without_a_header_are_classes_0_to_k_minus_1(write_table) -> None:
    labels = read_target_column(write_table(ONE_HOT), False, ColumnSelection(), "targets table", labels=True)
    assert labels.tolist() == [1, 0, 2, 1]


def test_to_categoricals_floats_read_as_one_hot_too(write_table) -> None:
    table = ONE_HOT.replace("0", "0.0").replace("1", "1.0")
    labels = read_target_column(write_table(table), False, ColumnSelection(), "targets", labels=True)
    assert labels.tolist() == [1, 0, 2, 1]


def test_one_hot_columns_with_a_header_are_named_classes(write_table) -> None:
    table = write_table("apple\tbanana\tcherry\n" + ONE_HOT)
    labels = read_target_column(table, True, ColumnSelection(), "targets", labels=True)
    assert labels.tolist() == ["banana", "apple", "cherry", "banana"]
    chosen = ColumnSelection("by_header_name", "banana,apple")
    two_rows = write_table("apple\tbanana\tcherry\n0\t1\t0\n1\t0\t0\n")
    assert read_target_column(two_rows, True, chosen, "t", labels=True).tolist() == ["banana", "apple"]


def test_a_regressors_values_come_from_one_column(write_table) -> None:
    with pytest.raises(UserInputError, match="3 columns of the targets table are selected, but values to predict"):
        read_target_column(write_table(ONE_HOT), False, ColumnSelection(), "targets table")


@pytest.mark.parametrize(
    ("table", "message"),
    [
        ("0\t1\t0\n0\t0\t0\n", "line 2 of the targets table has no 1 in its 3 one-hot columns"),
        ("0\t1\t0\n1\t0\t1\n", r"line 2 of the targets table has a 1 in 2 one-hot columns \(0, 2\)"),
        ("0\t2\t0\n1\t0\t0\n", "3 columns of the targets table are selected, but they are not one-hot columns"),
        ("a\tb\nc\td\n", "2 columns of the targets table are selected, but they are not one-hot columns"),
    ],
)
def test_tables_that_are_not_one_hot_are_refused(write_table, table: str, message: str) -> None:
    with pytest.raises(UserInputError, match=message):
        read_target_column(write_table(table), False, ColumnSelection(), "targets table", labels=True)
