"""Reading Galaxy tabular datasets: tab-separated, optionally with a header row, optionally gzipped.

Every problem is reported as a ``UserInputError`` that names the table, the line and the column, so that a
Galaxy user can find the cell to fix. Feature tables become int32 or float32 arrays (half the memory of
pandas' int64/float64 defaults) and can be read in chunks, so that prediction runs in bounded memory.
"""

from __future__ import annotations

import gzip
import re
import warnings
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import IO, Any

import numpy as np
import pandas as pd

from galaxy_keras.errors import UserInputError

CHUNK_ROWS = 4096
_INT32 = np.iinfo(np.int32)
_RAGGED = re.compile(r"Expected (\d+) fields in line (\d+), saw (\d+)")


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
            shown = ", ".join(header[:8]) + (", ..." if len(header) > 8 else "")
            raise UserInputError(
                f"the {what} has no column named '{name}' (its columns: {shown}): fix the column names."
            )
        positions.append(header.index(name))
    if not positions:
        raise UserInputError(f"no column names given for the {what}: write names separated by commas.")
    return positions


def iter_table_chunks(
    path: str, has_header: bool, what: str, chunk_rows: int = CHUNK_ROWS, numeric_header: bool = False
) -> Iterator[pd.DataFrame]:
    """Yield the table in chunks of rows, with a RangeIndex that counts rows from the start of the file.

    A header of numbers only is taken for a data row read by mistake, unless ``numeric_header`` says that
    such a header is expected (class labels that are numbers, for instance).
    """
    try:
        reader = pd.read_csv(
            path,
            sep="\t",
            header=0 if has_header else None,
            chunksize=chunk_rows,
            compression={"method": "gzip"} if _is_gzip(path) else None,
            skip_blank_lines=True,
            quoting=3,  # csv.QUOTE_NONE: tabular datasets do not quote fields
            encoding_errors="replace",
        )
        header_checked = has_rows = False
        for number, chunk in enumerate(reader):
            if not header_checked:
                _check_header(list(map(str, chunk.columns)), has_header and not numeric_header, what)
                header_checked = True
            if number == 1:
                _check_no_long_row(path, what)
            if len(chunk):
                has_rows = True
                yield chunk
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


def open_text(path: str, newline: str | None = None) -> IO[str]:
    """A plain or gzipped text table, opened for reading as UTF-8 (undecodable bytes replaced)."""
    if _is_gzip(path):
        return gzip.open(path, "rt", encoding="utf-8", errors="replace", newline=newline)
    return open(path, encoding="utf-8", errors="replace", newline=newline)


def _is_gzip(path: str) -> bool:
    with open(path, "rb") as handle:
        return handle.read(2) == b"\x1f\x8b"


def _check_header(names: list[str], has_header: bool, what: str) -> None:
    if has_header and all(_looks_numeric(name) for name in names):
        raise UserInputError(
            f"the first row of the {what} holds only numbers, so it looks like data, not a header: "
            "set the table's header option to No."
        )


def _looks_numeric(text: str) -> bool:
    try:
        float(re.sub(r"\.\d+$", "", text) if re.fullmatch(r"-?\d+\.\d+", text) else text)
    except ValueError:
        return False
    return True


def header_names(chunk: pd.DataFrame, has_header: bool) -> list[str]:
    return [str(name) for name in chunk.columns] if has_header else [str(i + 1) for i in range(chunk.shape[1])]


def iter_feature_chunks(
    path: str, has_header: bool, selection: ColumnSelection, what: str, chunk_rows: int = CHUNK_ROWS
) -> Iterator[np.ndarray]:
    """Yield the selected columns as int32 (all integers) or float32 blocks, checking every cell is a finite number."""
    columns: list[int] | None = None
    first_line = 2 if has_header else 1
    for chunk in iter_table_chunks(path, has_header, what, chunk_rows):
        if columns is None:
            columns = selection.indices(header_names(chunk, has_header), what, has_header)
        block = chunk.iloc[:, columns]
        yield _numeric_block(block, columns, first_line + int(chunk.index[0]), has_header, what)


def read_feature_matrix(path: str, has_header: bool, selection: ColumnSelection, what: str) -> np.ndarray:
    """The whole feature table as one 2-D int32 or float32 array."""
    integers = _read_integer_matrix(path, has_header, selection, what)
    return integers if integers is not None else _read_matrix_in_chunks(path, has_header, selection, what)


def _read_integer_matrix(path: str, has_header: bool, selection: ColumnSelection, what: str) -> np.ndarray | None:
    """The common case, a plain table of integers (token ids), parsed by NumPy straight into int32.

    About as fast as pandas' defaults (BENCHMARKS.md), without their int64 copy. None for anything else (a
    gzipped table, a decimal, an empty cell, a ragged row, a number beyond int32), which
    ``_read_matrix_in_chunks`` then reads, naming the cell.
    """
    rows = _count_lines(path) - int(has_header)
    if rows <= 0:
        return None
    first = next(iter_table_chunks(path, has_header, what, chunk_rows=1))  # checks the header, names the columns
    columns = selection.indices(header_names(first, has_header), what, has_header)
    width = first.shape[1]
    every_column = columns == list(range(width))
    matrix = np.empty((rows, len(columns)), dtype=np.int32)
    filled = 0
    with open(path, encoding="utf-8", errors="replace") as handle, warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # loadtxt's "input contained no data" at the end of the file
        # NumPy before 2.1 parses "1.5" or "nan" into an integer through a float, with only this warning.
        warnings.simplefilter("error", DeprecationWarning)
        if has_header:
            handle.readline()
        while filled < rows:
            try:
                block = np.loadtxt(
                    handle, np.int32, delimiter="\t", comments=None, quotechar=None, max_rows=CHUNK_ROWS, ndmin=2
                )
            except (ValueError, OverflowError, DeprecationWarning):
                return None
            if not len(block):
                break
            if block.shape[1] != width:  # a ragged row at the start of a chunk
                return None
            matrix[filled : filled + len(block)] = block if every_column else block[:, columns]
            filled += len(block)
    return matrix[:filled]


def _read_matrix_in_chunks(path: str, has_header: bool, selection: ColumnSelection, what: str) -> np.ndarray:
    """Any feature table, chunk by chunk through pandas, every cell checked.

    The rows are counted first, so that the array is allocated once and filled chunk by chunk: the peak memory
    is the array itself plus one chunk, not the list of chunks and their concatenation.
    """
    capacity = _count_lines(path) - int(has_header)
    matrix: np.ndarray | None = None
    filled = 0
    for block in iter_feature_chunks(path, has_header, selection, what):
        if matrix is None:
            matrix = np.empty((max(capacity, len(block)), block.shape[1]), dtype=block.dtype)
        if block.dtype == np.float32 and matrix.dtype != np.float32:
            matrix = matrix.astype(np.float32)
        if filled + len(block) > len(matrix):  # a gzipped table, whose lines were not counted
            matrix = np.concatenate([matrix[:filled], np.empty((len(block) + filled, matrix.shape[1]), matrix.dtype)])
        matrix[filled : filled + len(block)] = block
        filled += len(block)
    assert matrix is not None  # iter_table_chunks raises on a table without rows
    return matrix[:filled]


def _count_lines(path: str) -> int:
    """Lines of a plain text file (a last line without a newline counts); 0 for a gzipped file."""
    if _is_gzip(path):
        return 0
    lines, last = 0, b"\n"
    with open(path, "rb") as handle:
        while block := handle.read(1 << 20):
            lines += block.count(b"\n")
            last = block[-1:]
    return lines + (last != b"\n")


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
    for position, name in enumerate(block.columns):
        column = block[name]
        if pd.api.types.is_numeric_dtype(column.dtype):
            continue
        numbers = pd.to_numeric(column, errors="coerce")
        bad = numbers.isna() & column.notna()
        if bad.any():
            row = int(np.argmax(bad.to_numpy()))
            line = first_line + row
            hint = (
                "this looks like a header row: set the table's header option to Yes."
                if line == 1 and not has_header
                else "feature tables must hold numbers only; fix or remove that cell."
            )
            raise UserInputError(
                f"line {line}, column {columns[position] + 1} of the {what} is '{str(column.iloc[row])[:40]}', "
                f"not a number: {hint}"
            )


def read_target_column(path: str, has_header: bool, selection: ColumnSelection, what: str) -> np.ndarray:
    """The target values: one column, numbers or class names, with no empty cell."""
    chunks = list(iter_table_chunks(path, has_header, what, chunk_rows=1 << 20))
    table = pd.concat(chunks) if len(chunks) > 1 else chunks[0]
    columns = selection.indices(header_names(table, has_header), what, has_header)
    if len(columns) != 1:
        raise UserInputError(f"{len(columns)} columns of the {what} are selected: select the one column of targets.")
    values = table.iloc[:, columns[0]]
    first_line = 2 if has_header else 1
    missing = values.isna().to_numpy()
    if missing.any():
        raise UserInputError(
            f"line {first_line + int(np.argmax(missing))} of the {what} has no target value: fill or remove that row."
        )
    if not pd.api.types.is_numeric_dtype(values.dtype):
        numbers = pd.to_numeric(values, errors="coerce")
        if not has_header and pd.isna(numbers.iloc[0]) and numbers.iloc[1:].notna().all() and len(values) > 1:
            raise UserInputError(
                f"line 1 of the {what} is '{values.iloc[0]}' and all other lines are numbers: it looks like a header "
                "row; set the table's header option to Yes."
            )
        return values.astype(str).to_numpy()
    array = values.to_numpy()
    if array.dtype.kind == "f" and not np.isfinite(array).all():
        line = first_line + int(np.argmax(~np.isfinite(array)))
        raise UserInputError(f"line {line} of the {what} is infinite: targets must be finite numbers; fix that row.")
    return array
