"""Reading Galaxy tabular datasets: tab-separated, optionally with a header row, optionally gzipped.

Every problem is reported as a ``UserInputError`` that names the table, the line and the column, so that a
Galaxy user can find the cell to fix. Before a parser sees a file, its start is checked (``files``): a binary
or damaged file, another separator, the tokenizer's vocabulary, a header shorter than the rows. Feature tables
become int32 or float32 arrays (half the memory of pandas' int64/float64 defaults) and can be read in chunks,
so that prediction runs in bounded memory. Labels and texts are read as written: 'NA' is a class, not missing.
"""

from __future__ import annotations

import itertools
import re
import warnings
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from galaxy_keras.errors import UserInputError
from galaxy_keras.files import (
    GZIP_ERRORS,
    damaged_gzip,
    is_gzip,
    looks_like_vocabulary,
    looks_numeric,
    open_text,
    other_separator,
    other_separator_error,
    sample_lines,
)

# Cells parsed at a time: the parser's memory on top of the array it fills, bounded whatever the table's width
# (4,096 rows of the RNN tutorial's 500 word ids, 68 rows of fruit 360's 30,000 pixel values).
PARSE_CHUNK_CELLS = 4096 * 500
# Rows of a table of labels or texts parsed at a time: all of them, in practice, since they are kept whole.
WHOLE_TABLE_ROWS = 1 << 20
_INT32 = np.iinfo(np.int32)
_RAGGED = re.compile(r"Expected (\d+) fields in line (\d+), saw (\d+)")


@dataclass(frozen=True)
class TableKind:
    """What a table holds: how its cells are read, and what to say when the tokenizer's vocabulary comes instead."""

    name: str
    instead_of_vocabulary: str
    cells_as_written: bool = False  # labels and texts: no 'NA' or 'null' read as missing, no numbers parsed
    commas_in_cells: bool = False  # texts: commas are no sign of a comma-separated file


NUMBERS = TableKind("a table of numbers", "choose the right dataset")
FEATURES = TableKind("a feature table", "give the tokenized feature table (the tokenizer's other output)")
LABELS = TableKind(
    "a table of targets", "give the labels (the tokenizer's labels output, or your own table)", cells_as_written=True
)


@dataclass(frozen=True)
class ColumnSelection:
    """Which columns of a table to use, as the Galaxy form's column-selection conditional says."""

    mode: str = "all_columns"
    columns: str = ""

    @classmethod
    def from_form(cls, form: Mapping[str, Any] | None) -> ColumnSelection:
        if not form:
            return cls()
        return cls(mode=form["selection_mode"], columns=str(form.get("columns") or ""))

    def indices(self, header: list[str], what: str, has_header: bool) -> list[int]:
        """The 0-based positions of the selected columns of a table whose header (or placeholder names) is given."""
        if self.mode == "all_columns":
            return list(range(len(header)))
        by_name = self.mode in ("by_header_name", "all_but_by_header_name")
        if by_name and not has_header:
            raise UserInputError(
                f"columns of the {what} are chosen by header name, but the table is read without a header row: "
                "set its header option to Yes, or choose the columns by index."
            )
        wanted = (
            _names_to_indices(self.columns, header, what)
            if by_name
            else _parse_index_list(self.columns, len(header), what)
        )
        if self.mode.startswith("all_but_"):
            wanted = [index for index in range(len(header)) if index not in set(wanted)]
        if not wanted:
            raise UserInputError(f"the column selection leaves no column of the {what}: select at least one column.")
        return wanted


def _parse_index_list(text: str, n_columns: int, what: str) -> list[int]:
    """Parse '1,3,5-7' (1-based, as Galaxy users count columns) into 0-based positions."""
    positions: list[int] = []
    for part in filter(None, (piece.strip() for piece in text.replace(" ", ",").split(","))):
        match = re.fullmatch(r"c?(\d+)(?:-c?(\d+))?", part)
        if not match:
            raise UserInputError(f"'{part}' is not a column number for the {what}: write numbers such as 1,3,5-7.")
        first, last = int(match[1]), int(match[2] or match[1])
        for column in range(first, last + 1):
            if not 1 <= column <= n_columns:
                raise UserInputError(
                    f"the {what} has {n_columns} columns, so column {column} does not exist: fix the column numbers."
                )
            positions.append(column - 1)
    if not positions:
        raise UserInputError(f"no column numbers given for the {what}: write numbers such as 1,3,5-7.")
    return positions


def _names_to_indices(text: str, header: list[str], what: str) -> list[int]:
    positions = []
    for name in filter(None, (piece.strip() for piece in text.split(","))):
        if name not in header:
            if len(header) == 1 and "," in header[0]:  # a CSV file whose rows hold different numbers of commas
                raise other_separator_error("comma", what)
            shown = ", ".join(header[:8]) + (", ..." if len(header) > 8 else "")
            raise UserInputError(
                f"the {what} has no column named '{name}' (its columns: {shown}): fix the column names."
            )
        _check_named_once(name, header, what)
        positions.append(header.index(name))
    if not positions:
        raise UserInputError(f"no column names given for the {what}: write names separated by commas.")
    return positions


def _check_named_once(name: str, header: list[str], what: str) -> None:
    numbers = [str(position + 1) for position, other in enumerate(header) if other == name]
    if len(numbers) > 1:
        times = "twice" if len(numbers) == 2 else f"{len(numbers)} times"
        raise UserInputError(
            f"the header of the {what} names column '{name}' {times} (columns {', '.join(numbers[:-1])} and "
            f"{numbers[-1]}): choose it by number, or rename one."
        )


def iter_table_chunks(
    path: str,
    has_header: bool,
    what: str,
    chunk_rows: int = WHOLE_TABLE_ROWS,
    numeric_header: bool = False,
    kind: TableKind = NUMBERS,
) -> Iterator[pd.DataFrame]:
    """Yield the table in chunks of rows, with a RangeIndex that counts rows from the start of the file.

    A header of numbers only is taken for a data row read by mistake, unless ``numeric_header`` says that
    such a header is expected (class labels that are numbers, for instance). The columns keep the header's
    names as written, a repeated name included (pandas would rename the second 'x' to 'x.1').
    """
    header = _check_start(path, has_header, what, kind)
    as_written = {"dtype": str, "keep_default_na": False} if kind.cells_as_written else {}
    try:
        reader = pd.read_csv(
            path,
            sep="\t",
            header=0 if has_header else None,
            chunksize=chunk_rows,
            compression={"method": "gzip"} if is_gzip(path) else None,
            skip_blank_lines=True,
            quoting=3,  # csv.QUOTE_NONE: tabular datasets do not quote fields
            encoding_errors="replace",
            **as_written,
        )
        header_checked = has_rows = False
        for number, chunk in enumerate(reader):
            if has_header:
                chunk.columns = header
            if not header_checked:
                _check_header(header, has_header and not numeric_header, what)
                header_checked = True
            if number == 1:
                _check_no_long_row(path, what)
            if len(chunk):
                has_rows = True
                yield chunk
    except GZIP_ERRORS:
        raise damaged_gzip(what) from None
    except pd.errors.EmptyDataError:
        raise UserInputError(f"the {what} is empty: give a table with one row per sample.") from None
    except pd.errors.ParserError as error:
        ragged = _RAGGED.search(str(error))
        if ragged:
            expected, line, seen = ragged.groups()
            raise _ragged_row(int(line), int(seen), int(expected), what) from None
        raise UserInputError(f"the {what} is not a tab-separated table ({error}): give a tabular dataset.") from None
    except UnicodeDecodeError:
        raise UserInputError(f"the {what} is not a text table: give a tabular dataset.") from None
    if not has_rows:
        raise UserInputError(f"the {what} has a header row but no data rows: give a table with one row per sample.")


def _ragged_row(line: int, seen: int, expected: int, what: str) -> UserInputError:
    return UserInputError(
        f"line {line} of the {what} has {seen} columns where the lines before have {expected}: "
        "every row needs the same number of tab-separated columns."
    )


def _check_no_long_row(path: str, what: str) -> None:
    """Refuse a row with more fields than the first line.

    pandas' C parser (3.0) drops the surplus fields of the first row of every chunk after the first without an
    error, so a table read in chunks is checked once, line by line.
    """
    with open_text(path) as handle:
        expected = None
        for line_number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            fields = line.count("\t") + 1
            if expected is None:
                expected = fields
            elif fields > expected:
                raise _ragged_row(line_number, fields, expected, what)


def _check_start(path: str, has_header: bool, what: str, kind: TableKind) -> list[str]:
    """Refuse a file that the parser would misread, from its first lines; return the header's names as written."""
    lines = sample_lines(path, what)
    if looks_like_vocabulary(lines):
        raise UserInputError(
            f"the {what} looks like the tokenizer's vocabulary, not {kind.name}: {kind.instead_of_vocabulary}."
        )
    separator = None if kind.commas_in_cells else other_separator(lines)
    if separator:
        raise other_separator_error(separator, what)
    _check_header_width(lines, has_header, what)
    return lines[0].split("\t") if lines else []


def _check_header_width(lines: list[str], has_header: bool, what: str) -> None:
    """Refuse a first line shorter than the next: pandas would silently take the rows' first fields for row names."""
    if len(lines) < 2:
        return
    first, second = (line.split("\t") for line in lines[:2])
    if len(second) <= len(first):
        return
    looks_like_header = has_header or not all(looks_numeric(name) for name in first)
    if len(second) == len(first) + 1 and looks_like_header and _looks_like_row_name(second[0]):
        raise UserInputError(
            f"the header of the {what} has {_names(len(first))} but its rows have {len(second)} fields, which is how "
            "R's write.table writes row names: write the table with write.table(..., row.names = FALSE), or add a "
            f"name for the first column{'' if has_header else ', and set the header option to Yes'}."
        )
    if has_header:
        raise UserInputError(
            f"the header of the {what} has {_names(len(first))} but its first row has {len(second)} fields: give "
            "every column a name, or remove the extra tabs from that row."
        )


def _looks_like_row_name(field: str) -> bool:
    """R writes row names as numbers (1, 2, ...) or, quoting, as any text in double quotes."""
    return looks_numeric(field) or (len(field) > 1 and field[0] == field[-1] == '"')


def _names(count: int) -> str:
    return f"{count} name" if count == 1 else f"{count} names"


def _check_header(names: list[str], has_header: bool, what: str) -> None:
    if has_header and all(looks_numeric(name) for name in names):
        raise UserInputError(
            f"the first row of the {what} holds only numbers, so it looks like data, not a header: "
            "set the table's header option to No."
        )


def header_names(chunk: pd.DataFrame, has_header: bool) -> list[str]:
    return [str(name) for name in chunk.columns] if has_header else [str(i + 1) for i in range(chunk.shape[1])]


def rows_per_chunk(width: int, cells: int = PARSE_CHUNK_CELLS) -> int:
    """How many rows of ``width`` columns hold about ``cells`` cells (at least one)."""
    return max(1, cells // max(1, width))


def iter_feature_chunks(
    path: str, has_header: bool, selection: ColumnSelection, what: str, chunk_cells: int = PARSE_CHUNK_CELLS
) -> Iterator[np.ndarray]:
    """Yield the selected columns in blocks of about ``chunk_cells`` cells: int32 where a block holds only whole
    numbers, else float32; every cell a finite number.

    NumPy parses each block straight from the text, several times faster than pandas on a wide table. A block it
    cannot parse (a word, an empty cell, a ragged row, a line of spaces, NaN) hands the rest of the table to pandas
    (``_careful_feature_chunks``), which names the line and column of the problem or reads what NumPy would not.
    """
    names = _check_start(path, has_header, what, FEATURES)
    _check_header(names, has_header, what)
    columns = selection.indices(names if has_header else [str(i + 1) for i in range(len(names))], what, has_header)
    chunk_rows = rows_per_chunk(len(names), chunk_cells)
    done = 0
    for block in _fast_feature_chunks(path, has_header, len(names), chunk_rows, what):
        if block is None:
            break
        done += len(block)
        yield block if columns == list(range(len(names))) else block[:, columns]
    else:
        if done:
            return
    for block in _careful_feature_chunks(path, has_header, columns, what, chunk_rows):
        skipped = min(done, len(block))
        done -= skipped
        if skipped < len(block):
            yield block[skipped:]


def _fast_feature_chunks(
    path: str, has_header: bool, width: int, chunk_rows: int, what: str
) -> Iterator[np.ndarray | None]:
    """Blocks of ``chunk_rows`` lines parsed by NumPy; None, then nothing more, at the first block it cannot parse."""
    try:
        with open_text(path) as handle:
            if has_header:
                handle.readline()
            while lines := list(itertools.islice(handle, chunk_rows)):
                block = _parse_numbers(lines, width)
                yield block
                if block is None:
                    return
    except GZIP_ERRORS:
        raise damaged_gzip(what) from None


def _parse_numbers(lines: list[str], width: int) -> np.ndarray | None:
    """The lines as an int32 block, else a float32 one; None unless every cell is a finite number and every line has
    ``width`` fields."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # loadtxt's "input contained no data" for blank lines
        # NumPy before 2.1 parses "1.5" or "nan" into an integer through a float, with only this warning.
        warnings.simplefilter("error", DeprecationWarning)
        for dtype in (np.int32, np.float32):
            try:
                block = np.loadtxt(lines, dtype, delimiter="\t", comments=None, quotechar=None, ndmin=2)
            except (ValueError, OverflowError, DeprecationWarning):
                continue
            usable = block.shape[1] == width and (dtype is np.int32 or np.isfinite(block).all())
            return block if usable else None
    return None


def _careful_feature_chunks(
    path: str, has_header: bool, columns: list[int], what: str, chunk_rows: int
) -> Iterator[np.ndarray]:
    """The selected columns through pandas, chunk by chunk, every cell checked and a bad one named."""
    first_line = 2 if has_header else 1
    for chunk in iter_table_chunks(path, has_header, what, chunk_rows, kind=FEATURES):
        yield _numeric_block(chunk.iloc[:, columns], columns, first_line + int(chunk.index[0]), has_header, what)


def read_feature_matrix(path: str, has_header: bool, selection: ColumnSelection, what: str) -> np.ndarray:
    """The whole feature table as one 2-D array: of the narrowest integer type that holds its values (uint8 for pixel
    values, uint16 for word ids, a quarter and a half of int32), else float32."""
    blocks = [
        _narrowest(block) if block.dtype.kind == "i" else block
        for block in iter_feature_chunks(path, has_header, selection, what)
    ]
    return np.concatenate(blocks, dtype=np.result_type(*blocks))


def _narrowest(block: np.ndarray) -> np.ndarray:
    """The block in the narrowest integer type that holds its values."""
    low, high = np.min_scalar_type(int(block.min())), np.min_scalar_type(int(block.max()))
    return block.astype(np.result_type(low, high), copy=False)


def _numeric_block(block: pd.DataFrame, columns: list[int], first_line: int, has_header: bool, what: str) -> np.ndarray:
    if any(not pd.api.types.is_numeric_dtype(dtype) for dtype in block.dtypes):
        _raise_non_numeric(block, columns, first_line, has_header, what)
    values = block.to_numpy()
    if values.dtype.kind in "iu" and (values.size == 0 or (values.min() >= _INT32.min and values.max() <= _INT32.max)):
        return values.astype(np.int32, copy=False)
    values = values.astype(np.float32, copy=False)
    finite = np.isfinite(values)
    if not finite.all():
        row, column = np.argwhere(~finite)[0]
        cell = "empty or NaN" if np.isnan(values[row, column]) else "infinite"
        raise UserInputError(
            f"line {first_line + row}, column {columns[column] + 1} of the {what} is {cell}: "
            "every cell must be a finite number; fill or remove that row."
        )
    return values


def _raise_non_numeric(block: pd.DataFrame, columns: list[int], first_line: int, has_header: bool, what: str) -> None:
    for position in range(block.shape[1]):
        column = block.iloc[:, position]  # by position: a header may repeat a name
        if pd.api.types.is_numeric_dtype(column.dtype):
            continue
        numbers = pd.to_numeric(column, errors="coerce")
        bad = numbers.isna() & column.notna()
        if bad.any():
            row = int(np.argmax(bad.to_numpy()))
            line = first_line + row
            cell = str(column.iloc[row])
            raise UserInputError(
                f"line {line}, column {columns[position] + 1} of the {what} is '{cell[:40]}', not a number: "
                f"{_non_number_hint(cell, line == 1 and not has_header, bool(bad.all()) and len(bad) > 1)}"
            )


def _non_number_hint(cell: str, first_line_of_data: bool, whole_column: bool) -> str:
    if re.fullmatch(r"\s*-?\d+,\d+\s*", cell):
        return "write decimals with a point (1.5), not a comma."
    if whole_column:
        return (
            "the column holds text, and a feature table holds numbers only: turn texts into word ids with "
            "'Tokenize text into integer sequences', or leave the column out."
        )
    if first_line_of_data:
        return "this looks like a header row: set the table's header option to Yes."
    return "feature tables must hold numbers only; fix or remove that cell."


def read_text_table(path: str, has_header: bool, what: str, kind: TableKind) -> pd.DataFrame:
    """The whole table, every cell a string as written (``kind.cells_as_written``)."""
    chunks = list(iter_table_chunks(path, has_header, what, kind=kind))
    return pd.concat(chunks) if len(chunks) > 1 else chunks[0]


def read_target_column(
    path: str, has_header: bool, selection: ColumnSelection, what: str, labels: bool = False
) -> np.ndarray:
    """The target values: one column, all numbers, or else labels as written; only an empty cell is missing.

    With ``labels``, several selected columns are read as one-hot class labels (see ``one_hot_classes``); values
    (a regressor's) come from one column.

    A column of numbers is parsed as numbers, 'nan' included, so that a regressor's missing values are refused.
    In any other column every cell is a label as written: 'NA', 'None' or 'null' are classes like any other.
    With ``labels`` (a classifier's targets, groups) every column is read so (``labels_as_written``).
    """
    table = read_text_table(path, has_header, what, LABELS)
    names = header_names(table, has_header)
    columns = selection.indices(names, what, has_header)
    first_line = 2 if has_header else 1
    if len(columns) == 1:
        values = table.iloc[:, columns[0]]
    elif not labels:
        raise UserInputError(
            f"{len(columns)} columns of the {what} are selected, but values to predict come from one column (several "
            "are read as one-hot class labels only for a classifier): select the column of values."
        )
    else:
        class_names = [names[column] for column in columns] if has_header else [str(i) for i in range(len(columns))]
        values = one_hot_classes(table.iloc[:, columns], class_names, first_line, what)
    _check_no_empty_target(values.str.strip() == "", first_line, what)
    numbers = pd.to_numeric(values, errors="coerce")
    text = (numbers.isna() & ~values.str.fullmatch(r"\s*[-+]?nan\s*", case=False)).to_numpy()
    if not text.any() and not labels:
        return _finite_targets(numbers, first_line, what)
    if not has_header and text[0] and not text[1:].any() and len(values) > 1:
        raise UserInputError(
            f"line 1 of the {what} is '{values.iloc[0]}' and all other lines are numbers: it looks like a header "
            "row; set the table's header option to Yes."
        )
    return labels_as_written(values)


# A whole number as Python writes one (no sign '+', no leading zero, no point), and within int64.
_PLAIN_WHOLE_NUMBER = r"-?(?:0|[1-9]\d{0,17})"


def labels_as_written(values: pd.Series) -> np.ndarray:
    """Labels as written: two cells are one label only if written alike ('1' and '1.0', 'nan' and 'NaN' are two).

    When every label is a whole number written plainly, they become those numbers, so that they sort as numbers
    (2 before 10) and are written back exactly as they were.
    """
    if values.str.fullmatch(_PLAIN_WHOLE_NUMBER).all():
        return values.astype(np.int64).to_numpy()
    return values.to_numpy(dtype=object)


def one_hot_classes(block: pd.DataFrame, class_names: list[str], first_line: int, what: str) -> pd.Series:
    """The class of each row of one-hot columns (0 or 1, one 1 per row, as the 'To categorical' tool writes them):
    the name of the column that holds its 1, as written in the header, or its position from 0 without a header."""
    numbers = block.apply(pd.to_numeric, errors="coerce").to_numpy()
    if not np.isin(numbers, (0, 1)).all():
        raise UserInputError(
            f"{block.shape[1]} columns of the {what} are selected, but they are not one-hot columns (0 or 1, one 1 "
            "per row): select the one column that holds the targets."
        )
    ones = numbers == 1
    per_row = ones.sum(axis=1)
    wrong = np.flatnonzero(per_row != 1)
    if len(wrong):
        row = int(wrong[0])
        if per_row[row] == 0:
            raise UserInputError(
                f"line {first_line + row} of the {what} has no 1 in its {block.shape[1]} one-hot columns: each row "
                "needs a 1 in the column of its class; fix or remove that row."
            )
        marked = ", ".join(class_names[column] for column in np.flatnonzero(ones[row]))
        raise UserInputError(
            f"line {first_line + row} of the {what} has a 1 in {per_row[row]} one-hot columns ({marked}): the tools "
            "learn one class per row, so each row needs exactly one 1; fix that row."
        )
    return pd.Series(np.asarray(class_names, dtype=object)[ones.argmax(axis=1)], index=block.index)


def _check_no_empty_target(missing: pd.Series, first_line: int, what: str) -> None:
    if missing.any():
        raise UserInputError(
            f"line {first_line + int(np.argmax(missing.to_numpy()))} of the {what} has no target value: fill or "
            "remove that row."
        )


def _finite_targets(numbers: pd.Series, first_line: int, what: str) -> np.ndarray:
    _check_no_empty_target(numbers.isna(), first_line, what)
    array = numbers.to_numpy()
    if array.dtype.kind == "f" and not np.isfinite(array).all():
        line = first_line + int(np.argmax(~np.isfinite(array)))
        raise UserInputError(f"line {line} of the {what} is infinite: targets must be finite numbers; fix that row.")
    return array
