"""Recognising users' files before a parser reads them: gzip or not, damaged, UTF-16, binary, another separator,
the tokenizer's vocabulary, a blank line that a table reader skips.

A parser meeting such a file fails deep inside (an EOFError from zlib, a cell full of NUL characters, a table
of one column), or worse, reads it; these checks name the problem instead. They read only the start of a file.
"""

from __future__ import annotations

import codecs
import gzip
import zlib
from dataclasses import dataclass
from typing import IO

from galaxy_keras.errors import UserInputError

GZIP_MAGIC = b"\x1f\x8b"
ZIP_MAGIC = b"PK\x03\x04"
UTF16_BOMS = (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)
# What gzip and zlib raise on a damaged (EOFError: truncated) gzip file, at the start or while reading on.
GZIP_ERRORS = (EOFError, gzip.BadGzipFile, zlib.error)
# Enough of a file to recognise it; the sample is extended to whole lines, the first two at least.
SAMPLE_BYTES = 1 << 16
SAMPLE_MIN_LINES = 2
# The first line of the tokenizer's vocabulary, and its header (the first line once the settings line is deleted).
VOCABULARY_SETTINGS_PREFIX = "# galaxy-keras3 vocabulary:"
VOCABULARY_HEADER = ["word", "index", "count"]
SEPARATORS = {",": "comma", ";": "semicolon"}
TABLE_FIX = "give a tab-separated text table"


def is_gzip(path: str) -> bool:
    with open(path, "rb") as handle:
        return handle.read(len(GZIP_MAGIC)) == GZIP_MAGIC


def open_text(path: str, newline: str | None = None) -> IO[str]:
    """A plain or gzipped text file, opened for reading as UTF-8 (a byte order mark skipped, bad bytes replaced)."""
    if is_gzip(path):
        return gzip.open(path, "rt", encoding="utf-8-sig", errors="replace", newline=newline)
    return open(path, encoding="utf-8-sig", errors="replace", newline=newline)


def damaged_gzip(what: str) -> UserInputError:
    return UserInputError(
        f"the {what} is a damaged or incomplete gzip file: upload it again, or compress it again from the original."
    )


def sample_lines(path: str, what: str) -> list[str]:
    """The first non-blank lines of a text file (decompressed), after refusing a damaged, UTF-16 or binary file.

    Blank as pandas reads them: empty or spaces only; a line of tabs is a row of empty cells.
    """
    lines = _sample_bytes(path, what).decode("utf-8-sig", errors="replace").split("\n")
    return [line.rstrip("\r") for line in lines if line.rstrip("\r").strip(" ")]


def _sample_bytes(path: str, what: str) -> bytes:
    """The file's first SAMPLE_BYTES, decompressed, as whole lines (however long the first two are)."""
    try:
        with gzip.open(path) if is_gzip(path) else open(path, "rb") as handle:
            sample = bytearray(handle.read(SAMPLE_BYTES))
            _refuse_binary(sample, what)  # before reading on: a binary file may have no line break for gigabytes
            while sample.count(b"\n") < SAMPLE_MIN_LINES and (more := handle.read(SAMPLE_BYTES)):
                sample += more
            at_end = not handle.read(1)
    except GZIP_ERRORS:
        raise damaged_gzip(what) from None
    return bytes(sample if at_end else sample[: sample.rfind(b"\n") + 1])


def _refuse_binary(start: bytes, what: str, expected: str = "a table", fix: str = TABLE_FIX) -> None:
    if start.startswith(UTF16_BOMS):
        raise UserInputError(f"the {what} is UTF-16, not UTF-8: save it as UTF-8 (plain text) and upload it again.")
    if start.startswith(ZIP_MAGIC) or b"\0" in start:
        guess = " (a Keras model archive?)" if start.startswith(ZIP_MAGIC) else ""
        raise UserInputError(f"the {what} looks like a binary file{guess}, not {expected}: {fix}.")


def read_whole_text(path: str, what: str, limit: int, expected: str, fix: str) -> str:
    """A small text file (``expected``: what it should be, such as a JSON file), whole and decompressed, as UTF-8
    without a byte order mark, as tables are read; refused when it is larger than ``limit`` bytes, binary, UTF-16 or
    not UTF-8, with ``fix`` saying what to give instead."""
    try:
        with gzip.open(path) if is_gzip(path) else open(path, "rb") as handle:
            data = handle.read(limit + 1)
    except GZIP_ERRORS:
        raise damaged_gzip(what) from None
    _refuse_binary(data[:SAMPLE_BYTES], what, expected, fix)
    if len(data) > limit:
        raise UserInputError(f"the {what} is larger than {limit >> 20} MiB, far larger than {expected} can be: {fix}.")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise UserInputError(f"the {what} is not UTF-8 text: save it as UTF-8, or {fix}.") from None


def first_skipped_blank_line(path: str) -> int | None:
    """The number of the first blank line (as ``sample_lines`` counts them) with a row after it, or None.

    A table reader skips blank lines, so that in a table of one column a missing value shifts every row below it.
    """
    blank = None
    with open_text(path) as handle:
        for number, line in enumerate(handle, start=1):
            if not line.rstrip("\r\n").strip(" "):
                blank = blank or number
            elif blank is not None:
                return blank
    return None


@dataclass(frozen=True)
class RowCount:
    """How many rows were read from a table, and how (for a message when two tables should have as many)."""

    what: str
    rows: int
    path: str
    has_header: bool


def check_same_row_counts(first: RowCount, second: RowCount, fix: str) -> None:
    """Refuse two tables of one row per sample whose row counts differ, with the likely reason."""
    if first.rows != second.rows:
        raise UserInputError(
            f"the {first.what} has {first.rows} rows but the {second.what} has {second.rows}: {fix} "
            f"({_row_count_hint(first, second)})."
        )


def _row_count_hint(first: RowCount, second: RowCount) -> str:
    """A blank line (skipped, so not a row), or header options that differ; else to check the header options."""
    for table in (first, second):
        line = first_skipped_blank_line(table.path)
        if line is not None:
            return (
                f"line {line} of the {table.what} is empty, and an empty line is skipped, not read as a row: fill in "
                "its value or remove the line"
            )
    if first.has_header != second.has_header:
        with_header, without = (first, second) if first.has_header else (second, first)
        return (
            f"the {with_header.what} is read with a header row and the {without.what} without: check the header options"
        )
    return "check the header options"


def other_separator(lines: list[str]) -> str | None:
    """'comma' or 'semicolon' for lines that separate their columns so, not with tabs; else None."""
    if any("\t" in line for line in lines):
        return None
    return next((name for separator, name in SEPARATORS.items() if _separated_by(separator, lines)), None)


def _separated_by(separator: str, lines: list[str]) -> bool:
    """Every line holds the same number of separators, and a single line only numbers between them.

    A column of labels may hold commas, but hardly the same number in every row.
    """
    count = lines[0].count(separator) if lines else 0
    if not count or any(line.count(separator) != count for line in lines):
        return False
    return len(lines) > 1 or all(looks_numeric(field) for field in lines[0].split(separator))


def looks_numeric(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def other_separator_error(name: str, what: str) -> UserInputError:
    as_csv = "change its datatype to csv (Galaxy then converts it), or " if name == "comma" else ""
    return UserInputError(
        f"the {what} looks {name}-separated, not tab-separated: {as_csv}convert it with Galaxy's "
        "'Convert delimiters to TAB' tool."
    )


def looks_like_vocabulary(lines: list[str]) -> bool:
    """Whether a file starts as the tokenizer's vocabulary does (or as its header, the settings line deleted)."""
    return bool(lines) and (
        lines[0].startswith(VOCABULARY_SETTINGS_PREFIX) or lines[0].split("\t") == VOCABULARY_HEADER
    )
